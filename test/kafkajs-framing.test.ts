import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { startKafka } from './support/kafka.js';

/**
 * How kafkajs reads the broker's answers as patches/kafkajs+2.2.4.patch changes it (frameReader.js): each
 * answer is a 4-byte big-endian size and that many bytes (the Kafka protocol guide's framing), read in place
 * through the socket's `onread` instead of joined from 'data' events.
 */
const require = createRequire(import.meta.url);
interface FrameReader {
  nextBuffer(): Buffer;
  onRead(bytes: number): void;
}
const FrameReaderClass = require('kafkajs/src/network/frameReader') as new (
  onFrame: (frame: Buffer) => void,
  onError: (error: Error) => void,
  awaited: (correlationId: number) => boolean,
) => FrameReader;
const socketFactory = (require('kafkajs/src/network/socketFactory') as () => { supportsOnRead?: boolean })();
const { Kafka, logLevel } = kafkajs;

/** A stream of answers as a broker writes them: each body after its size. */
function framed(bodies: Buffer[]): Buffer {
  return Buffer.concat(bodies.flatMap((body) => [sizeOf(body.length), body]));
}

function sizeOf(length: number): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(length, 0);
  return size;
}

/** Feeds `stream` to a reader as a socket would, `cut(read, position)` bytes a read at most, and returns the frames it handed on. */
function readAll(stream: Buffer, cut: (read: number, position: number) => number): Buffer[] {
  const frames: Buffer[] = [];
  const reader = new FrameReaderClass(
    // Kept as handed on: an answer that were a view of the reader's scratch buffer would change under later reads.
    (frame) => frames.push(frame),
    (error) => {
      throw error;
    },
    () => true,
  );
  let position = 0;
  for (let read = 0; position < stream.length; read += 1) {
    const target = reader.nextBuffer();
    // A socket cannot read into no room: an empty buffer here would stall the connection.
    if (target.length === 0) throw new Error(`no room offered for read ${read} at byte ${position}`);
    const bytes = Math.min(cut(read, position), target.length, stream.length - position);
    stream.copy(target, 0, position, position + bytes);
    position += bytes;
    reader.onRead(bytes);
  }
  return frames;
}

describe("kafkajs's response framing, as patched", () => {
  // Sizes around the reader's 64 KiB scratch buffer and its 4-byte prefix, empty answers among them.
  const bodies = [0, 1, 3, 4, 5, 100, 65_531, 65_532, 65_536, 65_537, 200_000, 0, 4, 7, 131_072].map((size) => randomBytes(size));
  const stream = framed(bodies);
  // Where each answer's size prefix starts in the stream.
  const prefixes = bodies.map((_, index) => bodies.slice(0, index).reduce((sum, body) => sum + 4 + body.length, 0));

  it('hands on every answer whole, however the stream is cut into reads', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const cuts: Array<[string, (read: number, position: number) => number]> = [
      ['as much as fits', () => Number.MAX_SAFE_INTEGER],
      ['one byte a read', () => 1],
      ['three bytes a read', () => 3],
      ['a size prefix split', (read) => (read % 2 === 0 ? 2 : 65_539)],
      // An answer whole in the read, then two bytes of the next one's size.
      ['reads ending inside the next size prefix', (_, position) => ((prefixes.find((prefix) => prefix > position) ?? stream.length) + 2 - position)],
      ['random reads up to 70 000 bytes', () => 1 + (random() % 70_000)],
      ['random reads up to 9 bytes', () => 1 + (random() % 9)],
    ];
    for (const [name, cut] of cuts) {
      const frames = readAll(stream, cut);
      expect(frames.length, name).toBe(bodies.length);
      frames.forEach((frame, index) => expect(frame.equals(bodies[index] as Buffer), `${name}: answer ${index}`).toBe(true));
    }
  });

  it('reads a large answer straight into a buffer of its own size', () => {
    const large = randomBytes(300_000);
    const reader = new FrameReaderClass(
      () => undefined,
      (error) => {
        throw error;
      },
      () => true,
    );
    const first = reader.nextBuffer();
    sizeOf(large.length).copy(first);
    large.copy(first, 4, 0, 1000);
    reader.onRead(1004);
    // The rest goes where the answer will be handed on from, not through the scratch buffer.
    const rest = reader.nextBuffer();
    expect(rest.length).toBe(large.length - 1000);
    expect(rest.buffer.byteLength).toBeGreaterThanOrEqual(large.length);
  });

  /** What a reader hands on and what it gives up with, after one read of `bytes`, with requests 5 and 6 in flight. */
  function readOnce(bytes: Buffer): { frames: string[]; errors: string[]; room: number } {
    const frames: string[] = [];
    const errors: string[] = [];
    const reader = new FrameReaderClass(
      (frame) => frames.push(frame.toString('latin1')),
      (error) => errors.push(error.message),
      (correlationId) => correlationId === 5 || correlationId === 6,
    );
    bytes.copy(reader.nextBuffer());
    reader.onRead(bytes.length);
    return { frames, errors, room: reader.nextBuffer().length };
  }

  it('gives up on a negative size instead of allocating it', () => {
    const { frames, errors } = readOnce(Buffer.concat([sizeOf(2), Buffer.from('ok'), sizeOf(-1), Buffer.from('rest')]));
    expect(frames).toEqual(['ok']);
    expect(errors).toEqual(['Invalid response size -1']);
  });

  it('makes room for a large answer only when a request in flight has its correlation id', () => {
    const id = (value: number) => sizeOf(value);
    // A request in flight: the rest of its answer is read into a buffer of its size.
    expect(readOnce(Buffer.concat([sizeOf(1_000_000), id(5), Buffer.from('part')]))).toEqual({ frames: [], errors: [], room: 1_000_000 - 8 });
    // Not yet known: the reader waits for the id in its scratch buffer.
    expect(readOnce(Buffer.concat([sizeOf(1_000_000), Buffer.from([0, 0])]))).toEqual({ frames: [], errors: [], room: 64 * 1024 - 6 });
    // An HTTP server's answer on a wrong port reads as a size of 1 213 486 160 bytes.
    const http = readOnce(Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    expect(http.errors).toEqual([`Response of ${Buffer.from('HTTP').readInt32BE(0)} bytes for correlation id ${Buffer.from('/1.1').readInt32BE(0)}, which no request in flight has`]);
    expect(http.room).toBeLessThanOrEqual(64 * 1024);
    // A small answer nobody waits for any more is handed on whole, as before (kafkajs then logs and drops it).
    expect(readOnce(Buffer.concat([sizeOf(6), id(9), Buffer.from('ok')])).frames).toHaveLength(1);
  });

  it('ends a connection to a port that does not speak Kafka at once, where it waited for a gigabyte', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      // Left open: kafkajs reading the answer as a 1.2 GB response would wait for the rest until its request timeout.
      socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 20_000 });
    const admin = kafka.admin();
    const started = Date.now();
    await expect(admin.connect()).rejects.toThrow(/which no request in flight has/);
    expect(Date.now() - started).toBeLessThan(10_000);
    server.close();
  });
});

describe('kafkajs through a connection that cuts every answer into small pieces', () => {
  let emulator: KafkaEmulator;
  let proxy: Server;
  const sockets = new Set<Socket>();
  let piecesWritten = 0;

  /** Writes the broker's bytes to the client a few hundred at a time, letting the client read between writes. */
  async function dribble(from: Socket, to: Socket): Promise<void> {
    let size = 1;
    for await (const chunk of from) {
      const data = chunk as Buffer;
      for (let offset = 0; offset < data.length; offset += size) {
        size = 1 + ((size * 7919 + offset) % 1500);
        if (to.destroyed) return;
        to.write(data.subarray(offset, offset + size));
        piecesWritten += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    to.end();
  }

  beforeAll(async () => {
    // The broker advertises 127.0.0.2 and the proxy listens there on its port, so that every connection kafkajs
    // makes, to the coordinator too, goes through the proxy.
    emulator = await startKafka({ advertisedHost: '127.0.0.2', maxMessageBytes: 4 << 20 });
    proxy = createServer((client) => {
      const broker = connect(emulator.port, '127.0.0.1');
      broker.setNoDelay(true);
      client.setNoDelay(true);
      for (const socket of [client, broker]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(broker);
      void dribble(broker, client).catch(() => client.destroy());
    });
    proxy.listen(emulator.port, '127.0.0.2');
    await once(proxy, 'listening');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    proxy.close();
    await emulator.close();
  });

  /** Produces values of every size through the proxy and reads them back: each must come back intact. */
  async function roundTrip(kafka: InstanceType<typeof Kafka>, topic: string): Promise<void> {
    const sizes = [0, 1, 10, 1000, 60_000, 70_000, 300, 250_000, 5, 64 * 1024];
    const values = Array.from({ length: 60 }, (_, index) => randomBytes(sizes[index % sizes.length] as number));
    const piecesBefore = piecesWritten;
    const producer = kafka.producer();
    await producer.connect();
    for (let start = 0; start < values.length; start += 20) {
      await producer.send({ topic, messages: values.slice(start, start + 20).map((value, offset) => ({ key: String(start + offset), value, partition: 0 })) });
    }
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: topic, maxWaitTimeInMs: 50, maxBytesPerPartition: 1 << 20 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Map<string, Buffer>();
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.set(String(message.key), Buffer.from(message.value ?? Buffer.alloc(0)));
            if (seen.size === values.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    values.forEach((value, index) => expect(seen.get(String(index))?.equals(value), `message ${index}`).toBe(true));
    // The fetches alone came in more pieces than there are messages.
    expect(piecesWritten - piecesBefore).toBeGreaterThan(values.length * 10);
  }

  const retry = { retries: 5, initialRetryTime: 50 };

  it('produces and consumes values of every size intact, reading in place', async () => {
    expect(socketFactory.supportsOnRead).toBe(true);
    await roundTrip(new Kafka({ brokers: [`127.0.0.2:${emulator.port}`], logLevel: logLevel.NOTHING, retry }), 'framing-in-place');
  }, 60_000);

  it("does the same through 'data' events, as with TLS or a socket factory of the user's", async () => {
    const socketFactory = ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }) => connect({ host, port }, onConnect);
    await roundTrip(new Kafka({ brokers: [`127.0.0.2:${emulator.port}`], logLevel: logLevel.NOTHING, retry, socketFactory }), 'framing-data-events');
  }, 60_000);
});

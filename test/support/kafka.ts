import kafkajs from 'kafkajs';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { KafkaEmulator, type KafkaEmulatorOptions } from '../../emulators/kafka/index.js';
import { APIS } from '../../emulators/kafka/protocol/apis/index.js';
import { Reader, Writer } from '../../emulators/kafka/protocol/primitives.js';
import type { Struct } from '../../emulators/kafka/protocol/schema.js';

/** An emulator on a free loopback port, logging nothing. */
export function startKafka(options: KafkaEmulatorOptions = {}): Promise<KafkaEmulator> {
  return KafkaEmulator.start({ port: 0, logger: pino({ level: 'silent' }), ...options });
}

/** Every message of a topic as kafkajs reads it (the current format, Fetch v11) in a group of its own, `key=value` sorted. */
export async function readAllWithKafkajs(brokers: string, topic: string, count: number): Promise<string[]> {
  const kafka = new kafkajs.Kafka({ clientId: 'read-all', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `read-all-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(`${message.key?.toString() ?? ''}=${message.value?.toString() ?? ''}`);
        if (seen.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen.sort();
}

/**
 * One emulator for a test file (started before its tests, closed after them) and bare clients closed after
 * each test: `const kafka = emulatorForFile(); … kafka.emulator.topics, await kafka.connect()`.
 */
export function emulatorForFile(options: KafkaEmulatorOptions = {}): { readonly emulator: KafkaEmulator; connect(port?: number): Promise<RawKafkaClient> } {
  let started: KafkaEmulator | undefined;
  const clients: RawKafkaClient[] = [];
  beforeAll(async () => {
    started = await startKafka(options);
  });
  afterEach(() => {
    for (const raw of clients.splice(0)) raw.close();
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    get emulator(): KafkaEmulator {
      if (started === undefined) throw new Error('the emulator starts in beforeAll');
      return started;
    },
    async connect(port?: number): Promise<RawKafkaClient> {
      const raw = await RawKafkaClient.connect(port ?? this.emulator.port);
      clients.push(raw);
      return raw;
    },
  };
}

/**
 * A bare protocol client: sends one request of a named API and version and decodes the answer, so tests
 * can check exact error codes and the broker's handling of malformed input.
 */
export class RawKafkaClient {
  private pending: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: ((frame: Buffer) => void) | undefined;
  private correlationId = 0;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        const size = this.pending.readInt32BE(0);
        const frame = this.pending.subarray(4, 4 + size);
        this.pending = this.pending.subarray(4 + size);
        if (this.waiting) {
          const resolve = this.waiting;
          this.waiting = undefined;
          resolve(frame);
        } else this.frames.push(frame);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawKafkaClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next response frame (size prefix removed). */
  nextFrame(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      void this.closed.then(() => reject(new Error('connection closed')));
    });
  }

  /** Encodes a request the way a client does: size, header v1 (v2 when flexible), body. */
  encode(name: string, version: number, body: Struct): Buffer {
    const api = APIS.find((candidate) => candidate.name === name);
    if (api === undefined) throw new Error(`no API ${name}`);
    const flexible = api.request.isFlexible(version);
    const writer = new Writer();
    writer.int32(0).int16(api.key).int16(version).int32(++this.correlationId).int16(4).bytes(Buffer.from('test'));
    if (flexible) writer.uvarint(0);
    api.request.encode(writer, body, version);
    const frame = writer.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    return frame;
  }

  async request(name: string, version: number, body: Struct, decodeAs = version): Promise<Struct & { correlationId: number }> {
    this.socket.write(this.encode(name, version, body));
    return this.decode(name, await this.nextFrame(), decodeAs);
  }

  decode(name: string, frame: Buffer, version: number): Struct & { correlationId: number } {
    const api = APIS.find((candidate) => candidate.name === name);
    if (api === undefined) throw new Error(`no API ${name}`);
    const reader = new Reader(frame);
    const correlationId = reader.int32();
    if (api.response.isFlexible(version) && name !== 'ApiVersions') reader.uvarint();
    return { ...api.response.decode(reader, version), correlationId };
  }

  close(): void {
    this.socket.destroy();
  }
}

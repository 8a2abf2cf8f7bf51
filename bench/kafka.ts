import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { cpuMs, freePort, waitForPort } from './process.js';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { packageRoot } from '../shared/paths.js';

const { Kafka, logLevel } = kafkajs;

/**
 * Kafka emulator throughput: kafkajs produces and then consumes 1 KiB messages against `sluice emulate
 * kafka` running in its own process (one core), next to a baseline measured in the same run: the same
 * number of bytes, in frames of the same size and with the same concurrency, sent through a plain TCP
 * echo sink. The ratio is the emulator's (and the client's) cost over moving the bytes at all.
 */

const MESSAGE_BYTES = 1024;
const MESSAGES = Number(process.env.BENCH_KAFKA_MESSAGES ?? 200_000);
const PER_REQUEST = 1000;
const IN_FLIGHT = 4;
const PARTITIONS = 4;

export interface Row {
  name: string;
  messagesPerSecond: number;
  mibPerSecond: number;
  /** Messages per second of the emulator's own CPU time: what one core of it sustains. */
  messagesPerCpuSecond?: number;
}


async function startEmulator(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(packageRoot, 'dist', 'bin', 'sluice.js'), 'emulate', 'kafka', '--port', String(port), '--max-message-bytes', String(64 * 1024 * 1024), '--retention-bytes', String(4 * 1024 * 1024 * 1024)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  // The emulator logs nothing at warn on a good start: wait for its port instead.
  await waitForPort(port);
  return child;
}

function row(name: string, messages: number, ms: number, emulatorCpuMs?: number): Row {
  return {
    name,
    messagesPerSecond: (messages / ms) * 1000,
    mibPerSecond: ((messages * MESSAGE_BYTES) / (1024 * 1024) / ms) * 1000,
    ...(emulatorCpuMs === undefined ? {} : { messagesPerCpuSecond: (messages / emulatorCpuMs) * 1000 }),
  };
}

async function emulatorRuns(): Promise<Row[]> {
  const port = await freePort();
  const child = await startEmulator(port);
  try {
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: PARTITIONS }] });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const value = Buffer.alloc(MESSAGE_BYTES, 'x');
    const requests = Math.ceil(MESSAGES / PER_REQUEST);
    let sent = 0;
    const pid = child.pid ?? 0;
    const produceCpu = cpuMs(pid);
    const produceStart = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, lane) => {
        for (let request = lane; request < requests; request += IN_FLIGHT) {
          const messages = Array.from({ length: PER_REQUEST }, () => ({ value }));
          await producer.send({ topic: 'bench', acks: 1, messages: messages.map((message) => ({ ...message, partition: request % PARTITIONS })) });
          sent += PER_REQUEST;
        }
      }),
    );
    const produceMs = performance.now() - produceStart;
    const produceCpuMs = cpuMs(pid) - produceCpu;
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'bench', maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'bench', fromBeginning: true });
    let consumed = 0;
    let consumeStart = 0;
    const consumeCpu = cpuMs(pid);
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (consumeStart === 0) consumeStart = performance.now();
          consumed += batch.messages.length;
          if (consumed >= sent) resolve();
        },
      });
    });
    await done;
    const consumeMs = performance.now() - consumeStart;
    const consumeCpuMs = cpuMs(pid) - consumeCpu;
    await consumer.disconnect();
    return [row('kafkajs → emulator, produce', sent, produceMs, produceCpuMs), row('emulator → kafkajs, consume', consumed, consumeMs, consumeCpuMs)];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** The floor: the same request-sized frames through a TCP echo sink in another process, IN_FLIGHT at a time. */
async function echoRun(): Promise<Row> {
  const port = await freePort();
  const sink = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.pipe(s)).listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(sink.stdout, 'data');
  try {
    const frame = Buffer.alloc(PER_REQUEST * (MESSAGE_BYTES + 70), 'x');
    const requests = Math.ceil(MESSAGES / PER_REQUEST);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, lane) => {
        const socket = connect(port, '127.0.0.1');
        await once(socket, 'connect');
        for (let request = lane; request < requests; request += IN_FLIGHT) {
          socket.write(frame);
          let echoed = 0;
          while (echoed < frame.length) echoed += ((await once(socket, 'data')) as [Buffer])[0].length;
        }
        socket.destroy();
      }),
    );
    return row('same bytes → TCP echo sink (baseline)', requests * PER_REQUEST, performance.now() - start);
  } finally {
    sink.kill();
  }
}

export async function benchKafka(): Promise<Row[]> {
  const baseline = await echoRun();
  return [baseline, ...(await emulatorRuns())];
}

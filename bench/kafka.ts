import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort, sluiceProcess, threadsCpuMs, waitForPort } from './process.js';
import { gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import { crc32c } from '../emulators/common/crc32c.js';
import { encodeBatch, parseBatches } from '../emulators/kafka/protocol/record-batch.js';
import type { EsRow } from './elasticsearch.js';

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
  /** CPU time of the client (kafkajs, in this process) per message: what kafkajs itself costs. */
  clientMicrosecondsPerMessage?: number;
}


async function startEmulator(port: number): Promise<ChildProcess> {
  const child = sluiceProcess(['emulate', 'kafka', '--port', String(port), '--max-message-bytes', String(64 * 1024 * 1024), '--retention-bytes', String(4 * 1024 * 1024 * 1024)], { stdout: 'pipe' });
  // The emulator logs nothing at warn on a good start: wait for its port instead.
  await waitForPort(port);
  return child;
}

function row(name: string, messages: number, ms: number, emulatorCpuMs?: number, clientCpuMicros?: number): Row {
  return {
    ...(clientCpuMicros === undefined ? {} : { clientMicrosecondsPerMessage: clientCpuMicros / messages }),
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
    const produceCpu = threadsCpuMs(pid);
    const produceClientCpu = process.cpuUsage();
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
    const produceCpuMs = threadsCpuMs(pid) - produceCpu;
    const produceClient = process.cpuUsage(produceClientCpu);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'bench', maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'bench', fromBeginning: true });
    let consumed = 0;
    let consumeStart = 0;
    const consumeCpu = threadsCpuMs(pid);
    let consumeClientCpu = process.cpuUsage();
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (consumeStart === 0) {
            consumeStart = performance.now();
            consumeClientCpu = process.cpuUsage();
          }
          consumed += batch.messages.length;
          if (consumed >= sent) resolve();
        },
      });
    });
    await done;
    const consumeMs = performance.now() - consumeStart;
    const consumeCpuMs = threadsCpuMs(pid) - consumeCpu;
    const consumeClient = process.cpuUsage(consumeClientCpu);
    await consumer.disconnect();
    const micros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;
    return [row('kafkajs → emulator, produce', sent, produceMs, produceCpuMs, micros(produceClient)), row('emulator → kafkajs, consume', consumed, consumeMs, consumeCpuMs, micros(consumeClient))];
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

/** Microseconds per call of `work`, the median of five rounds of `rounds` calls. */
function microseconds(work: () => void, rounds: number): number {
  const samples: number[] = [];
  for (let sample = 0; sample < 5; sample += 1) {
    const start = performance.now();
    for (let i = 0; i < rounds; i += 1) work();
    samples.push(((performance.now() - start) * 1000) / rounds);
  }
  return samples.sort((a, b) => a - b)[2] as number;
}

/**
 * What validating a produced batch costs the emulator (decompressing it and walking its records, as Kafka's
 * LogValidator does), next to the CRC-32C check alone, which is all it did before and still does first.
 */
export function benchBatchValidation(): EsRow[] {
  const records = Array.from({ length: PER_REQUEST }, (_, i) => ({ timestamp: 1_700_000_000_000n + BigInt(i), key: null, value: Buffer.alloc(MESSAGE_BYTES, i % 251) }));
  const batches = [
    { name: 'an uncompressed', bytes: encodeBatch(records) },
    { name: 'a gzip', bytes: encodeBatch(records, { codec: 1, compress: (plain) => gzipSync(plain) }) },
    { name: 'an lz4', bytes: encodeBatch(records, { codec: 3, compress: (plain) => Buffer.from(lz4.compress(plain)) }) },
  ];
  return batches.map(({ name, bytes }) => ({
    name: `validate ${name} batch of ${PER_REQUEST} × 1 KiB records`,
    value: microseconds(() => parseBatches(bytes), 200),
    unit: 'µs',
    baseline: microseconds(() => crc32c(bytes, 21), 200),
    baselineName: 'CRC-32C check alone',
  }));
}

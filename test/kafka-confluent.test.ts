import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { confluent as runConfluent } from './support/confluent.js';
import { startKafka } from './support/kafka.js';

/** confluent-kafka (librdkafka) through Debian's python3-confluent-kafka, for what kcat cannot express. */
let emulator: KafkaEmulator;

beforeAll(async () => {
  emulator = await startKafka();
});
afterAll(async () => {
  await emulator.close();
});

const confluent = (args: string[]) => runConfluent(emulator.brokers, args);

interface ReadRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** What kafkajs gives for a record librdkafka read: int64s as decimal strings, a repeated header's values in an array. */
function asKafkajsGivesIt(record: ReadRecord) {
  const headers: Record<string, string | null | Array<string | null>> = {};
  for (const [name, value] of record.headers) {
    const previous = Object.hasOwn(headers, name) ? headers[name] : undefined;
    headers[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return { offset: String(record.offset), timestamp: String(record.timestamp), key: record.key, value: record.value, headers };
}

/** Every record of partition 0 of `topic` as a kafkajs consumer group member decodes it, Buffers in hex. */
async function kafkajsReads(topic: string, count: number) {
  const kafka = new kafkajs.Kafka({ brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `kafkajs-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const read: Array<ReturnType<typeof asKafkajsGivesIt>> = [];
  const hex = (buffer: Buffer | null) => (buffer === null ? null : buffer.toString('hex'));
  const headerHex = (value: Buffer | string | undefined | Array<Buffer | string>) =>
    Array.isArray(value) ? value.map((item) => hex(item as Buffer)) : hex((value ?? null) as Buffer | null);
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, headerHex(value)]));
        read.push({ offset: message.offset, timestamp: message.timestamp, key: hex(message.key ?? null), value: hex(message.value), headers });
        if (read.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return read;
}

describe('confluent-kafka (librdkafka) against the emulator', () => {
  it('enable.idempotence=true: the producer gets an id and every message lands once', async () => {
    emulator.topics.create('cf-idem', 3);
    const report = await confluent(['idempotent', 'cf-idem', '200']);
    expect(report.errors).toEqual([]);
    expect(report.delivered).toBe(200);
    expect(report.consumed).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`).sort());
    const producers = [0, 1, 2].map((partition) => emulator.topics.partition('cf-idem', partition)?.producers.size ?? 0);
    expect(producers.reduce((sum, size) => sum + size, 0), String(producers)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...producers)).toBe(1);
  });

  it('transactions: commits seen by read_committed, aborts only by read_uncommitted; offsets sent in a transaction; fencing', async () => {
    const report = await confluent(['transactions', 'cf-txn']);
    expect(report.read_committed).toEqual(['kept-1', 'kept-2', 'kept-3', 'kept-4']);
    expect(report.read_uncommitted).toEqual(['dropped-1', 'dropped-2', 'kept-1', 'kept-2', 'kept-3', 'kept-4']);
    expect(report.ctp_output).toEqual(['KEPT-1', 'KEPT-2', 'KEPT-3', 'KEPT-4']);
    // The loop's offsets, committed with its output: past the last record it read in each partition (kept-4 at
    // offset 5 of partition 0, kept-2 at 0 of partition 1), and past any marker librdkafka had fetched.
    const committed = report.ctp_committed as Record<string, number>;
    expect(committed['0']).toBeGreaterThanOrEqual(6);
    expect(committed['1']).toBeGreaterThanOrEqual(1);
    expect(committed['1']).toBeLessThanOrEqual(4);
    expect(report.fenced).toEqual({ name: '_FENCED', fatal: true });
    expect(report.after_fencing).toEqual(['kept-1', 'kept-2', 'kept-3', 'kept-4', 'successor']);
  });

  // kafkajs's record decoding is patched (patches/kafkajs+2.2.4.patch): offsets and timestamps added in Numbers
  // while they are safe integers, each record read where it lies. librdkafka's reading is the reference.
  it.each(['none', 'gzip'])('kafkajs reads every shape of record confluent-kafka wrote (%s) as confluent-kafka reads it', async (codec) => {
    const topic = `cf-records-${codec}`;
    emulator.topics.create(topic, 1);
    const report = await confluent(['records', topic, codec]);
    const written = report.records as ReadRecord[];
    expect(written.length).toBe(8);
    expect(emulator.topics.partition(topic, 0)?.read(0, 1 << 20).batches.length).toBe(1);
    expect(await kafkajsReads(topic, written.length)).toEqual(written.map(asKafkajsGivesIt));
  });

  it.each(['lz4', 'zstd', 'snappy', 'gzip'])('offsets_for_times finds the exact record inside a %s batch', async (codec) => {
    const topic = `cf-ts-${codec}`;
    emulator.topics.create(topic, 1);
    const report = await confluent(['timestamps', topic, codec]);
    const batches = emulator.topics.partition(topic, 0)?.read(0, 1 << 20).batches ?? [];
    expect(batches.length).toBe(1);
    expect(report).toEqual({ offset: 7, error: null });
  });
});

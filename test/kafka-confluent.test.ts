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

  it.each(['lz4', 'zstd', 'snappy', 'gzip'])('offsets_for_times finds the exact record inside a %s batch', async (codec) => {
    const topic = `cf-ts-${codec}`;
    emulator.topics.create(topic, 1);
    const report = await confluent(['timestamps', topic, codec]);
    const batches = emulator.topics.partition(topic, 0)?.read(0, 1 << 20).batches ?? [];
    expect(batches.length).toBe(1);
    expect(report).toEqual({ offset: 7, error: null });
  });
});

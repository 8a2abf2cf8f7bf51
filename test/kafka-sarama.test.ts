import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { registerCodecs } from '../services/ingest/codecs.js';
import { readAllWithKafkajs, startKafka } from './support/kafka.js';
import { buildGoClient, run } from './support/process.js';

/**
 * Debian's sarama (Go, golang-github-shopify-sarama-dev 1.22), the client Filebeat's Kafka output is built on
 * (Elastic keeps a fork of it): another independent implementation of the protocol, in the producer's seat the
 * seed's Filebeat takes. Built once from Debian's Go sources, offline.
 */
let emulator: KafkaEmulator;
let client: string;

interface Message {
  partition: number;
  key: string;
  value: string;
}

beforeAll(async () => {
  // The ingest worker's codecs: what sarama compresses, Sluice's consumer must decode.
  registerCodecs();
  emulator = await startKafka();
  const build = await buildGoClient('sarama_client');
  expect(build.error).toBeUndefined();
  client = build.path;
}, 150_000);

afterAll(async () => {
  await emulator.close();
});

describe('sarama (Filebeat\u2019s Kafka client library) against the emulator', () => {
  // Filebeat 7's default protocol version is 1.0.0, Filebeat 8's 2.1.0; gzip is its default codec. zstd needs 2.1.
  it.each([
    ['0.11.0.0', 'gzip'],
    ['1.0.0', 'gzip'],
    ['2.1.0', 'gzip'],
    ['2.1.0', 'snappy'],
    ['2.1.0', 'lz4'],
    ['2.1.0', 'zstd'],
    ['2.1.0', 'none'],
  ])('version %s, %s: produces keyed messages by hash and reads them back (zstd: refused to its Fetch v4, as Kafka refuses it); kafkajs with the worker\u2019s codecs reads them all', async (version, codec) => {
    const topic = `sarama-${version.replaceAll('.', '-')}-${codec}`;
    const count = 200;
    const result = await run(client, [emulator.brokers, topic, String(count), version, codec], { timeoutMs: 60_000 });
    const expected = Array.from({ length: count }, (_, i) => `host-${i % 7}={"message":"line ${i}"}`).sort();
    if (codec === 'zstd') {
      // Sarama 1.22 fetches with v4, before zstd (KIP-110: v10): Kafka 2.1+ refuses it the batches, and so does the
      // emulator. Filebeat only produces; the worker (kafkajs, Fetch v11) reads them, below.
      expect(result.stderr).toMatch(/does not support the compression type/);
    } else {
      expect(result.code, result.stderr).toBe(0);
      const messages = JSON.parse(result.stdout) as Message[];
      expect(messages.map((message) => `${message.key}=${message.value}`).sort()).toEqual(expected);
      // The hash partitioner puts each key on one partition.
      const partitionsOfKey = new Map<string, Set<number>>();
      for (const message of messages) partitionsOfKey.set(message.key, (partitionsOfKey.get(message.key) ?? new Set()).add(message.partition));
      expect([...partitionsOfKey.values()].every((partitions) => partitions.size === 1)).toBe(true);
      expect(partitionsOfKey.size).toBe(7);
    }
    expect(await readAllWithKafkajs(emulator.brokers, topic, count)).toEqual(expected);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { registerCodecs } from '../services/ingest/codecs.js';
import { packageRoot } from '../shared/paths.js';
import { startKafka } from './support/kafka.js';
import { run } from './support/process.js';

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
  client = join(mkdtempSync(join(tmpdir(), 'sluice-sarama-')), 'sarama_client');
  const build = await run('env', ['GO111MODULE=off', 'GOPATH=/usr/share/gocode', `GOCACHE=${join(tmpdir(), 'sluice-go-cache')}`, `PATH=${process.env.PATH}`, 'go', 'build', '-o', client, join(packageRoot, 'test', 'support', 'sarama_client.go')], { timeoutMs: 120_000 });
  expect(build.code, build.stderr).toBe(0);
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
  ])('version %s, %s: produces keyed messages by hash and reads them all back; kafkajs with the worker\u2019s codecs reads the same', async (version, codec) => {
    const topic = `sarama-${version.replaceAll('.', '-')}-${codec}`;
    const count = 200;
    const result = await run(client, [emulator.brokers, topic, String(count), version, codec], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const messages = JSON.parse(result.stdout) as Message[];
    const expected = Array.from({ length: count }, (_, i) => `{"message":"line ${i}"}`);
    expect(messages.map((message) => message.value).sort()).toEqual([...expected].sort());
    // The hash partitioner puts each key on one partition.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const message of messages) partitionsOfKey.set(message.key, (partitionsOfKey.get(message.key) ?? new Set()).add(message.partition));
    expect([...partitionsOfKey.values()].every((partitions) => partitions.size === 1)).toBe(true);
    expect(partitionsOfKey.size).toBe(7);

    const kafka = new kafkajs.Kafka({ clientId: 'sarama-check', brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `check-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? '');
          if (seen.length === count) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual([...expected].sort());
  });
});

import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { readBatchHeader } from '../emulators/kafka/protocol/record-batch.js';
import { registerCodecs } from '../services/ingest/codecs.js';
import { packageRoot } from '../shared/paths.js';
import { readAllWithKafkajs, startKafka } from './support/kafka.js';
import { buildGoClient, run } from './support/process.js';

/**
 * Clients of the legacy message format (magic 0 and 1): Produce v0-2 and Fetch v0-3, which a Kafka 3 broker still
 * serves by converting, up on the way in and down on the way out (LazyDownConversionRecords). Two independent
 * clients: Debian's kafka-python told it talks to a 0.10.1 broker, and Debian's segmentio/kafka-go 0.2.1, which
 * knows no other format; kafkajs reads what both stored. (librdkafka 2 asks the broker's versions whatever it is told.)
 */
let emulator: KafkaEmulator;
let kafkaGo: string;
const CODECS = ['none', 'gzip', 'snappy', 'lz4'] as const;

beforeAll(async () => {
  registerCodecs();
  emulator = await startKafka();
  const build = await buildGoClient('kafka_go_client');
  expect(build.error).toBeUndefined();
  kafkaGo = build.path;
}, 150_000);

afterAll(async () => {
  await emulator.close();
});

describe('the legacy message format, converted both ways', () => {
  it.each(['none', 'gzip'])('kafka-python as a 0.10.1 client, %s: produces magic 1 sets (Produce v2) and reads them back (Fetch v3) with their times', async (codec) => {
    const topic = `legacy-python-${codec}`;
    const started = Date.now();
    const result = await run('/usr/bin/python3', [join(packageRoot, 'test', 'support', 'kafka_python_legacy.py'), emulator.brokers, topic, codec], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const read = JSON.parse(result.stdout) as Array<[number, number, string, string, number]>;
    const expected = Array.from({ length: 60 }, (_, i) => `k${i % 4}={"line":${i}}`).sort();
    expect(read.map(([, , key, value]) => `${key}=${value}`).sort()).toEqual(expected);
    // Magic 1 keeps each message's create time through both conversions.
    expect(read.every(([, , , , timestamp]) => timestamp >= started - 1000 && timestamp <= Date.now())).toBe(true);
    // Stored as RecordBatch v2, uncompressed as Kafka stores a converted set, and read so by a current client.
    const batches = [0, 1, 2].flatMap((partition) => emulator.topics.partition(topic, partition)?.read(0, 1 << 20).batches ?? []);
    expect(batches.every((batch) => batch.readInt8(16) === 2 && readBatchHeader(batch).compression === 0)).toBe(true);
    expect(await readAllWithKafkajs(emulator.brokers, topic, 60)).toEqual(expected);
  });

  it.each(CODECS)('segmentio/kafka-go 0.2.1, %s: produces, then consumes as a group member committing each message', async (codec) => {
    const topic = `legacy-kafka-go-${codec}`;
    const count = 200;
    const result = await run(kafkaGo, [emulator.brokers, topic, String(count), codec], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const messages = JSON.parse(result.stdout) as Array<{ partition: number; offset: number; key: string; value: string }>;
    const expected = Array.from({ length: count }, (_, i) => `host-${i % 7}={"message":"line ${i}"}`).sort();
    expect(messages.map((message) => `${message.key}=${message.value}`).sort()).toEqual(expected);
    // Each down-converted message carries its own offset: every partition's offsets run 0, 1, 2 … without a gap.
    for (const partition of new Set(messages.map((message) => message.partition))) {
      const offsets = messages.filter((message) => message.partition === partition).map((message) => message.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    // The group's commits (OffsetCommit v2) are at the end of each partition, as kafkajs's admin reads them.
    const kafka = new kafkajs.Kafka({ clientId: 'legacy-check', brokers: [emulator.brokers], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: `kafka-go-${topic}`, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(committed?.partitions.map(({ partition, offset }) => [partition, offset]).sort()).toEqual(ends.map(({ partition, high }) => [partition, high]).sort());
    expect(await readAllWithKafkajs(emulator.brokers, topic, count)).toEqual(expected);
  });

  it('a zstd batch is refused to a fetch older than v10, as KIP-110 has it, while a current client reads it', async () => {
    // kcat (librdkafka, current protocol) writes the zstd batch; kafka-python as a 0.10.1 client cannot read it.
    const produced = await run('kcat', ['-b', emulator.brokers, '-t', 'legacy-zstd', '-p', '0', '-P', '-z', 'zstd'], { input: `${'zstd line '.repeat(20)}\n` });
    expect(produced.code, produced.stderr).toBe(0);
    const batch = emulator.topics.partition('legacy-zstd', 0)?.read(0, 1 << 20).batches[0] as Buffer;
    expect(readBatchHeader(batch).compression).toBe(4);
    const script = "import sys\nfrom kafka import KafkaConsumer\nc = KafkaConsumer('legacy-zstd', bootstrap_servers=sys.argv[1], api_version=(0, 10, 1), auto_offset_reset='earliest', consumer_timeout_ms=2000)\nprint(len(list(c)))";
    const old = await run('/usr/bin/python3', ['-c', script, emulator.brokers], { timeoutMs: 30_000 });
    expect(old.stdout.trim()).toBe('0');
    const consumed = await run('kcat', ['-b', emulator.brokers, '-t', 'legacy-zstd', '-C', '-e', '-q', '-f', '%s\\n']);
    expect(consumed.stdout.trim()).toBe('zstd line '.repeat(20).trim());
  });
});

import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RecordFile } from '../emulators/common/record-file.js';
import { RawKafkaClient, startKafka } from './support/kafka.js';
import { waitFor } from './support/process.js';

const { Kafka, logLevel } = kafkajs;

function kafkaFor(brokers: string) {
  return new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
}

/** Everything in a topic, read from the beginning by a fresh consumer group. */
async function readAll(brokers: string, topic: string, expected: number): Promise<Array<{ partition: number; offset: number; value: string }>> {
  const consumer = kafkaFor(brokers).consumer({ groupId: `read-all-${Math.random()}`, maxWaitTimeInMs: 100 });
  const seen: Array<{ partition: number; offset: number; value: string }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' }) });
  await waitFor(() => seen.length >= expected, 20_000, `${expected} messages in ${topic}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await consumer.disconnect();
  return seen;
}

describe('the Kafka emulator with --data-dir', () => {
  it('restarted mid-stream, serves the same offsets; clients reconnect and continue with no loss and no offset reuse', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    let emulator = await startKafka({ dataDir });
    const port = emulator.port;
    const kafka = kafkaFor(emulator.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 3 }] });
    await admin.disconnect();

    const acknowledged = new Set<string>();
    const consumed = new Set<string>();
    const consumer = kafka.consumer({ groupId: 'durable-group', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'durable', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(message.value?.toString() ?? '') });

    const producer = kafka.producer();
    await producer.connect();
    let next = 0;
    let producing = true;
    const stream = (async () => {
      while (producing) {
        const values = Array.from({ length: 10 }, () => `m${next++}`);
        await producer.send({ topic: 'durable', messages: values.map((value) => ({ key: value, value })) });
        for (const value of values) acknowledged.add(value);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await waitFor(() => acknowledged.size >= 200, 20_000, '200 acknowledged before the restart');
    await emulator.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    emulator = await startKafka({ dataDir, port });
    await waitFor(() => acknowledged.size >= 500, 30_000, '500 acknowledged after the restart');
    producing = false;
    await stream;
    await producer.disconnect();
    await waitFor(() => [...acknowledged].every((value) => consumed.has(value)), 30_000, 'the group to consume everything acknowledged');
    await consumer.disconnect();

    const stored = await readAll(emulator.brokers, 'durable', acknowledged.size);
    for (const partition of [0, 1, 2]) {
      const offsets = stored.filter((entry) => entry.partition === partition).map((entry) => entry.offset);
      // Contiguous from 0: nothing lost, no offset handed out twice.
      expect(offsets).toEqual(offsets.map((_, index) => index));
    }
    const values = new Set(stored.map((entry) => entry.value));
    for (const value of acknowledged) expect(values.has(value)).toBe(true);

    const check = kafkaFor(emulator.brokers).admin();
    await check.connect();
    const [committed] = await check.fetchOffsets({ groupId: 'durable-group', topics: ['durable'] });
    const total = committed?.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
    expect(total).toBe(stored.length);
    await check.disconnect();
    await emulator.close();
  });

  it('keeps committed group offsets across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    const first = await startKafka({ dataDir });
    const admin = kafkaFor(first.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'committed', numPartitions: 2 }] });
    await admin.disconnect();
    const raw = await RawKafkaClient.connect(first.port);
    const partitions = [0, 1].map((partitionIndex) => ({ partitionIndex, committedOffset: BigInt(partitionIndex * 42), committedMetadata: 'kept' }));
    await raw.request('OffsetCommit', 2, { groupId: 'keeper', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n, topics: [{ name: 'committed', partitions }] });
    raw.close();
    await first.close();

    const second = await startKafka({ dataDir });
    expect(second.groups.committed('keeper', 'committed', 1)).toEqual({ offset: 42n, leaderEpoch: -1, metadata: 'kept' });
    const again = kafkaFor(second.brokers).admin();
    await again.connect();
    const [offsets] = await again.fetchOffsets({ groupId: 'keeper', topics: ['committed'] });
    expect(offsets?.partitions.sort((a, b) => a.partition - b.partition).map((partition) => partition.offset)).toEqual(['0', '42']);
    await again.disconnect();
    await second.close();
  });

  it('rewrites an offsets log that holds far more than the latest offsets into a new file, and keeps them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    const first = await startKafka({ dataDir, fsync: 'never' });
    for (let i = 0; i < 1500; i += 1) first.groups.commit('churn', [{ topic: 'topic', partition: i % 3, value: { offset: BigInt(i), leaderEpoch: -1, metadata: null } }]);
    await first.close();
    const log = join(dataDir, 'groups', 'offsets.log');
    const before = statSync(log).size;
    // What a compaction stopped by a crash left: a half-written file, here with a group deleted since.
    const stale = RecordFile.open(`${log}.compact`, 'never').file;
    stale.append(Buffer.from(JSON.stringify({ group: 'deleted-since', topic: 'topic', partition: 0, offset: '7', leaderEpoch: -1, metadata: null })));
    stale.close();
    const second = await startKafka({ dataDir });
    expect(statSync(log).size).toBeLessThan(before / 100);
    expect([0, 1, 2].map((partition) => second.groups.committed('churn', 'topic', partition)?.offset)).toEqual([1497n, 1498n, 1499n]);
    await second.close();
    const third = await startKafka({ dataDir });
    expect(third.groups.committed('deleted-since', 'topic', 0)).toBeUndefined();
    expect(third.groups.committed('churn', 'topic', 2)?.offset).toBe(1499n);
    await third.close();
  });

  async function tenMessages(dataDir: string): Promise<string> {
    const emulator = await startKafka({ dataDir, fsync: 'always' });
    const producer = kafkaFor(emulator.brokers).producer();
    await producer.connect();
    emulator.topics.create('torn', 1);
    for (let i = 0; i < 10; i += 1) await producer.send({ topic: 'torn', messages: [{ value: `t${i}` }] });
    await producer.disconnect();
    emulator.groups.commit('torn-group', [{ topic: 'torn', partition: 0, value: { offset: 10n, leaderEpoch: -1, metadata: null } }]);
    await emulator.close();
    return join(dataDir, 'topics', 'torn', '0', `${'0'.repeat(20)}.log`);
  }

  function warnings(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { logger: pino({ level: 'warn' }, stream), lines };
  }

  it('cuts a torn write off the end of a data file at start, and serves and appends as before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    const segment = await tenMessages(dataDir);
    const offsetsLog = join(dataDir, 'groups', 'offsets.log');
    const sizes = [statSync(segment).size, statSync(offsetsLog).size];
    // A power cut in the middle of the next append: a frame header promising 500 bytes, and 7 of them.
    appendFileSync(segment, Buffer.from([0, 0, 1, 244, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9]));
    appendFileSync(offsetsLog, Buffer.from([0, 0, 0, 80, 0xde, 0xad]));

    const { logger, lines } = warnings();
    const emulator = await startKafka({ dataDir, logger });
    expect([statSync(segment).size, statSync(offsetsLog).size]).toEqual(sizes);
    expect(lines.join('')).toContain('cut a torn or corrupt tail off a data file');
    expect(lines.join('')).toContain(segment);
    expect(emulator.topics.partition('torn', 0)?.highWatermark).toBe(10);
    expect(emulator.groups.committed('torn-group', 'torn', 0)?.offset).toBe(10n);

    const producer = kafkaFor(emulator.brokers).producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'torn', messages: [{ value: 't10' }] });
    await producer.disconnect();
    expect(result?.baseOffset).toBe('10');
    const stored = await readAll(emulator.brokers, 'torn', 11);
    expect(stored.map((entry) => entry.value)).toEqual(Array.from({ length: 11 }, (_, i) => `t${i}`));
    await emulator.close();
  });

  it('never serves a record whose checksum fails: it and what follows are cut', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
    const segment = await tenMessages(dataDir);
    const bytes = readFileSync(segment);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    writeFileSync(segment, bytes);

    const emulator = await startKafka({ dataDir });
    expect(emulator.topics.partition('torn', 0)?.highWatermark).toBe(9);
    const stored = await readAll(emulator.brokers, 'torn', 9);
    expect(stored.map((entry) => entry.value)).toEqual(Array.from({ length: 9 }, (_, i) => `t${i}`));
    await emulator.close();
  });
});

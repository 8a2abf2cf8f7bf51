import kafkajs from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFFSETS_TOPIC, partitionForGroup } from '../emulators/kafka/offsets-topic.js';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { emulatorForFile, startKafka } from './support/kafka.js';
import { run, waitFor } from './support/process.js';

/**
 * `__consumer_offsets` as Kafka writes it. Its records are decoded here from Kafka 3.8's schemas
 * (group-coordinator's OffsetCommitKey/Value and GroupMetadataKey/Value JSON), read with kafkajs and kcat.
 */
const kafka = emulatorForFile();
const client = (brokers = kafka.emulator.brokers) => new kafkajs.Kafka({ clientId: 'offsets-reader', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING });

class Fields {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}
  int16(): number {
    return this.bytes.readInt16BE((this.at += 2) - 2);
  }
  int32(): number {
    return this.bytes.readInt32BE((this.at += 4) - 4);
  }
  int64(): bigint {
    return this.bytes.readBigInt64BE((this.at += 8) - 8);
  }
  string(): string | null {
    const length = this.int16();
    return length < 0 ? null : this.bytes.toString('utf8', this.at, (this.at += length));
  }
  bytesField(): Buffer {
    const length = this.int32();
    return this.bytes.subarray(this.at, (this.at += length));
  }
  get done(): boolean {
    return this.at === this.bytes.length;
  }
}

type Decoded =
  | { type: 'offset'; group: string; topic: string; partition: number; value: { version: number; offset: bigint; leaderEpoch: number; metadata: string | null; commitTimestamp: bigint } | null }
  | { type: 'group'; group: string; value: ReturnType<typeof groupValue> | null };

function groupValue(fields: Fields) {
  const version = fields.int16();
  const head = { version, protocolType: fields.string(), generation: fields.int32(), protocol: fields.string(), leader: fields.string(), currentStateTimestamp: fields.int64() };
  const members = Array.from({ length: fields.int32() }, () => ({
    memberId: fields.string(),
    groupInstanceId: fields.string(),
    clientId: fields.string(),
    clientHost: fields.string(),
    rebalanceTimeout: fields.int32(),
    sessionTimeout: fields.int32(),
    subscription: fields.bytesField(),
    assignment: fields.bytesField(),
  }));
  return { ...head, members, whole: fields.done };
}

function decode(key: Buffer, value: Buffer | null): Decoded {
  const keyFields = new Fields(key);
  const keyVersion = keyFields.int16();
  if (keyVersion === 2) return { type: 'group', group: keyFields.string() as string, value: value === null ? null : groupValue(new Fields(value)) };
  expect(keyVersion).toBe(1);
  const group = keyFields.string() as string;
  const topic = keyFields.string() as string;
  const partition = keyFields.int32();
  if (value === null) return { type: 'offset', group, topic, partition, value: null };
  const fields = new Fields(value);
  const version = fields.int16();
  const decoded = { version, offset: fields.int64(), leaderEpoch: fields.int32(), metadata: fields.string(), commitTimestamp: fields.int64() };
  expect(fields.done).toBe(true);
  return { type: 'offset', group, topic, partition, value: decoded };
}

/** Every record of the topic from its start, decoded, read by a kafkajs consumer until `enough` holds. */
async function readOffsetsTopic(enough: (records: Decoded[]) => boolean, groupId: string, brokers?: string): Promise<Decoded[]> {
  const consumer = client(brokers).consumer({ groupId });
  const records: Decoded[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: OFFSETS_TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(decode(message.key as Buffer, message.value)) });
  try {
    await waitFor(() => enough(records), 20_000, 'the offsets topic’s records');
  } finally {
    await consumer.disconnect();
  }
  return records;
}

async function consumeAndCommit(topic: string, groupId: string, count: number): Promise<void> {
  const producer = client().producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  await producer.disconnect();
  const consumer = client().consumer({ groupId });
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => void (seen += 1) });
  await waitFor(() => seen === count, 20_000, 'every message consumed');
  await consumer.disconnect(); // commits what was consumed, then leaves: the group is empty
}

describe('__consumer_offsets', () => {
  it('puts a group on the partition Kafka does: abs(String.hashCode) mod 50 (values from OpenJDK 17)', () => {
    expect(partitionForGroup('sluice-lag-demo', 50)).toBe(4);
    expect(partitionForGroup('sluice-ingest', 50)).toBe(4);
    expect(partitionForGroup('grüße-группа', 50)).toBe(36);
    // Its hashCode is Integer.MIN_VALUE, whose absolute value Kafka's Utils.abs takes as 0.
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
  });

  it('a consumer group’s commits and its membership, as Kafka 3.8 records them; kcat lists the topic, internal', async () => {
    const before = Date.now();
    await consumeAndCommit('offsets-src', 'offsets-group', 30);
    const admin = client().admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'offsets-group', topics: ['offsets-src'] });
    const metadata = await admin.fetchTopicMetadata({ topics: [OFFSETS_TOPIC] });
    await admin.disconnect();
    expect(metadata.topics[0]?.partitions).toHaveLength(50);
    const listing = await run('kcat', ['-b', kafka.emulator.brokers, '-L', '-t', OFFSETS_TOPIC]);
    expect(listing.stdout).toMatch(/topic "__consumer_offsets" with 50 partitions/);

    const records = await readOffsetsTopic((seen) => seen.some((record) => record.type === 'group' && record.group === 'offsets-group' && record.value?.members.length === 0), 'offsets-reader-1');
    const mine = records.filter((record) => record.group === 'offsets-group');
    const latest = new Map<number, bigint>();
    for (const record of mine) if (record.type === 'offset' && record.value !== null) latest.set(record.partition, record.value.offset);
    expect([...latest].sort()).toEqual(committed[0]?.partitions.map((partition) => [partition.partition, BigInt(partition.offset)]).sort());
    const anOffset = mine.find((record) => record.type === 'offset');
    expect(anOffset?.type === 'offset' && anOffset.value).toMatchObject({ version: 3, leaderEpoch: -1, metadata: '' });
    expect(anOffset?.type === 'offset' && Number(anOffset.value?.commitTimestamp)).toBeGreaterThanOrEqual(before);

    const groups = mine.flatMap((record) => (record.type === 'group' && record.value !== null ? [record.value] : []));
    const stable = groups.find((value) => value.members.length === 1);
    expect(stable).toMatchObject({ version: 3, protocolType: 'consumer', protocol: 'RoundRobinAssigner', whole: true });
    expect(stable?.leader).toBe(stable?.members[0]?.memberId);
    expect(stable?.members[0]).toMatchObject({ clientId: 'offsets-reader', clientHost: '/127.0.0.1', groupInstanceId: null, sessionTimeout: 30_000 });
    // The assignment is the consumer protocol's: version, then the topics with their partitions.
    expect(stable?.members[0]?.assignment.toString('latin1')).toContain('offsets-src');
    // After the member left, the group is recorded empty, with a later generation.
    expect(groups.at(-1)).toMatchObject({ members: [], protocol: null, leader: null });
    expect(groups.at(-1)?.generation).toBeGreaterThan(stable?.generation ?? Infinity);
  });

  it('clients may read it, not write it: a produce is refused with INVALID_TOPIC_EXCEPTION, as Kafka refuses it', async () => {
    const producer = client().producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: OFFSETS_TOPIC, messages: [{ key: 'k', value: 'forged' }] })).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION' });
    await producer.disconnect();
  });

  it('deleting a group writes tombstones for its offsets and its metadata', async () => {
    await consumeAndCommit('deleted-src', 'deleted-group', 12);
    const admin = client().admin();
    await admin.connect();
    await admin.deleteGroups(['deleted-group']);
    await admin.disconnect();
    const records = await readOffsetsTopic((seen) => seen.some((record) => record.type === 'group' && record.group === 'deleted-group' && record.value === null), 'offsets-reader-2');
    const tombstones = records.filter((record) => record.group === 'deleted-group' && record.value === null);
    expect(tombstones.map((record) => (record.type === 'offset' ? `offset ${record.topic}/${record.partition}` : 'group')).sort()).toEqual(['group', 'offset deleted-src/0', 'offset deleted-src/1', 'offset deleted-src/2']);
  });
});

/** Two groups whose records share a partition of the topic. */
function groupsSharingAPartition(): [string, string] {
  const first = 'quiet-group';
  for (let i = 0; ; i += 1) if (partitionForGroup(`busy-group-${i}`, 50) === partitionForGroup(first, 50)) return [first, `busy-group-${i}`];
}

/** A busy group's commits, three partitions each, as the coordinator takes them from OffsetCommit. */
function churn(emulator: KafkaEmulator, busy: string, commits: number): void {
  for (let i = 0; i < commits; i += 1) {
    emulator.groups.commit(busy, [0, 1, 2].map((partition) => ({ topic: 'churned', partition, value: { offset: BigInt(i), leaderEpoch: -1, metadata: null } })));
  }
}

/** The latest offset of each group and partition that a reader from the topic's start finds, once `expected` are there. */
async function latestOffsets(emulator: KafkaEmulator, expected: Record<string, bigint>, reader: string): Promise<Map<string, bigint>> {
  const latest = new Map<string, bigint>();
  const fold = (records: Decoded[]) => {
    latest.clear();
    for (const record of records) {
      if (record.type !== 'offset') continue;
      const key = `${record.group} ${record.topic}/${record.partition}`;
      if (record.value === null) latest.delete(key);
      else latest.set(key, record.value.offset);
    }
    return Object.entries(expected).every(([key, offset]) => latest.get(key) === offset);
  };
  await readOffsetsTopic(fold, reader, emulator.brokers);
  return latest;
}

describe('__consumer_offsets stays small, as compaction keeps it', () => {
  it('a busy group’s thousands of commits: the partition stays a few MB, and a reader from its start finds every group’s latest offset', async () => {
    const emulator = await startKafka();
    try {
      const [quiet, busy] = groupsSharingAPartition();
      emulator.groups.commit(quiet, [{ topic: 'churned', partition: 0, value: { offset: 7n, leaderEpoch: -1, metadata: 'kept' } }]);
      churn(emulator, busy, 30_000);
      const log = emulator.topics.partition(OFFSETS_TOPIC, partitionForGroup(quiet, 50));
      // 30 000 commits of three offsets are about 7 MB of records.
      expect(log?.size).toBeLessThan(5 * 1024 * 1024);
      expect(log?.logStartOffset).toBeGreaterThan(0);
      const expected = { [`${quiet} churned/0`]: 7n, [`${busy} churned/0`]: 29_999n, [`${busy} churned/1`]: 29_999n, [`${busy} churned/2`]: 29_999n };
      expect(Object.fromEntries(await latestOffsets(emulator, expected, 'compaction-reader'))).toEqual(expected);
    } finally {
      await emulator.close();
    }
  });

  it('with --data-dir, the topic is kept, and its first compaction after a restart still keeps what was written before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-offsets-topic-'));
    try {
      const [quiet, busy] = groupsSharingAPartition();
      const first = await startKafka({ dataDir });
      first.groups.commit(quiet, [{ topic: 'churned', partition: 0, value: { offset: 7n, leaderEpoch: -1, metadata: null } }]);
      await first.close();
      const second = await startKafka({ dataDir });
      try {
        expect(second.topics.get(OFFSETS_TOPIC)?.internal).toBe(true);
        churn(second, busy, 12_000);
        expect(second.topics.partition(OFFSETS_TOPIC, partitionForGroup(quiet, 50))?.logStartOffset).toBeGreaterThan(1);
        const expected = { [`${quiet} churned/0`]: 7n, [`${busy} churned/2`]: 11_999n };
        expect(Object.fromEntries(await latestOffsets(second, expected, 'restart-reader'))).toMatchObject(expected);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

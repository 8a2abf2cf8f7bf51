import { Admin, Consumer, FetchIsolationLevels, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { startKafka } from './support/kafka.js';

// @platformatic/kafka speaks only the versions of Kafka 3.5 to 4.1 (Fetch 12+, Metadata 9+, FindCoordinator 4+,
// JoinGroup 6+, OffsetFetch 8+, CreateTopics 7 …, all flexible): a client with no fallback to older versions.

let emulator: KafkaEmulator;
let dataDir: string;
let brokers: string[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-platformatic-'));
  emulator = await startKafka({ dataDir, minSessionTimeoutMs: 1000 });
  brokers = [emulator.brokers];
});

afterAll(async () => {
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Reads `count` values of `topics` as member of `groupId`, committing as it goes, then leaves the group. */
async function consume(groupId: string, topics: string[], count: number, isolationLevel: number = FetchIsolationLevels.READ_UNCOMMITTED): Promise<string[]> {
  const consumer = new Consumer({ groupId, clientId: groupId, bootstrapBrokers: brokers, deserializers: stringDeserializers, isolationLevel });
  const stream: MessagesStream<string, string, string, string> = await consumer.consume({ autocommit: true, topics, sessionTimeout: 6000, heartbeatInterval: 300, mode: 'earliest' });
  const values: string[] = [];
  for await (const message of stream) {
    values.push(message.value);
    if (values.length === count) break;
  }
  await stream.close();
  await consumer.close();
  return values;
}

function committed(offsets: Array<{ groupId: string; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint }> }> }>): Record<string, string> {
  return Object.fromEntries(offsets.flatMap((group) => group.topics.flatMap((topic) => topic.partitions.map((partition) => [`${topic.name}/${partition.partitionIndex}`, String(partition.committedOffset)]))));
}

describe('@platformatic/kafka 1.35 (a modern pure-JavaScript client, flexible versions only) against the emulator', () => {
  it('creates topics with their ids and configs, produces in every codec, idempotently and in transactions, and consumes as a group', async () => {
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: brokers });
    const created = await admin.createTopics({ topics: ['plt-events', 'plt-orders'], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '86400000' }] });
    // CreateTopics v7 answers each topic's id, partitions and configs as DescribeConfigs gives them.
    expect(created.map((topic) => [topic.name, topic.partitions, topic.configuration['retention.ms']])).toEqual([['plt-events', 2, '86400000'], ['plt-orders', 2, '86400000']]);
    expect(created[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created[0]?.id).not.toBe(created[1]?.id);

    const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true });
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      await producer.send({ compression, messages: Array.from({ length: 6 }, (_, i) => ({ topic: 'plt-events', partition: i % 2, key: `k${i}`, value: `${compression} ${i}` })) });
    }
    await producer.close();
    const transactional = new Producer({ clientId: 'plt-tx', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, transactionalId: 'plt-tx-1' });
    for (const [value, commit] of [['undone', false], ['kept', true]] as const) {
      const transaction = await transactional.beginTransaction();
      await transaction.send({ messages: [{ topic: 'plt-orders', partition: 0, value }] });
      if (commit) await transaction.commit();
      else await transaction.abort();
    }
    await transactional.close();

    // Fetch v16 names each topic by its id; 24 records in four codecs, each once.
    const values = await consume('plt-group', ['plt-events'], 24);
    expect(values.sort()).toEqual(['gzip', 'lz4', 'none', 'snappy'].flatMap((codec) => Array.from({ length: 6 }, (_, i) => `${codec} ${i}`)).sort());
    // read_committed skips the aborted transaction's record, which comes first.
    expect(await consume('plt-orders-group', ['plt-orders'], 1, FetchIsolationLevels.READ_COMMITTED)).toEqual(['kept']);

    const offsets = await admin.listOffsets({ topics: [{ name: 'plt-events', partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -2n }] }] });
    expect(offsets[0]?.partitions.map((partition) => [partition.partitionIndex, partition.offset])).toEqual([[0, 12n], [1, 0n]]);
    await admin.close();
  });

  it('administers groups and their offsets: list by state, describe, list, alter and delete committed offsets (OffsetDelete), delete groups', async () => {
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: brokers });
    const listed = await admin.listGroups({ states: ['EMPTY'] });
    expect([...listed.values()].filter((group) => group.id.startsWith('plt-')).map((group) => [group.id, group.state, group.groupType]).sort()).toEqual([['plt-group', 'EMPTY', 'classic'], ['plt-orders-group', 'EMPTY', 'classic']]);
    expect((await admin.listGroups({ states: ['STABLE'] })).size).toBe(0);
    const described = await admin.describeGroups({ groups: ['plt-group'] });
    expect([...described.values()].map((group) => [group.id, group.state, group.protocolType, group.members.size])).toEqual([['plt-group', 'EMPTY', 'consumer', 0]]);

    expect(committed(await admin.listConsumerGroupOffsets({ groups: ['plt-group'] }))).toEqual({ 'plt-events/0': '12', 'plt-events/1': '12' });
    await admin.alterConsumerGroupOffsets({ groupId: 'plt-group', topics: [{ name: 'plt-events', partitionOffsets: [{ partition: 0, offset: 3n }] }] });
    await admin.deleteConsumerGroupOffsets({ groupId: 'plt-group', topics: [{ name: 'plt-events', partitionIndexes: [1] }] });
    expect(committed(await admin.listConsumerGroupOffsets({ groups: ['plt-group'] }))).toEqual({ 'plt-events/0': '3' });
    // An unknown group's offsets cannot be deleted; a deleted group is gone with its offsets.
    await expect(admin.deleteConsumerGroupOffsets({ groupId: 'plt-nobody', topics: [{ name: 'plt-events', partitionIndexes: [0] }] })).rejects.toThrow();
    await admin.deleteGroups({ groups: ['plt-orders-group'] });
    expect([...(await admin.listGroups({})).keys()].filter((id) => id.startsWith('plt-'))).toEqual(['plt-group']);
    await admin.close();
  });

  it('administers topics: partitions, configs, records, log directories, deletion; the deleted offset stays deleted after a restart', async () => {
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: brokers });
    await admin.createPartitions({ topics: [{ name: 'plt-orders', count: 3, assignments: [] }] });
    await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'plt-events', configs: [{ name: 'retention.bytes', configOperation: 0, value: '1000000' }] }] });
    const configs = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plt-events', configurationKeys: ['retention.bytes', 'retention.ms'] }] });
    expect(Object.fromEntries(configs[0]?.configs.map((config) => [config.name, config.value]) ?? [])).toEqual({ 'retention.bytes': '1000000', 'retention.ms': '86400000' });
    const deleted = await admin.deleteRecords({ topics: [{ name: 'plt-events', partitions: [{ partition: 0, offset: 2n }] }] });
    expect(deleted[0]?.partitions).toEqual([{ partition: 0, lowWatermark: 2n }]);
    // DescribeLogDirs v4: the data directory's file system, its total and usable bytes.
    const [logDirs] = await admin.describeLogDirs({ topics: [{ name: 'plt-events', partitions: [0, 1] }] });
    const [directory] = logDirs?.results ?? [];
    expect(directory?.logDir).toBe(join(dataDir, 'topics'));
    expect(directory?.totalBytes).toBeGreaterThan(0n);
    expect(directory?.topics[0]?.partitions.map((partition) => partition.partitionIndex)).toEqual([0, 1]);
    await admin.deleteTopics({ topics: ['plt-orders'] });
    expect((await admin.listTopics()).filter((name) => name.startsWith('plt-'))).toEqual(['plt-events']);
    await admin.close();

    // The emulator restarted on its data directory: the topic keeps its id, the group its one offset left.
    const before = (await new Admin({ clientId: 'plt-admin', bootstrapBrokers: brokers }).metadata({ topics: ['plt-events'] })).topics.get('plt-events')?.id;
    await emulator.close();
    emulator = await startKafka({ dataDir, port: emulator.port, minSessionTimeoutMs: 1000 });
    const again = new Admin({ clientId: 'plt-admin-2', bootstrapBrokers: brokers });
    expect((await again.metadata({ topics: ['plt-events'] })).topics.get('plt-events')?.id).toBe(before);
    expect(committed(await again.listConsumerGroupOffsets({ groups: ['plt-group'] }))).toEqual({ 'plt-events/0': '3' });
    await again.close();
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { encodeBatch } from '../emulators/kafka/protocol/record-batch.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { emulatorForFile, type RawKafkaClient } from './support/kafka.js';

// What Kafka 3.x's versions add, asked byte for byte: topic ids (KIP-516), the skipped assignment of a static
// leader (KIP-814), SyncGroup's protocol check, ListGroups' filters, batched OffsetFetch and require_stable
// (KIP-709, KIP-447), OffsetDelete (KIP-496). The answers are Kafka's, from its GroupCoordinator and KafkaApis.

const kafka = emulatorForFile({ minSessionTimeoutMs: 1000 });

/** ConsumerProtocolSubscription v0: the topics a consumer subscribes to, as Java's and librdkafka's consumers write it. */
function subscription(...topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]?.writeInt32BE(topics.length);
  for (const topic of topics) {
    const name = Buffer.from(topic);
    const length = Buffer.alloc(2);
    length.writeInt16BE(name.length);
    parts.push(length, name);
  }
  parts.push(Buffer.alloc(4, 0xff));
  return Buffer.concat(parts);
}

/** One member through JoinGroup (v4+ asks it to join again with the id it was given) and SyncGroup, at `version`. */
async function joinAlone(raw: RawKafkaClient, groupId: string, version: number, extra: Struct = {}): Promise<string> {
  const body = { groupId, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription('flex-orders') }], reason: null, ...extra };
  const first = await raw.request('JoinGroup', version, { ...body, memberId: '' });
  const memberId = first.errorCode === ErrorCode.MEMBER_ID_REQUIRED ? ((await raw.request('JoinGroup', version, { ...body, memberId: first.memberId })).memberId as string) : (first.memberId as string);
  const synced = await raw.request('SyncGroup', Math.min(version, 5), { groupId, generationId: 1, memberId, groupInstanceId: body.groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.from('plan') }] });
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  return memberId;
}

/** A commit as a member of generation 1, or standalone (an empty group's, as admin tools commit). */
async function commit(raw: RawKafkaClient, groupId: string, topic: string, partition: number, offset: bigint, memberId = ''): Promise<void> {
  const answer = await raw.request('OffsetCommit', 8, { groupId, generationIdOrMemberEpoch: memberId === '' ? -1 : 1, memberId, groupInstanceId: null, topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }] });
  expect((answer.topics as Array<{ partitions: Struct[] }>)[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE);
}

describe('topic ids (KIP-516): Metadata v10+, Fetch v13+, DeleteTopics v6', () => {
  it('gives each topic an id, finds a topic by it, and answers UNKNOWN_TOPIC_ID for one it never had', async () => {
    const raw = await kafka.connect();
    kafka.emulator.topics.create('flex-ids', 1);
    const byName = await raw.request('Metadata', 12, { topics: [{ topicId: Buffer.alloc(16), name: 'flex-ids' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const [named] = byName.topics as Array<{ topicId: Buffer; name: string; errorCode: number }>;
    expect(named?.errorCode).toBe(ErrorCode.NONE);
    expect(named?.topicId.equals(Buffer.alloc(16))).toBe(false);
    const id = named?.topicId as Buffer;
    const unknownId = Buffer.alloc(16, 7);
    const byId = await raw.request('Metadata', 12, { topics: [{ topicId: id, name: null }, { topicId: unknownId, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect((byId.topics as Struct[]).map((topic) => [topic.name, topic.errorCode])).toEqual([['flex-ids', ErrorCode.NONE], [null, ErrorCode.UNKNOWN_TOPIC_ID]]);

    const batch = encodeBatch([{ timestamp: 1_800_000_000_000n, key: null, value: Buffer.from('by id') }]);
    await raw.request('Produce', 8, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'flex-ids', partitionData: [{ index: 0, records: batch }] }] });
    const fetchBy = (topicId: Buffer) => raw.request('Fetch', 13, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' });
    const found = ((await fetchBy(id)).responses as Array<{ topicId: Buffer; partitions: Array<{ errorCode: number; records: Buffer }> }>)[0];
    expect(found?.topicId.equals(id)).toBe(true);
    expect(found?.partitions[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(found?.partitions[0]?.records.equals(batch.subarray(0, found.partitions[0].records.length))).toBe(true);
    expect(((await fetchBy(unknownId)).responses as Array<{ partitions: Struct[] }>)[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);

    const deleted = await raw.request('DeleteTopics', 6, { topics: [{ name: null, topicId: id }, { name: null, topicId: unknownId }], timeoutMs: 1000 });
    expect((deleted.responses as Struct[]).map((answer) => [answer.name, answer.errorCode])).toEqual([['flex-ids', ErrorCode.NONE], [null, ErrorCode.UNKNOWN_TOPIC_ID]]);
    expect(kafka.emulator.topics.get('flex-ids')).toBeUndefined();
  });
});

describe('groups in the flexible versions', () => {
  it('tells a static leader that rejoins a stable group to skip the assignment from JoinGroup v9, as before it gives it no members', async () => {
    for (const [version, groupId] of [[9, 'flex-static-9'], [5, 'flex-static-5']] as const) {
      const raw = await kafka.connect();
      const leader = await joinAlone(raw, groupId, version, { groupInstanceId: 'pod-0' });
      // The pod restarted: it joins again without its member id, under the same instance id.
      const rejoined = await raw.request('JoinGroup', version, { groupId, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, memberId: '', groupInstanceId: 'pod-0', protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription('flex-orders') }], reason: null });
      expect(rejoined.errorCode).toBe(ErrorCode.NONE);
      expect(rejoined.memberId).not.toBe(leader);
      if (version === 9) expect(rejoined).toMatchObject({ skipAssignment: true, leader: rejoined.memberId, members: [{ memberId: rejoined.memberId, groupInstanceId: 'pod-0' }] });
      else expect(rejoined).toMatchObject({ leader, members: [] });
    }
  });

  it('SyncGroup v5 refuses a protocol the group does not have; ListGroups filters by state (v4) and type (v5)', async () => {
    const raw = await kafka.connect();
    const memberId = await joinAlone(raw, 'flex-sync', 5);
    const wrong = await raw.request('SyncGroup', 5, { groupId: 'flex-sync', generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
    expect(wrong.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const list = async (statesFilter: string[], typesFilter: string[] = []) =>
      ((await raw.request('ListGroups', 5, { statesFilter, typesFilter })).groups as Struct[]).filter((group) => group.groupId === 'flex-sync').map((group) => [group.groupState, group.groupType]);
    expect(await list([])).toEqual([['Stable', 'classic']]);
    expect(await list(['stable'])).toEqual([['Stable', 'classic']]);
    expect(await list(['Empty'])).toEqual([]);
    expect(await list([], ['Classic'])).toEqual([['Stable', 'classic']]);
    expect(await list([], ['consumer'])).toEqual([]);
  });

  it('OffsetFetch v8 answers several groups at once; with require_stable an offset an open transaction committed is UNSTABLE_OFFSET_COMMIT', async () => {
    const raw = await kafka.connect();
    kafka.emulator.topics.create('flex-offsets', 2);
    await commit(raw, 'flex-a', 'flex-offsets', 0, 5n);
    await commit(raw, 'flex-b', 'flex-offsets', 1, 9n);
    const both = await raw.request('OffsetFetch', 8, { groups: [{ groupId: 'flex-a', topics: null }, { groupId: 'flex-b', topics: [{ name: 'flex-offsets', partitionIndexes: [0, 1] }] }], requireStable: false });
    expect((both.groups as Array<{ groupId: string; errorCode: number; topics: Array<{ partitions: Struct[] }> }>).map((group) => [group.groupId, group.errorCode, group.topics[0]?.partitions.map((partition) => [partition.partitionIndex, partition.committedOffset])])).toEqual([
      ['flex-a', ErrorCode.NONE, [[0, 5n]]],
      ['flex-b', ErrorCode.NONE, [[0, -1n], [1, 9n]]],
    ]);

    const producer = await raw.request('InitProducerId', 4, { transactionalId: 'flex-txn', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const ids = { transactionalId: 'flex-txn', producerId: producer.producerId, producerEpoch: producer.producerEpoch };
    expect((await raw.request('AddOffsetsToTxn', 3, { ...ids, groupId: 'flex-a' })).errorCode).toBe(ErrorCode.NONE);
    await raw.request('TxnOffsetCommit', 3, { ...ids, groupId: 'flex-a', generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'flex-offsets', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const fetchA = async (requireStable: boolean) => ((await raw.request('OffsetFetch', 7, { groupId: 'flex-a', topics: [{ name: 'flex-offsets', partitionIndexes: [0] }], requireStable })).topics as Array<{ partitions: Struct[] }>)[0]?.partitions[0];
    expect(await fetchA(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n });
    expect(await fetchA(false)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 5n });
    expect((await raw.request('EndTxn', 3, { ...ids, committed: true })).errorCode).toBe(ErrorCode.NONE);
    expect(await fetchA(true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 7n });
  });

  it('OffsetDelete: an active consumer group keeps the offsets of the topics it subscribes to, loses the others; Kafka’s group errors', async () => {
    const raw = await kafka.connect();
    kafka.emulator.topics.create('flex-orders', 1);
    kafka.emulator.topics.create('flex-old', 1);
    const memberId = await joinAlone(raw, 'flex-active', 9);
    expect(memberId).not.toBe('');
    for (const topic of ['flex-orders', 'flex-old']) await commit(raw, 'flex-active', topic, 0, 3n, memberId);
    const remove = (groupId: string, topics: string[]) => raw.request('OffsetDelete', 0, { groupId, topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0 }] })) });
    const answer = await remove('flex-active', ['flex-orders', 'flex-old', 'flex-missing']);
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect((answer.topics as Array<{ name: string; partitions: Struct[] }>).map((topic) => [topic.name, topic.partitions[0]?.errorCode])).toEqual([
      ['flex-orders', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['flex-old', ErrorCode.NONE],
      ['flex-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect([...kafka.emulator.groups.committedTopics('flex-active').keys()]).toEqual(['flex-orders']);
    expect((await remove('flex-never', ['flex-old'])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    // A group of another protocol (Kafka Connect's) with members cannot lose offsets at all.
    const connect = await kafka.connect();
    const body = { groupId: 'flex-connect', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, groupInstanceId: null, protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.from('w') }], reason: null };
    const first = await connect.request('JoinGroup', 9, { ...body, memberId: '' });
    await connect.request('JoinGroup', 9, { ...body, memberId: first.memberId });
    await connect.request('SyncGroup', 5, { groupId: 'flex-connect', generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'connect', protocolName: 'sessioned', assignments: [] });
    await commit(raw, 'flex-connect', 'flex-old', 0, 1n, first.memberId as string);
    expect((await remove('flex-connect', ['flex-old'])).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });
});

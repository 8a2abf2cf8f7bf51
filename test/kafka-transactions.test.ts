import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { encodeBatch } from '../emulators/kafka/protocol/record-batch.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { emulatorForFile, RawKafkaClient, startKafka } from './support/kafka.js';

const { Kafka, logLevel } = kafkajs;

const broker = emulatorForFile();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function client(brokers = broker.emulator.brokers): kafkajs.Kafka {
  return new Kafka({ clientId: 'txn-test', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 20 } });
}

/** Every value of a topic as a kafkajs consumer of the given isolation reads it, within `ms`. */
async function readValues(brokers: string, topic: string, options: { readUncommitted: boolean; expected: number; ms?: number }): Promise<string[]> {
  const consumer = client(brokers).consumer({ groupId: `read-${topic}-${options.readUncommitted ? 'all' : 'committed'}-${Date.now()}`, readUncommitted: options.readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.ms ?? 3000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length >= options.expected) {
          clearTimeout(timer);
          // A moment more, so that a record that should not be there would show.
          setTimeout(resolve, 300);
        }
      },
    });
  });
  await consumer.disconnect();
  return values.sort();
}

interface TxnAnswer {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

async function initTransactional(raw: RawKafkaClient, id: string, timeoutMs = 60_000, version = 4): Promise<TxnAnswer> {
  return (await raw.request('InitProducerId', version, { transactionalId: id, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 })) as unknown as TxnAnswer;
}

async function addPartition(raw: RawKafkaClient, id: string, producer: TxnAnswer, topic: string, partition = 0, version = 3): Promise<number> {
  const answer = await raw.request('AddPartitionsToTxn', version, {
    v3AndBelowTransactionalId: id,
    v3AndBelowProducerId: producer.producerId,
    v3AndBelowProducerEpoch: producer.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [partition] }],
  });
  const topics = answer.resultsByTopicV3AndBelow as Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }>;
  return topics[0]?.resultsByPartition[0]?.partitionErrorCode ?? -1;
}

function transactionalBatch(producer: TxnAnswer, sequence: number, values: string[]): Buffer {
  const records = values.map((value, i) => ({ timestamp: 1_800_000_000_000n + BigInt(i), key: null, value: Buffer.from(value) }));
  return encodeBatch(records, { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: sequence, attributes: 0x10 });
}

async function produce(raw: RawKafkaClient, topic: string, batch: Buffer, transactionalId: string | null): Promise<{ errorCode: number; baseOffset: bigint }> {
  const response = await raw.request('Produce', 8, { transactionalId, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
  return (response.responses as Array<{ partitionResponses: Struct[] }>)[0]?.partitionResponses[0] as unknown as { errorCode: number; baseOffset: bigint };
}

async function endTxn(raw: RawKafkaClient, id: string, producer: TxnAnswer, committed: boolean, version = 3): Promise<number> {
  const answer = await raw.request('EndTxn', version, { transactionalId: id, producerId: producer.producerId, producerEpoch: producer.producerEpoch, committed });
  return answer.errorCode as number;
}

interface FetchedPartition {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  abortedTransactions: Array<{ producerId: bigint; firstOffset: bigint }> | null;
  records: Buffer | null;
}

/** The base offsets of the batches in a fetched partition's records. */
function batchOffsets(records: Buffer | null): bigint[] {
  const offsets: bigint[] = [];
  for (let at = 0; records !== null && at + 12 <= records.length; at += 12 + records.readInt32BE(at + 8)) offsets.push(records.readBigInt64BE(at));
  return offsets;
}

async function fetchPartition(raw: RawKafkaClient, topic: string, offset: bigint, isolationLevel: number): Promise<FetchedPartition> {
  const answer = await raw.request('Fetch', 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return (answer.responses as unknown as Array<{ partitions: FetchedPartition[] }>)[0]?.partitions[0] as FetchedPartition;
}

describe('transactions: kafkajs', () => {
  it('a committed transaction is read by read_committed consumers, an aborted one only by read_uncommitted ones', async () => {
    broker.emulator.topics.create('txn-kafkajs', 2);
    const producer = client().producer({ transactionalId: 'txn-kafkajs-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: 'txn-kafkajs', messages: [{ key: 'a', value: 'kept-1', partition: 0 }, { key: 'b', value: 'kept-2', partition: 1 }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'txn-kafkajs', messages: [{ key: 'c', value: 'dropped-1', partition: 0 }, { key: 'd', value: 'dropped-2', partition: 1 }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic: 'txn-kafkajs', messages: [{ key: 'e', value: 'kept-3', partition: 0 }] });
    await last.commit();
    await producer.disconnect();

    expect(await readValues(broker.emulator.brokers, 'txn-kafkajs', { readUncommitted: false, expected: 3 })).toEqual(['kept-1', 'kept-2', 'kept-3']);
    expect(await readValues(broker.emulator.brokers, 'txn-kafkajs', { readUncommitted: true, expected: 5 })).toEqual(['dropped-1', 'dropped-2', 'kept-1', 'kept-2', 'kept-3']);
    // Each partition holds its records and one marker per transaction it took part in.
    expect(broker.emulator.topics.partition('txn-kafkajs', 0)?.highWatermark).toBe(6);
    expect(broker.emulator.topics.partition('txn-kafkajs', 1)?.highWatermark).toBe(4);
  });

  it('offsets sent in a transaction are the group committed offsets only once it commits', async () => {
    broker.emulator.topics.create('txn-offsets', 1);
    const admin = client().admin();
    await admin.connect();
    const producer = client().producer({ transactionalId: 'txn-offsets-1', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const offsetsOf = async (): Promise<string> => (await admin.fetchOffsets({ groupId: 'txn-group', topics: ['txn-offsets'] }))[0]?.partitions[0]?.offset ?? '';

    const aborted = await producer.transaction();
    await aborted.send({ topic: 'txn-offsets', messages: [{ value: 'x' }] });
    await aborted.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'txn-offsets', partitions: [{ partition: 0, offset: '7' }] }] });
    expect(await offsetsOf()).toBe('-1');
    await aborted.abort();
    expect(await offsetsOf()).toBe('-1');

    const committed = await producer.transaction();
    await committed.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'txn-offsets', partitions: [{ partition: 0, offset: '12' }] }] });
    expect(await offsetsOf()).toBe('-1');
    await committed.commit();
    expect(await offsetsOf()).toBe('12');
    await producer.disconnect();
    await admin.disconnect();
  });

  it('a second producer with the same transactional id fences the first and aborts what it left open', async () => {
    broker.emulator.topics.create('txn-fence', 1);
    const first = client().producer({ transactionalId: 'txn-fence-1', maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 20 } });
    await first.connect();
    const open = await first.transaction();
    await open.send({ topic: 'txn-fence', messages: [{ value: 'zombie' }] });

    const second = client().producer({ transactionalId: 'txn-fence-1', maxInFlightRequests: 1, idempotent: true });
    await second.connect();
    // kafkajs asks for its transactional producer id when the first transaction begins.
    const next = await second.transaction();
    await expect(open.commit()).rejects.toThrow(/epoch|fenced/i);
    await next.send({ topic: 'txn-fence', messages: [{ value: 'successor' }] });
    await next.commit();
    await Promise.all([first.disconnect(), second.disconnect()]);
    expect(await readValues(broker.emulator.brokers, 'txn-fence', { readUncommitted: false, expected: 1 })).toEqual(['successor']);
  });
});

describe('transactions: the protocol', () => {
  it('an open transaction holds read_committed fetches at its first offset (the last stable offset)', async () => {
    broker.emulator.topics.create('txn-lso', 1);
    const raw = await broker.connect();
    const producer = await initTransactional(raw, 'txn-lso-1');
    expect(producer).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    expect(await produce(raw, 'txn-lso', encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('before') }]), null)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await addPartition(raw, 'txn-lso-1', producer, 'txn-lso')).toBe(ErrorCode.NONE);
    expect(await produce(raw, 'txn-lso', transactionalBatch(producer, 0, ['t1', 't2']), 'txn-lso-1')).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect(await produce(raw, 'txn-lso', encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('after') }]), null)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3n });

    const committedView = await fetchPartition(raw, 'txn-lso', 0n, 1);
    expect(committedView).toMatchObject({ highWatermark: 4n, lastStableOffset: 1n, abortedTransactions: [] });
    expect(batchOffsets(committedView.records)).toEqual([0n]);
    expect(batchOffsets((await fetchPartition(raw, 'txn-lso', 1n, 1)).records)).toEqual([]);
    expect(batchOffsets((await fetchPartition(raw, 'txn-lso', 0n, 0)).records)).toEqual([0n, 1n, 3n]);
    const latest = async (isolationLevel: number): Promise<bigint> => {
      const answer = await raw.request('ListOffsets', 5, { replicaId: -1, isolationLevel, topics: [{ name: 'txn-lso', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
      return (answer.topics as Array<{ partitions: Array<{ offset: bigint }> }>)[0]?.partitions[0]?.offset ?? -1n;
    };
    expect(await latest(1)).toBe(1n);
    expect(await latest(0)).toBe(4n);

    expect(await endTxn(raw, 'txn-lso-1', producer, false)).toBe(ErrorCode.NONE);
    const afterAbort = await fetchPartition(raw, 'txn-lso', 0n, 1);
    expect(afterAbort).toMatchObject({ highWatermark: 5n, lastStableOffset: 5n });
    expect(afterAbort.abortedTransactions).toEqual([{ producerId: producer.producerId, firstOffset: 1n }]);
    expect(batchOffsets(afterAbort.records)).toEqual([0n, 1n, 3n, 4n]);
    // A fetch from past the aborted transaction's marker is not told of it.
    expect((await produce(raw, 'txn-lso', encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('later') }]), null)).baseOffset).toBe(5n);
    expect(await fetchPartition(raw, 'txn-lso', 5n, 1)).toMatchObject({ abortedTransactions: [] });
    // The legacy format (Fetch v0-3, read uncommitted) has no markers: every record but the abort marker at 4.
    const legacy = await raw.request('Fetch', 3, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [{ topic: 'txn-lso', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] });
    const messageSet = (legacy.responses as unknown as Array<{ partitions: Array<{ records: Buffer }> }>)[0]?.partitions[0]?.records as Buffer;
    const legacyOffsets: bigint[] = [];
    for (let at = 0; at + 12 <= messageSet.length; at += 12 + messageSet.readInt32BE(at + 8)) legacyOffsets.push(messageSet.readBigInt64BE(at));
    expect(legacyOffsets).toEqual([0n, 1n, 2n, 3n, 5n]);
    // A retried EndTxn of the same outcome is answered NONE; the other outcome is refused.
    expect(await endTxn(raw, 'txn-lso-1', producer, false)).toBe(ErrorCode.NONE);
    expect(await endTxn(raw, 'txn-lso-1', producer, true)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('interleaved transactions: a fetch is told of each aborted one whose records or marker it may hold', async () => {
    broker.emulator.topics.create('txn-interleaved', 1);
    const raw = await broker.connect();
    const first = await initTransactional(raw, 'txn-interleaved-1');
    const second = await initTransactional(raw, 'txn-interleaved-2');
    for (const [id, producer] of [['txn-interleaved-1', first], ['txn-interleaved-2', second]] as const) expect(await addPartition(raw, id, producer, 'txn-interleaved')).toBe(ErrorCode.NONE);
    expect((await produce(raw, 'txn-interleaved', transactionalBatch(first, 0, ['a1', 'a2']), 'txn-interleaved-1')).baseOffset).toBe(0n);
    expect((await produce(raw, 'txn-interleaved', transactionalBatch(second, 0, ['b1', 'b2']), 'txn-interleaved-2')).baseOffset).toBe(2n);
    expect(await endTxn(raw, 'txn-interleaved-2', second, false)).toBe(ErrorCode.NONE); // marker at 4
    expect((await produce(raw, 'txn-interleaved', transactionalBatch(first, 2, ['a3']), 'txn-interleaved-1')).baseOffset).toBe(5n);
    expect(await endTxn(raw, 'txn-interleaved-1', first, false)).toBe(ErrorCode.NONE); // marker at 6
    expect((await produce(raw, 'txn-interleaved', encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('plain') }]), null)).baseOffset).toBe(7n);
    const abortedFrom = async (offset: bigint) => (await fetchPartition(raw, 'txn-interleaved', offset, 1)).abortedTransactions;
    expect(await abortedFrom(0n)).toEqual([{ producerId: second.producerId, firstOffset: 2n }, { producerId: first.producerId, firstOffset: 0n }]);
    expect(await abortedFrom(5n)).toEqual([{ producerId: first.producerId, firstOffset: 0n }]);
    expect(await abortedFrom(7n)).toEqual([]);
  });

  it('ListTransactions, DescribeTransactions and DescribeProducers show the transaction that holds a partition back', async () => {
    broker.emulator.topics.create('txn-admin', 1);
    const raw = await broker.connect();
    const hanging = await initTransactional(raw, 'txn-admin-hanging');
    const idle = await initTransactional(raw, 'txn-admin-idle');
    expect(await addPartition(raw, 'txn-admin-hanging', hanging, 'txn-admin')).toBe(ErrorCode.NONE);
    const before = Date.now();
    expect((await produce(raw, 'txn-admin', encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('plain') }]), null)).baseOffset).toBe(0n);
    expect((await produce(raw, 'txn-admin', transactionalBatch(hanging, 0, ['h1', 'h2']), 'txn-admin-hanging')).baseOffset).toBe(1n);

    type Listed = { errorCode: number; unknownStateFilters: string[]; transactionStates: Array<{ transactionalId: string; producerId: bigint; transactionState: string }> };
    const list = async (stateFilters: string[], producerIdFilters: bigint[] = [], durationFilter = -1n): Promise<Listed> =>
      (await raw.request('ListTransactions', 1, { stateFilters, producerIdFilters, durationFilter })) as unknown as Listed;
    // The file's other tests share the broker: their ids are there too.
    const ongoing = (await list(['Ongoing'])).transactionStates;
    expect(ongoing).toContainEqual({ transactionalId: 'txn-admin-hanging', producerId: hanging.producerId, transactionState: 'Ongoing' });
    expect(ongoing.map((txn) => txn.transactionalId)).not.toContain('txn-admin-idle');
    expect((await list(['Empty', 'Sleeping'])).unknownStateFilters).toEqual(['Sleeping']);
    expect((await list(['Empty'], [idle.producerId])).transactionStates.map((txn) => txn.transactionalId)).toEqual(['txn-admin-idle']);
    // Running longer than an hour: none yet; longer than a millisecond: the hanging one.
    expect((await list(['Ongoing'], [], 3_600_000n)).transactionStates).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await list(['Ongoing'], [hanging.producerId], 1n)).transactionStates).toHaveLength(1);

    const described = await raw.request('DescribeTransactions', 0, { transactionalIds: ['txn-admin-hanging', 'txn-admin-nobody'] });
    const [state, unknown] = described.transactionStates as Array<Record<string, unknown>>;
    expect(state).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'Ongoing', transactionTimeoutMs: 60_000, producerId: hanging.producerId, producerEpoch: 0, topics: [{ topic: 'txn-admin', partitions: [0] }] });
    expect(Number(state?.transactionStartTimeMs)).toBeGreaterThanOrEqual(before - 1000);
    expect(unknown).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: 'txn-admin-nobody' });

    const producers = await raw.request('DescribeProducers', 0, { topics: [{ name: 'txn-admin', partitionIndexes: [0, 7] }] });
    const [partition, missing] = (producers.topics as Array<{ partitions: Array<Record<string, unknown>> }>)[0]?.partitions ?? [];
    expect(partition?.activeProducers).toEqual([{ producerId: hanging.producerId, producerEpoch: 0, lastSequence: 1, lastTimestamp: 1_800_000_000_001n, coordinatorEpoch: -1, currentTxnStartOffset: 1n }]);
    expect(missing).toMatchObject({ partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });

    // Aborted (as `kafka-transactions.sh abort` would have it done): the partition moves on, the coordinator shows it.
    expect(await endTxn(raw, 'txn-admin-hanging', hanging, false)).toBe(ErrorCode.NONE);
    expect((await list(['CompleteAbort'], [hanging.producerId, idle.producerId])).transactionStates.map((txn) => txn.transactionalId)).toEqual(['txn-admin-hanging']);
    const after = await raw.request('DescribeProducers', 0, { topics: [{ name: 'txn-admin', partitionIndexes: [0] }] });
    expect((after.topics as Array<{ partitions: Array<{ activeProducers: Array<Record<string, unknown>> }> }>)[0]?.partitions[0]?.activeProducers[0]).toMatchObject({ coordinatorEpoch: 0, currentTxnStartOffset: -1n });
  });

  it('refuses what Kafka refuses: unadded partitions, unknown ids, stale epochs, bad timeouts', async () => {
    broker.emulator.topics.create('txn-refusals', 1);
    const raw = await broker.connect();
    const producer = await initTransactional(raw, 'txn-refusals-1');
    // Produced before AddPartitionsToTxn: refused, nothing appended.
    expect((await produce(raw, 'txn-refusals', transactionalBatch(producer, 0, ['early']), 'txn-refusals-1')).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(broker.emulator.topics.partition('txn-refusals', 0)?.highWatermark).toBe(0);
    expect(await addPartition(raw, 'txn-refusals-1', { ...producer, producerId: producer.producerId + 1000n }, 'txn-refusals')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addPartition(raw, 'txn-unknown', producer, 'txn-refusals')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addPartition(raw, 'txn-refusals-1', producer, 'txn-refusals', 5)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await endTxn(raw, 'txn-refusals-1', producer, true)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await initTransactional(raw, 'txn-bad-timeout', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await initTransactional(raw, 'txn-bad-timeout', 900_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);

    // A new instance bumps the epoch: the old one is fenced, with PRODUCER_FENCED from the versions that know it.
    const successor = await initTransactional(raw, 'txn-refusals-1');
    expect(successor).toMatchObject({ producerId: producer.producerId, producerEpoch: 1 });
    expect(await addPartition(raw, 'txn-refusals-1', producer, 'txn-refusals', 0, 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await addPartition(raw, 'txn-refusals-1', producer, 'txn-refusals', 0, 2)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await addPartition(raw, 'txn-refusals-1', successor, 'txn-refusals')).toBe(ErrorCode.NONE);
    expect((await produce(raw, 'txn-refusals', transactionalBatch(producer, 0, ['zombie']), 'txn-refusals-1')).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await produce(raw, 'txn-refusals', transactionalBatch(successor, 0, ['ok']), 'txn-refusals-1')).errorCode).toBe(ErrorCode.NONE);
    // KIP-360: presenting an id and epoch that are not the current ones is fenced.
    const stale = await raw.request('InitProducerId', 4, { transactionalId: 'txn-refusals-1', transactionTimeoutMs: 60_000, producerId: producer.producerId, producerEpoch: 0 });
    expect(stale.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // Offsets in a transaction: only for a group added to it, and v3's member and generation checked as OffsetCommit checks them.
    const offsets = (groupId: string, generationId: number, memberId: string) => ({ groupId, generationId, memberId, groupInstanceId: null, topics: [{ name: 'txn-refusals', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const txnCommit = async (groupId: string, generationId = -1, memberId = ''): Promise<number> => {
      const answer = await raw.request('TxnOffsetCommit', 3, { transactionalId: 'txn-refusals-1', producerId: successor.producerId, producerEpoch: successor.producerEpoch, ...offsets(groupId, generationId, memberId) });
      return (answer.topics as Array<{ partitions: Array<{ errorCode: number }> }>)[0]?.partitions[0]?.errorCode ?? -1;
    };
    expect(await txnCommit('txn-refusals-group')).toBe(ErrorCode.INVALID_TXN_STATE);
    const addOffsets = await raw.request('AddOffsetsToTxn', 3, { transactionalId: 'txn-refusals-1', producerId: successor.producerId, producerEpoch: successor.producerEpoch, groupId: 'txn-refusals-group' });
    expect(addOffsets.errorCode).toBe(ErrorCode.NONE);
    expect(await txnCommit('txn-refusals-group')).toBe(ErrorCode.NONE);
    const plain = await raw.request('OffsetCommit', 7, { ...offsets('txn-refusals-group', 4, 'ghost'), generationIdOrMemberEpoch: 4 });
    const plainError = (plain.topics as Array<{ partitions: Array<{ errorCode: number }> }>)[0]?.partitions[0]?.errorCode;
    expect(plainError).not.toBe(ErrorCode.NONE);
    expect(await txnCommit('txn-refusals-group', 4, 'ghost')).toBe(plainError);
    expect(await endTxn(raw, 'txn-refusals-1', successor, true)).toBe(ErrorCode.NONE);
  });

  it('a transaction that outlives its timeout is aborted and its producer fenced', async () => {
    broker.emulator.topics.create('txn-timeout', 1);
    const raw = await broker.connect();
    const producer = await initTransactional(raw, 'txn-timeout-1', 300);
    expect(await addPartition(raw, 'txn-timeout-1', producer, 'txn-timeout')).toBe(ErrorCode.NONE);
    expect((await produce(raw, 'txn-timeout', transactionalBatch(producer, 0, ['slow']), 'txn-timeout-1')).errorCode).toBe(ErrorCode.NONE);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const view = await fetchPartition(raw, 'txn-timeout', 0n, 1);
    expect(view).toMatchObject({ highWatermark: 2n, lastStableOffset: 2n });
    expect(view.abortedTransactions).toEqual([{ producerId: producer.producerId, firstOffset: 0n }]);
    expect(await endTxn(raw, 'txn-timeout-1', producer, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('keeps 10 000 transactional ids: the least recently used idle one is forgotten first, an open one never', async () => {
    const own = await startKafka();
    try {
      own.topics.create('txn-many', 1);
      const raw = await broker.connect(own.port);
      const open = await initTransactional(raw, 'txn-many-open');
      expect(await addPartition(raw, 'txn-many-open', open, 'txn-many')).toBe(ErrorCode.NONE);
      const first = await initTransactional(raw, 'txn-many-0');
      for (let i = 1; i < 9_999; i += 1) await initTransactional(raw, `txn-many-${i}`);
      // 10 000 now; one more forgets txn-many-0 (the oldest idle), not the open transaction's id before it.
      await initTransactional(raw, 'txn-many-new');
      expect((await initTransactional(raw, 'txn-many-0')).producerId).not.toBe(first.producerId);
      expect(await endTxn(raw, 'txn-many-open', open, true)).toBe(ErrorCode.NONE);
    } finally {
      await own.close();
    }
  }, 60_000);

  it('with --data-dir, aborted transactions stay skipped after a restart and one left open is aborted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-txn-'));
    dirs.push(dataDir);
    const first = await startKafka({ dataDir, fsync: 'always' });
    first.topics.create('txn-durable', 1);
    let raw = await broker.connect(first.port);
    const producer = await initTransactional(raw, 'txn-durable-1');
    expect(await addPartition(raw, 'txn-durable-1', producer, 'txn-durable')).toBe(ErrorCode.NONE);
    expect((await produce(raw, 'txn-durable', transactionalBatch(producer, 0, ['aborted']), 'txn-durable-1')).errorCode).toBe(ErrorCode.NONE);
    expect(await endTxn(raw, 'txn-durable-1', producer, false)).toBe(ErrorCode.NONE);
    expect(await addPartition(raw, 'txn-durable-1', producer, 'txn-durable')).toBe(ErrorCode.NONE);
    expect((await produce(raw, 'txn-durable', transactionalBatch(producer, 1, ['left-open']), 'txn-durable-1')).errorCode).toBe(ErrorCode.NONE);
    raw.close();
    await first.close();

    const second = await startKafka({ dataDir });
    try {
      raw = await broker.connect(second.port);
      const view = await fetchPartition(raw, 'txn-durable', 0n, 1);
      expect(view).toMatchObject({ highWatermark: 4n, lastStableOffset: 4n });
      expect(view.abortedTransactions).toEqual([
        { producerId: producer.producerId, firstOffset: 0n },
        { producerId: producer.producerId, firstOffset: 2n },
      ]);
      // The producer that left it open is fenced; the next instance gets the id at a newer epoch.
      expect(await endTxn(raw, 'txn-durable-1', producer, true)).toBe(ErrorCode.PRODUCER_FENCED);
      expect(await initTransactional(raw, 'txn-durable-1')).toMatchObject({ producerId: producer.producerId, producerEpoch: 2 });
      expect(await readValues(second.brokers, 'txn-durable', { readUncommitted: false, expected: 1, ms: 1500 })).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { Writer } from '../emulators/kafka/protocol/primitives.js';
import { encodeBatch } from '../emulators/kafka/protocol/record-batch.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { confluent } from './support/confluent.js';
import { emulatorForFile, RawKafkaClient, startKafka } from './support/kafka.js';
import { exited, freePort, spawnSluice, waitFor } from './support/process.js';
import { seeded } from './support/random.js';

const { Kafka, logLevel } = kafkajs;

const broker = emulatorForFile({ maxPartitions: 50, maxGroups: 3, maxGroupSize: 2 });


function createTopics(raw: RawKafkaClient, topics: Array<[string, number]>): Promise<Struct> {
  return raw.request('CreateTopics', 4, { topics: topics.map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 1000, validateOnly: false });
}

function topicErrors(response: Struct): number[] {
  return (response.topics as Struct[]).map((topic) => topic.errorCode as number);
}

describe('requests that would exhaust the broker are refused with Kafka error codes', () => {
  it('CreateTopics with 2^31-1 partitions: POLICY_VIOLATION at once, and the broker keeps answering everyone', async () => {
    const big = await startKafka();
    try {
      const raw = await broker.connect(big.port);
      const started = Date.now();
      const answer = await createTopics(raw, [['huge', 2 ** 31 - 1]]);
      expect(topicErrors(answer)).toEqual([ErrorCode.POLICY_VIOLATION]);
      expect((answer.topics as Struct[])[0]?.errorMessage).toMatch(/Excessively large number of partitions/);
      expect(Date.now() - started).toBeLessThan(1000);
      // More than 10 000 in one request, spread over topics, is refused whole, as Kafka's controller does.
      expect(topicErrors(await createTopics(raw, [['a', 4000], ['b', 4000], ['c', 4000]]))).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
      expect(big.topics.names()).toEqual([]);
      expect(topicErrors(await createTopics(await broker.connect(big.port), [['fine', 3]]))).toEqual([ErrorCode.NONE]);
    } finally {
      await big.close();
    }
  });

  it('a cap on partitions in all (50 here): creation past it is POLICY_VIOLATION, also for automatic creation', async () => {
    const raw = await broker.connect();
    expect(topicErrors(await createTopics(raw, [['cap-a', 40]]))).toEqual([ErrorCode.NONE]);
    expect(topicErrors(await createTopics(raw, [['cap-b', 20]]))).toEqual([ErrorCode.POLICY_VIOLATION]);
    const metadata = await raw.request('Metadata', 8, { topics: [{ name: 'cap-auto-1' }, { name: 'cap-auto-2' }, { name: 'cap-auto-3' }, { name: 'cap-auto-4' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(topicErrors(metadata)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.POLICY_VIOLATION]);
    expect(broker.emulator.topics.partitionCount()).toBe(49);
  });

  it("GROUP_MAX_SIZE_REACHED past group.max.size (2 here) and POLICY_VIOLATION past the number of groups (3 here)", async () => {
    const raw = await broker.connect();
    const join = (groupId: string) => raw.request('JoinGroup', 5, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    // v4+ hands out member ids first (MEMBER_ID_REQUIRED); those count towards the size too.
    expect((await join('size-group')).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await join('size-group')).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await join('size-group')).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect((await join('group-2')).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await join('group-3')).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await join('group-4')).errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    const commit = await raw.request('OffsetCommit', 7, { groupId: 'group-5', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'cap-a', partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(((commit.topics as Struct[])[0]?.partitions as Struct[])[0]?.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  });

  it('an array of more than 100 000 elements or a string over 32 767 bytes closes that connection only', async () => {
    const raw = await broker.connect();
    // Metadata v8 with a topics array that claims 200 000 entries, each a 2-byte empty name: it parses as far as the count.
    const writer = new Writer();
    writer.int32(0).int16(3).int16(8).int32(1).int16(-1).int32(200_000);
    for (let i = 0; i < 200_000; i += 1) writer.int16(0);
    writer.bool(false).bool(false).bool(false);
    const frame = writer.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    raw.socket.write(frame);
    await raw.closed;
    // A compact (flexible) string of 40 000 bytes: ApiVersions v3's client software name.
    const other = await broker.connect();
    const long = new Writer();
    long.int32(0).int16(18).int16(3).int32(1).int16(-1).uvarint(0).uvarint(40_001).bytes(Buffer.alloc(40_000, 0x61)).uvarint(2).bytes(Buffer.from('1')).uvarint(0);
    const longFrame = long.toBuffer();
    longFrame.writeInt32BE(longFrame.length - 4, 0);
    other.socket.write(longFrame);
    await other.closed;
    const healthy = await broker.connect();
    expect((await healthy.request('ApiVersions', 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
  });

  it('kafkajs and confluent-kafka see POLICY_VIOLATION for an oversized topic', async () => {
    const admin = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    await expect(admin.createTopics({ topics: [{ topic: 'kafkajs-huge', numPartitions: 2 ** 31 - 1 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'POLICY_VIOLATION' })] });
    await admin.disconnect();
    // librdkafka itself refuses more than 100 000 partitions before sending.
    expect(await confluent(broker.emulator.brokers, ['create-topic', 'confluent-huge', '100000'])).toEqual({ error: 'POLICY_VIOLATION' });
  });
});

describe('random bytes in valid requests (a fixed seed)', () => {
  it('seventeen APIs\u2019 requests with one to four bytes changed: each answered or its connection closed, and the broker serves on', async () => {
    const fresh = await startKafka();
    try {
      fresh.topics.create('t', 3);
      const maker = await broker.connect(fresh.port);
      const batch = encodeBatch([{ timestamp: 1n, key: Buffer.from('k'), value: Buffer.from('v') }, { timestamp: 2n, key: null, value: Buffer.from('w') }]);
      const frames: Array<[string, Buffer]> = [
        ['Produce', maker.encode('Produce', 8, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }] })],
        ['Fetch', maker.encode('Fetch', 11, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' })],
        ['Fetch', maker.encode('Fetch', 2, { replicaId: -1, maxWaitMs: 0, minBytes: 1, topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] })],
        ['Metadata', maker.encode('Metadata', 8, { topics: [{ name: 't' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })],
        ['ListOffsets', maker.encode('ListOffsets', 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] })],
        ['OffsetCommit', maker.encode('OffsetCommit', 7, { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] })],
        ['OffsetFetch', maker.encode('OffsetFetch', 5, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: false })],
        ['CreateTopics', maker.encode('CreateTopics', 4, { topics: [{ name: 'n', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false })],
        ['FindCoordinator', maker.encode('FindCoordinator', 2, { key: 'g', keyType: 0 })],
        ['DescribeGroups', maker.encode('DescribeGroups', 4, { groups: ['g'], includeAuthorizedOperations: false })],
        ['DescribeConfigs', maker.encode('DescribeConfigs', 3, { resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] }], includeSynonyms: true, includeDocumentation: false })],
        ['AlterConfigs', maker.encode('AlterConfigs', 1, { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.bytes', value: '1048576' }] }], validateOnly: false })],
        ['IncrementalAlterConfigs', maker.encode('IncrementalAlterConfigs', 0, { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'max.message.bytes', configOperation: 0, value: '2048' }] }], validateOnly: true })],
        ['CreatePartitions', maker.encode('CreatePartitions', 1, { topics: [{ name: 't', count: 4, assignments: null }], timeoutMs: 1000, validateOnly: true })],
        ['DeleteGroups', maker.encode('DeleteGroups', 1, { groupsNames: ['g', 'h'] })],
        ['DeleteRecords', maker.encode('DeleteRecords', 1, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 })],
        ['DescribeLogDirs', maker.encode('DescribeLogDirs', 1, { topics: [{ topic: 't', partitions: [0, 1, 2] }] })],
      ];
      const draw = seeded(20261206);
      const stuck: string[] = [];
      for (let i = 0; i < 1500; i += 1) {
        const [name, frame] = frames[Math.floor(draw() * frames.length)] as [string, Buffer];
        const changed = Buffer.from(frame);
        // After the size, key, version, correlation id and client id: the body.
        for (let flips = 1 + Math.floor(draw() * 4); flips > 0; flips -= 1) changed[18 + Math.floor(draw() * (changed.length - 18))] = draw() < 0.3 ? 0xff : Math.floor(draw() * 256);
        const raw = await broker.connect(fresh.port);
        raw.socket.write(changed);
        const outcome = await Promise.race([raw.nextFrame().then(() => 'answered', () => 'closed'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 2000))]);
        // A fetch whose max_wait_ms grew is a long poll, as on Kafka; anything else must answer or close.
        if (outcome === 'waiting' && name !== 'Fetch') stuck.push(`${name} ${changed.subarray(18).toString('hex')}`);
        raw.close();
      }
      expect(stuck).toEqual([]);
      const admin = new Kafka({ clientId: 'after', brokers: [fresh.brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain('t');
      await admin.disconnect();
    } finally {
      await fresh.close();
    }
  });
});

describe('SIGTERM stops the emulator promptly in every state', () => {
  it('with a long-polling fetch, a join waiting for a rebalance, a half-sent frame and after an oversized request', async () => {
    const port = await freePort();
    const child = spawnSluice(['emulate', 'kafka', '--port', String(port)], { LOG_LEVEL: 'warn' });
    try {
      await waitFor(async () => (await RawKafkaClient.connect(port).then((raw) => (raw.close(), true)).catch(() => false)), 10_000, 'the emulator listening');
      const raw = await broker.connect(port);
      expect(topicErrors(await createTopics(raw, [['huge', 2 ** 31 - 1], ['t', 1]]))).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
      expect(topicErrors(await createTopics(raw, [['t', 1]]))).toEqual([ErrorCode.NONE]);
      // A fetch that would wait 60 s for data.
      const poller = await broker.connect(port);
      poller.socket.write(poller.encode('Fetch', 11, { replicaId: -1, maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' }));
      // Two members: the second one's join waits (up to its 60 s rebalance timeout) for the first to rejoin.
      const joinBody = (memberId: string) => ({ groupId: 'g', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
      const first = await broker.connect(port);
      const id = (await first.request('JoinGroup', 5, joinBody(''))).memberId as string;
      expect((await first.request('JoinGroup', 5, joinBody(id))).errorCode).toBe(ErrorCode.NONE);
      const second = await broker.connect(port);
      const id2 = (await second.request('JoinGroup', 5, joinBody(''))).memberId as string;
      second.socket.write(second.encode('JoinGroup', 5, joinBody(id2)));
      // Half a frame: the length says 1 000 bytes, 10 arrive.
      const half = await broker.connect(port);
      half.socket.write(Buffer.concat([Buffer.from([0, 0, 3, 232]), Buffer.alloc(10)]));
      await new Promise((resolve) => setTimeout(resolve, 300));

      const stopping = Date.now();
      child.kill('SIGTERM');
      const end = await exited(child);
      expect(end).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopping).toBeLessThan(3000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEmulator } from '../emulators/kafka/index.js';
import { APIS } from '../emulators/kafka/protocol/apis/index.js';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { Reader } from '../emulators/kafka/protocol/primitives.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { packageRoot } from '../shared/paths.js';
import { RawKafkaClient, startKafka } from './support/kafka.js';

const { Kafka, logLevel } = kafkajs;

let emulator: KafkaEmulator;
const clients: RawKafkaClient[] = [];

async function client(): Promise<RawKafkaClient> {
  const raw = await RawKafkaClient.connect(emulator.port);
  clients.push(raw);
  return raw;
}

beforeAll(async () => {
  emulator = await startKafka({ maxMessageBytes: 4096, minSessionTimeoutMs: 1000 });
});

afterEach(() => {
  for (const raw of clients.splice(0)) raw.close();
});

afterAll(async () => {
  await emulator.close();
});

/** A RecordBatch v2 holding `values`, taken from what kafkajs would send: produced once, read back raw. */
async function batchesOf(topic: string, values: string[]): Promise<Buffer[]> {
  const kafka = new Kafka({ brokers: [emulator.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  emulator.topics.create(topic, 1);
  for (const value of values) await producer.send({ topic, messages: [{ value }] });
  await producer.disconnect();
  return emulator.topics.partition(topic, 0)?.read(0, 1 << 20).batches ?? [];
}

function produceBody(topic: string, records: Buffer | null, acks = -1, partition = 0): Struct {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

function partitionResult(response: Struct): Struct {
  const topics = response.responses as Array<{ partitionResponses: Struct[] }>;
  return topics[0]?.partitionResponses[0] as Struct;
}

function fetchBody(topic: string, offset: number, options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number } = {}): Struct {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: options.partitionMaxBytes ?? 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

function fetched(response: Struct): Struct & { records: Buffer | null } {
  const topics = response.responses as Array<{ partitions: Array<Struct & { records: Buffer | null }> }>;
  return topics[0]?.partitions[0] as Struct & { records: Buffer | null };
}

describe('ApiVersions and framing', () => {
  it('advertises exactly the versions each API folder implements, also to a flexible v3 request', async () => {
    const raw = await client();
    const expected = APIS.map((api) => ({ apiKey: api.key, minVersion: api.minVersion, maxVersion: api.maxVersion }));
    expect((await raw.request('ApiVersions', 0, {})).apiKeys).toEqual(expected);
    const v3 = await raw.request('ApiVersions', 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(v3.errorCode).toBe(ErrorCode.NONE);
    expect(v3.apiKeys).toEqual(expected);
  });

  it('answers a newer ApiVersions in the v0 format with UNSUPPORTED_VERSION, as brokers do, so clients fall back', async () => {
    const raw = await client();
    const frame = raw.encode('ApiVersions', 3, { clientSoftwareName: 'future', clientSoftwareVersion: '9' });
    frame.writeInt16BE(9, 6); // pretend to be ApiVersions v9
    raw.socket.write(frame);
    const answer = raw.decode('ApiVersions', await raw.nextFrame(), 0);
    expect(answer.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((answer.apiKeys as Struct[]).length).toBe(APIS.length);
  });

  it('answers UNSUPPORTED_VERSION for a known API at a version it does not implement', async () => {
    const raw = await client();
    // InitProducerId v5 only adds an error code for KIP-890's second phase, which the emulator does not implement.
    const answer = await raw.request('InitProducerId', 5, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
    expect(answer.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('answers pipelined requests in order, each with its correlation id', async () => {
    const raw = await client();
    const frames = [raw.encode('Metadata', 1, { topics: [] }), raw.encode('ApiVersions', 0, {}), raw.encode('Metadata', 4, { topics: null, allowAutoTopicCreation: false })];
    raw.socket.write(Buffer.concat(frames));
    const ids = frames.map((frame) => frame.readInt32BE(8));
    const answers = [raw.decode('Metadata', await raw.nextFrame(), 1), raw.decode('ApiVersions', await raw.nextFrame(), 0), raw.decode('Metadata', await raw.nextFrame(), 4)];
    expect(answers.map((answer) => answer.correlationId)).toEqual(ids);
    expect(answers[1]?.errorCode).toBe(ErrorCode.NONE);
  });

  it('answers a request split across many TCP writes', async () => {
    const raw = await client();
    const frame = raw.encode('Metadata', 1, { topics: [] });
    for (const byte of frame) raw.socket.write(Buffer.from([byte]));
    expect(raw.decode('Metadata', await raw.nextFrame(), 1).brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: emulator.port, rack: null }]);
  });
});

describe('bad input closes only the offending connection', () => {
  const cases: Array<[string, (raw: RawKafkaClient) => void]> = [
    ['a garbage frame', (raw) => raw.socket.write(Buffer.from('000000107a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a', 'hex'))],
    ['an oversized frame length', (raw) => raw.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]))],
    ['a negative frame length', (raw) => raw.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]))],
    ['a request for an unknown API', (raw) => {
      const frame = raw.encode('ApiVersions', 0, {});
      frame.writeInt16BE(9999, 4);
      raw.socket.write(frame);
    }],
    ['a request whose body lies about its lengths', (raw) => {
      const frame = raw.encode('Metadata', 1, { topics: [{ name: 'x' }] });
      frame.writeInt32BE(1_000_000, frame.length - 7); // the topic array claims a million entries
      raw.socket.write(frame);
    }],
  ];

  it.each(cases)('%s', async (_name, send) => {
    const bystander = await client();
    const offender = await client();
    send(offender);
    await offender.closed;
    // Everyone else is still served.
    expect((await bystander.request('ApiVersions', 0, {})).errorCode).toBe(ErrorCode.NONE);
    const kafka = new Kafka({ brokers: [emulator.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toBeInstanceOf(Array);
    await admin.disconnect();
  });
});

describe('Produce errors and acks', () => {
  it('UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist', async () => {
    const [batch] = await batchesOf('p-known', ['x']);
    const raw = await client();
    expect(partitionResult(await raw.request('Produce', 7, produceBody('p-known', batch as Buffer, -1, 7))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(partitionResult(await raw.request('Produce', 7, produceBody('p-missing', batch as Buffer))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('CORRUPT_MESSAGE for a batch whose CRC does not match, and nothing is stored', async () => {
    const [batch] = await batchesOf('p-corrupt', ['original']);
    const corrupt = Buffer.from(batch as Buffer);
    corrupt[corrupt.length - 2] = (corrupt[corrupt.length - 2] as number) ^ 0xff;
    const raw = await client();
    const answer = partitionResult(await raw.request('Produce', 8, produceBody('p-corrupt', corrupt)));
    expect(answer.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(answer.errorMessage).toMatch(/CRC mismatch/);
    expect(emulator.topics.partition('p-corrupt', 0)?.highWatermark).toBe(1);
  });

  it('MESSAGE_TOO_LARGE for a batch over the limit (4096 bytes here)', async () => {
    // A valid 5 kB batch, made by kafkajs on an emulator with the default 1 MiB limit.
    const roomy = await startKafka();
    const kafka = new Kafka({ brokers: [roomy.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    roomy.topics.create('p-large', 1);
    await producer.send({ topic: 'p-large', messages: [{ value: 'y'.repeat(5000) }] });
    await producer.disconnect();
    const [batch] = roomy.topics.partition('p-large', 0)?.read(0, 1 << 20).batches ?? [];
    await roomy.close();

    emulator.topics.create('p-large', 1);
    const raw = await client();
    const answer = partitionResult(await raw.request('Produce', 8, produceBody('p-large', batch as Buffer)));
    expect(answer.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(answer.errorMessage).toMatch(/larger than the maximum of 4096 bytes/);
    expect(emulator.topics.partition('p-large', 0)?.highWatermark).toBe(0);
  });

  it('INVALID_REQUIRED_ACKS for acks=2; acks=0 stores and sends nothing back', async () => {
    const [batch] = await batchesOf('p-acks', ['a']);
    const raw = await client();
    expect(partitionResult(await raw.request('Produce', 7, produceBody('p-acks', batch as Buffer, 2))).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    raw.socket.write(raw.encode('Produce', 7, produceBody('p-acks', batch as Buffer, 0)));
    const metadata = raw.encode('Metadata', 1, { topics: [] });
    raw.socket.write(metadata);
    // The next frame is the Metadata answer: acks=0 got none.
    expect(raw.decode('Metadata', await raw.nextFrame(), 1).correlationId).toBe(metadata.readInt32BE(8));
    expect(emulator.topics.partition('p-acks', 0)?.highWatermark).toBe(2);
  });

  it('converts a legacy (magic 1) message set sent with Produce v2, captured from a real client', async () => {
    const produce = APIS.find((api) => api.name === 'Produce');
    const bytes = Buffer.from((JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'kafkajs', 'produce', 'v2_request.json'), 'utf8')) as { data: number[] }).data);
    const request = produce?.request.decode(new Reader(bytes), 2) as { topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer }> }> };
    const topic = request.topicData[0]?.name as string;
    const records = request.topicData[0]?.partitionData[0]?.records as Buffer;
    expect(records.readInt8(16)).toBe(1); // magic 1
    emulator.topics.create(topic, 1);
    const raw = await client();
    expect(partitionResult(await raw.request('Produce', 2, produceBody(topic, records))).errorCode).toBe(ErrorCode.NONE);

    const kafka = new Kafka({ brokers: [emulator.brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'legacy', maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.key?.toString()}=${message.value?.toString()}`) });
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await consumer.disconnect();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((entry) => /^key-.+=some-value-.+$/.test(entry))).toBe(true);
  });
});

describe('Fetch', () => {
  it('OFFSET_OUT_OF_RANGE beyond the high watermark', async () => {
    await batchesOf('f-range', ['a']);
    const raw = await client();
    expect(fetched(await raw.request('Fetch', 11, fetchBody('f-range', 5))).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('long-polls: waits for data up to max_wait_ms and answers as soon as a produce arrives', async () => {
    const [batch] = await batchesOf('f-poll', ['first']);
    const raw = await client();
    const idleStart = Date.now();
    const idle = fetched(await raw.request('Fetch', 11, fetchBody('f-poll', 1, { maxWaitMs: 300 })));
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(280);
    expect(idle.records?.length).toBe(0);

    const waitingStart = Date.now();
    const waiting = raw.request('Fetch', 11, fetchBody('f-poll', 1, { maxWaitMs: 5000 }));
    setTimeout(() => void client().then((other) => other.request('Produce', 7, produceBody('f-poll', batch as Buffer))), 200);
    const answer = fetched(await waiting);
    const waited = Date.now() - waitingStart;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(2000);
    expect(answer.highWatermark).toBe(2n);
    expect((answer.records as Buffer).readBigInt64BE(0)).toBe(1n);
  });

  it('honours min_bytes: keeps waiting while fewer bytes are there', async () => {
    await batchesOf('f-min', ['small']);
    const raw = await client();
    const start = Date.now();
    const answer = fetched(await raw.request('Fetch', 11, fetchBody('f-min', 0, { maxWaitMs: 400, minBytes: 1 << 20 })));
    expect(Date.now() - start).toBeGreaterThanOrEqual(380);
    expect((answer.records as Buffer).length).toBeGreaterThan(0);
  });

  it('returns whole batches within max_bytes, but always the first one (KIP-74)', async () => {
    const batches = await batchesOf('f-limit', ['a'.repeat(500), 'b'.repeat(500), 'c'.repeat(500)]);
    const size = (batches[0] as Buffer).length;
    const raw = await client();
    const one = fetched(await raw.request('Fetch', 11, fetchBody('f-limit', 0, { maxBytes: size + 10 })));
    expect((one.records as Buffer).equals(batches[0] as Buffer)).toBe(true);
    const tiny = fetched(await raw.request('Fetch', 11, fetchBody('f-limit', 1, { partitionMaxBytes: 10 })));
    expect((tiny.records as Buffer).equals(batches[1] as Buffer)).toBe(true);
    const all = fetched(await raw.request('Fetch', 11, fetchBody('f-limit', 0)));
    expect((all.records as Buffer).equals(Buffer.concat(batches))).toBe(true);
  });
});

describe('consumer group errors where Kafka returns them', () => {
  const protocols = [{ name: 'range', metadata: Buffer.from('m') }];
  const join = (raw: RawKafkaClient, memberId: string, version = 1, extra: Struct = {}) =>
    raw.request('JoinGroup', version, { groupId: 'raw-group', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 3000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols, ...extra });
  const heartbeat = (raw: RawKafkaClient, generationId: number, memberId: string) => raw.request('Heartbeat', 1, { groupId: 'raw-group', generationId, memberId });

  it('MEMBER_ID_REQUIRED, then the generation protocol: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID', async () => {
    const a = await client();
    const b = await client();
    const first = await join(a, '', 4);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await join(a, first.memberId as string, 4);
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range', leader: first.memberId, memberId: first.memberId });
    const memberA = joined.memberId as string;
    expect(await a.request('SyncGroup', 1, { groupId: 'raw-group', generationId: 1, memberId: memberA, assignments: [{ memberId: memberA, assignment: Buffer.from('all') }] })).toMatchObject({ errorCode: 0, assignment: Buffer.from('all') });
    expect((await heartbeat(a, 1, memberA)).errorCode).toBe(ErrorCode.NONE);

    const joiningB = join(b, '', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await heartbeat(a, 1, memberA)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await a.request('SyncGroup', 1, { groupId: 'raw-group', generationId: 1, memberId: memberA, assignments: [] })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await a.request('OffsetCommit', 2, { groupId: 'raw-group', generationIdOrMemberEpoch: 1, memberId: memberA, retentionTimeMs: -1n, topics: [] })).topics).toEqual([]);

    const [rejoinedA, joinedB] = await Promise.all([join(a, memberA, 1), joiningB]);
    expect(rejoinedA).toMatchObject({ errorCode: 0, generationId: 2, leader: memberA });
    expect((rejoinedA.members as Struct[]).length).toBe(2);
    expect(joinedB).toMatchObject({ errorCode: 0, generationId: 2, leader: memberA, members: [] });
    expect((await heartbeat(a, 1, memberA)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await heartbeat(a, 2, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    emulator.topics.create('raw-offsets', 1);
    const stale = await a.request('OffsetCommit', 2, { groupId: 'raw-group', generationIdOrMemberEpoch: 1, memberId: memberA, retentionTimeMs: -1n, topics: [{ name: 'raw-offsets', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }] }] });
    expect((stale.topics as Array<{ partitions: Struct[] }>)[0]?.partitions[0]?.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);

    const described = await a.request('DescribeGroups', 1, { groups: ['raw-group', 'no-such-group'] });
    expect((described.groups as Struct[]).map((group) => group.groupState)).toEqual(['CompletingRebalance', 'Dead']);
    expect((await a.request('LeaveGroup', 1, { groupId: 'raw-group', memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL and INVALID_GROUP_ID', async () => {
    const raw = await client();
    expect((await raw.request('JoinGroup', 1, { groupId: 'g-timeout', sessionTimeoutMs: 10, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'consumer', protocols })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await raw.request('JoinGroup', 1, { groupId: '', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'consumer', protocols })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    const other = await client();
    await raw.request('JoinGroup', 1, { groupId: 'g-proto', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'consumer', protocols });
    expect((await other.request('JoinGroup', 1, { groupId: 'g-proto', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'connect', protocols })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('accepts a standalone commit (generation -1, no member) for an empty group and lists the group', async () => {
    emulator.topics.create('standalone', 1);
    const raw = await client();
    const answer = await raw.request('OffsetCommit', 2, { groupId: 'g-standalone', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n, topics: [{ name: 'standalone', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedMetadata: 'm' }] }] });
    expect((answer.topics as Array<{ partitions: Struct[] }>)[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE);
    const offsets = await raw.request('OffsetFetch', 3, { groupId: 'g-standalone', topics: null });
    expect(offsets.topics).toEqual([{ name: 'standalone', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, metadata: 'm', errorCode: 0 }] }]);
    expect(((await raw.request('ListGroups', 2, {})).groups as Struct[]).map((group) => group.groupId)).toContain('g-standalone');
  });
});

describe('retention', () => {
  it('drops the oldest segments past retention bytes; earliest offset moves and old offsets are out of range', async () => {
    const small = await startKafka({ retentionBytes: 4096 });
    try {
      const kafka = new Kafka({ brokers: [small.brokers], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      small.topics.create('retained', 1);
      for (let i = 0; i < 60; i += 1) await producer.send({ topic: 'retained', messages: [{ value: `${i}`.padEnd(200, '.') }] });
      await producer.disconnect();
      const log = small.topics.partition('retained', 0);
      expect(log?.highWatermark).toBe(60);
      expect(log?.logStartOffset).toBeGreaterThan(0);
      expect(log?.size).toBeLessThanOrEqual(4096 + 1024);
      const admin = kafka.admin();
      await admin.connect();
      const [offsets] = await admin.fetchTopicOffsets('retained');
      expect(offsets).toMatchObject({ low: String(log?.logStartOffset), high: '60' });
      await admin.disconnect();
      const raw = await RawKafkaClient.connect(small.port);
      expect(fetched(await raw.request('Fetch', 11, fetchBody('retained', 0))).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
      raw.close();
    } finally {
      await small.close();
    }
  });
});

import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { emulatorForFile, RawKafkaClient } from './support/kafka.js';
import { confluent } from './support/confluent.js';

const { Kafka, logLevel } = kafkajs;

const broker = emulatorForFile();


const PROTOCOLS = [{ name: 'range', metadata: Buffer.from('m') }];

function join(raw: RawKafkaClient, group: string, memberId: string, groupInstanceId: string | null): Promise<Struct> {
  return raw.request('JoinGroup', 5, { groupId: group, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId, protocolType: 'consumer', protocols: PROTOCOLS });
}

describe('static membership (group.instance.id, KIP-345) on the wire', () => {
  it('a restarted static member gets its generation and assignment back at once; the old member id is fenced', async () => {
    const raw = await broker.connect();
    // A static member is not asked for MEMBER_ID_REQUIRED first.
    const first = await join(raw, 'static-raw', '', 'instance-1');
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const oldId = first.memberId as string;
    expect(first.leader).toBe(oldId);
    const assignment = Buffer.from('partitions 0-2');
    const synced = await raw.request('SyncGroup', 3, { groupId: 'static-raw', generationId: first.generationId, memberId: oldId, groupInstanceId: 'instance-1', protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: oldId, assignment }] });
    expect((synced.assignment as Buffer).equals(assignment)).toBe(true);

    // The process restarts: it joins again with no member id and the same instance id.
    const again = await join(await broker.connect(), 'static-raw', '', 'instance-1');
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.generationId).toBe(first.generationId);
    expect(again.memberId).not.toBe(oldId);
    // The old leader id comes back, so the new member does not recompute an assignment a stable group ignores.
    expect(again.leader).toBe(oldId);
    expect(again.members).toEqual([]);
    const newId = again.memberId as string;
    const resynced = await raw.request('SyncGroup', 3, { groupId: 'static-raw', generationId: again.generationId, memberId: newId, groupInstanceId: 'instance-1', protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect((resynced.assignment as Buffer).equals(assignment)).toBe(true);

    // The old member id is fenced everywhere the instance id is named.
    const heartbeat = (memberId: string) => raw.request('Heartbeat', 3, { groupId: 'static-raw', generationId: first.generationId, memberId, groupInstanceId: 'instance-1' });
    expect((await heartbeat(oldId)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await heartbeat(newId)).errorCode).toBe(ErrorCode.NONE);
    expect((await join(raw, 'static-raw', oldId, 'instance-1')).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    broker.emulator.topics.create('static-raw-topic', 1);
    const commit = (memberId: string) => raw.request('OffsetCommit', 7, { groupId: 'static-raw', generationIdOrMemberEpoch: first.generationId, memberId, groupInstanceId: 'instance-1', topics: [{ name: 'static-raw-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const committed = async (memberId: string) => (((await commit(memberId)).topics as Struct[])[0]?.partitions as Struct[])[0]?.errorCode;
    expect(await committed(oldId)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await committed(newId)).toBe(ErrorCode.NONE);
    expect(broker.emulator.groups.describe('static-raw').members.map((member) => member.memberId)).toEqual([newId]);

    // LeaveGroup v3 by instance id alone (as admin tools remove a static member), and a wrong member id is fenced.
    const wrong = await raw.request('LeaveGroup', 3, { groupId: 'static-raw', members: [{ memberId: oldId, groupInstanceId: 'instance-1' }] });
    expect((wrong.members as Struct[])[0]?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const left = await raw.request('LeaveGroup', 3, { groupId: 'static-raw', members: [{ memberId: '', groupInstanceId: 'instance-1' }] });
    expect((left.members as Struct[])[0]?.errorCode).toBe(ErrorCode.NONE);
    expect(broker.emulator.groups.describe('static-raw').state).toBe('Empty');
  });
});

describe('static membership through kafkajs (KAFKA_GROUP_INSTANCE_ID)', () => {
  it('a static worker that restarts gets the same partitions back without a rebalance of the others, well inside its session timeout', async () => {
    broker.emulator.topics.create('static-kafkajs', 4);
    const kafka = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING });

    const seen: string[] = [];
    const joins = new Map<string, number>();
    const startWorker = async (instance: string) => {
      const consumer = kafka.consumer({ groupId: 'static-kafkajs', groupInstanceId: instance, sessionTimeout: 30_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      let assigned: number[] = [];
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        joins.set(instance, (joins.get(instance) ?? 0) + 1);
        assigned = (event.payload.memberAssignment['static-kafkajs'] ?? []).slice().sort();
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'static-kafkajs', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      return { consumer, assignment: () => assigned };
    };
    const waitFor = async (check: () => boolean, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const a = await startWorker('worker-a');
    await waitFor(() => a.assignment().length === 4);
    const b = await startWorker('worker-b');
    await waitFor(() => a.assignment().length === 2 && b.assignment().length === 2);
    const aPartitions = a.assignment();
    const bJoins = joins.get('worker-b');

    await a.consumer.disconnect(); // a static member does not send LeaveGroup
    expect(broker.emulator.groups.describe('static-kafkajs').members).toHaveLength(2);
    const restarted = Date.now();
    const a2 = await startWorker('worker-a');
    await waitFor(() => a2.assignment().length > 0);
    expect(Date.now() - restarted).toBeLessThan(10_000); // its session timeout is 30 s
    expect(a2.assignment()).toEqual(aPartitions);
    expect(joins.get('worker-b')).toBe(bJoins);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'static-kafkajs', messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    await waitFor(() => seen.length >= 40);
    expect([...seen].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
    await Promise.all([a2.consumer.disconnect(), b.consumer.disconnect()]);
  });

  it('two live consumers with the same instance id: the older one is fenced (FENCED_INSTANCE_ID) and stops', async () => {
    const kafka = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING });
    const crashed: string[] = [];
    const start = async () => {
      const consumer = kafka.consumer({ groupId: 'static-fenced', groupInstanceId: 'twin', heartbeatInterval: 200, maxWaitTimeInMs: 200, retry: { retries: 0 } });
      consumer.on(consumer.events.CRASH, (event) => void crashed.push(event.payload.error.message));
      await consumer.connect();
      await consumer.subscribe({ topic: 'static-fenced-topic', fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
      return consumer;
    };
    const older = await start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const newer = await start();
    const deadline = Date.now() + 10_000;
    while (crashed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // kafkajs's text for FENCED_INSTANCE_ID.
    expect(crashed.join('\n')).toMatch(/another consumer with the same group instance id has registered/);
    expect(broker.emulator.groups.describe('static-fenced').members).toHaveLength(1);
    await Promise.all([older.disconnect(), newer.disconnect()]);
  });
});

describe('static membership through confluent-kafka (librdkafka group.instance.id)', () => {
  it('a restarted static consumer is assigned again without waiting for its 30 s session timeout', async () => {
    broker.emulator.topics.create('static-py', 2);
    const first = await confluent(broker.emulator.brokers, ['static', 'static-py-group', 'static-py', 'py-a', '3']);
    expect((first.assigned as { partitions: number[] }).partitions).toEqual([0, 1]);
    const second = await confluent(broker.emulator.brokers, ['static', 'static-py-group', 'static-py', 'py-a', '3']);
    expect((second.assigned as { partitions: number[] }).partitions).toEqual([0, 1]);
    expect((second.assigned as { after_s: number }).after_s).toBeLessThan(10);
    expect(second.errors).toEqual([]);
  });

  it('two live consumers with the same group.instance.id: one of them is told it is fenced', async () => {
    broker.emulator.topics.create('static-py-twins', 1);
    const [one, two] = await Promise.all([
      confluent(broker.emulator.brokers, ['static', 'static-py-twins-group', 'static-py-twins', 'py-twin', '8']),
      new Promise((resolve) => setTimeout(resolve, 2500)).then(() => confluent(broker.emulator.brokers, ['static', 'static-py-twins-group', 'static-py-twins', 'py-twin', '4'])),
    ]);
    const errors = [...(one?.errors as string[]), ...(two?.errors as string[]), String(one?.fatal), String(two?.fatal)].join('\n');
    expect(errors).toMatch(/fenced/i);
  });
});

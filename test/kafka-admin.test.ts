import kafkajs from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KafkaEmulator, KafkaEmulatorOptions } from '../emulators/kafka/index.js';
import { packageRoot } from '../shared/paths.js';
import { RawKafkaClient, readAllWithKafkajs, startKafka } from './support/kafka.js';
import { buildGoClient, run, waitFor } from './support/process.js';

/**
 * The admin operations operators run on a broker beside producing and consuming: reading topic and broker
 * configuration (DescribeConfigs), adding partitions to spread a topic over more consumers (CreatePartitions),
 * removing a consumer group that is gone (DeleteGroups). Through kafkajs, and through kafka-python and librdkafka
 * (confluent-kafka) from Debian.
 */

interface ClientsReport {
  kafka_python: {
    topic_error: number;
    topic: Record<string, string>;
    broker: Record<string, string>;
    altered: number[];
    refused: number[];
    after: Record<string, [string, boolean]>;
    grown: number[];
    shrunk: [string, string] | null;
    partitions: number;
    offsets_before: number;
    deleted: Array<[string, string]>;
    offsets_after: number;
  };
  confluent: { topic: Record<string, [string, number, boolean]>; broker: Record<string, string>; altered: [string, number, boolean]; partitions: number };
}

function client(brokers: string): kafkajs.Kafka {
  return new kafkajs.Kafka({ clientId: 'admin-test', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING });
}

/** A fresh emulator with a kafkajs admin and producer connected, all closed after `test`. */
async function withKafkajs(test: (context: { emulator: KafkaEmulator; kafka: kafkajs.Kafka; admin: kafkajs.Admin; producer: kafkajs.Producer }) => Promise<void>, options: KafkaEmulatorOptions = {}): Promise<void> {
  const emulator = await startKafka(options);
  const kafka = client(emulator.brokers);
  const admin = kafka.admin();
  const producer = kafka.producer();
  try {
    await admin.connect();
    await producer.connect();
    await test({ emulator, kafka, admin, producer });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await emulator.close();
  }
}

/** An emulator started again on `dataDir`, with a kafkajs admin for `check`; both closed after. */
async function afterRestart(dataDir: string, check: (admin: kafkajs.Admin) => Promise<void>): Promise<void> {
  const emulator = await startKafka({ dataDir });
  const admin = client(emulator.brokers).admin();
  try {
    await admin.connect();
    await check(admin);
  } finally {
    await admin.disconnect();
    await emulator.close();
  }
}

describe('Kafka admin operations against the emulator', () => {
  it('kafka-python and confluent-kafka read configuration, grow a topic and delete groups as Kafka answers them', async () => {
    const emulator = await startKafka({ retentionBytes: 64 * 1024 * 1024 });
    try {
      const result = await run('/usr/bin/python3', [join(packageRoot, 'test', 'support', 'kafka_admin_clients.py'), emulator.brokers], { timeoutMs: 90_000 });
      expect(result.code, result.stderr).toBe(0);
      const { kafka_python: python, confluent } = JSON.parse(result.stdout) as ClientsReport;
      expect(python.topic_error).toBe(0);
      // The topic's own setting, and the broker's where the topic has none.
      expect([python.topic['retention.bytes'], python.topic['max.message.bytes'], python.topic['retention.ms']]).toEqual(['1048576', '1048576', '-1']);
      expect([python.broker['log.retention.bytes'], python.broker['num.partitions'], python.broker['broker.id']]).toEqual([String(64 * 1024 * 1024), '3', '1']);
      // AlterConfigs: a config the emulator applies is changed (and is not read-only); another is INVALID_CONFIG (40).
      expect([python.altered, python.refused]).toEqual([[0], [40]]);
      expect(python.after).toEqual({ 'cleanup.policy': ['delete', false], 'retention.bytes': ['2097152', false] });
      expect(python.grown).toEqual([0]);
      expect(python.shrunk).toEqual(['InvalidPartitionsError', 'Topic currently has 4 partitions, which is higher than the requested 3']);
      expect(python.partitions).toBe(4);
      expect(python.deleted).toEqual([['kp-left', 'NoError'], ['kp-never', 'GroupIdNotFoundError'], ['kp-busy', 'NonEmptyGroupError']]);
      expect([python.offsets_before, python.offsets_after]).toEqual([2, 0]);
      // librdkafka reads the sources: 4 is STATIC_BROKER_CONFIG (the broker's setting), 5 DEFAULT_CONFIG.
      expect(confluent.topic['retention.bytes']).toEqual([String(64 * 1024 * 1024), 4, false]);
      expect(confluent.topic['cleanup.policy']).toEqual(['delete', 5, false]);
      expect(confluent.broker['message.max.bytes']).toBe('1048576');
      expect(confluent.altered).toEqual(['2000000', 1, false]);
      expect(confluent.partitions).toBe(3);
    } finally {
      await emulator.close();
    }
  }, 120_000);

  it('kafkajs: a topic grown to more partitions takes messages on the new ones and a group reads them all', () =>
    withKafkajs(async ({ emulator, kafka, admin, producer }) => {
      await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '2097152' }] }] });
      await producer.send({ topic: 'grow', messages: [{ key: 'a', value: 'before' }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
      expect((await admin.fetchTopicMetadata({ topics: ['grow'] })).topics[0]?.partitions).toHaveLength(3);
      // A producer that knows the new partitions (kafkajs drops a message for a partition its metadata lacks).
      const later = kafka.producer();
      await later.connect();
      await later.send({ topic: 'grow', messages: [{ key: 'b', value: 'after', partition: 2 }] });
      await later.disconnect();
      expect(await readAllWithKafkajs(emulator.brokers, 'grow', 2)).toEqual(['a=before', 'b=after']);
      const described = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'grow', configNames: ['retention.bytes'] }] });
      const entry = described.resources[0]?.configEntries[0];
      expect([entry?.configName, entry?.configValue, entry?.configSource]).toEqual(['retention.bytes', '2097152', 1]);
      expect(entry?.configSynonyms.map((synonym) => synonym.configName)).toEqual(['retention.bytes', 'log.retention.bytes']);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'nothing', count: 2 }] })).rejects.toThrow(/does not host this topic/);
      await expect(admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'nothing' }] })).rejects.toThrow(/does not host this topic/);
    }));

  it('kafkajs: retention.ms drops the segments whose newest record is older, the active one too; configs saying what the emulator does are accepted', () =>
    withKafkajs(
      async ({ emulator, admin, producer }) => {
        // 32 KiB of retention: segments of 8 KiB, about eight of these 1 KiB batches each.
        const configs = [{ name: 'retention.bytes', value: '32768' }, { name: 'cleanup.policy', value: 'delete' }, { name: 'min.insync.replicas', value: '1' }, { name: 'compression.type', value: 'producer' }];
        // A day of retention while the records go in (none is that old), so that no check runs between them.
        await admin.createTopics({ topics: [{ topic: 'aged', numPartitions: 1, configEntries: [...configs, { name: 'retention.ms', value: '86400000' }] }] });
        const now = Date.now();
        // Ten records two hours old, then ten of now: the first segment holds only old ones, the second both.
        for (let i = 0; i < 10; i++) await producer.send({ topic: 'aged', messages: [{ value: 'o'.repeat(1000), timestamp: String(now - 2 * 3_600_000) }] });
        for (let i = 0; i < 10; i++) await producer.send({ topic: 'aged', messages: [{ value: 'n'.repeat(1000), timestamp: String(now) }] });
        const offsets = async (): Promise<[number, number]> => {
          const [partition] = await admin.fetchTopicOffsets('aged');
          return [Number(partition?.low), Number(partition?.high)];
        };
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await offsets()).toEqual([0, 20]);
        // An hour: the first segment goes at once (AlterConfigs), the second, with records of now, stays.
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'aged', configEntries: [...configs, { name: 'retention.ms', value: '3600000' }] }] });
        expect(await offsets()).toEqual([8, 20]);
        const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'aged', configNames: ['retention.ms', 'cleanup.policy'] }] });
        expect(described.resources[0]?.configEntries.map((entry) => [entry.configName, entry.configValue, entry.configSource])).toEqual([['cleanup.policy', 'delete', 1], ['retention.ms', '3600000', 1]]);

        // A second of retention: once every record is older, the active segment goes too and the log is empty.
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'aged', configEntries: [...configs, { name: 'retention.ms', value: '1000' }] }] });
        await waitFor(async () => (await offsets())[0] === 20, 5000, 'every segment expired');
        expect(await offsets()).toEqual([20, 20]);
        await producer.send({ topic: 'aged', messages: [{ value: 'later', timestamp: String(Date.now() + 3_600_000) }] });
        expect(await offsets()).toEqual([20, 21]);

        // A value the emulator could not honour is refused, with what it would take.
        await expect(admin.createTopics({ topics: [{ topic: 'compacted', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })).rejects.toThrow();
        expect(emulator.topics.create('compacted', 1, { 'cleanup.policy': 'compact' }).errorMessage).toBe('Topic config cleanup.policy=compact is not supported by the emulator, only delete: log compaction is not emulated');
        expect(emulator.topics.create('timed', 1, { 'retention.ms': 'soon' }).errorMessage).toBe('Invalid value soon for configuration retention.ms: Not a number of type LONG');
      },
      { retentionCheckIntervalMs: 50 },
    ));

  it('kafkajs: a smaller retention.bytes drops the oldest segments at once; IncrementalAlterConfigs keeps the configs it does not name', () =>
    withKafkajs(async ({ emulator, admin, producer }) => {
      // 8 KiB of retention: segments of 2 KiB, so 20 batches of about 600 bytes fill several.
      await admin.createTopics({ topics: [{ topic: 'shrink', numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '8192' }] }] });
      for (let i = 0; i < 20; i++) await producer.send({ topic: 'shrink', messages: [{ value: 'x'.repeat(500) }] });
      const before = (await admin.fetchTopicOffsets('shrink'))[0];
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'shrink', configEntries: [{ name: 'retention.bytes', value: '2048' }, { name: 'max.message.bytes', value: '4096' }] }] });
      const after = (await admin.fetchTopicOffsets('shrink'))[0];
      expect(Number(after?.low)).toBeGreaterThan(Number(before?.low));
      expect(after?.high).toBe(before?.high);
      // The incremental form through the raw protocol (kafkajs has no call for it): SET one, DELETE another.
      const raw = await RawKafkaClient.connect(emulator.port);
      const answer = await raw.request('IncrementalAlterConfigs', 0, { resources: [{ resourceType: 2, resourceName: 'shrink', configs: [{ name: 'retention.bytes', configOperation: 0, value: '4096' }, { name: 'max.message.bytes', configOperation: 1, value: null }] }], validateOnly: false });
      raw.socket.destroy();
      expect((answer.responses as Array<{ errorCode: number }>).map((response) => response.errorCode)).toEqual([0]);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'shrink', configNames: ['retention.bytes', 'max.message.bytes'] }] });
      // The deleted config falls back to the broker's setting (source 4), the set one is the topic's (source 1).
      expect(described.resources[0]?.configEntries.map((entry) => [entry.configName, entry.configValue, entry.configSource])).toEqual([['max.message.bytes', '1048576', 4], ['retention.bytes', '4096', 1]]);
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'num.partitions', value: '6' }] }] })).rejects.toThrow();
    }));

  it('with a data directory, grown topics and deleted groups stay so across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-admin-'));
    const emulator = await startKafka({ dataDir });
    const kafka = client(emulator.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'kept', count: 5 }] });
    // Two groups' commits, set in the coordinator directly (kafkajs's setOffsets joins the group first: seconds each).
    for (const group of ['gone', 'stays']) emulator.groups.commit(group, [{ topic: 'kept', partition: 0, value: { offset: 0n, leaderEpoch: -1, metadata: null } }]);
    await admin.deleteGroups(['gone']);
    await admin.disconnect();
    await emulator.close();

    await afterRestart(dataDir, async (again) => {
      expect((await again.fetchTopicMetadata({ topics: ['kept'] })).topics[0]?.partitions).toHaveLength(5);
      expect((await again.listGroups()).groups.map((group) => group.groupId)).toEqual(['stays']);
    });
  });
});

describe('deleting records and the log directory', () => {
  it('sarama (Filebeat’s Kafka client) alters, describes, grows a topic and deletes its first records', async () => {
    const build = await buildGoClient('sarama_admin');
    expect(build.error).toBeUndefined();
    const emulator = await startKafka();
    try {
      const result = await run(build.path, [emulator.brokers, 'sarama-admin'], { timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { configs: Record<string, [string, boolean]>; partitions: number; oldest: number; values: string[] };
      expect(report.configs).toEqual({ 'retention.bytes': ['1048576', false], 'cleanup.policy': ['delete', false] });
      expect(report.partitions).toBe(3);
      expect([report.oldest, report.values]).toEqual([4, ['m4', 'm5', 'm6', 'm7', 'm8', 'm9']]);
    } finally {
      await emulator.close();
    }
  }, 180_000);

  it('kafkajs: DeleteRecords moves the low watermark inside a segment, refuses an offset past the end, and a restart keeps it; DescribeLogDirs gives sizes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-kafka-records-'));
    const emulator = await startKafka({ dataDir });
    const kafka = client(emulator.brokers);
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: 'purge', numPartitions: 1 }] });
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'purge', messages: [{ value: `m${i}` }] });
    // kafkajs finds the partition's leader in the metadata it has before it asks: the offsets bring the topic's.
    expect((await admin.fetchTopicOffsets('purge'))[0]).toMatchObject({ low: '0', high: '10' });
    await admin.deleteTopicRecords({ topic: 'purge', partitions: [{ partition: 0, offset: '6' }] });
    expect((await admin.fetchTopicOffsets('purge'))[0]).toMatchObject({ low: '6', high: '10' });
    // kafkajs's retrier wraps the broker's answer: the partition's error is its cause.
    await expect(admin.deleteTopicRecords({ topic: 'purge', partitions: [{ partition: 0, offset: '11' }] })).rejects.toMatchObject({ cause: { partitions: [{ partition: 0, error: { type: 'OFFSET_OUT_OF_RANGE' } }] } });
    expect(await readAllWithKafkajs(emulator.brokers, 'purge', 4)).toEqual(['=m6', '=m7', '=m8', '=m9']);
    const raw = await RawKafkaClient.connect(emulator.port);
    const dirs = await raw.request('DescribeLogDirs', 1, { topics: null });
    raw.socket.destroy();
    const [dir] = dirs.results as Array<{ logDir: string; topics: Array<{ name: string; partitions: Array<{ partitionSize: bigint }> }> }>;
    expect(dir?.logDir).toBe(join(dataDir, 'topics'));
    expect(Number(dir?.topics.find((topic) => topic.name === 'purge')?.partitions[0]?.partitionSize)).toBe(emulator.topics.partition('purge', 0)?.size);
    await producer.disconnect();
    await admin.disconnect();
    await emulator.close();

    await afterRestart(dataDir, async (again) => {
      expect((await again.fetchTopicOffsets('purge'))[0]).toMatchObject({ low: '6', high: '10' });
    });
  });
});

import { gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../emulators/kafka/protocol/errors.js';
import { encodeBatch, type RecordToEncode } from '../emulators/kafka/protocol/record-batch.js';
import { withHeaderField } from './support/kafka-forgery.js';
import type { Struct } from '../emulators/kafka/protocol/schema.js';
import { registerCodecs } from '../services/ingest/codecs.js';
import { emulatorForFile } from './support/kafka.js';
import { run } from './support/process.js';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

const broker = emulatorForFile();

async function produce(topic: string, batch: Buffer): Promise<Struct> {
  const raw = await broker.connect();
  const response = await raw.request('Produce', 8, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
  return (response.responses as Array<{ partitionResponses: Struct[] }>)[0]?.partitionResponses[0] as Struct;
}

function records(count: number, start = 1_700_000_000_000n): RecordToEncode[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: start + BigInt(i * 10), key: null, value: Buffer.from(`value-${i}`) }));
}

describe('batches are validated before anything is appended', () => {
  it('accepts a well-formed batch built with the emulator encoder, plain and gzip', async () => {
    broker.emulator.topics.create('v-good', 1);
    expect((await produce('v-good', encodeBatch(records(3)))).errorCode).toBe(ErrorCode.NONE);
    expect((await produce('v-good', encodeBatch(records(4), { codec: 1, compress: gzipSync }))).errorCode).toBe(ErrorCode.NONE);
    expect(broker.emulator.topics.partition('v-good', 0)?.highWatermark).toBe(7);
  });

  it('CORRUPT_MESSAGE for a gzip batch with a valid CRC whose payload does not decompress; nothing appended', async () => {
    broker.emulator.topics.create('v-gzip', 1);
    expect((await produce('v-gzip', encodeBatch(records(1)))).errorCode).toBe(ErrorCode.NONE);
    const broken = encodeBatch(records(5), { codec: 1, compress: (plain) => Buffer.concat([gzipSync(plain).subarray(0, 20), Buffer.from('not deflate at all')]) });
    const answer = await produce('v-gzip', broken);
    expect(answer.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(answer.errorMessage).toMatch(/gzip\) does not decompress/);
    expect(broker.emulator.topics.partition('v-gzip', 0)?.highWatermark).toBe(1);
  });

  it('CORRUPT_MESSAGE for lz4, zstd and snappy payloads that are not what their codec says', async () => {
    broker.emulator.topics.create('v-codecs', 1);
    for (const codec of [2, 3, 4]) {
      const garbage = encodeBatch(records(2), { codec, compress: () => Buffer.from('this is not a compressed frame of any kind') });
      expect((await produce('v-codecs', garbage)).errorCode, `codec ${codec}`).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
    expect(broker.emulator.topics.partition('v-codecs', 0)?.highWatermark).toBe(0);
  });

  it('INVALID_RECORD for a batch that claims more records than it holds (lastOffsetDelta and count), so offsets cannot jump', async () => {
    broker.emulator.topics.create('v-count', 1);
    const three = encodeBatch(records(3));
    const claimsTen = withHeaderField(withHeaderField(three, 'lastOffsetDelta', 9), 'recordsCount', 10);
    const answer = await produce('v-count', claimsTen);
    expect(answer.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(answer.errorMessage).toMatch(/claims 10 records and holds 3/);
    // lastOffsetDelta alone disagreeing with the count is Kafka's "Inconsistent batch offset range".
    const inconsistent = await produce('v-count', withHeaderField(three, 'lastOffsetDelta', 9));
    expect(inconsistent.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(inconsistent.errorMessage).toMatch(/Inconsistent batch offset range/);
    // Fewer claimed than held.
    expect((await produce('v-count', withHeaderField(withHeaderField(three, 'lastOffsetDelta', 1), 'recordsCount', 2))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(broker.emulator.topics.partition('v-count', 0)?.highWatermark).toBe(0);
  });

  it('CORRUPT_MESSAGE for broken record framing inside a valid CRC; INVALID_RECORD for control batches; INVALID_TIMESTAMP for LogAppendTime', async () => {
    broker.emulator.topics.create('v-framing', 1);
    // A record whose length varint says more than its fields take: its value length shortened by one byte.
    const good = encodeBatch([{ timestamp: 1n, key: null, value: Buffer.from('abcdef') }], { compress: (plain) => {
      const bent = Buffer.from(plain);
      bent[bent.length - 8] = 10; // value length (zig-zag 5) where 6 bytes follow
      return bent;
    } });
    expect((await produce('v-framing', good)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('v-framing', withHeaderField(encodeBatch(records(1)), 'attributes', 0x20))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce('v-framing', withHeaderField(encodeBatch(records(1)), 'attributes', 0x08))).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(broker.emulator.topics.partition('v-framing', 0)?.highWatermark).toBe(0);
  });

  it('a refused batch does not stall the partition: kafkajs and kcat consume everything produced before and after it', async () => {
    broker.emulator.topics.create('v-stall', 1);
    const kafka = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'v-stall', compression: CompressionTypes.GZIP, messages: [{ value: 'before' }] });
    expect((await produce('v-stall', encodeBatch(records(2), { codec: 1, compress: () => Buffer.from('garbage') }))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    await producer.send({ topic: 'v-stall', compression: CompressionTypes.GZIP, messages: [{ value: 'after' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'v-stall-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'v-stall', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        seen.push(String(message.value));
        if (seen.length === 2) resolve();
      } });
    });
    await consumer.disconnect();
    expect(seen).toEqual(['before', 'after']);
    // librdkafka, which stopped on such a batch when it was stored ("Decompression … failed"), reads on too.
    const kcat = await run('kcat', ['-b', broker.emulator.brokers, '-C', '-t', 'v-stall', '-e', '-q']);
    expect(kcat.stderr).toBe('');
    expect(kcat.stdout.trim().split('\n')).toEqual(['before', 'after']);
  });
});

describe('ListOffsets by timestamp finds the exact record whatever the codec', () => {
  it('inside lz4 batches as inside gzip and plain ones (kafkajs producer, admin offsets by timestamp)', async () => {
    registerCodecs();
    const kafka = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    const base = 1_800_000_000_000;
    for (const [topic, compression] of [['t-lz4', CompressionTypes.LZ4], ['t-gzip', CompressionTypes.GZIP], ['t-none', CompressionTypes.None]] as const) {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      await producer.send({ topic, compression, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, timestamp: String(base + i * 1000) })) });
      const [found] = await admin.fetchTopicOffsetsByTimestamp(topic, base + 6500);
      expect(found?.offset, topic).toBe('7');
    }
    // zstd cannot be compressed in JavaScript here; librdkafka (confluent-kafka) covers it in kafka-confluent.test.ts.
    await producer.disconnect();
    await admin.disconnect();
  });
});

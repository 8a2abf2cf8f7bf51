import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEDUP_WINDOW } from '../emulators/kafka/producers.js';
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


async function initProducerId(raw: RawKafkaClient, version = 4, transactionalId: string | null = null): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
  const answer = await raw.request('InitProducerId', version, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  return answer as unknown as { errorCode: number; producerId: bigint; producerEpoch: number };
}

/** A batch of `count` records from producer `producerId`, starting at `sequence`. */
function idempotentBatch(producerId: bigint, sequence: number, count = 2, epoch = 0): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ timestamp: 1_700_000_000_000n + BigInt(i), key: null, value: Buffer.from(`seq-${sequence + i}`) }));
  return encodeBatch(records, { producerId, producerEpoch: epoch, baseSequence: sequence });
}

async function produce(raw: RawKafkaClient, topic: string, batch: Buffer): Promise<{ errorCode: number; baseOffset: bigint; errorMessage: string | null }> {
  const response = await raw.request('Produce', 8, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
  return (response.responses as Array<{ partitionResponses: Struct[] }>)[0]?.partitionResponses[0] as unknown as { errorCode: number; baseOffset: bigint; errorMessage: string | null };
}

describe('idempotent producers (InitProducerId, sequences, dedup window, fencing)', () => {
  it('InitProducerId hands out a new id at epoch 0 on each call, at every version', async () => {
    const raw = await broker.connect();
    const ids: bigint[] = [];
    for (const version of [0, 1, 2, 3, 4]) {
      const answer = await initProducerId(raw, version);
      expect(answer.errorCode).toBe(ErrorCode.NONE);
      expect(answer.producerEpoch).toBe(0);
      ids.push(answer.producerId);
    }
    expect(new Set(ids).size).toBe(5);
  });

  it('a retried batch is appended once and answered with its first offset; gaps and old epochs get Kafka errors', async () => {
    broker.emulator.topics.create('idem-raw', 1);
    const raw = await broker.connect();
    const { producerId } = await initProducerId(raw);
    expect(await produce(raw, 'idem-raw', idempotentBatch(producerId, 0))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce(raw, 'idem-raw', idempotentBatch(producerId, 2))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    // The retry of the first batch: no new records, the offset it got the first time.
    expect(await produce(raw, 'idem-raw', idempotentBatch(producerId, 0))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(broker.emulator.topics.partition('idem-raw', 0)?.highWatermark).toBe(4);
    // A gap: sequence 9 where 4 is next.
    const gap = await produce(raw, 'idem-raw', idempotentBatch(producerId, 9));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // A new epoch must start at sequence 0; after it, the old epoch is fenced.
    expect((await produce(raw, 'idem-raw', idempotentBatch(producerId, 5, 1, 1))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce(raw, 'idem-raw', idempotentBatch(producerId, 0, 1, 1))).errorCode).toBe(ErrorCode.NONE);
    const fenced = await produce(raw, 'idem-raw', idempotentBatch(producerId, 4, 1, 0));
    expect(fenced.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(broker.emulator.topics.partition('idem-raw', 0)?.highWatermark).toBe(5);
  });

  it(`keeps Kafka's window of the last ${DEDUP_WINDOW} batches: an older retry is out of order, not a duplicate`, async () => {
    broker.emulator.topics.create('idem-window', 1);
    const raw = await broker.connect();
    const { producerId } = await initProducerId(raw);
    for (let batch = 0; batch <= DEDUP_WINDOW; batch += 1) expect((await produce(raw, 'idem-window', idempotentBatch(producerId, batch * 2))).errorCode).toBe(ErrorCode.NONE);
    expect(await produce(raw, 'idem-window', idempotentBatch(producerId, 2))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    expect((await produce(raw, 'idem-window', idempotentBatch(producerId, 0))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(broker.emulator.topics.partition('idem-window', 0)?.highWatermark).toBe((DEDUP_WINDOW + 1) * 2);
  });

  it('kafkajs idempotent producer: InitProducerId, then sequences per partition; every message once', async () => {
    broker.emulator.topics.create('idem-kafkajs', 2);
    const kafka = new Kafka({ brokers: [broker.emulator.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 20; i += 1) await producer.send({ topic: 'idem-kafkajs', acks: -1, messages: [{ key: `k${i % 4}`, value: `m${i}` }] });
    await producer.disconnect();
    const logs = [0, 1].map((partition) => broker.emulator.topics.partition('idem-kafkajs', partition));
    expect(logs.reduce((sum, log) => sum + (log?.highWatermark ?? 0), 0)).toBe(20);
    expect(logs.reduce((sum, log) => sum + (log?.producers.size ?? 0), 0)).toBeGreaterThanOrEqual(1);
  });

  it('producer state and ids survive a restart with --data-dir: a retry after the restart is still recognised', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-idem-'));
    dirs.push(dataDir);
    const first = await startKafka({ dataDir, fsync: 'always' });
    first.topics.create('idem-durable', 1);
    let raw = await broker.connect(first.port);
    const { producerId } = await initProducerId(raw);
    for (const sequence of [0, 2, 4]) expect((await produce(raw, 'idem-durable', idempotentBatch(producerId, sequence))).errorCode).toBe(ErrorCode.NONE);
    raw.close();
    await first.close();

    const second = await startKafka({ dataDir });
    try {
      raw = await broker.connect(second.port);
      expect(await produce(raw, 'idem-durable', idempotentBatch(producerId, 4))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 4n });
      expect((await produce(raw, 'idem-durable', idempotentBatch(producerId, 9))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect(await produce(raw, 'idem-durable', idempotentBatch(producerId, 6))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 6n });
      // No id is handed out twice across the restart.
      expect((await initProducerId(raw)).producerId).toBeGreaterThan(producerId);
    } finally {
      await second.close();
    }
  });
});

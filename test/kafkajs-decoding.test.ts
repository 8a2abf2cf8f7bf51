import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * kafkajs's record decoding as patches/kafkajs+2.2.4.patch changes it: offsets and timestamps are added in Numbers
 * while they are safe integers, in BigInt past 2^53 as before. No broker hands out such offsets in a test, so the
 * batches here are encoded by kafkajs's own RecordBatch encoder. kafka-confluent.test.ts checks ordinary records
 * against librdkafka's reading of them.
 */
const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: Record<string, unknown>) => Promise<Encoded> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: Record<string, unknown>) => Encoded;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: DecodedRecord[] }>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, partitionData: Record<string, unknown>) => { messages: DecodedRecord[] };

interface DecodedRecord {
  offset: string;
  timestamp: string;
  value: Buffer;
}

async function decode(firstOffset: string, firstTimestamp: string, timestampDeltas: number[]): Promise<DecodedRecord[]> {
  const records = timestampDeltas.map((timestampDelta, offsetDelta) => Record({ offsetDelta, timestampDelta, key: null, value: Buffer.from(`v${offsetDelta}`) }));
  const encoded = await RecordBatch({ firstOffset, firstTimestamp, maxTimestamp: firstTimestamp, lastOffsetDelta: records.length - 1, records });
  return (await decodeRecordBatch(new Decoder(encoded.buffer))).records;
}

const plus = (base: string, delta: number) => String(BigInt(base) + BigInt(delta));

describe("kafkajs's record decoding, as patched", () => {
  it('adds offsets and timestamps exactly past 2^53, where Numbers would round', async () => {
    const firstOffset = '9007199254740993';
    // Past 2^53 itself, with deltas that bring the sum back under it: a rounded base would show there.
    const firstTimestamp = '9007199254740999';
    const deltas = [0, 1000, -5, -1000, -(2 ** 40)];
    const records = await decode(firstOffset, firstTimestamp, deltas);
    expect(records.map(({ offset, timestamp, value }) => [offset, timestamp, value.toString()])).toEqual(
      deltas.map((delta, index) => [plus(firstOffset, index), plus(firstTimestamp, delta), `v${index}`]),
    );
    // A safe base whose sums cross 2^53.
    const crossing = await decode('9007199254740989', '9007199254740989', [0, 1, 2, 3, 4, 5]);
    expect(crossing.map(({ offset, timestamp }) => [offset, timestamp])).toEqual(
      [0, 1, 2, 3, 4, 5].map((delta) => [plus('9007199254740989', delta), plus('9007199254740989', delta)]),
    );
  });

  it('adds in Numbers where they are safe, negative deltas too', async () => {
    const records = await decode('41', '1800000000000', [0, 7, -3_000_000, 2 ** 48]);
    expect(records.map(({ offset, timestamp }) => [offset, timestamp])).toEqual([
      ['41', '1800000000000'],
      ['42', '1800000000007'],
      ['43', '1799997000000'],
      ['44', plus('1800000000000', 2 ** 48)],
    ]);
  });

  it('drops what lies before the offset fetched, compared exactly on either side of 2^53', async () => {
    const within = (fetched: string, offsets: string[]) =>
      new Batch('t', fetched, { partition: 0, highWatermark: '0', messages: offsets.map((offset) => ({ offset, key: null, isControlRecord: false })) }).messages.map(({ offset }) => offset);
    expect(within('5', ['4', '5', '6'])).toEqual(['5', '6']);
    expect(within('9007199254740993', ['9007199254740992', '9007199254740993', '9007199254740994'])).toEqual(['9007199254740993', '9007199254740994']);
    expect(within('9007199254740992', ['9007199254740991', '9007199254740992'])).toEqual(['9007199254740992']);
  });
});

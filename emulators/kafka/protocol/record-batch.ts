import { crc32 as crc32Ieee, gunzipSync } from 'node:zlib';
import { crc32c } from '../../common/crc32c.js';
import { ProtocolError, Reader, Writer } from './primitives.js';

/** Byte offsets of RecordBatch v2's header fields (Kafka's DefaultRecordBatch). */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const RECORDS_COUNT = 57;
export const BATCH_HEADER_SIZE = 61;
/** The batch length field counts the bytes after itself. */
const LOG_OVERHEAD = 12;

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface BatchInfo {
  /** The batch's bytes, base offset as the producer sent it. */
  bytes: Buffer;
  recordCount: number;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  compression: number;
}

/**
 * Splits a Produce request's records into batches and checks each: magic 2, lengths that add up and a
 * valid CRC-32C. The payload is not decompressed: batches are stored as received, whatever the codec.
 */
export function parseBatches(records: Buffer): BatchInfo[] {
  const batches: BatchInfo[] = [];
  let offset = 0;
  while (offset < records.length) {
    if (records.length - offset < BATCH_HEADER_SIZE) throw new ProtocolError(`record batch header truncated at byte ${offset}`);
    const length = records.readInt32BE(offset + BATCH_LENGTH) + LOG_OVERHEAD;
    if (length < BATCH_HEADER_SIZE || offset + length > records.length) throw new ProtocolError(`record batch at byte ${offset} claims ${length} bytes, ${records.length - offset} present`);
    const magic = records.readInt8(offset + MAGIC);
    if (magic !== 2) throw new ProtocolError(`record batch magic ${magic}: only RecordBatch v2 (magic 2) is supported`);
    const expected = records.readUInt32BE(offset + CRC);
    const actual = crc32c(records, offset + ATTRIBUTES, offset + length);
    if (expected !== actual) throw new ProtocolError(`record batch CRC mismatch: stored ${expected}, computed ${actual}`);
    const recordCount = records.readInt32BE(offset + RECORDS_COUNT);
    const lastOffsetDelta = records.readInt32BE(offset + LAST_OFFSET_DELTA);
    if (recordCount < 0 || lastOffsetDelta < 0) throw new ProtocolError('record batch with a negative record count or offset delta');
    batches.push({
      bytes: records.subarray(offset, offset + length),
      recordCount,
      lastOffsetDelta,
      firstTimestamp: records.readBigInt64BE(offset + FIRST_TIMESTAMP),
      maxTimestamp: records.readBigInt64BE(offset + MAX_TIMESTAMP),
      compression: records.readInt16BE(offset + ATTRIBUTES) & 0x07,
    });
    offset += length;
  }
  return batches;
}

/** A copy of the batch with the broker-assigned base offset; the CRC does not cover that field. */
export function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  return copy;
}

export function readBatchHeader(batch: Buffer): { baseOffset: number; lastOffsetDelta: number; maxTimestamp: bigint; firstTimestamp: bigint; compression: number } {
  return {
    baseOffset: Number(batch.readBigInt64BE(BASE_OFFSET)),
    lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA),
    maxTimestamp: batch.readBigInt64BE(MAX_TIMESTAMP),
    firstTimestamp: batch.readBigInt64BE(FIRST_TIMESTAMP),
    compression: batch.readInt16BE(ATTRIBUTES) & 0x07,
  };
}

/**
 * The timestamp of each record, in offset order, or undefined when the batch's codec cannot be read
 * here (snappy, lz4 and zstd are stored opaque). Used only by ListOffsets' search by timestamp.
 */
export function recordTimestamps(batch: Buffer): Array<{ offsetDelta: number; timestamp: bigint }> | undefined {
  const { firstTimestamp, compression } = readBatchHeader(batch);
  let payload = batch.subarray(BATCH_HEADER_SIZE);
  if (compression === 1) payload = gunzipSync(payload);
  else if (compression !== 0) return undefined;
  const count = batch.readInt32BE(RECORDS_COUNT);
  const reader = new Reader(payload);
  const found: Array<{ offsetDelta: number; timestamp: bigint }> = [];
  for (let i = 0; i < count; i += 1) {
    const length = reader.varint();
    const end = reader.offset + length;
    reader.int8(); // attributes
    const timestampDelta = reader.varlong();
    const offsetDelta = reader.varint();
    found.push({ offsetDelta, timestamp: firstTimestamp + timestampDelta });
    reader.offset = end;
  }
  return found;
}

interface LegacyMessage {
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** Messages of a magic 0/1 message set; gzip wrappers are opened, as Kafka opens them to convert. */
function legacyMessages(set: Buffer, into: LegacyMessage[] = []): LegacyMessage[] {
  const reader = new Reader(set);
  while (reader.remaining >= 12) {
    reader.int64(); // offset, assigned by the broker
    const size = reader.int32();
    if (size > reader.remaining) throw new ProtocolError(`legacy message claims ${size} bytes, ${reader.remaining} present`);
    const message = new Reader(set, reader.offset, reader.offset + size);
    reader.bytes(size);
    const crc = message.uint32();
    if (crc32Ieee(set.subarray(message.offset, message.end)) !== crc) throw new ProtocolError('legacy message CRC mismatch');
    const magic = message.int8();
    if (magic !== 0 && magic !== 1) throw new ProtocolError(`legacy message magic ${magic}`);
    const attributes = message.int8();
    const timestamp = magic === 1 ? message.int64() : -1n;
    const keyLength = message.int32();
    const key = keyLength < 0 ? null : Buffer.from(message.bytes(keyLength));
    const valueLength = message.int32();
    const value = valueLength < 0 ? null : Buffer.from(message.bytes(valueLength));
    const codec = attributes & 0x07;
    if (codec === 0) into.push({ timestamp, key, value });
    else if (codec === 1 && value !== null) legacyMessages(gunzipSync(value), into);
    else throw new UnsupportedCodecError(`a legacy ${COMPRESSION_NAMES[codec] ?? `codec ${codec}`} message set cannot be converted here; produce with RecordBatch v2 (Produce v3+)`);
  }
  if (reader.remaining > 0 && into.length === 0) throw new ProtocolError('legacy message set truncated');
  return into;
}

export class UnsupportedCodecError extends Error {
  override name = 'UnsupportedCodecError';
}

/**
 * Produce v0-2 carry magic 0/1 message sets. Like Kafka, the broker converts them to one RecordBatch v2
 * (uncompressed) before storing, so every consumer reads the current format.
 */
export function upconvertMessageSet(set: Buffer): BatchInfo[] {
  const messages = legacyMessages(set);
  if (messages.length === 0) throw new ProtocolError('empty legacy message set');
  const first = messages[0]?.timestamp ?? -1n;
  const max = messages.reduce((top, message) => (message.timestamp > top ? message.timestamp : top), -1n);
  const records = new Writer();
  messages.forEach((message, index) => {
    const body = new Writer();
    body.int8(0).varint(first < 0n ? 0 : Number(message.timestamp - first)).varint(index);
    for (const part of [message.key, message.value]) {
      if (part === null) body.varint(-1);
      else body.varint(part.length).bytes(part);
    }
    body.varint(0); // no headers
    records.varint(body.length);
    for (const chunk of body.toChunks()) records.bytes(chunk);
  });
  const payload = records.toBuffer();
  const batch = new Writer(BATCH_HEADER_SIZE + payload.length);
  batch.int64(0n).int32(BATCH_HEADER_SIZE - LOG_OVERHEAD + payload.length).int32(0).int8(2).uint32(0);
  batch.int16(0).int32(messages.length - 1).int64(first).int64(max).int64(-1n).int16(-1).int32(-1).int32(messages.length).bytes(payload);
  const bytes = batch.toBuffer();
  bytes.writeUInt32BE(crc32c(bytes, ATTRIBUTES), CRC);
  return parseBatches(bytes);
}

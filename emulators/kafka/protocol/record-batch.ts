import { crc32 as crc32Ieee } from 'node:zlib';
import { decompressPayload } from '../../../shared/kafka-compression.js';
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
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORDS_COUNT = 57;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
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
  /** -1 unless the producer is idempotent (InitProducerId). */
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
}

/** A batch that parses but breaks a rule of Kafka's LogValidator: answered INVALID_RECORD (or INVALID_TIMESTAMP). */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
  constructor(
    message: string,
    readonly errorCode: 'INVALID_RECORD' | 'INVALID_TIMESTAMP' = 'INVALID_RECORD',
  ) {
    super(message);
  }
}

/**
 * Splits a Produce request's records into batches and validates each before anything is appended, as
 * Kafka's LogValidator does: magic 2, lengths that add up, a valid CRC-32C, a payload that decompresses,
 * exactly `lastOffsetDelta + 1` well-framed records with consecutive offset deltas, no control batch and
 * no LogAppendTime from a client. Batches are still stored as received, compressed payloads untouched.
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
    batches.push(validateBatch(records.subarray(offset, offset + length)));
    offset += length;
  }
  return batches;
}

function validateBatch(bytes: Buffer): BatchInfo {
  const recordCount = bytes.readInt32BE(RECORDS_COUNT);
  const lastOffsetDelta = bytes.readInt32BE(LAST_OFFSET_DELTA);
  const attributes = bytes.readInt16BE(ATTRIBUTES);
  const producerId = bytes.readBigInt64BE(PRODUCER_ID);
  const baseSequence = bytes.readInt32BE(BASE_SEQUENCE);
  if (lastOffsetDelta < 0) throw new InvalidRecordError(`Batch has an invalid offset range: last offset delta ${lastOffsetDelta}`);
  if (recordCount <= 0) throw new InvalidRecordError(`Invalid reported count for record batch: ${recordCount}`);
  if (recordCount !== lastOffsetDelta + 1) throw new InvalidRecordError(`Inconsistent batch offset range [0, ${lastOffsetDelta}] and count of records ${recordCount}`);
  if ((attributes & CONTROL_BIT) !== 0) throw new InvalidRecordError('Clients are not allowed to write control records');
  if (producerId >= 0n && baseSequence < 0) throw new InvalidRecordError(`Invalid sequence number ${baseSequence} in record batch with producerId ${producerId}`);
  if ((attributes & TIMESTAMP_TYPE_BIT) !== 0) throw new InvalidRecordError('Producer should not set timestamp type to LogAppendTime', 'INVALID_TIMESTAMP');
  const compression = attributes & 0x07;
  let payload: Buffer;
  try {
    payload = decompressPayload(compression, bytes.subarray(BATCH_HEADER_SIZE));
  } catch (error) {
    throw new ProtocolError(`record batch payload (${COMPRESSION_NAMES[compression] ?? `codec ${compression}`}) does not decompress: ${error instanceof Error ? error.message : String(error)}`);
  }
  const firstTimestamp = bytes.readBigInt64BE(FIRST_TIMESTAMP);
  const maxTimestamp = firstTimestamp + walkRecords(payload, recordCount);
  // Kafka sets the header's max timestamp from the records; a producer's wrong value is corrected here too.
  if (maxTimestamp !== bytes.readBigInt64BE(MAX_TIMESTAMP) && firstTimestamp >= 0n) {
    bytes = Buffer.from(bytes);
    bytes.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP);
    bytes.writeUInt32BE(crc32c(bytes, ATTRIBUTES), CRC);
  }
  return {
    bytes,
    recordCount,
    lastOffsetDelta,
    firstTimestamp,
    maxTimestamp: bytes.readBigInt64BE(MAX_TIMESTAMP),
    compression,
    producerId,
    producerEpoch: bytes.readInt16BE(PRODUCER_EPOCH),
    baseSequence,
    transactional: (attributes & TRANSACTIONAL_BIT) !== 0,
  };
}

/** A read position inside one record: the hot path of validation reads numbers, not bigints or Reader objects. */
interface Cursor {
  bytes: Buffer;
  at: number;
  end: number;
}

/** A zig-zag varint as a number; record fields beyond 2^53 (no real producer writes them) count as corrupt. */
function zigzag(cursor: Cursor, index: number): number {
  let raw = 0;
  for (let shift = 0; ; shift += 7) {
    if (cursor.at >= cursor.end) throw new ProtocolError(`record ${index} is truncated`);
    const byte = cursor.bytes[cursor.at++] as number;
    raw += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    if (shift >= 49) throw new ProtocolError(`record ${index}: a varint beyond 2^53`);
  }
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

function skipSized(cursor: Cursor, what: string, index: number, nullable: boolean): void {
  const size = zigzag(cursor, index);
  if (size < (nullable ? -1 : 0)) throw new ProtocolError(`record ${index}: ${what} length ${size}`);
  if (size > 0) cursor.at += size;
  if (cursor.at > cursor.end) throw new ProtocolError(`record ${index}: ${what} of ${size} bytes overruns the record`);
}

/**
 * Checks the framing of `count` records (DefaultRecord: length, attributes, timestamp delta, offset delta,
 * key, value, headers) and that their offset deltas run 0, 1, 2, …; returns the largest timestamp delta.
 */
function walkRecords(payload: Buffer, count: number): bigint {
  const cursor: Cursor = { bytes: payload, at: 0, end: payload.length };
  let maxDelta = 0;
  for (let index = 0; index < count; index += 1) {
    if (cursor.at >= payload.length) throw new InvalidRecordError(`Batch claims ${count} records and holds ${index}`);
    cursor.end = payload.length;
    const length = zigzag(cursor, index);
    if (length <= 0 || length > payload.length - cursor.at) throw new ProtocolError(`record ${index} claims ${length} bytes, ${payload.length - cursor.at} present`);
    const recordEnd = cursor.at + length;
    cursor.end = recordEnd;
    cursor.at += 1; // attributes, unused in v2
    const timestampDelta = zigzag(cursor, index);
    if (timestampDelta > maxDelta) maxDelta = timestampDelta;
    const offsetDelta = zigzag(cursor, index);
    if (offsetDelta !== index) throw new InvalidRecordError(`Record ${index} has offset delta ${offsetDelta}; deltas must run 0, 1, 2, …`);
    skipSized(cursor, 'key', index, true);
    skipSized(cursor, 'value', index, true);
    const headers = zigzag(cursor, index);
    if (headers < 0) throw new ProtocolError(`record ${index}: ${headers} headers`);
    for (let header = 0; header < headers; header += 1) {
      skipSized(cursor, 'header key', index, false);
      skipSized(cursor, 'header value', index, true);
    }
    if (cursor.at !== recordEnd) throw new ProtocolError(`record ${index} claims ${length} bytes and its fields take ${length - (recordEnd - cursor.at)}`);
  }
  if (cursor.at < payload.length) throw new InvalidRecordError(`Batch claims ${count} records and holds more (${payload.length - cursor.at} bytes left)`);
  return BigInt(maxDelta);
}

/** A copy of the batch with the broker-assigned base offset; the CRC does not cover that field. */
export function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  return copy;
}

export interface BatchHeader {
  baseOffset: number;
  lastOffsetDelta: number;
  maxTimestamp: bigint;
  firstTimestamp: bigint;
  compression: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** Written by a transactional producer (attributes bit 4). */
  transactional: boolean;
  /** A transaction marker written by the broker (attributes bit 5). */
  control: boolean;
}

export function readBatchHeader(batch: Buffer): BatchHeader {
  const attributes = batch.readInt16BE(ATTRIBUTES);
  return {
    baseOffset: Number(batch.readBigInt64BE(BASE_OFFSET)),
    lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA),
    maxTimestamp: batch.readBigInt64BE(MAX_TIMESTAMP),
    firstTimestamp: batch.readBigInt64BE(FIRST_TIMESTAMP),
    compression: attributes & 0x07,
    producerId: batch.readBigInt64BE(PRODUCER_ID),
    producerEpoch: batch.readInt16BE(PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(BASE_SEQUENCE),
    transactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    control: (attributes & CONTROL_BIT) !== 0,
  };
}

/** A transaction marker's type (the control record's key), as Kafka's ControlRecordType numbers them. */
export const ControlType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlType = (typeof ControlType)[keyof typeof ControlType];

/**
 * The marker the transaction coordinator writes to each partition of a transaction when it ends: a control
 * batch (transactional and control bits set, no sequence) of one record whose key is the version (0) and the
 * type, and whose value is the version (0) and the coordinator epoch (EndTransactionMarker).
 */
export function encodeMarker(type: ControlType, producerId: bigint, producerEpoch: number, timestamp: bigint): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(0, 2);
  return encodeBatch([{ timestamp, key, value }], { producerId, producerEpoch, baseSequence: -1, attributes: TRANSACTIONAL_BIT | CONTROL_BIT });
}

/** The type of a marker batch (encodeMarker), read from its one record's key. */
export function markerType(batch: Buffer): ControlType {
  const reader = new Reader(decompressPayload(readBatchHeader(batch).compression, batch.subarray(BATCH_HEADER_SIZE)));
  reader.varint(); // record length
  reader.int8(); // attributes
  reader.varlong(); // timestamp delta
  reader.varint(); // offset delta
  const keyLength = reader.varint();
  if (keyLength < 4) throw new ProtocolError(`control record key of ${keyLength} bytes`);
  const key = reader.bytes(keyLength);
  return key.readInt16BE(2) === ControlType.COMMIT ? ControlType.COMMIT : ControlType.ABORT;
}

/** The timestamp of each record, in offset order, whatever the codec. Used only by ListOffsets' search by timestamp. */
export function recordTimestamps(batch: Buffer): Array<{ offsetDelta: number; timestamp: bigint }> {
  const { firstTimestamp, compression } = readBatchHeader(batch);
  const payload = decompressPayload(compression, batch.subarray(BATCH_HEADER_SIZE));
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

/** Messages of a magic 0/1 message set; compressed wrappers are opened, as Kafka opens them to convert. */
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
    // A wrapper message holds the compressed set: gzip, snappy (raw or snappy-java framed) or lz4, as Kafka 3 opens them.
    else if (codec >= 1 && codec <= 3 && value !== null) legacyMessages(decompressPayload(codec, value), into);
    else throw new UnsupportedCodecError(`a legacy ${COMPRESSION_NAMES[codec] ?? `codec ${codec}`} message set cannot be converted: the legacy format has no such codec`);
  }
  if (reader.remaining > 0 && into.length === 0) throw new ProtocolError('legacy message set truncated');
  return into;
}

export class UnsupportedCodecError extends Error {
  override name = 'UnsupportedCodecError';
}

export interface RecordToEncode {
  /** -1 when the producer set none. */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface BatchOptions {
  /** Kafka codec id (attributes' low bits) and the function that compresses the records with it. */
  codec?: number;
  compress?: (records: Buffer) => Buffer;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Attribute bits beyond the codec (transactional, control). */
  attributes?: number;
}

/** Encodes records as one RecordBatch v2 (base offset 0), as a producer does; the broker's own encoder for converted sets, and the tests' for forged ones. */
export function encodeBatch(records: RecordToEncode[], options: BatchOptions = {}): Buffer {
  const first = records[0]?.timestamp ?? -1n;
  const max = records.reduce((top, record) => (record.timestamp > top ? record.timestamp : top), -1n);
  const body = new Writer();
  records.forEach((record, index) => {
    const fields = new Writer();
    fields.int8(0).varint(first < 0n ? 0 : Number(record.timestamp - first)).varint(index);
    for (const part of [record.key, record.value]) {
      if (part === null) fields.varint(-1);
      else fields.varint(part.length).bytes(part);
    }
    fields.varint(0); // no headers
    body.varint(fields.length);
    for (const chunk of fields.toChunks()) body.bytes(chunk);
  });
  const plain = body.toBuffer();
  const payload = options.compress === undefined ? plain : options.compress(plain);
  const batch = new Writer(BATCH_HEADER_SIZE + payload.length);
  batch.int64(0n).int32(BATCH_HEADER_SIZE - LOG_OVERHEAD + payload.length).int32(0).int8(2).uint32(0);
  batch.int16((options.codec ?? 0) | (options.attributes ?? 0)).int32(records.length - 1).int64(first).int64(max);
  batch.int64(options.producerId ?? -1n).int16(options.producerEpoch ?? -1).int32(options.baseSequence ?? -1).int32(records.length).bytes(payload);
  const bytes = batch.toBuffer();
  bytes.writeUInt32BE(crc32c(bytes, ATTRIBUTES), CRC);
  return bytes;
}

/** The records of a batch, in offset order, each with its offset, its timestamp, key and value (headers are dropped). */
export function readRecords(batch: Buffer): Array<LegacyMessage & { offset: bigint }> {
  const { baseOffset, firstTimestamp, compression } = readBatchHeader(batch);
  const reader = new Reader(decompressPayload(compression, batch.subarray(BATCH_HEADER_SIZE)));
  const count = batch.readInt32BE(RECORDS_COUNT);
  const records: Array<LegacyMessage & { offset: bigint }> = [];
  for (let i = 0; i < count; i += 1) {
    const length = reader.varint();
    const end = reader.offset + length;
    reader.int8(); // attributes
    const timestamp = firstTimestamp + reader.varlong();
    const offset = BigInt(baseOffset + reader.varint());
    const keyLength = reader.varint();
    const key = keyLength < 0 ? null : Buffer.from(reader.bytes(keyLength));
    const valueLength = reader.varint();
    const value = valueLength < 0 ? null : Buffer.from(reader.bytes(valueLength));
    records.push({ offset, timestamp, key, value });
    reader.offset = end;
  }
  return records;
}

/**
 * A stored batch as the legacy message set of `magic` 0 or 1, for Fetch v0-3 (LazyDownConversionRecords): one
 * uncompressed message a record, at its offset; magic 1 keeps the create time, neither can keep headers.
 */
export function downconvertBatch(batch: Buffer, magic: 0 | 1): Buffer {
  const messages = readRecords(batch).map(({ offset, timestamp, key, value }) => {
    const body = new Writer();
    body.int8(magic).int8(0);
    if (magic === 1) body.int64(timestamp);
    for (const part of [key, value]) {
      if (part === null) body.int32(-1);
      else body.int32(part.length).bytes(part);
    }
    const bytes = body.toBuffer();
    const message = new Writer(12 + 4 + bytes.length);
    message.int64(offset).int32(4 + bytes.length).uint32(crc32Ieee(bytes)).bytes(bytes);
    return message.toBuffer();
  });
  return Buffer.concat(messages);
}

/**
 * Produce v0-2 carry magic 0/1 message sets. Like Kafka, the broker converts them to one RecordBatch v2
 * (uncompressed) before storing, so every consumer reads the current format.
 */
export function upconvertMessageSet(set: Buffer): BatchInfo[] {
  const messages = legacyMessages(set);
  if (messages.length === 0) throw new ProtocolError('empty legacy message set');
  return parseBatches(encodeBatch(messages));
}

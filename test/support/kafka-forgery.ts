import { crc32c } from '../../emulators/common/crc32c.js';

// Byte offsets in a RecordBatch v2 header, from the Kafka protocol guide ("Record Batch"): baseOffset int64,
// batchLength int32, partitionLeaderEpoch int32, magic int8, crc uint32 (over everything from attributes on),
// attributes int16, lastOffsetDelta int32, … producerId, producerEpoch, baseSequence, recordsCount int32.
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const RECORDS_COUNT = 57;

/** Rewrites a field of a batch's header and its CRC, as a faulty producer would have written them. */
export function withHeaderField(batch: Buffer, field: 'lastOffsetDelta' | 'recordsCount' | 'attributes', value: number): Buffer {
  const copy = Buffer.from(batch);
  if (field === 'attributes') copy.writeInt16BE(value, ATTRIBUTES);
  else copy.writeInt32BE(value, field === 'lastOffsetDelta' ? LAST_OFFSET_DELTA : RECORDS_COUNT);
  copy.writeUInt32BE(crc32c(copy, ATTRIBUTES), CRC);
  return copy;
}

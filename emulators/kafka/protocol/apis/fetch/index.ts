import { defineApi, type Broker } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { downconvertBatch, readBatchHeader } from '../../record-batch.js';
import type { Struct } from '../../schema.js';

/** Kafka's codec id of zstd, which a fetch before v10 cannot carry. */
const ZSTD = 4;

interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: Array<{ topic: string; topicId: Buffer; partitions: Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number }> }>;
}

const READ_COMMITTED = 1;

/**
 * One pass over the requested partitions: whole batches within the byte limits, and the bytes found. A
 * read_committed fetch (v4+) reads up to the last stable offset and is told the aborted transactions in what
 * it got, whose records the client drops, as Kafka's consumers do with the markers.
 */
function collect(broker: Broker, request: FetchRequest, version: number): { responses: Struct[]; bytes: number; failed: boolean } {
  let budget = version >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let failed = false;
  const committedOnly = version >= 4 && request.isolationLevel === READ_COMMITTED;
  const responses = request.topics.map(({ topic, topicId, partitions }) => {
    // From v13 a topic is given by its id (KIP-516), and answered under it.
    const name = version >= 13 ? broker.topics.byId(topicId)?.name : topic;
    const unknown = name === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return { topic, topicId, partitions: partitions.map(({ partition, fetchOffset, partitionMaxBytes }) => {
      const log = name === undefined ? undefined : broker.topics.partition(name, partition);
      const stable = log?.lastStableOffset ?? -1;
      const base = {
        partitionIndex: partition,
        errorCode: ErrorCode.NONE as ErrorCode,
        highWatermark: BigInt(log?.highWatermark ?? -1),
        lastStableOffset: BigInt(stable),
        logStartOffset: BigInt(log?.logStartOffset ?? -1),
        abortedTransactions: committedOnly ? ([] as Struct[]) : null,
        preferredReadReplica: -1,
        records: [] as Buffer[],
      };
      if (log === undefined) {
        failed = true;
        return { ...base, errorCode: unknown };
      }
      const offset = Number(fetchOffset);
      if (offset < log.logStartOffset || offset > log.highWatermark) {
        failed = true;
        return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      }
      const end = committedOnly ? stable : log.highWatermark;
      if (offset >= end || budget <= 0) return base;
      // KIP-74: only the first batch of the whole response may exceed the limits.
      const { batches, size, next } = log.read(offset, Math.min(partitionMaxBytes, budget), bytes === 0, end);
      // Before v10 a client cannot read zstd (KIP-110); before v4 it reads the legacy format, converted here as Kafka 3 does.
      if (version < 10 && batches.some((batch) => readBatchHeader(batch).compression === ZSTD)) return { ...base, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE };
      bytes += size;
      budget -= size;
      if (version < 4) return { ...base, records: legacy(batches, version >= 2 ? 1 : 0) };
      if (!committedOnly || batches.length === 0) return { ...base, records: batches };
      const aborted = log.abortedBetween(offset, next);
      return { ...base, records: batches, abortedTransactions: aborted.map(({ producerId, firstOffset }) => ({ producerId, firstOffset: BigInt(firstOffset) })) };
    }) };
  });
  return { responses, bytes, failed };
}

/** The legacy message format has no transaction markers: they are left out, as Kafka's down-conversion leaves them. */
function legacy(batches: Buffer[], magic: 0 | 1): Buffer[] {
  return batches.filter((batch) => !readBatchHeader(batch).control).map((batch) => downconvertBatch(batch, magic));
}

/**
 * Long poll: waits up to max_wait_ms for min_bytes, waking whenever anything is produced; errors answer at once.
 * v12 is flexible (its diverging-epoch and leader fields are tagged, left out: one broker, epoch 0); v13+ name
 * topics by id; v15's replica state and v16's node endpoints are a follower's and a moved leader's, never needed.
 */
export default defineApi('fetch', 'Fetch', { min: 0, max: 16 }, async (raw, { broker, version }) => {
  const request = raw as unknown as FetchRequest;
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  for (;;) {
    const { responses, bytes, failed } = collect(broker, request, version);
    const left = deadline - Date.now();
    if (failed || bytes >= Math.max(1, request.minBytes) || left <= 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
    }
    await broker.waitForAppend(left);
  }
});

import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface ListOffsetsRequest {
  isolationLevel: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }>;
}

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
/** KIP-405's earliest offset kept locally (v8+): without tiered storage, the log start offset. */
const EARLIEST_LOCAL = -4n;

/**
 * Offsets by time: latest (-1), earliest (-2), the largest timestamp (-3), or the first record at or after a
 * time. For read_committed (v2+) the latest is the last stable offset, as a consumer of that isolation may read no further.
 * v6+ are flexible; v8 adds the earliest local offset (-4).
 */
export default defineApi('list-offsets', 'ListOffsets', { min: 0, max: 8 }, (raw, { broker, version }) => {
  const request = raw as unknown as ListOffsetsRequest;
  const committedOnly = version >= 2 && request.isolationLevel === 1;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map(({ name, partitions }) => ({
      name,
      partitions: partitions.map(({ partitionIndex, timestamp }) => {
        const log = broker.topics.partition(name, partitionIndex);
        const answer = (errorCode: ErrorCode, offset: number, at: bigint) => ({
          partitionIndex,
          errorCode,
          oldStyleOffsets: offset >= 0 ? [BigInt(offset)] : [],
          timestamp: at,
          offset: BigInt(offset),
          leaderEpoch: errorCode === ErrorCode.NONE ? 0 : -1,
        });
        if (log === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n);
        if (timestamp === LATEST) return answer(ErrorCode.NONE, committedOnly ? log.lastStableOffset : log.highWatermark, -1n);
        if (timestamp === EARLIEST || (version >= 8 && timestamp === EARLIEST_LOCAL)) return answer(ErrorCode.NONE, log.logStartOffset, -1n);
        const found = timestamp === MAX_TIMESTAMP ? log.maxTimestampOffset() : log.offsetForTimestamp(timestamp);
        return found === undefined ? answer(ErrorCode.NONE, -1, -1n) : answer(ErrorCode.NONE, found.offset, found.timestamp);
      }),
    })),
  };
});

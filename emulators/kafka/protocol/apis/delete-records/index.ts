import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DeleteRecordsRequest {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; offset: bigint }> }>;
}

/**
 * Records before the offset asked for (-1: the high watermark) are deleted, and the partition's log start offset
 * (its low watermark) moves there; an offset past the high watermark is OFFSET_OUT_OF_RANGE, as in Kafka.
 */
export default defineApi('delete-records', 'DeleteRecords', { min: 0, max: 2 }, (raw, { broker }) => {
  const { topics } = raw as unknown as DeleteRecordsRequest;
  return {
    throttleTimeMs: 0,
    topics: topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex, offset }) => {
        const log = broker.topics.partition(topic.name, partitionIndex);
        if (log === undefined) return { partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const lowWatermark = log.deleteRecordsBefore(Number(offset));
        if (lowWatermark === undefined) return { partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
        return { partitionIndex, lowWatermark: BigInt(lowWatermark), errorCode: ErrorCode.NONE };
      }),
    })),
  };
});

import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DescribeProducersRequest {
  topics: Array<{ name: string; partitionIndexes: number[] }>;
}

/**
 * The producers each partition keeps state for: epoch, last sequence and timestamp, and the first offset of the
 * transaction each has open there, which is what holds the last stable offset back (`kafka-transactions.sh find-hanging`).
 */
export default defineApi('describe-producers', 'DescribeProducers', { min: 0, max: 0 }, (raw, { broker }) => {
  const request = raw as unknown as DescribeProducersRequest;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map(({ name, partitionIndexes }) => ({
      name,
      partitions: partitionIndexes.map((partitionIndex) => {
        const log = broker.topics.partition(name, partitionIndex);
        if (log === undefined) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.', activeProducers: [] };
        return {
          partitionIndex,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          activeProducers: log.activeProducers().map((producer) => ({
            producerId: producer.producerId,
            producerEpoch: producer.epoch,
            lastSequence: producer.lastSequence,
            lastTimestamp: producer.lastTimestamp,
            coordinatorEpoch: producer.coordinatorEpoch,
            currentTxnStartOffset: BigInt(producer.currentTxnStartOffset),
          })),
        };
      }),
    })),
  };
});

import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DescribeLogDirsRequest {
  topics: Array<{ topic: string; partitions: number[] }> | null;
}

/**
 * The one log directory and each partition's size in it (what topic-size dashboards read): the bytes of its
 * stored batches. Offset lag is 0: there is no future replica moving between directories.
 */
export default defineApi('describe-log-dirs', 'DescribeLogDirs', { min: 0, max: 1 }, (raw, { broker }) => {
  const { topics } = raw as unknown as DescribeLogDirsRequest;
  const wanted = topics ?? broker.topics.names().map((topic) => ({ topic, partitions: broker.topics.get(topic)?.partitions.map((_, index) => index) ?? [] }));
  return {
    throttleTimeMs: 0,
    results: [
      {
        errorCode: ErrorCode.NONE,
        logDir: broker.topics.logDir,
        topics: wanted
          .filter(({ topic }) => broker.topics.get(topic) !== undefined)
          .map(({ topic, partitions }) => ({
            name: topic,
            partitions: partitions
              .filter((index) => broker.topics.partition(topic, index) !== undefined)
              .map((partitionIndex) => ({ partitionIndex, partitionSize: BigInt(broker.topics.partition(topic, partitionIndex)?.size ?? 0), offsetLag: 0n, isFutureKey: false })),
          })),
      },
    ],
  };
});

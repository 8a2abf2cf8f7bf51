import { statfsSync } from 'node:fs';
import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DescribeLogDirsRequest {
  topics: Array<{ topic: string; partitions: number[] }> | null;
}

/** The size and free space of the file system holding the data directory (-1 each in memory, or if unknown). */
function diskBytes(dir: string): { totalBytes: bigint; usableBytes: bigint } {
  try {
    const stats = statfsSync(dir);
    return { totalBytes: BigInt(stats.blocks) * BigInt(stats.bsize), usableBytes: BigInt(stats.bavail) * BigInt(stats.bsize) };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

/**
 * The one log directory and each partition's size in it (what topic-size dashboards read): the bytes of its
 * stored batches. Offset lag is 0: there is no future replica moving between directories. v2+ are flexible,
 * v3 adds the request's error code, v4 the directory's total and usable bytes (KIP-827).
 */
export default defineApi('describe-log-dirs', 'DescribeLogDirs', { min: 0, max: 4 }, (raw, { broker }) => {
  const { topics } = raw as unknown as DescribeLogDirsRequest;
  const wanted = topics ?? broker.topics.names().map((topic) => ({ topic, partitions: broker.topics.get(topic)?.partitions.map((_, index) => index) ?? [] }));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [
      {
        errorCode: ErrorCode.NONE,
        logDir: broker.topics.logDir,
        ...diskBytes(broker.topics.logDir),
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

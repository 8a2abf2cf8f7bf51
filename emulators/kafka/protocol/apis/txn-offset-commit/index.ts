import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { MAX_METADATA_BYTES } from '../offset-commit/index.js';

interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
}

/**
 * Offsets committed inside a transaction (a consume-transform-produce loop): held until the transaction ends,
 * applied if it commits. v3 carries the member's generation, checked as for OffsetCommit (KIP-447).
 */
export default defineApi('txn-offset-commit', 'TxnOffsetCommit', { min: 0, max: 3 }, (raw, { broker, version }) => {
  const request = raw as unknown as TxnOffsetCommitRequest;
  const groupError = version >= 3 ? broker.groups.checkCommit(request.groupId, request.generationId, request.memberId, request.groupInstanceId || null) : ErrorCode.NONE;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const answer = (errorCode: ErrorCode) => ({ partitionIndex: partition.partitionIndex, errorCode });
        if (groupError !== ErrorCode.NONE) return answer(groupError);
        if (broker.topics.partition(topic.name, partition.partitionIndex) === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (partition.committedMetadata !== null && Buffer.byteLength(partition.committedMetadata) > MAX_METADATA_BYTES) return answer(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        return answer(broker.transactions.commitOffset(request, request.groupId, topic.name, partition.partitionIndex, {
          offset: partition.committedOffset,
          leaderEpoch: version >= 2 ? partition.committedLeaderEpoch : -1,
          metadata: partition.committedMetadata,
        }));
      }),
    })),
  };
});

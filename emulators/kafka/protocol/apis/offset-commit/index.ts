import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
}

/** Kafka's offset.metadata.max.bytes default. */
export const MAX_METADATA_BYTES = 4096;

/** v0 commits carry no generation: like a standalone commit (generation -1, no member). */
export default defineApi('offset-commit', 'OffsetCommit', { min: 0, max: 7 }, (raw, { broker, version }) => {
  const request = raw as unknown as OffsetCommitRequest;
  const generation = version >= 1 ? request.generationIdOrMemberEpoch : -1;
  const memberId = version >= 1 ? request.memberId : '';
  const groupError = broker.groups.checkCommit(request.groupId, generation, memberId, (version >= 7 && request.groupInstanceId) || null);
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const answer = (errorCode: ErrorCode) => ({ partitionIndex: partition.partitionIndex, errorCode });
        if (groupError !== ErrorCode.NONE) return answer(groupError);
        if (broker.topics.partition(topic.name, partition.partitionIndex) === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (partition.committedMetadata !== null && Buffer.byteLength(partition.committedMetadata) > MAX_METADATA_BYTES) return answer(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        broker.groups.commit(request.groupId, topic.name, partition.partitionIndex, {
          offset: partition.committedOffset,
          leaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1,
          metadata: partition.committedMetadata,
        });
        return answer(ErrorCode.NONE);
      }),
    })),
  };
});

import { defineApi, type Broker } from '../../api.js';
import type { CommittedOffset } from '../../../groups.js';
import { ErrorCode } from '../../errors.js';

/** The offsets of a commit request, by topic (OffsetCommit's and TxnOffsetCommit's shape). */
export type CommitTopics = Array<{
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
}>;

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: CommitTopics;
}

/** Kafka's offset.metadata.max.bytes default. */
export const MAX_METADATA_BYTES = 4096;

/**
 * Each partition's answer to a commit (OffsetCommit, TxnOffsetCommit): the group's error if any, an unknown
 * partition, metadata too large, else what `store` makes of the offset.
 */
export function answerCommits(broker: Broker, topics: CommitTopics, groupError: ErrorCode, withLeaderEpoch: boolean, store: (topic: string, partition: number, value: CommittedOffset) => ErrorCode) {
  return topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => {
      const answer = (errorCode: ErrorCode) => ({ partitionIndex: partition.partitionIndex, errorCode });
      if (groupError !== ErrorCode.NONE) return answer(groupError);
      if (broker.topics.partition(topic.name, partition.partitionIndex) === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (partition.committedMetadata !== null && Buffer.byteLength(partition.committedMetadata) > MAX_METADATA_BYTES) return answer(ErrorCode.OFFSET_METADATA_TOO_LARGE);
      const value = { offset: partition.committedOffset, leaderEpoch: withLeaderEpoch ? partition.committedLeaderEpoch : -1, metadata: partition.committedMetadata };
      return answer(store(topic.name, partition.partitionIndex, value));
    }),
  }));
}

/** v0 commits carry no generation: like a standalone commit (generation -1, no member). v8 is v7 made flexible. */
export default defineApi('offset-commit', 'OffsetCommit', { min: 0, max: 8 }, (raw, { broker, version }) => {
  const request = raw as unknown as OffsetCommitRequest;
  const generation = version >= 1 ? request.generationIdOrMemberEpoch : -1;
  const memberId = version >= 1 ? request.memberId : '';
  const groupError = broker.groups.checkCommit(request.groupId, generation, memberId, (version >= 7 && request.groupInstanceId) || null);
  const accepted: Array<{ topic: string; partition: number; value: CommittedOffset }> = [];
  const topics = answerCommits(broker, request.topics, groupError, version >= 6, (topic, partition, value) => {
    accepted.push({ topic, partition, value });
    return ErrorCode.NONE;
  });
  if (accepted.length > 0) broker.groups.commit(request.groupId, accepted);
  return { throttleTimeMs: 0, topics };
});

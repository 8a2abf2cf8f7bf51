import { defineApi, type Broker } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';

type WantedTopics = Array<{ name: string; partitionIndexes: number[] }> | null;

interface OffsetFetchRequest {
  groupId: string;
  topics: WantedTopics;
  groups: Array<{ groupId: string; topics: WantedTopics }>;
  requireStable: boolean;
}

/**
 * A group's committed offsets. Topics null (v2+) asks for every partition the group has committed. With
 * require_stable (v7+) a partition whose offset an open transaction has committed is UNSTABLE_OFFSET_COMMIT (KIP-447),
 * so the consumer waits for the transaction's end rather than read an offset it would undo.
 */
function fetchOffsets(broker: Broker, groupId: string, topics: WantedTopics, requireStable: boolean): Struct[] {
  const wanted = topics ?? [...broker.groups.committedTopics(groupId)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  return wanted.map(({ name, partitionIndexes }) => ({
    name,
    partitions: partitionIndexes.map((partitionIndex) => {
      if (requireStable && broker.transactions.hasPendingOffset(groupId, name, partitionIndex)) {
        return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const committed = broker.groups.committed(groupId, name, partitionIndex);
      return {
        partitionIndex,
        committedOffset: committed?.offset ?? -1n,
        committedLeaderEpoch: committed?.leaderEpoch ?? -1,
        metadata: committed?.metadata ?? '',
        errorCode: ErrorCode.NONE,
      };
    }),
  }));
}

/** v6+ are flexible; from v8 one request asks for several groups (KIP-709), each answered with its own error. */
export default defineApi('offset-fetch', 'OffsetFetch', { min: 0, max: 8 }, (raw, { broker, version }): Struct => {
  const request = raw as unknown as OffsetFetchRequest;
  const requireStable = version >= 7 && request.requireStable;
  if (version >= 8) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((group) => ({ groupId: group.groupId, topics: fetchOffsets(broker, group.groupId, group.topics, requireStable), errorCode: ErrorCode.NONE })),
    };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: fetchOffsets(broker, request.groupId, request.topics, requireStable) };
});

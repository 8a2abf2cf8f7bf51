import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface OffsetFetchRequest {
  groupId: string;
  topics: Array<{ name: string; partitionIndexes: number[] }> | null;
}

/** Topics null (v2+) asks for every partition the group has committed. Versions 6+ are flexible: not advertised. */
export default defineApi('offset-fetch', 'OffsetFetch', { min: 0, max: 5 }, (raw, { broker }) => {
  const request = raw as unknown as OffsetFetchRequest;
  const wanted = request.topics ?? [...broker.groups.committedTopics(request.groupId)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    topics: wanted.map(({ name, partitionIndexes }) => ({
      name,
      partitions: partitionIndexes.map((partitionIndex) => {
        const committed = broker.groups.committed(request.groupId, name, partitionIndex);
        return {
          partitionIndex,
          committedOffset: committed?.offset ?? -1n,
          committedLeaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed?.metadata ?? '',
          errorCode: ErrorCode.NONE,
        };
      }),
    })),
  };
});

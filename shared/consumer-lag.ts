import type { Admin } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages after the group's committed offset. */
  lag: number;
}

/**
 * Each partition's lag for a consumer group, as `kafka-consumer-groups.sh --describe` gives it: the partition's end
 * minus the group's committed offset (its start when the group has none). The commits are read before the ends,
 * so that a lag read while both move is never less than the true one; the topics' ends are asked at once.
 */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const endsByTopic = await Promise.all(topics.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })));
  return endsByTopic.flatMap(({ topic, ends }) => {
    const done = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    return ends.map((end) => {
      const offset = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
      return { topic, partition: end.partition, lag: Number(end.high) - (offset < 0 ? Number(end.low) : offset) };
    });
  });
}

import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface OffsetDeleteRequest {
  groupId: string;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>;
}

/**
 * A group's committed offsets deleted (KIP-496: `kafka-consumer-groups.sh --delete-offsets`, AdminClient's
 * deleteConsumerGroupOffsets): a partition of a topic the broker has not is UNKNOWN_TOPIC_OR_PARTITION, as Kafka
 * answers before it asks the coordinator; the coordinator's rules are in GroupCoordinator.deleteOffsets.
 */
export default defineApi('offset-delete', 'OffsetDelete', { min: 0, max: 0 }, (raw, { broker }) => {
  const request = raw as unknown as OffsetDeleteRequest;
  const known = request.topics.flatMap(({ name, partitions }) => partitions.filter(({ partitionIndex }) => broker.topics.partition(name, partitionIndex) !== undefined).map(({ partitionIndex }) => ({ topic: name, partition: partitionIndex })));
  const { errorCode, errors } = broker.groups.deleteOffsets(request.groupId, known);
  const answers = new Map(known.map(({ topic, partition }, index) => [`${topic}\u0000${partition}`, errors[index] ?? ErrorCode.NONE]));
  return {
    errorCode,
    throttleTimeMs: 0,
    topics: errorCode !== ErrorCode.NONE ? [] : request.topics.map(({ name, partitions }) => ({
      name,
      partitions: partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: answers.get(`${name}\u0000${partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
    })),
  };
});

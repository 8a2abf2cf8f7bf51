import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface CreatePartitionsRequest {
  topics: Array<{ name: string; count: number; assignments: unknown[] | null }>;
  validateOnly: boolean;
}

/**
 * A topic grows to the count asked (never shrinks); its new partitions start empty. As for CreateTopics, a manual
 * assignment is refused: there is one broker to assign to. A topic named twice fails both times (INVALID_REQUEST).
 */
export default defineApi('create-partitions', 'CreatePartitions', { min: 0, max: 3 }, (raw, { broker }) => {
  const request = raw as unknown as CreatePartitionsRequest;
  const names = request.topics.map((topic) => topic.name);
  return {
    throttleTimeMs: 0,
    results: request.topics.map((topic) => {
      if (names.indexOf(topic.name) !== names.lastIndexOf(topic.name)) return { name: topic.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
      if (topic.assignments !== null && topic.assignments.length > 0) return { name: topic.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Manual replica assignment is not supported by the emulator.' };
      const { errorCode, errorMessage } = broker.topics.addPartitions(topic.name, topic.count, request.validateOnly);
      return { name: topic.name, errorCode, errorMessage };
    }),
  };
});

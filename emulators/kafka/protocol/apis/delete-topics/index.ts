import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DeleteTopicsRequest {
  topicNames: string[];
  topics: Array<{ name: string | null; topicId: Buffer }>;
}

/** v4+ are flexible; from v6 a topic is named or given by its id (KIP-516), and each answer carries both. */
export default defineApi('delete-topics', 'DeleteTopics', { min: 0, max: 6 }, (raw, { broker, version }) => {
  const request = raw as unknown as DeleteTopicsRequest;
  if (version < 6) return { throttleTimeMs: 0, responses: request.topicNames.map((name) => ({ name, errorCode: broker.topics.delete(name), errorMessage: null })) };
  return {
    throttleTimeMs: 0,
    responses: request.topics.map(({ name, topicId }) => {
      const topic = name === null ? broker.topics.byId(topicId) : broker.topics.get(name);
      if (topic === undefined) {
        return name === null
          ? { name: null, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' }
          : { name, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
      }
      const { id } = topic;
      return { name: topic.name, topicId: id, errorCode: broker.topics.delete(topic.name), errorMessage: null };
    }),
  };
});

import { defineApi } from '../../api.js';

export default defineApi('delete-topics', 'DeleteTopics', { min: 0, max: 3 }, (raw, { broker }) => {
  const { topicNames } = raw as unknown as { topicNames: string[] };
  return { throttleTimeMs: 0, responses: topicNames.map((name) => ({ name, errorCode: broker.topics.delete(name) })) };
});

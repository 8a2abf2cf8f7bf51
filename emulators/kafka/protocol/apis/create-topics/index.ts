import { defineApi } from '../../api.js';
import { MAX_PARTITIONS_PER_REQUEST } from '../../../topics.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';
import { topicConfigs } from '../describe-configs/configs.js';

interface CreateTopicsRequest {
  topics: Array<{ name: string; numPartitions: number; replicationFactor: number; assignments: unknown[]; configs: Array<{ name: string; value: string | null }> }>;
  validateOnly: boolean;
}

/**
 * A single broker: a replication factor above 1 is refused as Kafka refuses it with too few brokers. Like
 * Kafka's controller, a request for more than 10 000 partitions in all is refused whole (POLICY_VIOLATION).
 * v5+ are flexible and answer a created topic's partitions, replication factor and configs (as DescribeConfigs
 * gives them); v7+ its id.
 */
export default defineApi('create-topics', 'CreateTopics', { min: 0, max: 7 }, (raw, { broker }): Struct => {
  const request = raw as unknown as CreateTopicsRequest;
  const asked = request.topics.reduce((sum, topic) => sum + (topic.numPartitions === -1 ? broker.defaultPartitions : Math.max(0, topic.numPartitions)), 0);
  if (asked > MAX_PARTITIONS_PER_REQUEST) {
    const errorMessage = `Excessively large number of partitions per request: ${asked}, at most ${MAX_PARTITIONS_PER_REQUEST}.`;
    return { throttleTimeMs: 0, topics: request.topics.map((topic) => ({ name: topic.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage })) };
  }
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic): Struct => {
      if (topic.replicationFactor > 1) {
        return { name: topic.name, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `Replication factor: ${topic.replicationFactor} larger than available brokers: 1.` };
      }
      if (topic.assignments.length > 0) {
        return { name: topic.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Manual replica assignment is not supported by the emulator.' };
      }
      const configs = Object.fromEntries(topic.configs.filter((config) => config.value !== null).map((config) => [config.name, config.value as string]));
      if (request.validateOnly) {
        const exists = broker.topics.get(topic.name) !== undefined;
        return { name: topic.name, errorCode: exists ? ErrorCode.TOPIC_ALREADY_EXISTS : ErrorCode.NONE, errorMessage: exists ? `Topic '${topic.name}' already exists.` : null };
      }
      const { errorCode, errorMessage } = broker.topics.create(topic.name, topic.numPartitions, configs);
      const created = errorCode === ErrorCode.NONE ? broker.topics.get(topic.name) : undefined;
      if (created === undefined) return { name: topic.name, errorCode, errorMessage };
      return {
        name: topic.name,
        topicId: created.id,
        errorCode,
        errorMessage,
        numPartitions: created.partitions.length,
        replicationFactor: 1,
        configs: topicConfigs(created, broker.settings).map((config) => ({ name: config.name, value: config.value, readOnly: false, configSource: config.source, isSensitive: false })),
      };
    }),
  };
});

import { defineApi, type Broker } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';
import { OFFSETS_TOPIC } from '../../../offsets-topic.js';

interface MetadataRequest {
  topics: Array<{ name: string | null; topicId: Buffer }> | null;
  allowAutoTopicCreation: boolean;
}

function describeTopic(broker: Broker, name: string): Struct {
  const topic = broker.topics.get(name);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] };
  return {
    errorCode: ErrorCode.NONE,
    name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: topic.partitions.map((_log, index) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: index,
      leaderId: broker.nodeId,
      leaderEpoch: 0,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

/** A topic asked for by its id alone (v10+, KIP-516): found, or UNKNOWN_TOPIC_ID with no name. */
function describeById(broker: Broker, id: Buffer): Struct {
  const topic = broker.topics.byId(id);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: id, isInternal: false, partitions: [] };
  return describeTopic(broker, topic.name);
}

/**
 * Metadata v0 asks for all topics with an empty list, later versions with null. Unknown topics are created when
 * allowed. From v10 each topic has its id; from v12 a topic may be asked for by id alone.
 */
export default defineApi('metadata', 'Metadata', { min: 0, max: 12 }, (raw, { broker, version }) => {
  const request = raw as unknown as MetadataRequest;
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  if (!all && request.topics?.some((topic) => topic.name === null)) {
    return answer(broker, (request.topics ?? []).map((topic) => (topic.name === null ? describeById(broker, topic.topicId) : describeTopic(broker, topic.name))));
  }
  const names = all ? broker.topics.names() : (request.topics ?? []).map((topic) => topic.name ?? '');
  const autoCreate = broker.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
  const topics = names.map((name) => {
    // Kafka creates its offsets topic as its own (50 partitions, internal) whoever asks for it first.
    if (name === OFFSETS_TOPIC && broker.topics.get(name) === undefined && autoCreate) broker.offsetsTopic.ensure();
    if (broker.topics.get(name) === undefined && autoCreate) {
      const { errorCode } = broker.topics.create(name, broker.defaultPartitions);
      if (errorCode !== ErrorCode.NONE) return { errorCode, name, isInternal: false, partitions: [] };
    }
    return describeTopic(broker, name);
  });
  return answer(broker, topics);
});

function answer(broker: Broker, topics: Struct[]): Struct {
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: null }],
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
    clusterAuthorizedOperations: -2147483648,
  };
}

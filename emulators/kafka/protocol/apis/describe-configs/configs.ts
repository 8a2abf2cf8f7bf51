import { segmentBytesFor, type Topic } from '../../../topics.js';

/** ConfigSource of DescribeConfigsResponse. */
export const ConfigSource = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** ConfigType of DescribeConfigsResponse (v3+). */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, LIST: 7 } as const;

/** A configuration as DescribeConfigs reports it, with the broker setting it falls back to (its synonym). */
export interface ConfigEntry {
  name: string;
  value: string;
  source: number;
  type: number;
  synonyms: Array<{ name: string; value: string; source: number }>;
}

/** The broker's own settings: static (from its command line or defaults), none changeable while it runs. */
export interface BrokerSettings {
  nodeId: number;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  maxMessageBytes: number;
  retentionBytes: number;
  retentionCheckIntervalMs: number;
  maxRequestBytes: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxGroupSize: number;
}

function broker(name: string, value: string | number | boolean, type: number): ConfigEntry {
  return { name, value: String(value), source: ConfigSource.STATIC_BROKER_CONFIG, type, synonyms: [{ name, value: String(value), source: ConfigSource.STATIC_BROKER_CONFIG }] };
}

/** What the broker runs with, under Kafka's names. Time-based retention is off (-1) unless a topic sets retention.ms. */
export function brokerConfigs(settings: BrokerSettings): ConfigEntry[] {
  return [
    broker('auto.create.topics.enable', settings.autoCreateTopics, ConfigType.BOOLEAN),
    broker('broker.id', settings.nodeId, ConfigType.INT),
    broker('default.replication.factor', 1, ConfigType.INT),
    broker('group.initial.rebalance.delay.ms', settings.initialRebalanceDelayMs, ConfigType.INT),
    broker('group.max.session.timeout.ms', settings.maxSessionTimeoutMs, ConfigType.INT),
    broker('group.max.size', settings.maxGroupSize, ConfigType.INT),
    broker('group.min.session.timeout.ms', settings.minSessionTimeoutMs, ConfigType.INT),
    broker('log.retention.bytes', settings.retentionBytes, ConfigType.LONG),
    broker('log.retention.check.interval.ms', settings.retentionCheckIntervalMs, ConfigType.LONG),
    broker('log.retention.ms', -1, ConfigType.LONG),
    broker('message.max.bytes', settings.maxMessageBytes, ConfigType.INT),
    broker('num.partitions', settings.defaultPartitions, ConfigType.INT),
    broker('offsets.topic.replication.factor', 1, ConfigType.SHORT),
    broker('socket.request.max.bytes', settings.maxRequestBytes, ConfigType.INT),
  ];
}

/**
 * A topic's configuration: what it was created with (TOPIC_CONFIG), else the broker setting it falls back to, else
 * what the emulator does without a setting (DEFAULT_CONFIG): it deletes by size (and by time only when the topic sets
 * retention.ms), keeps batches as produced and the producer's timestamps, and has one replica.
 */
export function topicConfigs(topic: Topic, settings: BrokerSettings): ConfigEntry[] {
  const fromBroker = (name: string, brokerName: string, fallback: number, type: number): ConfigEntry => {
    const own = topic.configs[name];
    const brokerSynonym = { name: brokerName, value: String(fallback), source: ConfigSource.STATIC_BROKER_CONFIG };
    if (own === undefined) return { name, value: String(fallback), source: ConfigSource.STATIC_BROKER_CONFIG, type, synonyms: [brokerSynonym] };
    return { name, value: own, source: ConfigSource.TOPIC_CONFIG, type, synonyms: [{ name, value: own, source: ConfigSource.TOPIC_CONFIG }, brokerSynonym] };
  };
  // What the emulator always does; a topic may say so itself (topics.ts accepts only these values).
  const fixed = (name: string, value: string, type: number): ConfigEntry => {
    const source = topic.configs[name] === undefined ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG;
    return { name, value, source, type, synonyms: [{ name, value, source }] };
  };
  const retention = topic.configs['retention.bytes'] !== undefined && Number(topic.configs['retention.bytes']) > 0 ? Number(topic.configs['retention.bytes']) : settings.retentionBytes;
  return [
    fixed('cleanup.policy', 'delete', ConfigType.LIST),
    fixed('compression.type', 'producer', ConfigType.STRING),
    fromBroker('max.message.bytes', 'message.max.bytes', settings.maxMessageBytes, ConfigType.INT),
    fixed('message.timestamp.type', 'CreateTime', ConfigType.STRING),
    fixed('min.insync.replicas', '1', ConfigType.INT),
    fromBroker('retention.bytes', 'log.retention.bytes', settings.retentionBytes, ConfigType.LONG),
    fromBroker('retention.ms', 'log.retention.ms', -1, ConfigType.LONG),
    fixed('segment.bytes', String(segmentBytesFor(retention)), ConfigType.INT),
  ];
}

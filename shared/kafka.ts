import { readFileSync } from 'node:fs';
import kafkajs, { type Kafka, type LogEntry, type Producer, type SASLOptions } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logging.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

import { LOCAL_KAFKA_BROKER } from './kafka-errors.js';

/**
 * kafkajs's log lines through Sluice's logger: its errors and warnings as such, its chatter at debug. A
 * one-shot command (`quiet`) logs them all at debug: its outcome is the one line the command prints.
 */
function kafkaLogger(logger: Logger, quiet: boolean) {
  const log = logger.child({ component: 'kafkajs' });
  return () => ({ level, log: entry }: LogEntry) => {
    const { message, ...rest } = entry;
    if (quiet) log.debug(rest, message);
    else if (level === logLevel.ERROR) log.error(rest, message);
    else if (level === logLevel.WARN) log.warn(rest, message);
    else if (level === logLevel.INFO) log.debug(rest, message);
  };
}

export interface KafkaClientOptions {
  /** A one-shot command: kafkajs logs at debug, and gives up after a few seconds instead of a minute. */
  oneShot?: boolean;
}

/** The kafkajs client for the configured brokers (the embedded emulator's address when none are). */
export function kafkaClient(config: Config, logger: Logger, clientId: string, options: KafkaClientOptions = {}): Kafka {
  const retry = options.oneShot === true ? { initialRetryTime: 250, retries: 3 } : { initialRetryTime: 300, retries: 8 };
  const { tls, sasl } = config.kafka;
  return new KafkaClient({
    clientId,
    brokers: config.kafka.brokers ?? [LOCAL_KAFKA_BROKER],
    logCreator: kafkaLogger(logger, options.oneShot === true),
    retry,
    connectionTimeout: 3000,
    ...(tls === undefined ? {} : { ssl: tls.caFile === undefined ? true : { ca: [readFileSync(tls.caFile, 'utf8')] } }),
    // kafkajs types SASL per mechanism; the three accepted here share one shape.
    ...(sasl === undefined ? {} : { sasl: sasl as SASLOptions }),
  });
}

/** A message and the topic it goes to. */
export interface TopicMessage {
  topic: string;
  value: string | Buffer;
}

/**
 * Sends messages bound for several topics as one produce request per broker (kafkajs's sendBatch), each topic's
 * in the order given. Grouped with one list per topic: copying a topic's list for every message made a batch
 * of thousands quadratic (a quarter of a benchmark producer's CPU).
 */
export async function sendToTopics(producer: Producer, messages: Iterable<TopicMessage>, acks?: number): Promise<void> {
  const byTopic = new Map<string, Array<{ value: string | Buffer }>>();
  for (const { topic, value } of messages) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push({ value });
  }
  if (byTopic.size === 0) return;
  await producer.sendBatch({ ...(acks === undefined ? {} : { acks }), topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })) });
}

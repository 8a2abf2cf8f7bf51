import type { Stage } from '../../pipelines/types.js';

/** The stages that can refuse a message: the pipeline's, and `index` for Elasticsearch's refusal. */
export type DeadLetterStage = Stage | 'index';

/**
 * One dead-lettered message as it is written to `KAFKA_DLQ_TOPIC` (JSON): enough to see why it failed, fix
 * it and send `original` back to `topic`. The original is redacted like an indexed document, so no secret
 * reaches the dead-letter topic in clear.
 */
export interface DeadLetter {
  original: string;
  /** Size of the message as received; the original is cut at `maxOriginalBytes` and then marked truncated. */
  original_bytes: number;
  original_truncated: boolean;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The Kafka record's own timestamp. */
  kafka_timestamp: string | null;
  stage: DeadLetterStage;
  reason: string;
  /** When Sluice dead-lettered it. */
  time: string;
}

export interface FailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
}

export function deadLetter(message: FailedMessage, stage: DeadLetterStage, reason: string, redact: (text: string) => string, maxOriginalBytes: number, now = Date.now()): DeadLetter {
  const value = message.value ?? Buffer.alloc(0);
  const truncated = value.length > maxOriginalBytes;
  const kafkaTime = Number(message.timestamp);
  return {
    original: redact((truncated ? value.subarray(0, maxOriginalBytes) : value).toString('utf8')),
    original_bytes: value.length,
    original_truncated: truncated,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : redact(message.key.toString('utf8')),
    kafka_timestamp: Number.isFinite(kafkaTime) && kafkaTime > 0 ? new Date(kafkaTime).toISOString() : null,
    stage,
    reason,
    time: new Date(now).toISOString(),
  };
}

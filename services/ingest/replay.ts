import kafkajs, { type EachBatchPayload } from 'kafkajs';
import { z } from 'zod';
import type { Config } from '../../shared/config.js';
import { kafkaClient, sendToTopics, type TopicMessage } from '../../shared/kafka.js';
import type { Logger } from '../../shared/logging.js';

const { Partitioners } = kafkajs;

/** What a dead letter must hold to be sent back: the fields `deadLetter()` writes that replay reads. */
const deadLetterSchema = z.object({
  original: z.string(),
  original_truncated: z.boolean(),
  topic: z.string().min(1),
  partition: z.number().int(),
  offset: z.string(),
  stage: z.string(),
  reason: z.string(),
});

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ReplayResult {
  replayed: number;
  /** Letters that cannot be sent back as they were: cut at the size limit, or not a dead letter of Sluice. */
  skipped: Array<{ partition: number; offset: string; why: string }>;
}

/**
 * `sluice replay-dlq`: sends the original of every dead letter written so far back to the topic it came
 * from, so that it passes through the (fixed) pipeline again, and stops at the end. Its consumer group
 * (`<KAFKA_GROUP_ID>-replay`) remembers how far it got, so a second run replays only newer letters. A letter
 * that fails again is dead-lettered again, after the end this run stops at, so a run always ends.
 */
export async function replayDeadLetters(config: Config, logger: Logger, dlqTopic = config.kafka.dlqTopic): Promise<ReplayResult> {
  const kafka = kafkaClient(config, logger, 'sluice-replay', { oneShot: true });
  const groupId = `${config.kafka.groupId}-replay`;
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<number, bigint>();
  try {
    // No topic yet means no dead letter yet (asking for its offsets would retry for a minute, then fail).
    if (!(await admin.listTopics()).includes(dlqTopic)) return { replayed: 0, skipped: [] };
    const ends = await admin.fetchTopicOffsets(dlqTopic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [dlqTopic] });
    for (const end of ends) {
      const from = BigInt(committed?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1');
      const start = from < 0n ? BigInt(end.low) : from;
      if (BigInt(end.high) > start) remaining.set(end.partition, BigInt(end.high));
    }
  } finally {
    await admin.disconnect();
  }
  const result: ReplayResult = { replayed: 0, skipped: [] };
  if (remaining.size === 0) return result;

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));

  const eachBatch = async ({ batch, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> => {
    const end = remaining.get(batch.partition);
    if (end === undefined) return;
    const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
    if (messages.length === 0) return;
    const replayed: TopicMessage[] = [];
    for (const message of messages) {
      const parsed = deadLetterSchema.safeParse(parseOrUndefined(message.value?.toString('utf8') ?? ''));
      if (!parsed.success) result.skipped.push({ partition: batch.partition, offset: message.offset, why: 'not a dead letter of Sluice' });
      else if (parsed.data.original_truncated) result.skipped.push({ partition: batch.partition, offset: message.offset, why: `the original was cut at the size limit (${parsed.data.reason})` });
      else replayed.push({ topic: parsed.data.topic, value: parsed.data.original });
    }
    await sendToTopics(producer, replayed, -1);
    result.replayed += replayed.length;
    const last = BigInt((messages[messages.length - 1] as { offset: string }).offset);
    await commitOffsetsIfNecessary({ topics: [{ topic: dlqTopic, partitions: [{ partition: batch.partition, offset: (last + 1n).toString() }] }] });
    if (last + 1n >= end) remaining.delete(batch.partition);
    if (remaining.size === 0) finish();
  };
  await consumer.run({ autoCommit: false, eachBatch });
  try {
    await finished;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  for (const skipped of result.skipped) logger.warn(skipped, 'dead letter not replayed');
  return result;
}

import type { Admin } from 'kafkajs';
import type { Config } from '../../shared/config.js';
import { DEMO_TOPICS } from './lines.js';

/**
 * Messages the ingest consumer group has still to read on the demo's topics. The commits are read before the
 * ends, so that a lag read while both move is never less than the true one; the topics' ends are asked at once.
 */
export async function demoLag(admin: Admin, config: Config): Promise<number> {
  const topics = DEMO_TOPICS.filter((topic) => config.kafka.topics.includes(topic));
  let total = 0;
  const committed = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics });
  const endsByTopic = await Promise.all(topics.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })));
  for (const { topic, ends } of endsByTopic) {
    const done = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    for (const end of ends) {
      const offset = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
      total += Number(end.high) - (offset < 0 ? Number(end.low) : offset);
    }
  }
  return total;
}

/** Resolves once ingest has at most `most` of the demo's messages left to read (asked every `everyMs`), or the signal aborts. */
export async function ingestCaughtUp(admin: Admin, config: Config, most: number, signal: AbortSignal, everyMs: number): Promise<void> {
  while (!signal.aborted && (await demoLag(admin, config)) > most) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

import type { Admin } from 'kafkajs';
import type { Config } from '../../shared/config.js';
import { groupLag } from '../../shared/consumer-lag.js';
import { DEMO_TOPICS } from './lines.js';

/** Messages the ingest consumer group has still to read on the demo's topics. */
export async function demoLag(admin: Admin, config: Config): Promise<number> {
  const topics = DEMO_TOPICS.filter((topic) => config.kafka.topics.includes(topic));
  return (await groupLag(admin, config.kafka.groupId, topics)).reduce((total, partition) => total + partition.lag, 0);
}

/** Resolves once ingest has at most `most` of the demo's messages left to read (asked every `everyMs`), or the signal aborts. */
export async function ingestCaughtUp(admin: Admin, config: Config, most: number, signal: AbortSignal, everyMs: number): Promise<void> {
  while (!signal.aborted && (await demoLag(admin, config)) > most) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

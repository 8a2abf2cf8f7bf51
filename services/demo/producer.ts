import kafkajs, { type Admin, type Producer } from 'kafkajs';
import type { Config } from '../../shared/config.js';
import { kafkaClient, sendToTopics } from '../../shared/kafka.js';
import type { Logger } from '../../shared/logging.js';
import { MINUTE, minuteMessages, type DemoMessage, type DemoPlan } from './generator.js';
import { ingestCaughtUp } from './ingest-lag.js';

/** The demo's producer: topics are created on first use, keyless messages spread over the partitions. */
export function demoProducer(config: Config, logger: Logger): Producer {
  return kafkaClient(config, logger, 'sluice-demo').producer({ allowAutoTopicCreation: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
}

/**
 * Bytes per produce request: big enough that kafkajs's per-request cost disappears, under a broker's default
 * message.max.bytes (1 MB, which a partition's record batch must fit) whatever the partition count.
 */
const BATCH_BYTES = 900_000;

export interface BackfillStep {
  /** The first minute not yet produced. */
  nextMinute: number;
  /** Messages produced so far in this call. */
  produced: number;
}

/**
 * Produces the plan's minutes from `fromMinute` to its end, a few thousand messages per request, and reports
 * after each acknowledged request the minute to resume at: a restart resumes there without producing twice
 * (at most the one request in flight at a crash is produced again).
 */
export async function backfill(producer: Producer, plan: DemoPlan, fromMinute: number, onStep: (step: BackfillStep) => void | Promise<void>, signal?: AbortSignal): Promise<number> {
  let pending: DemoMessage[] = [];
  let bytes = 0;
  let produced = 0;
  for (let minute = fromMinute; minute < plan.to; minute += MINUTE) {
    if (signal?.aborted) break;
    for (const message of minuteMessages(plan, minute)) {
      pending.push(message);
      bytes += message.value.length;
    }
    if (bytes < BATCH_BYTES && minute + MINUTE < plan.to) continue;
    await sendToTopics(producer, pending, -1);
    produced += pending.length;
    pending = [];
    bytes = 0;
    await onStep({ nextMinute: minute + MINUTE, produced });
  }
  return produced;
}

/** How far a backfill may run ahead of ingest, in messages, and how often it asks (see backfillBehindIngest). */
export interface Pace {
  mostAhead: number;
  askEvery: number;
}

/**
 * The local mode's pace. Its Kafka emulator keeps 128 MiB a partition and drops its oldest segment beyond that,
 * read or not (as Kafka's retention.bytes does): a backfill that outran ingest by more lost the events in it (the
 * consumer's offset fell out of range; seen once kafkajs produced twice as fast, 2026-12-05). 50 000 of the demo's
 * lines (about 1.3 KB each on the access log) are at most 65 MB even if they all waited on one partition, and three
 * seconds of ingest's work, so ingest never waits for them. Each question is a few requests to the broker.
 */
export const LOCAL_PACE: Pace = { mostAhead: 50_000, askEvery: 10_000 };

/**
 * backfill(), never more than `pace.mostAhead` messages (and one request) ahead of the ingest consumer group: for
 * a broker whose retention would otherwise drop what ingest has not read yet. Only where ingest runs beside it
 * (the local mode): elsewhere no one may be reading, and `sluice demo` produces at full speed.
 */
export async function backfillBehindIngest(producer: Producer, admin: Admin, config: Config, plan: DemoPlan, fromMinute: number, onStep: (step: BackfillStep) => void, signal: AbortSignal, pace: Pace = LOCAL_PACE): Promise<number> {
  let asked = 0;
  return backfill(
    producer,
    plan,
    fromMinute,
    async (step) => {
      onStep(step);
      if (step.produced - asked < pace.askEvery) return;
      asked = step.produced;
      await ingestCaughtUp(admin, config, pace.mostAhead, signal, 200);
    },
    signal,
  );
}

/**
 * Live traffic: each minute's lines are generated as the minute starts and sent as their times come (every
 * quarter second), until the signal aborts. Lines stamped after their minute (a job that ends later) wait
 * for their time too.
 */
export async function produceLive(producer: Producer, plan: DemoPlan, signal: AbortSignal): Promise<void> {
  let minute = Math.floor(Date.now() / MINUTE) * MINUTE;
  let queue = minuteMessages(plan, minute).filter((message) => message.at >= Date.now());
  while (!signal.aborted) {
    const now = Date.now();
    if (now >= minute + MINUTE) {
      minute += MINUTE;
      queue = [...queue, ...minuteMessages(plan, minute)].sort((a, b) => a.at - b.at);
    }
    let due = 0;
    while (due < queue.length && (queue[due] as DemoMessage).at <= now) due += 1;
    if (due > 0) {
      await sendToTopics(producer, queue.slice(0, due), -1);
      queue = queue.slice(due);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

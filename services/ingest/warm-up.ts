import { createPipeline, type Enricher } from '../../pipelines/pipeline.js';
import type { Stage } from '../../pipelines/types.js';
import { MINUTE, minuteMessages, planLive } from '../demo/generator.js';

/** The demo generator's seed for the warm-up's traffic (any fixed one: the lines need only look real). */
const SEED = 20_261_203;

export interface WarmUpResult {
  /** Lines run through the pipeline, by topic (the demo's four: Traefik, the API, the workers, PostgreSQL). */
  byTopic: Record<string, number>;
  /** Lines that became documents. */
  documents: number;
  /** Lines refused, by the stage that refused them: the demo plants a few records cut short (broken JSON). */
  rejected: Partial<Record<Stage, number>>;
  ms: number;
}

/**
 * Runs `events` lines of the demo's live traffic through a pipeline over the worker's own enrichers, and
 * serialises their documents, before the worker joins its group; nothing is kept or sent. V8 compiles code
 * on first use, and each regular expression (the user-agent rules, the CRS operators, the normalisers') on
 * its first run: a worker just started spent about 360 µs on each of its first 2 500 events of the bench's
 * mix and 100 on the next, against 20–30 once warm, so a backlog built in its first seconds. The enrichers
 * must be the worker's (a regular expression is compiled per object); what their caches learn from these
 * lines is evicted as real traffic comes. Events in the `warm-up` namespace, never indexed. Off by default
 * (SLUICE_INGEST_WARMUP): what it compiles and caches is memory an idle worker then holds (docs/ingest.md).
 */
export function warmUp(enrichers: readonly Enricher[], events: number): WarmUpResult {
  const started = performance.now();
  const pipeline = createPipeline({ namespace: 'warm-up', enrichers });
  const plan = planLive(SEED, 'warm-up', events / 60);
  const byTopic: Record<string, number> = {};
  let documents = 0;
  const rejected: WarmUpResult['rejected'] = {};
  let seen = 0;
  // Minutes from a week ago on, as many as it takes to make `events` lines.
  for (let minute = Math.floor(Date.now() / MINUTE) * MINUTE - 7 * 24 * 60 * MINUTE; seen < events; minute += MINUTE) {
    for (const message of minuteMessages(plan, minute)) {
      if (seen === events) break;
      const outcome = pipeline({ value: Buffer.from(message.value), topic: message.topic, partition: 0, offset: String(seen) });
      seen += 1;
      byTopic[message.topic] = (byTopic[message.topic] ?? 0) + 1;
      if (!outcome.ok) {
        rejected[outcome.stage] = (rejected[outcome.stage] ?? 0) + 1;
        continue;
      }
      JSON.stringify(outcome.document);
      documents += 1;
    }
  }
  return { byTopic, documents, rejected, ms: performance.now() - started };
}

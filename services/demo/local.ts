import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Admin } from 'kafkajs';
import { z } from 'zod';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { kafkaClient } from '../../shared/kafka.js';
import type { Logger } from '../../shared/logging.js';
import { loadSloFile } from '../../shared/slo.js';
import { detectBehaviour } from '../rollup/behaviour.js';
import { detectionFor } from '../rollup/detect-service.js';
import { monthBounds, previousMonth } from '../rollup/report/calendar.js';
import { issueReport } from '../rollup/report/store.js';
import { rollupRange } from '../rollup/rollups.js';
import { planDemo, planLive, type DemoPlan } from './generator.js';
import { describePlan } from './describe.js';
import { ingestCaughtUp } from './ingest-lag.js';
import { describeProgress } from './progress.js';
import { demoProducer, produceLive } from './producer.js';
import type { BackfillThreadData, BackfillThreadMessage } from './backfill-thread.js';
import { replaceFile } from '../../shared/replace-file.js';

/** The namespace the demo writes to: never SLUICE_NAMESPACE's data. */
export const DEMO_NAMESPACE = 'demo';

/** What the local mode's demo has done, kept in SLUICE_DATA_DIR so that a second start resumes it. */
const stateSchema = z.object({ month: z.string(), seed: z.number(), events: z.number(), nextMinute: z.number(), reported: z.boolean() });
type DemoState = z.infer<typeof stateSchema>;

const statePath = (config: Config) => join(config.dataDir, 'demo.json');

export function readDemoState(config: Config): DemoState | undefined {
  const path = statePath(config);
  if (!existsSync(path)) return undefined;
  return stateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

function writeState(config: Config, state: DemoState): void {
  const path = statePath(config);
  replaceFile(path, JSON.stringify(state));
}

export interface LocalDemo {
  /** The month it backfills (or has). */
  month: string;
  close(): Promise<void>;
}

/** After the backfill: the month's SLI rollups, the behaviour findings and the issued report, in the demo namespace. */
async function reportMonth(config: Config, plan: DemoPlan, month: string, signal: AbortSignal): Promise<void> {
  const es = elasticsearchClient(config);
  try {
    await es.indices.refresh({ index: `logs-*-${DEMO_NAMESPACE}`, ignore_unavailable: true, allow_no_indices: true });
    const slos = loadSloFile(config.sloFile);
    // A few parts at once: Elasticsearch works on one while the answers of another are read and written back.
    const parts = 4;
    const step = Math.ceil((plan.to - plan.from) / parts / 3_600_000) * 3_600_000;
    await Promise.all(Array.from({ length: parts }, (_, i) => plan.from + i * step).filter((from) => from < plan.to).map((from) => rollupRange(es, slos, DEMO_NAMESPACE, from, Math.min(plan.to, from + step), { signal })));
    await detectBehaviour(es, detectionFor(config, DEMO_NAMESPACE), plan.from, plan.to, Date.now(), signal);
    await issueReport(es, slos, DEMO_NAMESPACE, month, config.reportTimeZone, 'the demo month, issued once its backfill was ingested');
  } finally {
    await es.close();
  }
}

/** Runs the backfill on a worker thread; `onStep` hears each acknowledged request; resolves with the count produced. */
function backfillInThread(data: BackfillThreadData, onStep: (step: { nextMinute: number; produced: number }) => void, signal: AbortSignal): Promise<number> {
  const worker = new Worker(new URL('./backfill-thread.js', import.meta.url), { workerData: data });
  const stop = () => worker.postMessage('stop');
  signal.addEventListener('abort', stop, { once: true });
  return new Promise<number>((resolve, reject) => {
    let produced = 0;
    worker.on('message', (message: BackfillThreadMessage) => {
      if (message.type === 'step') onStep(message);
      else if (message.type === 'done') produced = message.produced;
      else reject(new Error(`demo backfill failed: ${message.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      signal.removeEventListener('abort', stop);
      resolve(produced);
    });
  });
}

async function runDemo(config: Config, logger: Logger, state: DemoState, admin: Admin, signal: AbortSignal, pageUrl: string): Promise<void> {
  const bounds = monthBounds(state.month, config.reportTimeZone);
  const planOptions = { seed: state.seed, namespace: DEMO_NAMESPACE, from: bounds.from, to: bounds.to, events: state.events };
  const plan = planDemo(planOptions);
  if (state.nextMinute < plan.to) {
    logger.info({ month: state.month, events: state.events, planted: describePlan(plan, config.reportTimeZone) }, `demo: producing ${state.month} into Kafka (about ${state.events} events, seed ${state.seed}) from ${new Date(state.nextMinute).toISOString()}`);
    const started = Date.now();
    let shown = started;
    const produced = await backfillInThread(
      { config, plan: planOptions, fromMinute: state.nextMinute },
      (step) => {
        writeState(config, (state = { ...state, nextMinute: step.nextMinute }));
        if (Date.now() - shown < 5000) return;
        shown = Date.now();
        logger.info(`demo backfill: ${describeProgress(step.produced, state.events, Date.now() - started).text}`);
      },
      signal,
    );
    if (signal.aborted) return;
    logger.info({ produced, seconds: (Date.now() - started) / 1000 }, `demo: ${state.month} produced; waiting for ingest to index it`);
  }
  if (!state.reported) {
    const waited = Date.now();
    await ingestCaughtUp(admin, config, 0, signal, 500);
    if (signal.aborted) return;
    logger.info({ seconds: (Date.now() - waited) / 1000 }, `demo: ${state.month} is indexed; rolling it up`);
    const rolled = Date.now();
    await reportMonth(config, plan, state.month, signal);
    logger.info({ seconds: (Date.now() - rolled) / 1000 }, `demo: ${state.month} rolled up, scanned by the detectors and reported`);
    writeState(config, (state = { ...state, reported: true }));
    logger.info({ report: `${pageUrl}api/v1/reports/${state.month}.pdf` }, `demo: ${state.month} is ingested and its SLA report is issued; open ${pageUrl}`);
  }
}

/**
 * The local mode's demo: on a fresh data directory it backfills the previous month through Kafka and the
 * pipeline into the `demo` namespace, issues that month's report, then keeps producing live traffic.
 * A later start resumes whatever was left (state in SLUICE_DATA_DIR/demo.json) and goes on live.
 */
export async function startLocalDemo(config: Config, logger: Logger, fresh: boolean, pageUrl: string): Promise<LocalDemo | undefined> {
  let state = readDemoState(config);
  if (state === undefined) {
    if (!fresh) return undefined;
    const month = previousMonth(Date.now(), config.reportTimeZone);
    state = { month, seed: config.demo.seed, events: config.demo.events, nextMinute: monthBounds(month, config.reportTimeZone).from, reported: false };
    writeState(config, state);
  }
  const producer = demoProducer(config, logger);
  const admin = kafkaClient(config, logger, 'sluice-demo').admin();
  await producer.connect();
  await admin.connect();
  const abort = new AbortController();
  const run = runDemo(config, logger, state, admin, abort.signal, pageUrl);
  const live = run.then(async () => {
    if (abort.signal.aborted || config.demo.eventsPerSecond === 0) return;
    logger.info({ eventsPerSecond: config.demo.eventsPerSecond }, 'demo: live traffic running (SLUICE_DEMO_RATE)');
    await produceLive(producer, planLive(config.demo.seed, DEMO_NAMESPACE, config.demo.eventsPerSecond), abort.signal);
  });
  live.catch((error: unknown) => logger.error({ err: error }, 'demo stopped'));
  return {
    month: state.month,
    async close() {
      abort.abort();
      await live.catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

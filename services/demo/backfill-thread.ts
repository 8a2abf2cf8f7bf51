import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../shared/config.js';
import { createLogger, serviceLogger } from '../../shared/logging.js';
import { planDemo } from './generator.js';
import { backfill, demoProducer } from './producer.js';

/**
 * The local mode's backfill on a worker thread (see startBackfillThread in local.ts): generating and
 * producing a month costs about a fifth of what ingesting it does, and on its own thread it runs on the
 * core ingest leaves. It reports each acknowledged request's resume point and stops when told to.
 */

export interface BackfillThreadData {
  config: Config;
  plan: Parameters<typeof planDemo>[0];
  fromMinute: number;
}

export type BackfillThreadMessage = { type: 'step'; nextMinute: number; produced: number } | { type: 'done'; produced: number } | { type: 'failed'; message: string };

const data = workerData as BackfillThreadData;
const port = parentPort;
const send = (message: BackfillThreadMessage): void => port?.postMessage(message);
const stop = new AbortController();
port?.once('message', () => stop.abort());

async function run(): Promise<number> {
  const logger = serviceLogger(createLogger(data.config.logLevel, data.config.logFormat), 'demo');
  const producer = demoProducer(data.config, logger);
  await producer.connect();
  try {
    return await backfill(producer, planDemo(data.plan), data.fromMinute, (step) => send({ type: 'step', ...step }), stop.signal);
  } finally {
    await producer.disconnect();
  }
}

run().then(
  (produced) => {
    send({ type: 'done', produced });
    port?.close();
  },
  (error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    port?.close();
  },
);

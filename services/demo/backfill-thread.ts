import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../shared/config.js';
import { kafkaClient } from '../../shared/kafka.js';
import { createLogger, serviceLogger } from '../../shared/logging.js';
import { planDemo } from './generator.js';
import { backfillBehindIngest, demoProducer } from './producer.js';

/**
 * The local mode's backfill on a worker thread (backfillInThread in local.ts): generating and
 * producing a month costs about a fifth of what ingesting it does, and on its own thread it runs on the
 * core ingest leaves. It reports each acknowledged request's resume point, keeps behind ingest (LOCAL_PACE in
 * producer.ts), and stops when told to.
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
  const admin = kafkaClient(data.config, logger, 'sluice-demo').admin();
  await producer.connect();
  await admin.connect();
  try {
    return await backfillBehindIngest(producer, admin, data.config, planDemo(data.plan), data.fromMinute, (step) => send({ type: 'step', ...step }), stop.signal);
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
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

/**
 * The ingest tests' scenarios: emulators with faults, a worker, a producer, and the exactly-once check,
 * shared by test/ingest.test.ts, test/ingest-faults.test.ts and test/ingest-chaos.test.ts (split so that they run side by side).
 */
import { afterEach, expect } from 'vitest';
import type { KafkaEmulator } from '../../emulators/kafka/index.js';
import { startElasticsearch } from './elasticsearch.js';
import { connectedProducer, createTopics, documentCounts, ingestEnvironment, kafkaClient, startWorker, uncommitted, waitForDocuments } from './ingest.js';
import { startKafka } from './kafka.js';
import { waitFor } from './process.js';

export type Elasticsearch = Awaited<ReturnType<typeof startElasticsearch>>;

/** Everything a test started, closed after it whatever happened (see cleanUpAfterEach). */
export const cleanups: Array<() => Promise<unknown>> = [];

/** Registers, in the calling test file, the hook that closes what each test started. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
}

export async function emulators(options: { kafkaDataDir?: string; esDataDir?: string; maxMessageBytes?: number } = {}): Promise<{ kafka: KafkaEmulator; elasticsearch: Elasticsearch }> {
  const kafka = await startKafka({ dataDir: options.kafkaDataDir, maxMessageBytes: options.maxMessageBytes });
  const elasticsearch = await startElasticsearch({ dataDir: options.esDataDir });
  cleanups.push(() => kafka.close(), () => elasticsearch.stop());
  await createTopics(kafka.brokers);
  return { kafka, elasticsearch };
}

export async function faults(elasticsearch: Elasticsearch, body: Record<string, number>): Promise<void> {
  await fetch(`${elasticsearch.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Emulators (with faults injected before anything runs), a worker in this process, and a producer. */
export async function scenario(options: { emulators?: Parameters<typeof emulators>[0]; faults?: Record<string, number>; env?: Record<string, string> } = {}) {
  const { kafka, elasticsearch } = await emulators(options.emulators);
  if (options.faults !== undefined) await faults(elasticsearch, options.faults);
  const worker = await startWorker(await ingestEnvironment(kafka.brokers, elasticsearch.emulator.url, options.env));
  cleanups.push(() => worker.close());
  const producer = await connectedProducer(kafka.brokers);
  cleanups.push(() => producer.disconnect());
  return { kafka, elasticsearch, worker, producer };
}

/** The test's end state: exactly `total` documents, each once, and every offset committed. */
export async function expectExactlyOnce(elasticsearch: Elasticsearch, brokers: string, groupId: string, total: number, timeoutMs?: number): Promise<void> {
  await waitForDocuments(elasticsearch.es, total, timeoutMs);
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await waitFor(async () => (await uncommitted(admin, groupId)) === 0, 30_000, 'every offset committed');
  } finally {
    await admin.disconnect();
  }
  const counts = await documentCounts(elasticsearch.es);
  expect(counts).toEqual({ api: Math.ceil(total / 2), traefik: Math.floor(total / 2) });
  // Each event once: as many distinct events as documents.
  const distinct = await elasticsearch.es.search({ index: 'logs-*', size: 0, aggs: { jobs: { cardinality: { field: 'rendiff.job_id' } }, paths: { cardinality: { field: 'url.original' } } } });
  const aggregations = distinct.aggregations as { jobs: { value: number }; paths: { value: number } };
  expect(aggregations.jobs.value + aggregations.paths.value).toBe(total);
}

/** Where a worker started with this environment answers /metrics. */
export function metricsUrlOf(env: Record<string, string>): string {
  return `http://127.0.0.1:${env.SLUICE_INGEST_METRICS_PORT}`;
}

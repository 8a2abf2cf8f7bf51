import { get } from 'node:http';
import type { Client } from '@elastic/elasticsearch';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../shared/config.js';
import { startIngest, type IngestService } from '../../services/ingest/service.js';
import { freePort, spawnSluice, waitFor } from './process.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

export const TOPICS = ['logs-app', 'logs-traefik'] as const;

/** The environment of an ingest worker against the given emulators, quick to notice a dead member. */
export async function ingestEnvironment(brokers: string, elasticsearchUrl: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    KAFKA_BROKERS: brokers,
    ELASTICSEARCH_URL: elasticsearchUrl,
    KAFKA_TOPICS: TOPICS.join(','),
    KAFKA_SESSION_TIMEOUT: '6s',
    SLUICE_INGEST_METRICS_PORT: String(await freePort()),
    SLUICE_BULK_FLUSH_INTERVAL: '200ms',
    // One member per `sluice ingest` unless a test asks for more: the tests kill and count single workers.
    SLUICE_INGEST_WORKERS: '1',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** A worker in this process. */
export async function startWorker(env: Record<string, string>): Promise<IngestService & { config: Config }> {
  const config = loadConfig(env);
  const service = await startIngest(config, pino({ level: process.env.DEBUG_INGEST ?? 'silent' }));
  return Object.assign(service, { config });
}

/** A worker as its own process (`sluice ingest`), so that it can be killed. */
export function spawnWorker(env: Record<string, string>): ReturnType<typeof spawnSluice> {
  return spawnSluice(['ingest'], env);
}


export function kafkaClient(brokers: string) {
  return new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
}

export async function connectedProducer(brokers: string): Promise<Producer> {
  const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

export async function createTopics(brokers: string, topics: readonly string[] = TOPICS): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3 })) });
  await admin.disconnect();
}

/** Event `i` of a run: app and Traefik lines alternately, each unique; `padding` characters make it bigger. */
export function event(i: number, padding = 0): { topic: (typeof TOPICS)[number]; value: string } {
  const time = new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + i * 10).toISOString();
  const extra = padding > 0 ? { note: 'x'.repeat(padding) } : {};
  if (i % 2 === 0) return { topic: 'logs-app', value: JSON.stringify({ timestamp: time, level: 'INFO', message: `job ${i} done`, job_id: `job-${i}`, component: 'api', ...extra }) };
  return { topic: 'logs-traefik', value: JSON.stringify({ time, ClientAddr: `203.0.113.${i % 250}:4${i % 1000}`, RequestMethod: 'GET', RequestPath: `/api/v1/jobs/${i}`, DownstreamStatus: 200, Duration: 1_500_000, ...extra }) };
}

/** Produces events from..to-1 in batches. */
export async function produce(producer: Producer, from: number, to: number, batch = 500, padding = 0): Promise<void> {
  for (let start = from; start < to; start += batch) {
    const events = Array.from({ length: Math.min(batch, to - start) }, (_, k) => event(start + k, padding));
    await producer.sendBatch({ topicMessages: TOPICS.map((topic) => ({ topic, messages: events.filter((each) => each.topic === topic).map((each) => ({ value: each.value })) })) });
  }
}

/** Documents per data stream, after a refresh. */
export async function documentCounts(es: Client): Promise<{ api: number; traefik: number }> {
  await es.indices.refresh({ index: 'logs-*' }).catch(() => undefined);
  const count = async (index: string): Promise<number> => (await es.count({ index, allow_no_indices: true, ignore_unavailable: true })).count;
  return { api: await count('logs-rendiff.api-default'), traefik: await count('logs-rendiff.traefik-default') };
}

export async function waitForDocuments(es: Client, total: number, timeoutMs = 60_000): Promise<void> {
  let last = { api: 0, traefik: 0 };
  await waitFor(async () => {
    last = await documentCounts(es).catch(() => last);
    return last.api + last.traefik >= total;
  }, timeoutMs, `${total} documents (have ${JSON.stringify(last)})`);
}

/** Committed offset minus high watermark, summed over the partitions of the topics: 0 when everything is committed. */
export async function uncommitted(admin: Admin, groupId: string, topics: readonly string[] = TOPICS): Promise<number> {
  let behind = 0;
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const end of ends) {
      const done = committed?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
      behind += Number(end.high) - Math.max(0, Number(done));
    }
  }
  return behind;
}

export { metric } from '../../bench/process.js';

/**
 * A worker's /metrics, over a new connection each time: a kept-alive one can be closed by the server just as
 * it is reused (ECONNRESET) when the machine is loaded, which says nothing about the worker.
 */
export function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${url}/metrics`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
      response.on('error', reject);
    }).on('error', reject);
  });
}

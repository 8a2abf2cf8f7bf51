import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { buildApi } from '../services/api/server.js';
import { issueReport } from '../services/rollup/report/store.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { connectedProducer, createTopics, ingestEnvironment, startWorker, waitForDocuments } from './support/ingest.js';
import { startKafka } from './support/kafka.js';
import { steadyTraffic, traefikLine } from './support/rollups.js';

/**
 * The page in a real browser (Debian's chromium, driven by playwright-core) against a running Sluice: Kafka and
 * Elasticsearch emulators, the ingest service and the API. The screenshot is kept in test-results/.
 */

const KEY = 'page-reader-key-0123';
const ARTIFACTS = join(packageRoot, 'test-results');
let kafka: Awaited<ReturnType<typeof startKafka>>;
let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
let worker: Awaited<ReturnType<typeof startWorker>>;
let api: Awaited<ReturnType<typeof buildApi>>['app'];
let url: string;
let browser: Browser;

beforeAll(async () => {
  kafka = await startKafka();
  cluster = await startElasticsearch();
  await createTopics(kafka.brokers);
  worker = await startWorker(await ingestEnvironment(kafka.brokers, cluster.emulator.url));
  const now = Date.now();
  const producer = await connectedProducer(kafka.brokers);
  // The last hour (2 % failing) for the SLO cards, and a day of October for an issued report.
  const recent = steadyTraffic(Math.floor(now / 60_000) * 60_000 - 3_600_000, Math.floor(now / 60_000) * 60_000, 5, (_at, i) => ({ status: i === 0 && _at % 600_000 === 0 ? 503 : 200, ms: 120 }));
  const october = steadyTraffic(Date.parse('2026-10-07T10:00:00Z'), Date.parse('2026-10-07T11:00:00Z'), 5, () => ({ status: 200, ms: 90 }));
  await producer.sendBatch({ topicMessages: [{ topic: 'logs-traefik', messages: [...recent, ...october].map(({ line }) => ({ value: line })) }] });
  await waitForDocuments(cluster.es, recent.length + october.length);
  const config = loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, KAFKA_BROKERS: kafka.brokers, SLUICE_API_KEYS: KEY }, { servesApi: true });
  const slos = loadSloFile(config.sloFile);
  await rollupRange(cluster.es, slos, 'default', now - 2 * 3_600_000, now + 60_000);
  await rollupRange(cluster.es, slos, 'default', Date.parse('2026-10-07T00:00:00Z'), Date.parse('2026-10-08T00:00:00Z'));
  await issueReport(cluster.es, slos, 'default', '2026-10', 'UTC', 'for the page test');
  ({ app: api } = await buildApi(config, pino({ level: 'silent' }), { es: cluster.es, slos, processMetrics: false, tail: { pollMs: 200 } }));
  url = await api.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await worker?.close();
  await cluster?.stop();
  await kafka?.close();
});

describe('the page', () => {
  it('asks for a key, shows the SLO cards, tails a fresh event, and downloads a report', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 1300 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${url}/`);
    await page.getByText('an API key is needed').waitFor();
    await page.fill('#key', KEY);
    await page.click('#key-form button');
    await page.getByText('signed in: reader').waitFor();

    const cards = page.locator('.card');
    await cards.nth(2).waitFor();
    expect(await cards.count()).toBe(3);
    expect(await cards.nth(0).textContent()).toMatch(/API availability.*%.*target 99\.90 %/s);
    await page.locator('#burndown path').waitFor();

    // A request made now appears in the live tail.
    await page.getByText('connected').waitFor();
    const marker = `/api/v1/jobs/fresh-${Date.now()}`;
    const producer = await connectedProducer(kafka.brokers);
    await producer.send({ topic: 'logs-traefik', messages: [{ value: traefikLine({ at: Date.now(), status: 200, ms: 15, path: marker }) }] });
    await producer.disconnect();
    await page.locator('#tail li', { hasText: marker }).waitFor({ timeout: 30_000 });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.report-pdf')]);
    expect(download.suggestedFilename()).toBe('sluice-sla-2026-10-r1.pdf');
    const saved = join(ARTIFACTS, 'report-from-page.pdf');
    mkdirSync(ARTIFACTS, { recursive: true });
    await download.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 5).toString()).toBe('%PDF-');

    await page.screenshot({ path: join(ARTIFACTS, 'page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

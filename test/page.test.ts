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
import { startPrefixProxy } from './support/prefix-proxy.js';
import { connectedProducer, createTopics, ingestEnvironment, startWorker, waitForDocuments } from './support/ingest.js';
import { waitFor } from './support/process.js';
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
  // A day of September in the demo namespace, as `sluice demo`'s events ask for it (Filebeat envelope, data_stream.namespace).
  const september = steadyTraffic(Date.parse('2026-09-10T10:00:00Z'), Date.parse('2026-09-10T11:00:00Z'), 5, () => ({ status: 200, ms: 70 }));
  await producer.sendBatch({ topicMessages: [{ topic: 'logs-traefik', messages: [...recent.map(({ line }) => line), ...october.map(({ line }) => line), ...september.map(({ line }) => demoEnvelope(line))].map((value) => ({ value })) }] });
  await waitForDocuments(cluster.es, recent.length + october.length);
  await waitFor(async () => (await cluster.es.indices.refresh({ index: 'logs-*' }), (await cluster.es.count({ index: 'logs-rendiff.traefik-demo', ignore_unavailable: true, allow_no_indices: true })).count === september.length), 60_000, 'the demo documents');
  const config = loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, KAFKA_BROKERS: kafka.brokers, SLUICE_API_KEYS: KEY }, { servesApi: true });
  const slos = loadSloFile(config.sloFile);
  await rollupRange(cluster.es, slos, 'default', now - 2 * 3_600_000, now + 60_000);
  await rollupRange(cluster.es, slos, 'default', Date.parse('2026-10-07T00:00:00Z'), Date.parse('2026-10-08T00:00:00Z'));
  await issueReport(cluster.es, slos, 'default', '2026-10', 'UTC', 'for the page test');
  await rollupRange(cluster.es, slos, 'demo', Date.parse('2026-09-10T00:00:00Z'), Date.parse('2026-09-11T00:00:00Z'));
  await issueReport(cluster.es, slos, 'demo', '2026-09', 'UTC', 'for the page test');
  // The seeds were indexed seconds before the page connects, so the tail's first poll (it looks back about 5 s)
  // sends them as a burst of 600; at the default 200 events a second per client, a fresh event indexed in that same
  // second was dropped and counted as missed (three runs in twelve). That limit is the API test's (test/api.test.ts);
  // here the rate is raised so that the fresh event, not the burst, decides the test.
  ({ app: api } = await buildApi(config, pino({ level: 'silent' }), { es: cluster.es, slos, processMetrics: false, tail: { pollMs: 200, maxEventsPerSecond: 10_000 }, demoNamespace: 'demo' }));
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

/** A browser page that downloads, and the script errors it raises. */
async function openPage() {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 1300 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, errors };
}

function demoEnvelope(line: string): string {
  return JSON.stringify({ '@timestamp': new Date().toISOString(), message: line, input: { type: 'filestream' }, fields: { service: 'traefik' }, data_stream: { namespace: 'demo' } });
}

describe('the page', () => {
  it('asks for a key, shows the SLO cards, tails a fresh event, and downloads a report', async () => {
    const { context, page, errors } = await openPage();
    await page.goto(`${url}/`);
    await page.getByText('an API key is needed').waitFor();
    await page.fill('#key', KEY);
    await page.click('#key-form button');
    await page.getByText('signed in: reader').waitFor();

    const cards = page.locator('.card');
    await cards.nth(2).waitFor();
    expect(await cards.count()).toBe(3);
    expect(await cards.nth(0).textContent()).toMatch(/API availability.*%.*target 99\.90 %/s);
    // 6 of the last hour's 300 requests failed: 98 %, below the critical level and the target.
    expect(await cards.nth(0).locator('.status').textContent()).toBe('critical · target missed');
    // A missed target is amber on a card that is otherwise ok; warning and critical keep their colours.
    const border = (className: string) => page.evaluate(`(() => {
      const probe = Object.assign(document.createElement('article'), { className: ${JSON.stringify(className)} });
      document.getElementById('slos').append(probe);
      const colour = getComputedStyle(probe).borderLeftColor;
      probe.remove();
      return colour;
    })()`);
    expect(await cards.nth(0).getAttribute('class')).toBe('card critical missed');
    expect([await border('card ok'), await border('card ok missed'), await border('card warning missed'), await border('card critical missed')]).toEqual(['rgb(46, 125, 50)', 'rgb(249, 168, 37)', 'rgb(230, 81, 0)', 'rgb(198, 40, 40)']);
    await page.locator('#burndown path').waitFor();

    // A request made now appears in the live tail.
    await page.getByText('connected', { exact: true }).waitFor();
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

  it("the HTML report never widens a phone's page, and its tables fit a laptop's without scrolling", async () => {
    const widths: Record<number, number[]> = {};
    for (const width of [390, 1000]) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${url}/api/v1/reports/2026-10.html?api_key=${KEY}`);
      // The page's width, how many tables there are, then how far each table's box is reached past.
      widths[width] = (await page.evaluate('[document.documentElement.scrollWidth, document.querySelectorAll("table").length, ...[...document.querySelectorAll(".table")].map((box) => box.scrollWidth - box.clientWidth)]')) as number[];
      await context.close();
    }
    expect(widths[390]?.[0]).toBe(390);
    expect(widths[1000]?.[0]).toBe(1000);
    // Every table in a box of its own, none of them reached past.
    const [, tables = 0, ...past] = widths[1000] ?? [];
    expect(tables).toBeGreaterThan(3);
    expect(past).toEqual(Array.from({ length: tables }, () => 0));
  });

  it('shows the demo namespace at /demo/, labelled as demo, with its own reports and tail; the default page links to it', async () => {
    const { context, page, errors } = await openPage();
    await page.goto(`${url}/`);
    await page.evaluate(`localStorage.setItem('sluice-api-key', ${JSON.stringify(KEY)})`);
    await page.goto(`${url}/`);
    await page.getByText('namespace: default').waitFor();
    expect(await page.locator('#demo-banner').isHidden()).toBe(true);
    await page.click('#views a');
    await page.waitForURL(`${url}/demo/`);
    await page.getByText('DEMO DATA', { exact: true }).waitFor();
    expect(await page.locator('#demo-banner').isVisible()).toBe(true);
    expect(await page.title()).toBe('Sluice (demo data)');
    // The demo namespace holds only September: its SLO windows have no data, which the cards and the chart say.
    await page.locator('.card').nth(2).waitFor();
    expect(await page.locator('.card .status').allTextContents()).toEqual(['no data', 'no data', 'no data']);
    await page.getByText('API availability: no valid events over the last 30 days, so no error budget to draw').waitFor();
    expect(await page.locator('#burndown path').count()).toBe(0);
    // Its reports are the demo's (September), never the default namespace's October.
    await page.locator('a.report-pdf').waitFor();
    expect(await page.locator('#reports').textContent()).toContain('2026-09');
    expect(await page.locator('#reports').textContent()).not.toContain('2026-10');
    expect(await page.locator('a.report-pdf').getAttribute('href')).toMatch(/^\/demo\/api\/v1\/reports\/2026-09\.pdf/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.report-pdf')]);
    expect(download.suggestedFilename()).toBe('sluice-sla-2026-09-r1.pdf');
    // The tail follows the demo namespace only.
    await page.getByText('connected', { exact: true }).waitFor();
    const marker = Date.now();
    const producer = await connectedProducer(kafka.brokers);
    await producer.send({ topic: 'logs-traefik', messages: [{ value: traefikLine({ at: Date.now(), status: 200, ms: 15, path: `/api/v1/jobs/default-${marker}` }) }, { value: demoEnvelope(traefikLine({ at: Date.now(), status: 200, ms: 15, path: `/api/v1/jobs/demo-${marker}` })) }] });
    await producer.disconnect();
    await page.locator('#tail li', { hasText: `demo-${marker}` }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#tail').textContent()).not.toContain(`default-${marker}`);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('works behind a reverse proxy that serves it under a path prefix: links, the demo redirect, the tail', async () => {
    const proxy = await startPrefixProxy(url, '/sluice');
    const { context, page, errors } = await openPage();
    try {
      await page.goto(`${proxy.url}/sluice/`);
      await page.evaluate(`localStorage.setItem('sluice-api-key', ${JSON.stringify(KEY)})`);
      await page.goto(`${proxy.url}/sluice/demo`);
      await page.waitForURL(`${proxy.url}/sluice/demo/`);
      await page.getByText('DEMO DATA', { exact: true }).waitFor();
      expect(await page.locator('#default-page').getAttribute('href')).toBe('/sluice/');
      expect(await page.locator('#views a').getAttribute('href')).toBe('/sluice/');
      await page.locator('a.report-pdf').waitFor();
      expect(await page.locator('a.report-pdf').getAttribute('href')).toMatch(/^\/sluice\/demo\/api\/v1\/reports\/2026-09\.pdf/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.report-pdf')]);
      expect(download.suggestedFilename()).toBe('sluice-sla-2026-09-r1.pdf');
      await page.getByText('connected', { exact: true }).waitFor();
      await page.click('#views a');
      await page.waitForURL(`${proxy.url}/sluice/`);
      await page.getByText('namespace: default').waitFor();
      expect(await page.locator('#views a').getAttribute('href')).toBe('/sluice/demo/');
      await page.locator('a.report-pdf').waitFor();
      expect(await page.locator('a.report-pdf').getAttribute('href')).toMatch(/^\/sluice\/api\/v1\/reports\/2026-10\.pdf/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await proxy.close();
    }
  }, 90_000);

  it('works over plain HTTP under a host name, as behind a private address or an internal DNS name', async () => {
    // Browsers trust only loopback origins over plain HTTP; under any other name a CSP that upgrades insecure
    // requests sent the page's script and style to https:, where nothing answers. The name is mapped to this
    // API's loopback address by chromium's own resolver, so the test needs no network.
    const named = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--host-resolver-rules=MAP sluice.internal 127.0.0.1'] });
    try {
      const page = await named.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`));
      await page.goto(url.replace('127.0.0.1', 'sluice.internal') + '/', { waitUntil: 'load' });
      expect(failed).toEqual([]);
      await page.getByText('an API key is needed').waitFor({ timeout: 15_000 });
      // The OpenAPI page too (its UI sets a policy of its own).
      await page.goto(url.replace('127.0.0.1', 'sluice.internal') + '/docs/', { waitUntil: 'load' });
      await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15_000 });
      expect(failed).toEqual([]);
    } finally {
      await named.close();
    }
  }, 60_000);
});

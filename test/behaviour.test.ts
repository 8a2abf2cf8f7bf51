import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnrichers } from '../pipelines/enrichers.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { detectBehaviour } from '../services/rollup/behaviour.js';
import { startDetection } from '../services/rollup/detect-service.js';
import { applyIlm } from '../shared/ilm/apply.js';
import { loadIlmFiles } from '../shared/ilm/files.js';
import { loadConfig, type Config } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { connectedProducer, createTopics, ingestEnvironment, metric, scrape, startWorker } from './support/ingest.js';
import { startKafka } from './support/kafka.js';
import { freePort, run, waitFor } from './support/process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const T0 = Date.parse('2026-11-22T10:00:00Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

/** A Traefik access-log line, as the edge writes it. */
function access(ip: string, method: string, path: string, status: number, ms: number): string {
  return JSON.stringify({ time: at(ms), ClientAddr: `${ip}:51000`, RequestMethod: method, RequestPath: path, DownstreamStatus: status, Duration: '12ms', 'request_User-Agent': 'python-requests/2.31' });
}

/** Lines through the real pipeline, then bulk-created in Elasticsearch as the ingest service writes them. */
async function ingestLines(es: Client, config: Config, lines: string[]): Promise<void> {
  const { enrichers, close } = await createEnrichers(config);
  const pipeline = createPipeline({ namespace: config.namespace, enrichers });
  const operations = lines.flatMap((line) => {
    const outcome = pipeline({ value: line, topic: 'logs-traefik' });
    if (!outcome.ok) throw new Error(outcome.reason);
    return [{ create: { _index: `logs-${(outcome.document.data_stream as { dataset: string }).dataset}-${config.namespace}` } }, outcome.document];
  });
  close();
  const response = await es.bulk({ operations, refresh: true });
  expect(response.errors).toBe(false);
}

async function findings(es: Client): Promise<Array<Record<string, unknown>>> {
  await es.indices.refresh({ index: 'logs-rendiff.security-*' }).catch(() => undefined);
  const response = await es.search({ index: 'logs-rendiff.security-default', size: 100, sort: [{ 'rule.id': 'asc' }, { 'source.ip': 'asc' }], ignore_unavailable: true, allow_no_indices: true });
  return response.hits.hits.map((hit) => ({ _id: hit._id, ...(hit._source as Record<string, unknown>) }));
}

const repeat = <T>(count: number, make: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));

describe('login attempts are classified per event', () => {
  type EcsEvent = { category?: string[]; type?: string[]; outcome?: string };
  const eventOf = (pipeline: ReturnType<typeof createPipeline>, line: string): EcsEvent => {
    const outcome = pipeline({ value: line });
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.document.event as EcsEvent;
  };

  it('a submitted login is an authentication event with its outcome; reading the form or another path is not', async () => {
    const { enrichers, close } = await createEnrichers(loadConfig({}));
    const pipeline = createPipeline({ namespace: 'default', enrichers });
    const event = (line: string) => eventOf(pipeline, line);
    expect(event(access('203.0.113.1', 'POST', '/api/v1/auth/login', 401, 0))).toMatchObject({ category: ['web', 'authentication'], type: ['access', 'start'], outcome: 'failure' });
    expect(event(access('203.0.113.1', 'POST', '/users/sign_in/', 302, 0))).toMatchObject({ category: ['web', 'authentication'], outcome: 'success' });
    expect(event(access('203.0.113.1', 'POST', '/oauth/token?grant_type=password', 400, 0))).toMatchObject({ category: ['web', 'authentication'], outcome: 'failure' });
    expect(event(access('203.0.113.1', 'GET', '/api/v1/auth/login', 200, 0)).category).toEqual(['web']);
    expect(event(access('203.0.113.1', 'POST', '/api/v1/jobs', 401, 0)).category).toEqual(['web']);
    expect(event(access('203.0.113.1', 'POST', '/api/v1/login-history', 401, 0)).category).toEqual(['web']);
    // The app's own request logs are classified the same way.
    expect(event(JSON.stringify({ timestamp: at(0), level: 'WARNING', message: 'bad password', method: 'post', path: '/api/v1/auth/login', status_code: 401, client_ip: '203.0.113.1' }))).toMatchObject({ category: ['authentication'], outcome: 'failure' });
    close();
  });

  it('SLUICE_LOGIN_PATHS replaces the login endpoints', async () => {
    const { enrichers, close } = await createEnrichers(loadConfig({ SLUICE_LOGIN_PATHS: '^/session/new$' }));
    const pipeline = createPipeline({ namespace: 'default', enrichers });
    expect(eventOf(pipeline, access('203.0.113.1', 'POST', '/session/new', 401, 0)).category).toEqual(['web', 'authentication']);
    expect(eventOf(pipeline, access('203.0.113.1', 'POST', '/api/v1/auth/login', 401, 0)).category).toEqual(['web']);
    close();
  });
});

describe('behaviour detectors over Elasticsearch aggregates', () => {
  it('finds brute force, 404 scans and floods per address and window, below-threshold traffic aside, and writes each finding once', async () => {
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => elasticsearch.stop());
    const { es } = elasticsearch;
    await applyIlm(es, loadIlmFiles());
    const config = loadConfig({ SLUICE_DETECT_FLOOD: '100/1m' });
    await ingestLines(es, config, [
      // Brute force: 12 failed logins in the 10:00-10:05 window; a neighbour with 9, a user with 12 good ones.
      ...repeat(12, (i) => access('203.0.113.10', 'POST', '/api/v1/auth/login', 401, i * 20_000)),
      ...repeat(9, (i) => access('203.0.113.11', 'POST', '/api/v1/auth/login', 401, i * 20_000)),
      ...repeat(12, (i) => access('203.0.113.12', 'POST', '/api/v1/auth/login', 200, i * 20_000)),
      // Split over two windows (6 + 6): no window holds ten.
      ...repeat(12, (i) => access('203.0.113.13', 'POST', '/api/v1/auth/login', 401, 240_000 + i * 10_000)),
      // A 404 scan: 40 distinct paths in one minute; a client polling one missing path 40 times is not one.
      ...repeat(40, (i) => access('198.51.100.7', 'GET', `/backup-${i}.zip`, 404, 60_000 + i * 1000)),
      ...repeat(40, (i) => access('198.51.100.8', 'GET', '/api/v1/jobs/404', 404, 60_000 + i * 1000)),
      // A flood of 120 requests in one minute; 90 from another address is under the threshold of 100.
      ...repeat(120, (i) => access('192.0.2.50', 'GET', '/api/v1/jobs', 200, 120_000 + i * 400)),
      ...repeat(90, (i) => access('192.0.2.51', 'GET', '/api/v1/jobs', 200, 120_000 + i * 400)),
    ]);

    const first = await detectBehaviour(es, config, T0, T0 + 600_000);
    expect(first.created.map((finding) => [finding.rule.id, finding.ip, finding.count, at(finding.start - T0), at(finding.end - T0)]).sort()).toEqual([
      ['BEHAV-001', '203.0.113.10', 12, '2026-11-22T10:00:00.000Z', '2026-11-22T10:05:00.000Z'],
      ['BEHAV-002', '198.51.100.7', 40, '2026-11-22T10:01:00.000Z', '2026-11-22T10:02:00.000Z'],
      ['BEHAV-003', '192.0.2.50', 120, '2026-11-22T10:02:00.000Z', '2026-11-22T10:03:00.000Z'],
    ]);
    expect(first.existing).toBe(0);

    const written = await findings(es);
    expect(written).toHaveLength(3);
    expect(written[0]).toMatchObject({
      _id: 'BEHAV-001:203.0.113.10:2026-11-22T10:00:00.000Z',
      '@timestamp': '2026-11-22T10:05:00.000Z',
      message: '12 failed logins from 203.0.113.10 between 2026-11-22T10:00:00.000Z and 2026-11-22T10:05:00.000Z (threshold 10 in 5m)',
      event: { kind: 'alert', action: 'login_brute_force', category: ['authentication', 'intrusion_detection'], dataset: 'rendiff.security', start: '2026-11-22T10:00:00.000Z', end: '2026-11-22T10:05:00.000Z', risk_score: 73 },
      rule: { id: 'BEHAV-001', name: 'Login brute force', category: 'brute_force', ruleset: 'sluice-behaviour' },
      source: { ip: '203.0.113.10' },
      tags: ['security_alert', 'brute_force'],
      security: { count: 12, window: { start: '2026-11-22T10:00:00.000Z', end: '2026-11-22T10:05:00.000Z' } },
      data_stream: { type: 'logs', dataset: 'rendiff.security', namespace: 'default' },
    });
    expect(written.map((finding) => (finding.tags as string[])[1])).toEqual(['brute_force', 'scan', 'flood']);
    // Found by what operators search: security alerts of an address, in the security data stream's mapping.
    const byAddress = await es.search({ index: 'logs-rendiff.security-*', query: { bool: { filter: [{ term: { tags: 'security_alert' } }, { term: { 'source.ip': '198.51.100.0/24' } }] } } });
    expect(byAddress.hits.hits.map((hit) => (hit._source as { rule: { id: string } }).rule.id)).toEqual(['BEHAV-002']);

    // Evaluating the same windows again (a restart, a second detector, the next run's lookback) writes nothing new.
    const again = await detectBehaviour(es, config, T0, T0 + 600_000);
    expect(again.created).toEqual([]);
    expect(again.existing).toBe(3);
    expect(await findings(es)).toHaveLength(3);

    // A rule turned off finds nothing; only closed windows are evaluated (10:00-10:03 holds no whole 5m window).
    expect((await detectBehaviour(es, loadConfig({ SLUICE_DETECT_BRUTE_FORCE: 'off', SLUICE_DETECT_404_SCAN: 'off', SLUICE_DETECT_FLOOD: 'off' }), T0, T0 + 600_000)).existing).toBe(0);
    const early = await detectBehaviour(es, loadConfig({ SLUICE_DETECT_404_SCAN: 'off', SLUICE_DETECT_FLOOD: 'off' }), T0, T0 + 180_000);
    expect(early.created.length + early.existing).toBe(0);
  }, 30_000);

  it('counts across ingest workers: an attack split over two workers, neither of which sees the threshold, is found', async () => {
    const kafka = await startKafka();
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => kafka.close(), () => elasticsearch.stop());
    await createTopics(kafka.brokers);
    const env = async () => ingestEnvironment(kafka.brokers, elasticsearch.emulator.url);
    const first = await startWorker(await env());
    cleanups.push(() => first.close());
    const second = await startWorker(await env());
    cleanups.push(() => second.close());
    const producer = await connectedProducer(kafka.brokers);
    cleanups.push(() => producer.disconnect());
    const indexed = async (worker: typeof first): Promise<number> => metric(await scrape(worker.metricsUrl), 'sluice_ingest_indexed_total');

    // Both workers own partitions once each has indexed something sent to every partition.
    let warmups = 0;
    await waitFor(async () => {
      await producer.send({ topic: 'logs-traefik', messages: [0, 1, 2].map((partition) => ({ partition, value: access('10.1.1.1', 'GET', '/healthz', 200, 3_000_000 + warmups++) })) });
      return (await indexed(first)) > 0 && (await indexed(second)) > 0;
    }, 60_000, 'both workers to own partitions');
    await waitFor(async () => (await indexed(first)) + (await indexed(second)) === warmups, 30_000, 'the warm-up indexed');
    const before = [await indexed(first), await indexed(second)];

    // 12 failed logins in one window, spread over the three partitions.
    await producer.send({ topic: 'logs-traefik', messages: repeat(12, (i) => ({ partition: i % 3, value: access('203.0.113.66', 'POST', '/api/v1/auth/login', 401, i * 15_000) })) });
    await waitFor(async () => (await indexed(first)) + (await indexed(second)) === warmups + 12, 30_000, 'the attack indexed');
    const seen = [(await indexed(first)) - (before[0] as number), (await indexed(second)) - (before[1] as number)];
    expect(seen[0]).toBeLessThan(10);
    expect(seen[1]).toBeLessThan(10);

    // The detection service, at 10:06, once the documents are searchable: it evaluates the closed windows of its lookback.
    await elasticsearch.es.indices.refresh({ index: 'logs-*' });
    const config = loadConfig({ ...(await env()), SLUICE_DETECT_METRICS_PORT: String(await freePort()) });
    const detection = await startDetection(config, pino({ level: process.env.DEBUG_DETECT ?? 'silent' }), { now: () => T0 + 360_000 });
    cleanups.push(() => detection.close());
    await waitFor(() => detection.runs() >= 1, 20_000, 'a detection run');
    const written = await findings(elasticsearch.es);
    expect(written.map((finding) => [(finding.rule as { id: string }).id, (finding.source as { ip: string }).ip, (finding.security as { count: number }).count])).toEqual([['BEHAV-001', '203.0.113.66', 12]]);
    const scraped = await scrape(detection.metricsUrl);
    expect(metric(scraped, 'sluice_detect_findings_total', { rule: 'BEHAV-001' })).toBe(1);
    expect(metric(scraped, 'sluice_detect_runs_total', { outcome: 'success' })).toBe(1);
    expect((await fetch(`${detection.metricsUrl}/readyz`)).status).toBe(200);
  }, 120_000);

  it('a run while Elasticsearch is down fails, is counted and retried at the next interval', async () => {
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => elasticsearch.stop());
    const url = elasticsearch.emulator.url;
    await fetch(`${url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ unavailable_ms: 1500 }) });
    const config = loadConfig({ ELASTICSEARCH_URL: url, SLUICE_DETECT_INTERVAL: '1s', SLUICE_DETECT_LOOKBACK: '6m', SLUICE_DETECT_METRICS_PORT: String(await freePort()) });
    const detection = await startDetection(config, pino({ level: 'silent' }));
    cleanups.push(() => detection.close());
    await waitFor(() => detection.runs() >= 1, 20_000, 'the first run');
    expect(metric(await scrape(detection.metricsUrl), 'sluice_detect_runs_total', { outcome: 'failure' })).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${detection.metricsUrl}/readyz`)).status).toBe(503);
    await waitFor(async () => metric(await scrape(detection.metricsUrl), 'sluice_detect_runs_total', { outcome: 'success' }) >= 1, 20_000, 'a run after the outage');
    expect((await fetch(`${detection.metricsUrl}/readyz`)).status).toBe(200);
  }, 30_000);
});

describe('stopping the detectors', () => {
  it('a run waiting on a slow cluster is abandoned at once when the service closes', async () => {
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => elasticsearch.stop());
    const url = elasticsearch.emulator.url;
    const config = loadConfig({ ELASTICSEARCH_URL: url, SLUICE_DETECT_INTERVAL: '1s', SLUICE_DETECT_LOOKBACK: '6m', SLUICE_DETECT_METRICS_PORT: String(await freePort()) });
    const detection = await startDetection(config, pino({ level: 'silent' }));
    await waitFor(() => detection.runs() >= 1, 20_000, 'the first run');
    await fetch(`${url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 60_000 }) });
    // The next run starts within the interval and waits on its first search.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const closing = Date.now();
    await detection.close();
    expect(Date.now() - closing).toBeLessThan(10_000);
    expect(detection.runs()).toBe(2);
  }, 30_000);
});

describe('sluice detect from the command line', () => {
  const cli = join(packageRoot, 'dist', 'bin', 'sluice.js');

  it('evaluates --from/--to once and prints each new finding; bad options and settings exit 2 naming them', async () => {
    const elasticsearch = await startElasticsearch();
    cleanups.push(() => elasticsearch.stop());
    await applyIlm(elasticsearch.es, loadIlmFiles());
    await ingestLines(elasticsearch.es, loadConfig({}), repeat(15, (i) => access('203.0.113.99', 'POST', '/login', 403, i * 1000)));
    const detect = (...args: string[]) => run('env', [`ELASTICSEARCH_URL=${elasticsearch.emulator.url}`, 'LOG_LEVEL=silent', process.execPath, cli, 'detect', ...args]);

    expect(await detect('--from', '2026-11-22T10:00:00Z', '--to', '2026-11-22T11:00:00Z')).toMatchObject({
      code: 0,
      stdout: 'detect: 1 new finding(s), 0 already recorded\n  BEHAV-001 15 failed logins from 203.0.113.99 between 2026-11-22T10:00:00.000Z and 2026-11-22T10:05:00.000Z (threshold 10 in 5m)\n',
    });
    expect((await detect('--from', '2026-11-22T10:00:00Z', '--to', '2026-11-22T11:00:00Z')).stdout).toBe('detect: 0 new finding(s), 1 already recorded\n');

    const onlyFrom = await detect('--from', '2026-11-22T10:00:00Z');
    expect(onlyFrom.code).toBe(2);
    expect(onlyFrom.stderr).toContain('--from and --to go together');
    const backwards = await detect('--from', '2026-11-22T11:00:00Z', '--to', '2026-11-22T10:00:00Z');
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('must be before --to');
    const badThreshold = await run('env', ['SLUICE_DETECT_FLOOD=lots', 'SLUICE_LOGIN_PATHS=(', process.execPath, cli, 'detect']);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stderr).toContain('SLUICE_DETECT_FLOOD="lots": expected "off" or count/window');
    expect(badThreshold.stderr).toContain('SLUICE_LOGIN_PATHS="(": expected a regular expression');
    const shortLookback = await run('env', ['SLUICE_DETECT_BRUTE_FORCE=5/1h', process.execPath, cli, 'detect']);
    expect(shortLookback.code).toBe(2);
    expect(shortLookback.stderr).toContain('SLUICE_DETECT_LOOKBACK: must be at least the longest detector window (3600s)');
  }, 60_000);
});

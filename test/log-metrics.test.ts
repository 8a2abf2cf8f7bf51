import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { createEnrichers } from '../pipelines/enrichers.js';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { filterQuery, loadSloFile, filterPredicate, type EventFilter } from '../shared/slo.js';
import { createLogMetrics } from '../services/ingest/log-metrics.js';
import { pick, seeded } from '../services/demo/random.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { ingestLines, installTemplates, jobLine, traefikLine, workerLine } from './support/rollups.js';
import { run } from './support/process.js';
import { metric } from './support/ingest.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));
const T = (text: string) => Date.parse(text);

/** Documents as the pipeline makes them, enriched (the security tags among them). */
async function documents(lines: { topic: string; line: string }[]): Promise<Record<string, unknown>[]> {
  const { enrichers, close } = await createEnrichers(loadConfig({}));
  const pipeline = createPipeline({ namespace: 'default', enrichers });
  try {
    return lines.map(({ topic, line }) => {
      const outcome = pipeline({ value: line, topic });
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.document;
    });
  } finally {
    close();
  }
}

/** A series' value in the registry's exposition (the helper the ingest tests use). */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  return metric(await registry.metrics(), name, labels);
}

// 10 requests (7 × 200 in 100 ms, 2 × 503 in 3 s, 1 × 404 SQL injection), 3 jobs (2 completed, 1 failed "codec"), 2 worker
// lines, and two Traefik lines without a status: a redirect Traefik answered itself, in its common format, and a line of
// Traefik's own log (logrus's text), which is a log event of the Traefik stream, not a request.
const LINES = [
  { topic: 'logs-traefik', line: '198.51.100.9 - - [20/Nov/2026:10:00:30 +0000] "GET / HTTP/1.1" - - "-" "curl/8.5.0" 3 "web-to-websecure@docker" "-" 0ms' },
  { topic: 'logs-traefik', line: 'time="2026-11-20T10:00:31Z" level=info msg="Configuration loaded from flags."' },
  ...Array.from({ length: 7 }, (_, i) => ({ topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-20T10:00:00Z') + i * 1000, status: 200, ms: 100, path: `/api/v1/jobs/${1000 + i}` }) })),
  ...Array.from({ length: 2 }, (_, i) => ({ topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-20T10:01:00Z') + i * 1000, status: 503, ms: 3000, path: '/api/v1/convert', method: 'POST' }) })),
  { topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-20T10:02:00Z'), status: 404, ms: 5, path: "/api/v1/jobs?id=1' OR '1'='1" }) },
  { topic: 'logs-app', line: jobLine(T('2026-11-20T10:03:00Z'), true) },
  { topic: 'logs-app', line: jobLine(T('2026-11-20T10:04:00Z'), true) },
  { topic: 'logs-app', line: jobLine(T('2026-11-20T10:05:00Z'), false, 'codec') },
  { topic: 'logs-worker', line: workerLine(T('2026-11-20T10:06:00Z')) },
  { topic: 'logs-worker', line: workerLine(T('2026-11-20T10:07:00Z')) },
];

describe('metrics derived from logs', () => {
  it('count a known input exactly, and promtool check metrics accepts the exposition', async () => {
    const registry = new Registry();
    const metrics = createLogMetrics(registry, SLOS);
    metrics.record((await documents(LINES)).map((document) => metrics.measure(document)));
    const requests = (labels: Record<string, string>) => value(registry, 'sluice_http_requests_total', { service: 'traefik', ...labels });
    expect(await requests({ route: '/api/v1/jobs/{id}', method: 'GET', status_class: '2xx' })).toBe(7);
    expect(await requests({ route: '/api/v1/convert', method: 'POST', status_class: '5xx' })).toBe(2);
    expect(await requests({ route: '/api/v1/jobs', method: 'GET', status_class: '4xx' })).toBe(1);
    // 2 s is a bucket edge: the 100 ms requests are under it, the 3 s ones above.
    expect(await value(registry, 'sluice_http_request_duration_seconds_bucket', { service: 'traefik', route: '/api/v1/convert', le: '2' })).toBe(0);
    expect(await value(registry, 'sluice_http_request_duration_seconds_bucket', { service: 'traefik', route: '/api/v1/jobs/{id}', le: '2' })).toBe(7);
    expect(await value(registry, 'sluice_jobs_total', { outcome: 'completed', error_type: 'none' })).toBe(2);
    expect(await value(registry, 'sluice_jobs_total', { outcome: 'failed', error_type: 'codec' })).toBe(1);
    expect(await value(registry, 'sluice_security_findings_total', { category: 'sqli' })).toBe(1);
    expect(await value(registry, 'sluice_log_events_total', { service: 'rendiff-worker', level: 'info' })).toBe(2);
    // The SLOs: 10 valid requests, 8 below 500, 7 within 2 s and the 404 too (8); 3 jobs, 2 completed.
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'api-availability', kind: 'valid' })).toBe(10);
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'api-availability', kind: 'good' })).toBe(8);
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'api-latency', kind: 'good' })).toBe(8);
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'job-success', kind: 'valid' })).toBe(3);
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'job-success', kind: 'good' })).toBe(2);
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-metrics-')), 'metrics.txt');
    writeFileSync(file, await registry.metrics());
    const checked = await run('sh', ['-c', `promtool check metrics < ${file}`]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  });

  it('sums the body bytes of a batch per service and route, and goes on summing in the next batch', async () => {
    const registry = new Registry();
    const metrics = createLogMetrics(registry, SLOS);
    // Traefik's RequestContentSize and DownstreamContentSize, on requests of one route and of another.
    const sized = (i: number, path: string, sent: number, received: number) => ({ topic: 'logs-traefik', line: JSON.stringify({ ...JSON.parse(traefikLine({ at: T('2026-11-20T10:00:00Z') + i * 1000, status: 200, ms: 20, path })), RequestContentSize: sent, DownstreamContentSize: received }) });
    const batch = await documents([sized(0, '/api/v1/jobs/1', 120, 2049), sized(1, '/api/v1/jobs/2', 80, 1000), sized(2, '/api/v1/convert', 4096, 310)]);
    metrics.record(batch.map((document) => metrics.measure(document)));
    const bytes = (name: string, route: string) => value(registry, name, { service: 'traefik', route });
    expect(await bytes('sluice_http_request_bytes_total', '/api/v1/jobs/{id}')).toBe(200);
    expect(await bytes('sluice_http_response_bytes_total', '/api/v1/jobs/{id}')).toBe(3049);
    expect(await bytes('sluice_http_request_bytes_total', '/api/v1/convert')).toBe(4096);
    metrics.record((await documents([sized(3, '/api/v1/jobs/3', 1, 2)])).map((document) => metrics.measure(document)));
    expect(await bytes('sluice_http_request_bytes_total', '/api/v1/jobs/{id}')).toBe(201);
    expect(await bytes('sluice_http_response_bytes_total', '/api/v1/jobs/{id}')).toBe(3051);
    expect(await value(registry, 'sluice_http_requests_total', { service: 'traefik', route: '/api/v1/jobs/{id}', method: 'GET', status_class: '2xx' })).toBe(3);
  });

  // The verdicts of a document are shared per combination while the SLOs fit two bit sets (26), listed per
  // document beyond: both ways count each SLO on its own, whatever the other SLOs said of the same document.
  it.each([5, 27])('count each of %i more SLOs on the same requests by its own threshold', async (extra) => {
    const registry = new Registry();
    const thresholds = Array.from({ length: extra }, (_, i) => 200 + i * 20);
    const more = thresholds.map((below, i) => ({ ...(SLOS.slos[0] as (typeof SLOS.slos)[number]), name: `extra-${i}`, indicator: { dataset: 'rendiff.traefik', valid: { status: { gte: 100 } }, good: { status: { lt: below } } } }));
    const metrics = createLogMetrics(registry, { ...SLOS, slos: [...SLOS.slos, ...more] });
    metrics.record((await documents(LINES)).map((document) => metrics.measure(document)));
    // LINES' requests: seven 200, two 503, one 404.
    const statuses = [...Array<number>(7).fill(200), 503, 503, 404];
    for (const [i, below] of thresholds.entries()) {
      expect(await value(registry, 'sluice_slo_events_total', { slo: `extra-${i}`, kind: 'valid' })).toBe(10);
      expect(await value(registry, 'sluice_slo_events_total', { slo: `extra-${i}`, kind: 'good' }), `below ${below}`).toBe(statuses.filter((status) => status < below).length);
    }
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'api-availability', kind: 'good' })).toBe(8);
    expect(await value(registry, 'sluice_slo_events_total', { slo: 'job-success', kind: 'good' })).toBe(2);
  });

  it('cap label values: 100 000 distinct routes give 200 series and one "other", and the folds are counted', async () => {
    const registry = new Registry();
    const metrics = createLogMetrics(registry, undefined);
    metrics.record(Array.from({ length: 100_000 }, (_, i) => metrics.measure({ service: { name: 'traefik' }, http: { request: { method: 'GET' }, response: { status_code: 200 } }, rendiff: { route: `/page-${i}` } })));
    const series = (await registry.getMetricsAsJSON()).find((m) => m.name === 'sluice_http_requests_total')?.values ?? [];
    expect(series).toHaveLength(201);
    expect(await value(registry, 'sluice_http_requests_total', { route: 'other' })).toBe(99_800);
    expect(await value(registry, 'sluice_log_metrics_folded_total', { metric: 'sluice_http_requests_total', label: 'route' })).toBe(99_800);
  });
});

/**
 * What the metrics should read, counted the plain way: each created document in turn, its label values admitted
 * by caps of `max` values each (first come), a fold counted per document and folded label.
 */
class CountingModel {
  readonly counts = new Map<string, number>();
  private readonly caps = new Map<string, Set<string>>();
  private readonly slos = SLOS.slos.map((slo) => ({ name: slo.name, dataset: slo.indicator.dataset, valid: filterPredicate(slo.indicator.valid), good: filterPredicate(slo.indicator.good) }));
  constructor(private readonly max: number) {}
  private label(metric: string, label: string, value: string): string {
    const cap = this.caps.get(`${metric}/${label}`) ?? new Set<string>();
    this.caps.set(`${metric}/${label}`, cap);
    if (cap.has(value) || cap.size < this.max) {
      cap.add(value);
      return value;
    }
    this.add('sluice_log_metrics_folded_total', { metric, label }, 1);
    return 'other';
  }
  add(name: string, labels: Record<string, string>, value: number): void {
    const key = `${name} ${JSON.stringify(Object.entries(labels).sort())}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }
  count(document: ModelDocument, ecs: Record<string, unknown>): void {
    for (const slo of this.slos) {
      if (slo.dataset !== (ecs.data_stream as { dataset?: string } | undefined)?.dataset || !slo.valid(ecs)) continue;
      this.add('sluice_slo_events_total', { slo: slo.name, kind: 'valid' }, 1);
      if (slo.good(ecs)) this.add('sluice_slo_events_total', { slo: slo.name, kind: 'good' }, 1);
    }
    if (document.http !== undefined) {
      const metric = 'sluice_http_requests_total';
      const service = this.label(metric, 'service', document.service);
      const route = this.label(metric, 'route', document.http.route);
      const method = this.label(metric, 'method', document.http.method);
      this.add(metric, { service, route, method, status_class: `${Math.floor(document.http.status / 100)}xx` }, 1);
      if (document.http.sent !== undefined) this.add('sluice_http_request_bytes_total', { service, route }, document.http.sent);
      this.add('sluice_http_request_duration_seconds_count', { service, route }, 1);
    } else {
      const metric = 'sluice_log_events_total';
      this.add(metric, { service: this.label(metric, 'service', document.service), level: this.label(metric, 'level', document.level), component: this.label(metric, 'component', document.component) }, 1);
    }
    for (const category of document.categories) this.add('sluice_security_findings_total', { category: this.label('sluice_security_findings_total', 'category', category) }, 1);
  }
}

interface ModelDocument {
  service: string;
  http: { route: string; method: string; status: number; ms: number; sent: number | undefined } | undefined;
  level: string;
  component: string;
  categories: string[];
}

/** The document the pipeline would make for a model document (the fields the metrics read). */
function ecs(document: ModelDocument): Record<string, unknown> {
  const alert = document.categories.length > 0 ? { tags: ['security_alert'], rule: { category: document.categories } } : {};
  if (document.http === undefined) return { service: { name: document.service }, log: { level: document.level }, rendiff: { component: document.component }, ...alert };
  const { route, method, status, ms, sent } = document.http;
  return { data_stream: { dataset: 'rendiff.traefik' }, service: { name: document.service }, event: { duration: ms * 1_000_000 }, http: { request: { method, ...(sent === undefined ? {} : { body: { bytes: sent } }) }, response: { status_code: status } }, rendiff: { route }, ...alert };
}

describe('metrics derived from logs, against a plain count', () => {
  it.each([1, 2, 3])('agree over 40 batches of random documents, with caps of 3 values folding the rest and the SLOs of slo.yaml (seed %i)', async (seed) => {
    const random = seeded(seed, 0x109);
    const registry = new Registry();
    const metrics = createLogMetrics(registry, SLOS, 3);
    const model = new CountingModel(3);
    const some = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    const made = (): ModelDocument => ({
      service: pick(random, some('service-', 4)),
      http: random() < 0.6 ? { route: pick(random, some('/route-', 6)), method: pick(random, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']), status: pick(random, [200, 201, 404, 503]), ms: pick(random, [5, 300, 2000, 2500]), sent: random() < 0.5 ? Math.floor(random() * 5000) : undefined } : undefined,
      level: pick(random, some('level-', 5)),
      component: pick(random, some('component-', 5)),
      categories: random() < 0.1 ? [pick(random, some('category-', 5))] : [],
    });
    for (let batch = 0; batch < 40; batch += 1) {
      const documents = Array.from({ length: 1 + Math.floor(random() * 60) }, made);
      // Measured when made; recorded only if Elasticsearch created it (a redelivery is not counted).
      const observations = documents.map((document) => ({ document, observation: metrics.measure(ecs(document)), created: random() < 0.8 }));
      const created = observations.filter((entry) => entry.created);
      metrics.record(created.map((entry) => entry.observation));
      for (const entry of created) model.count(entry.document, ecs(entry.document));
    }
    const actual = new Map<string, number>();
    for (const family of await registry.getMetricsAsJSON()) {
      for (const { labels, value, metricName } of family.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>) {
        const name = metricName ?? family.name;
        if (name.endsWith('_bucket') || name.endsWith('_sum') || value === 0) continue;
        actual.set(`${name} ${JSON.stringify(Object.entries(labels).map(([k, v]) => [k, String(v)]).sort())}`, value);
      }
    }
    expect(actual).toEqual(model.counts);
    // The caps did fold: more than 3 values came for each label.
    expect([...model.counts.keys()].filter((key) => key.startsWith('sluice_log_metrics_folded_total')).length).toBeGreaterThan(3);
  });
});

describe('SLO filters in memory and in Elasticsearch', () => {
  let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
  beforeAll(async () => {
    cluster = await startElasticsearch();
    await installTemplates(cluster.es);
  });
  afterAll(async () => cluster.stop());

  it('agree on every document, for every filter of slo.yaml and a few more', async () => {
    const lines = [
      ...LINES,
      { topic: 'logs-app', line: JSON.stringify({ timestamp: '2026-11-20T11:00:00Z', level: 'INFO', message: 'Job processing completed.', job_id: 'x' }) },
      { topic: 'logs-app', line: JSON.stringify({ timestamp: '2026-11-20T11:00:01Z', level: 'INFO', message: 'job PROCESSING completed for user', job_id: 'y' }) },
      { topic: 'logs-app', line: JSON.stringify({ timestamp: '2026-11-20T11:00:02Z', level: 'INFO', message: 'Job processingcompleted', job_id: 'z' }) },
      { topic: 'logs-app', line: JSON.stringify({ timestamp: '2026-11-20T11:00:05Z', level: 'INFO', message: 'Ünïcode: job—processing — completed (42 s)', job_id: 'u' }) },
      { topic: 'logs-app', line: JSON.stringify({ timestamp: '2026-11-20T11:00:06Z', level: 'INFO', message: 'subjob processing completed', job_id: 'v' }) },
      { topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-20T11:00:03Z'), status: 500, ms: 2000 }) },
      { topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-20T11:00:04Z'), status: 499, ms: 2000.001 }) },
    ];
    await ingestLines(cluster.es, lines as Parameters<typeof ingestLines>[1], 'filters');
    const docs = await cluster.es.search<Record<string, unknown>>({ index: 'logs-*-filters', size: 100 });
    const filters: EventFilter[] = [
      ...SLOS.slos.flatMap((slo) => [slo.indicator.valid, slo.indicator.good]),
      SLOS.jobs.completed,
      SLOS.jobs.failed,
      SLOS.requests.error,
      { outcome: 'failure', not: { status: { gte: 500 } } },
      { fields: { 'http.request.method': ['POST', 'PUT'] } },
      { duration: { gt: 2000 } },
      // A phrase inside a message, one word, and one with no words at all (Elasticsearch then matches nothing).
      { message: 'processing completed' },
      { message: 'JOB' },
      { message: ' !! ' },
    ];
    for (const filter of filters) {
      const response = await cluster.es.search({ index: 'logs-*-filters', size: 100, query: filterQuery(filter) as never, _source: false });
      const inElasticsearch = response.hits.hits.map((hit) => hit._id).sort();
      const inMemory = docs.hits.hits.filter((hit) => filterPredicate(filter)(hit._source as Record<string, unknown>)).map((hit) => hit._id).sort();
      expect(inMemory, JSON.stringify(filter)).toEqual(inElasticsearch);
    }
  });
});

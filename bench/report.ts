import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { latencyBucket } from '../shared/latency-histogram.js';
import { applyIlm } from '../shared/ilm/apply.js';
import { loadIlmFiles } from '../shared/ilm/files.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { monthBounds } from '../services/rollup/report/calendar.js';
import { generateReport } from '../services/rollup/report/generate.js';
import { renderReport } from '../services/rollup/report/render.js';
import { HOUR, MINUTE, rollupIndex, rollupIndexPattern, rollupRange } from '../services/rollup/rollups.js';
import { startEmulator, type EsRow } from './elasticsearch.js';
import { freePort } from './process.js';

/**
 * The monthly report over a month of 10 million requests (31 days, 224 a minute over 8 routes), and the
 * rollups over raw events. The month's rollup documents are generated here as the rollups of such traffic
 * would be (minute and hour documents, latency histograms of 10–30 buckets): indexing 10 million raw events
 * into the emulator would need tens of GiB. Each figure stands next to a baseline of the same run.
 */

const MONTH = '2026-10';
const PER_MINUTE = Number(process.env.BENCH_REPORT_PER_MINUTE ?? 224);
const RAW_EVENTS = Number(process.env.BENCH_ROLLUP_EVENTS ?? 200_000);
const ROUTES = ['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/convert', '/api/v1/analyze', '/api/v1/stream', '/api/v1/batch', '/health', '/metrics'];
const NAMESPACE = 'bench';

/** A deterministic pseudo-random sequence, so every run measures the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Durations in ms: lognormal-like around 120 ms, a slow route around 1.5 s. */
function duration(next: () => number, route: string): number {
  const base = route === '/api/v1/convert' ? 1500 : 120;
  return base * Math.exp((next() + next() + next() - 1.5) * 1.2);
}

function* monthRollups(): Generator<[string, Record<string, unknown>]> {
  const bounds = monthBounds(MONTH, 'UTC');
  const next = random(7);
  const stamp = (at: number, sli: Record<string, unknown>) => ({ '@timestamp': new Date(at).toISOString(), sli, rollup: { computed_at: new Date().toISOString() } });
  let hour = new Map<string, { requests: number; errors: number; latency: Map<number, number> }>();
  for (let at = bounds.from; at < bounds.to; at += MINUTE) {
    let errors = 0;
    let slow = 0;
    for (const route of ROUTES) {
      const requests = PER_MINUTE / ROUTES.length;
      const latency = new Map<number, number>();
      let routeErrors = 0;
      for (let i = 0; i < requests; i += 1) {
        const ms = duration(next, route);
        if (ms > 2000) slow += 1;
        latency.set(latencyBucket(ms * 1e6), (latency.get(latencyBucket(ms * 1e6)) ?? 0) + 1);
        if (next() < 0.0005) routeErrors += 1;
      }
      errors += routeErrors;
      const buckets = [...latency.keys()].sort((a, b) => a - b);
      yield [`route-m-${route}-${at}`, stamp(at, { kind: 'route', resolution: 'minute', route, requests, errors: routeErrors, errors_by_status: routeErrors > 0 ? { '503': routeErrors } : {}, latency: { buckets, counts: buckets.map((b) => latency.get(b)) } })];
      const h = hour.get(route) ?? { requests: 0, errors: 0, latency: new Map() };
      h.requests += requests;
      h.errors += routeErrors;
      for (const [b, c] of latency) h.latency.set(b, (h.latency.get(b) ?? 0) + c);
      hour.set(route, h);
    }
    const slos = { 'api-availability': { good: PER_MINUTE - errors, valid: PER_MINUTE }, 'api-latency': { good: PER_MINUTE - slow, valid: PER_MINUTE }, 'job-success': { good: 3, valid: 3 } };
    yield [`minute-${at}`, stamp(at, { kind: 'minute', resolution: 'minute', slos, jobs: { '(none)': { completed: 3, failed: 0 } }, events: PER_MINUTE + 3, datasets: { 'rendiff.traefik': PER_MINUTE, 'rendiff.api': 3 }, last_event: new Date(at + 59_000).toISOString() })];
    if ((at + MINUTE) % HOUR === 0) {
      const start = at + MINUTE - HOUR;
      for (const [route, h] of hour) {
        const buckets = [...h.latency.keys()].sort((a, b) => a - b);
        yield [`route-h-${route}-${start}`, stamp(start, { kind: 'route', resolution: 'hour', route, requests: h.requests, errors: h.errors, errors_by_status: h.errors > 0 ? { '503': h.errors } : {}, latency: { buckets, counts: buckets.map((b) => h.latency.get(b)) } })];
      }
      hour = new Map();
    }
  }
}

async function bulk(es: Client, operations: unknown[]): Promise<void> {
  const response = await es.bulk({ operations });
  if (response.errors) throw new Error(JSON.stringify(response.items.find((item) => item.index?.error ?? item.create?.error)));
}

async function loadMonth(es: Client): Promise<number> {
  let operations: unknown[] = [];
  let documents = 0;
  for (const [id, document] of monthRollups()) {
    operations.push({ index: { _index: rollupIndex(NAMESPACE, Date.parse(document['@timestamp'] as string)), _id: id } }, document);
    documents += 1;
    if (operations.length >= 20_000) {
      await bulk(es, operations);
      operations = [];
    }
  }
  if (operations.length > 0) await bulk(es, operations);
  await es.indices.refresh({ index: rollupIndexPattern(NAMESPACE) });
  return documents;
}

/** The floor under the report: a scroll over the rollup documents the report reads, without building anything. */
async function scrollAll(es: Client): Promise<number> {
  const bounds = monthBounds(MONTH, 'UTC');
  let seen = 0;
  for (const query of [{ term: { 'sli.kind': 'minute' } }, { term: { 'sli.resolution': 'hour' } }]) {
    let response = await es.search({ index: rollupIndexPattern(NAMESPACE), scroll: '1m', size: 10_000, sort: ['_doc'], query: { bool: { filter: [query, { range: { '@timestamp': { gte: bounds.from - 30 * 86_400_000 + 86_400_000, lt: bounds.to, format: 'epoch_millis' } } }] } } });
    while (response.hits.hits.length > 0) {
      seen += response.hits.hits.length;
      response = await es.scroll({ scroll_id: response._scroll_id as string, scroll: '1m' });
    }
  }
  return seen;
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}

/** Raw request documents as the pipeline writes them (the fields the rollups read). */
async function loadRaw(es: Client, day: number): Promise<void> {
  const next = random(11);
  let operations: unknown[] = [];
  for (let i = 0; i < RAW_EVENTS; i += 1) {
    const route = ROUTES[i % ROUTES.length] as string;
    const ms = duration(next, route);
    const status = next() < 0.001 ? 503 : 200;
    operations.push(
      { create: { _index: `logs-rendiff.traefik-${NAMESPACE}` } },
      { '@timestamp': new Date(day + Math.floor((i * 86_400_000) / RAW_EVENTS)).toISOString(), data_stream: { type: 'logs', dataset: 'rendiff.traefik', namespace: NAMESPACE }, event: { duration: Math.round(ms * 1e6), outcome: status >= 400 ? 'failure' : 'success' }, http: { response: { status_code: status } }, rendiff: { route, latency_bucket: latencyBucket(ms * 1e6) }, message: '' },
    );
    if (operations.length >= 20_000) {
      await bulk(es, operations);
      operations = [];
    }
  }
  if (operations.length > 0) await bulk(es, operations);
  await es.indices.refresh({ index: `logs-rendiff.traefik-${NAMESPACE}` });
}

export async function benchReport(): Promise<EsRow[]> {
  const port = await freePort();
  const emulator: ChildProcess = await startEmulator(port);
  const es = new Client({ node: `http://127.0.0.1:${port}`, requestTimeout: 600_000 });
  try {
    await applyIlm(es, loadIlmFiles());
    const slos = loadSloFile(join(packageRoot, 'slo.yaml'));
    const documents = await loadMonth(es);
    const [scrollMs, scrolled] = await timed(() => scrollAll(es));
    const [reportMs, report] = await timed(() => generateReport(es, slos, NAMESPACE, MONTH, 'UTC'));
    const [pdfMs] = await timed(() => renderReport(report, 'pdf'));
    const requests = report.volume.requests;
    const day = Date.parse('2026-11-03T00:00:00Z');
    await loadRaw(es, day);
    const [aggregationMs] = await timed(() => es.search({ index: `logs-rendiff.traefik-${NAMESPACE}`, size: 0, aggs: { minutes: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } } }));
    const [rollupMs] = await timed(() => rollupRange(es, slos, NAMESPACE, day, day + 86_400_000));
    return [
      { name: `report of a month of ${(requests / 1e6).toFixed(1)} M requests (${documents.toLocaleString('en-US')} rollup documents), JSON model`, value: reportMs, unit: 'ms', baseline: scrollMs, baselineName: `scroll of the ${scrolled.toLocaleString('en-US')} documents it reads` },
      { name: 'rendering that report as PDF', value: pdfMs, unit: 'ms', baseline: reportMs, baselineName: 'building it' },
      { name: `rollups of ${RAW_EVENTS.toLocaleString('en-US')} raw requests (one day)`, value: rollupMs, unit: 'ms', baseline: aggregationMs, baselineName: 'one date_histogram over them' },
    ];
  } finally {
    await es.close();
    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
  }
}

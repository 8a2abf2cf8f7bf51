import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { filterQuery, type EventFilter, type SloFile } from '../../shared/slo.js';

/**
 * Raw logs → per-minute SLI rollups. Every rollup is an aggregation over the raw data streams, written by a
 * deterministic id into a monthly plain index (`sluice-rollups-<namespace>-YYYY.MM`, UTC month of the minute):
 * recomputing a range overwrites what it recomputes, so late events are absorbed, and any number of rollup
 * runs or workers give the same documents, never a double count.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
const PAGE = 2000;

export type RollupKind = 'slo' | 'route' | 'jobs' | 'coverage';

export interface RollupDocument {
  '@timestamp': string;
  sli: Record<string, unknown> & { kind: RollupKind; resolution: 'minute' | 'hour' };
  rollup: { computed_at: string };
}

export function rollupIndex(namespace: string, at: number): string {
  const date = new Date(at);
  return `sluice-rollups-${namespace}-${date.getUTCFullYear()}.${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function rollupIndexPattern(namespace: string): string {
  return `sluice-rollups-${namespace}-*`;
}

function rollupId(kind: RollupKind, resolution: string, key: string, at: number): string {
  return createHash('sha256').update(`${kind}\u0000${resolution}\u0000${key}\u0000${at}`).digest('base64url').slice(0, 32);
}

type Bucket = { key: Record<string, string | number | null>; doc_count: number } & Record<string, unknown>;

/** Every bucket of a composite aggregation, page by page. */
async function* compositeBuckets(es: Client, index: string, query: Record<string, unknown>, sources: Record<string, unknown>[], aggs: Record<string, unknown>, signal?: AbortSignal): AsyncGenerator<Bucket> {
  let after: Record<string, unknown> | undefined;
  for (;;) {
    // The filters are built from slo.yaml as plain JSON; Elasticsearch checks them.
    const request = { index, size: 0, query, ignore_unavailable: true, allow_no_indices: true, aggs: { rollup: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, aggs } } } as estypes.SearchRequest;
    const response = await es.search(request, { signal });
    const result = (response.aggregations as { rollup?: { buckets: Bucket[]; after_key?: Record<string, unknown> } } | undefined)?.rollup;
    for (const bucket of result?.buckets ?? []) yield bucket;
    if (!result || result.buckets.length < PAGE || result.after_key === undefined) return;
    after = result.after_key;
  }
}

function within(from: number, to: number, filter: EventFilter | undefined): Record<string, unknown> {
  const range = { range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } };
  return { bool: { filter: filter === undefined ? [range] : [range, filterQuery(filter)] } };
}

const minuteSource = (interval: string) => ({ minute: { date_histogram: { field: '@timestamp', fixed_interval: interval } } });

function stamp(at: number, sli: RollupDocument['sli'], computedAt: string): RollupDocument {
  return { '@timestamp': new Date(at).toISOString(), sli, rollup: { computed_at: computedAt } };
}

type Emit = (id: string, document: RollupDocument) => void;

async function sloRollups(es: Client, slos: SloFile['slos'], namespace: string, from: number, to: number, emit: Emit, computedAt: string, signal?: AbortSignal): Promise<void> {
  for (const slo of slos) {
    const index = `logs-${slo.indicator.dataset}-${namespace}`;
    const aggs = { good: { filter: filterQuery(slo.indicator.good) } };
    for await (const bucket of compositeBuckets(es, index, within(from, to, slo.indicator.valid), [minuteSource('1m')], aggs, signal)) {
      const at = Number(bucket.key.minute);
      const good = (bucket.good as { doc_count: number }).doc_count;
      emit(rollupId('slo', 'minute', slo.name, at), stamp(at, { kind: 'slo', resolution: 'minute', slo: slo.name, good, valid: bucket.doc_count }, computedAt));
    }
  }
}

interface RouteCell {
  at: number;
  route: string;
  requests: number;
  errors: number;
  byStatus: Map<string, number>;
  latency: Map<number, number>;
}

/**
 * Per minute and route template, and per hour and route (what a month's report reads, so that it adds a few
 * hundred documents per route instead of tens of thousands): requests, errors by status, latency histogram.
 * The range is widened to whole hours so every hour written is complete.
 */
async function routeRollups(es: Client, file: SloFile, namespace: string, from: number, to: number, emit: Emit, computedAt: string, signal?: AbortSignal): Promise<void> {
  const start = Math.floor(from / HOUR) * HOUR;
  const end = Math.ceil(to / HOUR) * HOUR;
  const index = `logs-${file.requests.dataset}-${namespace}`;
  const sources = [minuteSource('1m'), { route: { terms: { field: 'rendiff.route', missing_bucket: true } } }, { bucket: { histogram: { field: 'rendiff.latency_bucket', interval: 1, missing_bucket: true } } }];
  const aggs = { errors: { filter: filterQuery(file.requests.error), aggs: { status: { terms: { field: 'http.response.status_code', size: 20 } } } } };
  const minutes = new Map<string, RouteCell>();
  const hours = new Map<string, RouteCell>();
  const cell = (cells: Map<string, RouteCell>, at: number, route: string): RouteCell => {
    const key = `${at}\u0000${route}`;
    let found = cells.get(key);
    if (!found) cells.set(key, (found = { at, route, requests: 0, errors: 0, byStatus: new Map(), latency: new Map() }));
    return found;
  };
  for await (const bucket of compositeBuckets(es, index, within(start, end, undefined), sources, aggs, signal)) {
    const at = Number(bucket.key.minute);
    const route = bucket.key.route === null ? '(none)' : String(bucket.key.route);
    const errors = bucket.errors as { doc_count: number; status: { buckets: { key: number | string; doc_count: number }[] } };
    for (const target of [cell(minutes, at, route), cell(hours, Math.floor(at / HOUR) * HOUR, route)]) {
      target.requests += bucket.doc_count;
      target.errors += errors.doc_count;
      for (const status of errors.status.buckets) target.byStatus.set(String(status.key), (target.byStatus.get(String(status.key)) ?? 0) + status.doc_count);
      if (bucket.key.bucket !== null) target.latency.set(Number(bucket.key.bucket), (target.latency.get(Number(bucket.key.bucket)) ?? 0) + bucket.doc_count);
    }
  }
  for (const [resolution, cells] of [['minute', minutes], ['hour', hours]] as const) {
    for (const c of cells.values()) {
      const buckets = [...c.latency.keys()].sort((a, b) => a - b);
      const sli = { kind: 'route' as const, resolution, route: c.route, requests: c.requests, errors: c.errors, errors_by_status: Object.fromEntries(c.byStatus), latency: { buckets, counts: buckets.map((b) => c.latency.get(b) as number) } };
      emit(rollupId('route', resolution, c.route, c.at), stamp(c.at, sli, computedAt));
    }
  }
}

async function jobRollups(es: Client, file: SloFile, namespace: string, from: number, to: number, emit: Emit, computedAt: string, signal?: AbortSignal): Promise<void> {
  const index = `logs-${file.jobs.dataset}-${namespace}`;
  const either = { bool: { filter: [{ range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } }], should: [filterQuery(file.jobs.completed), filterQuery(file.jobs.failed)], minimum_should_match: 1 } };
  const sources = [minuteSource('1m'), { error_type: { terms: { field: 'rendiff.error_type', missing_bucket: true } } }];
  const aggs = { completed: { filter: filterQuery(file.jobs.completed) }, failed: { filter: filterQuery(file.jobs.failed) } };
  for await (const bucket of compositeBuckets(es, index, either, sources, aggs, signal)) {
    const at = Number(bucket.key.minute);
    const errorType = bucket.key.error_type === null ? '(none)' : String(bucket.key.error_type);
    const sli = { kind: 'jobs' as const, resolution: 'minute' as const, error_type: errorType, completed: (bucket.completed as { doc_count: number }).doc_count, failed: (bucket.failed as { doc_count: number }).doc_count };
    emit(rollupId('jobs', 'minute', errorType, at), stamp(at, sli, computedAt));
  }
}

/**
 * Per minute, how many events arrived at all (and per dataset), and the latest event time: a minute with none
 * in any dataset is a data gap (the pipeline or the shipper was down), told apart from a quiet minute of one SLO.
 */
async function coverageRollups(es: Client, namespace: string, from: number, to: number, emit: Emit, computedAt: string, signal?: AbortSignal): Promise<void> {
  const query = { bool: { filter: [{ range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } }], must_not: [{ term: { 'data_stream.dataset': 'rendiff.security' } }] } };
  const aggs = { datasets: { terms: { field: 'data_stream.dataset', size: 100 } }, last: { max: { field: '@timestamp' } } };
  for await (const bucket of compositeBuckets(es, `logs-rendiff.*-${namespace}`, query, [minuteSource('1m')], aggs, signal)) {
    const at = Number(bucket.key.minute);
    const last = (bucket.last as { value: number | null }).value;
    const datasets = Object.fromEntries((bucket.datasets as { buckets: { key: string; doc_count: number }[] }).buckets.map((b) => [b.key, b.doc_count]));
    const sli = { kind: 'coverage' as const, resolution: 'minute' as const, events: bucket.doc_count, datasets, ...(last === null ? {} : { last_event: new Date(last).toISOString() }) };
    emit(rollupId('coverage', 'minute', '', at), stamp(at, sli, computedAt));
  }
}

export interface RollupResult {
  documents: number;
  indices: string[];
}

export interface RollupOptions {
  signal?: AbortSignal;
  now?: () => number;
  /** Called after each part with the share of the work done, for a progress bar. */
  progress?: (done: number, total: number) => void;
}

/**
 * Recomputes every rollup of the minutes in [from, to) (rounded out to whole minutes) and overwrites them by
 * id. Ranges are worked through a day at a time, so a month's backfill holds one day in memory.
 */
export async function rollupRange(es: Client, file: SloFile, namespace: string, from: number, to: number, options: RollupOptions = {}): Promise<RollupResult> {
  const start = Math.floor(from / MINUTE) * MINUTE;
  const end = Math.ceil(to / MINUTE) * MINUTE;
  const step = 86_400_000;
  const total = Math.max(1, Math.ceil((end - start) / step));
  const indices = new Set<string>();
  let documents = 0;
  for (let part = 0, at = start; at < end; part += 1, at += step) {
    const stop = Math.min(end, at + step);
    const operations: unknown[] = [];
    const computedAt = new Date((options.now ?? Date.now)()).toISOString();
    const emit: Emit = (id, document) => {
      const index = rollupIndex(namespace, Date.parse(document['@timestamp']));
      indices.add(index);
      operations.push({ index: { _index: index, _id: id } }, document);
    };
    await sloRollups(es, file.slos, namespace, at, stop, emit, computedAt, options.signal);
    await routeRollups(es, file, namespace, at, stop, emit, computedAt, options.signal);
    await jobRollups(es, file, namespace, at, stop, emit, computedAt, options.signal);
    await coverageRollups(es, namespace, at, stop, emit, computedAt, options.signal);
    documents += await writeRollups(es, operations, options.signal);
    options.progress?.(part + 1, total);
  }
  if (indices.size > 0) await es.indices.refresh({ index: [...indices].join(','), ignore_unavailable: true });
  return { documents, indices: [...indices].sort() };
}

async function writeRollups(es: Client, operations: unknown[], signal?: AbortSignal): Promise<number> {
  const chunk = 10_000;
  for (let i = 0; i < operations.length; i += chunk) {
    const response = await es.bulk({ operations: operations.slice(i, i + chunk) }, { signal });
    if (response.errors) {
      const failed = response.items.find((item) => item.index?.error)?.index;
      throw new Error(`writing rollups failed: ${failed?.error?.type ?? 'error'}: ${failed?.error?.reason ?? 'unknown'} (index ${failed?._index ?? '?'})`);
    }
  }
  return operations.length / 2;
}

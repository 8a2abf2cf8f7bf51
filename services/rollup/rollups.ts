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

/**
 * `minute`: one document per minute with every SLO's good and valid counts, the job outcomes by error type and
 * the events that arrived (data coverage): a month's report reads 44 640 of them, not one per SLO and kind.
 * `route`: per minute and per hour, one document per route template.
 */
export type RollupKind = 'minute' | 'route';

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

/** The namespaces that have rollups of some minute in [from, to): each month's index names its namespace. */
export async function namespacesWithRollups(es: Client, from: number, to: number): Promise<string[]> {
  const months = [...new Set([from, to - 1].map((at) => rollupIndex('*', at)))];
  const indices = await es.indices.get({ index: months, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'open', filter_path: '*.settings.index.provided_name' });
  return [...new Set(Object.keys(indices).map((name) => name.replace(/^sluice-rollups-/, '').replace(/-\d{4}\.\d{2}$/, '')))].sort();
}

function rollupId(kind: RollupKind, resolution: string, key: string, at: number): string {
  return createHash('sha256').update(`${kind}\u0000${resolution}\u0000${key}\u0000${at}`).digest('base64url').slice(0, 32);
}

type Bucket = { key: Record<string, string | number | null>; doc_count: number } & Record<string, unknown>;

/** Every bucket of a composite aggregation, page by page. */
async function* compositeBuckets(es: Client, index: string, query: Record<string, unknown>, sources: Record<string, unknown>[], aggs: Record<string, unknown>, page: number, signal?: AbortSignal): AsyncGenerator<Bucket> {
  let after: Record<string, unknown> | undefined;
  for (;;) {
    // The filters are built from slo.yaml as plain JSON; Elasticsearch checks them.
    const request = { index, size: 0, query, ignore_unavailable: true, allow_no_indices: true, aggs: { rollup: { composite: { size: page, sources, ...(after ? { after } : {}) }, aggs } } } as estypes.SearchRequest;
    const response = await es.search(request, { signal });
    const result = (response.aggregations as { rollup?: { buckets: Bucket[]; after_key?: Record<string, unknown> } } | undefined)?.rollup;
    for (const bucket of result?.buckets ?? []) yield bucket;
    if (!result || result.buckets.length < page || result.after_key === undefined) return;
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

/** The per-minute document being assembled from the SLO, job and coverage aggregations of one chunk. */
interface MinuteCell {
  slos: Record<string, { good: number; valid: number }>;
  jobs: Record<string, { completed: number; failed: number }>;
  events: number;
  datasets: Record<string, number>;
  lastEvent?: number;
}

type Minutes = Map<number, MinuteCell>;

function minuteCell(minutes: Minutes, at: number): MinuteCell {
  let found = minutes.get(at);
  if (!found) minutes.set(at, (found = { slos: {}, jobs: {}, events: 0, datasets: {} }));
  return found;
}

/** Bucket sizes: a page's buckets, sub-aggregations included, stay under search.max_buckets (65 536). */
const PAGE = 5000;
const ROUTE_PAGE = 1000;

async function sloRollups(es: Client, slos: SloFile['slos'], namespace: string, from: number, to: number, minutes: Minutes, signal?: AbortSignal): Promise<void> {
  for (const slo of slos) {
    const index = `logs-${slo.indicator.dataset}-${namespace}`;
    const aggs = { good: { filter: filterQuery(slo.indicator.good) } };
    for await (const bucket of compositeBuckets(es, index, within(from, to, slo.indicator.valid), [minuteSource('1m')], aggs, PAGE, signal)) {
      minuteCell(minutes, Number(bucket.key.minute)).slos[slo.name] = { good: (bucket.good as { doc_count: number }).doc_count, valid: bucket.doc_count };
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
  const sources = [minuteSource('1m'), { route: { terms: { field: 'rendiff.route', missing_bucket: true } } }];
  const aggs = {
    errors: { filter: filterQuery(file.requests.error), aggs: { status: { terms: { field: 'http.response.status_code', size: 20 } } } },
    latency: { histogram: { field: 'rendiff.latency_bucket', interval: 1, min_doc_count: 1 } },
  };
  const minutes = new Map<string, RouteCell>();
  const hours = new Map<string, RouteCell>();
  const cell = (cells: Map<string, RouteCell>, at: number, route: string): RouteCell => {
    const key = `${at}\u0000${route}`;
    let found = cells.get(key);
    if (!found) cells.set(key, (found = { at, route, requests: 0, errors: 0, byStatus: new Map(), latency: new Map() }));
    return found;
  };
  for await (const bucket of compositeBuckets(es, index, within(start, end, undefined), sources, aggs, ROUTE_PAGE, signal)) {
    const at = Number(bucket.key.minute);
    const route = bucket.key.route === null ? '(none)' : String(bucket.key.route);
    const errors = bucket.errors as { doc_count: number; status: { buckets: { key: number | string; doc_count: number }[] } };
    const latency = (bucket.latency as { buckets: { key: number; doc_count: number }[] }).buckets;
    for (const target of [cell(minutes, at, route), cell(hours, Math.floor(at / HOUR) * HOUR, route)]) {
      target.requests += bucket.doc_count;
      target.errors += errors.doc_count;
      for (const status of errors.status.buckets) target.byStatus.set(String(status.key), (target.byStatus.get(String(status.key)) ?? 0) + status.doc_count);
      for (const b of latency) target.latency.set(b.key, (target.latency.get(b.key) ?? 0) + b.doc_count);
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

async function jobRollups(es: Client, file: SloFile, namespace: string, from: number, to: number, minutes: Minutes, signal?: AbortSignal): Promise<void> {
  const index = `logs-${file.jobs.dataset}-${namespace}`;
  const either = { bool: { filter: [{ range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } }], should: [filterQuery(file.jobs.completed), filterQuery(file.jobs.failed)], minimum_should_match: 1 } };
  const sources = [minuteSource('1m'), { error_type: { terms: { field: 'rendiff.error_type', missing_bucket: true } } }];
  const aggs = { completed: { filter: filterQuery(file.jobs.completed) }, failed: { filter: filterQuery(file.jobs.failed) } };
  for await (const bucket of compositeBuckets(es, index, either, sources, aggs, PAGE, signal)) {
    const errorType = bucket.key.error_type === null ? '(none)' : String(bucket.key.error_type);
    minuteCell(minutes, Number(bucket.key.minute)).jobs[errorType] = { completed: (bucket.completed as { doc_count: number }).doc_count, failed: (bucket.failed as { doc_count: number }).doc_count };
  }
}

/**
 * Per minute, how many events arrived at all (and per dataset), and the latest event time: a minute with none
 * in any dataset is a data gap (the pipeline or the shipper was down), told apart from a quiet minute of one SLO.
 */
async function coverageRollups(es: Client, namespace: string, from: number, to: number, minutes: Minutes, signal?: AbortSignal): Promise<void> {
  const query = { bool: { filter: [{ range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } }], must_not: [{ term: { 'data_stream.dataset': 'rendiff.security' } }] } };
  const aggs = { datasets: { terms: { field: 'data_stream.dataset', size: 10 } }, last: { max: { field: '@timestamp' } } };
  for await (const bucket of compositeBuckets(es, `logs-rendiff.*-${namespace}`, query, [minuteSource('1m')], aggs, PAGE, signal)) {
    const cell = minuteCell(minutes, Number(bucket.key.minute));
    cell.events = bucket.doc_count;
    cell.datasets = Object.fromEntries((bucket.datasets as { buckets: { key: string; doc_count: number }[] }).buckets.map((b) => [b.key, b.doc_count]));
    const last = (bucket.last as { value: number | null }).value;
    if (last !== null) cell.lastEvent = last;
  }
}

function emitMinutes(minutes: Minutes, emit: Emit, computedAt: string): void {
  for (const [at, cell] of minutes) {
    const sli = { kind: 'minute' as const, resolution: 'minute' as const, slos: cell.slos, jobs: cell.jobs, events: cell.events, datasets: cell.datasets, ...(cell.lastEvent === undefined ? {} : { last_event: new Date(cell.lastEvent).toISOString() }) };
    emit(rollupId('minute', 'minute', '', at), stamp(at, sli, computedAt));
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
    const minutes: Minutes = new Map();
    await sloRollups(es, file.slos, namespace, at, stop, minutes, options.signal);
    await jobRollups(es, file, namespace, at, stop, minutes, options.signal);
    await coverageRollups(es, namespace, at, stop, minutes, options.signal);
    emitMinutes(minutes, emit, computedAt);
    await routeRollups(es, file, namespace, at, stop, emit, computedAt, options.signal);
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

import type { Client } from '@elastic/elasticsearch';
import { addHistogram, type LatencyHistogram } from '../../shared/latency-histogram.js';
import { HOUR, MINUTE, rollupIndexPattern, type RollupKind } from './rollups.js';

/**
 * Rollups → series: the per-minute rollups of a range read back into arrays indexed by minute, and route
 * totals merged from hourly rollups (with minute rollups for a partial hour at either end). What the SLO state
 * and the monthly report are computed from.
 */

export interface SloMinutes {
  good: Float64Array;
  valid: Float64Array;
}

export interface MinuteSeries {
  from: number;
  to: number;
  minutes: number;
  slos: Map<string, SloMinutes>;
  /** Events of any dataset per minute: 0 means no data at all arrived for that minute. */
  events: Float64Array;
  /** The latest event time the rollups cover, if any. */
  watermark: number | undefined;
  /** Job outcomes per error type and minute. */
  jobs: Map<string, { completed: Float64Array; failed: Float64Array }>;
}

export interface RouteTotals {
  route: string;
  requests: number;
  errors: number;
  byStatus: Map<string, number>;
  latency: LatencyHistogram;
}

type Source = { '@timestamp': string; sli: Record<string, unknown> };

/**
 * Every rollup document of some kinds in [from, to), through a scroll in index order: a month holds far more
 * than one page, and the readers place each document by its timestamp, so no sort is needed.
 */
async function* rollupDocuments(es: Client, namespace: string, kinds: RollupKind[], resolution: 'minute' | 'hour', from: number, to: number): AsyncGenerator<Source> {
  if (from >= to) return;
  let response = await es.search<Source>({
    index: rollupIndexPattern(namespace),
    ignore_unavailable: true,
    allow_no_indices: true,
    scroll: '1m',
    size: 10_000,
    sort: ['_doc'],
    query: { bool: { filter: [{ terms: { 'sli.kind': kinds } }, { term: { 'sli.resolution': resolution } }, { range: { '@timestamp': { gte: from, lt: to, format: 'epoch_millis' } } }] } },
  });
  const ids = new Set<string>();
  try {
    for (;;) {
      if (response._scroll_id) ids.add(response._scroll_id);
      const hits = response.hits.hits;
      for (const hit of hits) if (hit._source) yield hit._source;
      if (hits.length === 0 || response._scroll_id === undefined) return;
      response = await es.scroll<Source>({ scroll_id: response._scroll_id, scroll: '1m' });
    }
  } finally {
    if (ids.size > 0) await es.clearScroll({ scroll_id: [...ids] }).catch(() => undefined);
  }
}

export async function readMinuteSeries(es: Client, namespace: string, sloNames: readonly string[], from: number, to: number): Promise<MinuteSeries> {
  const minutes = Math.round((to - from) / MINUTE);
  const slos = new Map(sloNames.map((name) => [name, { good: new Float64Array(minutes), valid: new Float64Array(minutes) }]));
  const events = new Float64Array(minutes);
  const jobs = new Map<string, { completed: Float64Array; failed: Float64Array }>();
  let watermark: number | undefined;
  for await (const document of rollupDocuments(es, namespace, ['minute'], 'minute', from, to)) {
    const at = Math.floor((Date.parse(document['@timestamp']) - from) / MINUTE);
    const sli = document.sli as { slos?: Record<string, { good: number; valid: number }>; jobs?: Record<string, { completed: number; failed: number }>; events?: number; last_event?: string };
    for (const [name, counts] of Object.entries(sli.slos ?? {})) {
      const series = slos.get(name);
      if (series === undefined) continue;
      series.good[at] = counts.good;
      series.valid[at] = counts.valid;
    }
    for (const [type, counts] of Object.entries(sli.jobs ?? {})) {
      let outcomes = jobs.get(type);
      if (!outcomes) jobs.set(type, (outcomes = { completed: new Float64Array(minutes), failed: new Float64Array(minutes) }));
      outcomes.completed[at] = counts.completed;
      outcomes.failed[at] = counts.failed;
    }
    events[at] = sli.events ?? 0;
    const last = sli.last_event === undefined ? undefined : Date.parse(sli.last_event);
    if (last !== undefined && (watermark === undefined || last > watermark)) watermark = last;
  }
  return { from, to, minutes, slos, events, watermark, jobs };
}

function addRoute(totals: Map<string, RouteTotals>, sli: Record<string, unknown>): void {
  const route = String(sli.route);
  let found = totals.get(route);
  if (!found) totals.set(route, (found = { route, requests: 0, errors: 0, byStatus: new Map(), latency: new Map() }));
  found.requests += Number(sli.requests);
  found.errors += Number(sli.errors);
  for (const [status, count] of Object.entries((sli.errors_by_status ?? {}) as Record<string, number>)) found.byStatus.set(status, (found.byStatus.get(status) ?? 0) + count);
  const latency = sli.latency as { buckets: number[]; counts: number[] } | undefined;
  if (latency) addHistogram(found.latency, latency.buckets, latency.counts);
}

/** Requests, errors and latency per route over [from, to): whole hours from hourly rollups, the rest from minute rollups. */
export async function readRouteTotals(es: Client, namespace: string, from: number, to: number): Promise<Map<string, RouteTotals>> {
  const totals = new Map<string, RouteTotals>();
  const firstHour = Math.ceil(from / HOUR) * HOUR;
  const lastHour = Math.floor(to / HOUR) * HOUR;
  const ranges: ['minute' | 'hour', number, number][] = firstHour < lastHour ? [['minute', from, firstHour], ['hour', firstHour, lastHour], ['minute', lastHour, to]] : [['minute', from, to]];
  for (const [resolution, start, end] of ranges) {
    for await (const document of rollupDocuments(es, namespace, ['route'], resolution, start, end)) addRoute(totals, document.sli);
  }
  return totals;
}

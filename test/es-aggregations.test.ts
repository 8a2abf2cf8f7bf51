import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startElasticsearch } from './support/elasticsearch.js';
import { pickWith, seeded } from './support/random.js';

/** Six requests, small enough that every expected figure below is worked out by hand. */
const REQUESTS = [
  { '@timestamp': '2026-10-01T00:10:00Z', status: 200, latency: 1, path: '/a', method: 'GET', ip: '10.0.0.1' },
  { '@timestamp': '2026-10-01T05:00:00Z', status: 200, latency: 51, path: '/a', method: 'POST', ip: '10.0.0.2' },
  { '@timestamp': '2026-10-01T23:59:59Z', status: 500, latency: 101, path: '/b', method: 'GET', ip: '10.0.0.1' },
  { '@timestamp': '2026-10-02T12:00:00Z', status: 404, latency: 151, path: '/c', method: 'GET', ip: '192.168.1.1' },
  { '@timestamp': '2026-10-04T08:00:00Z', status: 200, latency: 20, path: '/a', method: 'GET', ip: '10.0.0.3' },
  { '@timestamp': '2026-10-04T09:30:00Z', status: 503, latency: 2500, path: '/b', method: 'GET' },
];

const DAY = (day: string) => Date.parse(`2026-10-${day}T00:00:00Z`);

let es: Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ es, stop } = await startElasticsearch());
  await es.indices.create({
    index: 'requests',
    mappings: { properties: { '@timestamp': { type: 'date' }, status: { type: 'integer' }, latency: { type: 'long' }, path: { type: 'keyword' }, method: { type: 'keyword' }, ip: { type: 'ip' }, note: { type: 'text' } } },
  });
  await es.bulk({ refresh: true, operations: REQUESTS.flatMap((doc, i) => [{ index: { _index: 'requests', _id: String(i + 1) } }, doc]) });
});

afterAll(async () => {
  await stop();
});

async function aggs(aggregations: Record<string, unknown>, query?: unknown): Promise<Record<string, any>> {
  const response = await es.search({ index: 'requests', size: 0, aggs: aggregations as never, ...(query ? { query: query as never } : {}) });
  return response.aggregations as Record<string, any>;
}

describe('bucket aggregations', () => {
  it('date_histogram by calendar day fills the empty day between', async () => {
    const { days } = await aggs({ days: { date_histogram: { field: '@timestamp', calendar_interval: 'day' } } });
    expect(days.buckets.map((b: any) => [b.key_as_string, b.key, b.doc_count])).toEqual([
      ['2026-10-01T00:00:00.000Z', DAY('01'), 3],
      ['2026-10-02T00:00:00.000Z', DAY('02'), 1],
      ['2026-10-03T00:00:00.000Z', DAY('03'), 0],
      ['2026-10-04T00:00:00.000Z', DAY('04'), 2],
    ]);
  });

  it('date_histogram in a time zone moves the late request into the next local day', async () => {
    const { days } = await aggs({ days: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: '+02:00', min_doc_count: 1 } } });
    expect(days.buckets.map((b: any) => [b.key_as_string, b.doc_count])).toEqual([
      ['2026-10-01T00:00:00.000+02:00', 2],
      ['2026-10-02T00:00:00.000+02:00', 2],
      ['2026-10-04T00:00:00.000+02:00', 2],
    ]);
    expect(days.buckets[0].key).toBe(DAY('01') - 2 * 3_600_000);
  });

  it('date_histogram with a fixed interval, an offset and extended bounds', async () => {
    const { half } = await aggs({ half: { date_histogram: { field: '@timestamp', fixed_interval: '12h', offset: '+6h', min_doc_count: 0, extended_bounds: { min: '2026-09-30T18:00:00Z', max: '2026-10-02T06:00:00Z' } } } }, { range: { '@timestamp': { lt: '2026-10-03' } } });
    // Buckets start at 06:00 and 18:00: [09-30 18:00, 10-01 06:00) holds 00:10 and 05:00.
    expect(half.buckets.map((b: any) => [b.key_as_string, b.doc_count])).toEqual([
      ['2026-09-30T18:00:00.000Z', 2],
      ['2026-10-01T06:00:00.000Z', 0],
      ['2026-10-01T18:00:00.000Z', 1],
      ['2026-10-02T06:00:00.000Z', 1],
    ]);
  });

  it('date_histogram × filters: errors per day', async () => {
    const { days } = await aggs({ days: { date_histogram: { field: '@timestamp', calendar_interval: '1d' }, aggs: { outcome: { filters: { filters: { errors: { range: { status: { gte: 500 } } }, ok: { range: { status: { lt: 400 } } } } } } } } });
    expect(days.buckets.map((b: any) => [b.doc_count, b.outcome.buckets.errors.doc_count, b.outcome.buckets.ok.doc_count])).toEqual([
      [3, 1, 2],
      [1, 0, 0],
      [0, 0, 0],
      [2, 1, 1],
    ]);
  });

  it('histogram with min_doc_count 1', async () => {
    const { latency } = await aggs({ latency: { histogram: { field: 'latency', interval: 100, min_doc_count: 1 } } });
    expect(latency.buckets).toEqual([
      { key: 0, doc_count: 3 },
      { key: 100, doc_count: 2 },
      { key: 2500, doc_count: 1 },
    ]);
  });

  it('terms: by count, by key, with size, missing and ordering by a sub-aggregation', async () => {
    const result = await aggs({
      byCount: { terms: { field: 'path' } },
      top2: { terms: { field: 'path', size: 2 } },
      byKey: { terms: { field: 'path', order: { _key: 'desc' } } },
      ip: { terms: { field: 'ip', missing: '0.0.0.0', size: 10 } },
      slowest: { terms: { field: 'path', order: { avg_latency: 'desc' } }, aggs: { avg_latency: { avg: { field: 'latency' } } } },
    });
    expect(result.byCount).toEqual({ doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: '/a', doc_count: 3 }, { key: '/b', doc_count: 2 }, { key: '/c', doc_count: 1 }] });
    expect(result.top2.sum_other_doc_count).toBe(1);
    expect(result.top2.buckets.map((b: any) => b.key)).toEqual(['/a', '/b']);
    expect(result.byKey.buckets.map((b: any) => b.key)).toEqual(['/c', '/b', '/a']);
    expect(result.ip.buckets).toContainEqual({ key: '0.0.0.0', doc_count: 1 });
    expect(result.ip.buckets[0]).toEqual({ key: '10.0.0.1', doc_count: 2 });
    expect(result.slowest.buckets.map((b: any) => [b.key, b.avg_latency.value])).toEqual([
      ['/b', 1300.5],
      ['/c', 151],
      ['/a', 24],
    ]);
  });

  it('filter, filters with an other bucket, range and date_range', async () => {
    const result = await aggs({
      errors: { filter: { range: { status: { gte: 500 } } } },
      classes: { filters: { filters: [{ term: { status: 200 } }, { term: { status: 500 } }], other_bucket_key: 'rest' } },
      latency: { range: { field: 'latency', ranges: [{ to: 100 }, { from: 100, to: 1000 }, { from: 1000 }] } },
      period: { date_range: { field: '@timestamp', format: 'yyyy-MM-dd', ranges: [{ to: '2026-10-02' }, { from: '2026-10-02' }] } },
    });
    expect(result.errors).toEqual({ doc_count: 2 });
    expect(result.classes.buckets).toEqual([{ doc_count: 3 }, { doc_count: 1 }, { doc_count: 2 }]);
    expect(result.latency.buckets).toEqual([
      { key: '*-100.0', to: 100, doc_count: 3 },
      { key: '100.0-1000.0', from: 100, to: 1000, doc_count: 2 },
      { key: '1000.0-*', from: 1000, doc_count: 1 },
    ]);
    expect(result.period.buckets).toEqual([
      { key: '*-2026-10-02', to: DAY('02'), to_as_string: '2026-10-02', doc_count: 3 },
      { key: '2026-10-02-*', from: DAY('02'), from_as_string: '2026-10-02', doc_count: 3 },
    ]);
  });

  it('composite pages through method × day with after_key', async () => {
    const sources = [{ method: { terms: { field: 'method' } } }, { day: { date_histogram: { field: '@timestamp', calendar_interval: '1d' } } }];
    const { page } = await aggs({ page: { composite: { size: 2, sources } } });
    expect(page.buckets).toEqual([
      { key: { method: 'GET', day: DAY('01') }, doc_count: 2 },
      { key: { method: 'GET', day: DAY('02') }, doc_count: 1 },
    ]);
    expect(page.after_key).toEqual({ method: 'GET', day: DAY('02') });
    const { page: next } = await aggs({ page: { composite: { size: 2, sources, after: page.after_key } } });
    expect(next.buckets).toEqual([
      { key: { method: 'GET', day: DAY('04') }, doc_count: 2 },
      { key: { method: 'POST', day: DAY('01') }, doc_count: 1 },
    ]);
    const { page: last } = await aggs({ page: { composite: { size: 2, sources, after: next.after_key } } });
    expect(last.buckets).toEqual([]);
    expect(last.after_key).toBeUndefined();
  });

  // Worked out from Elasticsearch's composite semantics, not from the emulator: a document counts once in each
  // distinct combination of its sources' values; a missing value is the null key (missing_bucket), first when ascending.
  it('composite pages of one and of two sources, with multi-valued and missing fields, add up to the plain count', async () => {
    const tags = [['a'], ['b', 'a'], [], ['c'], ['a', 'a'], ['b'], [], ['c', 'b'], ['a'], ['d']];
    await es.indices.create({ index: 'tagged', mappings: { properties: { tag: { type: 'keyword' }, n: { type: 'long' } } } });
    await es.bulk({ refresh: true, operations: tags.flatMap((tag, i) => [{ index: { _index: 'tagged', _id: String(i) } }, { ...(tag.length > 0 ? { tag } : {}), n: [i * 7, i * 7 + 20] }]) });
    const pages = async (sources: unknown[], size: number) => {
      const buckets: Array<{ key: Record<string, unknown>; doc_count: number }> = [];
      let after: unknown;
      for (let round = 0; round < 50; round += 1) {
        const response = await es.search({ index: 'tagged', size: 0, aggs: { page: { composite: { size, sources, ...(after ? { after } : {}) } } } as never });
        const page = (response.aggregations as Record<string, any>).page;
        buckets.push(...page.buckets);
        if (page.buckets.length < size) break;
        after = page.after_key;
      }
      return buckets;
    };
    const expected = new Map<string, number>();
    tags.forEach((tag, i) => {
      for (const value of new Set(tag.length > 0 ? tag : [null])) {
        for (const n of new Set([Math.floor((i * 7) / 10) * 10, Math.floor((i * 7 + 20) / 10) * 10])) expected.set(JSON.stringify([value, n]), (expected.get(JSON.stringify([value, n])) ?? 0) + 1);
      }
    });
    const pairs = [...expected].map(([key, count]) => ({ key: JSON.parse(key) as [string | null, number], count })).sort((x, y) => (x.key[0] === y.key[0] ? x.key[1] - y.key[1] : x.key[0] === null ? -1 : y.key[0] === null ? 1 : x.key[0] < y.key[0] ? -1 : 1));
    const two = await pages([{ tag: { terms: { field: 'tag', missing_bucket: true } } }, { n: { histogram: { field: 'n', interval: 10 } } }], 3);
    expect(two).toEqual(pairs.map(({ key, count }) => ({ key: { tag: key[0], n: key[1] }, doc_count: count })));
    const one = await pages([{ tag: { terms: { field: 'tag', missing_bucket: true } } }], 2);
    expect(one).toEqual([
      { key: { tag: null }, doc_count: 2 },
      { key: { tag: 'a' }, doc_count: 4 },
      { key: { tag: 'b' }, doc_count: 3 },
      { key: { tag: 'c' }, doc_count: 2 },
      { key: { tag: 'd' }, doc_count: 1 },
    ]);
  });

  // What monthly reports page through: local days × route, each bucket with its own metrics.
  it('composite with a time-zoned date_histogram source and sub-aggregations in every bucket', async () => {
    const sources = [{ day: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: '+02:00' } } }, { path: { terms: { field: 'path' } } }];
    const { page } = await aggs({
      page: {
        composite: { size: 10, sources },
        aggs: { errors: { filter: { range: { status: { gte: 500 } } } }, p: { percentiles: { field: 'latency', percents: [50] } }, total: { sum: { field: 'latency' } } },
      },
    });
    const local = (day: string): number => Date.parse(`2026-10-${day}T00:00:00+02:00`);
    const bucket = (day: string, path: string, count: number, errors: number, p50: number, total: number): Record<string, unknown> => ({
      key: { day: local(day), path }, doc_count: count, errors: { doc_count: errors }, p: { values: { '50.0': p50 } }, total: { value: total },
    });
    // 2026-10-01T23:59:59Z is already 2 October at +02:00.
    expect(page.buckets).toEqual([bucket('01', '/a', 2, 0, 26, 52), bucket('02', '/b', 1, 1, 101, 101), bucket('02', '/c', 1, 0, 151, 151), bucket('04', '/a', 1, 0, 20, 20), bucket('04', '/b', 1, 1, 2500, 2500)]);
  });

  // The emulator keeps a paged composite's matches and groups between pages (a rollup asks for thousands of
  // buckets); Elasticsearch reads its index afresh for each, so a refresh between pages shows in the next.
  it('composite pages see what a refresh shows between them, and another query or other sources on the same documents', async () => {
    await es.indices.create({ index: 'paged', mappings: { properties: { k: { type: 'keyword' }, n: { type: 'integer' } } } });
    await es.bulk({ refresh: true, operations: ['a', 'b', 'c'].flatMap((k, i) => [{ index: { _index: 'paged', _id: k } }, { k, n: i % 2 }]) });
    const page = async (after?: string, query?: unknown, field = 'k'): Promise<string[]> => {
      const response = await es.search({ index: 'paged', size: 0, ...(query ? { query: query as never } : {}), aggs: { page: { composite: { size: 2, sources: [{ key: { terms: { field } } }], ...(after ? { after: { key: after } } : {}) } } } as never });
      return (response.aggregations as Record<string, any>).page.buckets.map((bucket: { key: { key: string | number }; doc_count: number }) => `${bucket.key.key}:${bucket.doc_count}`);
    };
    expect(await page()).toEqual(['a:1', 'b:1']);
    await es.bulk({ refresh: true, operations: [{ delete: { _index: 'paged', _id: 'c' } }, { index: { _index: 'paged', _id: 'd' } }, { k: 'd', n: 1 }] });
    expect(await page('b')).toEqual(['d:1']);
    // Written but not refreshed: not searchable yet, on the next page either; then refreshed, it is.
    await es.index({ index: 'paged', id: 'e', document: { k: 'e', n: 0 }, refresh: false });
    expect(await page('b')).toEqual(['d:1']);
    await es.indices.refresh({ index: 'paged' });
    expect(await page('b')).toEqual(['d:1', 'e:1']);
    await es.delete({ index: 'paged', id: 'e', refresh: true });
    expect(await page('b')).toEqual(['d:1']);
    // The same documents, another query; then other sources.
    expect(await page(undefined, { term: { n: 0 } })).toEqual(['a:1']);
    expect(await page(undefined, { term: { n: 1 } })).toEqual(['b:1', 'd:1']);
    expect(await page(undefined, { term: { n: 1 } }, 'n')).toEqual(['1:2']);
  });

  // Elasticsearch's search reference: post_filter applies to the hits after the aggregations are computed;
  // min_score drops documents before them (a match_all scores 1).
  it('post_filter narrows the hits but not the aggregations; min_score narrows both', async () => {
    const methods = { methods: { terms: { field: 'method' } } };
    const filtered = await es.search({ index: 'requests', size: 10, post_filter: { term: { method: 'POST' } }, aggs: methods as never });
    expect(filtered.hits.hits.map((hit) => hit._id)).toEqual(['2']);
    expect((filtered.aggregations as Record<string, any>).methods.buckets).toEqual([{ key: 'GET', doc_count: 5 }, { key: 'POST', doc_count: 1 }]);
    const none = await es.search({ index: 'requests', size: 10, min_score: 2, aggs: methods as never });
    expect([none.hits.hits.length, (none.aggregations as Record<string, any>).methods.buckets]).toEqual([0, []]);
    const all = await es.search({ index: 'requests', size: 0, min_score: 0.5, aggs: methods as never });
    expect([(all.hits.total as { value: number }).value, (all.aggregations as Record<string, any>).methods.buckets.length]).toEqual([6, 2]);
  });

  // max_score: the best score of the matches when hits are sorted by score, null when sorted by a field or none is asked for.
  it('max_score with hits sorted by score, and none with a field sort', async () => {
    const byScore = await es.search({ index: 'requests', size: 1, query: { match_all: {} } });
    expect(byScore.hits.max_score).toBe(1);
    const byField = await es.search({ index: 'requests', size: 1, sort: [{ latency: 'desc' }] });
    expect([byField.hits.max_score, byField.hits.hits[0]?._id]).toEqual([null, '6']);
    const empty = await es.search({ index: 'requests', size: 1, query: { term: { method: 'PUT' } } });
    expect(empty.hits.max_score).toBeNull();
    // An aggregation-only search collects no hit: no best score, as the reference's aggregation answers show.
    const counted = await es.search({ index: 'requests', size: 0, query: { match_all: {} }, aggs: { n: { value_count: { field: 'latency' } } } });
    expect([counted.hits.max_score, (counted.hits.total as { value: number }).value]).toEqual([null, 6]);
  });

  it('composite refuses a parent aggregation, as Elasticsearch does (230_composite.yml, "Invalid Composite aggregation")', async () => {
    const error = await failure(es.search({ index: 'requests', size: 0, aggs: { outer: { terms: { field: 'path' }, aggs: { inner: { composite: { sources: [{ m: { terms: { field: 'method' } } }] } } } } } }));
    expect(error).toMatchObject({ status: 400 });
    expect(error.reason).toMatch(/\[composite\] aggregation cannot be used with a parent aggregation/);
  });
});

describe('metric aggregations', () => {
  it('avg, sum, min, max, value_count, stats and cardinality', async () => {
    const result = await aggs({
      avg: { avg: { field: 'latency' } },
      sum: { sum: { field: 'latency' } },
      min: { min: { field: 'latency' } },
      max: { max: { field: 'latency' } },
      count: { value_count: { field: 'latency' } },
      stats: { stats: { field: 'latency' } },
      clients: { cardinality: { field: 'ip' } },
      first: { min: { field: '@timestamp' } },
    });
    expect(result.avg.value).toBeCloseTo(2824 / 6, 10);
    expect(result.sum).toEqual({ value: 2824 });
    expect(result.min).toEqual({ value: 1 });
    expect(result.max).toEqual({ value: 2500 });
    expect(result.count).toEqual({ value: 6 });
    expect(result.stats).toMatchObject({ count: 6, min: 1, max: 2500, sum: 2824 });
    expect(result.clients).toEqual({ value: 4 });
    expect(result.first).toEqual({ value: Date.parse('2026-10-01T00:10:00Z'), value_as_string: '2026-10-01T00:10:00.000Z' });
  });

  // Since 8.9 the default digest keeps small sets exact and interpolates at q·(n−1) (libs/tdigest Dist.quantile).
  it('percentiles interpolate as Elasticsearch 9 does: for [1, 51, 101, 151], p25 = 38.5, p50 = 76, p75 = 113.5', async () => {
    const { early } = await aggs({
      early: { filter: { range: { '@timestamp': { lt: '2026-10-03' } } }, aggs: { p: { percentiles: { field: 'latency', percents: [25, 50, 75] } }, r: { percentile_ranks: { field: 'latency', values: [76] } } } },
    });
    expect(early.doc_count).toBe(4);
    expect(early.p.values).toEqual({ '25.0': 38.5, '50.0': 76, '75.0': 113.5 });
    expect(early.r.values).toEqual({ '76.0': 50 });
  });

  it('top_hits returns the slowest request', async () => {
    const { slowest } = await aggs({ slowest: { top_hits: { size: 1, sort: [{ latency: 'desc' }], _source: ['path', 'latency'] } } });
    expect(slowest.hits.total).toEqual({ value: 6, relation: 'eq' });
    expect(slowest.hits.hits).toEqual([{ _index: 'requests', _id: '6', _score: null, _source: { path: '/b', latency: 2500 }, sort: [2500] }]);
  });

  it('metrics of an empty set: avg, min and max are null, sum 0', async () => {
    const result = await aggs({ avg: { avg: { field: 'latency' } }, min: { min: { field: 'latency' } }, sum: { sum: { field: 'latency' } } }, { term: { path: '/nowhere' } });
    expect(result).toEqual({ avg: { value: null }, min: { value: null }, sum: { value: 0 } });
  });
});

describe('more of what the README lists', () => {
  it('extended_stats, missing, global, terms include/exclude, keyed and hard_bounds histograms', async () => {
    const result = await aggs(
      {
        spread: { extended_stats: { field: 'latency' } },
        noIp: { missing: { field: 'ip' } },
        everything: { global: {}, aggs: { count: { value_count: { field: 'latency' } } } },
        onlyAB: { terms: { field: 'path', include: ['/a', '/b'] } },
        notA: { terms: { field: 'path', exclude: '/a' } },
        keyed: { histogram: { field: 'status', interval: 100, keyed: true } },
        bounded: { histogram: { field: 'latency', interval: 100, min_doc_count: 0, hard_bounds: { min: 0, max: 200 } } },
      },
      { term: { method: 'GET' } },
    );
    // The five GET latencies (the POST's 51 is filtered out); population variance by Elasticsearch's formula.
    const values = [1, 101, 151, 20, 2500];
    const mean = 2773 / 5;
    expect(result.spread).toMatchObject({ count: 5, min: 1, max: 2500, sum: 2773, sum_of_squares: values.reduce((sum, value) => sum + value * value, 0) });
    expect(result.spread.variance).toBeCloseTo(values.reduce((sum, value) => sum + value * value, 0) / 5 - mean * mean, 6);
    // The query keeps the five GETs; global ignores it.
    expect(result.noIp).toEqual({ doc_count: 1 });
    expect(result.everything).toEqual({ doc_count: 6, count: { value: 6 } });
    expect(result.onlyAB.buckets.map((b: any) => b.key)).toEqual(['/a', '/b']);
    expect(result.notA.buckets.map((b: any) => b.key)).toEqual(['/b', '/c']);
    expect(result.keyed.buckets).toEqual({ '200.0': { key: 200, doc_count: 2 }, '300.0': { key: 300, doc_count: 0 }, '400.0': { key: 400, doc_count: 1 }, '500.0': { key: 500, doc_count: 2 } });
    expect(result.bounded.buckets.map((b: any) => b.key)).toEqual([0, 100, 200]);
  });
});

describe('terms and composite as Elasticsearch’s own tests have them (20_terms.yml, 230_composite.yml)', () => {
  /** A value and a root cause of a failed search: the reason a shard gave. */
  async function rootCause(aggregations: Record<string, unknown>): Promise<string> {
    try {
      await aggs(aggregations);
    } catch (error) {
      return (error as { meta: { body: { error: { root_cause: Array<{ reason: string }> } } } }).meta.body.error.root_cause[0]?.reason ?? '';
    }
    throw new Error('expected the search to fail');
  }

  it('include and exclude lists are read as the field reads a value: dates in its format, addresses, booleans', async () => {
    const result = await aggs({
      day: { terms: { field: '@timestamp', include: ['2026-10-02T12:00:00Z', '2026-10-04T08:00:00.000Z'] } },
      notDay: { terms: { field: '@timestamp', exclude: ['2026-10-02T12:00:00Z'] } },
      ip: { terms: { field: 'ip', include: ['10.0.0.1', '::ffff:192.168.1.1'] } },
      status: { terms: { field: 'status', exclude: ['200', 500] } },
    });
    expect(result.day.buckets.map((b: any) => b.key_as_string)).toEqual(['2026-10-02T12:00:00.000Z', '2026-10-04T08:00:00.000Z']);
    expect(result.notDay.buckets).toHaveLength(5);
    expect(result.ip.buckets.map((b: any) => [b.key, b.doc_count])).toEqual([['10.0.0.1', 2], ['192.168.1.1', 1]]);
    expect(result.status.buckets.map((b: any) => b.key)).toEqual([404, 503]);
  });

  it('a regular expression include or exclude is refused on a field that is not a string field', async () => {
    expect(await rootCause({ t: { terms: { field: 'ip', exclude: '10.*' } } })).toBe('Aggregation [t] cannot support regular expression style include/exclude settings as they can only be applied to string fields. Use an array of values for include/exclude clauses');
    expect(await rootCause({ t: { terms: { field: 'status', include: '2.*' } } })).toMatch(/Use an array of numeric values for include\/exclude clauses used to filter numeric fields$/);
  });

  it('partitions split the terms as Elasticsearch hashes them ("Partitioned string test", "Partitioned integer test")', async () => {
    // The expected partitions of abc, bcd, 1234 and 5678 are those of Elasticsearch's own test; each term is in one.
    await es.index({ index: 'parts', document: { str: ['abc', 'bcd'], n: [1234, 5678] }, refresh: true });
    const keys = async (field: string, partition: number): Promise<unknown[]> => ((await es.search({ index: 'parts', size: 0, aggs: { t: { terms: { field, include: { partition, num_partitions: 2 } } } } })).aggregations as any).t.buckets.map((b: any) => b.key);
    expect([await keys('str.keyword', 0), await keys('str.keyword', 1), await keys('n', 0), await keys('n', 1)]).toEqual([['bcd'], ['abc'], [5678], [1234]]);
    const all = ['/a', '/b', '/c'];
    const seen = [];
    for (let partition = 0; partition < 3; partition += 1) seen.push(...(await aggs({ t: { terms: { field: 'path', include: { partition, num_partitions: 3 } } } })).t.buckets.map((b: any) => b.key));
    expect(seen.sort()).toEqual(all);
    await es.indices.delete({ index: 'parts' });
  });

  it('missing and value_type give an unmapped field its type: a date bucket keyed in milliseconds, a boolean as 1 ("Unmapped dates")', async () => {
    const result = await aggs({
      date: { terms: { field: 'unmapped_date', value_type: 'date', missing: '2016-05-11' } },
      flag: { terms: { field: 'unmapped_boolean', value_type: 'boolean', missing: true } },
      address: { terms: { field: 'ip', missing: '0.0.0.0' } },
    });
    expect(result.date.buckets).toEqual([{ key: 1462924800000, key_as_string: '2016-05-11T00:00:00.000Z', doc_count: 6 }]);
    expect(result.flag.buckets).toEqual([{ key: 1, key_as_string: 'true', doc_count: 6 }]);
    expect(result.address.buckets.find((b: any) => b.key === '0.0.0.0')?.doc_count).toBe(1);
  });

  it('min_doc_count 0 adds the terms no hit has, with no documents and empty metrics ("min_doc_count")', async () => {
    const result = await aggs({ t: { terms: { field: 'path', min_doc_count: 0 }, aggs: { slowest: { max: { field: 'latency' } } } } }, { term: { method: 'POST' } });
    expect(result.t.buckets).toEqual([
      { key: '/a', doc_count: 1, slowest: { value: 51 } },
      { key: '/b', doc_count: 0, slowest: { value: null } },
      { key: '/c', doc_count: 0, slowest: { value: null } },
    ]);
  });

  it('orders by a path through single-bucket aggregations to a metric, and refuses a path to nothing ("order by sub agg containing filter")', async () => {
    const result = await aggs({ t: { terms: { field: 'path', size: 1, order: [{ 'fast>slowest': 'desc' }] }, aggs: { fast: { filter: { range: { latency: { lt: 1000 } } }, aggs: { slowest: { max: { field: 'latency' } } } } } } });
    // /b's slowest is 2 500 ms, but under 1 000 ms its slowest is 101; /c's is 151.
    expect(result.t.buckets.map((b: any) => [b.key, b.fast.slowest.value])).toEqual([['/c', 151]]);
    const stats = await aggs({ t: { terms: { field: 'path', order: { 'spread.max': 'asc' } }, aggs: { spread: { stats: { field: 'latency' } } } } });
    expect(stats.t.buckets.map((b: any) => b.key)).toEqual(['/a', '/c', '/b']);
    expect(await rootCause({ t: { terms: { field: 'path', order: { nope: 'asc' } } } })).toBe('Invalid aggregation order path [nope]. The provided aggregation [nope] either does not exist, or is a pipeline aggregation and cannot be used to sort the buckets.');
    expect(await rootCause({ t: { terms: { field: 'path', order: { spread: 'asc' } }, aggs: { spread: { stats: { field: 'latency' } } } } })).toMatch(/No value specified for a multi-value metric aggregation \[spread\]/);
  });

  it('composite reads an `after` date in its source’s format and time zone, and refuses duplicate or absent sources', async () => {
    const source = { day: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: '-02:00', format: 'iso8601' } } };
    const first = await aggs({ c: { composite: { sources: [source] } } });
    expect(first.c.buckets.map((b: any) => b.key.day)).toEqual(['2026-09-30T00:00:00.000-02:00', '2026-10-01T00:00:00.000-02:00', '2026-10-02T00:00:00.000-02:00', '2026-10-04T00:00:00.000-02:00']);
    // "2026-10-01" is midnight at -02:00, the second bucket's key: the page after it starts at the third.
    const next = await aggs({ c: { composite: { sources: [source], after: { day: '2026-10-01' } } } });
    expect(next.c.buckets.map((b: any) => b.key.day)).toEqual(['2026-10-02T00:00:00.000-02:00', '2026-10-04T00:00:00.000-02:00']);
    expect(await failure(es.search({ index: 'requests', size: 0, aggs: { c: { composite: { sources: [{ m: { terms: { field: 'method' } } }, { m: { terms: { field: 'path' } } }] } } } }))).toMatchObject({ status: 400, reason: 'Composite source names must be unique, found duplicates: [m]' });
    expect(await failure(es.search({ index: 'requests', size: 0, aggs: { c: { composite: { size: 1 } } } as never }))).toMatchObject({ status: 400, reason: 'Required [sources]' });
    // Under a filter, a composite is allowed ("Filter without nesting").
    const filtered = await aggs({ slow: { filter: { range: { latency: { gt: 100 } } }, aggs: { c: { composite: { sources: [{ m: { terms: { field: 'path' } } }] } } } } });
    expect(filtered.slow.c.buckets.map((b: any) => [b.key.m, b.doc_count])).toEqual([['/b', 2], ['/c', 1]]);
    // Through a filter, a parent that may not hold a composite is still refused.
    const nested = { t: { terms: { field: 'method' }, aggs: { slow: { filter: { match_all: {} }, aggs: { c: { composite: { sources: [{ m: { terms: { field: 'path' } } }] } } } } } } };
    expect((await failure(es.search({ index: 'requests', size: 0, aggs: nested as never }))).reason).toBe('[composite] aggregation cannot be used with a parent aggregation of type: [terms]');
  });
});

describe('random aggregations (a fixed seed): an answer or a 4xx with a reason, never a 500', () => {
  it('every aggregation type, nested, with random parameters of random types on fields of every type', async () => {
    const draw = seeded(20261206);
    const pick = pickWith(draw);
    const types = ['terms', 'date_histogram', 'histogram', 'range', 'date_range', 'filters', 'filter', 'composite', 'missing', 'global', 'avg', 'sum', 'min', 'max', 'value_count', 'stats', 'extended_stats', 'cardinality', 'percentiles', 'percentile_ranks', 'top_hits'];
    const params = ['field', 'size', 'order', 'min_doc_count', 'include', 'exclude', 'missing', 'calendar_interval', 'fixed_interval', 'ranges', 'filters', 'sources', 'after', 'percents', 'values', 'format', 'time_zone', 'offset', 'extended_bounds', 'hard_bounds', 'keyed', 'value_type'];
    const fields = ['@timestamp', 'status', 'latency', 'path', 'ip', 'note', 'nothing'];
    const value = (depth: number): unknown => {
      const kind = draw();
      if (kind < 0.3) return pick([...fields, '1d', 'day', 'month', '10', 'desc', '_key', '_count', 'x>y', 'UTC', '+01:00', '2026-10-01', '*']);
      if (kind < 0.5) return pick([0, 1, -1, 0.5, 100, 1e9, 65537]);
      if (kind < 0.55) return pick([true, false, null]);
      if (kind < 0.75 && depth < 3) return Array.from({ length: Math.floor(draw() * 3) }, () => value(depth + 1));
      if (depth >= 3) return 'x';
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(draw() * 2) }, () => [pick([...params, ...fields, 'from', 'to', 'key', 'asc', 'min', 'max']), value(depth + 1)]));
    };
    const aggregation = (depth: number): Record<string, unknown> => {
      const spec: Record<string, unknown> = { field: pick(fields) };
      for (let i = 0; i < Math.floor(draw() * 3); i += 1) spec[pick(params)] = value(1);
      return { [pick(types)]: spec, ...(draw() < 0.3 && depth < 2 ? { aggs: { inner: aggregation(depth + 1) } } : {}) };
    };
    const failures: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const body = { size: 0, aggs: { a: aggregation(0) } };
      const error = await es.search({ index: 'requests', ...body } as never).then(() => undefined, (caught: { meta?: { statusCode?: number } }) => caught);
      if (error !== undefined && (error.meta?.statusCode ?? 500) >= 500) failures.push(JSON.stringify(body));
    }
    expect(failures).toEqual([]);
    // What such draws found (seeds 1 to 4 of 5 000), each a 500 before.
    const found = [
      { t: { terms: { field: 'path', order: 100 } } },
      { t: { terms: { field: 'path', order: { _count: 'sideways' } } } },
      { t: { date_range: { field: '@timestamp', ranges: 0 } } },
      { t: { avg: { field: '@timestamp', format: 1 } } },
      { t: { date_histogram: { field: '@timestamp', calendar_interval: 'day', time_zone: { zone: 'UTC' } } } },
    ];
    for (const aggs of found) expect((await failure(es.search({ index: 'requests', size: 0, aggs: aggs as never }))).status, JSON.stringify(aggs)).toBe(400);
  });
});

describe('aggregation errors', () => {
  it('an unknown aggregation type answers 400 parsing_exception; one Elasticsearch has and the emulator not says so', async () => {
    expect(await failure(es.search({ index: 'requests', aggs: { x: { bogus: { field: 'path' } } } as never }))).toEqual({ status: 400, type: 'parsing_exception', reason: 'Unknown aggregation type [bogus]' });
    for (const type of ['ip_range', 'multi_terms', 'auto_date_histogram', 'bucket_script']) {
      expect(await failure(es.search({ index: 'requests', aggs: { x: { [type]: {} } } as never }))).toEqual({ status: 400, type: 'illegal_argument_exception', reason: `the [${type}] aggregation is valid in Elasticsearch but not supported by the emulator` });
    }
  });

  it('aggregating a text field answers 400 as Elasticsearch does (fielddata is disabled)', async () => {
    const error = await failure(es.search({ index: 'requests', aggs: { x: { terms: { field: 'note' } } } }));
    expect(error.status).toBe(400);
    expect(error.reason).toMatch(/^Fielddata is disabled on \[note\]/);
  });
});

describe('metric sums and deviations as Elasticsearch computes them', () => {
  it('extended_stats: the reference’s example (grades 50 and 100), population and sampling figures and bounds', async () => {
    await es.bulk({ refresh: true, index: 'exams', operations: [{ index: {} }, { grade: 50 }, { index: {} }, { grade: 100 }] });
    const response = await es.search({ index: 'exams', size: 0, aggs: { grades_stats: { extended_stats: { field: 'grade' } } } });
    expect(response.aggregations?.grades_stats).toEqual({
      count: 2, min: 50, max: 100, avg: 75, sum: 150, sum_of_squares: 12500,
      variance: 625, variance_population: 625, variance_sampling: 1250,
      std_deviation: 25, std_deviation_population: 25, std_deviation_sampling: 35.35533905932738,
      std_deviation_bounds: { upper: 125, lower: 25, upper_population: 125, lower_population: 25, upper_sampling: 145.71067811865476, lower_sampling: 4.289321881345245 },
    });
  });

  it('sums with Kahan’s compensation (CompensatedSum): ten tenths make one', async () => {
    // A double: dynamic mapping would make it a float, whose 0.1 is 0.10000000149011612, as in Elasticsearch.
    await es.indices.create({ index: 'tenths', mappings: { properties: { share: { type: 'double' } } } });
    await es.bulk({ refresh: true, index: 'tenths', operations: Array.from({ length: 10 }, () => [{ index: {} }, { share: 0.1 }]).flat() });
    const response = await es.search({ index: 'tenths', size: 0, aggs: { sum: { sum: { field: 'share' } }, avg: { avg: { field: 'share' } }, stats: { stats: { field: 'share' } } } });
    const result = response.aggregations as Record<string, any>;
    expect([result.sum.value, result.avg.value, result.stats.sum]).toEqual([1, 0.1, 1]);
  });
});

/**
 * Pre-aggregated documents, as a transform or downsampling writes them: each stands for `_doc_count` requests (one
 * when it has none), and every bucket counts those, as Elasticsearch's DocCountProvider does; hits and value counts
 * do not. The minutes and routes are worked out by hand.
 */
describe('documents with _doc_count, and the metadata fields a document may not hold', () => {
  const MINUTES = [
    { '@timestamp': '2026-10-01T10:00:00Z', route: '/api/jobs', status: 200, _doc_count: 40 },
    { '@timestamp': '2026-10-01T10:00:00Z', route: '/api/videos', status: 200, _doc_count: 25 },
    { '@timestamp': '2026-10-01T10:01:00Z', route: '/api/jobs', status: 500, _doc_count: 3 },
    { '@timestamp': '2026-10-01T10:01:00Z', route: '/api/videos', status: 200, _doc_count: 30 },
    { '@timestamp': '2026-10-01T10:02:00Z', route: '/healthz', status: 200 },
  ];

  beforeAll(async () => {
    await es.indices.create({ index: 'minutes', mappings: { properties: { '@timestamp': { type: 'date' }, route: { type: 'keyword' }, status: { type: 'integer' } } } });
    await es.bulk({ refresh: true, operations: MINUTES.flatMap((doc) => [{ index: { _index: 'minutes' } }, doc]) });
  });

  it('counts each document as its _doc_count in every bucket aggregation, and hits once each', async () => {
    const response = await es.search({
      index: 'minutes',
      size: 0,
      aggs: {
        routes: { terms: { field: 'route', size: 1 } },
        busy: { terms: { field: 'route', min_doc_count: 30 } },
        perMinute: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } },
        pages: { composite: { sources: [{ route: { terms: { field: 'route' } } }] } },
        errors: { filter: { range: { status: { gte: 500 } } } },
        byStatus: { filters: { filters: { ok: { term: { status: 200 } } }, other_bucket_key: 'rest' } },
        latencyBands: { range: { field: 'status', ranges: [{ to: 300 }, { from: 500 }] } },
        values: { value_count: { field: 'status' } },
      } as never,
    });
    const result = response.aggregations as Record<string, any>;
    expect(response.hits.total).toEqual({ value: 5, relation: 'eq' });
    expect(result.routes.buckets).toEqual([{ key: '/api/videos', doc_count: 55 }]);
    expect(result.routes.sum_other_doc_count).toBe(44);
    expect(result.busy.buckets.map((bucket: { key: string; doc_count: number }) => [bucket.key, bucket.doc_count])).toEqual([['/api/videos', 55], ['/api/jobs', 43]]);
    expect(result.perMinute.buckets.map((bucket: { doc_count: number }) => bucket.doc_count)).toEqual([65, 33, 1]);
    expect(result.pages.buckets.map((bucket: { key: { route: string }; doc_count: number }) => [bucket.key.route, bucket.doc_count])).toEqual([['/api/jobs', 43], ['/api/videos', 55], ['/healthz', 1]]);
    expect(result.errors.doc_count).toBe(3);
    expect(result.byStatus.buckets).toEqual({ ok: { doc_count: 96 }, rest: { doc_count: 3 } });
    expect(result.latencyBands.buckets.map((bucket: { doc_count: number }) => bucket.doc_count)).toEqual([96, 3]);
    expect(result.values.value).toBe(5);
  });

  it('refuses a _doc_count that is not one positive integer, and keeps it out of the mapping', async () => {
    const write = (document: Record<string, unknown>) => failure(es.index({ index: 'minutes', document }));
    expect((await write({ _doc_count: 0 })).status).toBe(400);
    const zero = await es.index({ index: 'minutes', document: { _doc_count: 0 } }).catch((error: { meta: { body: { error: { caused_by: { reason: string } } } } }) => error.meta.body.error.caused_by.reason);
    expect(zero).toBe('Field [_doc_count] must be a positive integer. Value [0] is not allowed.');
    const list = await es.index({ index: 'minutes', document: { _doc_count: [2, 3] } }).catch((error: { meta: { body: { error: { caused_by: { reason: string } } } } }) => error.meta.body.error.caused_by.reason);
    expect(list).toBe('Arrays are not allowed for field [_doc_count].');
    expect((await write({ _doc_count: 'ten' })).type).toBe('document_parsing_exception');
    const mapping = await es.indices.getMapping({ index: 'minutes' });
    expect(Object.keys(mapping.minutes?.mappings.properties ?? {})).not.toContain('_doc_count');
  });

  it('refuses a metadata field inside a document with Elasticsearch’s words; other names with an underscore are fields', async () => {
    for (const field of ['_id', '_source', '_routing', '_ignored', '_version', '_index']) {
      const refused = await failure(es.index({ index: 'minutes', document: { [field]: 'x' } }));
      expect(refused).toMatchObject({ status: 400, type: 'document_parsing_exception' });
      expect(refused.reason).toContain(`failed to parse field [${field}] of type [${field}]`);
    }
    const cause = await es.index({ index: 'minutes', document: { _id: 'x' } }).catch((error: { meta: { body: { error: { caused_by: { reason: string } } } } }) => error.meta.body.error.caused_by.reason);
    expect(cause).toContain('Field [_id] is a metadata field and cannot be added inside a document. Use the index API request parameters.');
    await es.index({ index: 'minutes', document: { _origin: 'transform', nested: { _id: 'kept' } }, refresh: true });
    const mapping = await es.indices.getMapping({ index: 'minutes' });
    expect(Object.keys(mapping.minutes?.mappings.properties ?? {})).toEqual(expect.arrayContaining(['_origin', 'nested']));
  });
});

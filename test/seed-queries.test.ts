import { describe, expect, it } from 'vitest';
import { tagSecurity } from '../pipelines/enrich/security.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { templatedEmulator } from './support/rollups.js';

/**
 * The monitoring guide's Kibana queries (its "Common Log Queries"), in Sluice's ECS fields as docs/operations.md gives
 * them, sent as Kibana sends a Lucene query (a query_string in a bool filter) to the Elasticsearch emulator under
 * ilm/'s templates, over documents made by the pipeline from lines in the guide's own log shapes (written for Sluice).
 */
const es = templatedEmulator();
const NOW = Date.now();
const pipeline = createPipeline({ namespace: 'prod', now: () => NOW, enrichers: [tagSecurity] });
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

const app = (minutesAgo: number, level: string, message: string) => ({
  topic: 'logs-app',
  value: JSON.stringify({ timestamp: at(minutesAgo), level, message, job_id: '12345-67890', user_id: 'user123', processing_time: 45.2, component: 'video_processor' }),
});
const access = (minutesAgo: number, path: string, duration: string, status = 200) => ({
  topic: 'logs-traefik',
  value: JSON.stringify({ time: at(minutesAgo), ClientAddr: '192.168.1.100:54321', RequestMethod: 'POST', RequestPath: path, DownstreamStatus: status, Duration: duration, RequestContentSize: 1024, DownstreamContentSize: 2048 }),
});
const LINES = [
  app(10, 'INFO', 'Job processing completed'),
  app(20, 'ERROR', 'Job processing failed'),
  app(90, 'ERROR', 'Job processing failed'),
  app(30 * 60, 'ERROR', 'Job processing failed'),
  access(5, '/api/v1/convert', '150ms'),
  access(6, '/api/v1/convert', '1500ms'),
  access(120, '/api/v1/convert', '2500ms'),
  access(7, "/api/v1/jobs?id=1' OR '1'='1", '3ms', 400),
];

/** The guide's query and the same question in Sluice's fields. */
const QUERIES = [
  { guide: 'level:ERROR AND @timestamp:[now-1h TO now]', sluice: 'log.level:error AND @timestamp:[now-1h TO now]', finds: 1 },
  { guide: 'message:"Job processing failed" AND @timestamp:[now-24h TO now]', sluice: 'message:"Job processing failed" AND @timestamp:[now-24h TO now]', finds: 2 },
  // Traefik's Duration is event.duration, in nanoseconds; a job's processing_time is one too, hence the category.
  { guide: 'Duration:>1000 AND @timestamp:[now-1h TO now]', sluice: 'event.category:web AND event.duration:>1000000000 AND @timestamp:[now-1h TO now]', finds: 1 },
  { guide: 'tags:security_alert AND @timestamp:[now-24h TO now]', sluice: 'tags:security_alert AND @timestamp:[now-24h TO now]', finds: 1 },
];

/** The emulator with the lines' documents in their data streams (indexed once, by whichever test comes first). */
async function indexedLines(): Promise<ReturnType<typeof es>> {
  const client = es();
  if ((await client.count({ index: 'logs-*' })).count > 0) return client;
  const documents = LINES.map((line) => {
    const outcome = pipeline(line);
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.document;
  });
  const operations = documents.flatMap((document) => [{ create: { _index: `logs-${(document.data_stream as { dataset: string }).dataset}-prod` } }, document]);
  const indexed = await client.bulk({ refresh: true, operations });
  expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
  return client;
}

describe('the monitoring guide’s Kibana queries, in Sluice’s fields', () => {
  it.each(QUERIES)('$guide → $sluice', async ({ sluice, finds }) => {
    const client = await indexedLines();
    // As Kibana's Discover sends a Lucene query: a query_string inside a bool filter, with the browser's zone.
    const result = await client.search({ index: 'logs-*', size: 100, query: { bool: { filter: [{ query_string: { query: sluice, analyze_wildcard: true, time_zone: 'UTC' } }] } } });
    expect(result.hits.hits).toHaveLength(finds);
  });
});

/**
 * The guide's dashboards are Grafana's: its Elasticsearch data source asks `_msearch` with a header line per search
 * and bodies shaped as its request snapshots (pkg/tsdb/elasticsearch/testdata_request) show them, written here for
 * Sluice's fields: a logs panel (sort given as an object of two keys, highlighting asked for every field, the time as
 * docvalue and as a formatted field) and a graph (terms, then a date histogram with extended bounds and empty buckets).
 */
describe('Grafana’s Elasticsearch data source', () => {
  it('a logs panel and a graph, as one _msearch: newest first with their times; every interval of the range, per level', async () => {
    const client = await indexedLines();
    const url = (client.connectionPool.connections[0] as { url: URL }).url;
    const from = NOW - 2 * 3_600_000;
    const range = { range: { '@timestamp': { format: 'epoch_millis', gte: from, lte: NOW } } };
    const header = { search_type: 'query_then_fetch', ignore_unavailable: true, index: 'logs-*' };
    const logs = {
      docvalue_fields: ['@timestamp'],
      query: { bool: { filter: [range, { query_string: { analyze_wildcard: true, query: 'log.level:error' } }] } },
      script_fields: {},
      size: 500,
      sort: { '@timestamp': { order: 'desc', unmapped_type: 'boolean' }, _doc: { order: 'desc' } },
      highlight: { pre_tags: ['@HIGHLIGHT@'], post_tags: ['@/HIGHLIGHT@'], fragment_size: 2147483647, fields: { '*': {} } },
      fields: [{ field: '@timestamp', format: 'strict_date_optional_time_nanos' }],
    };
    const graph = {
      size: 0,
      query: { bool: { filter: range } },
      aggs: {
        '4': {
          terms: { field: 'log.level', order: { _key: 'desc' }, size: 10 },
          aggs: {
            '2': {
              date_histogram: { field: '@timestamp', fixed_interval: '10m', format: 'epoch_millis', min_doc_count: 0, extended_bounds: { min: from, max: NOW } },
              aggs: { '1': { max: { field: 'event.duration' } }, '3': { min: { field: 'event.duration' } } },
            },
          },
        },
      },
    };
    const body = [header, logs, header, graph].map((line) => JSON.stringify(line)).join('\n') + '\n';
    const answer = await fetch(new URL('/_msearch?max_concurrent_shard_requests=5', url), { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(answer.status).toBe(200);
    const [logsAnswer, graphAnswer] = ((await answer.json()) as { responses: Array<Record<string, any>> }).responses;
    expect(logsAnswer?.status).toBe(200);
    const hits = logsAnswer?.hits.hits as Array<Record<string, any>>;
    expect(hits.map((hit) => hit._source.message)).toEqual(['Job processing failed', 'Job processing failed']);
    expect(hits.map((hit) => hit.fields['@timestamp'][0])).toEqual([at(20), at(90)]);
    expect(hits[0]?.sort[0]).toBeGreaterThan(hits[1]?.sort[0]);
    expect(graphAnswer?.status).toBe(200);
    const levels = graphAnswer?.aggregations['4'].buckets as Array<Record<string, any>>;
    expect(levels.map((bucket) => [bucket.key, bucket.doc_count])).toEqual([['info', 1], ['error', 2]]);
    for (const level of levels) {
      const intervals = level['2'].buckets as Array<Record<string, any>>;
      // Every ten minutes of the two hours, empty ones included, keyed in epoch milliseconds as asked.
      expect(intervals.length).toBeGreaterThanOrEqual(12);
      expect(intervals.every((bucket) => bucket.key_as_string === String(bucket.key))).toBe(true);
      expect(intervals.reduce((sum, bucket) => sum + bucket.doc_count, 0)).toBe(level.doc_count);
    }
    const infoBucket = (levels[0]?.['2'].buckets as Array<Record<string, any>>).find((bucket) => bucket.doc_count > 0);
    expect(infoBucket?.['1'].value).toBe(45_200_000_000);
  });
});

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

describe('the monitoring guide’s Kibana queries, in Sluice’s fields', () => {
  it.each(QUERIES)('$guide → $sluice', async ({ sluice, finds }) => {
    const client = es();
    if ((await client.count({ index: 'logs-*' })).count === 0) {
      const documents = LINES.map((line) => {
        const outcome = pipeline(line);
        if (!outcome.ok) throw new Error(outcome.reason);
        return outcome.document;
      });
      const operations = documents.flatMap((document) => [{ create: { _index: `logs-${(document.data_stream as { dataset: string }).dataset}-prod` } }, document]);
      const indexed = await client.bulk({ refresh: true, operations });
      expect(indexed.items.filter((item) => item.create?.error !== undefined)).toEqual([]);
    }
    // As Kibana's Discover sends a Lucene query: a query_string inside a bool filter, with the browser's zone.
    const result = await client.search({ index: 'logs-*', size: 100, query: { bool: { filter: [{ query_string: { query: sluice, analyze_wildcard: true, time_zone: 'UTC' } }] } } });
    expect(result.hits.hits).toHaveLength(finds);
  });
});

import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { clientReport, emulatorPerFile } from './support/elasticsearch.js';

let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ emulator } = cluster));

interface Report {
  version: string;
  bulk_errors: boolean;
  bulk_statuses: Record<string, number>;
  bulk_refused: string[];
  count: number;
  errors_total: number;
  latest_errors: string[];
  levels: Record<string, number>;
  per_10m: Array<[string, number, number]>;
  scrolled: number;
  scroll_cleared: boolean;
  updated: Record<string, unknown>;
  exists: boolean[];
  deleted: number;
  missing_index: [string, string] | string;
  bad_search: [string, string] | string;
}

describe('Debian’s official Ruby client (ruby-elasticsearch 7.17, under Fluentd’s Elasticsearch output) against the emulator', () => {
  it('bulk as one NDJSON string into a data stream, per-item errors, searches, aggregations, scroll, updates and its error classes', async () => {
    const report = await clientReport<Report>('ruby', 'es_ruby_client.rb', emulator.url);
    // The client checks the product and version before its first request: it took the emulator for Elasticsearch.
    expect(report.version).toBe('9.4.0');
    // 50 records created, the one with a time that is no date refused alone, and the request marked as having errors.
    expect(report).toMatchObject({ bulk_errors: true, bulk_statuses: { 201: 50, 400: 1 }, bulk_refused: ['document_parsing_exception'], count: 50 });
    // Every fifth record was an error: 10, newest first; the aggregations count what the query matched.
    expect(report.errors_total).toBe(10);
    expect(report.latest_errors).toEqual(['job 45 failed', 'job 40 failed', 'job 35 failed']);
    expect(report.levels).toEqual({ error: 10 });
    // Records i at 10:i; errors at i = 0, 5, 10 …: two per ten minutes, the slowest 10·i ms.
    expect(report.per_10m).toEqual([0, 1, 2, 3, 4].map((tens) => [`2026-12-07T10:${tens}0:00.000Z`, 2, tens * 100 + 50]));
    expect(report.scrolled).toBe(50);
    expect(report.scroll_cleared).toBe(true);
    expect(report.updated).toEqual({ status: 'done', attempts: 2 });
    expect(report.exists).toEqual([true, false, true, false]);
    expect(report.deleted).toBe(1);
    expect(report.missing_index).toEqual(['NotFound', 'index_not_found_exception']);
    expect(report.bad_search).toEqual(['BadRequest', 'parsing_exception']);
  });
});

import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { clientReport, emulatorPerFile } from './support/elasticsearch.js';

let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ emulator } = cluster));

interface Report {
  bulk: number;
  scanned: number;
  misspelt: [number, string] | string;
  typed_mapping: [number, string, string] | string;
  pit_seen: number;
  pit_closed: { succeeded: boolean; num_freed: number };
  pit_after_close: string;
  field_caps: Record<string, Record<string, { type: string; aggregatable: boolean }>>;
  november_30: number;
  percentiles: Record<string, number>;
  pipeline: Record<string, unknown>;
  piped: unknown[];
  bad_pipeline: [number, string] | string;
  msearch: Array<[number, number | string]>;
  mget: Array<[string, boolean, unknown]>;
  deleted: number;
  left: number;
  license: string[];
  ilm_feature: Record<string, boolean>;
  simulated: unknown[];
  terms: string[];
  field_mapping: unknown;
  valid: boolean[];
  flushed: unknown;
  reindexed: number;
  updated_by_query: number;
  compressed: [number, number];
  api_version_7: [number, string, string] | string;
}

describe('Debian’s official Python client (python3-elasticsearch 7.17) against the emulator', () => {
  it('scans with scroll, pages a point in time, reads field_caps, and gets Elasticsearch’s errors and numbers', async () => {
    // Debian's interpreter, where python3-elasticsearch is installed, whatever python3 comes first on PATH.
    const report = await clientReport<Report>('/usr/bin/python3', 'es_python_client.py', emulator.url);
    expect(report.bulk).toBe(1234);
    // Nothing was written by the refused typed mapping: the scan finds the bulk's documents alone.
    expect(report.scanned).toBe(1234);
    expect(report.typed_mapping).toEqual([400, 'illegal_argument_exception', 'request [/py-logs/_doc/_mapping] contains unrecognized parameter: [include_type_name]']);
    expect(report.misspelt).toEqual([400, 'parsing_exception']);
    // The document written after the point in time opened is not in it.
    expect(report.pit_seen).toBe(1234);
    expect(report.pit_closed).toEqual({ succeeded: true, num_freed: 1 });
    expect(report.pit_after_close).toBe('search_context_missing_exception');
    expect(report.field_caps).toEqual({ n: { long: { type: 'long', metadata_field: false, searchable: true, aggregatable: true } } });
    // Documents 29, 59, … fall on 30 November, at hours through the whole day, and the late one at noon.
    const expected = Array.from({ length: 1234 }, (_, i) => i).filter((i) => 1 + (i % 30) === 30).length + 1;
    expect(report.november_30).toBe(expected);
    expect(report.percentiles).toEqual({ '1.0': 2.5, '25.0': 38.5, '50.0': 76, '99.0': 149.5 });
    expect(report.pipeline).toEqual({ 'py-stamp': { processors: [{ set: { field: 'stamped_by', value: '{{service}}' } }] } });
    expect(report.piped).toEqual([
      { service: 'api', stamped_by: 'api' },
      { service: 'worker', stamped_by: 'worker' },
    ]);
    expect(report.bad_pipeline).toEqual([400, 'parse_exception']);
    // 101 and 151; a missing index fails its own search; every index searched: the two piped documents' api.
    expect(report.msearch).toEqual([[200, 2], [404, 'index_not_found_exception'], [200, 1]]);
    expect(report.mget).toEqual([['one', true, { stamped_by: 'api' }], ['nope', false, null]]);
    expect([report.deleted, report.left]).toEqual([2, 2]);
    expect([report.license, report.ilm_feature]).toEqual([['basic', 'active'], { available: true, enabled: true }]);
    expect(report.simulated).toEqual([{ service: 'beat', stamped_by: 'beat' }]);
    expect(report.terms).toEqual(['worker']);
    expect(report.field_mapping).toEqual({ keyword: { type: 'keyword', ignore_above: 256 } });
    expect(report.valid).toEqual([true, false]);
    expect(report.flushed).toEqual({ total: 2, successful: 1, failed: 0 });
    expect([report.reindexed, report.updated_by_query]).toEqual([2, 1]);
    // Gzipped bulk bodies are read as Elasticsearch reads them: all 300 indexed.
    expect(report.compressed).toEqual([300, 300]);
    // Version 7's REST API is refused, as by Elasticsearch 9, with the reason the client shows its user.
    expect(report.api_version_7).toEqual([400, 'media_type_header_exception', 'Accept version must be either version 9 or 8, but found 7. Accept=application/vnd.elasticsearch+json;compatible-with=7']);
  });
});

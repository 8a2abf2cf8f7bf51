import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { clientReport, emulatorPerFile } from './support/elasticsearch.js';

let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ emulator } = cluster));

interface Report {
  version: string;
  refused: Array<[string, number, string, string, string]>;
  count: number;
  errors_total: number;
  latest_errors: string[];
  per_10m: Array<[string, number, number]>;
  scrolled: number;
  updated: string;
  exists: boolean[];
  mget: boolean[];
  msearch: number[];
  cat: string;
  deleted: number;
  missing: [string, string] | string;
  bad_query: [string, string] | string;
  transports: Record<string, [number, number]>;
}

describe('Debian’s Perl client (libsearch-elasticsearch-perl 8.00, Search::Elasticsearch) against the emulator', () => {
  it('bulk and scroll helpers, searches, its error classes, and every transport: LWP, gzip, deflate, the sniffing pool', async () => {
    const report = await clientReport<Report>('perl', 'es_perl_client.pl', emulator.url);
    // The client checks the product header on every answer: it took the emulator for Elasticsearch.
    expect(report.version).toBe('9.4.0');
    // The bulk helper's on_error gets the two items Elasticsearch refuses; the document without an id names the
    // id generated for it, in its item and in its reason.
    const [conflict, badTime] = report.refused;
    expect(conflict?.slice(0, 4)).toEqual(['create', 409, 'version_conflict_engine_exception', 'job-1']);
    expect(badTime?.slice(0, 3)).toEqual(['index', 400, 'document_parsing_exception']);
    expect(badTime?.[3]).toMatch(/^[\w-]{20}$/);
    expect(badTime?.[4]).toContain(`in document with id '${String(badTime?.[3])}'`);
    // 50 written, one deleted in the same bulk.
    expect(report.count).toBe(49);
    expect(report.errors_total).toBe(10);
    expect(report.latest_errors).toEqual(['job-45', 'job-40', 'job-35']);
    expect(report.per_10m).toEqual([0, 1, 2, 3, 4].map((tens) => [`2026-12-07T10:${tens}0:00.000Z`, 2, tens * 100 + 50]));
    expect(report.scrolled).toBe(49);
    expect(report.updated).toBe('warn');
    expect(report.exists).toEqual([false, true]);
    expect(report.mget).toEqual([true, false]);
    expect(report.msearch).toEqual([39, 1]);
    expect(report.cat).toBe('perl-jobs 49\n');
    expect(report.deleted).toBe(10);
    expect(report.missing).toEqual(['Search::Elasticsearch::Error::Missing', 'index_not_found_exception']);
    expect(report.bad_query).toEqual(['Search::Elasticsearch::Error::Request', 'parsing_exception']);
    // gzip and deflate compress each request body and ask for compressed answers, which the client inflates.
    expect(report.transports).toEqual({ lwp: [30, 30], gzip: [30, 30], deflate: [30, 30], lwp_deflate: [30, 30], sniff: [30, 30] });
  });
});

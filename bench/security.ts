import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecurityTagger } from '../pipelines/enrich/security.js';
import type { AccessRequest } from '../pipelines/enrich/crs/request.js';
import { loadCrs } from '../pipelines/enrich/crs/ruleset.js';
import { packageRoot } from '../shared/paths.js';
import { benignRequests } from './benign-traffic.js';
import { loadRegressionCases, runRegression } from './crs-regression.js';
import { realisticLines } from './pipeline.js';

/**
 * The security stage beside its baseline (JSON.parse + JSON.stringify of the same request as a line), per
 * kind of request: benign ones whose values were seen before (the screen's memory answers), benign ones
 * with a path never seen before, attack lines; and the quality figures: CRS's regression tests as an access
 * log carries them, and false positives on benign API traffic, at paranoia levels 1 and 2.
 */

export interface SecurityRow {
  name: string;
  value: number;
  unit: string;
  /** A rate has no baseline: the number of requests behind it is in its name. */
  baselineName?: string;
  baseline?: number;
  goal?: string;
}

const ROUNDS = 5;

/** µs per request, the fastest of ROUNDS passes (this machine's neighbours make single passes vary by half). */
function microseconds(requests: readonly AccessRequest[], work: (request: AccessRequest) => void, fresh?: (round: number) => readonly AccessRequest[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round += 1) {
    const batch = fresh === undefined ? requests : fresh(round);
    const start = performance.now();
    for (const request of batch) work(request);
    best = Math.min(best, ((performance.now() - start) * 1000) / batch.length);
  }
  return best;
}

function traefikRequests(count: number): AccessRequest[] {
  return realisticLines(count)
    .map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {}))
    .filter((record): record is Record<string, string> => typeof record.RequestPath === 'string')
    .map((record) => ({ method: record.RequestMethod ?? 'GET', uri: record.RequestPath ?? '/', protocol: 'HTTP/1.1', userAgent: record['request_User-Agent'] ?? null }));
}

export async function benchSecurity(): Promise<SecurityRow[]> {
  const events = Number(process.env.BENCH_PIPELINE_EVENTS ?? 100_000);
  const tagger = createSecurityTagger();
  // Its screen remembers values as the other's does; only the verdicts on whole requests are not kept.
  const engineEveryTime = createSecurityTagger({ rememberedVerdicts: 0 });
  const baseline = (requests: readonly AccessRequest[]): number => microseconds(requests, (request) => JSON.stringify(JSON.parse(JSON.stringify(request))));
  const traefik = traefikRequests(events);
  const corpus = JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'security-corpus.json'), 'utf8')) as Array<{ label: string; method?: string; path: string; query?: string; user_agent?: string }>;
  const attacks: AccessRequest[] = corpus.filter((entry) => entry.label !== 'benign').map((entry) => ({ method: entry.method ?? 'GET', uri: entry.query === undefined ? entry.path : `${entry.path}?${entry.query}`, userAgent: entry.user_agent ?? null }));
  const benign = traefik.filter((request) => !tagger.inspect(request).alert);
  // A job id never seen before in every request of every round: what traffic of unique paths costs.
  const unique = (round: number): AccessRequest[] => benign.slice(0, 5000).map((request, index) => ({ ...request, uri: request.uri.replace(/\/jobs\/\d+/, `/jobs/${(round + 1) * 10_000_000 + index}`) }));
  const load = (): number => {
    const start = performance.now();
    loadCrs({ paranoia: 1, threshold: 5 });
    return performance.now() - start;
  };
  const rows: SecurityRow[] = [
    { name: 'benign Traefik request, its values seen before (per request)', value: microseconds(benign, (request) => tagger.inspect(request)), unit: 'µs', baselineName: 'JSON.parse + JSON.stringify of the request', baseline: baseline(benign) },
    { name: 'benign Traefik request with a path never seen before (per request)', value: microseconds(benign, (request) => tagger.inspect(request), unique), unit: 'µs', baselineName: 'JSON.parse + JSON.stringify of the request', baseline: baseline(benign) },
    { name: 'attack from the labelled corpus, its verdict not remembered (per request)', value: microseconds(attacks, (request) => engineEveryTime.inspect(request)), unit: 'µs', baselineName: 'JSON.parse + JSON.stringify of the request', baseline: baseline(attacks) },
    { name: 'the same attack again, its verdict remembered (per request)', value: microseconds(attacks, (request) => tagger.inspect(request)), unit: 'µs', baselineName: 'JSON.parse + JSON.stringify of the request', baseline: baseline(attacks) },
    { name: 'loading CRS 4.28.0 at paranoia level 1 (parse, convert, compile)', value: Math.min(load(), load(), load()), unit: 'ms', baselineName: 'reading the rule files', baseline: readRules() },
  ];
  for (const quality of crsQuality()) rows.push(quality);
  return rows;
}

function readRules(): number {
  const start = performance.now();
  const dir = join(packageRoot, 'third_party', 'owasp-crs', 'rules');
  for (const name of ['REQUEST-920-PROTOCOL-ENFORCEMENT.conf', 'REQUEST-932-APPLICATION-ATTACK-RCE.conf', 'REQUEST-941-APPLICATION-ATTACK-XSS.conf', 'REQUEST-942-APPLICATION-ATTACK-SQLI.conf']) readFileSync(join(dir, name), 'latin1');
  return performance.now() - start;
}

/** The pass rates and false-positive rates, as rows. */
function crsQuality(): SecurityRow[] {
  const cases = loadRegressionCases(join(packageRoot, 'test', 'fixtures', 'crs', 'regression'));
  const benign = benignRequests();
  const rows: SecurityRow[] = [];
  for (const paranoia of [1, 2]) {
    const result = runRegression(loadCrs({ paranoia, threshold: 5 }), cases);
    rows.push({ name: `CRS regression tests passed, paranoia level ${paranoia} (of the ${result.run} an access log carries)`, value: (100 * result.passed) / result.run, unit: '%', goal: '≥ 95 %' });
  }
  for (const paranoia of [1, 2]) {
    const tagger = createSecurityTagger({ paranoia });
    const alerted = benign.filter((request) => tagger.inspect(request).alert).length;
    rows.push({ name: `benign API requests reaching the threshold, paranoia level ${paranoia} (of ${benign.length})`, value: (100 * alerted) / benign.length, unit: '%', ...(paranoia === 1 ? { goal: '≤ 0.5 %' } : {}) });
  }
  return rows;
}

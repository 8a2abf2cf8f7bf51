import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ruleParanoia, type Crs } from '../pipelines/enrich/crs/ruleset.js';
import type { AccessRequest } from '../pipelines/enrich/crs/request.js';

/**
 * CRS's own regression tests (go-ftw YAML, `test/fixtures/crs/regression/`), read as an access log would
 * carry them: the method, the URI, the protocol, the User-Agent, the Referer and the Host. A form body (`k=v`) becomes
 * the query string of a GET to the same path. A test whose payload is elsewhere (cookies, other headers, a
 * JSON/XML/multipart body, a raw request) is set aside with the reason. Shared by the test and the benchmark.
 */

export interface RegressionCase {
  file: string;
  ruleId: number;
  testId: string;
  request: AccessRequest;
  /** The test expects its rule to fire (expect_ids), or not to (no_expect_ids). */
  expectFire: boolean;
  /** Why an access log does not carry this test's payload, when it does not. */
  notCarried?: string;
}

const CARRIED_HEADERS = new Set(['host', 'user-agent', 'referer', 'content-type', 'content-length']);
/** Headers go-ftw tests send as boilerplate; a test that sets them to anything unusual carries its payload there. */
const BOILERPLATE_HEADERS = new Set(['accept', 'accept-language', 'accept-encoding', 'proxy-connection', 'keep-alive', 'connection', 'cache-control']);
const USUAL_VALUE_COUNT = 20;

interface TestInput {
  method?: string;
  uri?: string;
  version?: string;
  protocol?: string;
  headers?: Record<string, string>;
  data?: string | string[];
  encoded_request?: string;
  raw_request?: string;
}
interface TestStage {
  input?: TestInput;
  stage?: { input?: TestInput; output?: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } } };
  output?: { log?: { expect_ids?: number[]; no_expect_ids?: number[] } };
}
interface TestFile {
  rule_id: number;
  tests: Array<{ test_id: number | string; stages: TestStage[] }>;
}

function testFiles(dir: string): Array<{ file: string; doc: TestFile }> {
  const out: Array<{ file: string; doc: TestFile }> = [];
  for (const folder of readdirSync(dir).sort()) {
    // REQUEST-911 to REQUEST-944: the detection rules (901 initialises, 949 and 999 score and exclude).
    if (!/^REQUEST-9(1[1-9]|[23]\d|4[0-4])-/.test(folder) || !statSync(join(dir, folder)).isDirectory()) continue;
    for (const name of readdirSync(join(dir, folder)).sort()) {
      if (!name.endsWith('.yaml')) continue;
      const doc = parse(readFileSync(join(dir, folder, name), 'utf8')) as TestFile | null;
      if (doc?.tests !== undefined) out.push({ file: folder, doc });
    }
  }
  return out;
}

/** The values of boilerplate headers that many tests share: anything rarer is a test's payload. */
function usualValues(files: Array<{ doc: TestFile }>): Set<string> {
  const counts = new Map<string, number>();
  for (const { doc } of files)
    for (const test of doc.tests)
      for (const stage of test.stages)
        for (const [name, value] of Object.entries((stage.input ?? stage.stage?.input)?.headers ?? {})) {
          const key = `${name.toLowerCase()}: ${String(value)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
  return new Set([...counts].filter(([, count]) => count >= USUAL_VALUE_COUNT).map(([key]) => key));
}

function asRequest(input: TestInput, usual: Set<string>): { request: AccessRequest; notCarried?: string } {
  const headers = Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)] as const);
  const request: AccessRequest = { method: input.method ?? 'GET', uri: input.uri ?? '/', protocol: input.version ?? input.protocol ?? 'HTTP/1.1' };
  // A log that records these headers records their absence too (nginx's "-").
  request.userAgent = headers.find(([name]) => name === 'user-agent')?.[1] ?? null;
  request.referer = headers.find(([name]) => name === 'referer')?.[1] ?? null;
  request.host = headers.find(([name]) => name === 'host')?.[1] ?? null;
  if (input.encoded_request !== undefined || input.raw_request !== undefined) return { request, notCarried: 'a raw request' };
  for (const [name, value] of headers) {
    if (CARRIED_HEADERS.has(name) || (BOILERPLATE_HEADERS.has(name) && usual.has(`${name}: ${value}`))) continue;
    return { request, notCarried: `the ${name} header` };
  }
  const contentType = headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const data = Array.isArray(input.data) ? input.data.join('') : input.data;
  if (data !== undefined && data !== '') {
    if (contentType !== '' && !contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return { request, notCarried: `a body of type ${contentType.split(';')[0]}` };
    if (!data.includes('=') || /[\r\n]/.test(data)) return { request, notCarried: 'a body that is not form pairs' };
    // As a client writes a query: what a request line cannot hold raw is percent-encoded, so the arguments stay the same.
    const query = data.replace(/[^!$%&-;=?-~]/g, (char) => [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
    request.uri = `${request.uri}${request.uri.includes('?') ? '&' : '?'}${query}`;
    request.method = 'GET';
  } else if (contentType !== '' && !/^application\/x-www-form-urlencoded/i.test(contentType)) return { request, notCarried: `the content-type header` };
  return { request };
}

export function loadRegressionCases(dir: string): RegressionCase[] {
  const files = testFiles(dir);
  const usual = usualValues(files);
  const cases: RegressionCase[] = [];
  for (const { file, doc } of files) {
    for (const test of doc.tests) {
      const stage = test.stages[0];
      const input = stage?.input ?? stage?.stage?.input;
      const log = stage?.output?.log ?? stage?.stage?.output?.log;
      if (input === undefined || log === undefined) continue;
      const expectFire = (log.expect_ids ?? []).includes(doc.rule_id);
      const expectQuiet = (log.no_expect_ids ?? []).includes(doc.rule_id);
      if (!expectFire && !expectQuiet) continue;
      const { request, notCarried } = test.stages.length > 1 ? { request: { method: 'GET', uri: '/' }, notCarried: 'several stages' } : asRequest(input, usual);
      cases.push({ file, ruleId: doc.rule_id, testId: `${doc.rule_id}-${test.test_id}`, request, expectFire, ...(notCarried === undefined ? {} : { notCarried }) });
    }
  }
  return cases;
}

export interface RegressionResult {
  /** Per rule file: tests run (carried, rule at or below the paranoia level and readable from a log) and passed. */
  files: Map<string, { run: number; passed: number }>;
  failures: Array<{ testId: string; file: string; expectFire: boolean; fired: number[] }>;
  notCarried: Map<string, number>;
  /** Tests of rules that read only what a log lacks, by rule id. */
  blind: number;
  run: number;
  passed: number;
}

export function runRegression(crs: Crs, cases: readonly RegressionCase[], paranoiaOf: ReadonlyMap<number, number> = ruleParanoia(crs.options.dir)): RegressionResult {
  const blindIds = new Set(crs.blind.map((rule) => rule.id));
  const result: RegressionResult = { files: new Map(), failures: [], notCarried: new Map(), blind: 0, run: 0, passed: 0 };
  for (const test of cases) {
    const paranoia = paranoiaOf.get(test.ruleId);
    if (paranoia === undefined || paranoia > crs.options.paranoia) continue;
    if (test.notCarried !== undefined) {
      result.notCarried.set(test.notCarried, (result.notCarried.get(test.notCarried) ?? 0) + 1);
      continue;
    }
    if (blindIds.has(test.ruleId)) {
      result.blind += 1;
      continue;
    }
    const fired = crs.evaluate(test.request).matches.map((match) => match.id);
    const passed = fired.includes(test.ruleId) === test.expectFire;
    const file = result.files.get(test.file) ?? { run: 0, passed: 0 };
    file.run += 1;
    result.run += 1;
    if (passed) {
      file.passed += 1;
      result.passed += 1;
    } else result.failures.push({ testId: test.testId, file: test.file, expectFire: test.expectFire, fired });
    result.files.set(test.file, file);
  }
  return result;
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client, errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { packageRoot } from '../shared/paths.js';

/**
 * A small runner for Elasticsearch's YAML REST tests: the official clients' (test/fixtures/es-rest-tests)
 * and the server's own for the areas the emulator must answer exactly (test/fixtures/es-server-rest-tests).
 * Each `do` is executed with the official client's API of that name, then `match`, `set`, `is_true`,
 * `is_false`, `exists`, `not_exists`, `length`, `gt`/`gte`/`lt`/`lte`, `close_to` and `contains` are checked. After each test
 * everything is deleted.
 */

const CLIENT_TESTS = join(packageRoot, 'test', 'fixtures', 'es-rest-tests');
const SERVER_TESTS = join(packageRoot, 'test', 'fixtures', 'es-server-rest-tests');

/** Files that test what the emulator does not cover, each with the reason. */
const SKIPPED: Record<string, string> = {
  'indices/stats.yml': 'expects shards on an empty cluster (Elasticsearch’s own system indices); the emulator has none, and `_stats` keeps only docs and store',
  'cat/component_templates.yml': "expects Elasticsearch's built-in `metrics` component templates, which the emulator does not install",
};

/** Single tests of the server's files that use what the emulator does not have, each with the reason. */
const SKIPPED_TESTS: Record<string, string> = {
  'search.aggregation/10_histogram.yml: histogram with hard bounds': 'range field types (`long_range`) are not emulated',
  'search.aggregation/10_histogram.yml: date_histogram on range': 'range field types (`date_range`) are not emulated',
  'search.aggregation/10_histogram.yml: date_histogram on range with offset': 'range field types (`date_range`) are not emulated',
  'search.aggregation/10_histogram.yml: histogram profiler': 'the search profiler (`profile: true`) is not emulated',
  'search.aggregation/10_histogram.yml: date_histogram profiler': 'the search profiler (`profile: true`) is not emulated',
  'search.aggregation/170_cardinality_metric.yml: profiler int': 'the search profiler (`profile: true`) is not emulated',
  'search.aggregation/170_cardinality_metric.yml: profiler double': 'the search profiler (`profile: true`) is not emulated',
  'search.aggregation/170_cardinality_metric.yml: profiler string': 'the search profiler (`profile: true`) is not emulated',
  'search.aggregation/230_composite.yml: Composite aggregation with unmapped field': 'its YAML puts a flow sequence’s lines no deeper than their key, which Elasticsearch’s SnakeYAML reads and the `yaml` package reads as another mapping key (the emulator’s answer to the request, sent by hand, is the one asserted)',
  'search.aggregation/230_composite.yml: date_histogram with time_zone': 'its YAML puts a flow sequence’s lines no deeper than their key, which Elasticsearch’s SnakeYAML reads and the `yaml` package reads as another mapping key (the emulator’s answer to the request, sent by hand, is the one asserted)',
  'search.aggregation/230_composite.yml: Simple Composite aggregation with GeoTile grid': 'the `geotile_grid` source is not emulated',
  'search.aggregation/230_composite.yml: Simple Composite aggregation with geotile grid add aggregate after': 'the `geotile_grid` source is not emulated',
  'search.aggregation/230_composite.yml: Nested as parent': 'the `nested` aggregation is not emulated',
  'search.aggregation/230_composite.yml: Nested parent with compound key': 'the `nested` aggregation is not emulated',
  'search.aggregation/230_composite.yml: Nested with a nested sub aggregation': 'the `nested` aggregation is not emulated',
  'search.aggregation/230_composite.yml: Nested then filter then nested then terms': 'the `nested` aggregation is not emulated',
  'search.aggregation/10_histogram.yml: date_histogram with extended_bounds and offset and unmapped': 'the `nested` aggregation is not emulated',
  'search.aggregation/220_filters_bucket.yml: named filters with bucket sort test': 'pipeline aggregations (`bucket_sort`) and `keyed_bucket_in_array` are not emulated',
  'search.aggregation/220_filters_bucket.yml: cache busting': 'the `split_queries_on_whitespace` keyword option is not emulated',
  'search.aggregation/220_filters_bucket.yml: nested': 'nested documents are not emulated',
  'search.aggregation/220_filters_bucket.yml: cache hits': 'the request cache and its `_stats` are not emulated',
  'search.aggregation/50_filter.yml: Standard queries get cached': 'the request cache and its `_stats` are not emulated',
  'search.aggregation/50_filter.yml: Terms lookup gets cached': 'the request cache and its `_stats` are not emulated (the terms lookup inside the filter aggregation is tested in es-terms-lookup)',
  'search.aggregation/370_doc_count_field.yml: Test filters agg with doc_count': 'asserts the search profiler (`profile: true`), which is not emulated (the filters aggregation with `_doc_count` is tested in es-aggregations)',
  'search.aggregation/370_doc_count_field.yml: Test composite str_terms agg with doc_count': 'its YAML ends a flow mapping less indented than its key, which SnakeYAML reads and the `yaml` package reads without the assertions (the composite aggregation with `_doc_count` is tested in es-aggregations)',
  'search.aggregation/380_global.yml: profile': 'the search profiler (`profile: true`) is not emulated',
  'search/10_source_filtering.yml: Exclude sparse embeddings from _source by default': 'the `sparse_vector` field type is not emulated',
  'search/20_default_values.yml: Basic search': 'asserts each hit’s `_type`, which Elasticsearch 8.0 removed from hits and the emulator, answering as 9.x, does not write',
  'search/70_response_filtering.yml: Search with response filtering': 'asserts each hit’s `_type`, which Elasticsearch 8.0 removed from hits and the emulator, answering as 9.x, does not write (its filter_path assertions before that pass)',
  'bulk/40_source.yml: Source filtering includes embeddings by default': 'the `sparse_vector` and `dense_vector` field types are not emulated',
  'bulk/40_source.yml: Source filtering includes embeddings': 'the `sparse_vector` and `dense_vector` field types are not emulated',
  'bulk/40_source.yml: Source filtering excludes embeddings': 'the `sparse_vector` and `dense_vector` field types are not emulated',
  'cluster.component_template/10_basic.yml: Add data stream lifecycle': 'data stream lifecycle (DSL) is not emulated: a template’s `lifecycle` is kept as given, without the `enabled` Elasticsearch adds',
  'cluster.component_template/10_basic.yml: Get data stream lifecycle with default rollover': 'data stream lifecycle (DSL) is not emulated: a template’s `lifecycle` is kept as given, without `enabled` or the default rollover',
  'indices.put_index_template/15_composition.yml: Index template ignore_missing_component_template valid': 'asserts the mapping under the data stream’s own name, where the get index API answers by backing index (“For data streams, the API returns information about the stream’s backing indices”), as the emulator does; the template and the data stream are made, and the ignored component’s absence is tested in es-admin',
  'indices.get_settings/20_aliases.yml: Getting settings for aliases should return the real index as key': 'asserts the settings as numbers, where the get settings API answers them as text ("number_of_replicas": "3"), as the emulator does; what it checks, the real index as the key, holds (the runner compares types as MatchAssertion does)',
  'search/260_parameter_validation.yml: test size=-1 is deprecated': 'the JavaScript client sends `size` in the body, where -1 is refused as negative; Elasticsearch’s runner sends it in the URL, where -1 is no size (tested with raw HTTP in es-strict)',
  'search/90_search_after.yml: search with search_after parameter': 'asserts each hit’s `_type`, which Elasticsearch 8.0 removed from hits and the emulator, answering as 9.x, does not write',
  'search/90_search_after.yml: date_nanos': 'the emulator keeps dates to the millisecond: a date_nanos value’s microseconds are not kept (sort values in nanoseconds, and search_after with them, are tested in es-field-sort)',
  'search/30_limits.yml: Rescore window limits': '`rescore` is not emulated: the emulator refuses it as such, before any window is checked',
  'search/630_format_sort_missing_dates.yml: Format sort values for missing date_nanos': 'the emulator keeps dates to the millisecond: a date_nanos value’s microseconds are not kept, so its sort values cannot show them',
  'scroll/10_basic.yml: Body params override query string': 'the JavaScript client copies a `scroll_id` parameter into the body, over the body’s own, so this runner cannot send both (the emulator takes the body’s, as a test in es-strict checks with raw HTTP)',
};

/**
 * Where the stored server test predates the version the emulator claims (9.4), the expected values of
 * that version, with the reason. Since 8.9 the default `percentiles` digest keeps small sets exact and
 * interpolates at q·(n−1) (libs/tdigest `Dist.quantile` and `Dist.cdf`); the stored files hold the
 * older digest's numbers. For [1, 51, 101, 151]: p1 2.5, p5 8.5, p25 38.5, p50 76, p75 113.5, p95 143.5, p99 149.5.
 */
const FOUR_VALUES: Record<string, number> = { '1.0': 2.5, '5.0': 8.5, '25.0': 38.5, '50.0': 76, '75.0': 113.5, '95.0': 143.5, '99.0': 149.5 };
const THREE_VALUES: Record<string, number> = { '1.0': 52, '5.0': 56, '25.0': 76, '50.0': 101, '75.0': 126, '95.0': 146, '99.0': 150 };
const SINCE_8_9: Record<string, (test: string, path: string) => number | undefined> = {
  'search.aggregation/180_percentiles_tdigest_metric.yml': (test, path) => {
    if (test.startsWith('Missing')) return undefined;
    const keyed = /values\.(\d+\.0)$/.exec(path.replaceAll('\\', ''));
    if (keyed) return (test === 'Filtered test' ? THREE_VALUES : FOUR_VALUES)[keyed[1] as string];
    const listed = /values\.(\d)\.value$/.exec(path);
    return listed ? [8.5, 38.5, 76][Number(listed[1])] : undefined;
  },
  // 50 lies below the smallest of [51, 101, 151]: Dist.cdf answers 0, where the older digest answered 16.
  'search.aggregation/420_percentile_ranks_tdigest_metric.yml': (test, path) => (test === 'filtered' && path.includes('percentile_ranks') ? 0 : undefined),
};

/**
 * Some files omit the index of document APIs (the clients' harness supplies one). The runner supplies
 * this one for `index`, `get`, `delete`, `update` and `indices.delete` when none is given.
 */
const DEFAULT_INDEX = 'test';

/** REST-spec parameter names that the 9.x client spells differently. */
const RENAMED: Record<string, Record<string, string>> = {
  'ilm.put_lifecycle': { policy: 'name' },
  'ilm.get_lifecycle': { policy: 'name' },
  'ilm.delete_lifecycle': { policy: 'name' },
};

type Step = Record<string, unknown>;

/** The version the emulator claims, against which a test's `skip` and `requires` are read. */
const EMULATED = [9, 4, 0];

/**
 * The runner features a test may ask for: `allowed_warnings`, `allowed_warnings_regex` and `headers` are accepted (warnings are not
 * checked, headers not sent), `node_selector` is moot on one node. `warnings` asserts deprecation warnings, which
 * this runner does not read: such tests are skipped, as Elasticsearch's runner skips a feature it lacks.
 */
const RUNNER_FEATURES = new Set(['allowed_warnings', 'allowed_warnings_regex', 'headers', 'node_selector', 'contains', 'close_to']);

function versionOf(text: string): number[] {
  return text.trim().split('.').map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i += 1) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Whether a cluster feature holds for the emulated version: `gte_vX.Y.Z` by the version, a named feature always (9.4 has them). */
function hasFeature(feature: string): boolean {
  const gte = /^gte_v(.+)$/.exec(feature);
  return gte === null || compareVersions(EMULATED, versionOf(gte[1] as string)) >= 0;
}

/** Why a test does not apply to the emulated version (its `skip` and `requires`, as Elasticsearch's YAML runner reads them), or undefined. */
function notApplicable(steps: Step[]): string | undefined {
  for (const step of steps) {
    const [kind, raw] = Object.entries(step)[0] as [string, Record<string, unknown> | null];
    if (kind !== 'skip' && kind !== 'requires') continue;
    const spec = raw ?? {};
    const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : String(value).split(',').map((item) => item.trim()));
    const features = [...list(spec.features), ...list(spec.test_runner_features)];
    const missing = features.find((feature) => !RUNNER_FEATURES.has(feature));
    if (missing !== undefined) return `needs the runner feature ${missing}`;
    const clusterFeatures = list(spec.cluster_features);
    if (kind === 'requires' && clusterFeatures.some((feature) => !hasFeature(feature))) return String(spec.reason);
    if (kind === 'skip' && clusterFeatures.length > 0 && clusterFeatures.every(hasFeature)) return String(spec.reason);
    if (kind === 'skip' && typeof spec.version === 'string') {
      // `a - b`, with either side left out; a version holds no dash.
      const [from = '', to = ''] = spec.version === 'all' ? ['', ''] : spec.version.split('-');
      const low = from.trim() === '' ? [0, 0, 0] : versionOf(from);
      const high = to.trim() === '' ? [Infinity, 0, 0] : versionOf(to);
      if (compareVersions(EMULATED, low) >= 0 && compareVersions(EMULATED, high) <= 0) return String(spec.reason);
    }
  }
  return undefined;
}

/**
 * A `match` regular expression as Elasticsearch's runner compiles it (Java, Pattern.COMMENTS): unescaped white space
 * and `#` comments are not part of it, and `$` matches before a final line break too.
 */
function javaPattern(source: string): RegExp {
  let out = '';
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] as string;
    if (char === '\\') {
      out += char + (source[i + 1] ?? '');
      i += 1;
    } else if (char === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (char === '$') out += '(?=\\n?$)';
    else if (!/\s/.test(char)) out += char;
  }
  return new RegExp(out);
}
type Stash = Map<string, unknown>;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.yml') ? [path] : [];
  });
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function substitute(value: unknown, stash: Stash): unknown {
  if (typeof value === 'string' && value.startsWith('$')) return stash.has(value.slice(1)) ? stash.get(value.slice(1)) : value;
  if (Array.isArray(value)) return value.map((item) => substitute(item, stash));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, stash)]));
  return value;
}

function lookup(response: unknown, path: string, stash: Stash): unknown {
  if (path === '' || path === '$body') return response;
  // `\.` (and `\\.`, as some files write it) is a dot inside a key.
  const parts = path.replace(/\\+\./g, '\u0000').split('.').map((part) => part.replaceAll('\u0000', '.'));
  let node = response;
  for (const raw of parts) {
    const part = raw.startsWith('$') && stash.has(raw.slice(1)) ? String(stash.get(raw.slice(1))) : raw;
    if (node === null || node === undefined) return undefined;
    node = Array.isArray(node) && /^\d+$/.test(part) ? node[Number(part)] : (node as Record<string, unknown>)[part];
  }
  return node;
}

function isFalsy(value: unknown): boolean {
  return value === undefined || value === null || value === false || value === 0 || value === '' || value === 'false';
}

const CATCHES: Record<string, number> = { missing: 404, conflict: 409, bad_request: 400, unauthorized: 401, forbidden: 403, request_timeout: 408 };

async function run(client: Client, step: Step, stash: Stash, state: { response: unknown }, expected: (path: string) => number | undefined = () => undefined): Promise<void> {
  const [kind, spec] = Object.entries(step)[0] as [string, unknown];
  if (kind === 'skip' || kind === 'requires') return;
  if (kind === 'do') {
    const { catch: expectedError, headers: _headers, warnings: _warnings, allowed_warnings: _allowed, allowed_warnings_regex: _allowedRegex, node_selector: _selector, ...call } = spec as Record<string, unknown>;
    const [api, rawParams] = Object.entries(call)[0] as [string, Record<string, unknown> | null];
    const params = (substitute(rawParams ?? {}, stash) ?? {}) as Record<string, unknown>;
    if (['index', 'get', 'delete', 'update', 'indices.delete', 'create'].includes(api) && params.index === undefined) params.index = DEFAULT_INDEX;
    if (typeof params.body === 'string' && api !== 'bulk') params.body = JSON.parse(params.body) as unknown;
    for (const [from, to] of Object.entries(RENAMED[api] ?? {})) {
      if (from in params) {
        params[to] = params[from];
        delete params[from];
      }
    }
    const { ignore, ...rest } = params;
    const target = api.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[camel(part)], client) as ((params: unknown, options?: unknown) => Promise<unknown>) | undefined;
    if (typeof target !== 'function') throw new Error(`no client API ${api}`);
    const namespace = api.includes('.') ? (client as unknown as Record<string, unknown>)[camel(api.split('.')[0] as string)] : client;
    try {
      state.response = await target.call(namespace, rest, ignore === undefined ? undefined : { ignore: Array.isArray(ignore) ? ignore : [ignore] });
      if (expectedError !== undefined) throw new Error(`${api} was expected to fail with ${String(expectedError)}`);
    } catch (error) {
      if (expectedError === undefined) throw error;
      const status = error instanceof errors.ResponseError ? error.meta.statusCode : undefined;
      const expected = String(expectedError);
      if (expected in CATCHES) expect(status, `${api} status`).toBe(CATCHES[expected]);
      else if (expected === 'request') expect(status).toBeGreaterThanOrEqual(400);
      else if (expected.startsWith('/')) expect(JSON.stringify(error instanceof errors.ResponseError ? error.meta.body : String(error))).toMatch(new RegExp(expected.slice(1, -1)));
      state.response = error instanceof errors.ResponseError ? error.meta.body : undefined;
    }
    return;
  }
  if (kind === 'is_true' || kind === 'is_false') {
    const actual = lookup(state.response, String(spec ?? ''), stash);
    expect(isFalsy(actual), `${kind} ${String(spec)}`).toBe(kind === 'is_false');
    return;
  }
  // Whether the path holds a value that is not null (ExistsAssertion, NotExistsAssertion: false and 0 exist).
  if (kind === 'exists' || kind === 'not_exists') {
    const actual = lookup(state.response, String(spec ?? ''), stash);
    expect(actual !== undefined && actual !== null, `${kind} ${String(spec)}`).toBe(kind === 'exists');
    return;
  }
  for (const [path, expectedRaw] of Object.entries((spec ?? {}) as Record<string, unknown>)) {
    const actual = lookup(state.response, path, stash);
    const override = expected(path);
    if (override !== undefined && (kind === 'match' || kind === 'close_to')) {
      expect(actual, `${kind} ${path} (as since 8.9)`).toBeCloseTo(override, 6);
      continue;
    }
    const want = substitute(expectedRaw, stash);
    switch (kind) {
      case 'set':
        stash.set(String(expectedRaw), actual);
        break;
      case 'match':
        if (typeof want === 'string' && /^\/[\s\S]*\/$/.test(want.trim())) expect(String(actual)).toMatch(javaPattern(want.trim().slice(1, -1)));
        // The runner reads a missing key as null (ObjectPath), so `match: {x: null}` holds for an x that is not there.
        else expect(want === null && actual === undefined ? null : actual, `match ${path}`).toEqual(want);
        break;
      case 'length':
        expect(Array.isArray(actual) ? actual.length : Object.keys(actual as object).length, `length ${path}`).toBe(want);
        break;
      case 'close_to': {
        const { value, error } = want as { value: number; error: number };
        expect(Math.abs(Number(actual) - value), `close_to ${path}: ${String(actual)}`).toBeLessThanOrEqual(error);
        break;
      }
      case 'gt':
        expect(Number(actual)).toBeGreaterThan(Number(want));
        break;
      case 'gte':
        expect(Number(actual)).toBeGreaterThanOrEqual(Number(want));
        break;
      case 'lt':
        expect(Number(actual)).toBeLessThan(Number(want));
        break;
      case 'lte':
        expect(Number(actual)).toBeLessThanOrEqual(Number(want));
        break;
      case 'contains':
        expect(actual).toContainEqual(want);
        break;
      default:
        throw new Error(`unknown step ${kind}`);
    }
  }
}

/** After each test, as the clients' runners do: delete data streams, indices, templates (legacy ones too) and policies. */
async function cleanUp(client: Client): Promise<void> {
  await client.indices.deleteDataStream({ name: '*' }, { ignore: [404] });
  await client.indices.delete({ index: '*', expand_wildcards: 'all' }, { ignore: [404] });
  for (const { name } of (await client.indices.getIndexTemplate()).index_templates) await client.indices.deleteIndexTemplate({ name });
  for (const { name } of (await client.cluster.getComponentTemplate()).component_templates) await client.cluster.deleteComponentTemplate({ name });
  for (const name of Object.keys(await client.ilm.getLifecycle())) await client.ilm.deleteLifecycle({ name });
  await client.indices.deleteTemplate({ name: '*' }, { ignore: [404] });
  await client.ilm.start();
}

let emulator: ElasticsearchEmulator;
let client: Client;

beforeAll(async () => {
  emulator = await ElasticsearchEmulator.start({ port: 0 });
  client = new Client({ node: emulator.url });
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

/** A file's sections (setup, teardown, the tests) and, for those the `yaml` package could not read cleanly, its first error. */
function sectionsOf(path: string): { sections: Record<string, Step[]>; misread: Map<string, string> } {
  const sections: Record<string, Step[]> = {};
  const misread = new Map<string, string>();
  for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
    const read = document.toJS() as Record<string, Step[]> | null;
    if (read === null) continue;
    Object.assign(sections, read);
    // The package is stricter than Elasticsearch's SnakeYAML (flow collections indented less than their key): what it
    // makes of such a test may have lost its assertions, and would pass having checked nothing.
    const [error] = document.errors;
    if (error !== undefined) for (const name of Object.keys(read)) misread.set(name, error.message.split('\n')[0] ?? '');
  }
  return { sections, misread };
}

/** Every test of the YAML files under `root`, with setup and teardown, the listed ones skipped with their reason. */
function describeFiles(root: string, names: string[]): void {
  for (const file of names.filter((name) => !(name in SKIPPED))) {
    const { sections, misread } = sectionsOf(join(root, file));
    const setup = sections.setup ?? [];
    const teardown = sections.teardown ?? [];
    for (const [name, steps] of Object.entries(sections)) {
      if (name === 'setup' || name === 'teardown' || name === 'requires') continue;
      const reason = SKIPPED_TESTS[`${file}: ${name}`] ?? notApplicable(steps);
      if (reason !== undefined) continue;
      const error = misread.get(name);
      if (error !== undefined || misread.has('setup')) {
        it(`${file}: ${name}`, () => {
          throw new Error(`the \`yaml\` package does not read this test as SnakeYAML does (${error ?? misread.get('setup')}): run what it asks another way and list it in SKIPPED_TESTS`);
        });
        continue;
      }
      const expected = (path: string): number | undefined => SINCE_8_9[file]?.(name, path);
      it(`${file}: ${name}`, async () => {
        const stash: Stash = new Map();
        const state = { response: undefined as unknown };
        try {
          for (const step of [...setup, ...steps]) await run(client, step, stash, state, expected);
        } finally {
          for (const step of teardown) await run(client, step, stash, state).catch(() => undefined);
          await cleanUp(client);
        }
      });
    }
  }
}

const clientFiles = files(CLIENT_TESTS).map((path) => relative(CLIENT_TESTS, path)).sort();
const serverFiles = files(SERVER_TESTS).map((path) => relative(SERVER_TESTS, path)).sort();

describe('the clients’ YAML REST tests', () => {
  it('skips only the listed files, each with its reason', () => {
    expect(Object.keys(SKIPPED).every((file) => clientFiles.includes(file))).toBe(true);
    expect(clientFiles.length - Object.keys(SKIPPED).length).toBeGreaterThanOrEqual(63);
  });
  describeFiles(CLIENT_TESTS, clientFiles);
});

describe('Elasticsearch’s own YAML REST tests: aggregations, source filtering, stored fields, scroll, point in time, field_caps, four _cat tables', () => {
  it('skips only listed tests that exist, each with its reason', () => {
    for (const key of Object.keys(SKIPPED_TESTS)) {
      const [file = '', test = ''] = key.split(': ');
      expect(Object.keys(sectionsOf(join(SERVER_TESTS, file)).sections)).toContain(test);
    }
  });
  describeFiles(SERVER_TESTS, serverFiles);
});

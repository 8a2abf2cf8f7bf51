import type { Client } from '@elastic/elasticsearch';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { emulatorPerFile, failure } from './support/elasticsearch.js';
import { pickWith, seeded } from './support/random.js';

/**
 * The emulator refuses what Elasticsearch refuses and answers what it answers, for the classes of
 * difference found by trying it with independent clients. Each test names its source: a page of the
 * Elasticsearch reference (9.x) or the parser that raises the error.
 */

let es: Client;
let emulator: ElasticsearchEmulator;

const MAX_CONTENT_LENGTH = 64 * 1024;

emulatorPerFile((cluster) => ({ es, emulator } = cluster), { maxContentLength: MAX_CONTENT_LENGTH });

/** A raw HTTP call, so that nothing the client adds or checks hides what the server does. */
async function raw(method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': contentType } }) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The root cause of an error body: its type and reason. */
function rootCause(json: Record<string, unknown>): { type: string; reason: string } {
  const error = json.error as { root_cause?: Array<{ type: string; reason: string }> } | undefined;
  return error?.root_cause?.[0] ?? { type: '', reason: '' };
}

async function requests(): Promise<void> {
  await es.indices.create({ index: 'requests', mappings: { properties: { '@timestamp': { type: 'date' }, status: { type: 'long' }, path: { type: 'keyword' }, message: { type: 'text' }, ok: { type: 'boolean' } } } });
  await es.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'requests', _id: '1' } }, { '@timestamp': '2026-11-29T12:00:00Z', status: 200, path: '/a', message: 'first call', ok: true },
      { index: { _index: 'requests', _id: '2' } }, { '@timestamp': '2026-11-30T00:00:00Z', status: 500, path: '/b', message: 'second call', ok: false },
      { index: { _index: 'requests', _id: '3' } }, { '@timestamp': '2026-11-30T23:59:59.999Z', status: 404, path: '/c', message: 'third call', ok: true },
      { index: { _index: 'requests', _id: '4' } }, { '@timestamp': '2026-12-01T00:00:00Z', status: 200, path: '/d', message: 'fourth call', ok: true },
    ],
  });
}

function ids(hits: Array<{ _id?: string | null }>): string[] {
  return hits.map((hit) => String(hit._id)).sort();
}

describe('accepted by nothing: unknown keys and options (SearchSourceBuilder and each query parser)', () => {
  it('a misspelt top-level key is a parsing_exception naming the key, not every document', async () => {
    await requests();
    const response = await raw('POST', '/requests/_search', JSON.stringify({ querry: { match_all: {} } }));
    expect(response.status).toBe(400);
    expect(rootCause(response.json)).toEqual(expect.objectContaining({ type: 'parsing_exception', reason: 'Unknown key for a START_OBJECT in [querry].' }));
  });

  it('an unknown option of a query is refused by that query ([match] query does not support [bogus])', async () => {
    await requests();
    expect(await failure(es.search({ index: 'requests', query: { match: { message: { query: 'call', bogus: 1 } } } as never }))).toMatchObject({ status: 400, type: 'parsing_exception', reason: '[match] query does not support [bogus]' });
    expect(await failure(es.search({ index: 'requests', query: { bool: { must: [], musts: [] } } as never }))).toMatchObject({ status: 400, reason: '[bool] query does not support [musts]' });
    expect(await failure(es.search({ index: 'requests', query: { range: { status: { gte: 1, greater: 2 } } } as never }))).toMatchObject({ status: 400, reason: '[range] query does not support [greater]' });
    expect(await failure(es.search({ index: 'requests', query: { unknown_query: {} } as never }))).toMatchObject({ status: 400, reason: 'unknown query [unknown_query]' });
    // Names every JavaScript object inherits are no queries or aggregations either.
    for (const name of ['constructor', 'toString', '__proto__']) {
      const query = await raw('POST', '/requests/_search', `{"query":{"${name}":{}}}`);
      expect({ status: query.status, cause: rootCause(query.json) }).toEqual({ status: 400, cause: expect.objectContaining({ type: 'parsing_exception', reason: `unknown query [${name}]` }) });
      const aggregation = await raw('POST', '/requests/_search', `{"size":0,"aggs":{"a":{"${name}":{}}}}`);
      expect({ status: aggregation.status, cause: rootCause(aggregation.json) }).toEqual({ status: 400, cause: expect.objectContaining({ type: 'parsing_exception', reason: `Unknown aggregation type [${name}]` }) });
    }
    expect(await failure(es.search({ index: 'requests', query: { exists: {} } as never }))).toMatchObject({ status: 400, reason: '[exists] must be provided with a [field]' });
    expect(await failure(es.search({ index: 'requests', query: { match: { message: { operator: 'and' } } } as never }))).toMatchObject({ status: 400, reason: '[match] requires query value' });
  });

  it('an unknown aggregation parameter and an unknown sort option are x_content_parse_exception naming the field', async () => {
    await requests();
    expect(await failure(es.search({ index: 'requests', aggs: { by: { terms: { field: 'path', bogus: true } } } as never }))).toMatchObject({ status: 400, type: 'x_content_parse_exception', reason: '[1:1] [terms] unknown field [bogus]' });
    expect(await failure(es.search({ index: 'requests', sort: [{ status: { order: 'asc', bogus: 1 } }] as never }))).toMatchObject({ status: 400, type: 'x_content_parse_exception', reason: '[1:1] [field_sort] unknown field [bogus]' });
    expect(await failure(es.search({ index: 'requests', aggs: { r: { range: { field: 'status', ranges: [{ from: 1, too: 2 }] } } } as never }))).toMatchObject({ status: 400, reason: '[1:1] [range] unknown field [too]' });
    expect(await failure(es.search({ index: 'requests', aggs: { h: { histogram: { field: 'status', interval: 100, extended_bounds: { min: 0, maximum: 600 } } } } as never }))).toMatchObject({ status: 400, reason: '[1:1] [extended_bounds] unknown field [maximum]' });
    expect(await failure(es.search({ index: 'requests', aggs: { avg: { avg: { field: 'status' }, aggs: { inner: { max: { field: 'status' } } } } } }))).toMatchObject({ status: 400, type: 'aggregation_initialization_exception' });
  });

  it('known keys the emulator does not implement are refused, never silently ignored', async () => {
    await requests();
    expect(await failure(es.search({ index: 'requests', collapse: { field: 'path' } }))).toMatchObject({ status: 400, reason: '[collapse] is valid in Elasticsearch but not supported by the emulator' });
    expect(await failure(es.search({ index: 'requests', query: { nested: { path: 'x', query: { match_all: {} } } } }))).toMatchObject({ status: 400, reason: expect.stringContaining('not supported by the emulator') });
  });
});

describe('values that cannot be parsed for their field (the field types\u2019 termQuery/rangeQuery)', () => {
  it('a range bound "not-a-date" on a date field fails the search with parse_exception', async () => {
    await requests();
    const response = await raw('POST', '/requests/_search', JSON.stringify({ query: { range: { '@timestamp': { gte: 'not-a-date' } } } }));
    expect(response.status).toBe(400);
    expect((response.json.error as { type: string }).type).toBe('search_phase_execution_exception');
    expect(rootCause(response.json)).toEqual({ type: 'parse_exception', reason: 'failed to parse date field [not-a-date] with format [strict_date_optional_time||epoch_millis]: [failed to parse date field [not-a-date] with format [strict_date_optional_time||epoch_millis]]' });
  });

  it('"abc" on a long, in a range or a term, is a query_shard_exception caused by number_format_exception', async () => {
    await requests();
    for (const query of [{ range: { status: { gte: 'abc' } } }, { term: { status: 'abc' } }, { terms: { status: [200, 'abc'] } }, { match: { status: 'abc' } }]) {
      const response = await raw('POST', '/requests/_search', JSON.stringify({ query }));
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(rootCause(response.json)).toEqual(expect.objectContaining({ type: 'query_shard_exception', reason: 'failed to create query: For input string: "abc"' }));
    }
    expect(await failure(es.search({ index: 'requests', query: { term: { ok: 'maybe' } } }))).toMatchObject({ status: 400 });
  });

  it('lenient match and query_string over many fields still match what fits (match "lenient", query_string default_field *)', async () => {
    await requests();
    expect((await es.search({ index: 'requests', query: { match: { status: { query: 'abc', lenient: true } } } })).hits.hits).toEqual([]);
    expect(ids((await es.search({ index: 'requests', q: 'second' })).hits.hits)).toEqual(['2']);
    expect(ids((await es.search({ index: 'requests', q: '500' })).hits.hits)).toEqual(['2']);
  });
});

describe('removed in 8.x or not allowed together', () => {
  it('date_histogram `interval` is an unknown field since 8.0 (use calendar_interval or fixed_interval)', async () => {
    await requests();
    expect(await failure(es.search({ index: 'requests', aggs: { h: { date_histogram: { field: '@timestamp', interval: '1d' } } } as never }))).toMatchObject({ status: 400, type: 'x_content_parse_exception', reason: '[1:1] [date_histogram] unknown field [interval]' });
    expect(await failure(es.search({ index: 'requests', aggs: { h: { date_histogram: { field: '@timestamp', calendar_interval: '1d', fixed_interval: '1d' } } } }))).toMatchObject({ status: 400 });
  });

  it('a sort on a field no index maps needs unmapped_type (sort search results, "Ignoring unmapped fields")', async () => {
    await requests();
    const response = await raw('POST', '/requests/_search', JSON.stringify({ sort: [{ nowhere: 'asc' }] }));
    expect(response.status).toBe(400);
    expect(rootCause(response.json)).toEqual(expect.objectContaining({ type: 'query_shard_exception', reason: 'No mapping found for [nowhere] in order to sort on' }));
    const sorted = await es.search({ index: 'requests', sort: [{ nowhere: { order: 'asc', unmapped_type: 'long' } }, { status: 'asc' }] });
    expect(sorted.hits.hits.map((hit) => hit._id)).toEqual(['1', '4', '3', '2']);
  });

  it('a pattern that matches no index has no shard to fail that sort: no hits, also through a point in time', async () => {
    const response = await raw('POST', '/nothing-yet-*/_search', JSON.stringify({ sort: [{ '@timestamp': 'desc' }] }));
    expect(response).toMatchObject({ status: 200, json: { _shards: { total: 0, failed: 0 }, hits: { hits: [] } } });
    const pit = await es.openPointInTime({ index: 'nothing-yet-*', keep_alive: '1m', ignore_unavailable: true });
    const paged = await es.search({ pit: { id: pit.id, keep_alive: '1m' }, sort: [{ '@timestamp': 'desc' }], query: { range: { '@timestamp': { gte: 'now-1d' } } } });
    expect(paged.hits.hits).toEqual([]);
    await es.closePointInTime({ id: pit.id });
  });

  it('search_after with from > 0 is refused (paginate search results, "Search after")', async () => {
    await requests();
    expect(await failure(es.search({ index: 'requests', from: 1, sort: [{ status: 'asc' }], search_after: [200] }))).toMatchObject({ status: 400, type: 'action_request_validation_exception', reason: 'Validation Failed: 1: [from] parameter must be set to 0 when [search_after] is used;' });
  });

  it('size=-1 in the URL is no size, as RestSearchAction has read it since 7.13; a negative size elsewhere, or an unknown search_type, is refused', async () => {
    await requests();
    const unsized = await raw('GET', '/requests/_search?size=-1');
    expect(unsized.status).toBe(200);
    expect(((unsized.json.hits as { hits: unknown[] }).hits).length).toBeGreaterThan(0);
    expect(await raw('POST', '/requests/_search', '{"size":-1}')).toMatchObject({ status: 400, json: { error: { reason: '[size] parameter cannot be negative, found [-1]' } } });
    expect(await raw('GET', '/requests/_search?size=-5')).toMatchObject({ status: 400, json: { error: { reason: '[size] parameter cannot be negative, found [-5]' } } });
    expect(await raw('GET', '/requests/_search?search_type=query_and_fetch')).toMatchObject({ status: 400, json: { error: { reason: 'No search type for [query_and_fetch]' } } });
    expect((await raw('GET', '/requests/_search?search_type=dfs_query_then_fetch')).status).toBe(200);
  });

  it('rest_total_hits_as_int needs the total counted exactly or not at all, and one search of an _msearch that breaks it fails them all (RestSearchAction.checkRestTotalHits)', async () => {
    await requests();
    const reason = '[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got 100';
    expect(await raw('POST', '/requests/_search?rest_total_hits_as_int=true', '{"track_total_hits":100}')).toMatchObject({ status: 400, json: { error: { type: 'illegal_argument_exception', reason } } });
    for (const track of ['false', '-1', 'true', '2147483647']) expect((await raw('POST', '/requests/_search?rest_total_hits_as_int=true', `{"track_total_hits":${track}}`)).status).toBe(200);
    const lines = ['{"index":"requests"}', '{"query":{"match_all":{}}}', '{"index":"requests"}', '{"track_total_hits":100}'].join('\n');
    const multi = await raw('POST', '/_msearch?rest_total_hits_as_int=true', `${lines}\n`, 'application/x-ndjson');
    expect(multi).toMatchObject({ status: 400, json: { error: { type: 'illegal_argument_exception', reason } } });
  });

  it('a body of Content-Type text/plain, or a form, answers 406 (REST API conventions, "Content-type requirements")', async () => {
    expect(await raw('POST', '/_search', '{}', 'text/plain')).toEqual({ status: 406, json: { error: 'Content-Type header [text/plain] is not supported', status: 406 } });
    expect((await raw('PUT', '/forms/_doc/1', 'a=1', 'application/x-www-form-urlencoded')).status).toBe(406);
    expect((await raw('POST', '/_bulk', '{"index":{"_index":"ndjson"}}\n{"a":1}\n', 'application/x-ndjson')).status).toBe(200);
  });

  it('a _bulk body must end with a newline, and a required body must be there (bulk API; RestIndexAction)', async () => {
    const unterminated = await raw('POST', '/_bulk', '{"index":{"_index":"bulky"}}\n{"a":1}', 'application/x-ndjson');
    expect(unterminated.status).toBe(400);
    expect(rootCause(unterminated.json)).toEqual({ type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' });
    for (const [method, path] of [['POST', '/_bulk'], ['PUT', '/empty/_doc/1'], ['POST', '/empty/_doc'], ['POST', '/empty/_update/1'], ['PUT', '/empty/_mapping'], ['PUT', '/_index_template/empty']] as const) {
      const empty = await raw(method, path);
      expect(empty.status, `${method} ${path}`).toBe(400);
      expect(rootCause(empty.json), `${method} ${path}`).toEqual({ type: 'parse_exception', reason: 'request body is required' });
    }
    expect(rootCause((await raw('POST', '/_bulk', '{"index":{"_index":"bulky","colour":"red"}}\n{}\n', 'application/x-ndjson')).json).reason).toBe('Action/metadata line [1] contains an unknown parameter [colour]');
    expect(rootCause((await raw('POST', '/_bulk', '{"index":{"_index":"bulky"},"delete":{}}\n{}\n', 'application/x-ndjson')).json).reason).toBe('Malformed action/metadata line [1], expected END_OBJECT but found [FIELD_NAME]');
  });
});

describe('admin bodies as their parsers read them: a misspelt key fails the install (ilm/ goes to a real cluster)', () => {
  it('a mapping parameter the type has not: unknown parameter on a field mapper, unsupported parameters on an object (FieldMapper, MappingParser)', async () => {
    expect(await failure(es.indices.create({ index: 'typo', mappings: { properties: { path: { type: 'keyword', ignore_abov: 1024 } as never } } }))).toEqual({
      status: 400, type: 'mapper_parsing_exception', reason: 'Failed to parse mapping: unknown parameter [ignore_abov] on mapper [path] of type [keyword]',
    });
    // A multi-field is a mapper of its own; an object takes none of a leaf's parameters.
    expect((await failure(es.indices.create({ index: 'typo', mappings: { properties: { message: { type: 'text', fields: { raw: { type: 'keyword', doc_value: false } } } } as never } }))).reason).toBe('Failed to parse mapping: unknown parameter [doc_value] on mapper [raw] of type [keyword]');
    await es.indices.create({ index: 'mapped' });
    expect((await failure(es.indices.putMapping({ index: 'mapped', properties: { labels: { properties: { a: { type: 'long' } }, ignore_above: 5 } as never } }))).reason).toBe('Failed to parse mapping: Mapping definition for [labels] has unsupported parameters:  [ignore_above : 5]');
    // A mapping's root, and a type's name where 7.x put it (typed mappings are gone since 8.0).
    expect((await failure(es.indices.create({ index: 'typo', mappings: { propertis: { a: { type: 'long' } } } as never }))).reason).toBe('Failed to parse mapping: Root mapping definition has unsupported parameters:  [propertis : {a={type=long}}]');
    expect((await failure(es.indices.create({ index: 'typo', mappings: { _doc: { properties: {} } } as never }))).reason).toBe('Failed to parse mapping: Root mapping definition has unsupported parameters:  [_doc : {properties={}}]');
    expect(await es.indices.exists({ index: 'typo' })).toBe(false);
    // Every parameter of a type is taken: Sluice's own templates use them (ilm.test.ts installs them all).
    await es.indices.create({ index: 'params', mappings: { properties: { a: { type: 'keyword', ignore_above: 1024, doc_values: false, index: false, null_value: 'x', normalizer: 'lowercase', eager_global_ordinals: true }, b: { type: 'scaled_float', scaling_factor: 100, coerce: false, ignore_malformed: true }, c: { type: 'date', format: 'epoch_millis', locale: 'en', ignore_malformed: true }, d: { type: 'object', enabled: false }, e: { type: 'constant_keyword', value: 'v' } } } });
  });

  it('create index, index and component templates, lifecycle policies: an unknown key is refused by name (CreateIndexRequest, ObjectParser)', async () => {
    const raw = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${emulator.url}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: response.status, cause: rootCause((await response.json()) as Record<string, unknown>) };
    };
    expect(await raw('PUT', '/typo', { setings: {} })).toEqual({ status: 400, cause: { type: 'parse_exception', reason: 'unknown key [setings] for create index' } });
    expect(await raw('PUT', '/_index_template/typo', { index_patterns: ['typo-*'], templat: {} })).toEqual({ status: 400, cause: { type: 'x_content_parse_exception', reason: '[1:2] [index_template] unknown field [templat]' } });
    expect((await raw('PUT', '/_index_template/typo', { index_patterns: ['typo-*'], template: { setting: {} } })).cause.reason).toBe('[1:2] [template] unknown field [setting]');
    expect((await raw('PUT', '/_component_template/typo', { template: { mapping: {} } })).cause.reason).toBe('[1:2] [template] unknown field [mapping]');
    expect((await raw('PUT', '/_ilm/policy/typo', { policy: { phases: { hot: { actions: { rollover: { max_agee: '1d' } } } } } })).cause.reason).toBe('[1:2] [rollover] unknown field [max_agee]');
    expect((await raw('PUT', '/_ilm/policy/typo', { policy: { phases: { delete: { minimum_age: '30d', actions: { delete: {} } } } } })).cause.reason).toBe('[1:2] [phase] unknown field [minimum_age]');
    await raw('PUT', '/roll-000001', { aliases: { roll: { is_write_index: true } } });
    expect((await raw('POST', '/roll/_rollover', { conditions: { max_agee: '1d' } })).cause.reason).toBe('[1:2] [conditions] unknown field [max_agee]');
    expect((await raw('POST', '/roll/_rollover', { condition: {} })).cause.reason).toBe('[1:2] [rollover] unknown field [condition]');
    expect((await raw('POST', '/_reindex', { source: { index: 'roll' }, dest: { index: 'copy', optype: 'create' } })).cause.reason).toBe('[1:2] [dest] unknown field [optype]');
    // Alias actions: each kind's parameters; all or none, so a failing action leaves the ones before it undone.
    expect((await raw('POST', '/_aliases', { actions: [{ add: { index: 'roll-000001', alias: 'a1', filtr: {} } }] })).cause.reason).toBe('[1:2] [add] unknown field [filtr]');
    expect((await raw('POST', '/_aliases', { actions: [{ ad: { index: 'roll-000001', alias: 'a1' } }] })).cause.reason).toBe('[1:2] [alias_action] unknown field [ad]');
    expect(await raw('POST', '/_aliases', { actions: [] })).toEqual({ status: 400, cause: { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: Must specify at least one alias action;' } });
    expect((await raw('POST', '/_aliases', { actions: [{ add: { index: 'roll-000001', alias: 'a1' } }, { add: { index: 'nowhere', alias: 'a2' } }] })).status).toBe(404);
    expect(await es.indices.existsAlias({ name: 'a1' })).toBe(false);
    expect(await es.indices.exists({ index: 'roll-000002' })).toBe(false);
    // RolloverConditions: a min_* condition alone never rolls over.
    expect((await raw('PUT', '/_ilm/policy/typo', { policy: { phases: { hot: { actions: { rollover: { min_docs: 1 } } } } } })).cause).toEqual({ type: 'illegal_argument_exception', reason: 'At least one max_* rollover condition must be set.' });
    expect((await es.indices.existsIndexTemplate({ name: 'typo' }))).toBe(false);
  });

  it('an index setting Elasticsearch has not, with the names more than seven tenths alike, the most alike first (AbstractScopedSettings.validate)', async () => {
    expect(await failure(es.indices.create({ index: 'typo', settings: { 'index.lifecycle.nmae': 'sluice-logs' } }))).toEqual({
      status: 400, type: 'illegal_argument_exception', reason: 'unknown setting [index.lifecycle.nmae] did you mean any of [index.lifecycle.name, index.lifecycle.skip]?',
    });
    expect((await failure(es.indices.putIndexTemplate({ name: 'typo', index_patterns: ['typo-*'], template: { settings: { index: { foo: 1 } } } }))).reason).toBe(
      'unknown setting [index.foo] please check that any required plugins are installed, or check the breaking changes documentation for removed settings',
    );
    expect((await failure(es.cluster.putComponentTemplate({ name: 'typo', template: { settings: { refresh_intervals: '1s' } } }))).reason).toBe('unknown setting [index.refresh_intervals] did you mean [index.refresh_interval]?');
    await es.indices.create({ index: 'settled' });
    expect((await failure(es.indices.putSettings({ index: 'settled', settings: { 'index.blocks.writes': true } }))).reason).toMatch(/^unknown setting \[index\.blocks\.writes\] did you mean/);
    // Short names, nested objects, groups of free members and what GET _settings shows are all taken.
    await es.indices.create({ index: 'typo', settings: { number_of_replicas: 0, index: { mapping: { total_fields: { limit: 10 } } }, 'index.routing.allocation.include._tier_preference': 'data_hot', 'index.analysis.analyzer.mine.type': 'standard', 'index.provided_name': 'typo' } });
  });
});

describe('limits: refused with 400, never a 500 or a reset connection', () => {
  it('index.mapping.depth.limit (20, the root counting as 1) for dynamically added objects, and a lower limit set on the index', async () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 20; level += 1) deep = { [`l${level}`]: deep };
    // deep.l19 holds objects 19 deep, so its leaf sits at depth 20: allowed; one more level is not.
    expect((await es.index({ index: 'deep', id: '20', document: { ...(deep.l19 as object) } })).result).toBe('created');
    const error = await failure(es.index({ index: 'deep', id: '21', document: { x: deep } }));
    expect(error).toMatchObject({ status: 400, type: 'document_parsing_exception' });
    expect(error.reason).toMatch(/Limit of mapping depth \[20\] has been exceeded due to object field \[x\.l19\.l18/);
    await es.indices.create({ index: 'shallow', settings: { 'index.mapping.depth.limit': 2 } });
    expect((await es.index({ index: 'shallow', document: { a: { b: 1 } } })).result).toBe('created');
    expect(await failure(es.index({ index: 'shallow', document: { a: { c: { d: 1 } } } }))).toMatchObject({ status: 400, type: 'document_parsing_exception' });
  });

  it('field names Elasticsearch cannot map are refused with its words; a trailing dot is read away (DocumentParser, DotExpandingXContentParser)', async () => {
    // The names of Elasticsearch's own DocumentParserTests (testBlankFieldNames, testDotsOnlyFieldNames,
    // testDynamicFieldsEmptyName, testDynamicFieldsStartingAndEndingWithDot) and Kubernetes' managedFields `"."`.
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ '': 'foo' }, 'Field name cannot be an empty string'],
      [{ foo: { '': 'bar' } }, 'Field name cannot be an empty string'],
      [{ ' ': 1 }, 'Field name cannot contain only whitespace: [ ]'],
      [{ top: { '\u3000': 1 } }, 'Field name cannot contain only whitespace: [top.\u3000]'],
      [{ '.': 1 }, 'field name cannot contain only dots'],
      [{ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } }, 'field name cannot contain only dots'],
      [{ '..': { foo: 2 } }, 'field name cannot contain only dots'],
      [{ '.top': 1 }, "field name cannot contain only whitespace: ['.top']"],
      [{ 'top..foo': 1 }, "field name cannot contain only whitespace: ['top..foo']"],
      [{ 'top. .foo': 1 }, 'field name starting or ending with a [.] makes object resolution ambiguous: [top. .foo]'],
    ];
    for (const [document, reason] of refused) {
      const error = await failure(es.index({ index: 'names', document }));
      expect(error, JSON.stringify(document)).toMatchObject({ status: 400, type: 'document_parsing_exception' });
      expect(error.reason, JSON.stringify(document)).toContain(reason);
    }
    // Accepted: a name with spaces or a colon, and a trailing dot, which Java's split drops (elastic/elasticsearch#28948).
    expect((await es.index({ index: 'names', id: 'ok', document: { ' a ': 1, 'f:app': { 'b.': 'x' }, '\u00a0': 2 }, refresh: true })).result).toBe('created');
    const mapped = await es.indices.getMapping({ index: 'names' });
    expect(Object.keys(mapped.names?.mappings.properties ?? {}).sort()).toEqual([' a ', 'f:app', '\u00a0']);
    expect((await es.count({ index: 'names', query: { term: { 'f:app.b': 'x' } } })).count).toBe(1);
  });

  it('a field named __proto__ is a field like any other: mapped, searched, aggregated, filtered, merged and set', async () => {
    // Elasticsearch takes the name (a logged request body's prototype-pollution attempt has it); in JavaScript an
    // assignment of it sets an object's prototype, and the field is lost. Raw bodies: an object literal would lose it too.
    await raw('PUT', '/_ingest/pipeline/proto', '{"processors":[{"set":{"field":"__proto__.by","value":"pipeline"}}]}');
    expect((await raw('PUT', '/proto/_doc/1?refresh=true&pipeline=proto', '{"__proto__":{"a":1},"b":{"__proto__":"x"}}')).status).toBe(201);
    const properties = (await raw('GET', '/proto/_mapping')).json as { proto: { mappings: { properties: Record<string, unknown> } } };
    expect(JSON.stringify(properties.proto.mappings.properties)).toBe(
      '{"__proto__":{"properties":{"a":{"type":"long"},"by":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}},"b":{"properties":{"__proto__":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}}',
    );
    const search = (body: string): Promise<{ json: Record<string, any> }> => raw('POST', '/proto/_search?filter_path=hits.hits._source.__proto__,aggregations', body);
    const found = await search('{"query":{"term":{"__proto__.a":1}},"aggs":{"b":{"terms":{"field":"b.__proto__.keyword"}}}}');
    expect(JSON.stringify(found.json)).toBe('{"hits":{"hits":[{"_source":{"__proto__":{"a":1,"by":"pipeline"}}}]},"aggregations":{"b":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"x","doc_count":1}]}}}');
    expect(JSON.stringify((await raw('GET', '/proto/_doc/1?_source_includes=b.__proto__')).json._source)).toBe('{"b":{"__proto__":"x"}}');
    await raw('POST', '/proto/_update/1?refresh=true', '{"doc":{"__proto__":{"c":2}}}');
    expect(JSON.stringify((await raw('GET', '/proto/_source/1')).json)).toBe('{"__proto__":{"a":1,"by":"pipeline","c":2},"b":{"__proto__":"x"}}');
    expect((await es.count({ index: 'proto', query: { term: { '__proto__.c': 2 } } })).count).toBe(1);
  });

  it('queries nested past indices.query.max_nested_depth (30), and JSON past 1 000 levels, answer 400', async () => {
    await requests();
    let query: Record<string, unknown> = { match_all: {} };
    for (let level = 0; level < 40; level += 1) query = { bool: { must: [query] } };
    const nested = await raw('POST', '/requests/_search', JSON.stringify({ query }));
    expect(nested.status).toBe(400);
    expect(JSON.stringify(nested.json)).toContain('The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.max_nested_depth]');
    let aggs: Record<string, unknown> = { leaf: { max: { field: 'status' } } };
    for (let level = 0; level < 1_200; level += 1) aggs = { [`f${level}`]: { filter: { match_all: {} }, aggs } };
    expect((await raw('POST', '/requests/_search', JSON.stringify({ size: 0, aggs }))).status).toBe(400);
    const deepDocument = `${'{"a":'.repeat(1_500)}1${'}'.repeat(1_500)}`;
    expect((await raw('PUT', '/requests/_doc/deep', deepDocument)).status).toBe(400);
    const bulk = await raw('POST', '/_bulk', `{"index":{"_index":"requests","_id":"d"}}\n${deepDocument}\n{"index":{"_index":"requests","_id":"ok"}}\n{"status":1}\n`, 'application/x-ndjson');
    expect(bulk.status).toBe(200);
    expect((bulk.json.items as Array<{ index: { status: number } }>).map((item) => item.index.status)).toEqual([400, 201]);
  });

  it('a document that is not UTF-8 is refused: the request, or in _bulk only its own item', async () => {
    const invalid = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect((await raw('PUT', '/utf/_doc/1', invalid)).status).toBe(400);
    const body = Buffer.concat([Buffer.from('{"index":{"_index":"utf","_id":"bad"}}\n'), invalid, Buffer.from('\n{"index":{"_index":"utf","_id":"good"}}\n{"text":"caf\u00e9"}\n')]);
    const bulk = await raw('POST', '/_bulk', body, 'application/x-ndjson');
    expect(bulk.json.errors).toBe(true);
    expect((bulk.json.items as Array<{ index: { status: number; error?: { type: string } } }>).map((item) => [item.index.status, item.index.error?.type])).toEqual([[400, 'document_parsing_exception'], [201, undefined]]);
  });

  it('a chunked body over http.max_content_length gets a 413 answer, not a reset connection', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${emulator.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      const line = `{"index":{"_index":"big"}}\n{"pad":"${'x'.repeat(1000)}"}\n`;
      for (let sent = 0; sent < 2 * MAX_CONTENT_LENGTH; sent += line.length) request.write(line);
      request.end();
    });
    expect(status).toBe(413);
  });
});

describe('answers that used to differ silently', () => {
  it('date-only bounds are rounded as Elasticsearch fills missing components: lte takes the whole day, gt excludes it (range query, "Missing date components")', async () => {
    await requests();
    const search = async (range: Record<string, unknown>): Promise<string[]> => ids((await es.search({ index: 'requests', query: { range: { '@timestamp': range } } })).hits.hits);
    expect(await search({ gte: '2026-11-30', lte: '2026-11-30' })).toEqual(['2', '3']);
    expect(await search({ gt: '2026-11-29' })).toEqual(['2', '3', '4']);
    expect(await search({ gt: '2026-11-30' })).toEqual(['4']);
    expect(await search({ lt: '2026-11-30' })).toEqual(['1']);
    expect(await search({ gte: '30/11/2026', lte: '30/11/2026', format: 'dd/MM/yyyy' })).toEqual(['2', '3']);
    // With date math after ||, the anchor is read as it is and /d rounds.
    expect(await search({ lte: '2026-11-30||/d' })).toEqual(['1', '2', '3']);
    expect(await search({ lte: '2026-11-30T00:00:00' })).toEqual(['1', '2']);
  });

  it('rest_total_hits_as_int=true counts exactly past 10 000, and refuses a bounded track_total_hits', async () => {
    for (let start = 0; start < 10_050; start += 1_000) {
      await es.bulk({ operations: Array.from({ length: Math.min(1_000, 10_050 - start) }, (_, i) => [{ index: { _index: 'many' } }, { n: start + i }]).flat() });
    }
    await es.indices.refresh({ index: 'many' });
    const exact = await raw('POST', '/many/_search?rest_total_hits_as_int=true&size=0', '{}');
    expect((exact.json.hits as { total: number }).total).toBe(10_050);
    expect((await es.search({ index: 'many', size: 0 })).hits.total).toEqual({ value: 10_000, relation: 'gte' });
    expect((await raw('POST', '/many/_search?rest_total_hits_as_int=true&track_total_hits=100', '{}')).status).toBe(400);
  });

  it('fields: ["*"] and docvalue_fields return hits[].fields, dates in the field\u2019s or the asked format (retrieve selected fields)', async () => {
    await requests();
    const response = await es.search({ index: 'requests', query: { ids: { values: ['2'] } }, fields: ['*'], _source: false });
    expect(response.hits.hits[0]?.fields).toEqual({ '@timestamp': ['2026-11-30T00:00:00.000Z'], status: [500], path: ['/b'], message: ['second call'], ok: [false] });
    const docValues = await es.search({ index: 'requests', query: { ids: { values: ['2'] } }, docvalue_fields: [{ field: '@timestamp', format: 'epoch_millis' }, 'status'] });
    expect(docValues.hits.hits[0]?.fields).toEqual({ '@timestamp': [String(Date.parse('2026-11-30T00:00:00Z'))], status: [500] });
    expect(await failure(es.search({ index: 'requests', docvalue_fields: ['message'] }))).toMatchObject({ status: 400 });
    // The doc values of a text field are refused whatever else the search asks for, and even with no hit.
    expect(await failure(es.search({ index: 'requests', query: { match_none: {} }, fields: ['path'], docvalue_fields: ['mess*'] }))).toMatchObject({ status: 400 });
    expect(await failure(es.search({ index: 'requests', scroll: '1m', from: 1 }))).toMatchObject({ status: 400, reason: 'Validation Failed: 1: using [from] is not allowed in a scroll context;' });
  });

  it('exists on the metadata fields every document has finds every document; on _source it fails the shard (search/160_exists_query.yml)', async () => {
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'meta', _id: '1' } }, { a: 1 }, { index: { _index: 'meta', _id: '2' } }, {}] });
    for (const field of ['_id', '_index', '_seq_no', '_version']) expect((await es.count({ index: 'meta', query: { exists: { field } } })).count, field).toBe(2);
    expect((await es.count({ index: 'meta', query: { exists: { field: 'a' } } })).count).toBe(1);
    const error = await failure(es.search({ index: 'meta', query: { exists: { field: '_source' } } }));
    expect(error.status).toBe(400);
    const body = (await raw('POST', '/meta/_search', '{"query":{"exists":{"field":"_source"}}}')).json;
    expect(rootCause(body)).toEqual({ type: 'query_shard_exception', reason: 'Field [_source] of type [_source] does not support exists queries', index_uuid: '_na_', index: '_na_' });
  });

  it('fields with include_unmapped returns the source’s unmapped values, as Kibana’s Discover asks; a format only on dates (search/330_fetch_fields.yml)', async () => {
    await es.indices.create({ index: 'unmapped', mappings: { dynamic: false, properties: { f1: { type: 'keyword' }, f2: { type: 'object', enabled: false }, f3: { type: 'object' }, at: { type: 'date' } } } });
    await es.index({ index: 'unmapped', id: '1', document: { f1: 'some text', f2: { a: 'foo', b: ['bar', 'baz'] }, f3: { c: 'baz' }, f4: 'some other text', at: '1990-12-29T22:30:00Z' }, refresh: true });
    const fields = async (requested: unknown[]): Promise<unknown> => (await es.search({ index: 'unmapped', _source: false, fields: requested as never })).hits.hits[0]?.fields;
    expect(await fields(['f1', { field: 'f4', include_unmapped: true }])).toEqual({ f1: ['some text'], f4: ['some other text'] });
    expect(await fields([{ field: 'f*', include_unmapped: 'true' }])).toEqual({ f1: ['some text'], 'f2.a': ['foo'], 'f2.b': ['bar', 'baz'], 'f3.c': ['baz'], f4: ['some other text'] });
    // Without it, only mapped fields: the mapping's answer, not the source's.
    expect(await fields(['f*'])).toEqual({ f1: ['some text'] });
    expect(await fields([{ field: 'at', format: 'yyyy/MM/dd' }])).toEqual({ at: ['1990/12/29'] });
    const refused = await failure(es.search({ index: 'unmapped', fields: [{ field: 'f1', format: 'yyyy/MM/dd' }] }));
    expect(rootCause((await raw('POST', '/unmapped/_search', '{"fields":[{"field":"f1","format":"yyyy/MM/dd"}]}')).json)).toEqual({ type: 'illegal_argument_exception', reason: "Field [f1] of type [keyword] doesn't support formats." });
    expect(refused.status).toBe(400);
  });

  it('a mapping type Elasticsearch has and the emulator not is refused as such; an unknown one with Elasticsearch’s own reason', async () => {
    expect(await failure(es.indices.create({ index: 'typed', mappings: { properties: { payload: { type: 'binary' } } } }))).toMatchObject({ status: 400, type: 'mapper_parsing_exception', reason: 'the field type [binary] of field [payload] is valid in Elasticsearch but not supported by the emulator' });
    expect(await failure(es.indices.create({ index: 'typed', mappings: { properties: { a: { properties: { b: { type: 'bogus' } } } } } as never }))).toMatchObject({ status: 400, type: 'mapper_parsing_exception', reason: 'No handler for type [bogus] declared on field [b]' });
    expect(await es.indices.exists({ index: 'typed' })).toBe(false);
  });

  it('a _bulk delete of a missing id is not_found without making errors true (bulk API response)', async () => {
    const response = await es.bulk({ operations: [{ delete: { _index: 'gone', _id: 'none' } }] });
    expect(response.errors).toBe(false);
    expect(response.items[0]?.delete).toMatchObject({ result: 'not_found', status: 404 });
  });

  it('an auto-id write to a data stream is a create, in _bulk as in POST _doc (data streams, "Add documents")', async () => {
    await es.indices.putIndexTemplate({ name: 'logs-auto', index_patterns: ['logs-auto-*'], data_stream: {}, priority: 300 });
    const response = await es.bulk({ operations: [{ index: { _index: 'logs-auto-default' } }, { '@timestamp': '2026-11-30T10:00:00Z' }, { index: { _index: 'logs-auto-default', _id: 'x' } }, { '@timestamp': '2026-11-30T10:00:00Z' }] });
    expect(response.items.map((item) => item.index?.status)).toEqual([201, 400]);
  });

  it('dynamic mapping detects "2015/09/02" as a date with the documented format, and flattens arrays of arrays (dynamic field mapping)', async () => {
    await es.index({ index: 'dynamic', id: '1', document: { create_date: '2015/09/02', matrix: [[1, 2], [3]] }, refresh: true });
    const { properties } = (await es.indices.getMapping({ index: 'dynamic' })).dynamic?.mappings ?? {};
    expect(properties?.create_date).toEqual({ type: 'date', format: 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis' });
    expect(properties?.matrix).toEqual({ type: 'long' });
    expect(ids((await es.search({ index: 'dynamic', query: { term: { matrix: 3 } } })).hits.hits)).toEqual(['1']);
    expect(ids((await es.search({ index: 'dynamic', query: { range: { create_date: { gte: '2015/09/02', lte: '2015/09/02' } } } })).hits.hits)).toEqual(['1']);
  });
});

describe('random requests (a fixed seed): a 4xx with a reason, never a 500', () => {
  it('bodies of random keys and values to the search, aggregation, simulate, reindex, template, settings, document, analyze, explain, resize, snapshot and search template APIs', async () => {
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'docs', _id: '1' } }, { message: 'quick fox', n: 1, at: '2026-01-01T00:00:00Z', tag: 'a' }, { index: { _index: 'docs', _id: '2' } }, { message: 'lazy dog', n: 2, tag: 'b' }] });
    const draw = seeded(20261206);
    const pick = pickWith(draw);
    const keys = ['query', 'field', 'string', 'size', 'from', 'aggs', 'sort', 'fields', 'source', 'dest', 'index', 'docs', 'pipeline', 'processors', 'index_patterns', 'template', 'priority', 'composed_of', 'search_after', 'track_total_hits', 'index_filter', 'max_docs', 'conflicts', '_source', 'terms', 'match', 'bool', 'query_string', 'simple_query_string', 'range', 'regexp', 'fuzzy', 'multi_match', 'composite', 'sources', 'after', 'include', 'exclude', 'order', 'min_doc_count', 'n', 'message', 'tag', 'at', 'gte', 'value', 'fuzziness', 'slop', 'op_type', 'analyzer', 'text', 'tokenizer', 'filter', 'order', 'settings', 'mappings', 'aliases', 'shard', 'primary', 'pipeline_substitutions', 'repository', 'schedule', 'id', 'params', 'lang', 'script'];
    const value = (depth: number): unknown => {
      const kind = draw();
      if (kind < 0.2) return pick(['', 'a', 'quick', '*', 'docs', 'n', 'message', 'tag', 'at', '2026-01-01', 'AUTO', 'x:(', '/a[/', '\\', 'desc', 'now-1d', '[1 TO 2]']);
      if (kind < 0.35) return pick([0, 1, -1, 2.5, 1e20, 10001, 65537]);
      if (kind < 0.4) return pick([true, false, null]);
      if (kind < 0.6 && depth < 4) return Array.from({ length: Math.floor(draw() * 3) }, () => value(depth + 1));
      if (depth >= 4) return 'x';
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(draw() * 3) }, () => [pick(keys), value(depth + 1)]));
    };
    const routes: Array<[string, string]> = [
      ['POST', '/docs/_search'], ['POST', '/docs/_count'], ['POST', '/docs/_terms_enum'], ['POST', '/docs/_validate/query'], ['POST', '/_ingest/pipeline/_simulate'], ['POST', '/_index_template/_simulate'],
      ['POST', '/_reindex'], ['POST', '/docs/_update_by_query'], ['POST', '/docs/_delete_by_query'], ['POST', '/docs/_async_search'], ['POST', '/_mget'], ['PUT', '/_ingest/pipeline/p'], ['PUT', '/_index_template/t'],
      ['PUT', '/newidx'], ['PUT', '/docs/_settings'], ['PUT', '/_cluster/settings'], ['POST', '/docs/_field_caps'], ['POST', '/docs/_doc'], ['POST', '/docs/_update/1'], ['PUT', '/docs/_mapping'],
      ['POST', '/docs/_explain/1'], ['POST', '/docs/_analyze'], ['POST', '/_analyze'], ['PUT', '/_template/lt'], ['POST', '/_cluster/allocation/explain'], ['POST', '/_ingest/_simulate'],
      ['PUT', '/_slm/policy/p'], ['PUT', '/_snapshot/r'], ['PUT', '/docs/_clone/copy'], ['POST', '/docs/_split/more'],
      ['PUT', '/_scripts/s'], ['POST', '/_render/template'], ['POST', '/docs/_search/template'],
    ];
    const failures: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const [method, path] = pick(routes);
      const body = JSON.stringify(Object.fromEntries(Array.from({ length: 1 + Math.floor(draw() * 3) }, () => [pick(keys), value(1)])));
      const answer = await raw(method, path, body);
      if (answer.status >= 500) failures.push(`${method} ${path} ${body} → ${JSON.stringify(answer.json).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // What such draws found (seeds 3 to 6 of 6 000 requests), each a 500 before.
    const found: Array<[string, string, string]> = [
      ['POST', '/_index_template/_simulate', '{"index_patterns":[null]}'],
      ['PUT', '/_index_template/t', '{"index_patterns":["a-*"],"composed_of":[1]}'],
      ['POST', '/docs/_search', '{"_source":{"include":[["quick"],0]}}'],
      ['POST', '/_ingest/pipeline/_simulate', '{"pipeline":null,"docs":[]}'],
      ['POST', '/_ingest/pipeline/_simulate', '{"pipeline":5,"docs":[]}'],
    ];
    for (const [method, path, body] of found) expect((await raw(method, path, body)).status, `${path} ${body}`).toBe(400);
  });
});

describe('scroll and point in time, with the client\u2019s own helpers', () => {
  it('the client\u2019s scroll helper reads every document; a cleared scroll is missing (scroll API, clear scroll API)', async () => {
    await es.bulk({ refresh: true, operations: Array.from({ length: 25 }, (_, i) => [{ index: { _index: 'scrolled', _id: String(i) } }, { n: i }]).flat() });
    const seen: string[] = [];
    for await (const document of es.helpers.scrollDocuments<{ n: number }>({ index: 'scrolled', size: 10, sort: ['n'] })) seen.push(String(document.n));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    const first = await es.search({ index: 'scrolled', scroll: '1m', size: 10 });
    const id = first._scroll_id as string;
    await es.index({ index: 'scrolled', id: 'late', document: { n: 99 }, refresh: true });
    let total = first.hits.hits.length;
    for (let page = await es.scroll({ scroll_id: id, scroll: '1m' }); page.hits.hits.length > 0; page = await es.scroll({ scroll_id: id, scroll: '1m' })) total += page.hits.hits.length;
    expect(total).toBe(25);
    expect(await es.clearScroll({ scroll_id: id })).toEqual({ succeeded: true, num_freed: 1 });
    expect(await failure(es.scroll({ scroll_id: id }))).toMatchObject({ status: 404, type: 'search_context_missing_exception' });
    const body = await raw('POST', '/_search/scroll?scroll_id=wrong', JSON.stringify({ scroll_id: (await es.search({ index: 'scrolled', scroll: '1m', size: 30 }))._scroll_id }));
    expect((body.json.hits as { hits: unknown[] }).hits).toHaveLength(0);
  });

  it('scroll and point-in-time ids are URL-safe base64, as Elasticsearch writes them: a scroll id in the URL path works', async () => {
    await es.bulk({ refresh: true, operations: Array.from({ length: 3 }, (_, i) => [{ index: { _index: 'scrolled-ids', _id: String(i) } }, { n: i }]).flat() });
    // Elasticsearch encodes both with Base64.getUrlEncoder (TransportSearchHelper, SearchContextId): no `+` or `/`, which a
    // client or curl putting the id in the path (GET /_search/scroll/<id>) would break on.
    for (let i = 0; i < 20; i += 1) {
      const id = (await es.search({ index: 'scrolled-ids', scroll: '1m', size: 1 }))._scroll_id as string;
      expect(id).toMatch(/^[A-Za-z0-9_-]+=*$/);
      const page = await raw('GET', `/_search/scroll/${id}?scroll=1m`);
      expect(page.status, id).toBe(200);
      expect((page.json.hits as { hits: unknown[] }).hits).toHaveLength(1);
      expect((await raw('DELETE', `/_search/scroll/${id}`)).json).toMatchObject({ succeeded: true, num_freed: 1 });
      const { id: pit } = await es.openPointInTime({ index: 'scrolled-ids', keep_alive: '1m' });
      expect(pit).toMatch(/^[A-Za-z0-9_-]+=*$/);
      await es.closePointInTime({ id: pit });
    }
  });

  it('a point in time sees the documents of its opening, pages with search_after and the _shard_doc tiebreaker, then closes', async () => {
    await es.bulk({ refresh: true, operations: Array.from({ length: 7 }, (_, i) => [{ index: { _index: 'timed', _id: String(i) } }, { bucket: i % 2 }]).flat() });
    const { id } = await es.openPointInTime({ index: 'timed', keep_alive: '1m' });
    await es.index({ index: 'timed', id: 'after', document: { bucket: 0 }, refresh: true });
    const seen: string[] = [];
    let after: Array<string | number | null> | undefined;
    for (;;) {
      const page = await es.search({ pit: { id, keep_alive: '1m' }, size: 3, sort: [{ bucket: 'asc' }], ...(after === undefined ? {} : { search_after: after }) });
      if (page.hits.hits.length === 0) break;
      expect(page.pit_id).toBe(id);
      seen.push(...page.hits.hits.map((hit) => String(hit._id)));
      after = page.hits.hits.at(-1)?.sort as Array<string | number | null>;
      expect(after).toHaveLength(2);
    }
    expect(seen.sort()).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(await failure(es.search({ index: 'timed', pit: { id } }))).toMatchObject({ status: 400 });
    expect(await es.closePointInTime({ id })).toEqual({ succeeded: true, num_freed: 1 });
    expect(await failure(es.search({ pit: { id } }))).toMatchObject({ status: 404, type: 'search_context_missing_exception' });
  });
});

describe('field_caps, which Kibana data views are built on', () => {
  it('lists each field with its type and what it can do, metadata fields included for *', async () => {
    await requests();
    const caps = await es.fieldCaps({ index: 'requests', fields: '*' });
    expect(caps.indices).toEqual(['requests']);
    expect(caps.fields['@timestamp']).toEqual({ date: { type: 'date', metadata_field: false, searchable: true, aggregatable: true } });
    expect(caps.fields.message).toEqual({ text: { type: 'text', metadata_field: false, searchable: true, aggregatable: false } });
    expect(caps.fields._id).toEqual({ _id: { type: '_id', metadata_field: true, searchable: true, aggregatable: false } });
    expect(Object.keys((await es.fieldCaps({ index: 'requests', fields: 'p*' })).fields)).toEqual(['path']);
    expect(await failure(es.fieldCaps({ index: 'requests' }))).toMatchObject({ status: 400 });
  });
});

describe('the searched indices’ own limits (IndexSettings, as each shard checks them; search/30_limits.yml has the refusals)', () => {
  it('a window, a docvalue_fields list and a regex within an index’s raised limits are answered; past its lowered ones refused', async () => {
    await es.indices.create({ index: 'wide', settings: { 'index.max_result_window': 20_000, 'index.max_docvalue_fields_search': 200 } });
    await es.indices.create({ index: 'narrow', settings: { 'index.max_result_window': 50, 'index.max_regex_length': 5 } });
    await es.index({ index: 'wide', id: '1', document: { word: 'abcdefgh' }, refresh: true });
    // Elasticsearch's defaults (10 000 hits, 100 docvalue_fields) refuse these; the index's settings allow them.
    expect((await es.search({ index: 'wide', from: 15_000, size: 10 })).hits.hits).toEqual([]);
    expect((await es.search({ index: 'wide', docvalue_fields: Array.from({ length: 150 }, (_, i) => `f${i}`) })).hits.hits).toHaveLength(1);
    expect((await es.search({ index: 'wide', query: { regexp: { 'word.keyword': 'abc.*' } } })).hits.hits).toHaveLength(1);
    // Over several indices the lowest limit holds, as the shard of that index fails.
    expect((await failure(es.search({ index: 'wide,narrow', from: 45, size: 10 }))).reason).toContain('from + size must be less than or equal to: [50] but was [55]');
    expect((await failure(es.search({ index: 'narrow', scroll: '1m', size: 60 }))).reason).toContain('Batch size is too large, size must be less than or equal to: [50] but was [60]');
    const regex = await raw('POST', '/narrow/_search', JSON.stringify({ query: { regexp: { word: 'abcd.*' } } }));
    expect(regex.status).toBe(400);
    expect(rootCause(regex.json).reason).toContain('The length of regex [6] used in the Regexp Query request has exceeded the allowed maximum of [5]');
  });
});

describe('named queries (MatchedQueriesPhase: the query’s and the post_filter’s names, not the aggregations’)', () => {
  it('lists the names a hit matches, at a compound query’s top and in a field query’s options, with scores when asked', async () => {
    await es.bulk({ refresh: true, index: 'named', operations: [{ index: { _id: 'a' } }, { level: 'error', service: 'api' }, { index: { _id: 'b' } }, { level: 'info', service: 'api' }] });
    const body = {
      query: { bool: { _name: 'api', filter: [{ term: { 'service.keyword': 'api' } }], should: [{ match: { level: { query: 'error', _name: 'errors' } } }] } },
      post_filter: { exists: { field: 'level', _name: 'levelled' } },
      aggs: { infos: { filter: { term: { 'level.keyword': { value: 'info', _name: 'infos' } } } } },
    };
    const { hits } = await es.search({ index: 'named', ...body });
    // Elasticsearch lists them in its HashMap's order of the names: compared as sets.
    const byId = Object.fromEntries(hits.hits.map((hit) => [hit._id, [...(hit.matched_queries as string[])].sort()]));
    expect(byId).toEqual({ a: ['api', 'errors', 'levelled'], b: ['api', 'levelled'] });
    const scored = await raw('POST', '/named/_search?include_named_queries_score=true', JSON.stringify({ query: { term: { 'service.keyword': { value: 'api', _name: 'api', boost: 3 } } } }));
    expect((scored.json.hits as { hits: Array<{ matched_queries: unknown }> }).hits.map((hit) => hit.matched_queries)).toEqual([{ api: 3 }, { api: 3 }]);
    expect((await es.search({ index: 'named', query: { match_all: {} } })).hits.hits.every((hit) => hit.matched_queries === undefined)).toBe(true);
  });
});

describe('index names with date math (DateMathExpressionResolver), and closed indices as unavailable', () => {
  it('creates and finds <name-{now/d}>, its slash escaped in the path as clients send it', async () => {
    // The emulator's clock (which tests may move), read where it keeps it.
    const now = new Date(((await raw('GET', '/_emulator/clock')).json as { now: number }).now);
    const day = `${now.getUTCFullYear()}.${String(now.getUTCMonth() + 1).padStart(2, '0')}.${String(now.getUTCDate()).padStart(2, '0')}`;
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    expect((await es.indices.create({ index: '<logs-{now/d}>' })).index).toBe(`logs-${day}`);
    await es.index({ index: `logs-${day}`, id: '1', document: { a: 1 }, refresh: true });
    expect((await es.search({ index: '<logs-{now/d}>' })).hits.hits.map((hit) => hit._index)).toEqual([`logs-${day}`]);
    expect((await es.indices.create({ index: '<audit-{now/M{yyyy-MM}}>' })).index).toBe(`audit-${month}`);
    // A time zone after the format: the day as it is at UTC+12.
    const ahead = new Date(now.getTime() + 12 * 3_600_000);
    const aheadDay = `${ahead.getUTCFullYear()}.${String(ahead.getUTCMonth() + 1).padStart(2, '0')}.${String(ahead.getUTCDate()).padStart(2, '0')}`;
    expect((await es.indices.create({ index: '<zoned-{now/d{yyyy.MM.dd|+12:00}}>' })).index).toBe(`zoned-${aheadDay}`);
    const missing = await failure(es.search({ index: '<nothing-{now/d}>' }));
    expect([missing.status, missing.type, missing.reason]).toEqual([404, 'index_not_found_exception', `no such index [nothing-${day}]`]);
  });

  it('leaves a closed index out with ignore_unavailable, and reaches it by wildcard only when expand_wildcards says closed', async () => {
    await es.indices.create({ index: 'shut' });
    await es.indices.close({ index: 'shut' });
    expect((await failure(es.search({ index: 'shut' }))).type).toBe('index_closed_exception');
    expect((await es.search({ index: 'shut', ignore_unavailable: true })).hits.hits).toEqual([]);
    expect((await es.search({ index: 'shu*' })).hits.hits).toEqual([]);
    expect((await failure(es.search({ index: 'shu*', expand_wildcards: ['open', 'closed'] }))).type).toBe('index_closed_exception');
  });

  it('reaches a hidden index by wildcard only with expand_wildcards hidden or all, and a pattern as a name with none', async () => {
    await es.index({ index: 'veiled', id: '1', document: { a: 1 }, refresh: true });
    await es.indices.putSettings({ index: 'veiled', settings: { 'index.hidden': true } });
    expect((await es.search({ index: 'veil*' })).hits.hits).toEqual([]);
    expect((await es.search({ index: 'veil*', expand_wildcards: ['open', 'hidden'] })).hits.hits.map((hit) => hit._index)).toEqual(['veiled']);
    expect((await es.search({ index: 'veil*', expand_wildcards: 'all' })).hits.hits.map((hit) => hit._index)).toEqual(['veiled']);
    // Named, it is found whatever expand_wildcards says.
    expect((await es.search({ index: 'veiled', expand_wildcards: 'none' })).hits.hits).toHaveLength(1);
    // With none a pattern is no pattern but a name (IndexNameExpressionResolver), one no index has.
    const unexpanded = await failure(es.search({ index: 'veil*', expand_wildcards: 'none' }));
    expect([unexpanded.status, unexpanded.type, unexpanded.reason]).toEqual([404, 'index_not_found_exception', 'no such index [veil*]']);
  });
});

describe('terminate_after (each shard stops collecting at it; the answer says terminated_early)', () => {
  it('collects at most that many matches per index, counts and aggregates only those, and says whether it stopped', async () => {
    for (const index of ['early-a', 'early-b']) {
      await es.bulk({ refresh: true, index, operations: Array.from({ length: 5 }, (_, i) => [{ index: { _id: `${i}` } }, { n: i }]).flat() });
    }
    const stopped = await es.search({ index: 'early-*', terminate_after: 2, sort: [{ n: 'asc' }, { _index: 'asc' }], aggs: { sum: { sum: { field: 'n' } } } });
    expect(stopped.terminated_early).toBe(true);
    expect(stopped.hits.total).toEqual({ value: 4, relation: 'eq' });
    // Index order: each index's first two documents, 0 and 1.
    expect(stopped.hits.hits.map((hit) => [hit._index, hit._id])).toEqual([['early-a', '0'], ['early-b', '0'], ['early-a', '1'], ['early-b', '1']]);
    expect((stopped.aggregations?.sum as { value: number }).value).toBe(2);
    const through = await es.search({ index: 'early-*', terminate_after: 10 });
    expect([through.terminated_early, through.hits.total]).toEqual([false, { value: 10, relation: 'eq' }]);
    expect((await es.search({ index: 'early-*' })).terminated_early).toBeUndefined();
    expect((await failure(es.search({ index: 'early-*', terminate_after: -1 }))).reason).toBe('terminateAfter must be > 0');
  });
});

describe('ignored_field_values (the fields API, since 8.0)', () => {
  it('returns apart the asked fields’ values that indexing left out: the reference’s example of ignore_above, and a malformed sub-field', async () => {
    // The reference's example (Retrieve selected fields, "Ignored field values"): "bad" is over ignore_above 2.
    await es.indices.create({ index: 'my-index-000001', mappings: { properties: { 'my-small': { type: 'keyword', ignore_above: 2 }, 'my-large': { type: 'keyword' } } } });
    await es.index({ index: 'my-index-000001', id: '1', document: { 'my-small': ['ok', 'bad'], 'my-large': 'ok content' }, refresh: true });
    const [hit] = (await es.search({ index: 'my-index-000001', fields: ['my-*'], _source: false })).hits.hits;
    expect(hit?._ignored).toEqual(['my-small']);
    expect(hit?.fields).toEqual({ 'my-large': ['ok content'], 'my-small': ['ok'] });
    expect(hit?.ignored_field_values).toEqual({ 'my-small': ['bad'] });
    // Not asked for: not returned.
    expect((await es.search({ index: 'my-index-000001', fields: ['my-large'] })).hits.hits[0]?.ignored_field_values).toBeUndefined();
    expect((await es.search({ index: 'my-index-000001' })).hits.hits[0]?.ignored_field_values).toBeUndefined();
    // A sub-field's left-out value comes from its parent's source values.
    await es.indices.create({ index: 'sub-ignored', mappings: { properties: { status: { type: 'keyword', fields: { code: { type: 'long', ignore_malformed: true } } } } } });
    await es.index({ index: 'sub-ignored', id: '1', document: { status: ['200', 'teapot'] }, refresh: true });
    const [sub] = (await es.search({ index: 'sub-ignored', fields: ['status*'] })).hits.hits;
    expect(sub?.ignored_field_values).toEqual({ 'status.code': ['teapot'] });
  });
});

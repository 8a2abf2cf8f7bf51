import type { Client } from '@elastic/elasticsearch';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { matchesPattern, patternsOverlap } from '../emulators/elasticsearch/glob.js';
import { emulatorPerFile, failure } from './support/elasticsearch.js';

/**
 * The APIs operators and Kibana call beside search and indexing: the field mapping, terms enum and validate APIs,
 * the simulate APIs of ingest pipelines and index templates, and flush, force merge and clear cache. Each answer is
 * the one the Elasticsearch reference documents for that API; each refusal names what the emulator does not do.
 */

let es: Client;
let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ es, emulator } = cluster));

/** Log documents as Sluice writes them, in two indices of one data stream pattern. */
async function logs(): Promise<void> {
  const mappings = { properties: { '@timestamp': { type: 'date' as const }, service: { properties: { name: { type: 'keyword' as const } } }, message: { type: 'text' as const, fields: { keyword: { type: 'keyword' as const, ignore_above: 256 } } }, status: { type: 'long' as const }, kind: { type: 'constant_keyword' as const, value: 'access' }, client: { type: 'ip' as const } } };
  for (const index of ['logs-a', 'logs-b']) await es.indices.create({ index, mappings });
  await es.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'logs-a' } }, { '@timestamp': '2026-11-30T10:00:00Z', service: { name: 'rendiff-api' }, message: 'Job started', status: 200 },
      { index: { _index: 'logs-a' } }, { '@timestamp': '2026-11-30T10:01:00Z', service: { name: ['rendiff-worker', 'Rendiff-Beat'] }, message: 'Job done', status: 200 },
      { index: { _index: 'logs-b' } }, { '@timestamp': '2026-12-01T10:00:00Z', service: { name: 'traefik' }, message: 'GET /', status: 404 },
      { index: { _index: 'logs-b' } }, { '@timestamp': '2026-12-01T10:00:01Z', service: { name: 'rendiff-api' }, message: 'Job started', status: 500 },
    ],
  });
}

describe('the field mapping API (GET _mapping/field)', () => {
  it('answers each named leaf field by the name asked, under its own last name; sub-fields and patterns too', async () => {
    await logs();
    const one = await es.indices.getFieldMapping({ index: 'logs-a', fields: 'service.name,message.keyword,status,service,nothing' });
    expect(one).toEqual({
      'logs-a': {
        mappings: {
          'service.name': { full_name: 'service.name', mapping: { name: { type: 'keyword' } } },
          'message.keyword': { full_name: 'message.keyword', mapping: { keyword: { type: 'keyword', ignore_above: 256 } } },
          status: { full_name: 'status', mapping: { status: { type: 'long' } } },
        },
      },
    });
    // A pattern over every index; an index without the field answers an empty mapping.
    await es.indices.create({ index: 'other', mappings: { properties: { x: { type: 'keyword' } } } });
    const all = await es.indices.getFieldMapping({ fields: 'mess*' });
    expect(Object.keys(all).sort()).toEqual(['logs-a', 'logs-b', 'other']);
    expect(Object.keys(all['logs-b']?.mappings ?? {}).sort()).toEqual(['message', 'message.keyword']);
    expect(all.other).toEqual({ mappings: {} });
    expect(await failure(es.indices.getFieldMapping({ index: 'missing', fields: 'x' }))).toMatchObject({ status: 404, type: 'index_not_found_exception' });
    expect((await failure(es.indices.getFieldMapping({ index: 'logs-a', fields: 'status', include_defaults: true }))).reason).toMatch(/include_defaults.*not supported by the emulator/);
  });
});

describe('the terms enum API (_terms_enum), which Kibana\u2019s query bar asks for value suggestions', () => {
  it('lists a keyword field\u2019s terms that start with the string, in Lucene\u2019s order, at most size, after search_after', async () => {
    await logs();
    const terms = async (body: Record<string, unknown>, index = 'logs-*'): Promise<string[]> => (await es.termsEnum({ index, ...body } as never)).terms;
    expect(await terms({ field: 'service.name' })).toEqual(['Rendiff-Beat', 'rendiff-api', 'rendiff-worker', 'traefik']);
    expect(await terms({ field: 'service.name', string: 'rendiff' })).toEqual(['rendiff-api', 'rendiff-worker']);
    expect(await terms({ field: 'service.name', string: 'rendiff', case_insensitive: true })).toEqual(['Rendiff-Beat', 'rendiff-api', 'rendiff-worker']);
    expect(await terms({ field: 'service.name', size: 2 })).toEqual(['Rendiff-Beat', 'rendiff-api']);
    expect(await terms({ field: 'service.name', search_after: 'rendiff-api' })).toEqual(['rendiff-worker', 'traefik']);
    expect(await terms({ field: 'message.keyword', string: 'Job' })).toEqual(['Job done', 'Job started']);
    expect(await terms({ field: 'kind' })).toEqual(['access']);
    // Kibana sends its time filter as index_filter: an index none of whose documents is in the range is left out.
    expect(await terms({ field: 'service.name', index_filter: { range: { '@timestamp': { gte: '2026-12-01T00:00:00Z' } } } })).toEqual(['rendiff-api', 'traefik']);
    // A field whose terms the API does not list (text, numbers) answers none; an unknown field none either.
    expect(await terms({ field: 'message' })).toEqual([]);
    expect(await terms({ field: 'status' })).toEqual([]);
    expect(await terms({ field: 'nothing' })).toEqual([]);
    const answer = await es.termsEnum({ index: 'logs-a', field: 'service.name' });
    expect([answer.complete, answer._shards]).toEqual([true, { total: 1, successful: 1, failed: 0 }]);
  });

  it('refuses what TermsEnumRequest refuses, and the field types whose terms the emulator does not list', async () => {
    await logs();
    expect(await failure(es.termsEnum({ index: 'logs-a' } as never))).toMatchObject({ status: 400, type: 'action_request_validation_exception', reason: 'Validation Failed: 1: field cannot be null;' });
    expect(await failure(es.termsEnum({ index: 'logs-a', field: 'service.name', bogus: 1 } as never))).toMatchObject({ status: 400, type: 'x_content_parse_exception', reason: '[1:1] [terms_enum_request] unknown field [bogus]' });
    expect((await failure(es.termsEnum({ index: 'logs-a', field: 'client' }))).reason).toMatch(/field of type \[ip\].*not supported by the emulator/);
    expect(await failure(es.termsEnum({ index: 'missing', field: 'x' }))).toMatchObject({ status: 404, type: 'index_not_found_exception' });
  });
});

describe('the validate API (_validate/query)', () => {
  it('says whether a query parses and fits the mappings, from the body or q', async () => {
    await logs();
    expect(await es.indices.validateQuery({ index: 'logs-a', query: { term: { 'service.name': 'traefik' } } })).toMatchObject({ valid: true, _shards: { total: 1, successful: 1, failed: 0 } });
    expect((await es.indices.validateQuery({ index: 'logs-*', q: 'status:>=500 AND service.name:rendiff-api' })).valid).toBe(true);
    // An unknown query type, and a value that is not a date for a date field.
    expect((await es.indices.validateQuery({ index: 'logs-a', query: { no_such_query: {} } as never })).valid).toBe(false);
    expect((await es.indices.validateQuery({ index: 'logs-a', query: { range: { '@timestamp': { gte: 'not-a-date' } } } })).valid).toBe(false);
    expect((await failure(es.indices.validateQuery({ index: 'logs-a', explain: true, query: { match_all: {} } }))).reason).toMatch(/\[explain\].*not supported by the emulator/);
  });
});

describe('the simulate pipeline API (_ingest/pipeline/_simulate)', () => {
  const docs = [{ _index: 'logs-a', _id: '1', _source: { message: 'm', service: { name: 'api' } } }, { _source: { message: 'n' } }];

  it('runs each document through a pipeline of the body or a stored one, and answers each as it would be indexed', async () => {
    emulator.cluster.clockOffset = Date.parse('2026-12-01T10:00:00Z') - Date.now();
    try {
      const pipeline = { processors: [{ set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } }, { set: { field: 'labels.from', copy_from: 'service.name', ignore_empty_value: true } }] };
      const answer = await es.ingest.simulate({ pipeline, docs });
      const [first, second] = answer.docs as Array<{ doc: Record<string, any> }>;
      expect(first?.doc).toMatchObject({ _index: 'logs-a', _id: '1', _version: '-3', _source: { message: 'm', service: { name: 'api' }, labels: { from: 'api' } } });
      expect(Date.parse(first?.doc._source.event.ingested) - Date.parse('2026-12-01T10:00:00Z')).toBeLessThan(5_000);
      expect(first?.doc._ingest.timestamp).toBe(first?.doc._source.event.ingested);
      // `_index` and `_id` default to their own names; the empty copy is left out.
      expect(second?.doc).toMatchObject({ _index: '_index', _id: '_id', _source: { message: 'n' } });
      expect(second?.doc._source.labels).toBeUndefined();
      // The same by the stored pipeline's id; nothing is indexed.
      await es.ingest.putPipeline({ id: 'stamp', ...pipeline });
      expect(((await es.ingest.simulate({ id: 'stamp', docs })).docs[0] as { doc: Record<string, any> }).doc._source.labels).toEqual({ from: 'api' });
      expect(await es.indices.exists({ index: 'logs-a' })).toBe(false);
    } finally {
      emulator.cluster.clockOffset = 0;
    }
  });

  it('verbose shows the document after each processor, an error where one fails, and error_ignored under ignore_failure', async () => {
    const pipeline = {
      processors: [
        { set: { field: 'a', value: 1, tag: 'first' } },
        { set: { field: 'message.part', value: 'x', ignore_failure: true, description: 'a string has no fields' } },
        { set: { field: 'message.part', value: 'x' } },
        { set: { field: 'never', value: true } },
      ],
    };
    const answer = await es.ingest.simulate({ pipeline, docs: [docs[1] as never], verbose: true });
    const results = (answer.docs[0] as { processor_results: Array<Record<string, any>> }).processor_results;
    expect(results.map((result) => [result.processor_type, result.status, result.tag, result.description])).toEqual([
      ['set', 'success', 'first', undefined],
      ['set', 'error_ignored', undefined, 'a string has no fields'],
      ['set', 'error', undefined, undefined],
    ]);
    expect(results[0]?.doc).toMatchObject({ _source: { message: 'n', a: 1 }, _ingest: { pipeline: '_simulate_pipeline' } });
    expect(results[1]?.ignored_error.error.reason).toBe(results[2]?.error.reason);
    expect(results[2]?.error.reason).toMatch(/cannot set \[part\] with parent object of type \[java.lang.String\]/);
    // Without verbose, the document's error in its place.
    const plain = await es.ingest.simulate({ pipeline: { processors: [{ set: { field: 'message.part', value: 'x' } }] }, docs: [docs[1] as never] });
    expect((plain.docs[0] as { error: { type: string } }).error.type).toBe('illegal_argument_exception');
  });

  it('refuses a request without docs or a pipeline, a missing pipeline, and a processor the emulator does not run', async () => {
    expect(await failure(es.ingest.simulate({ docs } as never))).toMatchObject({ status: 400, type: 'parse_exception', reason: '[pipeline] required property is missing' });
    expect(await failure(es.ingest.simulate({ pipeline: { processors: [] } } as never))).toMatchObject({ status: 400, type: 'parse_exception', reason: '[docs] required property is missing' });
    expect(await failure(es.ingest.simulate({ pipeline: { processors: [] }, docs: [{ _id: 'x' }] } as never))).toMatchObject({ status: 400, reason: '[_source] required property is missing' });
    expect(await failure(es.ingest.simulate({ id: 'none', docs }))).toMatchObject({ status: 400, reason: 'pipeline [none] does not exist' });
    expect((await failure(es.ingest.simulate({ pipeline: { processors: [{ grok: { field: 'message', patterns: ['%{WORD}'] } }] }, docs }))).reason).toMatch(/\[grok\] processor .*not supported by the emulator/);
  });
});

describe('the simulate index template APIs', () => {
  it('_index_template/_simulate resolves a template of the body with its components, and lists the templates it overlaps', async () => {
    await es.cluster.putComponentTemplate({ name: 'ct', template: { mappings: { properties: { ct_field: { type: 'keyword' } } } } });
    await es.indices.putIndexTemplate({ name: 'existing', index_patterns: ['logs-*'], priority: 10 });
    await es.indices.putIndexTemplate({ name: 'prod', index_patterns: ['*-prod'], priority: 5 });
    await es.indices.putIndexTemplate({ name: 'metrics', index_patterns: ['metrics-*'], priority: 10 });
    const simulated = await es.indices.simulateTemplate({ index_patterns: ['logs-*-prod'], priority: 20, composed_of: ['ct'], template: { settings: { 'index.number_of_replicas': 0 }, aliases: { recent: {} } } });
    expect(simulated.template).toMatchObject({ settings: { index: { number_of_replicas: '0' } }, mappings: { properties: { ct_field: { type: 'keyword' } } }, aliases: { recent: {} } });
    expect(simulated.overlapping?.map((entry) => entry.name).sort()).toEqual(['existing', 'prod']);
    // Nothing stored: no template named `_simulate`, and none of the body's.
    expect((await es.indices.getIndexTemplate()).index_templates.map((entry) => entry.name).sort()).toEqual(['existing', 'metrics', 'prod']);
    // A stored one by its name; one that does not exist.
    expect((await es.indices.simulateTemplate({ name: 'existing' })).overlapping?.map((entry) => entry.name)).toEqual(['prod']);
    expect((await failure(es.indices.simulateTemplate({ name: 'none' }))).reason).toBe('unable to simulate template [none] that does not exist');
    // As a put: a component that does not exist is refused.
    expect((await failure(es.indices.simulateTemplate({ index_patterns: ['x-*'], composed_of: ['missing'] }))).type).toBe('invalid_index_template_exception');
  });

  it('_index_template/_simulate_index lists the other templates an index name matches', async () => {
    await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*'], priority: 10, template: { settings: { 'index.number_of_shards': 1 } } });
    await es.indices.putIndexTemplate({ name: 'prod', index_patterns: ['*-prod'], priority: 5 });
    const simulated = await es.indices.simulateIndexTemplate({ name: 'logs-api-prod' });
    expect(simulated.template.settings).toEqual({ index: { number_of_shards: '1' } });
    expect(simulated.overlapping).toEqual([{ name: 'prod', index_patterns: ['*-prod'] }]);
  });

  it('two patterns overlap exactly when some name matches both (every pair over a small alphabet)', () => {
    const patterns = ['', 'a', 'b', '*', 'a*', '*a', 'a*b', 'ab*', '*b*', 'b*a', 'aa', '**', 'a*a*'];
    const names = [''];
    for (let length = 1, last = ['']; length <= 5; length += 1) {
      last = last.flatMap((name) => [`${name}a`, `${name}b`]);
      names.push(...last);
    }
    for (const a of patterns) {
      for (const b of patterns) {
        const byNames = names.some((name) => matches(a, name) && matches(b, name));
        expect(patternsOverlap(a, b), `${a} ${b}`).toBe(byNames);
      }
    }
    function matches(pattern: string, name: string): boolean {
      return pattern === '' ? name === '' : matchesPattern(pattern, name);
    }
  });

  it('keeps templates as MetadataIndexTemplateService does: settings by their index. names as text, alias routing both ways, later field definitions replacing earlier ones', async () => {
    await es.cluster.putComponentTemplate({ name: 'ct-red', template: { settings: { number_of_shards: 1 }, mappings: { properties: { 'object.red': { type: 'keyword' } } }, aliases: { readers: { routing: 'r' } } } });
    await es.cluster.putComponentTemplate({ name: 'ct-blue', template: { mappings: { properties: { 'object.red': { type: 'text' }, 'object.blue': { type: 'long' } } } } });
    const [component] = (await es.cluster.getComponentTemplate({ name: 'ct-red' })).component_templates;
    expect(component?.component_template.template.settings).toEqual({ index: { number_of_shards: '1' } });
    expect(component?.component_template.template.aliases).toEqual({ readers: { index_routing: 'r', search_routing: 'r' } });
    // A component that is not there yet is allowed when it is listed as one that may be missing, and composes as nothing.
    await es.indices.putIndexTemplate({ name: 'composed', index_patterns: ['composed-*'], priority: 7, composed_of: ['ct-red', 'ct-later', 'ct-blue'], ignore_missing_component_templates: ['ct-later'] });
    const refused = await failure(es.indices.putIndexTemplate({ name: 'strict', index_patterns: ['strict-*'], priority: 7, composed_of: ['ct-red', 'ct-nowhere'], ignore_missing_component_templates: ['ct-later'] }));
    expect(refused.reason).toContain("specifies a missing component templates [ct-nowhere] that does not exist and is not part of 'ignore_missing_component_templates'");
    await es.indices.create({ index: 'composed-1', mappings: { properties: { object: { properties: { blue: { type: 'double' } } } } } });
    const mapping = (await es.indices.getMapping({ index: 'composed-1' }))['composed-1']?.mappings.properties?.object as { properties: Record<string, { type: string }> };
    expect(mapping.properties).toEqual({ red: { type: 'text' }, blue: { type: 'double' } });
    // A mapping update is no composition: a field still cannot change its type.
    expect((await failure(es.indices.putMapping({ index: 'composed-1', properties: { object: { properties: { blue: { type: 'keyword' } } } } }))).reason).toBe('mapper [object.blue] cannot be changed from type [double] to [keyword]');
    await es.indices.putIndexTemplate({ name: 'spare-1', index_patterns: ['spare-1-*'] });
    await es.indices.putIndexTemplate({ name: 'spare-2', index_patterns: ['spare-2-*'] });
    expect((await failure(es.indices.deleteIndexTemplate({ name: 'spare-1,spare-9' }))).reason).toBe('index_template [spare-9] missing');
    await es.indices.deleteIndexTemplate({ name: 'spare-1,spare-2' });
    expect((await es.indices.getIndexTemplate({ name: 'spare-*' })).index_templates).toEqual([]);
  });

  it('a put refuses a template of the same priority whose patterns overlap, and takes one that only looks alike', async () => {
    await es.indices.putIndexTemplate({ name: 'a', index_patterns: ['logs-*'], priority: 1 });
    expect((await failure(es.indices.putIndexTemplate({ name: 'b', index_patterns: ['*-prod'], priority: 1 }))).reason).toMatch(/matching patterns from existing templates \[a\]/);
    expect((await es.indices.putIndexTemplate({ name: 'c', index_patterns: ['metrics-*'], priority: 1 })).acknowledged).toBe(true);
  });
});

describe('flush, force merge and clear cache', () => {
  it('answer their shards; flushes are counted in _stats; the checks of their requests hold', async () => {
    await logs();
    expect(await es.indices.flush({ index: 'logs-a' })).toEqual({ _shards: { total: 2, successful: 1, failed: 0 } });
    await es.indices.flush();
    const stats = await es.indices.stats({ index: 'logs-*', metric: 'flush' });
    expect([stats.indices?.['logs-a']?.primaries?.flush?.total, stats.indices?.['logs-b']?.primaries?.flush?.total, stats._all.primaries?.flush?.total]).toEqual([2, 1, 3]);
    expect((await failure(es.indices.flush({ index: 'logs-a', force: true, wait_if_ongoing: false }))).reason).toMatch(/wait_if_ongoing must be true for a force flush/);
    expect((await es.indices.forcemerge({ index: 'logs-*', max_num_segments: 1 }))._shards).toEqual({ total: 4, successful: 2, failed: 0 });
    expect((await failure(es.indices.forcemerge({ index: 'logs-a', max_num_segments: 1, only_expunge_deletes: true }))).reason).toMatch(/mutually exclusive/);
    expect((await es.indices.clearCache({ index: 'logs-a', fielddata: true }))._shards).toEqual({ total: 2, successful: 1, failed: 0 });
    expect(await failure(es.indices.flush({ index: 'missing' }))).toMatchObject({ status: 404 });
    expect(await es.cluster.pendingTasks()).toEqual({ tasks: [] });
  });
});

describe('reindex and update by query, without scripts (reindex API, update by query API)', () => {
  it('_reindex copies what a query matches under the same ids, through a pipeline; create counts or aborts on conflicts', async () => {
    await logs();
    await es.ingest.putPipeline({ id: 'mark', processors: [{ set: { field: 'labels.reindexed', value: true } }] });
    const copied = await es.reindex({ source: { index: 'logs-*', query: { term: { 'service.name': 'rendiff-api' } }, _source: ['message', 'service'] }, dest: { index: 'copy', pipeline: 'mark' }, refresh: true });
    expect(copied).toMatchObject({ total: 2, created: 2, updated: 0, deleted: 0, batches: 1, version_conflicts: 0, failures: [] });
    const hits = (await es.search({ index: 'copy', sort: ['_doc'] })).hits.hits;
    expect(hits.map((hit) => hit._source)).toEqual([
      { message: 'Job started', service: { name: 'rendiff-api' }, labels: { reindexed: true } },
      { message: 'Job started', service: { name: 'rendiff-api' }, labels: { reindexed: true } },
    ]);
    const sourceIds = (await es.search({ index: 'logs-*', query: { term: { 'service.name': 'rendiff-api' } } })).hits.hits.map((hit) => hit._id).sort();
    expect(hits.map((hit) => hit._id).sort()).toEqual(sourceIds);
    // Again: as index, the copies are updated; as create, each is a conflict, counted with proceed.
    expect(await es.reindex({ source: { index: 'logs-*', query: { term: { 'service.name': 'rendiff-api' } } }, dest: { index: 'copy' } })).toMatchObject({ total: 2, created: 0, updated: 2 });
    expect(await es.reindex({ source: { index: 'logs-*', query: { term: { 'service.name': 'rendiff-api' } } }, dest: { index: 'copy', op_type: 'create' }, conflicts: 'proceed' })).toMatchObject({ total: 2, created: 0, version_conflicts: 2, failures: [] });
    const aborted = await failure(es.reindex({ source: { index: 'logs-*', query: { term: { 'service.name': 'rendiff-api' } } }, dest: { index: 'copy', op_type: 'create' } }));
    expect(aborted.status).toBe(409);
    // max_docs; every index of a pattern.
    expect((await es.reindex({ source: { index: 'logs-*' }, dest: { index: 'few' }, max_docs: 3 })).total).toBe(3);
  });

  it('_reindex refuses what Elasticsearch refuses and what the emulator does not do', async () => {
    await logs();
    expect((await failure(es.reindex({ source: { index: 'logs-a' }, dest: { index: 'logs-a' } }))).reason).toBe('reindex cannot write into an index its reading from [logs-a]');
    expect((await failure(es.reindex({ source: { index: 'logs-a' }, dest: {} } as never))).type).toBe('action_request_validation_exception');
    expect((await failure(es.reindex({ source: { index: 'logs-a' }, dest: { index: 'x' }, script: { source: 'ctx._source.x = 1' } }))).reason).toMatch(/\[script\].*not supported by the emulator/);
    expect((await failure(es.reindex({ source: { index: 'logs-a', remote: { host: 'http://other:9200' } }, dest: { index: 'x' } }))).reason).toMatch(/remote.*not supported/);
    expect(await failure(es.reindex({ source: { index: 'missing' }, dest: { index: 'x' } }))).toMatchObject({ status: 404, type: 'index_not_found_exception' });
    // Into a data stream only as create, as Elasticsearch requires.
    await es.indices.putIndexTemplate({ name: 'stream', index_patterns: ['logs-copy-*'], data_stream: {}, priority: 300 });
    expect((await failure(es.reindex({ source: { index: 'logs-a' }, dest: { index: 'logs-copy-default' } }))).status).toBe(400);
    expect((await es.reindex({ source: { index: 'logs-a' }, dest: { index: 'logs-copy-default', op_type: 'create' } })).created).toBe(2);
  });

  it('_update_by_query writes what matches again in place: new sub-fields become searchable, a pipeline applies', async () => {
    await es.indices.create({ index: 'grow', mappings: { properties: { route: { type: 'text' } } } });
    await es.bulk({ refresh: true, operations: ['/api/v1/jobs', '/health', '/api/v1/jobs'].flatMap((route) => [{ index: { _index: 'grow' } }, { route }]) });
    // A keyword sub-field added later is empty for the documents already there, until they are written again.
    await es.indices.putMapping({ index: 'grow', properties: { route: { type: 'text', fields: { raw: { type: 'keyword' } } } } });
    expect((await es.count({ index: 'grow', query: { term: { 'route.raw': '/api/v1/jobs' } } })).count).toBe(0);
    const updated = await es.updateByQuery({ index: 'grow', refresh: true });
    expect(updated).toMatchObject({ total: 3, updated: 3, deleted: 0, version_conflicts: 0, failures: [] });
    expect((await es.count({ index: 'grow', query: { term: { 'route.raw': '/api/v1/jobs' } } })).count).toBe(2);
    await es.ingest.putPipeline({ id: 'tag', processors: [{ set: { field: 'checked', value: 'yes' } }] });
    expect((await es.updateByQuery({ index: 'grow', pipeline: 'tag', query: { match: { route: 'health' } }, refresh: true })).updated).toBe(1);
    expect((await es.search({ index: 'grow', query: { term: { 'checked.keyword': 'yes' } } })).hits.hits.map((hit) => (hit._source as { route: string }).route)).toEqual(['/health']);
    expect((await es.get({ index: 'grow', id: (await es.search({ index: 'grow', query: { match: { route: 'health' } } })).hits.hits[0]?._id as string }))._version).toBe(3);
    expect((await failure(es.updateByQuery({ index: 'grow', script: { source: 'ctx._source.n++' } }))).reason).toMatch(/\[script\].*not supported by the emulator/);
  });
});

describe('the _cat APIs about the node, its shards and templates', () => {
  it('_cat/master, _cat/nodes and _cat/plugins name the one node; _cat/shards lists each primary started and each replica unassigned', async () => {
    await logs();
    await es.indices.create({ index: 'single', settings: { number_of_replicas: 0 } });
    const [master] = await es.cat.master({ format: 'json' });
    const [node] = await es.cat.nodes({ format: 'json' });
    expect([master?.node, master?.ip, node?.name, node?.master, node?.ip]).toEqual(['sluice-emulator-node', '127.0.0.1', 'sluice-emulator-node', '*', '127.0.0.1']);
    expect(await es.cat.plugins({ format: 'json' })).toEqual([]);
    const shards = await es.cat.shards({ format: 'json', bytes: 'b' });
    // Indices take one replica by default, as in Elasticsearch: on one node it stays unassigned.
    expect(shards.map((shard) => [shard.index, shard.prirep, shard.state, shard.docs])).toEqual([
      ['logs-a', 'p', 'STARTED', '2'],
      ['logs-a', 'r', 'UNASSIGNED', ''],
      ['logs-b', 'p', 'STARTED', '2'],
      ['logs-b', 'r', 'UNASSIGNED', ''],
      ['single', 'p', 'STARTED', '0'],
    ]);
    expect(Number(shards[0]?.store)).toBeGreaterThan(100);
    const text = (await es.cat.shards({ index: 'logs-a', v: true, h: 'index,prirep,state' })) as unknown as string;
    expect(text.split('\n')[0]?.split(/\s+/)).toEqual(['index', 'prirep', 'state']);
  });

  it('why the cluster is yellow, as operators ask it: health by index and shard, _cat/indices by health, _cat/shards with the unassigned reason', async () => {
    await logs();
    await es.indices.create({ index: 'single', settings: { number_of_replicas: 0 } });
    const health = await es.cluster.health({ level: 'shards' });
    expect(health.status).toBe('yellow');
    expect(Object.keys(health.indices ?? {})).toEqual(['logs-a', 'logs-b', 'single']);
    expect(health.indices?.['logs-a']).toEqual({
      status: 'yellow', number_of_shards: 1, number_of_replicas: 1, active_primary_shards: 1, active_shards: 1, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 1, unassigned_primary_shards: 0,
      shards: { 0: { status: 'yellow', primary_active: true, active_shards: 1, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 1, unassigned_primary_shards: 0 } },
    });
    expect((await es.cluster.health({ level: 'indices' })).indices?.single).toMatchObject({ status: 'green', unassigned_shards: 0 });
    expect((await es.cluster.health({ level: 'indices' })).indices?.single?.shards).toBeUndefined();
    expect((await es.cluster.health()).indices).toBeUndefined();
    expect(await failure(es.cluster.health({ level: 'nodes' as never }))).toMatchObject({ status: 400, reason: 'level parameter must be one of [cluster] or [indices] or [shards] but was [nodes]' });
    const yellow = (await es.cat.indices({ format: 'json', health: 'yellow', h: 'index' })) as Array<{ index: string }>;
    expect(yellow.map((row) => row.index)).toEqual(['logs-a', 'logs-b']);
    expect(((await es.cat.indices({ format: 'json', health: 'green', h: 'index' })) as Array<{ index: string }>).map((row) => row.index)).toEqual(['single']);
    expect((await failure(es.cat.indices({ health: 'blue' as never }))).reason).toBe('unknown cluster health status [blue]');
    const shards = (await es.cat.shards({ index: 'logs-a', format: 'json', h: 'index,prirep,state,unassigned.reason,unassigned.for' })) as Array<Record<string, string>>;
    expect(shards.map((row) => [row.prirep, row.state, row['unassigned.reason']])).toEqual([['p', 'STARTED', ''], ['r', 'UNASSIGNED', 'INDEX_CREATED']]);
    expect(shards[1]?.['unassigned.for']).toMatch(/^\d+(\.\d)?(ms|s|m)$/);
    const [created] = (await es.cat.indices({ index: 'single', format: 'json', h: 'creation.date,creation.date.string' })) as Array<Record<string, string>>;
    expect(new Date(created?.['creation.date.string'] ?? '').getTime()).toBe(Number(created?.['creation.date']));
  });

  it('the health report: green on a node with nothing to replicate; a replica, the flood stage block and ILM stopped each as Elasticsearch reports them', async () => {
    await es.indices.create({ index: 'single', settings: { number_of_replicas: 0 } });
    const healthy = await es.healthReport();
    expect(healthy.status).toBe('green');
    expect(Object.keys(healthy.indicators)).toEqual(['master_is_stable', 'repository_integrity', 'disk', 'shards_capacity', 'file_settings', 'shards_availability', 'data_stream_lifecycle', 'slm', 'ilm']);
    expect(healthy.indicators.shards_availability).toMatchObject({ status: 'green', symptom: 'This cluster has all shards available.', details: { started_primaries: 1, unassigned_replicas: 0 } });
    expect(healthy.indicators.ilm).toEqual({ status: 'green', symptom: 'No Index Lifecycle Management policies configured', details: { ilm_status: 'RUNNING', policies: 0, stagnating_indices: 0 } });
    const [master] = await es.cat.master({ format: 'json' });
    expect(healthy.indicators.master_is_stable?.details).toEqual({ current_master: { node_id: master?.id, name: master?.node }, recent_masters: [{ node_id: master?.id, name: master?.node }] });

    await logs();
    await es.indices.putSettings({ index: 'logs-b', settings: { 'index.blocks.read_only_allow_delete': true } });
    await es.ilm.putLifecycle({ name: 'keep', policy: { phases: { delete: { min_age: '30d', actions: { delete: {} } } } } });
    await es.ilm.stop();
    const sick = await es.healthReport();
    expect(sick.status).toBe('red');
    expect(sick.indicators.shards_availability).toEqual({
      status: 'yellow', symptom: 'This cluster has 2 unavailable replica shards.',
      details: { unassigned_primaries: 0, initializing_primaries: 0, creating_primaries: 0, restarting_primaries: 0, started_primaries: 3, unassigned_replicas: 2, initializing_replicas: 0, creating_replicas: 0, restarting_replicas: 0, started_replicas: 0 },
      impacts: [{ id: 'elasticsearch:health:shards_availability:impact:replica_unassigned', severity: 2, description: 'Searches might be slower than usual. Fewer redundant copies of the data exist on 2 indices [logs-a, logs-b].', impact_areas: ['search'] }],
      diagnosis: [expect.objectContaining({ id: 'elasticsearch:health:shards_availability:diagnosis:increase_tier_capacity_for_allocations:tier:data_content', help_url: 'https://ela.st/tier-capacity', affected_resources: { indices: ['logs-a', 'logs-b'] } })],
    });
    expect(sick.indicators.disk).toMatchObject({ status: 'red', symptom: '1 index is not allowed to be updated. The cluster is recovering and ingest capabilities should be restored within a few minutes.', details: { indices_with_readonly_block: 1 } });
    expect(sick.indicators.ilm).toMatchObject({ status: 'yellow', symptom: 'Index Lifecycle Management is not running', details: { ilm_status: 'STOPPED', policies: 1 } });
    // One indicator: no top-level status; verbose=false leaves out details and diagnosis, never the impacts.
    const brief = await es.healthReport({ feature: 'ilm', verbose: false });
    expect(brief.status).toBeUndefined();
    expect(Object.keys(brief.indicators)).toEqual(['ilm']);
    expect(Object.keys(brief.indicators.ilm ?? {})).toEqual(['status', 'symptom', 'impacts']);
    expect(await failure(es.healthReport({ feature: 'nonsense' }))).toMatchObject({ status: 404, type: 'resource_not_found_exception', reason: 'Did not find indicator nonsense' });
    await es.ilm.start();
  });

  it('remote clusters: none at first; one named in the cluster settings is listed, never connected, as a node that cannot reach it lists it', async () => {
    expect(await es.cluster.remoteInfo()).toEqual({});
    await es.cluster.putSettings({ persistent: { cluster: { remote: { archive: { seeds: ['10.0.0.1:9300', '10.0.0.2:9300'] }, edge: { mode: 'proxy', proxy_address: 'edge.example:9400', skip_unavailable: false } } } } });
    expect(await es.cluster.remoteInfo()).toEqual({
      archive: { connected: false, mode: 'sniff', seeds: ['10.0.0.1:9300', '10.0.0.2:9300'], num_nodes_connected: 0, max_connections_per_cluster: 3, initial_connect_timeout: '30s', skip_unavailable: true },
      edge: { connected: false, mode: 'proxy', proxy_address: 'edge.example:9400', server_name: '', num_proxy_sockets_connected: 0, max_proxy_socket_connections: 18, initial_connect_timeout: '30s', skip_unavailable: false },
    });
    await es.cluster.putSettings({ persistent: { 'cluster.remote.archive.seeds': null, 'cluster.remote.edge.mode': null, 'cluster.remote.edge.proxy_address': null, 'cluster.remote.edge.skip_unavailable': null } });
    expect(await es.cluster.remoteInfo()).toEqual({});
  });

  it('hot threads as text with HotThreads\u2019 header, secure settings reloaded by every node, node usage refused by name', async () => {
    const text = (await es.nodes.hotThreads({ type: 'cpu', threads: 5 })) as unknown as string;
    const [master] = await es.cat.master({ format: 'json' });
    expect(text.split('\n')[0]).toMatch(new RegExp(`^::: \\{sluice-emulator-node\\}\\{${master?.id}\\}`));
    expect(text.split('\n')[1]).toMatch(/^ {3}Hot threads at \d{4}-\d\d-\d\dT[\d:.]+Z, interval=500ms, busiestThreads=5, ignoreIdleThreads=true:$/);
    expect(await failure(es.nodes.hotThreads({ type: 'gpu' as never }))).toMatchObject({ status: 400, reason: 'type not supported [gpu]' });
    const reloaded = await es.nodes.reloadSecureSettings();
    expect(reloaded._nodes).toEqual({ total: 1, successful: 1, failed: 0 });
    expect(Object.values(reloaded.nodes)).toEqual([{ name: 'sluice-emulator-node' }]);
    expect((await failure(es.nodes.usage())).reason).toBe('the [_nodes/usage] API is valid in Elasticsearch but not supported by the emulator');
  });

  it('an alias of time-based indices migrated to a data stream, then its backing indices modified, as MetadataMigrateToDataStreamService and MetadataDataStreamsService do', async () => {
    for (const [index, day] of [['app-000001', '2026-11-01'], ['app-000002', '2026-11-02']] as const) {
      await es.index({ index, document: { '@timestamp': `${day}T10:00:00Z`, message: index }, refresh: true });
    }
    await es.indices.updateAliases({ actions: [{ add: { index: 'app-000001', alias: 'app', is_write_index: false } }, { add: { index: 'app-000002', alias: 'app', is_write_index: true } }] });
    expect((await failure(es.indices.migrateToDataStream({ name: 'app' }))).reason).toBe('no matching index template found for data stream [app]');
    await es.indices.putIndexTemplate({ name: 'app', index_patterns: ['app*'], data_stream: {}, priority: 100 });
    expect((await failure(es.indices.migrateToDataStream({ name: 'nothing' }))).reason).toBe('alias [nothing] does not exist');
    expect((await es.indices.migrateToDataStream({ name: 'app' })).acknowledged).toBe(true);
    const [stream] = (await es.indices.getDataStream({ name: 'app' })).data_streams;
    expect(stream?.indices.map((index) => index.index_name)).toEqual(['app-000001', 'app-000002']);
    expect(stream?.generation).toBe(1);
    expect(await es.indices.existsAlias({ name: 'app' })).toBe(false);
    expect((await es.indices.getSettings({ index: 'app-000001', flat_settings: true }))['app-000001']?.settings?.['index.hidden']).toBe('true');
    expect((await es.count({ index: 'app' })).count).toBe(2);
    const written = await es.index({ index: 'app', op_type: 'create', document: { '@timestamp': '2026-11-03T10:00:00Z', message: 'new' } });
    expect(written._index).toBe('app-000002');
    expect((await es.indices.rollover({ alias: 'app' })).new_index).toMatch(/^\.ds-app-\d{4}\.\d\d\.\d\d-000002$/);

    // Backing indices added (at the front) and removed (visible again); the write index stays.
    await es.index({ index: 'archive-app', document: { '@timestamp': '2026-10-01T10:00:00Z', message: 'old' }, refresh: true });
    await es.indices.modifyDataStream({ actions: [{ add_backing_index: { data_stream: 'app', index: 'archive-app' } }] });
    const names = async (): Promise<string[]> => ((await es.indices.getDataStream({ name: 'app' })).data_streams[0]?.indices ?? []).map((index) => index.index_name);
    expect((await names())[0]).toBe('archive-app');
    expect((await es.count({ index: 'app', query: { term: { message: 'old' } } })).count).toBe(1);
    await es.indices.modifyDataStream({ actions: [{ remove_backing_index: { data_stream: 'app', index: 'app-000001' } }] });
    expect(await names()).not.toContain('app-000001');
    expect((await es.indices.getSettings({ index: 'app-000001', flat_settings: true }))['app-000001']?.settings?.['index.hidden']).toBe('false');
    const write = (await names()).at(-1) as string;
    expect((await failure(es.indices.modifyDataStream({ actions: [{ remove_backing_index: { data_stream: 'app', index: write } }] }))).reason).toBe(`cannot remove backing index [${write}] of data stream [app] because it is the write index`);
    // All or nothing: the first action is undone when the second fails.
    const before = await names();
    const refused = await failure(es.indices.modifyDataStream({ actions: [{ add_backing_index: { data_stream: 'app', index: 'app-000001' } }, { add_backing_index: { data_stream: 'nope', index: 'app-000001' } }] }));
    expect(refused).toMatchObject({ status: 400, reason: 'data stream [nope] not found' });
    expect(await names()).toEqual(before);
    expect((await es.indices.getSettings({ index: 'app-000001', flat_settings: true }))['app-000001']?.settings?.['index.hidden']).toBe('false');
    await es.indices.create({ index: 'aliased', aliases: { other: {} }, mappings: { properties: { '@timestamp': { type: 'date' } } } });
    expect((await failure(es.indices.modifyDataStream({ actions: [{ add_backing_index: { data_stream: 'app', index: 'aliased' } }] }))).reason).toBe('cannot add index [aliased] to data stream [app] until its alias(es) [other] are removed');
  });

  it('a migration is refused whole when an index cannot become a backing index: filtered alias, other aliases, @timestamp not a date', async () => {
    await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['legacy*'], data_stream: {}, priority: 100 });
    await es.indices.create({ index: 'legacy-1', mappings: { properties: { '@timestamp': { type: 'date' } } }, aliases: { legacy: { filter: { term: { level: 'error' } } } } });
    expect((await failure(es.indices.migrateToDataStream({ name: 'legacy' }))).reason).toBe('alias [legacy] may not have custom filtering or routing');
    await es.indices.deleteAlias({ index: 'legacy-1', name: 'legacy' });
    await es.indices.create({ index: 'legacy-2', mappings: { properties: { '@timestamp': { type: 'keyword' } } } });
    await es.indices.updateAliases({ actions: [{ add: { index: 'legacy-1', alias: 'legacy' } }, { add: { index: 'legacy-2', alias: 'legacy', is_write_index: true } }] });
    expect((await failure(es.indices.migrateToDataStream({ name: 'legacy' }))).reason).toBe('mapper [@timestamp] cannot be changed from type [keyword] to [date]');
    // Nothing changed: the first index is neither hidden nor taken from its alias.
    expect((await es.indices.getSettings({ index: 'legacy-1', flat_settings: true }))['legacy-1']?.settings?.['index.hidden']).toBeUndefined();
    expect(await es.indices.existsAlias({ name: 'legacy' })).toBe(true);
    await es.indices.putAlias({ index: 'legacy-1', name: 'elsewhere' });
    expect((await failure(es.indices.migrateToDataStream({ name: 'legacy' }))).reason).toBe('other aliases referencing indices [legacy-1] must be removed before migrating to a data stream');
  });

  it('_cat tables as RestTable renders them: s orders by value, h expands wildcards and leaves out unknown names, time converts durations, an Accept of JSON', async () => {
    // Ten documents in one index and two in another: by text "10" sorts before "2", by value after.
    await es.bulk({ refresh: true, operations: Array.from({ length: 10 }, (_, i) => [{ index: { _index: 'many' } }, { n: i }]).flat() });
    await logs();
    const order = async (s: string): Promise<string[]> => ((await es.cat.indices({ format: 'json', h: 'index', s })) as Array<{ index: string }>).map((row) => row.index);
    expect(await order('docs.count:desc,index')).toEqual(['many', 'logs-a', 'logs-b']);
    expect(await order('docs.count,index:desc')).toEqual(['logs-b', 'logs-a', 'many']);
    // Byte sizes by their bytes, whether shown as bytes or in human form.
    const sizes = ((await es.cat.indices({ format: 'json', h: 'index,store.size', bytes: 'b', s: 'store.size:desc' })) as Array<Record<string, string>>).map((row) => Number(row['store.size']));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(await order('store.size:desc')).toEqual(((await es.cat.indices({ format: 'json', h: 'index', bytes: 'b', s: 'store.size:desc' })) as Array<{ index: string }>).map((row) => row.index));
    expect(await failure(es.cat.indices({ s: 'bogus' }))).toMatchObject({ status: 500, type: 'unsupported_operation_exception', reason: 'Unable to sort by unknown sort key `bogus`' });
    const [columns] = (await es.cat.indices({ index: 'many', format: 'json', h: 'index,docs.*,nonsense' })) as Array<Record<string, string>>;
    expect(columns).toEqual({ index: 'many', 'docs.count': '10', 'docs.deleted': '0' });
    const [node] = (await es.cat.nodes({ format: 'json', h: 'id,uptime,heap.max,file_desc.max', full_id: true, time: 'ms', bytes: 'b' })) as Array<Record<string, string>>;
    const [master] = await es.cat.master({ format: 'json' });
    expect(node?.id).toBe(master?.id);
    expect(node?.id).toMatch(/^[\w-]{20,}$/);
    expect(Number(node?.uptime)).toBeGreaterThan(0);
    expect(Number(node?.['heap.max'])).toBeGreaterThan(1024 * 1024);
    expect(Number(node?.['file_desc.max'])).toBeGreaterThan(0);
    expect((await es.cat.nodes({ format: 'json', h: 'id' }))[0]?.id).toHaveLength(4);
    expect((await es.cat.nodes({ format: 'json', h: 'uptime' }))[0]?.uptime).toMatch(/^\d+(\.\d)?(ms|s|m|h|d)$/);
    // Default columns: RestNodesAction's, not every column the table has.
    expect(Object.keys((await es.cat.nodes({ format: 'json' }))[0] ?? {})).toEqual(['ip', 'heap.percent', 'ram.percent', 'cpu', 'load_1m', 'load_5m', 'load_15m', 'node.role', 'master', 'name']);
    const asJson = await fetch(`${emulator.url}/_cat/indices/many?h=index`, { headers: { accept: 'application/json' } });
    expect(await asJson.json()).toEqual([{ index: 'many' }]);
    // A list of media types, as the official clients send, is a media range: text.
    expect(await (await fetch(`${emulator.url}/_cat/indices/many?h=index`, { headers: { accept: 'application/json, text/plain' } })).text()).toBe('many\n');
  });

  it('_cat columns by their short names in h and s, shown under the name asked; help lists each column; an alias\u2019s routing', async () => {
    // Operators' forms: `h=i,dc,ss&s=dc:desc`, `_cat/thread_pool?h=nn,n,a,q,r`, `_cat/nodes?h=n,hp,rp,l`.
    await es.bulk({ refresh: true, operations: Array.from({ length: 3 }, () => [{ index: { _index: 'three' } }, { n: 1 }]).flat() });
    await es.indices.create({ index: 'none' });
    expect(await es.cat.indices({ format: 'json', h: 'i,dc', s: 'dc:desc' })).toEqual([{ i: 'three', dc: '3' }, { i: 'none', dc: '0' }]);
    // Counts are right-aligned, as RestTable pads them; the last column is not padded on the right.
    expect(await es.cat.indices({ h: 'i,dc', s: 'i', v: true })).toBe('i     dc\nnone   0\nthree  3\n');
    expect(await es.cat.indices({ h: 'dc,i', s: 'i' })).toBe('0 none\n3 three\n');
    expect(Object.keys((await es.cat.threadPool({ thread_pool_patterns: 'write', format: 'json', h: 'nn,n,a,q,r,qs' }))[0] ?? {})).toEqual(['nn', 'n', 'a', 'q', 'r', 'qs']);
    // A scaling pool's queue is unbounded (-1) and its idle threads kept 5 minutes; a fixed pool's keep no keep-alive.
    expect(await es.cat.threadPool({ thread_pool_patterns: 'flush,write', format: 'json', h: 'n,t,qs,mi,ma,ka' })).toMatchObject([{ n: 'flush', t: 'scaling', qs: '-1', mi: '1', ka: '5m' }, { n: 'write', t: 'fixed', qs: '10000', ka: '' }]);
    // `l` is the short name of all three load averages: the last column that has it answers, as RestTable's loop leaves it.
    const [node] = (await es.cat.nodes({ format: 'json', h: 'n,hp,l' })) as Array<Record<string, string>>;
    expect(Object.keys(node ?? {})).toEqual(['n', 'hp', 'l']);
    // Compared within one answer: the machine's load average moves between two (a flake seen once).
    const [loads] = (await es.cat.nodes({ format: 'json', h: 'l,load_1m,load_15m' })) as Array<Record<string, string>>;
    expect(loads?.l).toBe(loads?.load_15m);
    expect(node?.l).toMatch(/^\d+\.\d\d$/);
    // A wildcard matches names and short names, and shows the names.
    expect(Object.keys((await es.cat.health({ format: 'json', h: 'unassign*' }))[0] ?? {})).toEqual(['unassign', 'unassign.pri']);
    // ts=false leaves the time columns out, asked for or not.
    expect(Object.keys((await es.cat.health({ format: 'json', ts: false }))[0] ?? {})[0]).toBe('cluster');
    expect(await (await fetch(`${emulator.url}/_cat/count?h=epoch,count&ts=false`)).text()).toMatch(/^\d+\n$/);
    const help = (await es.cat.indices({ help: true })) as unknown as string;
    expect(help.split('\n')[2]).toMatch(/^index +\| i,idx +\| index name *$/);
    expect(help).toContain('creation.date.string | cds');
    await es.indices.putAlias({ index: 'three', name: 'routed', routing: '1' });
    await es.indices.putAlias({ index: 'three', name: 'split', index_routing: 'ir', search_routing: 'sr1,sr2' });
    expect((await es.indices.getAlias({ index: 'three' })).three?.aliases).toEqual({ routed: { index_routing: '1', search_routing: '1' }, split: { index_routing: 'ir', search_routing: 'sr1,sr2' } });
    expect(await es.cat.aliases({ name: 'split', h: 'a,ri,rs' })).toBe('split ir sr1,sr2\n');
    // The tables of recoveries, segments and tasks too.
    expect(await es.cat.recovery({ index: 'three', format: 'json', h: 'i,ty,st' })).toEqual([{ i: 'three', ty: 'empty_store', st: 'done' }]);
    expect(await es.cat.segments({ index: 'three', format: 'json', h: 'i,seg,dc' })).toEqual([{ i: 'three', seg: '_0', dc: '3' }]);
    expect(Object.keys((await es.cat.tasks({ format: 'json', h: 'ac,ti,n' }))[0] ?? {})).toEqual(['ac', 'ti', 'n']);
  });

  it('_cat/templates lists the index templates with their patterns, priority, version and components', async () => {
    await es.cluster.putComponentTemplate({ name: 'settings', template: { settings: { number_of_replicas: 0 } } });
    await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*-*'], priority: 200, version: 3, composed_of: ['settings'], data_stream: {} });
    await es.indices.putIndexTemplate({ name: 'other', index_patterns: ['other-*', 'more-*'] });
    expect(await es.cat.templates({ format: 'json' })).toEqual([
      { name: 'logs', index_patterns: '[logs-*-*]', order: '200', version: '3', composed_of: '[settings]' },
      { name: 'other', index_patterns: '[other-*, more-*]', order: '0', version: '', composed_of: '[]' },
    ]);
    expect((await es.cat.templates({ name: 'lo*', format: 'json' })).map((row) => row.name)).toEqual(['logs']);
  });
});

describe('what Kibana asks first: node info and async search', () => {
  it('_nodes answers the node\u2019s version, HTTP address and ip, which Kibana checks against its own version before it starts', async () => {
    const response = await fetch(`${emulator.url}/_nodes?filter_path=nodes.*.version,nodes.*.http.publish_address,nodes.*.ip`);
    const nodes = Object.values(((await response.json()) as { nodes: Record<string, unknown> }).nodes);
    expect(nodes).toEqual([{ version: (await es.info()).version.number, http: { publish_address: emulator.url.replace('http://', '') }, ip: '127.0.0.1' }]);
    const info = await es.nodes.info({ node_id: '_local' });
    expect(Object.values(info.nodes)[0]?.roles).toContain('data');
    // The processors a pipeline may use: only `set` here, so a client that needs geoip learns it before it sends one.
    const ingest = await es.nodes.info({ metric: 'ingest', filter_path: 'nodes.*.ingest.processors' });
    expect(Object.values(ingest.nodes).map((node) => node.ingest?.processors)).toEqual([[{ type: 'set' }]]);
    expect(Object.values((await es.nodes.info({ metric: 'plugins' })).nodes)[0]?.plugins).toEqual([]);
    // Metrics choose the sections, whether after the nodes or alone; the identity is always there.
    const sections = async (path: string): Promise<string[]> => Object.keys(Object.values(((await (await fetch(`${emulator.url}${path}`)).json()) as { nodes: Record<string, object> }).nodes)[0] ?? {});
    expect(await sections('/_nodes/ingest')).toEqual(['name', 'transport_address', 'host', 'ip', 'version', 'build_flavor', 'build_type', 'build_hash', 'roles', 'attributes', 'ingest']);
    expect(await sections('/_nodes/_local/http,os')).toEqual(expect.arrayContaining(['http', 'os']));
    expect(await sections('/_nodes/_local/http,os')).not.toContain('ingest');
    expect(await sections('/_nodes/_local')).toEqual(expect.arrayContaining(['http', 'os', 'process', 'ingest', 'plugins', 'modules']));
    const misspelt = await fetch(`${emulator.url}/_nodes/_local/ingset`);
    expect(misspelt.status).toBe(400);
    expect(((await misspelt.json()) as { error: { reason: string } }).error.reason).toBe('request [/_nodes/_local/ingset] contains unrecognized metric: [ingset] -> did you mean [ingest]?');
  });

  it('_async_search answers a search complete; kept with keep_on_completion for GET, status and DELETE, then gone', async () => {
    await logs();
    const search = { index: 'logs-*', size: 0, track_total_hits: true, aggs: { services: { terms: { field: 'service.name' } } } };
    const quick = await es.asyncSearch.submit({ ...search, wait_for_completion_timeout: '200ms', keep_on_completion: false });
    expect([quick.id, quick.is_partial, quick.is_running, (quick.response.hits.total as { value: number }).value]).toEqual([undefined, false, false, 4]);
    expect((quick.response.aggregations?.services as { buckets: Array<{ key: string; doc_count: number }> }).buckets[0]).toEqual({ key: 'rendiff-api', doc_count: 2 });
    const kept = await es.asyncSearch.submit({ ...search, keep_on_completion: true, keep_alive: '1m' });
    expect(typeof kept.id).toBe('string');
    expect(kept.expiration_time_in_millis - kept.start_time_in_millis).toBeGreaterThanOrEqual(59_000);
    const again = await es.asyncSearch.get({ id: kept.id as string });
    expect([again.id, (again.response.hits.total as { value: number }).value]).toEqual([kept.id, 4]);
    expect(await es.asyncSearch.status({ id: kept.id as string })).toMatchObject({ id: kept.id, is_running: false, is_partial: false, completion_status: 200 });
    expect(await es.asyncSearch.delete({ id: kept.id as string })).toEqual({ acknowledged: true });
    expect(await failure(es.asyncSearch.get({ id: kept.id as string }))).toMatchObject({ status: 404, type: 'resource_not_found_exception' });
    // What a search refuses, an async search refuses too.
    expect(await failure(es.asyncSearch.submit({ index: 'logs-*', query: { bogus: {} } as never }))).toMatchObject({ status: 400, type: 'parsing_exception' });
  });
});

describe('index blocks (add and remove index block APIs, index.blocks.* settings)', () => {
  it('write and read_only refuse every write with 403; the disk flood stage\u2019s read_only_allow_delete answers 429 but deletes', async () => {
    await logs();
    const [first] = (await es.search({ index: 'logs-a', size: 1 })).hits.hits;
    const write = (): Promise<unknown> => es.index({ index: 'logs-a', document: { message: 'late' } });
    expect(await es.indices.addBlock({ index: 'logs-a', block: 'write' })).toMatchObject({ acknowledged: true, indices: [{ name: 'logs-a', blocked: true }] });
    expect(await failure(write())).toEqual({ status: 403, type: 'cluster_block_exception', reason: 'index [logs-a] blocked by: [FORBIDDEN/8/index write (api)];' });
    expect((await failure(es.delete({ index: 'logs-a', id: first?._id as string }))).status).toBe(403);
    await fetch(`${emulator.url}/logs-a/_block/write`, { method: 'DELETE' });
    expect((await es.index({ index: 'logs-a', document: { message: 'late' } })).result).toBe('created');
    // Flood stage: a bulk's items are answered 429 (a client retries them), a delete still goes through.
    await es.indices.putSettings({ index: 'logs-a', settings: { 'index.blocks.read_only_allow_delete': true } });
    const bulk = await es.bulk({ operations: [{ create: { _index: 'logs-a' } }, { message: 'x' }, { delete: { _index: 'logs-a', _id: first?._id as string } }] });
    expect(bulk.items.map((item) => Object.values(item)[0]?.status)).toEqual([429, 200]);
    expect(bulk.items[0]?.create?.error?.reason).toMatch(/read-only-allow-delete block/);
    await es.indices.putSettings({ index: 'logs-a', settings: { 'index.blocks.read_only_allow_delete': null } });
    expect((await es.bulk({ operations: [{ create: { _index: 'logs-a' } }, { message: 'x' }] })).errors).toBe(false);
  });

  it('a null resets an index setting and a cluster setting, as an operator lifts the flood stage\u2019s block', async () => {
    await logs();
    await es.indices.putSettings({ index: 'logs-a', settings: { index: { blocks: { read_only_allow_delete: true } }, refresh_interval: '5s' } });
    await es.indices.putSettings({ index: 'logs-a', settings: { 'index.blocks.read_only_allow_delete': null } });
    const settings = (await es.indices.getSettings({ index: 'logs-a', flat_settings: true }))['logs-a']?.settings as Record<string, unknown>;
    expect([settings['index.blocks.read_only_allow_delete'], settings['index.refresh_interval']]).toEqual([undefined, '5s']);
    await es.cluster.putSettings({ persistent: { 'indices.lifecycle.poll_interval': '1m' } });
    await es.cluster.putSettings({ persistent: { 'indices.lifecycle.poll_interval': null } });
    expect((await es.cluster.getSettings()).persistent).toEqual({});
  });

  it('a read block refuses searches and reads by id (get, _source, an _mget item); an unknown block is refused', async () => {
    await logs();
    const [id] = (await es.search({ index: 'logs-b' })).hits.hits.map((hit) => hit._id as string);
    await es.indices.addBlock({ index: 'logs-b', block: 'read' });
    const blocked = { status: 403, type: 'cluster_block_exception', reason: 'index [logs-b] blocked by: [FORBIDDEN/7/index read (api)];' };
    expect(await failure(es.search({ index: 'logs-b' }))).toMatchObject(blocked);
    expect(await failure(es.get({ index: 'logs-b', id: id as string }))).toMatchObject(blocked);
    expect(await failure(es.getSource({ index: 'logs-b', id: id as string }))).toMatchObject(blocked);
    expect((await es.mget({ docs: [{ _index: 'logs-b', _id: id as string }] })).docs[0]).toMatchObject({ error: { type: 'cluster_block_exception' } });
    // What reads the index before it writes fails as its search would, and so changes nothing.
    expect(await failure(es.deleteByQuery({ index: 'logs-b', query: { match_all: {} } }))).toMatchObject(blocked);
    expect(await failure(es.updateByQuery({ index: 'logs-b' }))).toMatchObject(blocked);
    expect(await failure(es.reindex({ source: { index: 'logs-b' }, dest: { index: 'copy' } }))).toMatchObject(blocked);
    expect(await failure(es.termsEnum({ index: 'logs-b', field: 'message' }))).toMatchObject(blocked);
    expect(await failure(es.indices.validateQuery({ index: 'logs-b', query: { match_all: {} } }))).toMatchObject(blocked);
    await es.indices.removeBlock({ index: 'logs-b', block: 'read' });
    expect((await es.count({ index: 'logs-b' })).count).toBe(2);
    expect(await es.indices.exists({ index: 'copy' })).toBe(false);
    await es.indices.addBlock({ index: 'logs-b', block: 'read' });
    expect((await es.search({ index: 'logs-a' })).hits.hits.length).toBe(2);
    expect((await failure(es.indices.addBlock({ index: 'logs-b', block: 'bogus' as never }))).status).toBe(400);
  });
});

describe('what monitoring asks: snapshots, SLM, tasks, the plural mapping API (prometheus-elasticsearch-exporter’s calls)', () => {
  it('no snapshot repository: the lists are empty, a named one is missing, registering one is refused by name', async () => {
    expect(await es.snapshot.getRepository()).toEqual({});
    expect(await failure(es.snapshot.getRepository({ name: 'backups' }))).toEqual({ status: 404, type: 'repository_missing_exception', reason: '[backups] missing' });
    expect(await failure(es.snapshot.get({ repository: 'backups', snapshot: '_all' }))).toMatchObject({ status: 404, type: 'repository_missing_exception' });
    expect(await failure(es.snapshot.createRepository({ name: 'backups', repository: { type: 'fs', settings: { location: '/tmp/backups' } } }))).toMatchObject({ status: 400, reason: expect.stringMatching(/not supported by the emulator/) });
    expect(await es.snapshot.status()).toEqual({ snapshots: [] });
  });

  it('SLM has no policy, refuses one for a repository that does not exist, and stops and starts', async () => {
    expect(await es.slm.getLifecycle()).toEqual({});
    expect(await failure(es.slm.getLifecycle({ policy_id: 'nightly' }))).toMatchObject({ status: 404, type: 'resource_not_found_exception' });
    expect(await failure(es.slm.putLifecycle({ policy_id: 'nightly', schedule: '0 30 1 * * ?', name: '<nightly-{now/d}>', repository: 'backups' }))).toEqual({ status: 400, type: 'illegal_argument_exception', reason: 'no such repository [backups]' });
    expect((await es.slm.getStats()).policy_stats).toEqual([]);
    await es.slm.stop();
    expect(await es.slm.getStatus()).toEqual({ operation_mode: 'STOPPED' });
    await es.slm.start();
    expect(await es.slm.getStatus()).toEqual({ operation_mode: 'RUNNING' });
  });

  it('the task list shows the listing task itself, grouped as asked; a finished or malformed task id is refused', async () => {
    const byNode = await es.tasks.list({ detailed: true });
    const tasks = Object.values(byNode.nodes ?? {}).flatMap((node) => Object.values(node.tasks));
    expect(tasks.map((task) => task.action)).toEqual(['cluster:monitor/tasks/lists']);
    expect(await es.tasks.list({ group_by: 'none', actions: '*reindex' })).toEqual({ tasks: [] });
    expect(await failure(es.tasks.get({ task_id: 'oTUltX4IQMOUUVeiohTt8A:124' }))).toEqual({ status: 404, type: 'resource_not_found_exception', reason: "task [oTUltX4IQMOUUVeiohTt8A:124] isn't running and hasn't stored its results" });
    expect((await failure(es.tasks.get({ task_id: '124' }))).status).toBe(400);
  });

  it('`_mappings` is `_mapping`; data stream stats are given by name too', async () => {
    await logs();
    const plural = await fetch(`${emulator.url}/_all/_mappings`).then((response) => response.json());
    expect(plural).toEqual(await es.indices.getMapping({ index: '_all' }));
    await es.indices.putIndexTemplate({ name: 'streams', index_patterns: ['logs-s-*'], data_stream: {} });
    await es.index({ index: 'logs-s-one', document: { '@timestamp': '2026-11-30T10:00:00Z' }, refresh: true });
    await es.index({ index: 'logs-s-two', document: { '@timestamp': '2026-11-30T11:00:00Z' }, refresh: true });
    const stats = await es.indices.dataStreamsStats({ name: 'logs-s-t*' });
    expect([stats.data_stream_count, stats.data_streams.map((stream) => [stream.data_stream, stream.maximum_timestamp])]).toEqual([1, [['logs-s-two', Date.parse('2026-11-30T11:00:00Z')]]]);
    expect((await failure(es.indices.dataStreamsStats({ name: 'logs-s-none' }))).status).toBe(404);
  });
});

describe('closing and opening indices (close and open index APIs)', () => {
  it('a closed index keeps its documents but serves no read or write; wildcards pass it by; opened, it serves them again', async () => {
    await logs();
    const closed = await es.indices.close({ index: 'logs-a' });
    expect(closed).toEqual({ acknowledged: true, shards_acknowledged: true, indices: { 'logs-a': { closed: true } } });
    const isClosed = { status: 400, type: 'index_closed_exception', reason: 'closed' };
    expect(await failure(es.search({ index: 'logs-a' }))).toEqual(isClosed);
    expect(await failure(es.count({ index: 'logs-a' }))).toEqual(isClosed);
    expect(await failure(es.index({ index: 'logs-a', document: { message: 'late' } }))).toEqual(isClosed);
    expect(await failure(es.getSource({ index: 'logs-a', id: 'any' }))).toEqual(isClosed);
    const first = (await es.search({ index: 'logs-b' })).hits.hits[0];
    expect((await es.search({ index: 'logs-*' })).hits.total).toEqual({ value: 2, relation: 'eq' });
    expect((await es.bulk({ operations: [{ create: { _index: 'logs-a' } }, { message: 'x' }] })).items[0]?.create?.error?.type).toBe('index_closed_exception');
    const rows = await es.cat.indices({ index: 'logs-*', format: 'json', h: 'index,status,docs.count' });
    expect(rows).toEqual([{ index: 'logs-a', status: 'close', 'docs.count': '' }, { index: 'logs-b', status: 'open', 'docs.count': '2' }]);
    expect((await es.indices.getSettings({ index: 'logs-a', flat_settings: true }))['logs-a']?.settings?.['index.verified_before_close']).toBe('true');
    await es.indices.open({ index: 'logs-*' });
    expect((await es.count({ index: 'logs-a' })).count).toBe(2);
    expect((await es.get({ index: 'logs-b', id: first?._id as string })).found).toBe(true);
  });

  it('the write index of a data stream cannot be closed; a missing index is 404; delete reaches closed indices', async () => {
    await es.indices.putIndexTemplate({ name: 'streams', index_patterns: ['logs-s-*'], data_stream: {} });
    await es.index({ index: 'logs-s-one', document: { '@timestamp': '2026-11-30T10:00:00Z' }, refresh: true });
    const backing = (await es.indices.getDataStream({ name: 'logs-s-one' })).data_streams[0]?.indices[0]?.index_name as string;
    expect(await failure(es.indices.close({ index: backing }))).toMatchObject({ status: 400, reason: `cannot close the following data stream write indices [${backing}]` });
    expect((await failure(es.indices.close({ index: 'nothing' }))).status).toBe(404);
    await es.indices.create({ index: 'old' });
    await es.indices.close({ index: 'old' });
    // `*` is no data stream's name here: the streams' backing indices, hidden, stay.
    await es.indices.delete({ index: '*' });
    expect(await es.indices.exists({ index: 'old' })).toBe(false);
    expect((await es.count({ index: 'logs-s-one' })).count).toBe(1);
  });
});

describe('the cluster state and stats, explain and analyze APIs, and the _cat APIs of pools, allocation and tasks', () => {
  it('_cluster/state shows the metrics asked: the node, each index’s metadata and routing, blocks; its version moves with a change', async () => {
    await logs();
    await es.indices.create({ index: 'replicated', settings: { number_of_replicas: 1 } });
    const state = await es.cluster.state();
    const node = state.master_node as string;
    expect(Object.keys(state.nodes as object)).toEqual([node]);
    const metadata = state.metadata as { indices: Record<string, { state: string; mappings: { _doc: { properties: Record<string, unknown> } } }> };
    expect(Object.keys(metadata.indices)).toEqual(['logs-a', 'logs-b', 'replicated']);
    expect(Object.keys(metadata.indices['logs-a']?.mappings._doc.properties ?? {})).toContain('message');
    const routing = (state.routing_table as { indices: Record<string, { shards: Record<string, Array<{ state: string; primary: boolean; node: string | null }>> }> }).indices;
    expect(routing.replicated?.shards['0']?.map((shard) => [shard.state, shard.primary, shard.node])).toEqual([['STARTED', true, node], ['UNASSIGNED', false, null]]);
    await es.indices.close({ index: 'logs-b' });
    const after = await es.cluster.state({ metric: ['metadata', 'blocks', 'version'], index: 'logs-*' });
    expect(Object.keys(after).sort()).toEqual(['blocks', 'cluster_name', 'cluster_uuid', 'metadata', 'state_uuid', 'version']);
    expect(after.version as number).toBeGreaterThan(state.version as number);
    expect((after.metadata as typeof metadata).indices['logs-b']?.state).toBe('close');
    expect(after.blocks).toEqual({ indices: { 'logs-b': { '4': { description: 'index closed', retryable: false, levels: ['read', 'write'] } } } });
    const again = await es.cluster.state({ metric: ['version'], index: 'logs-*' });
    expect(again.version).toBe(after.version);
    expect((await failure(es.cluster.state({ metric: ['bogus' as 'version'] }))).status).toBe(400);
  });

  it('_cluster/stats counts indices, documents and field types, and gives the node’s own figures', async () => {
    await logs();
    const stats = await es.cluster.stats();
    // Each index asks for a replica (the default), which one node cannot place: yellow.
    expect([stats.status, stats.indices.count, stats.indices.docs?.count, stats.nodes.count.total]).toEqual(['yellow', 2, 4, 1]);
    expect(stats.indices.mappings?.field_types.find((type) => type.name === 'keyword')).toMatchObject({ count: 4, index_count: 2 });
    expect(stats.nodes.fs?.total_in_bytes).toBeGreaterThan(0);
  });

  it('_explain says whether one document matches, with its score; a missing document is 404', async () => {
    await logs();
    const hit = (await es.search({ index: 'logs-a', query: { match: { message: 'done' } } })).hits.hits[0];
    const matched = await es.explain({ index: 'logs-a', id: hit?._id as string, query: { match: { message: 'done' } } });
    expect([matched.matched, matched.explanation?.value]).toEqual([true, hit?._score]);
    expect((await es.explain({ index: 'logs-a', id: hit?._id as string, query: { term: { status: 500 } } })).matched).toBe(false);
    expect(await failure(es.explain({ index: 'logs-a', id: 'nope', query: { match_all: {} } }))).toMatchObject({ status: 404 });
    expect((await failure(es.explain({ index: 'logs-a', id: 'x' }))).status).toBe(400);
  });

  it('_analyze gives tokens with offsets, positions and types, by analyzer, field or tokenizer and filters, and refuses what it has not', async () => {
    const standard = await es.indices.analyze({ analyzer: 'standard', text: ['Job 42 Failed', 'Don’t retry'] });
    expect(standard.tokens?.map((token) => [token.token, token.start_offset, token.end_offset, token.type, token.position])).toEqual([
      ['job', 0, 3, '<ALPHANUM>', 0], ['42', 4, 6, '<NUM>', 1], ['failed', 7, 13, '<ALPHANUM>', 2],
      ['don’t', 14, 19, '<ALPHANUM>', 3], ['retry', 20, 25, '<ALPHANUM>', 4],
    ]);
    expect((await es.indices.analyze({ analyzer: 'whitespace', text: 'GET /api/v1/jobs?id=7 HTTP/1.1' })).tokens?.map((token) => token.token)).toEqual(['GET', '/api/v1/jobs?id=7', 'HTTP/1.1']);
    expect((await es.indices.analyze({ analyzer: 'simple', text: 'R2-D2 ok' })).tokens?.map((token) => token.token)).toEqual(['r', 'd', 'ok']);
    expect((await es.indices.analyze({ tokenizer: 'keyword', filter: ['lowercase'], text: 'Rendiff-API' })).tokens?.map((token) => token.token)).toEqual(['rendiff-api']);
    await logs();
    // A text field's values are 100 positions apart; a keyword field's value is one token.
    expect((await es.indices.analyze({ index: 'logs-a', field: 'message', text: ['a b', 'c'] })).tokens?.map((token) => token.position)).toEqual([0, 1, 102]);
    expect((await es.indices.analyze({ index: 'logs-a', field: 'service.name', text: 'Rendiff API' })).tokens?.map((token) => token.token)).toEqual(['Rendiff API']);
    expect(await failure(es.indices.analyze({ analyzer: 'english', text: 'running' }))).toMatchObject({ status: 400, reason: expect.stringMatching(/analyzer \[english\].*not supported by the emulator/) });
    expect((await failure(es.indices.analyze({ analyzer: 'standard' }))).status).toBe(400);
  });

  it('_cat/thread_pool, _cat/allocation and _cat/tasks', async () => {
    const pools = await es.cat.threadPool({ format: 'json' });
    expect(Object.keys(pools[0] ?? {})).toEqual(['node_name', 'name', 'active', 'queue', 'rejected']);
    expect(pools.map((pool) => pool.name)).toEqual(expect.arrayContaining(['search', 'write', 'get']));
    const write = await es.cat.threadPool({ thread_pool_patterns: 'write', format: 'json', h: 'name,type,size,queue_size' });
    expect(write).toEqual([{ name: 'write', type: 'fixed', size: String(availableParallelism()), queue_size: '10000' }]);
    await es.indices.create({ index: 'replicated', settings: { number_of_replicas: 1 } });
    const allocation = await es.cat.allocation({ format: 'json', bytes: 'b' });
    expect(allocation.map((row) => [row.node, row.shards])).toEqual([['sluice-emulator-node', '1'], ['UNASSIGNED', '1']]);
    expect(Number(allocation[0]?.['disk.total'])).toBeGreaterThan(Number(allocation[0]?.['disk.avail']));
    const tasks = await es.cat.tasks({ format: 'json' });
    expect(tasks.map((task) => task.action)).toEqual(['cluster:monitor/tasks/lists']);
  });
});

describe('legacy index templates (`_template`), as Fluentd’s and older shippers’ outputs install them', () => {
  it('apply to a new index where no composable template matches, merged by order, a `_doc` wrapper taken off', async () => {
    await es.indices.putTemplate({ name: 'base', index_patterns: ['fluentd-*'], order: 0, settings: { number_of_replicas: 0, refresh_interval: '5s' }, mappings: { properties: { message: { type: 'text' } } }, aliases: { fluentd: {} } });
    // A 7.x-era template: mappings under the type `_doc`.
    await fetch(`${emulator.url}/_template/over`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index_patterns: 'fluentd-app-*', order: 5, settings: { index: { refresh_interval: '30s' } }, mappings: { _doc: { properties: { level: { type: 'keyword' } } } } }) });
    await es.index({ index: 'fluentd-app-2026.12.06', document: { message: 'Job done', level: 'INFO' }, refresh: true });
    const settings = (await es.indices.getSettings({ index: 'fluentd-app-2026.12.06', flat_settings: true }))['fluentd-app-2026.12.06']?.settings as Record<string, string>;
    expect([settings['index.number_of_replicas'], settings['index.refresh_interval']]).toEqual(['0', '30s']);
    const mapping = (await es.indices.getMapping({ index: 'fluentd-app-2026.12.06' }))['fluentd-app-2026.12.06']?.mappings.properties;
    expect([mapping?.message?.type, mapping?.level?.type]).toEqual(['text', 'keyword']);
    expect((await es.count({ index: 'fluentd' })).count).toBe(1);
    expect(await es.indices.getTemplate({ name: 'over', flat_settings: true })).toEqual({ over: { order: 5, index_patterns: ['fluentd-app-*'], settings: { 'index.refresh_interval': '30s' }, mappings: { properties: { level: { type: 'keyword' } } }, aliases: {} } });
    const rows = await es.cat.templates({ name: '*', format: 'json', h: 'name,order,composed_of' });
    expect(rows).toEqual([{ name: 'base', order: '0', composed_of: '' }, { name: 'over', order: '5', composed_of: '' }]);
  });

  it('a composable template that matches wins and they are ignored; a data stream never takes them', async () => {
    await es.indices.putTemplate({ name: 'legacy', index_patterns: ['logs-*'], settings: { number_of_replicas: 0 }, mappings: { properties: { legacy: { type: 'keyword' } } } });
    await es.indices.putIndexTemplate({ name: 'modern', index_patterns: ['logs-modern-*'], template: { mappings: { properties: { modern: { type: 'keyword' } } } } });
    await es.indices.create({ index: 'logs-modern-1' });
    await es.indices.create({ index: 'logs-old-1' });
    const mappings = await es.indices.getMapping({ index: 'logs-*' });
    expect(Object.keys(mappings['logs-modern-1']?.mappings.properties ?? {})).toEqual(['modern']);
    expect(Object.keys(mappings['logs-old-1']?.mappings.properties ?? {})).toEqual(['legacy']);
  });

  it('refuses what Elasticsearch refuses; a missing template is 404; create=true does not replace', async () => {
    expect(await failure(es.indices.putTemplate({ name: 'x', index_patterns: [] }))).toMatchObject({ status: 400, reason: 'Validation Failed: 1: index patterns are missing;' });
    expect(await failure(es.indices.putTemplate({ name: 'x', index_patterns: ['x-*'], data_stream: {} } as never))).toMatchObject({ status: 400, reason: 'unknown key [data_stream] in the template' });
    expect(await failure(es.indices.putTemplate({ name: 'x', index_patterns: ['x-*'], mappings: { properties: { n: { type: 'nonsense' as 'keyword' } } } }))).toMatchObject({ status: 400 });
    await es.indices.putTemplate({ name: 'x', index_patterns: ['x-*'] });
    expect((await failure(es.indices.putTemplate({ name: 'x', index_patterns: ['y-*'], create: true }))).reason).toBe('index_template [x] already exists');
    expect(await es.indices.existsTemplate({ name: 'x' })).toBe(true);
    expect(await es.indices.existsTemplate({ name: 'nope' })).toBe(false);
    expect(await failure(es.indices.deleteTemplate({ name: 'nope' }))).toEqual({ status: 404, type: 'index_template_missing_exception', reason: 'index_template [nope] missing' });
    expect(await es.indices.getTemplate({ name: 'n*' })).toEqual({});
  });
});

describe('shards, segments and recoveries, and the _cat lists of one node without snapshots', () => {
  it('_search_shards, _segments, _recovery and _shard_stores describe each index’s one primary', async () => {
    await logs();
    await es.indices.create({ index: 'empty', settings: { number_of_replicas: 0 } });
    const shards = await es.searchShards({ index: 'logs-*' });
    expect(shards.shards.map((group) => group.map((shard) => [shard.index, shard.primary, shard.state]))).toEqual([[['logs-a', true, 'STARTED']], [['logs-b', true, 'STARTED']]]);
    const segmented = await es.indices.segments({ index: 'logs-a,empty' });
    const only = (name: string): { segments: Record<string, { num_docs: number }> } => ([segmented.indices[name]?.shards['0']].flat()[0] as unknown as { segments: Record<string, { num_docs: number }> });
    expect(only('logs-a').segments._0?.num_docs).toBe(2);
    expect(only('empty').segments).toEqual({});
    const recovered = await es.indices.recovery({ index: 'logs-a' });
    expect(recovered['logs-a']?.shards.map((shard) => [shard.type, shard.stage, shard.primary])).toEqual([['EMPTY_STORE', 'DONE', true]]);
    expect(await es.indices.recovery({ index: 'logs-a', active_only: true })).toEqual({});
    // By default only shards that are not green: logs-a and logs-b want a replica, `empty` does not.
    expect(Object.keys((await es.indices.shardStores()).indices).sort()).toEqual(['logs-a', 'logs-b']);
    expect(Object.keys((await es.indices.shardStores({ status: 'green' })).indices)).toEqual(['empty']);
    const rows = await es.cat.segments({ format: 'json', h: 'index,segment,docs.count' });
    expect(rows).toEqual([{ index: 'logs-a', segment: '_0', 'docs.count': '2' }, { index: 'logs-b', segment: '_0', 'docs.count': '2' }]);
    expect((await es.cat.recovery({ index: 'empty', format: 'json', h: 'index,type,stage' }))).toEqual([{ index: 'empty', type: 'empty_store', stage: 'done' }]);
  });

  it('the lists that are empty here are empty with their columns; a snapshot repository is missing; _cat lists the _cat APIs', async () => {
    for (const list of [es.cat.pendingTasks({ format: 'json' }), es.cat.nodeattrs({ format: 'json' }), es.cat.fielddata({ format: 'json' }), es.cat.snapshots({ format: 'json' })]) expect(await list).toEqual([]);
    expect(await es.cat.pendingTasks({ v: true })).toBe('insertOrder timeInQueue priority source\n');
    expect((await failure(es.cat.snapshots({ repository: 'backups' }))).type).toBe('repository_missing_exception');
    const help = (await es.cat.help()) as unknown as string;
    expect(help.split('\n')[0]).toBe('=^.^=');
    expect(help).toContain('/_cat/indices/{name}');
    expect(help).toContain('/_cat/thread_pool');
  });
});

describe('resizing indices, explaining allocation, cluster info and simulating ingestion', () => {
  it('_clone, _shrink and _split copy a write-blocked index’s documents, settings and mappings, with Elasticsearch’s shard rules', async () => {
    await es.indices.create({ index: 'source', settings: { number_of_shards: 2, number_of_replicas: 0, refresh_interval: '7s' }, mappings: { properties: { level: { type: 'keyword' } } } });
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'source', _id: 'a' } }, { level: 'info' }, { index: { _index: 'source', _id: 'b' } }, { level: 'error' }] });
    expect(await failure(es.indices.clone({ index: 'source', target: 'copy' }))).toMatchObject({ status: 400, type: 'illegal_state_exception', reason: 'index source must be read-only to resize index. use "index.blocks.write=true"' });
    await es.indices.addBlock({ index: 'source', block: 'write' });
    // A legacy template that would match the target is not applied: the target takes its source's settings.
    await es.indices.putTemplate({ name: 'copies', index_patterns: ['copy*'], settings: { refresh_interval: '1m' } });
    expect((await es.indices.clone({ index: 'source', target: 'copy', aliases: { copies: {} } })).acknowledged).toBe(true);
    expect((await es.get({ index: 'copy', id: 'b' }))._source).toEqual({ level: 'error' });
    expect((await es.count({ index: 'copies', query: { term: { level: 'info' } } })).count).toBe(1);
    const settings = (await es.indices.getSettings({ index: 'copy', flat_settings: true })).copy?.settings as Record<string, string>;
    expect([settings['index.refresh_interval'], settings['index.number_of_shards'], settings['index.blocks.write'], settings['index.resize.source.name']]).toEqual(['7s', '2', undefined, 'source']);
    expect((await es.index({ index: 'copy', document: { level: 'debug' } })).result).toBe('created');
    expect((await failure(es.indices.clone({ index: 'source', target: 'copy2', settings: { 'index.number_of_shards': 4 } }))).reason).toBe("can't change the number of shards for a clone operation from [2] to [4]");
    await es.indices.shrink({ index: 'source', target: 'small' });
    expect((await es.indices.getSettings({ index: 'small', flat_settings: true })).small?.settings?.['index.number_of_shards']).toBe('1');
    await es.indices.split({ index: 'source', target: 'big', settings: { 'index.number_of_shards': 8 } });
    expect((await es.count({ index: 'big' })).count).toBe(2);
    expect((await failure(es.indices.split({ index: 'source', target: 'odd', settings: { 'index.number_of_shards': 6 } }))).reason).toBe('the number of routing shards [1024] must be a multiple of the target shards [6]');
    expect((await failure(es.indices.shrink({ index: 'source', target: 'copy' }))).type).toBe('resource_already_exists_exception');
  });

  it('_cluster/allocation/explain says why a replica is unassigned on one node, and that a primary stays', async () => {
    expect((await failure(es.cluster.allocationExplain())).reason).toMatch(/no unassigned shards/);
    await es.indices.create({ index: 'replicated', settings: { number_of_replicas: 1 } });
    const replica = await es.cluster.allocationExplain();
    expect([replica.index, replica.primary, replica.current_state, replica.can_allocate]).toEqual(['replicated', false, 'unassigned', 'no']);
    expect(replica.node_allocation_decisions?.[0]?.deciders?.map((decider) => [decider.decider, decider.decision])).toEqual([['same_shard', 'NO']]);
    const primary = await es.cluster.allocationExplain({ index: 'replicated', shard: 0, primary: true });
    expect([primary.current_state, primary.can_remain_on_current_node]).toEqual(['started', 'yes']);
    expect((await failure(es.cluster.allocationExplain({ index: 'nope', shard: 0, primary: true }))).status).toBe(404);
  });

  it('_info and node stats count what went through each ingest pipeline; simulations are not counted', async () => {
    await es.ingest.putPipeline({ id: 'stamp', processors: [{ set: { field: 'stamped', value: true } }] });
    await es.indices.create({ index: 'piped', settings: { default_pipeline: 'stamp' } });
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'piped' } }, { n: 1 }, { index: { _index: 'piped' } }, { n: 2 }] });
    await es.ingest.simulate({ id: 'stamp', docs: [{ _source: { n: 3 } }] });
    const info = await es.cluster.info({ target: 'ingest' });
    expect(info.ingest?.pipelines?.stamp).toMatchObject({ count: 2, failed: 0, current: 0 });
    expect(Object.keys(info)).toEqual(['cluster_name', 'ingest']);
    const node = Object.values((await es.nodes.stats()).nodes ?? {})[0];
    expect(node?.ingest?.total?.count).toBe(2);
    expect(node?.http?.total_opened).toBeGreaterThan(0);
    expect((await failure(es.cluster.info({ target: 'bogus' as 'ingest' }))).status).toBe(400);
  });

  it('_ingest/_simulate runs the pipelines each document’s index would, substitutions first, and indexes nothing', async () => {
    await es.ingest.putPipeline({ id: 'stamp', processors: [{ set: { field: 'stamped', value: 'stored' } }] });
    await es.ingest.putPipeline({ id: 'last', processors: [{ set: { field: 'final', value: true } }] });
    // An index that does not exist yet runs what its template would give it.
    await es.indices.putIndexTemplate({ name: 'piped', index_patterns: ['piped-*'], template: { settings: { default_pipeline: 'stamp', final_pipeline: 'last' } } });
    const simulated = await es.simulate.ingest({
      docs: [{ _index: 'piped-1', _id: '1', _source: { n: 1 } }, { _index: 'other', _id: '2', _source: { n: 2 } }],
      pipeline_substitutions: { stamp: { processors: [{ set: { field: 'stamped', value: 'substituted' } }] } },
    });
    expect(simulated.docs.map((entry) => [entry.doc?._source, entry.doc?.executed_pipelines])).toEqual([
      [{ n: 1, stamped: 'substituted', final: true }, ['stamp', 'last']],
      [{ n: 2 }, []],
    ]);
    const missing = await es.simulate.ingest({ index: 'piped-2', pipeline: 'absent', docs: [{ _source: { n: 3 } }] });
    expect(missing.docs[0]?.doc?.error?.reason).toBe('pipeline with id [absent] does not exist');
    expect(await es.indices.exists({ index: 'piped-1' })).toBe(false);
  });
});

describe('tasks run with wait_for_completion=false', () => {
  it('reindex, update and delete by query and force merge answer a task id; the task is found completed with its response', async () => {
    await logs();
    const { task } = await es.reindex({ source: { index: 'logs-a' }, dest: { index: 'copied' }, wait_for_completion: false, refresh: true });
    const done = await es.tasks.get({ task_id: task as string });
    expect([done.completed, done.task.action, done.response?.created, (done.task.status as { created: number }).created]).toEqual([true, 'indices:data/write/reindex', 2, 2]);
    expect((await es.count({ index: 'copied' })).count).toBe(2);
    const deleting = await es.deleteByQuery({ index: 'copied', query: { match: { message: 'done' } }, wait_for_completion: false, refresh: true });
    expect((await es.tasks.get({ task_id: deleting.task as string })).response?.deleted).toBe(1);
    const updating = await es.updateByQuery({ index: 'logs-b', wait_for_completion: false });
    expect((await es.tasks.get({ task_id: updating.task as string })).response?.updated).toBe(2);
    const merging = await fetch(`${emulator.url}/logs-a/_forcemerge?wait_for_completion=false`, { method: 'POST' }).then((response) => response.json() as Promise<{ task: string }>);
    expect((await es.tasks.get({ task_id: merging.task })).task.action).toBe('indices:admin/forcemerge');
    // Nothing is left running: the list shows only itself, a rethrottle finds nothing.
    expect(Object.values((await es.tasks.list()).nodes ?? {}).flatMap((node) => Object.values(node.tasks)).map((each) => each.action)).toEqual(['cluster:monitor/tasks/lists']);
    expect((await es.reindexRethrottle({ task_id: task as string, requests_per_second: 10 })).nodes).toEqual({});
    // A request refused before it starts is refused as a task too.
    expect((await failure(es.reindex({ source: { index: 'logs-a' }, dest: { index: 'x' }, script: { source: 'ctx._source.n = 1' }, wait_for_completion: false }))).status).toBe(400);
  });
});

describe('search templates (stored mustache scripts, render, search and multi search templates)', () => {
  it('renders as Elasticsearch’s mustache does for JSON: escaped values, toJson, join, url, a missing value empty', async () => {
    await es.putScript({ id: 'by-service', script: { lang: 'mustache', source: { query: { bool: { filter: [{ terms: { 'service.name': '{{#toJson}}services{{/toJson}}' } }, { match: { message: '{{text}}' } }] } } } } });
    const stored = await es.getScript({ id: 'by-service' });
    expect([stored.found, stored.script?.lang, typeof stored.script?.source]).toEqual([true, 'mustache', 'string']);
    // toJson inside quotes renders as a JSON string; Elasticsearch's own examples put it unquoted in a string source.
    const output = (await es.renderSearchTemplate({ source: '{"query":{"terms":{"tag":{{#toJson}}tags{{/toJson}}}},"q":"{{text}}","joined":"{{#join}}tags{{/join}}","piped":"{{#join delimiter=\'|\'}}tags{{/join delimiter=\'|\'}}","link":"{{#url}}{{text}}{{/url}}","none":"{{missing}}"}', params: { tags: ['a', 'b"c'], text: 'say "hi" & go' } })).template_output;
    expect(output).toEqual({ query: { terms: { tag: ['a', 'b"c'] } }, q: 'say "hi" & go', joined: 'a,b"c', piped: 'a|b"c', link: encodeURIComponent('say \\"hi\\" & go'), none: '' });
    expect((await failure(es.renderSearchTemplate({ source: '{"query": {{text}} }', params: { text: 'x' } }))).type).toBe('x_content_parse_exception');
  });

  it('a search template and a multi search template search as the rendered body; an unknown id or a Painless script is refused', async () => {
    await logs();
    await es.putScript({ id: 'match', script: { lang: 'mustache', source: '{"query":{"match":{"message":"{{q}}"}},"size":{{size}}}' } });
    const found = await es.searchTemplate({ index: 'logs-*', id: 'match', params: { q: 'job', size: 10 } });
    expect(found.hits.total).toEqual({ value: 3, relation: 'eq' });
    const inline = await es.searchTemplate({ index: 'logs-b', source: { query: { term: { status: '{{code}}' } } }, params: { code: 500 } });
    expect(inline.hits.hits.map((hit) => (hit._source as { status: number }).status)).toEqual([500]);
    const multi = await es.msearchTemplate({ index: 'logs-*', search_templates: [{}, { id: 'match', params: { q: 'started', size: 1 } }, {}, { id: 'nope', params: {} }] });
    expect(multi.responses.map((response) => ('hits' in response ? response.hits.total : (response as { status: number }).status))).toEqual([{ value: 2, relation: 'eq' }, 404]);
    expect(await failure(es.searchTemplate({ index: 'logs-*', id: 'nope' }))).toEqual({ status: 404, type: 'resource_not_found_exception', reason: 'unable to find script [nope] in cluster state' });
    expect((await failure(es.putScript({ id: 'p', script: { lang: 'painless', source: 'Math.log(_score * 2)' } }))).reason).toMatch(/runs no scripts but search templates/);
    await es.deleteScript({ id: 'match' });
    expect((await failure(es.deleteScript({ id: 'match' }))).status).toBe(404);
    expect((await fetch(`${emulator.url}/_scripts/match`)).status).toBe(404);
  });
});

describe('APIs of Elasticsearch the emulator does not have', () => {
  it('are refused by name, whatever path of theirs is asked, where they would read as no handler, a wrong method or a missing index', async () => {
    await es.indices.create({ index: 'docs' });
    const asked: Array<[string, string, string]> = [
      ['GET', '/_ml/info', '_ml'], ['POST', '/_sql', '_sql'], ['POST', '/_query', '_query'], ['GET', '/_features', '_features'], ['GET', '/_security/role', '_security'],
      ['GET', '/_transform', '_transform'], ['POST', '/docs/_termvectors/1', '_termvectors'], ['POST', '/docs/_eql/search', '_eql'], ['GET', '/_xpack/usage', '_xpack/usage'],
      ['GET', '/_ingest/processor/grok', '_ingest/processor/grok'], ['PUT', '/_data_stream/logs-a-b/_lifecycle', '_lifecycle'], ['GET', '/docs/_lifecycle/explain', '_lifecycle'],
    ];
    for (const [method, path, api] of asked) {
      const answer = await fetch(`${emulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
      const body = (await answer.json()) as { error: { reason: string } };
      expect([answer.status, body.error.reason], path).toEqual([400, `the [${api}] API is valid in Elasticsearch but not supported by the emulator`]);
    }
    // Paths of the emulator's own APIs are not taken for them.
    expect((await es.indices.getDataStream({ name: '*' })).data_streams).toEqual([]);
    expect((await es.danglingIndices.listDanglingIndices()).dangling_indices).toEqual([]);
  });
});

import type { Client } from '@elastic/elasticsearch';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { parse as parseYaml } from 'yaml';
import { emulatorPerFile, failure } from './support/elasticsearch.js';

let es: Client;
let emulator: ElasticsearchEmulator;
emulatorPerFile((cluster) => ({ es, emulator } = cluster), { maxContentLength: 64 * 1024 });

afterEach(async () => {
  await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
});

function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

describe('compatibility with the official client', () => {
  it('answers GET / with a version of the client major and the product header on every response', async () => {
    const info = await es.info();
    expect(info.version.number.split('.')[0]).toBe('9');
    for (const path of ['/', '/_cluster/health', '/missing-index', '/_cat/indices']) {
      expect((await raw(path)).headers.get('x-elastic-product')).toBe('Elasticsearch');
    }
  });

  it('answers in the compatible-with media type the client asks for, JSON otherwise', async () => {
    const compatible = await raw('/', { headers: { accept: 'application/vnd.elasticsearch+json; compatible-with=9' } });
    expect(compatible.headers.get('content-type')).toBe('application/vnd.elasticsearch+json;compatible-with=9');
    expect((await raw('/')).headers.get('content-type')).toBe('application/json');
  });

  it('reports errors in Elasticsearch’s body shape and status codes', async () => {
    const response = await raw('/no-such-index/_doc/1', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { root_cause: [{ type: 'index_not_found_exception', reason: 'no such index [no-such-index]' }], type: 'index_not_found_exception', reason: 'no such index [no-such-index]' }, status: 404 });
    await es.indices.create({ index: 'twice' });
    expect(await failure(es.indices.create({ index: 'twice' }))).toMatchObject({ status: 400, type: 'resource_already_exists_exception' });
    expect(await failure(es.indices.create({ index: 'Upper' }))).toMatchObject({ status: 400, type: 'invalid_index_name_exception', reason: 'Invalid index name [Upper], must be lowercase' });
  });
});

describe('cluster', () => {
  it('health: yellow with replicas on one node, green without, and wait_for_status', async () => {
    expect((await es.cluster.health()).status).toBe('green');
    await es.indices.create({ index: 'replicated' });
    expect((await es.cluster.health({ wait_for_status: 'yellow' })).status).toBe('yellow');
    const timedOut = await es.cluster.health({ wait_for_status: 'green', timeout: '100ms' }, { ignore: [408] });
    expect(timedOut).toMatchObject({ status: 'yellow', timed_out: true });
  });

  it('_cat/health and _cat/indices as text and JSON; _nodes/stats for exporters', async () => {
    await es.indices.create({ index: 'cat-me', settings: { number_of_replicas: 0 } });
    await es.index({ index: 'cat-me', id: '1', document: { a: 1 }, refresh: true });
    const text = await (await raw('/_cat/indices?v')).text();
    expect(text.split('\n')[0]).toMatch(/^health\s+status\s+index\s+uuid\s+pri\s+rep\s+docs\.count/);
    expect(text).toMatch(/green\s+open\s+cat-me\s+\S+\s+1\s+0\s+1\s/);
    expect(await es.cat.indices({ index: 'cat-me', format: 'json' })).toEqual([expect.objectContaining({ health: 'green', index: 'cat-me', 'docs.count': '1' })]);
    const [inBytes] = (await es.cat.indices({ index: 'cat-me', format: 'json', bytes: 'b' })) as Array<Record<string, string>>;
    const [human] = (await es.cat.indices({ index: 'cat-me', format: 'json' })) as Array<Record<string, string>>;
    const size = Number(inBytes?.['store.size']);
    expect(size).toBeGreaterThan(0);
    expect(human?.['store.size']).toBe(size < 1024 ? `${size}b` : `${(size / 1024).toFixed(1)}kb`);
    // Other units are whole ones, truncated as ByteSizeValue truncates; an unknown unit keeps the human form.
    for (const [bytes, expected] of [['kb', Math.floor(size / 1024)], ['mb', 0], ['b', size]] as const) {
      const [row] = (await es.cat.indices({ index: 'cat-me', format: 'json', bytes, h: 'store.size' })) as Array<Record<string, string>>;
      expect(row?.['store.size']).toBe(String(expected));
    }
    expect((await (await raw('/_cat/indices/cat-me?bytes=bogus&h=store.size')).text()).trim()).toBe(human?.['store.size']);
    expect((await raw('/_cat/health')).headers.get('content-type')).toMatch(/text\/plain/);
    expect(await es.cat.health({ format: 'json' })).toEqual([expect.objectContaining({ status: 'green', 'node.total': '1' })]);
    const stats = await es.nodes.stats();
    const node = Object.values(stats.nodes)[0];
    expect(node?.indices?.docs?.count).toBe(1);
    expect(node?.jvm?.mem?.heap_used_in_bytes).toBeGreaterThan(0);
  });
});

describe('indices, mappings, settings, aliases', () => {
  it('create, get, exists, mappings, settings, delete', async () => {
    await es.indices.create({ index: 'things', settings: { number_of_replicas: 0, refresh_interval: '5s' }, mappings: { properties: { name: { type: 'keyword' } } } });
    expect(await es.indices.exists({ index: 'things' })).toBe(true);
    expect(await es.indices.exists({ index: 'nothing' })).toBe(false);
    const got = await es.indices.get({ index: 'things' });
    expect(got.things?.mappings).toEqual({ properties: { name: { type: 'keyword' } } });
    expect(got.things?.settings?.index).toMatchObject({ number_of_replicas: '0', refresh_interval: '5s', number_of_shards: '1' });
    await es.indices.putMapping({ index: 'things', properties: { size: { type: 'long' } } });
    expect((await es.indices.getMapping({ index: 'things' })).things?.mappings.properties).toEqual({ name: { type: 'keyword' }, size: { type: 'long' } });
    expect(await failure(es.indices.putMapping({ index: 'things', properties: { name: { type: 'long' } } }))).toMatchObject({ status: 400, reason: 'mapper [name] cannot be changed from type [keyword] to [long]' });
    await es.indices.putSettings({ index: 'things', settings: { number_of_replicas: 1 } });
    expect((await es.indices.getSettings({ index: 'things' })).things?.settings?.index?.number_of_replicas).toBe('1');
    expect(await failure(es.indices.putSettings({ index: 'things', settings: { number_of_shards: 3 } }))).toMatchObject({ status: 400 });
    await es.indices.delete({ index: 'things' });
    expect(await es.indices.exists({ index: 'things' })).toBe(false);
  });

  it('puts a mapping on the write index alone with write_index_only, resolving each expression as concreteWriteIndex does', async () => {
    await es.indices.create({ index: 'orders-1', aliases: { orders: { is_write_index: false } } });
    await es.indices.create({ index: 'orders-2', aliases: { orders: { is_write_index: true } } });
    await es.indices.create({ index: 'other' });
    const sizeOf = async (index: string) => (await es.indices.getMapping({ index }))[index]?.mappings.properties?.size;
    await es.indices.putMapping({ index: 'orders', write_index_only: true, properties: { size: { type: 'long' } } });
    expect([await sizeOf('orders-1'), await sizeOf('orders-2')]).toEqual([undefined, { type: 'long' }]);
    // Each comma part names its own write index; a pattern over two indices names none.
    await es.indices.putMapping({ index: 'orders,other', write_index_only: true, properties: { note: { type: 'keyword' } } });
    expect(Object.keys((await es.indices.getMapping({ index: 'other' })).other?.mappings.properties ?? {})).toEqual(['note']);
    expect(await failure(es.indices.putMapping({ index: 'orders-*', write_index_only: true, properties: { size: { type: 'long' } } }))).toMatchObject({ status: 400, reason: 'The index expression [orders-*] and options provided did not point to a single write-index' });
    // Without it, every index the expression reaches.
    await es.indices.putMapping({ index: 'orders', properties: { size: { type: 'long' } } });
    expect(await sizeOf('orders-1')).toEqual({ type: 'long' });
  });

  it('aliases with is_write_index route writes and searches', async () => {
    await es.indices.create({ index: 'app-000001', aliases: { app: { is_write_index: true } } });
    await es.indices.create({ index: 'app-old', aliases: { app: { is_write_index: false } } });
    const written = await es.index({ index: 'app', document: { v: 1 }, refresh: true });
    expect(written._index).toBe('app-000001');
    await es.index({ index: 'app-old', document: { v: 0 }, refresh: true });
    expect((await es.count({ index: 'app' })).count).toBe(2);
    expect(Object.keys(await es.indices.getAlias({ name: 'app' })).sort()).toEqual(['app-000001', 'app-old']);
    await es.indices.updateAliases({ actions: [{ remove: { index: 'app-old', alias: 'app' } }] });
    expect((await es.count({ index: 'app' })).count).toBe(1);
    // An alias added by name of date math is named by its date (indices.create/10_basic.yml covers the create index body).
    await es.indices.updateAliases({ actions: [{ add: { index: 'app-old', alias: '<archive-{2026-11-30||/M{yyyy-MM}}>' } }] });
    expect(await es.indices.existsAlias({ name: 'archive-2026-11' })).toBe(true);
  });

  it('get alias answers as RestGetAliasesAction does (the cases of indices.get_alias/10_basic.yml, whose setup needs roles the emulator has not)', async () => {
    await es.indices.create({ index: 'ga-1', aliases: { ga_alias: {}, ga_blias: {} } });
    await es.indices.create({ index: 'ga-2', aliases: { ga_alias: {}, ga_blias: {} } });
    await es.indices.create({ index: 'ga-3' });
    const get = async (path: string) => {
      const response = await fetch(`${emulator.url}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    // Names asked for, `_all` among them: only the indices that have one; none asked for: every index.
    expect(Object.keys((await get('/ga-*/_alias')).body).sort()).toEqual(['ga-1', 'ga-2', 'ga-3']);
    expect(Object.keys((await get('/ga-*/_alias/_all')).body).sort()).toEqual(['ga-1', 'ga-2']);
    expect((await get('/ga-1/_alias/ga_a*')).body).toEqual({ 'ga-1': { aliases: { ga_alias: {} } } });
    expect((await get('/ga-1/_alias/*,-ga_blias')).body).toEqual({ 'ga-1': { aliases: { ga_alias: {} } } });
    // A plain name found nowhere: 404, with what was found; a pattern that finds nothing is no error.
    expect(await get('/ga-1/_alias/ga_alias,no-such,also-none')).toEqual({ status: 404, body: { error: 'aliases [also-none,no-such] missing', status: 404, 'ga-1': { aliases: { ga_alias: {} } } } });
    expect(await get('/ga-1/_alias/no-such')).toEqual({ status: 404, body: { error: 'alias [no-such] missing', status: 404 } });
    expect(await get('/ga-1/_alias/none*')).toEqual({ status: 200, body: {} });
    // Closed indices are listed unless expand_wildcards leaves them out.
    await es.indices.close({ index: 'ga-2' });
    expect(Object.keys((await get('/_alias/ga_alias')).body).sort()).toEqual(['ga-1', 'ga-2']);
    expect(Object.keys((await get('/_alias/ga_alias?expand_wildcards=open')).body)).toEqual(['ga-1']);
  });

  it('rollover: conditions, dry run, and the alias moving to the new index', async () => {
    await es.indices.create({ index: 'roll-000001', aliases: { roll: { is_write_index: true } } });
    await es.index({ index: 'roll', document: { n: 1 } });
    await es.index({ index: 'roll', document: { n: 2 } });
    const notYet = await es.indices.rollover({ alias: 'roll', conditions: { max_docs: 3 } });
    expect(notYet).toMatchObject({ rolled_over: false, conditions: { '[max_docs: 3]': false } });
    const dry = await es.indices.rollover({ alias: 'roll', dry_run: true, conditions: { max_docs: 2 } });
    expect(dry).toMatchObject({ rolled_over: false, dry_run: true, new_index: 'roll-000002', conditions: { '[max_docs: 2]': true } });
    expect(await es.indices.exists({ index: 'roll-000002' })).toBe(false);
    const done = await es.indices.rollover({ alias: 'roll', conditions: { max_docs: 2, max_age: '30d' } });
    expect(done).toMatchObject({ rolled_over: true, old_index: 'roll-000001', new_index: 'roll-000002', conditions: { '[max_docs: 2]': true, '[max_age: 30d]': false } });
    expect((await es.index({ index: 'roll', document: { n: 3 } }))._index).toBe('roll-000002');
    // A target that is nowhere is not found (404 since Elasticsearch 8.x's "return-404-on-missing-target"); one that is an index only is refused.
    expect(await failure(es.indices.rollover({ alias: 'nowhere' }))).toMatchObject({ status: 404, type: 'resource_not_found_exception', reason: 'rollover target [nowhere] does not exist' });
    expect(await failure(es.indices.rollover({ alias: 'roll-000001' }))).toMatchObject({ status: 400, reason: 'rollover target [roll-000001] does not point to an alias or data stream' });
  });

  it('refresh semantics: documents become searchable at refresh, as in Elasticsearch', async () => {
    await es.indices.create({ index: 'fresh', settings: { refresh_interval: '-1' } });
    await es.index({ index: 'fresh', id: '1', document: { a: 1 } });
    expect((await es.count({ index: 'fresh' })).count).toBe(0);
    expect((await es.get({ index: 'fresh', id: '1' })).found).toBe(true);
    await es.indices.refresh({ index: 'fresh' });
    expect((await es.count({ index: 'fresh' })).count).toBe(1);

    await es.indices.create({ index: 'periodic', settings: { refresh_interval: '200ms' } });
    await es.index({ index: 'periodic', document: { a: 1 } });
    expect((await es.count({ index: 'periodic' })).count).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await es.count({ index: 'periodic' })).count).toBe(1);

    await es.index({ index: 'periodic', document: { a: 2 }, refresh: 'wait_for' });
    expect((await es.count({ index: 'periodic' })).count).toBe(2);
  });
});

describe('_resolve/index and _stats (resolve index API, index stats API)', () => {
  it('_resolve/index names the indices, aliases and data streams of an expression, as Kibana reads it for a data view', async () => {
    await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*'], data_stream: {}, priority: 200 });
    await es.index({ index: 'logs-app-default', document: { '@timestamp': '2026-11-22T10:00:00Z', message: 'm' }, refresh: true });
    await es.indices.create({ index: 'logs-old', aliases: { 'logs-all': {}, archive: {} } });
    await es.indices.create({ index: 'metrics-1' });
    const resolved = await es.indices.resolveIndex({ name: 'logs-*' });
    expect(resolved.indices).toEqual([{ name: 'logs-old', aliases: ['archive', 'logs-all'], attributes: ['open'] }]);
    expect(resolved.aliases).toEqual([{ name: 'logs-all', indices: ['logs-old'] }]);
    expect(resolved.data_streams).toEqual([{ name: 'logs-app-default', backing_indices: [expect.stringMatching(/^\.ds-logs-app-default-\d{4}\.\d{2}\.\d{2}-000001$/)], timestamp_field: '@timestamp' }]);
    // Backing indices are hidden: a pattern reaches them when it starts with a dot, or with expand_wildcards=all.
    const backing = [[['hidden', 'open'], 'logs-app-default']];
    expect((await es.indices.resolveIndex({ name: '.ds-logs-*' })).indices.map((index) => [index.attributes, index.data_stream])).toEqual(backing);
    expect((await es.indices.resolveIndex({ name: '*app*', expand_wildcards: 'all' })).indices.map((index) => [index.attributes, index.data_stream])).toEqual(backing);
    expect((await es.indices.resolveIndex({ name: '*app*' })).indices).toEqual([]);
    // A missing concrete name is refused unless ignore_unavailable.
    expect(await failure(es.indices.resolveIndex({ name: 'nothing,metrics-1' }))).toMatchObject({ status: 404, type: 'index_not_found_exception' });
    expect((await es.indices.resolveIndex({ name: 'nothing,metrics-1', ignore_unavailable: true })).indices.map((index) => index.name)).toEqual(['metrics-1']);
  });

  it('_stats counts the searchable documents and the stored bytes of each index and in all, per metric', async () => {
    await es.indices.create({ index: 'one', settings: { number_of_replicas: 1 } });
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'one' } }, { a: 1 }, { index: { _index: 'one' } }, { a: 2 }, { index: { _index: 'two' } }, { b: 'x' }] });
    await es.index({ index: 'two', document: { b: 'not yet refreshed' } });
    const stats = await es.indices.stats();
    // Each index one primary and one replica (the default), which never starts on one node.
    expect(stats._shards).toEqual({ total: 4, successful: 2, failed: 0 });
    expect([stats._all.primaries?.docs?.count, stats.indices?.one?.primaries?.docs?.count, stats.indices?.two?.total?.docs?.count]).toEqual([3, 2, 1]);
    expect(stats.indices?.one?.health).toBe('yellow');
    const cat = (await es.cat.indices({ index: 'one', bytes: 'b', format: 'json' }))[0];
    expect(String(stats.indices?.one?.primaries?.store?.size_in_bytes)).toBe(cat?.['store.size']);
    const docsOnly = await es.indices.stats({ index: 'two', metric: 'docs' });
    expect(Object.keys(docsOnly._all.primaries ?? {})).toEqual(['docs']);
    expect(await failure(es.indices.stats({ metric: 'bogus' as never }))).toMatchObject({ status: 400, reason: 'request [/_stats/bogus] contains unrecognized metric: [bogus]' });
    expect(await failure(es.indices.stats({ metric: 'indexing' }))).toMatchObject({ status: 400, type: 'illegal_argument_exception' });
  });
});

describe('templates and data streams', () => {
  it('resolves the template with the highest priority, composed of component templates in order', async () => {
    await es.cluster.putComponentTemplate({ name: 'base', template: { settings: { number_of_replicas: 0 }, mappings: { properties: { a: { type: 'keyword' }, b: { type: 'keyword' } } } } });
    await es.cluster.putComponentTemplate({ name: 'override', template: { mappings: { properties: { b: { type: 'keyword', ignore_above: 10 } } } } });
    await es.indices.putIndexTemplate({ name: 'low', index_patterns: ['tpl-*'], priority: 1, template: { mappings: { properties: { low: { type: 'long' } } } } });
    await es.indices.putIndexTemplate({ name: 'high', index_patterns: ['tpl-*'], priority: 5, composed_of: ['base', 'override'], template: { settings: { 'index.lifecycle.name': 'keep' }, mappings: { properties: { c: { type: 'date' } } } } });
    await es.index({ index: 'tpl-1', document: { a: 'x' } });
    const index = (await es.indices.get({ index: 'tpl-1' }))['tpl-1'];
    expect(index?.mappings?.properties).toMatchObject({ a: { type: 'keyword' }, b: { type: 'keyword', ignore_above: 10 }, c: { type: 'date' } });
    expect(index?.mappings?.properties?.low).toBeUndefined();
    expect(index?.settings?.index).toMatchObject({ number_of_replicas: '0', lifecycle: { name: 'keep' } });
    expect(await failure(es.indices.putIndexTemplate({ name: 'clash', index_patterns: ['tpl-*'], priority: 5 }))).toMatchObject({ status: 400 });
    expect(await failure(es.indices.putIndexTemplate({ name: 'broken', index_patterns: ['x-*'], composed_of: ['nope'] }))).toMatchObject({ status: 400, type: 'invalid_index_template_exception' });
    expect(await failure(es.cluster.deleteComponentTemplate({ name: 'base' }))).toMatchObject({ status: 400 });
    expect((await es.indices.getIndexTemplate({ name: 'low,high' })).index_templates.map((entry) => entry.name).sort()).toEqual(['high', 'low']);
    expect((await es.cluster.getComponentTemplate({ name: 'over*' })).component_templates.map((entry) => entry.name)).toEqual(['override']);
    expect((await es.indices.getIndexTemplate({ name: 'none-*' })).index_templates).toEqual([]);
    expect(await failure(es.indices.getIndexTemplate({ name: 'none' }))).toMatchObject({ status: 404, reason: 'index template matching [none] not found' });
    expect(await failure(es.cluster.getComponentTemplate({ name: 'none' }))).toMatchObject({ status: 404, reason: 'component template matching [none] not found' });
  });

  it('creates a data stream on first write, enforces op_type create and @timestamp, rolls over, lists and deletes it', async () => {
    await es.indices.putIndexTemplate({ name: 'logs-demo', index_patterns: ['logs-demo-*'], data_stream: {}, priority: 200, template: { mappings: { properties: { message: { type: 'match_only_text' } } } } });
    const created = await es.index({ index: 'logs-demo-default', op_type: 'create', document: { '@timestamp': '2026-11-01T00:00:00Z', message: 'first' }, refresh: true });
    const today = new Date(((await (await raw('/_emulator/clock')).json()) as { now: number }).now).toISOString().slice(0, 10).replaceAll('-', '.');
    expect(created._index).toBe(`.ds-logs-demo-default-${today}-000001`);
    // An auto-id write is a create (Elastic's data stream documentation, "Add documents to a data stream"); only an explicit op_type=index is refused.
    expect(await es.index({ index: 'logs-demo-default', document: { '@timestamp': '2026-11-01T00:00:00Z' } })).toMatchObject({ result: 'created' });
    expect(await failure(es.index({ index: 'logs-demo-default', op_type: 'index', document: { '@timestamp': '2026-11-01T00:00:00Z' } }))).toMatchObject({ status: 400, reason: 'only write ops with an op_type of create are allowed in data streams' });
    const missing = await es.bulk({ operations: [{ create: { _index: 'logs-demo-default' } }, { message: 'no time' }] });
    expect(missing.items[0]?.create?.error?.reason).toMatch(/data stream timestamp field \[@timestamp\] is missing/);
    const rolled = await es.indices.rollover({ alias: 'logs-demo-default' });
    expect(rolled).toMatchObject({ rolled_over: true, new_index: `.ds-logs-demo-default-${today}-000002` });
    const [stream] = (await es.indices.getDataStream({ name: 'logs-demo-default' })).data_streams;
    expect(stream).toMatchObject({ name: 'logs-demo-default', generation: 2, template: 'logs-demo', timestamp_field: { name: '@timestamp' } });
    expect(stream?.indices.map((index) => index.index_name)).toEqual([`.ds-logs-demo-default-${today}-000001`, `.ds-logs-demo-default-${today}-000002`]);
    expect((await es.search({ index: 'logs-demo-*', q: 'message:first' })).hits.hits).toHaveLength(1);
    await es.indices.deleteDataStream({ name: 'logs-demo-default' });
    expect((await es.indices.getDataStream()).data_streams).toEqual([]);
    expect((await es.cat.indices({ format: 'json', expand_wildcards: 'all' })).length).toBe(0);
  });
});

describe('documents and _bulk', () => {
  it('bulk index, create, update (doc and doc_as_upsert) and delete, with per-item status and the errors flag', async () => {
    await es.indices.create({ index: 'bulk', mappings: { properties: { n: { type: 'integer' } } } });
    const result = await es.bulk({
      refresh: true,
      operations: [
        { index: { _index: 'bulk', _id: '1' } }, { n: 1, tag: 'a' },
        { create: { _index: 'bulk', _id: '2' } }, { n: 2 },
        { create: { _index: 'bulk', _id: '1' } }, { n: 9 },
        { update: { _index: 'bulk', _id: '1' } }, { doc: { tag: 'b' } },
        { update: { _index: 'bulk', _id: '3' } }, { doc: { n: 3 }, doc_as_upsert: true },
        { update: { _index: 'bulk', _id: '4' } }, { doc: { n: 4 } },
        { update: { _index: 'bulk', _id: '1' } }, { script: { source: 'ctx._source.n += 1' } },
        { index: { _index: 'bulk', _id: '5' } }, { n: 'not a number' },
        { delete: { _index: 'bulk', _id: '2' } },
        { delete: { _index: 'bulk', _id: '42' } },
      ],
    });
    expect(result.errors).toBe(true);
    expect(result.items.map((item) => { const [op, value] = Object.entries(item)[0] as [string, { status: number; result?: string; error?: { type: string } }]; return [op, value.status, value.result ?? value.error?.type]; })).toEqual([
      ['index', 201, 'created'],
      ['create', 201, 'created'],
      ['create', 409, 'version_conflict_engine_exception'],
      ['update', 200, 'updated'],
      ['update', 201, 'created'],
      ['update', 404, 'document_missing_exception'],
      // A script is refused as what the emulator does not run, not as a body without a script.
      ['update', 400, 'illegal_argument_exception'],
      ['index', 400, 'document_parsing_exception'],
      ['delete', 200, 'deleted'],
      ['delete', 404, 'not_found'],
    ]);
    expect((await es.get({ index: 'bulk', id: '1' }))._source).toEqual({ n: 1, tag: 'b' });
    expect((await es.count({ index: 'bulk' })).count).toBe(2);
  });

  it('single-document index, create, get, update and delete', async () => {
    expect((await es.index({ index: 'one', id: 'a', document: { x: 1 } })).result).toBe('created');
    expect((await es.index({ index: 'one', id: 'a', document: { x: 2 } }))).toMatchObject({ result: 'updated', _version: 2 });
    expect(await failure(es.create({ index: 'one', id: 'a', document: { x: 3 } }))).toMatchObject({ status: 409, type: 'version_conflict_engine_exception' });
    expect((await es.get({ index: 'one', id: 'a' }))._source).toEqual({ x: 2 });
    expect((await es.update({ index: 'one', id: 'a', doc: { y: 1 } })).result).toBe('updated');
    expect((await es.get({ index: 'one', id: 'a' }))._source).toEqual({ x: 2, y: 1 });
    expect((await es.delete({ index: 'one', id: 'a' })).result).toBe('deleted');
    expect(await failure(es.get({ index: 'one', id: 'a' }))).toMatchObject({ status: 404 });
  });

  it('an update asked for its source answers the document under get: in _bulk the action line’s _source, else the URL’s, over the body’s; in _update the body’s over the URL’s', async () => {
    await es.index({ index: 'sourced', id: 'a', document: { foo: 'x', bar: 'y' }, refresh: true });
    type BulkAnswer = { items: Array<{ update: { get?: { _source: unknown } } }> };
    const post = async (path: string, lines: unknown[]): Promise<BulkAnswer> => (await fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n` })).json() as Promise<BulkAnswer>;
    const bulkGet = async (query: string, action: object, body: object) => (await post(`/_bulk${query}`, [{ update: { _index: 'sourced', _id: 'a', ...action } }, body])).items[0]?.update.get?._source;
    expect(await bulkGet('', {}, { doc: { foo: 'b1' }, _source: ['bar'] })).toEqual({ bar: 'y' });
    expect(await bulkGet('?_source_includes=foo', {}, { doc: { foo: 'b2' }, _source: ['bar'] })).toEqual({ foo: 'b2' });
    expect(await bulkGet('?_source_includes=foo', { _source: { includes: ['bar'] } }, { doc: { foo: 'b3' } })).toEqual({ bar: 'y' });
    expect(await bulkGet('', {}, { doc: { foo: 'b4' } })).toBeUndefined();
    const answer = await fetch(`${emulator.url}/sourced/_update/a?_source_includes=foo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doc: { foo: 'u1' }, _source: ['bar'] }) });
    const updated = (await answer.json()) as { get: { _source: unknown } };
    expect(updated.get._source).toEqual({ bar: 'y' });
  });
});

describe('mapping types', () => {
  const template = {
    properties: {
      kw: { type: 'keyword', ignore_above: 5 },
      txt: { type: 'text' },
      mot: { type: 'match_only_text' },
      ds: { type: 'constant_keyword', value: 'rendiff.api' },
      l: { type: 'long' },
      i: { type: 'integer' },
      s: { type: 'short' },
      b: { type: 'byte' },
      d: { type: 'double' },
      f: { type: 'float' },
      sf: { type: 'scaled_float', scaling_factor: 100 },
      flag: { type: 'boolean' },
      when: { type: 'date', format: 'yyyy-MM-dd HH:mm:ss||epoch_millis' },
      ip: { type: 'ip' },
      geo: { type: 'geo_point' },
      obj: { properties: { inner: { type: 'keyword' } } },
      labels: { type: 'flattened' },
    },
  };

  async function indexOne(document: Record<string, unknown>): Promise<{ status: number; error?: { type: string; reason: string; caused_by?: { reason: string } } }> {
    const result = await es.bulk({ refresh: true, operations: [{ index: { _index: 'typed' } }, document] });
    return Object.values(result.items[0] ?? {})[0] as { status: number; error?: { type: string; reason: string } };
  }

  it('accepts and normalises each type, and searches by it', async () => {
    await es.indices.create({ index: 'typed', mappings: template as never });
    const ok = await indexOne({
      kw: 'short', txt: 'Hello Wide World', mot: 'only text', ds: 'rendiff.api', l: '42', i: 7.9, s: -300, b: 12, d: 1.5, f: 0.25, sf: 1.234,
      flag: 'true', when: '2026-10-01 12:30:00', ip: '::ffff:10.1.2.3', geo: 'POINT (13.4 52.5)', obj: { inner: 'x' }, labels: { team: 'video', tier: 'gold' },
    });
    expect(ok.status).toBe(201);
    const hit = async (query: unknown) => (await es.search({ index: 'typed', query: query as never })).hits.hits.length;
    expect(await hit({ term: { l: 42 } })).toBe(1);
    expect(await hit({ term: { i: 7 } })).toBe(1);
    expect(await hit({ term: { sf: 1.23 } })).toBe(1);
    expect(await hit({ term: { flag: true } })).toBe(1);
    expect(await hit({ range: { when: { gte: '2026-10-01 12:00:00', lt: '2026-10-01 13:00:00' } } })).toBe(1);
    expect(await hit({ term: { ip: '10.0.0.0/8' } })).toBe(1);
    expect(await hit({ match: { txt: 'world' } })).toBe(1);
    expect(await hit({ match: { mot: 'ONLY' } })).toBe(1);
    expect(await hit({ term: { 'labels.team': 'video' } })).toBe(1);
    expect(await hit({ term: { labels: 'gold' } })).toBe(1);
    expect(await hit({ term: { 'obj.inner': 'x' } })).toBe(1);
    expect(await hit({ geo_distance: { distance: '10km', geo: { lat: 52.52, lon: 13.4 } } })).toBe(1);
    const geoForms = [{ lat: 1, lon: 2 }, [2, 1], '1,2', 'POINT (2 1)', { type: 'Point', coordinates: [2, 1] }, 's01mtw'];
    for (const geo of geoForms) expect((await indexOne({ geo })).status).toBe(201);
  });

  it('rejects a value that does not fit its field for that item only, with Elasticsearch’s reason', async () => {
    await es.indices.create({ index: 'typed', mappings: template as never });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ l: 'abc' }, /failed to parse field \[l\] of type \[long\]/],
      [{ b: 300 }, /failed to parse field \[b\] of type \[byte\]/],
      [{ flag: 'yes' }, /failed to parse field \[flag\] of type \[boolean\]/],
      [{ when: '01/10/2026' }, /failed to parse field \[when\] of type \[date\]/],
      [{ ip: '999.1.1.1' }, /failed to parse field \[ip\] of type \[ip\]/],
      [{ geo: { lat: 95, lon: 0 } }, /failed to parse field \[geo\] of type \[geo_point\]/],
      [{ ds: 'other' }, /failed to parse field \[ds\] of type \[constant_keyword\]/],
      [{ obj: 'flat' }, /object mapping for \[obj\] tried to parse field \[obj\] as object, but found a concrete value/],
    ];
    for (const [document, reason] of cases) {
      const item = await indexOne(document);
      expect(item.status, JSON.stringify(document)).toBe(400);
      expect(item.error?.reason, JSON.stringify(document)).toMatch(reason);
    }
    const mixed = await es.bulk({ operations: [{ index: { _index: 'typed' } }, { l: 1 }, { index: { _index: 'typed' } }, { l: 'x' }, { index: { _index: 'typed' } }, { l: 3 }] });
    expect(mixed.items.map((item) => item.index?.status)).toEqual([201, 400, 201]);
  });

  it('keyword ignore_above keeps the value in _source but does not index it, and names the field in _ignored', async () => {
    await es.indices.create({ index: 'typed', mappings: template as never });
    await indexOne({ kw: 'far too long' });
    await indexOne({ kw: 'short' });
    expect((await es.search({ index: 'typed', query: { term: { kw: 'far too long' } } })).hits.hits).toHaveLength(0);
    const ignored = await es.search({ index: 'typed', query: { exists: { field: '_ignored' } } });
    expect(ignored.hits.hits.map((hit) => [hit._source, hit._ignored])).toEqual([[{ kw: 'far too long' }, ['kw']]]);
  });

  it('index.mapping.ignore_malformed indexes the rest of a document whose value does not fit, naming the field in _ignored (ignore_malformed page, _ignored field page)', async () => {
    await es.indices.create({
      index: 'lenient',
      settings: { 'index.mapping.ignore_malformed': true },
      mappings: { properties: { l: { type: 'long' }, when: { type: 'date' }, ip: { type: 'ip' }, strict: { type: 'integer', ignore_malformed: false }, kw: { type: 'keyword' }, obj: { properties: { a: { type: 'keyword' } } } } },
    });
    const write = async (document: Record<string, unknown>) => Object.values((await es.bulk({ refresh: true, operations: [{ index: { _index: 'lenient' } }, document] })).items[0] ?? {})[0]?.status;
    expect(await write({ l: 'abc', when: 'yesterday', ip: 'unknown', kw: 'kept', n: 1 })).toBe(201);
    // A dynamically mapped field takes the index's default too: `n` is a long now.
    expect(await write({ n: 'not a number', kw: 'second' })).toBe(201);
    // Not covered: a field that says false, a keyword or object given the wrong shape.
    expect(await write({ strict: 'abc' })).toBe(400);
    expect(await write({ obj: 'flat' })).toBe(400);
    expect(await write({ kw: { a: 1 } })).toBe(400);
    const hits = (await es.search({ index: 'lenient', query: { exists: { field: '_ignored' } }, sort: [{ kw: 'asc' }] })).hits.hits;
    expect(hits.map((hit) => [hit._source, hit._ignored])).toEqual([
      [{ l: 'abc', when: 'yesterday', ip: 'unknown', kw: 'kept', n: 1 }, ['l', 'when', 'ip']],
      [{ n: 'not a number', kw: 'second' }, ['n']],
    ]);
    expect((await es.count({ index: 'lenient', query: { term: { _ignored: 'n' } } })).count).toBe(1);
    expect((await es.count({ index: 'lenient', query: { range: { l: { gte: 0 } } } })).count).toBe(0);
    // An index-scoped setting, fixed once the index exists.
    expect(await failure(es.indices.putSettings({ index: 'lenient', settings: { 'index.mapping.ignore_malformed': false } }))).toMatchObject({ status: 400 });
  });

  it('maps unknown fields by Elasticsearch’s dynamic rules, then by dynamic templates; strict refuses them', async () => {
    await es.index({ index: 'dynamic', refresh: true, document: { word: 'hello', count: 3, ratio: 0.5, on: true, at: '2026-10-01T00:00:00Z', nested: { deep: 'x' }, dotted: { 'a.b': 1 } } });
    const properties = (await es.indices.getMapping({ index: 'dynamic' })).dynamic?.mappings.properties;
    expect(properties).toMatchObject({
      word: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      count: { type: 'long' },
      ratio: { type: 'float' },
      on: { type: 'boolean' },
      at: { type: 'date' },
      nested: { properties: { deep: { type: 'text' } } },
      dotted: { properties: { a: { properties: { b: { type: 'long' } } } } },
    });
    expect((await es.search({ index: 'dynamic', query: { term: { 'word.keyword': 'hello' } } })).hits.hits).toHaveLength(1);

    await es.indices.create({ index: 'templated', mappings: { dynamic_templates: [{ strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } }], properties: {} } });
    await es.index({ index: 'templated', document: { anything: 'x' } });
    expect((await es.indices.getMapping({ index: 'templated' })).templated?.mappings.properties?.anything).toEqual({ type: 'keyword', ignore_above: 1024 });

    await es.indices.create({ index: 'strict', mappings: { dynamic: 'strict', properties: { known: { type: 'keyword' } } } });
    expect(await failure(es.index({ index: 'strict', document: { unknown: 1 } }))).toMatchObject({ status: 400, type: 'strict_dynamic_mapping_exception' });
  });

  it('refuses a document that would exceed the total fields limit', async () => {
    await es.indices.create({ index: 'limited', settings: { 'index.mapping.total_fields.limit': 3 } });
    await es.index({ index: 'limited', document: { a: 1, b: 2 } });
    const error = await failure(es.index({ index: 'limited', document: { c: 1, d: 2 } }));
    expect(error).toMatchObject({ status: 400 });
    expect(error.reason).toMatch(/Limit of total fields \[3\] has been exceeded/);
  });

  it('with ignore_dynamic_beyond_limit, indexes the document and names in _ignored the fields past the limit (mapping limit settings)', async () => {
    await es.indices.create({ index: 'roomy', settings: { 'index.mapping.total_fields.limit': 3, 'index.mapping.total_fields.ignore_dynamic_beyond_limit': true } });
    await es.index({ index: 'roomy', id: '1', document: { a: 1, b: 2 } });
    // c is the third field; the object and d would be the fourth and fifth: left out, as with dynamic false, but named.
    // A string would have been two (text and its keyword sub-field), and so left out too.
    await es.index({ index: 'roomy', id: '2', document: { c: 3, obj: { inner: 1 }, d: 4, e: 'x', a: 5 }, refresh: true });
    expect(Object.keys((await es.indices.getMapping({ index: 'roomy' })).roomy?.mappings.properties ?? {}).sort()).toEqual(['a', 'b', 'c']);
    const hit = (await es.search({ index: 'roomy', query: { term: { _ignored: 'obj' } } })).hits.hits[0];
    expect(hit?._id).toBe('2');
    expect([...(hit?._ignored ?? [])].sort()).toEqual(['d', 'e', 'obj']);
    expect(hit?._source).toEqual({ c: 3, obj: { inner: 1 }, d: 4, e: 'x', a: 5 });
    expect((await es.count({ index: 'roomy', query: { term: { a: 5 } } })).count).toBe(1);
    expect((await es.count({ index: 'roomy', query: { exists: { field: 'obj.inner' } } })).count).toBe(0);
  });
});

describe('search', () => {
  beforeAll(async () => undefined);

  async function seed(): Promise<void> {
    await es.indices.create({
      index: 'films',
      mappings: { properties: { title: { type: 'text', fields: { raw: { type: 'keyword' } } }, year: { type: 'integer' }, genre: { type: 'keyword' }, released: { type: 'date' }, rating: { type: 'double' } } },
    });
    const films = [
      { title: 'The Quick Brown Fox', year: 1999, genre: 'comedy', released: '1999-05-01', rating: 7.5 },
      { title: 'Brown Fox Returns', year: 2004, genre: 'comedy', released: '2004-07-01', rating: 6.1 },
      { title: 'Lazy Dog', year: 2010, genre: 'drama', released: '2010-01-15', rating: 8.2 },
      { title: "O'Brien and the Fox", year: 2020, genre: 'drama', released: '2020-03-03', rating: 5.0 },
      { title: 'Untitled', year: 2024, genre: 'documentary', rating: 9.1 },
    ];
    await es.bulk({ refresh: true, operations: films.flatMap((film, i) => [{ index: { _index: 'films', _id: String(i + 1) } }, film]) });
  }

  const ids = async (query: unknown, extra: Record<string, unknown> = {}): Promise<string[]> =>
    (await es.search({ index: 'films', query: query as never, size: 20, sort: [{ year: 'asc' }], ...extra })).hits.hits.map((hit) => hit._id as string);

  it('queries: match, match_phrase, multi_match, term, terms, range, exists, prefix, wildcard, ids, bool', async () => {
    await seed();
    expect(await ids({ match: { title: 'fox brown' } })).toEqual(['1', '2', '4']);
    expect(await ids({ match: { title: { query: 'fox brown', operator: 'and' } } })).toEqual(['1', '2']);
    expect(await ids({ match_phrase: { title: 'brown fox' } })).toEqual(['1', '2']);
    expect(await ids({ match_phrase: { title: 'fox brown' } })).toEqual([]);
    expect(await ids({ multi_match: { query: 'drama', fields: ['title', 'genre'] } })).toEqual(['3', '4']);
    expect(await ids({ term: { genre: 'comedy' } })).toEqual(['1', '2']);
    expect(await ids({ term: { genre: 'Comedy' } })).toEqual([]);
    expect(await ids({ terms: { year: [1999, 2024] } })).toEqual(['1', '5']);
    expect(await ids({ range: { year: { gte: 2004, lt: 2020 } } })).toEqual(['2', '3']);
    expect(await ids({ range: { released: { gte: '2004-01-01||/y', lte: '2010-01-15' } } })).toEqual(['2', '3']);
    expect(await ids({ exists: { field: 'released' } })).toEqual(['1', '2', '3', '4']);
    expect(await ids({ prefix: { 'title.raw': 'Brown' } })).toEqual(['2']);
    expect(await ids({ wildcard: { 'title.raw': '*Fox*' } })).toEqual(['1', '2', '4']);
    expect(await ids({ ids: { values: ['3', '5', '99'] } })).toEqual(['3', '5']);
    expect(await ids({ bool: { must: [{ match: { title: 'fox' } }], filter: [{ term: { genre: 'comedy' } }], must_not: [{ term: { year: 2004 } }] } })).toEqual(['1']);
    expect(await ids({ bool: { should: [{ term: { genre: 'drama' } }, { range: { rating: { gte: 7 } } }], minimum_should_match: 2 } })).toEqual(['3']);
  });

  it("text keeps a word with an apostrophe, straight or typographic, as one token (Unicode's word boundaries, as Lucene's standard tokenizer)", async () => {
    await es.indices.create({ index: 'names', mappings: { properties: { name: { type: 'text' } } } });
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'names', _id: 'typographic' } }, { name: 'O\u2019Brien' }, { index: { _index: 'names', _id: 'straight' } }, { name: "O'Neill" }] });
    const found = async (text: string): Promise<string[]> => (await es.search({ index: 'names', query: { match: { name: text } } })).hits.hits.map((hit) => hit._id as string);
    expect(await found('o\u2019brien')).toEqual(['typographic']);
    expect(await found("o'neill")).toEqual(['straight']);
    expect(await found('brien')).toEqual([]);
    expect(await found('neill')).toEqual([]);
  });

  it('date math against the emulator clock: now-1h/h and friends', async () => {
    await es.indices.create({ index: 'recent', mappings: { properties: { at: { type: 'date' } } } });
    const { now } = (await (await raw('/_emulator/clock')).json()) as { now: number };
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'recent', _id: 'old' } }, { at: now - 3 * 3_600_000 }, { index: { _index: 'recent', _id: 'new' } }, { at: now - 60_000 }] });
    const found = await es.search({ index: 'recent', query: { range: { at: { gte: 'now-1h/h' } } } });
    expect(found.hits.hits.map((hit) => hit._id)).toEqual(['new']);
    expect((await es.count({ index: 'recent', query: { range: { at: { lt: 'now-2h' } } } })).count).toBe(1);
  });

  it('query_string and simple_query_string in their common syntax', async () => {
    await seed();
    expect(await ids({ query_string: { query: 'genre:comedy AND year:>2000' } })).toEqual(['2']);
    expect(await ids({ query_string: { query: 'title:fox -genre:drama' } })).toEqual(['1', '2']);
    expect(await ids({ query_string: { query: '"lazy dog" OR year:[2020 TO 2024]' } })).toEqual(['3', '4', '5']);
    expect(await ids({ query_string: { query: 'ret*', default_field: 'title' } })).toEqual(['2']);
    expect(await ids({ simple_query_string: { query: 'fox + -comedy', fields: ['title', 'genre'] } })).toEqual(['4']);
    expect(await ids({ simple_query_string: { query: 'lazy | untitled', fields: ['title'] } })).toEqual(['3', '5']);
    expect((await es.search({ index: 'films', q: 'title:lazy' })).hits.hits.map((hit) => hit._id)).toEqual(['3']);
  });

  it('sort, from/size, search_after, _source filtering and total hits', async () => {
    await seed();
    const page = await es.search({ index: 'films', sort: [{ rating: 'desc' }], size: 2, from: 1, _source: ['title'] });
    expect(page.hits.total).toEqual({ value: 5, relation: 'eq' });
    expect(page.hits.hits.map((hit) => [hit._id, hit._source, hit.sort])).toEqual([
      ['3', { title: 'Lazy Dog' }, [8.2]],
      ['1', { title: 'The Quick Brown Fox' }, [7.5]],
    ]);
    const after = await es.search({ index: 'films', sort: [{ rating: 'desc' }], size: 2, search_after: [7.5] });
    expect(after.hits.hits.map((hit) => hit._id)).toEqual(['2', '4']);
    const missingLast = await es.search({ index: 'films', sort: [{ released: 'desc' }], size: 5 });
    expect(missingLast.hits.hits.map((hit) => hit._id)).toEqual(['4', '3', '2', '1', '5']);
    const excluded = await es.search({ index: 'films', query: { ids: { values: ['1'] } }, _source: { excludes: ['title', 'rating'] } });
    expect(excluded.hits.hits[0]?._source).toEqual({ year: 1999, genre: 'comedy', released: '1999-05-01' });
    const capped = await es.search({ index: 'films', track_total_hits: 2, size: 0 });
    expect(capped.hits.total).toEqual({ value: 2, relation: 'gte' });
    const none = await es.search({ index: 'films', track_total_hits: false, size: 0 });
    expect(none.hits.total).toBeUndefined();
  });

  it('searches across indices, aliases, wildcards and comma lists', async () => {
    await es.index({ index: 'part-a', document: { x: 1 }, refresh: true });
    await es.index({ index: 'part-b', document: { x: 2 }, refresh: true });
    await es.index({ index: 'other', document: { x: 3 }, refresh: true });
    await es.indices.putAlias({ index: 'part-b', name: 'bee' });
    expect((await es.count({ index: 'part-*' })).count).toBe(2);
    expect((await es.count({ index: 'part-a,other' })).count).toBe(2);
    expect((await es.count({ index: 'bee' })).count).toBe(1);
    expect((await es.count({ index: '*,-other' })).count).toBe(2);
    expect((await es.count()).count).toBe(3);
  });

  it('regexp and constant_score queries; filter_path and pretty on responses', async () => {
    await seed();
    expect(await ids({ regexp: { genre: 'com.*' } })).toEqual(['1', '2']);
    const scored = await es.search({ index: 'films', query: { constant_score: { filter: { term: { genre: 'drama' } }, boost: 3 } } });
    expect(scored.hits.hits.map((hit) => hit._score)).toEqual([3, 3]);
    const filtered = await raw('/films/_search?filter_path=hits.hits._id,hits.total.value&size=1');
    expect(await filtered.json()).toEqual({ hits: { total: { value: 5 }, hits: [{ _id: expect.any(String) }] } });
    const pretty = await (await raw('/?pretty')).text();
    expect(pretty).toContain('\n  "cluster_name": "sluice-emulator"');
  });

  it('format=yaml (or an Accept of YAML) answers in YAML as Jackson writes it, on any API, errors and _cat too', async () => {
    await seed();
    for (const path of ['/films/_search?size=2&sort=_id', '/_cluster/health', '/_cat/indices?h=i,dc', '/nothing/_search']) {
      const json = await (await raw(`${path}${path.includes('?') ? '&' : '?'}format=json`)).json();
      const answer = await raw(`${path}${path.includes('?') ? '&' : '?'}format=yaml`);
      expect(answer.headers.get('content-type'), path).toBe('application/yaml');
      const text = await answer.text();
      expect(text.startsWith('---\n'), path).toBe(true);
      const read = parseYaml(text) as { took?: number };
      if (typeof read.took === 'number') read.took = (json as { took: number }).took;
      expect(read, path).toEqual(json);
    }
    const health = await (await raw('/_cluster/health?format=yaml')).text();
    expect(health).toContain('\ncluster_name: "sluice-emulator"\n');
    expect(await (await raw('/_cat/count?h=count', { headers: { accept: 'application/yaml' } })).text()).toBe('---\n- count: "5"\n');
  });

  // Elasticsearch's rest-api-spec search/70_response_filtering.yml, "Search with response filtering" (its
  // include filters; `_type` is gone since 8.0), and a bulk answer filtered as Beats and the worker ask for it.
  it('filter_path keeps what `*`, `**` and partial wildcards name, at any depth and in every array item', async () => {
    await es.index({ index: 'test', id: '1', document: { foo: 'bar' } });
    await es.index({ index: 'test', id: '2', document: { foo: 'bar' }, refresh: true });
    const search = async (filterPath: string) => (await (await raw(`/test/_search?rest_total_hits_as_int=true&filter_path=${filterPath}`)).json()) as Record<string, any>;
    const everything = await search('*');
    expect(everything.took).toBeGreaterThanOrEqual(0);
    expect(everything._shards.total).toBe(1);
    expect(everything.hits.total).toBe(2);
    expect(everything.hits.hits.map((hit: { _index: string; _id: string }) => [hit._index, hit._id]).sort()).toEqual([['test', '1'], ['test', '2']]);
    expect(await search('took')).toEqual({ took: expect.any(Number) });
    expect(await search('_shards.*')).toEqual({ _shards: everything._shards });
    const deep = await search('hits.**._i*,**.total');
    expect(deep.took).toBeUndefined();
    expect(deep._shards).toEqual({ total: 1 });
    expect(deep.hits.total).toBe(2);
    expect(deep.hits.hits.map((hit: object) => Object.keys(hit).sort())).toEqual([['_id', '_index'], ['_id', '_index']]);
    // `**` stands for one level or more: Elasticsearch's FilterPath matches a name against the children of the
    // node that `**` itself reached, so `**.took` does not reach the top-level `took`.
    expect((await search('**._id')).hits.hits.map((hit: object) => Object.keys(hit))).toEqual([['_id'], ['_id']]);
    expect(await search('**.took')).toEqual({});

    const body = '{"index":{"_index":"test","_id":"3"}}\n{"foo":"baz"}\n{"create":{"_index":"test","_id":"3"}}\n{"foo":"qux"}\n{"index":{"_index":"test","_id":"4"}}\n{"foo":{"x":1}}\n';
    const bulk = await raw('/_bulk?filter_path=errors,items.*.status,items.*.error.type', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    expect(await bulk.json()).toEqual({ errors: true, items: [{ index: { status: 201 } }, { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } }, { index: { status: 400, error: { type: 'document_parsing_exception' } } }] });
  });

  it('an unknown query type answers 400 parsing_exception', async () => {
    await seed();
    expect(await failure(es.search({ index: 'films', query: { fuzzy_wuzzy: { title: 'x' } } as never }))).toEqual({ status: 400, type: 'parsing_exception', reason: 'unknown query [fuzzy_wuzzy]' });
  });
});

describe('_msearch, _mget and _delete_by_query (multi search, multi get and delete by query APIs)', () => {
  async function logs(): Promise<void> {
    const lines = [['a', 200, 'api'], ['b', 503, 'api'], ['c', 200, 'worker'], ['d', 404, 'api']] as const;
    await es.bulk({ refresh: true, operations: lines.flatMap(([id, status, service]) => [{ index: { _index: 'logs-x', _id: id } }, { status, service }]) });
    await es.index({ index: 'other', id: 'z', document: { status: 500, service: 'api' }, refresh: true });
  }

  it('_msearch answers each search in order, as _search would; a failing one answers in its place, with its status', async () => {
    await logs();
    const { responses } = await es.msearch({
      searches: [
        { index: 'logs-x' }, { size: 0, query: { range: { status: { gte: 500 } } } },
        {}, { size: 0, aggs: { by: { terms: { field: 'service.keyword' } } } },
        { index: 'missing' }, { query: { match_all: {} } },
        { index: 'logs-x' }, { query: { fuzzy_wuzzy: {} } },
        { index: ['logs-x', 'other'], ignore_unavailable: true }, { size: 0, query: { term: { service: 'api' } } },
      ] as never,
    });
    const summary = responses.map((response) => ('error' in response ? [response.status, response.error.type] : [response.status, (response.hits.total as { value: number }).value]));
    expect(summary).toEqual([[200, 1], [200, 5], [404, 'index_not_found_exception'], [400, 'parsing_exception'], [200, 4]]);
    expect((responses[1] as unknown as { aggregations: { by: { buckets: unknown[] } } }).aggregations.by.buckets).toEqual([{ key: 'api', doc_count: 4 }, { key: 'worker', doc_count: 1 }]);
    // A point in time in the body, with no index in the header; with one, the whole request is invalid.
    const pit = await es.openPointInTime({ index: 'logs-x', keep_alive: '1m' });
    await es.index({ index: 'logs-x', id: 'e', document: { status: 200, service: 'api' }, refresh: true });
    const inPit = await es.msearch({ searches: [{}, { pit: { id: pit.id }, size: 0 }, { index: 'logs-x' }, { size: 0 }] });
    expect(inPit.responses.map((response) => ('hits' in response ? (response.hits.total as { value: number }).value : undefined))).toEqual([4, 5]);
    expect(await failure(es.msearch({ searches: [{ index: 'logs-x' }, { pit: { id: pit.id } }] }))).toMatchObject({ status: 400, type: 'action_request_validation_exception', reason: 'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;' });
  });

  it('_msearch refuses the request for an unknown header key, a missing last newline, an unknown search type or no search (RestMultiSearchAction)', async () => {
    await logs();
    const post = async (body: string) => {
      const response = await raw('/_msearch', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
      return [response.status, ((await response.json()) as { error: { root_cause: Array<{ reason: string }> } }).error.root_cause[0]?.reason];
    };
    expect(await post('{"index":"logs-x","unknown_key":1}\n{}\n')).toEqual([400, 'key [unknown_key] is not supported in the metadata section']);
    expect(await post('{"constructor":1}\n{}\n')).toEqual([400, 'key [constructor] is not supported in the metadata section']);
    expect(await post('{"index":"logs-x"}\n{"query":{"match_all":{}}}')).toEqual([400, 'The msearch request must be terminated by a newline [\n]']);
    expect(await post('{"search_type":"scan"}\n{}\n')).toEqual([400, 'No search type for [scan]']);
    expect(await post('\n')).toEqual([400, 'Validation Failed: 1: no requests added;']);
    // An empty header line is the defaults (every index), as Kibana and Grafana send it.
    const empty = await raw('/logs-x/_msearch', { method: 'POST', body: '\n{"size":0}\n', headers: { 'content-type': 'application/x-ndjson' } });
    expect(((await empty.json()) as { responses: Array<{ hits: { total: { value: number } } }> }).responses[0]?.hits.total.value).toBe(4);
  });

  it('queries on the _index and _id metadata fields: term (a pattern for _index), terms, match, prefix, in bool filters', async () => {
    await logs();
    const ids = async (query: Record<string, unknown>) => (await es.search({ index: '*', query })).hits.hits.map((hit) => hit._id).sort();
    expect(await ids({ term: { _index: 'other' } })).toEqual(['z']);
    expect(await ids({ term: { _index: 'logs-*' } })).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids({ bool: { filter: [{ terms: { _index: ['other', 'nothing'] } }, { match: { service: 'api' } }] } })).toEqual(['z']);
    expect(await ids({ bool: { must: { match: { _index: 'logs-x' } }, must_not: { term: { _id: 'b' } } } })).toEqual(['a', 'c', 'd']);
    expect(await ids({ prefix: { _index: 'oth' } })).toEqual(['z']);
    expect(await ids({ terms: { _id: ['c', 'z'] } })).toEqual(['c', 'z']);
  });

  it('_mget gets each document as GET _doc does: found or not, its _source filtered, a missing index its item’s error', async () => {
    await logs();
    const { docs } = await es.mget({ docs: [{ _index: 'logs-x', _id: 'a' }, { _index: 'other', _id: 'z', _source: ['status'] }, { _index: 'logs-x', _id: 'nope' }, { _index: 'missing', _id: 'a' }] });
    expect(docs.map((doc) => ('error' in doc ? [doc._id, doc.error.type] : [doc._id, doc.found, doc._source]))).toEqual([
      ['a', true, { status: 200, service: 'api' }], ['z', true, { status: 500 }], ['nope', false, undefined], ['a', 'index_not_found_exception'],
    ]);
    const byIds = await es.mget({ index: 'logs-x', ids: ['b', 'c'], _source: false });
    expect(byIds.docs.map((doc) => ('found' in doc ? [doc._id, doc.found, doc._source] : undefined))).toEqual([['b', true, undefined], ['c', true, undefined]]);
    expect(await failure(es.mget({ docs: [{ _id: 'a' }, { _index: 'logs-x' }] as never }))).toMatchObject({ status: 400, type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing for doc 0;2: id is missing for doc 1;' });
    expect(await failure(es.mget({ index: 'logs-x', docs: [] }))).toMatchObject({ status: 400, reason: 'Validation Failed: 1: no documents to get;' });
  });

  it('_delete_by_query deletes what its query matches in the refreshed view, at most max_docs, and refreshes when asked', async () => {
    await logs();
    await es.index({ index: 'logs-x', id: 'unrefreshed', document: { status: 500, service: 'api' } });
    const deleted = await es.deleteByQuery({ index: 'logs-x', query: { range: { status: { gte: 400 } } }, refresh: true });
    expect([deleted.deleted, deleted.total, deleted.failures]).toEqual([2, 2, []]);
    // The document indexed after the last refresh was not seen, so it stays.
    expect((await es.search({ index: 'logs-x' })).hits.hits.map((hit) => hit._id).sort()).toEqual(['a', 'c', 'unrefreshed']);
    expect((await es.deleteByQuery({ index: 'logs-x,other', max_docs: 1, query: { term: { service: 'api' } } })).deleted).toBe(1);
    expect(await failure(es.deleteByQuery({ index: 'missing', query: { match_all: {} } }))).toMatchObject({ status: 404, type: 'index_not_found_exception' });
    expect(await failure(es.deleteByQuery({ index: 'logs-x' }))).toMatchObject({ status: 400, reason: 'Validation Failed: 1: query is missing;' });
    expect((await es.deleteByQuery({ index: 'logs-x', q: 'service:worker', refresh: true })).deleted).toBe(1);
    const rethrottled = await es.deleteByQueryRethrottle({ task_id: 'test:007', requests_per_second: 2 });
    expect(rethrottled.node_failures?.[0]?.caused_by).toMatchObject({ type: 'no_such_node_exception' });
  });
});

describe('bad input', () => {
  it('a malformed action line fails the whole _bulk with 400; a malformed document line fails its item only', async () => {
    const badAction = await raw('/_bulk', { method: 'POST', body: '{"index":{"_index":"x"}}\n{"a":1}\nnot json\n' , headers: { 'content-type': 'application/x-ndjson' } });
    expect(badAction.status).toBe(400);
    expect(await badAction.json()).toMatchObject({ error: { type: 'illegal_argument_exception', reason: 'Malformed action/metadata line [3], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]' } });
    const badDoc = await raw('/_bulk', { method: 'POST', body: '{"index":{"_index":"x","_id":"1"}}\n{"a": oops}\n{"index":{"_index":"x","_id":"2"}}\n{"a":2}\n', headers: { 'content-type': 'application/x-ndjson' } });
    const body = (await badDoc.json()) as { errors: boolean; items: Array<{ index: { status: number; error?: { type: string } } }> };
    expect(badDoc.status).toBe(200);
    expect(body.errors).toBe(true);
    expect(body.items.map((item) => [item.index.status, item.index.error?.type])).toEqual([[400, 'document_parsing_exception'], [201, undefined]]);
  });

  it('a body over http.max_content_length answers 413', async () => {
    const response = await raw('/big/_doc/1', { method: 'PUT', body: JSON.stringify({ text: 'x'.repeat(70 * 1024) }) });
    expect(response.status).toBe(413);
    expect(await es.indices.exists({ index: 'big' })).toBe(false);
  });

  it('invalid JSON answers 400, an unknown endpoint 400, a wrong method 405', async () => {
    expect((await raw('/x/_search', { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await raw('/x/_count', { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await raw('/x/_doc/1', { method: 'PUT', body: '[1]' })).status).toBe(400);
    expect((await raw('/_nonsense/endpoint/here', { method: 'GET' })).status).toBe(400);
    expect((await raw('/_cat/indices', { method: 'DELETE' })).status).toBe(405);
  });
});

describe('fault injection under /_emulator/faults', () => {
  const faults = (body: Record<string, unknown>) => raw('/_emulator/faults', { method: 'POST', body: JSON.stringify(body) });

  it('the next N bulk requests answer 429 es_rejected_execution_exception', async () => {
    await faults({ bulk_rejections: 2 });
    for (let i = 0; i < 2; i += 1) expect(await failure(es.bulk({ operations: [{ index: { _index: 'f' } }, { a: 1 }] }))).toMatchObject({ status: 429, type: 'es_rejected_execution_exception' });
    expect((await es.bulk({ operations: [{ index: { _index: 'f' } }, { a: 1 }] })).errors).toBe(false);
  });

  it('every request answers 503 for a while, then service resumes', async () => {
    await faults({ unavailable_ms: 300 });
    expect(await failure(es.info())).toMatchObject({ status: 503 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await es.info()).tagline).toBe('You Know, for Search');
  });

  it('added latency', async () => {
    await faults({ latency_ms: 200 });
    const start = Date.now();
    await es.info();
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
  });

  it('a share of bulk items rejected with 429, the rest indexed', async () => {
    await faults({ bulk_item_reject_ratio: 0.25 });
    const result = await es.bulk({ refresh: true, operations: Array.from({ length: 20 }, (_, i) => [{ index: { _index: 'share', _id: String(i) } }, { i }]).flat() });
    const statuses = result.items.map((item) => item.index?.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    expect(result.items.find((item) => item.index?.status === 429)?.index?.error?.type).toBe('es_rejected_execution_exception');
    expect((await es.count({ index: 'share' })).count).toBe(15);
  });

  it('is off by default and reports its state', async () => {
    expect(await (await raw('/_emulator/faults')).json()).toEqual({ bulk_rejections: 0, unavailable_ms: 0, latency_ms: 0, bulk_item_reject_ratio: 0 });
  });
});

describe('field names', () => {
  it('indexes fields named like Object.prototype members, and merges a dotted mapping name into the object it names', async () => {
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'protonames' } }, { constructor: 'x', toString: 'y', n: { hasOwnProperty: 7 } }] });
    const found = await es.search({ index: 'protonames', query: { bool: { filter: [{ match: { constructor: 'x' } }, { term: { 'n.hasOwnProperty': 7 } }] } } });
    expect(found.hits.hits).toHaveLength(1);
    const dynamic = await es.indices.getMapping({ index: 'protonames' });
    expect(Object.keys(dynamic.protonames?.mappings.properties ?? {}).sort()).toEqual(['constructor', 'n', 'toString']);

    await es.indices.create({ index: 'dotted', mappings: { properties: { a: { properties: { x: { type: 'keyword' } } } } } });
    await es.indices.putMapping({ index: 'dotted', properties: { 'a.b': { type: 'long' } } });
    const merged = await es.indices.getMapping({ index: 'dotted' });
    expect(merged.dotted?.mappings.properties?.a).toEqual({ properties: { x: { type: 'keyword' }, b: { type: 'long' } } });
  });
});

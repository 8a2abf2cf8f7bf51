import { checkIndexSettings, checkRolloverBody } from '../admin-parsers.js';
import type { EmulatedNode } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { matchesPattern } from '../glob.js';
import type { Mappings } from '../mapping.js';
import { ok, type Reply, type Request, type Route, truthy } from '../router.js';
import { flattenSettings, type Json, nestSettings, resolveOptionsOf } from '../store.js';

/** Refresh, rollover, mappings and settings of indices. */
export function indexSettingRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const refresh = (request: Request): Reply => {
    const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true });
    for (const index of indices) index.refresh();
    return ok({ _shards: { total: indices.length * 2, successful: indices.length, failed: 0 } });
  };
  route(['POST', 'GET'], '/_refresh', refresh);
  route(['POST', 'GET'], '/{index}/_refresh', refresh);
  const rollover = (request: Request): Reply => {
    const body = request.json;
    checkRolloverBody(body);
    return ok(c.rollover(request.params.target as string, (body.conditions as Json | undefined) ?? {}, { dryRun: truthy(request.query.dry_run), newIndex: request.params.newIndex, body }));
  };
  route('POST', '/{target}/_rollover', rollover);
  route('POST', '/{target}/_rollover/{newIndex}', rollover);

  // `_mappings` is the same API under its plural name (prometheus-elasticsearch-exporter asks `_all/_mappings`).
  for (const name of ['_mapping', '_mappings']) {
    route(['GET'], `/${name}`, (request) => getMappings(node, request));
    route(['GET'], `/{index}/${name}`, (request) => getMappings(node, request));
    route(['PUT', 'POST'], `/{index}/${name}`, (request) => {
      const mappings = request.json as Mappings;
      // RestPutMappingAction: a body of one `_doc` key is a typed mapping, which 8.0 removed.
      if (Object.keys(mappings).length === 1 && Object.hasOwn(mappings, '_doc')) throw badRequest('Types cannot be provided in put mapping requests');
      const targets = truthy(request.query.write_index_only) ? (request.params.index as string).split(',').map((part) => c.writeIndexOf(part.trim())) : c.resolve(request.params.index);
      for (const index of targets) c.putMapping(index, mappings);
      return ok({ acknowledged: true });
    });
  }
  route(['POST', 'GET'], '/{index}/_reload_search_analyzers', (request) => {
    // Analyzers here are built in and never change: every index reports nothing reloaded.
    const indices = c.resolve(request.params.index, { expandHidden: true });
    return ok({ _shards: { total: indices.length, successful: indices.length, failed: 0 }, reload_details: indices.map((index) => ({ index: index.name, reloaded_analyzers: [], reloaded_node_ids: [] })) });
  });
  route('GET', '/_settings', (request) => getSettings(node, request));
  route('GET', '/_settings/{name}', (request) => getSettings(node, request));
  route('GET', '/{index}/_settings', (request) => getSettings(node, request));
  route('GET', '/{index}/_settings/{name}', (request) => getSettings(node, request));
  const putSettings = (request: Request): Reply => {
    const body = request.json;
    // A null resets a setting, as the flood stage's block is lifted: {"index.blocks.read_only_allow_delete": null}.
    const flat = flattenSettings((body.settings as Json | undefined) ?? body, '', true);
    checkIndexSettings(flat);
    const indices = c.resolve(request.params.index, resolveOptionsOf(request.query, { expandHidden: true }));
    // MetadataUpdateSettingsService: a static setting changes on closed indices, or on open ones closed and reopened for
    // it when `reopen` is asked (since 8.12); the shard count never.
    const fixed = Object.keys(flat).filter((key) => STATIC_SETTINGS.has(key) && (key === 'index.number_of_shards' || !truthy(request.query.reopen)));
    const open = indices.filter((index) => !index.closed);
    if (fixed.length > 0 && open.length > 0) throw badRequest(`Can't update non dynamic settings [[${fixed.join(', ')}]] for open indices [${open.map((index) => `[${index.name}/${index.uuid}]`).join(', ')}]`);
    // `preserve_existing` leaves a setting an index has as it is.
    const preserve = truthy(request.query.preserve_existing);
    for (const index of indices) {
      for (const [key, value] of Object.entries(flat)) {
        if (preserve && index.settings[key] !== undefined) continue;
        if (value === 'null') delete index.settings[key];
        else index.settings[key] = value;
      }
    }
    c.journal?.meta();
    if (flat['index.lifecycle.name']) c.onLifecycleChange?.();
    return ok({ acknowledged: true });
  };
  route('PUT', '/_settings', putSettings);
  route('PUT', '/{index}/_settings', putSettings);
}

/** Index settings that are not Property.Dynamic (IndexMetadata, EngineConfig, IndexSortConfig …), of those the emulator takes. */
const STATIC_SETTINGS = new Set(['index.number_of_shards', 'index.codec', 'index.routing_partition_size', 'index.mapping.ignore_malformed', 'index.number_of_routing_shards', 'index.mode', 'index.sort.field', 'index.sort.order', 'index.mapping.source.mode']);

function getMappings(node: EmulatedNode, request: Request): Reply {
  const indices = node.cluster.resolve(request.params.index, resolveOptionsOf(request.query, { expandHidden: request.params.index !== undefined }));
  return ok(Object.fromEntries(indices.map((index) => [index.name, { mappings: index.mappings }])));
}

/**
 * With `include_defaults`, the defaults of the index settings the emulator applies (Elasticsearch lists every setting it
 * has), each where the index does not set it.
 */
const SETTING_DEFAULTS: Record<string, string> = {
  'index.refresh_interval': '1s',
  'index.max_result_window': '10000',
  'index.max_docvalue_fields_search': '100',
  'index.max_script_fields': '32',
  'index.max_terms_count': '65536',
  'index.max_regex_length': '1000',
  'index.mapping.total_fields.limit': '1000',
  'index.mapping.total_fields.ignore_dynamic_beyond_limit': 'false',
  'index.mapping.depth.limit': '20',
  'index.mapping.ignore_malformed': 'false',
  'index.hidden': 'false',
};

function getSettings(node: EmulatedNode, request: Request): Reply {
  const indices = node.cluster.resolve(request.params.index, resolveOptionsOf(request.query, { expandHidden: request.params.index !== undefined }));
  // Settings named by patterns, comma-separated; `_all` is every one.
  const patterns = request.params.name?.split(',').map((pattern) => (pattern === '_all' ? '*' : pattern));
  const named = (settings: Record<string, string>): Record<string, string> => (patterns === undefined ? settings : Object.fromEntries(Object.entries(settings).filter(([key]) => patterns.some((pattern) => matchesPattern(pattern, key)))));
  const shown = (flat: Record<string, string>): Json => (truthy(request.query.flat_settings) ? flat : nestSettings(flat));
  return ok(
    Object.fromEntries(
      indices.map((index) => {
        const defaults = truthy(request.query.include_defaults) ? named(Object.fromEntries(Object.entries(SETTING_DEFAULTS).filter(([key]) => index.settings[key] === undefined))) : undefined;
        return [index.name, { settings: shown(named(index.settings)), ...(defaults === undefined ? {} : { defaults: shown(defaults) }) }];
      }),
    ),
  );
}

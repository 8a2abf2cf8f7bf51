/**
 * What Elasticsearch's parsers of the admin bodies accept: each field type's mapping parameters, the index settings,
 * the keys of a create-index body, of index and component templates, of a lifecycle policy's phases and actions, of
 * rollover, reindex and alias bodies. A name they do not know is refused with Elasticsearch's error, never kept:
 * Sluice's own templates and policies (`ilm/`) go to a real cluster in production, where a misspelt parameter fails the
 * install, so it must fail here first. Suggestions are ranked as Elasticsearch ranks them (rest-params.ts).
 */
import { EsError } from './errors.js';
import type { FieldMapping } from './mapping.js';
import { alike } from './rest-params.js';

/** Every field mapper's (FieldMapper.Builder): its metadata, multi-fields, copy_to, and since 8.15 what synthetic source keeps. */
const FIELD_COMMON = ['type', 'meta', 'fields', 'copy_to', 'synthetic_source_keep'];
/** The fields a script can compute at index time (runtime-capable types). */
const SCRIPTED = ['script', 'on_script_error'];
const NUMBER = [...FIELD_COMMON, ...SCRIPTED, 'coerce', 'doc_values', 'ignore_malformed', 'index', 'null_value', 'store', 'time_series_dimension', 'time_series_metric'];
const DATE = [...FIELD_COMMON, ...SCRIPTED, 'doc_values', 'format', 'locale', 'ignore_malformed', 'index', 'null_value', 'store'];
const OBJECT = ['type', 'properties', 'dynamic', 'enabled', 'subobjects', 'synthetic_source_keep'];

/** Each supported type's parameters, as its mapper's Builder declares them (Elasticsearch 9). */
const FIELD_PARAMETERS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(Object.entries({
  keyword: [...FIELD_COMMON, ...SCRIPTED, 'doc_values', 'eager_global_ordinals', 'ignore_above', 'index', 'index_options', 'norms', 'null_value', 'similarity', 'normalizer', 'split_queries_on_whitespace', 'store', 'time_series_dimension'],
  text: [...FIELD_COMMON, 'analyzer', 'search_analyzer', 'search_quote_analyzer', 'eager_global_ordinals', 'fielddata', 'fielddata_frequency_filter', 'index', 'index_options', 'index_prefixes', 'index_phrases', 'norms', 'position_increment_gap', 'similarity', 'store', 'term_vector'],
  match_only_text: FIELD_COMMON,
  wildcard: [...FIELD_COMMON, 'ignore_above', 'null_value'],
  constant_keyword: ['type', 'meta', 'value'],
  long: NUMBER, integer: NUMBER, short: NUMBER, byte: NUMBER, double: NUMBER, float: NUMBER, half_float: NUMBER, unsigned_long: NUMBER,
  scaled_float: [...NUMBER, 'scaling_factor'],
  boolean: [...FIELD_COMMON, ...SCRIPTED, 'doc_values', 'index', 'null_value', 'store', 'ignore_malformed', 'time_series_dimension'],
  date: DATE,
  date_nanos: DATE,
  ip: [...FIELD_COMMON, ...SCRIPTED, 'doc_values', 'ignore_malformed', 'index', 'null_value', 'store', 'time_series_dimension'],
  geo_point: [...FIELD_COMMON, ...SCRIPTED, 'doc_values', 'ignore_malformed', 'ignore_z_value', 'index', 'null_value', 'store'],
  flattened: ['type', 'meta', 'depth_limit', 'doc_values', 'eager_global_ordinals', 'ignore_above', 'index', 'index_options', 'null_value', 'similarity', 'split_queries_on_whitespace', 'time_series_dimensions'],
  alias: ['type', 'path'],
  object: OBJECT,
  nested: [...OBJECT, 'include_in_parent', 'include_in_root'],
}).map(([type, names]) => [type, new Set(names)]));

/**
 * Refuses a mapping parameter the field's type does not have: a field mapper's "unknown parameter [x] on mapper [f]
 * of type [t]", an object's "Mapping definition for [f] has unsupported parameters:  [x : v]" (MappingParser).
 */
export function checkFieldParameters(field: FieldMapping, path: string, type: string): void {
  const known = FIELD_PARAMETERS[type];
  if (known === undefined) return;
  const name = path.split('.').at(-1) as string;
  const unknown = Object.keys(field).filter((key) => !known.has(key));
  if (unknown.length === 0) return;
  if (type === 'object' || type === 'nested') {
    const listed = unknown.map((key) => ` [${key} : ${javaString(field[key])}]`).join('');
    throw mapperParsing(`Mapping definition for [${name}] has unsupported parameters: ${listed}`);
  }
  throw mapperParsing(`unknown parameter [${unknown[0]}] on mapper [${name}] of type [${type}]`);
}

/** A value as Elasticsearch prints a parsed map in its messages (Java's Map and List toString). */
function javaString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([key, inner]) => `${key}=${javaString(inner)}`).join(', ')}}`;
  return String(value);
}

/** The keys of a mapping's root (RootObjectMapper and the metadata fields' parsers). */
const ROOT_MAPPING_KEYS = new Set([
  'properties', 'dynamic', 'dynamic_templates', 'date_detection', 'numeric_detection', 'dynamic_date_formats', 'enabled', 'subobjects', 'runtime',
  '_source', '_meta', '_routing', '_data_stream_timestamp', '_field_names', 'synthetic_source_keep',
]);

/** Refuses a key a mapping's root has not: "Root mapping definition has unsupported parameters:  [x : v]" (MappingParser). */
export function checkRootMapping(mappings: Readonly<Record<string, unknown>>): void {
  const unknown = Object.keys(mappings).filter((key) => !ROOT_MAPPING_KEYS.has(key));
  if (unknown.length === 0) return;
  throw mapperParsing(`Root mapping definition has unsupported parameters: ${unknown.map((key) => ` [${key} : ${javaString(mappings[key])}]`).join('')}`);
}

/** As a create-index or put-mapping answers it: wrapped in "Failed to parse mapping", the parser's reason its root cause. */
function mapperParsing(reason: string): EsError {
  const cause = { type: 'mapper_parsing_exception', reason };
  return new EsError(400, 'mapper_parsing_exception', `Failed to parse mapping: ${reason}`, {}, cause, [cause]);
}

/** The keys a parser knows, anything else "[parser] unknown field [key]" (ObjectParser), as x_content_parse_exception. */
function checkKeys(body: unknown, parser: string, known: readonly string[]): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const unknown = Object.keys(body).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new EsError(400, 'x_content_parse_exception', `[1:2] [${parser}] unknown field [${unknown}]`);
}

/** A create-index body (CreateIndexRequest.source): settings, mappings and aliases only. */
export function checkCreateIndexBody(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).find((key) => !['settings', 'mappings', 'aliases'].includes(key));
  if (unknown !== undefined) throw new EsError(400, 'parse_exception', `unknown key [${unknown}] for create index`);
}

const TEMPLATE_KEYS = ['settings', 'mappings', 'aliases', 'lifecycle', 'data_stream_options'];

/** An index template (ComposableIndexTemplate's parser) and its `template` (Template's). */
export function checkIndexTemplateBody(body: Record<string, unknown>): void {
  checkKeys(body, 'index_template', ['index_patterns', 'template', 'priority', 'composed_of', 'version', '_meta', 'data_stream', 'allow_auto_create', 'ignore_missing_component_templates', 'deprecated']);
  checkKeys(body.template, 'template', TEMPLATE_KEYS);
}

/** A component template (ComponentTemplate's parser) and its `template`. */
export function checkComponentTemplateBody(body: Record<string, unknown>): void {
  checkKeys(body, 'component_template', ['template', 'version', '_meta', 'deprecated']);
  checkKeys(body.template, 'template', TEMPLATE_KEYS);
}

const ROLLOVER_CONDITIONS = ['max_size', 'max_primary_shard_size', 'max_age', 'max_docs', 'max_primary_shard_docs', 'min_size', 'min_primary_shard_size', 'min_age', 'min_docs', 'min_primary_shard_docs'];

/** Each lifecycle action's parameters (its *Action PARSER). */
const ACTION_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  rollover: ROLLOVER_CONDITIONS,
  set_priority: ['priority'],
  delete: ['delete_searchable_snapshot'],
  forcemerge: ['max_num_segments', 'index_codec'],
  readonly: [],
  allocate: ['number_of_replicas', 'total_shards_per_node', 'include', 'exclude', 'require'],
  shrink: ['number_of_shards', 'max_primary_shard_size', 'allow_write_after_shrink'],
  migrate: ['enabled'],
  searchable_snapshot: ['snapshot_repository', 'force_merge_index', 'total_shards_per_node', 'replicate_for'],
  downsample: ['fixed_interval', 'wait_timeout', 'force_merge_index', 'sampling_method'],
  unfollow: [],
  freeze: [],
  wait_for_snapshot: ['policy'],
};

/** A lifecycle policy's keys, its phases' and its actions' parameters; a rollover needs a condition. */
export function checkPolicyBody(body: Record<string, unknown>, policy: Record<string, unknown>): void {
  checkKeys(body, 'put_lifecycle_request', ['policy']);
  checkKeys(policy, 'lifecycle_policy', ['phases', '_meta', 'deprecated']);
  for (const phase of Object.values((policy.phases ?? {}) as Record<string, Record<string, unknown>>)) {
    checkKeys(phase, 'phase', ['min_age', 'actions']);
    for (const [action, parameters] of Object.entries((phase.actions ?? {}) as Record<string, unknown>)) {
      const known = ACTION_PARAMETERS[action];
      if (known === undefined) continue;
      checkKeys(parameters, action, known);
      if (action === 'rollover' && (typeof parameters !== 'object' || parameters === null || !ROLLOVER_CONDITIONS.some((condition) => condition.startsWith('max_') && condition in parameters))) {
        throw new EsError(400, 'illegal_argument_exception', 'At least one max_* rollover condition must be set.');
      }
    }
  }
}

/** Index settings known by their whole name (IndexScopedSettings' built-in and the default distribution's plugins'). */
const INDEX_SETTINGS = new Set([
  'number_of_shards', 'number_of_replicas', 'number_of_routing_shards', 'routing_partition_size', 'auto_expand_replicas', 'refresh_interval', 'codec', 'hidden',
  'priority', 'default_pipeline', 'final_pipeline', 'max_result_window', 'max_inner_result_window', 'max_rescore_window', 'max_docvalue_fields_search',
  'max_script_fields', 'max_ngram_diff', 'max_shingle_diff', 'max_refresh_listeners', 'max_terms_count', 'max_regex_length', 'max_slices_per_scroll',
  'max_adjacency_matrix_filters', 'gc_deletes', 'load_fixed_bitset_filters_eagerly', 'mode', 'format', 'look_ahead_time', 'look_back_time', 'data_path', 'frozen',
  'routing_path', 'dimensions', 'search.idle.after', 'search.throttled', 'query.default_field', 'query.parse.allow_unmapped_fields', 'query_string.lenient',
  'analyze.max_token_count', 'highlight.max_analyzed_offset', 'highlight.weight_matches_mode_enabled', 'requests.cache.enable', 'queries.cache.enabled',
  'shard.check_on_startup', 'unassigned.node_left.delayed_timeout', 'write.wait_for_active_shards', 'soft_deletes.enabled', 'soft_deletes.retention_lease.period',
  'soft_deletes.retention.operations', 'store.type', 'store.preload', 'store.stats_refresh_interval', 'routing.rebalance.enable', 'routing.allocation.enable',
  'routing.allocation.total_shards_per_node', 'blocks.read_only', 'blocks.read_only_allow_delete', 'blocks.read', 'blocks.write', 'blocks.metadata',
  'lifecycle.name', 'lifecycle.rollover_alias', 'lifecycle.parse_origination_date', 'lifecycle.origination_date', 'lifecycle.indexing_complete',
  'lifecycle.step.wait_time_threshold', 'lifecycle.skip', 'lifecycle.prefer_ilm', 'mapping.total_fields.limit', 'mapping.total_fields.ignore_dynamic_beyond_limit',
  'mapping.depth.limit', 'mapping.nested_fields.limit', 'mapping.nested_objects.limit', 'mapping.field_name_length.limit', 'mapping.dimension_fields.limit',
  'mapping.ignore_malformed', 'mapping.coerce', 'mapping.source.mode', 'mapping.synthetic_source_keep', 'mapping.ignore_above', 'mapping.recovery_source.enabled',
  'sort.field', 'sort.order', 'sort.mode', 'sort.missing', 'time_series.start_time', 'time_series.end_time', 'translog.durability', 'translog.sync_interval',
  'translog.flush_threshold_size', 'translog.generation_threshold_size', 'translog.retention.size', 'translog.retention.age',
  // Written by Elasticsearch itself, shown by GET _settings: a client copying an index's settings sends them back.
  'uuid', 'creation_date', 'provided_name', 'verified_before_close',
].map((name) => `index.${name}`));

/** Settings groups whose members are free (analysers, allocation filters by attribute, merge policy …). */
const INDEX_SETTING_GROUPS = [
  'analysis.', 'similarity.', 'routing.allocation.include.', 'routing.allocation.exclude.', 'routing.allocation.require.', 'routing.allocation.initial_recovery.',
  'merge.', 'indexing.slowlog.', 'search.slowlog.', 'store.snapshot.', 'xpack.', 'ccr.', 'shrink.', 'resize.', 'downsample.', 'version.', 'logsdb.', 'recovery.',
].map((prefix) => `index.${prefix}`);

/**
 * Refuses an index setting Elasticsearch does not have (AbstractScopedSettings.validate), with the known names more
 * than seven tenths alike suggested; `flat` as flattenSettings gives it (every name under `index.`).
 */
export function checkIndexSettings(flat: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(flat)) {
    if (INDEX_SETTINGS.has(key) || INDEX_SETTING_GROUPS.some((prefix) => key.startsWith(prefix))) continue;
    const close = alike(key, INDEX_SETTINGS, 0.7);
    const hint = close.length === 0
      ? ' please check that any required plugins are installed, or check the breaking changes documentation for removed settings'
      : ` did you mean ${close.length === 1 ? `[${close[0]}]` : `any of [${close.join(', ')}]`}?`;
    throw new EsError(400, 'illegal_argument_exception', `unknown setting [${key}]${hint}`);
  }
}

/** A rollover body (RolloverRequest's parser) and its conditions. */
export function checkRolloverBody(body: Record<string, unknown>): void {
  checkKeys(body, 'rollover', ['conditions', 'settings', 'mappings', 'aliases']);
  checkKeys(body.conditions, 'conditions', ROLLOVER_CONDITIONS);
}

/** A reindex body (ReindexRequest's parser), its source and its destination. */
export function checkReindexBody(body: Record<string, unknown>): void {
  checkKeys(body, 'reindex', ['source', 'dest', 'size', 'max_docs', 'script', 'conflicts']);
  checkKeys(body.source, 'source', ['index', 'query', 'remote', '_source', 'size', 'slice']);
  checkKeys(body.dest, 'dest', ['index', 'op_type', 'pipeline', 'version_type', 'routing']);
}

/** Each alias action's parameters (AliasActions' add, remove and remove_index parsers). */
const ALIAS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  add: ['index', 'indices', 'alias', 'aliases', 'filter', 'routing', 'index_routing', 'search_routing', 'is_write_index', 'is_hidden', 'must_exist'],
  remove: ['index', 'indices', 'alias', 'aliases', 'must_exist'],
  remove_index: ['index', 'indices', 'must_exist'],
};

/** An `_aliases` body (IndicesAliasesRequest's parser): its actions, one kind each, with that kind's parameters. */
export function checkAliasActions(body: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  checkKeys(body, 'aliases', ['actions']);
  const actions = Array.isArray(body.actions) ? (body.actions as unknown[]) : [];
  if (actions.length === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: Must specify at least one alias action;');
  return actions.map((action) => {
    checkKeys(action, 'alias_action', Object.keys(ALIAS_ACTIONS));
    const entries = Object.entries((action ?? {}) as Record<string, unknown>);
    if (entries.length !== 1) throw new EsError(400, 'illegal_argument_exception', `Expected one of [add, remove, remove_index] but got ${entries.length} actions`);
    const [kind, spec] = entries[0] as [string, unknown];
    checkKeys(spec, kind, ALIAS_ACTIONS[kind] ?? []);
    return [kind, (spec ?? {}) as Record<string, unknown>];
  });
}

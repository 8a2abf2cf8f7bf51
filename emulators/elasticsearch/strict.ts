/**
 * What Elasticsearch's parsers accept, as tables: the keys of the search body, of each query and of each
 * aggregation, and the limits on nesting. Anything else is refused with the error type, reason and status
 * Elasticsearch gives, so that a product bug caught by Elasticsearch is caught here too.
 */
import { badRequest, EsError } from './errors.js';

/** Keys of a search body (SearchSourceBuilder) the emulator acts on, or accepts because they change nothing it answers. */
export const SEARCH_BODY_KEYS = new Set([
  'query', 'from', 'size', 'sort', '_source', 'aggs', 'aggregations', 'track_total_hits', 'track_scores', 'search_after',
  'timeout', 'version', 'seq_no_primary_term', 'stored_fields', 'docvalue_fields', 'fields', 'post_filter', 'min_score',
  'pit', 'runtime_mappings', 'script_fields', 'highlight', 'explain', 'profile', 'stats', 'ext', 'terminate_after', 'indices_boost',
]);

/** Keys Elasticsearch knows that the emulator does not implement: refused, never silently ignored. */
const UNSUPPORTED_SEARCH_KEYS = new Set(['suggest', 'rescore', 'collapse', 'slice', 'knn', 'rank', 'retriever']);

const COMMON = ['boost', '_name'];

/** Options of each query, besides the field name for single-field queries (Elasticsearch's *QueryBuilder.fromXContent). */
export const QUERY_OPTIONS: Record<string, string[]> = {
  match_all: COMMON,
  match_none: COMMON,
  term: ['value', 'case_insensitive', ...COMMON],
  terms: COMMON,
  range: ['gt', 'gte', 'lt', 'lte', 'from', 'to', 'include_lower', 'include_upper', 'format', 'time_zone', 'relation', ...COMMON],
  exists: ['field', ...COMMON],
  ids: ['values', ...COMMON],
  prefix: ['value', 'case_insensitive', 'rewrite', ...COMMON],
  wildcard: ['value', 'wildcard', 'case_insensitive', 'rewrite', ...COMMON],
  regexp: ['value', 'flags', 'flags_value', 'case_insensitive', 'max_determinized_states', 'rewrite', ...COMMON],
  match: ['query', 'operator', 'minimum_should_match', 'analyzer', 'fuzziness', 'prefix_length', 'max_expansions', 'fuzzy_transpositions', 'fuzzy_rewrite', 'lenient', 'zero_terms_query', 'auto_generate_synonyms_phrase_query', ...COMMON],
  match_phrase: ['query', 'analyzer', 'slop', 'zero_terms_query', ...COMMON],
  match_phrase_prefix: ['query', 'analyzer', 'slop', 'max_expansions', 'zero_terms_query', ...COMMON],
  multi_match: ['query', 'fields', 'type', 'operator', 'minimum_should_match', 'analyzer', 'slop', 'fuzziness', 'prefix_length', 'max_expansions', 'lenient', 'tie_breaker', 'zero_terms_query', 'auto_generate_synonyms_phrase_query', 'fuzzy_transpositions', 'fuzzy_rewrite', ...COMMON],
  bool: ['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'adjust_pure_negative', ...COMMON],
  constant_score: ['filter', ...COMMON],
  query_string: ['query', 'default_field', 'fields', 'default_operator', 'analyzer', 'quote_analyzer', 'allow_leading_wildcard', 'analyze_wildcard', 'lenient', 'time_zone', 'type', 'tie_breaker', 'minimum_should_match', 'fuzziness', 'phrase_slop', 'quote_field_suffix', 'rewrite', 'max_determinized_states', 'enable_position_increments', 'fuzzy_max_expansions', 'fuzzy_prefix_length', 'fuzzy_transpositions', 'fuzzy_rewrite', 'auto_generate_synonyms_phrase_query', 'escape', ...COMMON],
  simple_query_string: ['query', 'fields', 'default_operator', 'analyzer', 'flags', 'lenient', 'minimum_should_match', 'analyze_wildcard', 'auto_generate_synonyms_phrase_query', 'fuzzy_max_expansions', 'fuzzy_prefix_length', 'fuzzy_transpositions', 'quote_field_suffix', ...COMMON],
  geo_distance: ['distance', 'distance_type', 'validation_method', 'ignore_unmapped', ...COMMON],
  fuzzy: ['value', 'fuzziness', 'prefix_length', 'max_expansions', 'transpositions', 'rewrite', ...COMMON],
  match_bool_prefix: ['query', 'analyzer', 'operator', 'minimum_should_match', 'fuzziness', 'prefix_length', 'max_expansions', 'fuzzy_transpositions', 'fuzzy_rewrite', ...COMMON],
  dis_max: ['queries', 'tie_breaker', ...COMMON],
  boosting: ['positive', 'negative', 'negative_boost', ...COMMON],
  combined_fields: ['query', 'fields', 'operator', 'minimum_should_match', 'zero_terms_query', 'auto_generate_synonyms_phrase_query', ...COMMON],
};

/** Queries Elasticsearch 9 has and the emulator does not: refused as such, so that a client's author sees the limit, not a typo. */
export const UNSUPPORTED_QUERIES = new Set([
  'nested', 'has_child', 'has_parent', 'parent_id', 'function_score', 'script', 'script_score', 'more_like_this', 'intervals', 'span_term', 'span_near', 'span_or',
  'span_not', 'span_first', 'span_multi', 'span_containing', 'span_within', 'span_field_masking', 'geo_bounding_box', 'geo_polygon', 'geo_shape', 'shape', 'knn',
  'percolate', 'pinned', 'rank_feature', 'distance_feature', 'terms_set', 'wrapper', 'semantic', 'sparse_vector', 'text_expansion', 'weighted_tokens', 'rule',
]);

/** Queries whose body is `{ "<field>": value-or-options }` plus the common options. */
export const SINGLE_FIELD_QUERIES = new Set(['term', 'terms', 'range', 'prefix', 'wildcard', 'regexp', 'match', 'match_phrase', 'match_phrase_prefix', 'fuzzy', 'match_bool_prefix']);

const VALUES_SOURCE = ['field', 'missing', 'script', 'format', 'value_type'];
const HISTOGRAM_COMMON = ['field', 'offset', 'min_doc_count', 'extended_bounds', 'hard_bounds', 'order', 'keyed', 'missing', 'script', 'format'];

/** Parameters of each aggregation (Elasticsearch's *AggregationBuilder PARSER); `interval` of date_histogram is gone since 8.0. */
export const AGGREGATION_OPTIONS: Record<string, string[]> = {
  avg: VALUES_SOURCE,
  sum: VALUES_SOURCE,
  min: VALUES_SOURCE,
  max: VALUES_SOURCE,
  value_count: VALUES_SOURCE,
  stats: VALUES_SOURCE,
  extended_stats: [...VALUES_SOURCE, 'sigma'],
  cardinality: [...VALUES_SOURCE, 'precision_threshold', 'execution_hint'],
  percentiles: [...VALUES_SOURCE, 'percents', 'keyed', 'tdigest', 'hdr'],
  percentile_ranks: [...VALUES_SOURCE, 'values', 'keyed', 'tdigest', 'hdr'],
  top_hits: ['from', 'size', 'sort', '_source', 'version', 'seq_no_primary_term', 'explain', 'docvalue_fields', 'fields', 'stored_fields', 'script_fields', 'highlight', 'track_scores'],
  terms: [...VALUES_SOURCE, 'size', 'shard_size', 'min_doc_count', 'shard_min_doc_count', 'order', 'include', 'exclude', 'execution_hint', 'collect_mode', 'show_term_doc_count_error'],
  histogram: [...HISTOGRAM_COMMON, 'interval'],
  date_histogram: [...HISTOGRAM_COMMON, 'calendar_interval', 'fixed_interval', 'time_zone'],
  range: [...VALUES_SOURCE, 'ranges', 'keyed'],
  date_range: [...VALUES_SOURCE, 'ranges', 'keyed', 'time_zone'],
  filters: ['filters', 'other_bucket', 'other_bucket_key', 'keyed'],
  composite: ['sources', 'size', 'after'],
  missing: ['field', 'missing', 'value_type'],
  global: [],
};

/** Parameters of each composite source. */
export const COMPOSITE_SOURCE_OPTIONS: Record<string, string[]> = {
  terms: ['field', 'script', 'value_type', 'missing_bucket', 'missing_order', 'order', 'format'],
  histogram: ['field', 'script', 'value_type', 'missing_bucket', 'missing_order', 'order', 'interval', 'format'],
  date_histogram: ['field', 'script', 'value_type', 'missing_bucket', 'missing_order', 'order', 'calendar_interval', 'fixed_interval', 'time_zone', 'offset', 'format'],
};

/**
 * Aggregations Elasticsearch 9 has and the emulator does not (pipeline, geo, sampling, significance, nested …):
 * refused as such, not as unknown, so that a client's author sees the emulator's limit and not a typo.
 */
export const UNSUPPORTED_AGGREGATIONS = new Set([
  'adjacency_matrix', 'auto_date_histogram', 'avg_bucket', 'boxplot', 'bucket_correlation', 'bucket_count_ks_test', 'bucket_script', 'bucket_selector', 'bucket_sort',
  'categorize_text', 'change_point', 'children', 'cumulative_cardinality', 'cumulative_sum', 'derivative', 'diversified_sampler', 'extended_stats_bucket', 'frequent_item_sets',
  'geo_bounds', 'geo_centroid', 'geo_distance', 'geo_line', 'geohash_grid', 'geohex_grid', 'geotile_grid', 'inference', 'ip_prefix', 'ip_range', 'matrix_stats', 'max_bucket',
  'median_absolute_deviation', 'min_bucket', 'moving_fn', 'moving_percentiles', 'multi_terms', 'nested', 'normalize', 'parent', 'percentiles_bucket', 'random_sampler', 'rare_terms',
  'rate', 'reverse_nested', 'sampler', 'scripted_metric', 'serial_diff', 'significant_terms', 'significant_text', 'stats_bucket', 'string_stats', 'sum_bucket', 't_test',
  'time_series', 'top_metrics', 'variable_width_histogram', 'weighted_avg',
]);

export const METRIC_AGGREGATIONS = new Set(['avg', 'sum', 'min', 'max', 'value_count', 'stats', 'extended_stats', 'cardinality', 'percentiles', 'percentile_ranks', 'top_hits']);

/** Options of a field sort (FieldSortBuilder). */
export const SORT_OPTIONS = ['order', 'missing', 'unmapped_type', 'mode', 'numeric_type', 'format', 'nested'];

/** `indices.query.max_nested_depth`: compound queries nest at most this deep. */
export const MAX_QUERY_DEPTH = 30;
/** Jackson's StreamReadConstraints default: JSON nests at most this deep in any request. */
export const MAX_JSON_DEPTH = 1000;

function tokenName(value: unknown): string {
  if (Array.isArray(value)) return 'START_ARRAY';
  if (value !== null && typeof value === 'object') return 'START_OBJECT';
  if (typeof value === 'string') return 'VALUE_STRING';
  if (typeof value === 'number') return 'VALUE_NUMBER';
  if (typeof value === 'boolean') return 'VALUE_BOOLEAN';
  return 'VALUE_NULL';
}

/** An object's keys against the known ones; `unknown` builds the error for the first stranger. */
export function checkKeys(spec: object, allowed: readonly string[], unknown: (key: string, value: unknown) => EsError): void {
  for (const [key, value] of Object.entries(spec)) if (!allowed.includes(key)) throw unknown(key, value);
}

/** The search body's keys, as SearchSourceBuilder.parseXContent checks them. */
export function checkSearchBody(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (UNSUPPORTED_SEARCH_KEYS.has(key)) throw new EsError(400, 'illegal_argument_exception', `[${key}] is valid in Elasticsearch but not supported by the emulator`);
    if (!SEARCH_BODY_KEYS.has(key)) throw new EsError(400, 'parsing_exception', `Unknown key for a ${tokenName(value)} in [${key}].`, { line: 1, col: 1 });
  }
  if (body.explain === true) throw new EsError(400, 'illegal_argument_exception', '[explain] is valid in Elasticsearch but not supported by the emulator');
  if (body.profile === true) throw new EsError(400, 'illegal_argument_exception', '[profile] is valid in Elasticsearch but not supported by the emulator');
  for (const key of ['runtime_mappings', 'script_fields'] as const) {
    const value = body[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Object.keys(value).length > 0)) {
      throw new EsError(400, 'illegal_argument_exception', `[${key}] is valid in Elasticsearch but not supported by the emulator (scripts and runtime fields are not emulated)`);
    }
  }
}

/** The unknown-option error of a query (`[match] query does not support [bogus]`). */
export function unknownQueryOption(query: string): (key: string) => EsError {
  return (key) => new EsError(400, 'parsing_exception', `[${query}] query does not support [${key}]`, { line: 1, col: 1 });
}

/** The unknown-field error of an object parser (`[1:1] [terms] unknown field [bogus]`). */
export function unknownField(parser: string): (key: string) => EsError {
  return (key) => new EsError(400, 'x_content_parse_exception', `[1:1] [${parser}] unknown field [${key}]`);
}

/** A value of the wrong JSON type for a parser field. */
export function badFieldValue(parser: string, field: string, why?: string): EsError {
  return new EsError(400, 'x_content_parse_exception', `[1:1] [${parser}] failed to parse field [${field}]`, {}, why === undefined ? undefined : { type: 'illegal_argument_exception', reason: why });
}

/** A number-valued option: a JSON number or a numeric string, as Jackson coerces; anything else is refused. */
export function numberOption(spec: Record<string, unknown>, key: string, parser: string, fallback: number): number {
  const value = spec[key];
  if (value === undefined) return fallback;
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw badFieldValue(parser, key, `[${key}] must be a number, found [${JSON.stringify(value)}]`);
  return number;
}

/**
 * A failure while a shard runs the query, as Elasticsearch wraps it: `search_phase_execution_exception`
 * "all shards failed", with the shard's own error as root cause.
 */
export function shardFailure(cause: EsError, index: string): EsError {
  const inner = { type: cause.type, reason: cause.reason, ...cause.extra, ...(cause.causedBy ? { caused_by: cause.causedBy } : {}) };
  return new EsError(400, 'search_phase_execution_exception', 'all shards failed', {
    phase: 'query',
    grouped: true,
    failed_shards: [{ shard: 0, index, node: 'sluice-emulator-node', reason: inner }],
  }, { type: cause.type, reason: cause.reason }, [{ type: cause.type, reason: cause.reason, ...cause.extra }]);
}

/** Whether a JSON text nests deeper than MAX_JSON_DEPTH; a text too short to do so is not scanned. */
export function nestsTooDeep(text: string): boolean {
  return text.length > 2 * MAX_JSON_DEPTH && jsonDepthOver(text, MAX_JSON_DEPTH);
}

/** How deep a JSON text nests, counted without parsing; stops early once past `limit`. */
function jsonDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return false;
}

export function nestingTooDeep(limit: number): EsError {
  return new EsError(400, 'x_content_parse_exception', `[1:1] Document nesting depth exceeds the maximum allowed (${limit}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`);
}

/** `search_type` as SearchType.fromString reads it: the two a REST request may ask for. */
export function checkSearchType(searchType: string | undefined): void {
  if (searchType !== undefined && searchType !== 'query_then_fetch' && searchType !== 'dfs_query_then_fetch') throw badRequest(`No search type for [${searchType}]`);
}

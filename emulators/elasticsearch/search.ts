import { isJsonObject } from '../../shared/json-object.js';
import { runAggregations, type Hit } from './aggs.js';
import { DEFAULT_DATE_FORMAT, formatDate } from './dates.js';
import { formatDecimal, isDecimalPattern } from './decimal-format.js';
import { badRequest, EsError, parsingError, ShardLevelError } from './errors.js';
import { planSort, type SortPlan, type SortValue } from './field-sort.js';
import { globToRegex } from './glob.js';
import { IGNORED_FIELD, isNumericType, isTextType, leftOutOf, type FieldDef, type FieldValue } from './mapping.js';
import { checkSortFields, compileQuery, expandFields, MAX_REGEX_LENGTH, MAX_TERMS_COUNT, parseSort, type NamedQuery, type SearchContext, type SortKey } from './query.js';
import { filterSource } from './source-filter.js';
import { sourceOf, type Doc, type Index, type Json } from './store.js';
import { checkSearchBody, shardFailure } from './strict.js';
import { valuesAt } from './terms-lookup.js';

export interface SearchParams {
  q?: string;
  include_named_queries_score?: string;
  df?: string;
  default_operator?: string;
  lenient?: string;
  analyze_wildcard?: string;
  size?: string;
  from?: string;
  sort?: string;
  _source?: string;
  _source_includes?: string;
  _source_excludes?: string;
  track_total_hits?: string;
  rest_total_hits_as_int?: string;
  scroll?: string;
  request_cache?: string;
  version?: string;
  seq_no_primary_term?: string;
  docvalue_fields?: string;
  stored_fields?: string;
  terminate_after?: string;
}

/** What a search reads: an index and the documents it sees (its refreshed view, or a point in time's copy). */
export interface Target {
  index: Index;
  docs: Iterable<Doc>;
  /** The index's refreshed view, whose range columns can stand in for `docs` (a point in time's copy cannot). */
  live?: boolean;
}

/** The indices as they are now; each target can be read more than once (a `global` aggregation reads again). */
export function liveTargets(indices: Index[]): Target[] {
  return indices.map((index) => ({ index, docs: { [Symbol.iterator]: () => index.view.values() }, live: true }));
}

/** A point in time keeps its own list of each index's documents, so later writes do not show. */
export function frozenTargets(indices: Index[]): Target[] {
  return indices.map((index) => ({ index, docs: [...index.view.values()] }));
}

/** `index.max_result_window`, `index.max_docvalue_fields_search` and `index.max_script_fields`' defaults. */
const MAX_RESULT_WINDOW = 10_000;
const MAX_DOCVALUE_FIELDS = 100;
const MAX_SCRIPT_FIELDS = 32;

/** An index-level limit over several indices: the lowest of theirs, as each shard checks its own. */
function indexLimit(indices: readonly Index[], setting: string, fallback: number): number {
  return indices.length === 0 ? fallback : Math.min(...indices.map((index) => Number(index.settings[setting] ?? fallback)));
}

/** The fields of several indices as one lookup (the first index that maps a field decides its type). */
export function searchContext(indices: Index[], now: number, idFieldData = false): SearchContext {
  const fields = new Map<string, FieldDef>();
  for (const index of indices) for (const [path, def] of index.fields) if (!fields.has(path)) fields.set(path, def);
  const maxTermsCount = indexLimit(indices, 'index.max_terms_count', MAX_TERMS_COUNT);
  const maxRegexLength = indexLimit(indices, 'index.max_regex_length', MAX_REGEX_LENGTH);
  const maxResultWindow = indexLimit(indices, 'index.max_result_window', MAX_RESULT_WINDOW);
  return { indices, fields, now, maxTermsCount, maxRegexLength, maxResultWindow, idFieldData };
}

function queryOf(body: Json, params: SearchParams): unknown {
  if (params.q !== undefined) {
    return { query_string: { query: params.q, ...(params.df ? { default_field: params.df } : {}), ...(params.default_operator ? { default_operator: params.default_operator } : {}), ...(params.lenient !== undefined ? { lenient: params.lenient === 'true' } : {}) } };
  }
  return body.query;
}

/** The hits of a query over the targets' documents, in index order. */
function matchingHits(targets: Target[], query: unknown, context: SearchContext, scored: boolean): Hit[] {
  const matcher = compileQuery(query, context);
  const hits: Hit[] = [];
  let order = 0;
  for (const target of targets) {
    const docs = (target.live === true && matcher.bounds !== undefined ? target.index.rangeCandidates(matcher.bounds) : undefined) ?? target.docs;
    for (const doc of docs) {
      if (!matcher.matches(doc)) continue;
      hits.push({ doc, index: target.index.name, score: scored ? matcher.score(doc) : 0, order: order++ });
    }
  }
  return hits;
}

/** The last paged aggregation's matches, by the first index it searched. */
const pagedMatches = new WeakMap<Index, { key: string; indices: Index[]; generations: number[]; hits: Hit[] }>();

/**
 * matchingHits for a request that pages through a composite aggregation: a rollup asks for thousands of
 * buckets a thousand at a time, the same query each time, and matching it again was a third of each page.
 * The matches are kept while no searched index changes what it shows or its mappings (its generation), and
 * for the query's clock too when it has date math on `now`. One request's matches per index, so the memory
 * held is one day's documents for a rollup.
 */
function pagedMatchingHits(targets: Target[], query: unknown, context: SearchContext, scored: boolean): Hit[] {
  const first = targets[0];
  if (first === undefined || targets.some((target) => target.live !== true)) return matchingHits(targets, query, context, scored);
  const text = JSON.stringify(query ?? null);
  const key = `${scored ? 'scored' : ''}|${/now/i.test(text) ? context.now : ''}|${text}`;
  const indices = targets.map((target) => target.index);
  const generations = indices.map((index) => index.generation);
  const kept = pagedMatches.get(first.index);
  if (kept !== undefined && kept.key === key && kept.indices.length === indices.length && kept.indices.every((index, i) => index === indices[i] && kept.generations[i] === generations[i])) return kept.hits;
  const hits = matchingHits(targets, query, context, scored);
  pagedMatches.set(first.index, { key, indices, generations, hits });
  return hits;
}

function pagesComposite(aggs: Json | undefined): boolean {
  return aggs !== undefined && Object.values(aggs).some((spec) => typeof spec === 'object' && spec !== null && 'composite' in spec);
}

/** Errors a shard raises reach the client wrapped as Elasticsearch wraps them (all shards failed). */
function asShardFailure<T>(targets: Target[], run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ShardLevelError) throw shardFailure(error, targets[0]?.index.name ?? '_na_');
    throw error;
  }
}

export function count(indices: Index[], body: Json, params: SearchParams, now: number): Json {
  for (const key of Object.keys(body)) if (key !== 'query') throw parsingError(`request does not support [${key}]`);
  const targets = liveTargets(indices);
  const hits = asShardFailure(targets, () => matchingHits(targets, queryOf(body, params), searchContext(indices, now), false));
  return { count: hits.length, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } };
}

/** What a delete by query removes: each match of its query, in index order, at most `max_docs` (DeleteByQueryRequest). */
export function matchingDocs(indices: Index[], body: Json, params: SearchParams & { max_docs?: string }, now: number): Array<{ index: Index; id: string }> {
  for (const key of Object.keys(body)) if (key !== 'query' && key !== 'max_docs' && key !== 'conflicts') throw parsingError(`request does not support [${key}]`);
  const targets = liveTargets(indices);
  const hits = asShardFailure(targets, () => matchingHits(targets, queryOf(body, params), searchContext(indices, now), false));
  const byName = new Map(indices.map((index) => [index.name, index]));
  const limit = integerOption('max_docs', params.max_docs, body.max_docs, Infinity);
  return hits.slice(0, limit).map((hit) => ({ index: byName.get(hit.index) as Index, id: hit.doc.id }));
}

/**
 * The explain API: whether one searchable document matches a query, and its score. The emulator's scores are
 * sums of matched clauses and boosts, not Lucene's BM25, so the explanation is that one node, with no tree below.
 */
export function explainDocument(index: Index, id: string, body: Json, params: SearchParams, now: number): { status: number; body: Json } {
  for (const key of Object.keys(body)) if (key !== 'query') throw parsingError(`request does not support [${key}]`);
  const query = queryOf(body, params);
  if (query === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: query is missing;');
  const matcher = compileQuery(query, searchContext([index], now));
  const doc = index.view.get(id);
  if (doc === undefined) return { status: 404, body: { _index: index.name, _id: id, matched: false } };
  const matched = matcher.matches(doc);
  const explanation = matched ? { value: matcher.score(doc), description: 'sum of the matched clauses\u2019 boosts (the emulator\u2019s score)', details: [] } : { value: 0, description: 'no matching clause', details: [] };
  return { status: 200, body: { _index: index.name, _id: id, matched, explanation } };
}

// ---- options ---------------------------------------------------------------------------------------

function integerOption(name: string, param: string | undefined, value: unknown, fallback: number): number {
  const raw = param ?? value;
  if (raw === undefined || raw === null) return fallback;
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(number)) throw parsingError(`[${name}] must be an integer, found [${JSON.stringify(raw)}]`);
  if (number < 0) throw badRequest(`[${name}] parameter cannot be negative, found [${number}]`);
  return number;
}

/** SearchContext's TRACK_TOTAL_HITS_ACCURATE (Integer.MAX_VALUE) and TRACK_TOTAL_HITS_DISABLED. */
const TRACK_ACCURATE = 2147483647;
const TRACK_DISABLED = -1;

/** `track_total_hits` as a number: true and false as Elasticsearch keeps them; a number below -1 refused. */
function trackedUpTo(body: Json, params: SearchParams): number | undefined {
  const track = params.track_total_hits ?? body.track_total_hits;
  if (track === undefined) return undefined;
  if (track === true || track === 'true') return TRACK_ACCURATE;
  if (track === false || track === 'false') return TRACK_DISABLED;
  const number = Number(track);
  if (!Number.isInteger(number) || number < TRACK_DISABLED) throw badRequest(`[track_total_hits] parameter must be positive or equals to -1, got ${String(track)}`);
  return number;
}

/**
 * RestSearchAction.checkRestTotalHits: `rest_total_hits_as_int` needs the total counted exactly or not at all. `_msearch`
 * checks each search as it parses the request, so that one such search fails them all.
 */
export function checkTotalHitsAsInt(body: Json, params: SearchParams): void {
  checkTracking(params, trackedUpTo(body, params));
}

function checkTracking(params: SearchParams, upTo: number | undefined): void {
  if (params.rest_total_hits_as_int === 'true' && upTo !== undefined && upTo !== TRACK_ACCURATE && upTo !== TRACK_DISABLED) {
    throw badRequest(`[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got ${upTo}`);
  }
}

/** How many hits to count exactly: `track_total_hits` true/false/N, and `rest_total_hits_as_int` needs an exact count. */
function totalThreshold(body: Json, params: SearchParams): number {
  const upTo = trackedUpTo(body, params);
  checkTracking(params, upTo);
  if (upTo === undefined) return params.rest_total_hits_as_int === 'true' ? Infinity : 10_000;
  return upTo === TRACK_ACCURATE ? Infinity : upTo;
}

/** One entry of `fields` or `docvalue_fields`: a pattern, or `{ field, format, include_unmapped }`. */
interface FieldRequest {
  pattern: string;
  format?: string;
  /** Also the source's values of fields no mapping has (dynamic false, a disabled object), as Kibana's Discover asks. */
  includeUnmapped?: boolean;
}

function fieldRequests(value: unknown, name: string): FieldRequest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw parsingError(`[${name}] must be an array of field names or objects`);
  return value.map((entry): FieldRequest => {
    if (typeof entry === 'string') return { pattern: entry };
    if (typeof entry === 'object' && entry !== null && typeof (entry as Json).field === 'string') {
      const { field, format, include_unmapped: unmapped, ...rest } = entry as Json;
      const stray = Object.keys(rest)[0];
      if (stray !== undefined) throw new EsError(400, 'x_content_parse_exception', `[1:1] [field_and_format] unknown field [${stray}]`);
      return { pattern: String(field), ...(typeof format === 'string' ? { format } : {}), ...(unmapped === true || unmapped === 'true' ? { includeUnmapped: true } : {}) };
    }
    throw parsingError(`[${name}] entries must be field names or objects with [field]`);
  });
}

/** A mapped field a search returns under `hits[].fields`, with the format it is written in. */
interface SelectedField {
  def: FieldDef;
  format: string | undefined;
}

/**
 * The mapped fields that the requests name, resolved once per search. Doc values of a text field are
 * refused, as Elasticsearch refuses them (there are none to load).
 */
function selectFields(requests: FieldRequest[], context: SearchContext, docValues: boolean): SelectedField[] {
  return requests.flatMap((request) =>
    expandFields(request.pattern, context).flatMap((path): SelectedField[] => {
      const def = context.fields.get(path);
      if (def === undefined || def.type === 'object' || def.type === 'nested') return [];
      if (docValues && isTextType(def.type)) {
        throw new ShardLevelError(400, 'illegal_argument_exception', `Can't load fielddata on [${def.path}] because fielddata is unsupported on fields of type [${def.type}]. Use doc values instead.`);
      }
      // The fields API formats dates and geo points only (each field type's valueFetcher checks it).
      if (!docValues && request.format !== undefined && def.type !== 'date' && def.type !== 'date_nanos' && def.type !== 'geo_point') {
        throw new ShardLevelError(400, 'illegal_argument_exception', `Field [${def.path}] of type [${def.type}] doesn't support formats.`);
      }
      // Doc values take a DecimalFormat pattern on numbers, a date format on dates, and no format on other types (checkNoFormat).
      if (docValues && request.format !== undefined && !isNumericType(def.type) && def.type !== 'date' && def.type !== 'date_nanos') {
        throw new ShardLevelError(400, 'illegal_argument_exception', `Field [${def.path}] of type [${def.type}] does not support custom formats`);
      }
      return [{ def, format: request.format }];
    }),
  );
}

function formatFieldValue(value: FieldValue, def: FieldDef, format: string | undefined): unknown {
  if (def.type === 'date' || def.type === 'date_nanos') return formatDate(value as number, format ?? def.mapping.format ?? DEFAULT_DATE_FORMAT);
  if (typeof value === 'object') return { type: 'Point', coordinates: [value.lon, value.lat] };
  if (typeof value === 'number' && isDecimalPattern(format)) return formatDecimal(value, format);
  return value;
}

/** `hits[].fields`: each selected field's values, formatted as Elasticsearch's fields API and doc values return them. */
function fieldsOf(doc: Doc, selected: SelectedField[]): Json | undefined {
  let out: Json | undefined;
  for (const { def, format } of selected) {
    const values = doc.fields.get(def.path);
    if (values === undefined || values.length === 0) continue;
    (out ??= {})[def.path] = values.map((value) => formatFieldValue(value, def, format));
  }
  return out;
}

/**
 * The `include_unmapped` part of `hits[].fields`: the source's values at paths no mapping has as a field, under the
 * requests' patterns, arrays flattened and objects walked into (UnmappedFieldFetcher). Undefined when there are none.
 */
function unmappedFieldsOf(source: Json, patterns: RegExp[], context: SearchContext): Json | undefined {
  let out: Json | undefined;
  const add = (path: string, value: unknown): void => {
    const def = context.fields.get(path);
    if ((def !== undefined && def.type !== 'object' && def.type !== 'nested') || !patterns.some((pattern) => pattern.test(path))) return;
    out ??= {};
    ((out[path] ??= []) as unknown[]).push(value);
  };
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) for (const item of value) walk(item, path);
    else if (isJsonObject(value)) for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`);
    else if (value !== null && value !== undefined) add(path, value);
  };
  walk(source, '');
  return out;
}

/**
 * `ignored_field_values` (FetchFieldsPhase, since 8.0): of the fields `fields` asks for, the values indexing left out,
 * malformed or over `ignore_above`, read from the source. Kibana's Discover shows them as ignored values.
 */
function ignoredFieldValuesOf(doc: Doc, ignored: readonly FieldValue[], patterns: readonly RegExp[], context: SearchContext): Json | undefined {
  let out: Json | undefined;
  for (const name of ignored) {
    const def = context.fields.get(String(name));
    if (def === undefined || !patterns.some((pattern) => pattern.test(def.path))) continue;
    const values = valuesAt(sourceOf(doc), (def.sourcePath ?? def.path).split('.')).filter((value) => leftOutOf(def, value));
    if (values.length > 0) (out ??= {})[def.path] = values;
  }
  return out;
}

// ---- preparing and rendering -------------------------------------------------------------------------

/** A hit with its sort values. */
type SortedHit = Hit & { sort?: SortValue[] };

/** Everything a search decided: the sorted matching hits and how each page renders. A scroll keeps it. */
export interface PreparedSearch {
  /** With `terminate_after`: whether some shard stopped collecting at it. */
  terminatedEarly?: boolean;
  /** Sorted when first read: a request for aggregations alone (`size: 0`, a rollup's pages) never reads them. */
  readonly hits: SortedHit[];
  /** The best score of the matches (searches sorted by score show it). */
  readonly maxScore: number | null;
  total: number;
  threshold: number;
  /** Sorted by score (no sort given): the response shows `max_score`. */
  sortedByScore: boolean;
  render: (hit: SortedHit) => Json;
  aggregations?: Json;
}

function sortKeys(body: Json, params: SearchParams, pit: boolean): SortKey[] {
  const keys = parseSort(params.sort !== undefined ? params.sort.split(',') : body.sort);
  if (!pit && keys.some((key) => key.field === '_shard_doc')) {
    throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [_shard_doc] sort field cannot be used without [point in time];');
  }
  // With a point in time, Elasticsearch adds the `_shard_doc` tiebreaker unless search_after was built without it.
  const after = body.search_after as unknown[] | undefined;
  if (pit && !keys.some((key) => key.field === '_shard_doc') && (after === undefined || after.length === keys.length + 1)) {
    keys.push({ field: '_shard_doc', order: 'asc', missing: '_last' });
  }
  return keys;
}

/** A sort on a text field is refused, as Elasticsearch refuses it without fielddata. */
function checkSortable(keys: SortKey[], context: SearchContext): void {
  for (const key of keys) {
    const def = context.fields.get(key.field);
    if (def && isTextType(def.type)) {
      throw badRequest(`Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${key.field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`);
    }
  }
}

function sortHits(hits: Hit[], plan: SortPlan): SortedHit[] {
  if (plan.keys.length === 0) return [...hits].sort((a, b) => b.score - a.score || a.order - b.order);
  const sorted = hits.map((hit) => ({ ...hit, sort: plan.valuesOf(hit) }));
  sorted.sort((a, b) => plan.compare(a.sort, b.sort) || a.order - b.order);
  return sorted;
}

/** `_source` filtering asked for: the URL's `_source_includes`/`_source_excludes`, else its `_source`, else the body's. */
export function sourceSpecOf(body: Json, params: SearchParams): unknown {
  if (params._source_includes !== undefined || params._source_excludes !== undefined) return { includes: params._source_includes?.split(','), excludes: params._source_excludes?.split(',') };
  if (params._source !== undefined) return params._source === 'false' ? false : params._source === 'true' ? true : params._source.split(',');
  return body._source;
}

/**
 * What `stored_fields` (the body's, else the URL's) leaves of a hit or a GET, as Elasticsearch's fetch phase reads it:
 * `_none_` drops the id and the source; a list of fields drops the source unless it names `_source` or the request
 * filters the source itself, and names the stored fields to return. The source filter to apply, or undefined for none.
 */
export function storedFieldsOf(body: Json, params: SearchParams, sourceSpec: unknown): { id: boolean; source: unknown; names: string[] } {
  const raw = body.stored_fields ?? params.stored_fields?.split(',');
  if (raw === undefined) return { id: true, source: sourceSpec ?? true, names: [] };
  const names = (Array.isArray(raw) ? raw : [raw]).map(String);
  if (names.includes('_none_')) return { id: false, source: undefined, names: [] };
  const stored = names.filter((name) => name !== '_source');
  if (names.includes('_source')) return { id: true, source: sourceSpec === undefined || sourceSpec === false ? true : sourceSpec, names: stored };
  return { id: true, source: sourceSpec, names: stored };
}

/** The mapped fields that the names or patterns of a `stored_fields` list give and that their mapping stores (`store: true`). */
export function storedFieldDefs(names: string[], fields: Map<string, FieldDef>): FieldDef[] {
  const defs: FieldDef[] = [];
  for (const name of names) {
    const pattern = name.includes('*') ? globToRegex(name) : undefined;
    for (const [path, def] of fields) {
      if (def.mapping.store === true && (pattern === undefined ? path === name : pattern.test(path)) && !defs.includes(def)) defs.push(def);
    }
  }
  return defs;
}

/** Stored fields' values as a hit's or a GET's `fields` give them: as indexed, dates in the field's format. */
export function storedFieldValues(doc: Doc, defs: FieldDef[]): Json | undefined {
  return fieldsOf(doc, defs.map((def) => ({ def, format: undefined })));
}

/** The named queries a hit matches: their names, or with `include_named_queries_score` each with its score. */
function matchedQueries(hit: SortedHit, named: readonly NamedQuery[], withScores: boolean): Json {
  const matched = named.filter(({ matcher }) => matcher.matches(hit.doc));
  if (matched.length === 0) return {};
  return { matched_queries: withScores ? Object.fromEntries(matched.map(({ name, matcher }) => [name, matcher.score(hit.doc)])) : matched.map(({ name }) => name) };
}

function hitRenderer(body: Json, params: SearchParams, context: SearchContext, showScore: boolean, plan: SortPlan, named: readonly NamedQuery[]): (hit: SortedHit) => Json {
  const sourceSpec = sourceSpecOf(body, params);
  const docValueRequests = body.docvalue_fields ?? (params.docvalue_fields === undefined ? undefined : params.docvalue_fields.split(','));
  const requested = fieldRequests(body.fields, 'fields');
  const selected = [...selectFields(requested, context, false), ...selectFields(fieldRequests(docValueRequests, 'docvalue_fields'), context, true)];
  const unmapped = requested.filter((request) => request.includeUnmapped === true).map((request) => globToRegex(request.pattern));
  const asked = requested.map((request) => globToRegex(request.pattern));
  const version = body.version === true || params.version === 'true';
  const seqNo = body.seq_no_primary_term === true || params.seq_no_primary_term === 'true';
  const stored = storedFieldsOf(body, params, sourceSpec);
  const withScores = params.include_named_queries_score === 'true';
  const storedDefs = storedFieldDefs(stored.names, context.fields);
  const withStored = [...selected, ...storedDefs.filter((def) => !selected.some((field) => field.def === def)).map((def) => ({ def, format: undefined }))];
  return (hit) => {
    const source = stored.source === undefined ? undefined : filterSource(sourceOf(hit.doc), stored.source);
    const mapped = withStored.length === 0 ? undefined : fieldsOf(hit.doc, withStored);
    const others = unmapped.length === 0 ? undefined : unmappedFieldsOf(sourceOf(hit.doc), unmapped, context);
    const values = others === undefined ? mapped : { ...mapped, ...others };
    const ignored = hit.doc.fields.get(IGNORED_FIELD);
    const ignoredValues = ignored === undefined || asked.length === 0 ? undefined : ignoredFieldValuesOf(hit.doc, ignored, asked, context);
    return {
      _index: hit.index,
      ...(stored.id ? { _id: hit.doc.id } : {}),
      ...(version ? { _version: hit.doc.version } : {}),
      ...(seqNo ? { _seq_no: hit.doc.seqNo, _primary_term: 1 } : {}),
      _score: showScore ? hit.score : null,
      ...(ignored === undefined ? {} : { _ignored: ignored }),
      ...(source === undefined ? {} : { _source: source }),
      ...(values === undefined ? {} : { fields: values }),
      ...(ignoredValues === undefined ? {} : { ignored_field_values: ignoredValues }),
      ...(hit.sort === undefined ? {} : { sort: plan.written(hit, hit.sort) }),
      ...(named.length === 0 ? {} : matchedQueries(hit, named, withScores)),
    };
  };
}

/** The request's own checks of its page (SearchRequest.validate), before any shard. */
function checkPaging(body: Json, params: SearchParams, from: number, size: number): void {
  if (body.search_after !== undefined && from > 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [from] parameter must be set to 0 when [search_after] is used;');
  if (params.scroll !== undefined) {
    if (size === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [size] cannot be [0] in a scroll context;');
    if (from > 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: using [from] is not allowed in a scroll context;');
    if (params.request_cache === 'true') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [request_cache] cannot be used in a scroll context;');
    if (body.search_after !== undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [search_after] cannot be used in a scroll context;');
  }
}

/**
 * Each shard's check of the page against the lowest `index.max_result_window` of the searched indices
 * (DefaultSearchContext.preProcess), after its query is built: an ids query over the window fails first.
 */
function checkWindow(params: SearchParams, page: { from: number; size: number }, indices: readonly Index[]): void {
  const window = indexLimit(indices, 'index.max_result_window', MAX_RESULT_WINDOW);
  const { from, size } = page;
  if (params.scroll !== undefined) {
    if (size > window) throw badRequest(`Batch size is too large, size must be less than or equal to: [${window}] but was [${size}]. Scroll batch sizes cost as much memory as result windows so they are controlled by the [index.max_result_window] index level setting.`);
  } else if (from + size > window) {
    throw badRequest(`Result window is too large, from + size must be less than or equal to: [${window}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
  }
}

/**
 * SearchService's checks of `docvalue_fields` and `script_fields` against `index.max_docvalue_fields_search` and
 * `index.max_script_fields`, counted as asked. They come before the emulator refuses scripts, as on a cluster.
 */
function checkFieldLimits(body: Json, params: SearchParams, indices: readonly Index[]): void {
  const docValues = body.docvalue_fields ?? params.docvalue_fields?.split(',');
  const scripts = body.script_fields;
  const limits: Array<[string, number, number]> = [
    ['docvalue_fields', Array.isArray(docValues) ? docValues.length : docValues === undefined ? 0 : 1, indexLimit(indices, 'index.max_docvalue_fields_search', MAX_DOCVALUE_FIELDS)],
    ['script_fields', isJsonObject(scripts) ? Object.keys(scripts).length : 0, indexLimit(indices, 'index.max_script_fields', MAX_SCRIPT_FIELDS)],
  ];
  for (const [kind, count, limit] of limits) {
    if (count <= limit) continue;
    const setting = kind === 'docvalue_fields' ? 'index.max_docvalue_fields_search' : 'index.max_script_fields';
    throw new ShardLevelError(400, 'illegal_argument_exception', `Trying to retrieve too many ${kind}. Must be less than or equal to: [${limit}] but was [${count}]. This limit can be set by changing the [${setting}] index level setting.`);
  }
}

/** `terminate_after`, of the URL or the body: RestSearchAction's and SearchSourceBuilder's check of it. */
function terminateAfterOf(body: Json, params: SearchParams): number {
  const raw = params.terminate_after ?? body.terminate_after;
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw parsingError(`[terminate_after] must be an integer, found [${JSON.stringify(raw)}]`);
  if (value < 0) throw badRequest('terminateAfter must be > 0');
  return value;
}

/**
 * `terminate_after`: each shard (one per index) stops collecting after that many matches, in index order; what it
 * did not collect is not counted, aggregated or returned.
 */
function collectedUpTo(hits: Hit[], limit: number): Hit[] {
  const counts = new Map<string, number>();
  return hits.filter((hit) => {
    const count = (counts.get(hit.index) ?? 0) + 1;
    counts.set(hit.index, count);
    return count <= limit;
  });
}

/** Each hit's score multiplied by its index's `indices_boost`, as the shards of that index boost their queries. */
function boostedByIndex(hits: Hit[], boosts: ReadonlyMap<string, number> | undefined): Hit[] {
  if (boosts === undefined || boosts.size === 0) return hits;
  return hits.map((hit) => {
    const boost = boosts.get(hit.index);
    return boost === undefined ? hit : { ...hit, score: hit.score * boost };
  });
}

/** `pit`: the targets are a point in time's; `idFieldData`: the cluster lets `_id` be sorted on; `indexBoosts`: `indices_boost` resolved. */
export interface SearchOptions {
  pit?: boolean;
  idFieldData?: boolean;
  indexBoosts?: ReadonlyMap<string, number>;
}

/** Runs the query, filters by `min_score` and `post_filter`, and runs the aggregations; the hits are sorted (and `search_after` applied) when first read. */
export function prepareSearch(targets: Target[], body: Json, params: SearchParams, now: number, options: SearchOptions = {}): PreparedSearch {
  const indices = targets.map((target) => target.index);
  asShardFailure(targets, () => checkFieldLimits(body, params, indices));
  checkSearchBody(body);
  const context = searchContext(indices, now, options.idFieldData);
  return asShardFailure(targets, () => {
    const keys = sortKeys(body, params, options.pit === true);
    // The check is each shard's: a pattern that matches no index has none to fail, and answers no hits.
    if (targets.length > 0) checkSortFields(keys, context);
    const trackScores = body.track_scores === true;
    const minScore = body.min_score === undefined ? undefined : Number(body.min_score);
    const scored = keys.length === 0 || keys.some((key) => key.field === '_score') || trackScores || minScore !== undefined;
    const aggs = (body.aggs ?? body.aggregations) as Json | undefined;
    // The query's and post_filter's named queries, not the aggregations' (MatchedQueriesPhase reads the search's).
    const named: NamedQuery[] = [];
    context.named = named;
    const found = boostedByIndex((pagesComposite(aggs) ? pagedMatchingHits : matchingHits)(targets, queryOf(body, params), context, scored), options.indexBoosts);
    context.named = undefined;
    const terminateAfter = terminateAfterOf(body, params);
    const collected = terminateAfter === 0 ? found : collectedUpTo(found, terminateAfter);
    const hits = minScore === undefined ? collected : collected.filter((hit) => hit.score >= minScore);
    const aggregations = aggs === undefined ? undefined : runAggregations(aggs, hits, context, () => matchingHits(targets, undefined, context, false));
    context.named = named;
    const postFilter = body.post_filter === undefined ? undefined : compileQuery(body.post_filter, context);
    context.named = undefined;
    const matched = postFilter === undefined ? hits : hits.filter((hit) => postFilter.matches(hit.doc));
    checkSortable(keys, context);
    const given = body.search_after as Array<FieldValue | null> | undefined;
    if (given !== undefined) {
      if (keys.length === 0) throw badRequest('Cannot use [search_after] without a [sort] clause');
      if (!Array.isArray(given) || given.length !== keys.length) throw badRequest(`search_after has ${Array.isArray(given) ? given.length : 0} value(s) but sort has ${keys.length}.`);
    }
    const plan = planSort(keys, context);
    const after = given === undefined ? undefined : plan.after(given);
    let sorted: SortedHit[] | undefined;
    // A scroll renders every page from the same prepared search: the best score is found once.
    let best: number | null | undefined;
    const showScore = keys.length === 0 || trackScores;
    return {
      get hits(): SortedHit[] {
        sorted ??= after === undefined ? sortHits(matched, plan) : sortHits(matched, plan).filter((hit) => plan.compare(hit.sort ?? [], after) > 0);
        return sorted;
      },
      get maxScore(): number | null {
        if (best === undefined) best = matched.length === 0 ? null : matched.reduce((max, hit) => (hit.score > max ? hit.score : max), -Infinity);
        return best;
      },
      total: matched.length,
      ...(terminateAfter === 0 ? {} : { terminatedEarly: collected.length < found.length }),
      threshold: totalThreshold(body, params),
      sortedByScore: keys.length === 0,
      render: hitRenderer(body, params, context, showScore, plan, named),
      ...(aggregations === undefined ? {} : { aggregations }),
    };
  });
}

/**
 * One page of a prepared search, as Elasticsearch's search response. `totalAsInt` is the request's
 * `rest_total_hits_as_int` (each scroll page has its own); aggregations come with the first page only.
 */
export function renderPage(prepared: PreparedSearch, page: { from: number; size: number }, options: { took: number; shards: number; totalAsInt: boolean; aggregations: boolean }): Json {
  const hits = page.size === 0 ? [] : prepared.hits.slice(page.from, page.from + page.size);
  const total = prepared.threshold < 0 ? undefined : prepared.total > prepared.threshold ? { value: prepared.threshold, relation: 'gte' } : { value: prepared.total, relation: 'eq' };
  return {
    took: options.took,
    timed_out: false,
    ...(prepared.terminatedEarly === undefined ? {} : { terminated_early: prepared.terminatedEarly }),
    _shards: { total: options.shards, successful: options.shards, skipped: 0, failed: 0 },
    hits: {
      ...(total === undefined ? (options.totalAsInt ? { total: -1 } : {}) : { total: options.totalAsInt ? total.value : total }),
      // No hit is collected for `size: 0`, so there is no best score (Elasticsearch's NaN, written as null).
      max_score: prepared.sortedByScore && page.size > 0 ? prepared.maxScore : null,
      hits: hits.map(prepared.render),
    },
    ...(options.aggregations && prepared.aggregations !== undefined ? { aggregations: prepared.aggregations } : {}),
  };
}

/** The page bounds of a search, checked as Elasticsearch checks them. */
function pageOf(body: Json, params: SearchParams): { from: number; size: number } {
  // A `size` of -1 in the URL is no size (deprecated since 7.13, RestSearchAction); in the body, it is refused as negative.
  const size = integerOption('size', params.size === '-1' ? undefined : params.size, body.size, 10);
  const from = integerOption('from', params.from, body.from, 0);
  checkPaging(body, params, from, size);
  return { from, size };
}

/**
 * A search's first page, and what it prepared (a scroll keeps that for its next pages). `pit`: the targets
 * are a point in time's, which adds the `_shard_doc` tiebreaker to the sort.
 */
export function firstPage(targets: Target[], body: Json, params: SearchParams, now: number, options: SearchOptions = {}): { prepared: PreparedSearch; response: Json; size: number } {
  const started = performance.now();
  const page = pageOf(body, params);
  const prepared = prepareSearch(targets, body, params, now, options);
  checkWindow(params, page, targets.map((target) => target.index));
  const response = renderPage(prepared, page, { took: Math.round(performance.now() - started), shards: targets.length, totalAsInt: params.rest_total_hits_as_int === 'true', aggregations: true });
  return { prepared, response, size: page.size };
}

export function search(targets: Target[], body: Json, params: SearchParams, now: number, options: SearchOptions = {}): Json {
  return firstPage(targets, body, params, now, options).response;
}

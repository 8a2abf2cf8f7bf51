import { runAggregations, type Hit } from './aggs.js';
import { badRequest } from './errors.js';
import type { FieldDef, FieldValue } from './mapping.js';
import { compareSortValues, compileQuery, filterSource, parseSort, sortValue, type SearchContext } from './query.js';
import type { Index, Json } from './store.js';

export interface SearchParams {
  q?: string;
  df?: string;
  default_operator?: string;
  size?: string;
  from?: string;
  sort?: string;
  _source?: string;
  _source_includes?: string;
  _source_excludes?: string;
  track_total_hits?: string;
  rest_total_hits_as_int?: string;
}

/** The fields of several indices as one lookup (the first index that maps a field decides its type). */
export function searchContext(indices: Index[], now: number): SearchContext {
  const fields = new Map<string, FieldDef>();
  for (const index of indices) for (const [path, def] of index.fields) if (!fields.has(path)) fields.set(path, def);
  return { fields, now };
}

function queryOf(body: Json, params: SearchParams): unknown {
  if (params.q !== undefined) {
    return { query_string: { query: params.q, ...(params.df ? { default_field: params.df } : {}), ...(params.default_operator ? { default_operator: params.default_operator } : {}) } };
  }
  return body.query;
}

/** The hits of a query over the indices' refreshed documents, in index order. */
function matchingHits(indices: Index[], query: unknown, context: SearchContext, scored: boolean): Hit[] {
  const matcher = compileQuery(query, context);
  const hits: Hit[] = [];
  let order = 0;
  for (const index of indices) {
    for (const doc of index.view.values()) {
      if (!matcher.matches(doc)) continue;
      hits.push({ doc, index: index.name, score: scored ? matcher.score(doc) : 0, order: order++ });
    }
  }
  return hits;
}

export function count(indices: Index[], body: Json, params: SearchParams, now: number): Json {
  const context = searchContext(indices, now);
  const hits = matchingHits(indices, queryOf(body, params), context, false);
  return { count: hits.length, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } };
}

export function search(indices: Index[], body: Json, params: SearchParams, now: number): Json {
  const started = performance.now();
  const context = searchContext(indices, now);
  const size = Number(params.size ?? body.size ?? 10);
  const from = Number(params.from ?? body.from ?? 0);
  if (!Number.isInteger(size) || size < 0) throw badRequest(`[size] parameter cannot be negative, found [${size}]`);
  if (from + size > 10_000) throw badRequest(`Result window is too large, from + size must be less than or equal to: [10000] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
  const keys = parseSort(params.sort !== undefined ? params.sort.split(',') : body.sort);
  const byScore = keys.length === 0 || keys.some((key) => key.field === '_score');
  const hits = matchingHits(indices, queryOf(body, params), context, byScore || body.track_scores === true);

  let sorted: Array<Hit & { sort?: Array<FieldValue | null> }>;
  if (keys.length === 0) sorted = [...hits].sort((a, b) => b.score - a.score || a.order - b.order);
  else {
    for (const key of keys) {
      const def = context.fields.get(key.field);
      if (def && (def.type === 'text' || def.type === 'match_only_text')) {
        throw badRequest(`Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${key.field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`);
      }
    }
    sorted = hits.map((hit) => ({ ...hit, sort: keys.map((key) => sortValue(hit.doc, key, hit.score, hit.order)) }));
    sorted.sort((a, b) => compareSortValues(a.sort ?? [], b.sort ?? [], keys) || a.order - b.order);
  }
  const after = body.search_after as Array<FieldValue | null> | undefined;
  if (after !== undefined) {
    if (keys.length === 0) throw badRequest('Cannot use [search_after] without a [sort] clause');
    sorted = sorted.filter((hit) => compareSortValues(hit.sort ?? [], after, keys) > 0);
  }

  const track = params.track_total_hits ?? body.track_total_hits;
  const threshold = track === undefined ? 10_000 : track === true || track === 'true' ? Infinity : track === false || track === 'false' ? -1 : Number(track);
  const sourceSpec = params._source_includes !== undefined || params._source_excludes !== undefined
    ? { includes: params._source_includes?.split(','), excludes: params._source_excludes?.split(',') }
    : params._source !== undefined ? (params._source === 'false' ? false : params._source === 'true' ? true : params._source.split(',')) : body._source;
  const page = sorted.slice(from, from + size).map((hit) => {
    const source = filterSource(hit.doc.source, sourceSpec);
    return {
      _index: hit.index,
      _id: hit.doc.id,
      _score: keys.length === 0 || body.track_scores === true ? hit.score : null,
      ...(source === undefined ? {} : { _source: source }),
      ...(hit.sort === undefined ? {} : { sort: hit.sort }),
    };
  });
  const total = threshold < 0 ? undefined : hits.length > threshold ? { value: threshold, relation: 'gte' } : { value: hits.length, relation: 'eq' };
  const aggs = (body.aggs ?? body.aggregations) as Json | undefined;
  const response: Json = {
    took: Math.round(performance.now() - started),
    timed_out: false,
    _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 },
    hits: {
      ...(total === undefined ? {} : { total: params.rest_total_hits_as_int === 'true' ? total.value : total }),
      max_score: keys.length === 0 && hits.length > 0 ? hits.reduce((max, hit) => (hit.score > max ? hit.score : max), -Infinity) : null,
      hits: page,
    },
  };
  if (aggs !== undefined) response.aggregations = runAggregations(aggs, hits, context, () => matchingHits(indices, undefined, context, false));
  return response;
}

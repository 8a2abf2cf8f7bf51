import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { EsError } from './errors.js';
import type { Json } from './store.js';

/** Fetches a document's source as `GET <index>/_doc/<id>` finds it, or undefined when there is none. */
export type SourceFetcher = (index: string, id: string) => Json | undefined;

const LOOKUP_KEYS = new Set(['index', 'id', 'path', 'routing']);

function isLookup(spec: unknown): spec is Json {
  return isJsonObject(spec) && ('index' in spec || 'id' in spec || 'path' in spec);
}

/** The values at a path of a source, through objects, arrays and keys written with dots (XContentMapValues.extractRawValues). */
export function valuesAt(node: unknown, parts: string[]): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesAt(item, parts));
  if (parts.length === 0) return node === null || node === undefined || isJsonObject(node) ? [] : [node];
  if (!isJsonObject(node)) return [];
  const found: unknown[] = [];
  for (let i = 1; i <= parts.length; i += 1) {
    const key = parts.slice(0, i).join('.');
    if (Object.hasOwn(node, key)) found.push(...valuesAt(node[key], parts.slice(i)));
  }
  return found;
}

/** One lookup element's terms, its keys checked as TermsLookup.parseTermsLookup checks them. */
function lookedUp(spec: Json, fetch: SourceFetcher): unknown[] {
  for (const key of Object.keys(spec)) {
    if (!LOOKUP_KEYS.has(key)) throw new EsError(400, 'parsing_exception', `[terms] query does not support [${key}] within lookup element`, { line: 1, col: 1 });
  }
  for (const key of ['id', 'path', 'index'] as const) {
    if (typeof spec[key] !== 'string' || spec[key] === '') throw new EsError(400, 'illegal_argument_exception', `[terms] query lookup element requires specifying the ${key}.`);
  }
  const source = fetch(spec.index as string, spec.id as string);
  return source === undefined ? [] : valuesAt(source, (spec.path as string).split('.'));
}

/**
 * Terms lookups (`{ terms: { user: { index, id, path } } }`) replaced by the terms they name, as Elasticsearch's
 * coordinating node rewrites them before the shards run the query: the document is fetched as GET fetches it, and a
 * missing document gives no terms (the query then matches nothing). A query without lookups comes back as it was.
 */
export function withTermsLookups(query: unknown, fetch: SourceFetcher): unknown {
  if (Array.isArray(query)) {
    const items = query.map((item) => withTermsLookups(item, fetch));
    return items.every((item, i) => item === query[i]) ? query : items;
  }
  if (!isJsonObject(query)) return query;
  return mapChanged(query, (value, key) =>
    key === 'terms' && isJsonObject(value) && Object.values(value).some(isLookup)
      ? Object.fromEntries(Object.entries(value).map(([field, spec]) => [field, isLookup(spec) ? lookedUp(spec, fetch) : spec]))
      : withTermsLookups(value, fetch),
  );
}

/** The record with each value rewritten, or the record itself when no value changed. */
function mapChanged(record: Json, rewrite: (value: unknown, key: string) => unknown): Json {
  let out: Json | undefined;
  for (const [key, value] of Object.entries(record)) {
    const rewritten = rewrite(value, key);
    if (rewritten === value) continue;
    out ??= { ...record };
    setOwn(out, key, rewritten);
  }
  return out ?? record;
}

/**
 * Aggregations with the terms lookups of their queries replaced (a `filter` aggregation's query, a `filters`
 * aggregation's, at any depth), as Elasticsearch rewrites them with the search's query (AggregatorFactories.rewrite).
 * Only those places are read as queries: elsewhere an object with an `id` is something else (a stored script, say).
 */
export function withAggregationLookups(aggregations: unknown, fetch: SourceFetcher): unknown {
  if (!isJsonObject(aggregations)) return aggregations;
  return mapChanged(aggregations, (aggregation) => (isJsonObject(aggregation) ? mapChanged(aggregation, (part, key) => partWithLookups(key, part, fetch)) : aggregation));
}

function partWithLookups(key: string, part: unknown, fetch: SourceFetcher): unknown {
  if (key === 'aggs' || key === 'aggregations') return withAggregationLookups(part, fetch);
  if (key === 'filter') return withTermsLookups(part, fetch);
  if (key !== 'filters' || !isJsonObject(part)) return part;
  // `filters.filters`: an array of anonymous queries, or an object of named ones.
  return mapChanged(part, (filters, name) => {
    if (name !== 'filters') return filters;
    return isJsonObject(filters) ? mapChanged(filters, (query) => withTermsLookups(query, fetch)) : withTermsLookups(filters, fetch);
  });
}

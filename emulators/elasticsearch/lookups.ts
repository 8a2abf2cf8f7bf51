/**
 * APIs that look into indices without searching their documents for hits: the field mapping API (GET
 * `_mapping/field`), the terms enum API (Kibana's KQL bar asks it for value suggestions) and the validate API.
 */
import { isJsonObject } from '../../shared/json-object.js';
import { badRequest, EsError, parsingError } from './errors.js';
import { globToRegex } from './glob.js';
import type { FieldDef } from './mapping.js';
import { compileQuery } from './query.js';
import { searchContext } from './search.js';
import type { Doc, Index, Json } from './store.js';
import { badFieldValue, checkKeys, unknownField } from './strict.js';

/** A field of a mapping that is a field, not an object holding fields (GetFieldMappings answers only those). */
function isLeaf(def: FieldDef): boolean {
  return def.type !== 'object' && def.type !== 'nested';
}

/**
 * `GET [<index>/]_mapping/field/<fields>` (TransportGetFieldMappingsIndexAction): per index, each leaf field a
 * name or pattern names, by the name asked, with its full name and its mapping under its own last name
 * (`message.keyword` → `{ keyword: … }`). An index none of whose fields is named answers `{ mappings: {} }`.
 * Elasticsearch lists its metadata fields (`_id`, `_source` …) for `*`; the emulator keeps no mapping of them.
 */
export function fieldMappings(indices: Index[], fields: string, query: Record<string, string | undefined>): Json {
  if (query.include_defaults === 'true') throw badRequest('[include_defaults] is valid in Elasticsearch but not supported by the emulator, which keeps no default mapping parameters');
  const asked = fields.split(',').map((field) => field.trim());
  const answer: Json = {};
  for (const index of indices) {
    const found: Json = {};
    for (const name of asked) {
      const matching = name.includes('*') ? [...index.fields.values()].filter((def) => globToRegex(name).test(def.path)) : [index.fields.get(name)].filter((def) => def !== undefined);
      for (const def of matching) {
        if (!isLeaf(def)) continue;
        found[def.path] = { full_name: def.path, mapping: { [def.path.slice(def.path.lastIndexOf('.') + 1)]: def.mapping } };
      }
    }
    answer[index.name] = { mappings: found };
  }
  return answer;
}

/** The request of the terms enum API (TermsEnumRequest's parser), and the field types whose terms it lists. */
const TERMS_ENUM_KEYS = ['field', 'string', 'size', 'timeout', 'case_insensitive', 'index_filter', 'search_after'];
const LISTED_TYPES = new Set(['keyword', 'constant_keyword']);
/** Types Elasticsearch lists terms of that the emulator does not: refused, never answered with no terms. */
const UNLISTED_TYPES = new Set(['flattened', 'ip', 'version']);

/** Lucene orders terms by their UTF-8 bytes, which is code point order: JavaScript's `<` orders UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function stringOption(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badFieldValue('terms_enum_request', key, `[${key}] must be a string`);
  return value;
}

/** The terms of one index's field that the request's prefix and `search_after` admit. */
function termsOf(index: Index, def: FieldDef, prefix: string, caseInsensitive: boolean, after: string | undefined, into: Set<string>): void {
  const admits = (term: string): boolean => (caseInsensitive ? term.toLowerCase().startsWith(prefix.toLowerCase()) : term.startsWith(prefix)) && (after === undefined || byCodePoint(term, after) > 0);
  if (def.type === 'constant_keyword') {
    const value = def.mapping.value;
    if (typeof value === 'string' && admits(value)) into.add(value);
    return;
  }
  for (const doc of index.view.values()) {
    for (const value of doc.fields.get(def.path) ?? []) if (typeof value === 'string' && admits(value)) into.add(value);
  }
}

function anyMatch(index: Index, matches: (doc: Doc) => boolean): boolean {
  for (const doc of index.view.values()) if (matches(doc)) return true;
  return false;
}

/**
 * `_terms_enum` (TransportTermsEnumAction): the field's indexed terms that start with `string`, in Lucene's order,
 * at most `size` (10), after `search_after`. Listed for keyword and constant_keyword fields; a field of another
 * type that Elasticsearch lists no terms for (text, numbers, dates) answers none. `index_filter` leaves out an
 * index none of whose documents it matches, where Elasticsearch leaves out a shard the query rewrites to match_none
 * on (a range outside the shard's values): the same for Kibana's time filter. Deleted documents' terms are not
 * listed (Elasticsearch may list them until a merge).
 */
export function termsEnum(indices: Index[], body: Json, now: number): Json {
  checkKeys(body, TERMS_ENUM_KEYS, unknownField('terms_enum_request'));
  const field = stringOption(body, 'field');
  if (field === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: field cannot be null;');
  const prefix = stringOption(body, 'string') ?? '';
  const after = stringOption(body, 'search_after');
  const size = body.size ?? 10;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new EsError(400, 'action_request_validation_exception', `Validation Failed: 1: size cannot be negative;`);
  if (Buffer.byteLength(prefix) > 32766) throw badRequest('prefix string larger than 32766 characters, which is the maximum allowed term length for keyword fields.');
  const caseInsensitive = body.case_insensitive === true;
  const filter = body.index_filter;
  if (filter !== undefined && !isJsonObject(filter)) throw badFieldValue('terms_enum_request', 'index_filter');
  const terms = new Set<string>();
  for (const index of indices) {
    const def = index.fields.get(field);
    if (def === undefined) continue;
    if (UNLISTED_TYPES.has(def.type)) throw badRequest(`terms enum on a field of type [${def.type}] is valid in Elasticsearch but not supported by the emulator`);
    if (!LISTED_TYPES.has(def.type)) continue;
    if (filter !== undefined) {
      const matcher = compileQuery(filter, searchContext([index], now));
      if (!anyMatch(index, (doc) => matcher.matches(doc))) continue;
    }
    termsOf(index, def, prefix, caseInsensitive, after, terms);
  }
  const sorted = [...terms].sort(byCodePoint).slice(0, size);
  return { _shards: { total: indices.length, successful: indices.length, failed: 0 }, terms: sorted, complete: true };
}

/**
 * `_validate/query` (TransportValidateQueryAction): whether the query (in the body or `q`) parses and can run on
 * the indices' mappings. `explain` and `rewrite` answer with Lucene's text of the query, which the emulator has
 * not: they are refused.
 */
export function validateQuery(indices: Index[], body: Json, query: Record<string, string | undefined>, now: number): Json {
  for (const option of ['explain', 'rewrite', 'all_shards']) {
    if (query[option] === 'true') throw badRequest(`[${option}] is valid in Elasticsearch but not supported by the emulator, which has no Lucene query to show`);
  }
  for (const key of Object.keys(body)) if (key !== 'query') throw parsingError(`request does not support [${key}]`);
  const shards = { total: indices.length, successful: indices.length, failed: 0 };
  const asked = query.q !== undefined ? { query_string: { query: query.q, ...(query.df !== undefined ? { default_field: query.df } : {}) } } : body.query;
  try {
    compileQuery(asked, searchContext(indices, now));
    return { _shards: shards, valid: true };
  } catch (error) {
    if (error instanceof EsError) return { _shards: shards, valid: false };
    throw error;
  }
}

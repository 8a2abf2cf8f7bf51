import { isIP } from 'node:net';
import { isJsonObject } from '../../shared/json-object.js';
import { ipToBigInt } from '../../shared/ip.js';
import { DEFAULT_DATE_FORMAT, resolveDateMath } from './dates.js';
import { badRequest, EsError, parsingError, queryShardError, ShardLevelError } from './errors.js';
import { fuzzyMatcher, holdsPhrase, maxEdits, phraseTests, withinEdits, type FuzzyOptions } from './full-text.js';
import { globToRegex } from './glob.js';
import { luceneRegex } from './lucene-regex.js';
import { queryString } from './query-string.js';
import { simpleQueryString } from './simple-query-string.js';
import { analyze, isNumericType, isTextType, parseGeoPoint, toHalfFloat, type FieldDef, type FieldValue } from './mapping.js';
import type { RangeBounds } from './range-column.js';
import type { Doc, Index, Json } from './store.js';
import { checkKeys, MAX_QUERY_DEPTH, QUERY_OPTIONS, SINGLE_FIELD_QUERIES, SORT_OPTIONS, UNSUPPORTED_QUERIES, unknownQueryOption } from './strict.js';

/** What a query needs to know of the searched indices: their fields (merged) and the clock for date math. */
export interface SearchContext {
  /** The searched indices; `fields` is their mappings as one lookup. */
  indices: readonly Index[];
  fields: Map<string, FieldDef>;
  now: number;
  /** `index.max_terms_count`, the lowest of the searched indices'. */
  maxTermsCount?: number;
  /** `index.max_regex_length`, the lowest of the searched indices'. */
  maxRegexLength?: number;
  /** `index.max_result_window`, the lowest of the searched indices': an ids query names at most that many. */
  maxResultWindow?: number;
  /** The cluster setting `indices.id_field_data.enabled` (off by default since 8.0): whether `_id` may be sorted on. */
  idFieldData?: boolean;
  /** While set, the queries compiled that carry a `_name`, for the hits' `matched_queries`. */
  named?: NamedQuery[];
}

export interface NamedQuery {
  name: string;
  matcher: Matcher;
}

/** A query's `_name`: at its top, or in its field's options for a query on one field (`match: {f: {query, _name}}`). */
function queryName(type: string, spec: Json): string | undefined {
  if (typeof spec._name === 'string') return spec._name;
  if (!SINGLE_FIELD_QUERIES.has(type)) return undefined;
  const options = Object.values(spec)[0];
  return isJsonObject(options) && typeof options._name === 'string' ? options._name : undefined;
}

/** `index.max_terms_count`'s and `index.max_regex_length`'s defaults. */
export const MAX_TERMS_COUNT = 65_536;
export const MAX_REGEX_LENGTH = 1000;

/** The metadata fields every document has, which an exists query on them finds. */
const EVERY_DOCUMENT_HAS = new Set(['_id', '_index', '_seq_no', '_version', '_primary_term']);

/** A compiled query: whether a document matches, and how well (0 in filter context). */
export interface Matcher {
  matches(doc: Doc): boolean;
  score(doc: Doc): number;
  /** A numeric range every match lies in (a range query, or one a bool requires): searches visit only its documents. */
  bounds?: RangeBounds;
}

const tokenCache = new WeakMap<Doc, Map<string, string[][]>>();

/** The analysed tokens of a text field's values, computed once per document. */
function tokensOf(doc: Doc, path: string): string[][] {
  let perDoc = tokenCache.get(doc);
  if (!perDoc) tokenCache.set(doc, (perDoc = new Map()));
  let tokens = perDoc.get(path);
  if (!tokens) {
    tokens = (doc.fields.get(path) ?? []).map((value) => analyze(String(value)));
    perDoc.set(path, tokens);
  }
  return tokens;
}

function constant(matches: (doc: Doc) => boolean, boost = 1): Matcher {
  return { matches, score: (doc) => (matches(doc) ? boost : 0) };
}

export const MATCH_ALL: Matcher = { matches: () => true, score: () => 1 };
export const MATCH_NONE: Matcher = { matches: () => false, score: () => 0 };

/** Field names a pattern (`user.*`, `*`) stands for. */
export function expandFields(pattern: string, context: SearchContext): string[] {
  if (!pattern.includes('*')) return [pattern];
  const regex = globToRegex(pattern);
  return [...context.fields.values()].filter((def) => def.type !== 'object' && def.type !== 'nested' && regex.test(def.path)).map((def) => def.path);
}

// ---- value conversion for term-level queries --------------------------------------------------------


/** A value that does not parse for its field: Elasticsearch fails the shard's query with these errors. */
function unparsable(def: FieldDef, value: unknown, format: string): EsError {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  switch (def.type) {
    case 'date':
    case 'date_nanos': {
      const reason = `failed to parse date field [${text}] with format [${format}]`;
      return new ShardLevelError(400, 'parse_exception', `${reason}: [${reason}]`, {}, { type: 'illegal_argument_exception', reason });
    }
    case 'boolean':
      return queryShardError(`Can't parse boolean value [${text}], expected [true] or [false]`, { type: 'illegal_argument_exception', reason: `Can't parse boolean value [${text}], expected [true] or [false]` });
    case 'ip':
      return queryShardError(`'${text}' is not an IP string literal.`, { type: 'illegal_argument_exception', reason: `'${text}' is not an IP string literal.` });
    default:
      return queryShardError(`For input string: "${text}"`, { type: 'number_format_exception', reason: `For input string: "${text}"` });
  }
}

/**
 * A term's value in the field's own terms, for equality and ranges. A value that cannot be one of the
 * field's is an error (`lenient` gives undefined instead, as query_string over many fields does).
 */
function termValue(def: FieldDef | undefined, value: unknown, context: SearchContext, roundUp = false, options: { format?: string; zone?: string; lenient?: boolean; bound?: boolean } = {}): FieldValue | undefined {
  if (def === undefined) return typeof value === 'object' ? undefined : String(value);
  const fail = (format = ''): undefined => {
    if (options.lenient === true) return undefined;
    throw unparsable(def, value, format);
  };
  switch (def.type) {
    case 'date':
    case 'date_nanos': {
      const format = options.format ?? def.mapping.format ?? DEFAULT_DATE_FORMAT;
      if (typeof value !== 'string' && typeof value !== 'number') return fail(format);
      return resolveDateMath(value, context.now, { format, zone: options.zone, roundUp }) ?? fail(format);
    }
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false' || value === '') return false;
      return fail();
    case 'ip': {
      const text = String(value).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
      return isIP(text) === 0 ? fail() : text.toLowerCase();
    }
    default:
      if (isNumericType(def.type)) {
        const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (Number.isNaN(number)) return fail();
        // A float field's term or bound is the float nearest it; a half_float's term is rounded as its values are,
        // but a range keeps the float: HalfFloatPoint's nextUp and nextDown then find the half floats inside it.
        if (def.type === 'float' || (def.type === 'half_float' && options.bound === true)) return Math.fround(number);
        return def.type === 'half_float' ? toHalfFloat(number) : number;
      }
      return String(value);
  }
}

function compare(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The metadata fields a term-level or match query may name (IndexFieldMapper, IdFieldMapper): `_index` matches the
 * concrete index name or a wildcard pattern of it, `_id` the id.
 */
function metadataMatcher(field: string, test: (value: string) => boolean, boost = 1): Matcher | undefined {
  if (field === '_index') return constant((doc) => test(doc.index), boost);
  if (field === '_id') return constant((doc) => test(doc.id), boost);
  return undefined;
}

function termMatcher(field: string, raw: unknown, context: SearchContext, options: { caseInsensitive?: boolean; boost?: number } = {}): Matcher {
  if (field === '_index' || field === '_id') {
    const pattern = field === '_index' ? globToRegex(String(raw), { caseInsensitive: options.caseInsensitive === true }) : undefined;
    const id = String(raw);
    return metadataMatcher(field, (value) => (pattern === undefined ? value === id : pattern.test(value)), options.boost) as Matcher;
  }
  const def = context.fields.get(field);
  if (def && isTextType(def.type)) {
    const token = String(raw);
    return constant((doc) => tokensOf(doc, field).some((tokens) => tokens.includes(token)), options.boost);
  }
  if (def?.type === 'ip' && typeof raw === 'string' && raw.includes('/')) {
    const [network = '', bits = '0'] = raw.split('/');
    // IPv4 addresses live in the IPv4-mapped IPv6 range, so one 128-bit comparison serves both.
    const prefix = isIP(network) === 4 ? 96 + Number(bits) : Number(bits);
    const shift = BigInt(128 - prefix);
    const base = ipToBigInt(network, { mapped: true }) >> shift;
    return constant((doc) => doc.fields.some(field, (value) => ipToBigInt(String(value), { mapped: true }) >> shift === base), options.boost);
  }
  if (def?.type === 'date' || def?.type === 'date_nanos') {
    // DateFieldType.termQuery is a range from the value rounded down to it rounded up: "2026-11-21" is that whole day.
    const low = termValue(def, raw, context, false) as number;
    const high = termValue(def, raw, context, true) as number;
    return constant((doc) => doc.fields.some(field, (value) => typeof value === 'number' && value >= low && value <= high), options.boost);
  }
  const wanted = termValue(def, raw, context);
  if (wanted === undefined) return MATCH_NONE;
  if (options.caseInsensitive === true && typeof wanted === 'string') {
    const lower = wanted.toLowerCase();
    return constant((doc) => doc.fields.some(field, (value) => String(value).toLowerCase() === lower), options.boost);
  }
  return constant((doc) => doc.fields.some(field, (value) => value === wanted), options.boost);
}

export function rangeMatcher(field: string, spec: Json, context: SearchContext, lenient = false): Matcher {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw parsingError(`[range] query malformed, no start_object after query name`);
  checkKeys(spec, QUERY_OPTIONS.range as string[], unknownQueryOption('range'));
  const def = context.fields.get(field);
  const options = { format: spec.format as string | undefined, zone: spec.time_zone as string | undefined, lenient };
  let unusable = false;
  const bound = (key: string, roundUp: boolean): FieldValue | undefined => {
    if (spec[key] === undefined || spec[key] === null) return undefined;
    const value = termValue(def, spec[key], context, roundUp, { ...options, bound: true });
    if (value === undefined) unusable = true;
    return value;
  };
  // Elasticsearch rounds date math up for gt and lte, down for gte and lt.
  const gt = bound('gt', true);
  const gte = bound('gte', false) ?? (spec.from !== undefined && spec.include_lower !== false ? bound('from', false) : undefined);
  const lt = bound('lt', false);
  const lte = bound('lte', true) ?? (spec.to !== undefined && spec.include_upper !== false ? bound('to', true) : undefined);
  // A lenient range (query_string over many fields) whose bound does not fit this field matches nothing here.
  if (unusable) return MATCH_NONE;
  const isIp = def?.type === 'ip';
  const boost = spec.boost === undefined ? 1 : Number(spec.boost);
  // Numbers and dates compare as plain numbers: the hot path of time-range filters and SLO aggregations.
  if (!isIp && [gt, gte, lt, lte].every((bound) => bound === undefined || typeof bound === 'number')) {
    const low = (gte ?? (gt === undefined ? -Infinity : (gt as number))) as number;
    const high = (lte ?? (lt === undefined ? Infinity : (lt as number))) as number;
    const lowOpen = gte === undefined && gt !== undefined;
    const highOpen = lte === undefined && lt !== undefined;
    return { ...constant((doc) => doc.fields.some(field, (value) => typeof value === 'number' && (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high)), boost), bounds: { field, low, high, lowOpen, highOpen } };
  }
  const key = (value: FieldValue): FieldValue => (isIp ? Number(ipToBigInt(String(value), { mapped: true })) : value);
  const [gtK, gteK, ltK, lteK] = [gt, gte, lt, lte].map((value) => (value === undefined ? undefined : key(value)));
  return constant((doc) =>
    doc.fields.some(field, (raw) => {
      const value = key(raw);
      return (gtK === undefined || compare(value, gtK) > 0) && (gteK === undefined || compare(value, gteK) >= 0) && (ltK === undefined || compare(value, ltK) < 0) && (lteK === undefined || compare(value, lteK) <= 0);
    }),
  boost);
}


export function stringMatcher(field: string, test: (value: string) => boolean, context: SearchContext, boost = 1): Matcher {
  const metadata = metadataMatcher(field, test, boost);
  if (metadata !== undefined) return metadata;
  const def = context.fields.get(field);
  if (def && isTextType(def.type)) return constant((doc) => tokensOf(doc, field).some((tokens) => tokens.some(test)), boost);
  return constant((doc) => doc.fields.some(field, (value) => test(String(value))), boost);
}

/** How a match query reads its words: by position (a phrase, its last word a prefix), within edits, or as they are. */
export interface MatchOptions {
  operator?: string;
  minimumShouldMatch?: unknown;
  boost?: number;
  phrase?: boolean;
  /** match_phrase_prefix: the phrase's last word matches any token it begins. */
  prefix?: boolean;
  slop?: number;
  fuzzy?: FuzzyOptions;
  /** What a query the analyser leaves no token of matches: `none` (the default) or `all`. */
  zeroTerms?: unknown;
  lenient?: boolean;
}

/** Full-text match on one field: analysed tokens on text fields, the whole value as a term elsewhere. */
export function matchField(field: string, query: unknown, context: SearchContext, options: MatchOptions): Matcher {
  // The metadata fields are keywords: a match is their term query.
  if (field === '_index' || field === '_id') return termMatcher(field, query, context, { boost: options.boost });
  const def = context.fields.get(field);
  const boost = options.boost ?? 1;
  if (!def || !isTextType(def.type)) {
    if (def && (def.type === 'keyword' || def.type === 'constant_keyword' || def.type === 'wildcard' || def.type === 'flattened')) {
      if (options.fuzzy !== undefined && maxEdits(options.fuzzy.fuzziness, String(query)) > 0) return fuzzyMatcher(field, String(query), options.fuzzy, context, boost);
      return termMatcher(field, String(query), context, { boost });
    }
    if (!def) return MATCH_NONE;
    const value = termValue(def, query, context, false, { lenient: options.lenient });
    return value === undefined ? MATCH_NONE : termMatcher(field, query, context, { boost });
  }
  const wanted = analyze(String(query));
  if (wanted.length === 0) return String(options.zeroTerms ?? 'none').toLowerCase() === 'all' ? MATCH_ALL : MATCH_NONE;
  if (options.phrase === true) {
    const tests = phraseTests(wanted, options.prefix === true);
    const slop = options.slop ?? 0;
    return constant((doc) => tokensOf(doc, field).some((tokens) => holdsPhrase(tokens, tests, slop)), boost);
  }
  const fuzzy = options.fuzzy;
  // bool_prefix: the words in any order, the last one a prefix (MatchBoolPrefixQuery).
  const prefix = options.prefix === true;
  const tests = wanted.map((word, i): ((token: string) => boolean) => {
    if (prefix && i === wanted.length - 1) return (token) => token.startsWith(word);
    const edits = fuzzy === undefined ? 0 : maxEdits(fuzzy.fuzziness, word);
    return edits === 0 ? (token) => token === word : (token) => withinEdits(word, token, edits, fuzzy?.prefixLength ?? 0, fuzzy?.transpositions !== false);
  });
  const required = options.operator?.toLowerCase() === 'and' ? wanted.length : minimumShouldMatch(options.minimumShouldMatch, wanted.length, 1);
  const count = (doc: Doc): number => {
    const present = tokensOf(doc, field).flat();
    if (fuzzy === undefined && !prefix) {
      const set = new Set(present);
      return wanted.filter((token) => set.has(token)).length;
    }
    return tests.filter((test) => present.some(test)).length;
  };
  return {
    matches: (doc) => count(doc) >= required,
    score: (doc) => {
      const matched = count(doc);
      return matched >= required ? (boost * matched) / wanted.length : 0;
    },
  };
}

export function minimumShouldMatch(spec: unknown, clauses: number, fallback: number): number {
  if (spec === undefined || spec === null) return Math.min(fallback, clauses);
  const text = String(spec);
  const percent = /^(-?\d+)%$/.exec(text);
  if (percent) {
    const share = Math.trunc((clauses * Math.abs(Number(percent[1]))) / 100);
    return Number(percent[1]) < 0 ? clauses - share : share;
  }
  const number = Number(text);
  return number < 0 ? clauses + number : number;
}

function anyOf(matchers: Matcher[], combine: 'max' | 'sum' = 'max'): Matcher {
  return {
    matches: (doc) => matchers.some((matcher) => matcher.matches(doc)),
    score: (doc) => {
      const scores = matchers.map((matcher) => matcher.score(doc));
      return combine === 'max' ? Math.max(0, ...scores) : scores.reduce((sum, score) => sum + score, 0);
    },
  };
}

export function fieldsWithBoost(fields: unknown, context: SearchContext): Array<[string, number]> {
  const list = Array.isArray(fields) ? (fields as string[]) : typeof fields === 'string' ? [fields] : ['*'];
  return list.flatMap((entry) => {
    const [pattern = '*', boost = '1'] = entry.split('^');
    return expandFields(pattern, context).map((field): [string, number] => [field, Number(boost)]);
  });
}

// ---- the query DSL -----------------------------------------------------------------------------------

function single(body: unknown, query: string): [string, unknown] {
  if (typeof body !== 'object' || body === null) throw parsingError(`[${query}] query malformed, no start_object after query name`);
  const entries = Object.entries(body).filter(([key]) => key !== 'boost' && key !== '_name');
  if (entries.length !== 1) throw parsingError(entries.length === 0 ? `[${query}] query malformed, no field specified` : `[${query}] query doesn't support multiple fields, found [${entries.map(([key]) => key).join('] and [')}]`);
  return entries[0] as [string, unknown];
}

/** The options object of a single-field query (`{ "field": { "query": …, … } }`), its keys checked; a bare value becomes `{ [valueKey]: value }`. */
function fieldOptions(query: string, value: unknown, valueKey: string): Json {
  if (typeof value !== 'object' || value === null) return { [valueKey]: value };
  if (Array.isArray(value)) throw parsingError(`[${query}] query does not support array of values`);
  checkKeys(value, QUERY_OPTIONS[query] ?? [], unknownQueryOption(query));
  return value as Json;
}

/** The boost of a query, which must be a number. */
function boostOf(spec: Json, query: string): number {
  if (spec.boost === undefined) return 1;
  const boost = typeof spec.boost === 'number' ? spec.boost : Number(spec.boost);
  if (!Number.isFinite(boost)) throw parsingError(`[${query}] query does not support [boost] value [${JSON.stringify(spec.boost)}]`);
  return boost;
}

/** The options of a multi-key query (bool, exists, multi_match …) checked against Elasticsearch's. */
function checkOptions(type: string, body: unknown): void {
  if (SINGLE_FIELD_QUERIES.has(type) || type === 'geo_distance') return;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw parsingError(`[${type}] query malformed, no start_object after query name`);
  const allowed = QUERY_OPTIONS[type];
  if (allowed !== undefined) checkKeys(body, allowed, unknownQueryOption(type));
}

/**
 * Compiles a query DSL object. `depth` counts compound queries: past `indices.query.max_nested_depth`
 * Elasticsearch refuses the query rather than recurse.
 */
export function compileQuery(query: unknown, context: SearchContext, depth = 0): Matcher {
  if (query === undefined || query === null) return MATCH_ALL;
  if (typeof query !== 'object' || Array.isArray(query)) throw parsingError('query malformed, must start with start_object');
  if (depth > MAX_QUERY_DEPTH) {
    throw new EsError(400, 'x_content_parse_exception', '[1:1] [bool] failed to parse field [must]', {}, { type: 'illegal_argument_exception', reason: `The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.max_nested_depth]` });
  }
  const entries = Object.entries(query as Json);
  if (entries.length !== 1) throw parsingError(entries.length === 0 ? 'query malformed, empty clause found' : `[${entries[1]?.[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`);
  const [type, body] = entries[0] as [string, unknown];
  if (!Object.hasOwn(QUERY_OPTIONS, type) && UNSUPPORTED_QUERIES.has(type)) throw badRequest(`the [${type}] query is valid in Elasticsearch but not supported by the emulator`);
  if (!Object.hasOwn(QUERY_OPTIONS, type)) throw parsingError(`unknown query [${type}]`);
  checkOptions(type, body);
  const spec = (typeof body === 'object' && body !== null ? body : {}) as Json;
  const boost = boostOf(spec, type);
  const compile = Object.hasOwn(QUERY_COMPILERS, type) ? QUERY_COMPILERS[type] : undefined;
  if (compile === undefined) throw parsingError(`unknown query [${type}]`);
  const matcher = compile({ type, body, spec, boost, context, depth });
  const name = context.named === undefined ? undefined : queryName(type, spec);
  if (name !== undefined) context.named?.push({ name, matcher });
  return matcher;
}

/** What a query's compiler is given: its name, its body as sent and as an object, its boost, and how deep it is nested. */
interface QueryInput {
  type: string;
  body: unknown;
  spec: Json;
  boost: number;
  context: SearchContext;
  depth: number;
}

function compileTerm({ type, body, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'value');
  if (options.value === undefined || options.value === null) throw new EsError(400, 'illegal_argument_exception', `field name is null or empty`);
  return termMatcher(field, options.value, context, { caseInsensitive: options.case_insensitive === true, boost: boostOf(options, type) });
}

function compileTerms({ type, body, boost, context }: QueryInput): Matcher {
  const [field, values] = single(body, type);
  if (!Array.isArray(values)) throw new EsError(400, 'illegal_argument_exception', '[terms] query with a terms lookup ({index, id, path}) is valid in Elasticsearch but not supported by the emulator; give an array of values');
  const limit = context.maxTermsCount ?? MAX_TERMS_COUNT;
  if (values.length > limit) {
    const reason = `The number of terms [${values.length}] used in the Terms Query request has exceeded the allowed maximum of [${limit}]. This maximum can be set by changing the [index.max_terms_count] index level setting.`;
    throw queryShardError(reason, { type: 'illegal_argument_exception', reason });
  }
  return anyOf(values.map((value) => termMatcher(field, value, context, { boost })));
}

function compileExists({ spec, boost, context }: QueryInput): Matcher {
  if (typeof spec.field !== 'string' || spec.field === '') throw parsingError('[exists] must be provided with a [field]');
  const field = spec.field;
  // Every document has these metadata fields; _source answers as its field type does (search/160_exists_query.yml).
  if (EVERY_DOCUMENT_HAS.has(field)) return constant(() => true, boost);
  if (field === '_source') throw new ShardLevelError(400, 'query_shard_exception', 'Field [_source] of type [_source] does not support exists queries', { index_uuid: '_na_', index: '_na_' });
  const fields = field.includes('*') ? expandFields(field, context) : [field];
  const prefixes = fields.map((name) => `${name}.`);
  return constant((doc) => fields.some((name, i) => doc.fields.first(name) !== undefined || doc.fields.paths().some((key) => key.startsWith(prefixes[i] as string))), boost);
}

function compileIds({ spec, boost, context }: QueryInput): Matcher {
  if (spec.values !== undefined && !Array.isArray(spec.values)) throw parsingError('[ids] query malformed, [values] must be an array');
  const values = (spec.values as unknown[] | undefined) ?? [];
  // IdsQueryBuilder.doToQuery: no more ids than a page may hold.
  if (context.maxResultWindow !== undefined && values.length > context.maxResultWindow) throw queryShardError(`Too many ids specified, allowed max result window is [${context.maxResultWindow}]`);
  const ids = new Set(values.map(String));
  return constant((doc) => ids.has(doc.id), boost);
}

function compilePrefix({ type, body, boost, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'value');
  const insensitive = options.case_insensitive === true;
  const prefix = insensitive ? String(options.value).toLowerCase() : String(options.value);
  return stringMatcher(field, (text) => (insensitive ? text.toLowerCase() : text).startsWith(prefix), context, boost);
}

function compileWildcard({ type, body, boost, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'value');
  const regex = globToRegex(String(options.value ?? options.wildcard), { singleChar: true, caseInsensitive: options.case_insensitive === true });
  return stringMatcher(field, (text) => regex.test(text), context, boost);
}

/** RegexpQueryBuilder's check of a pattern's length against `index.max_regex_length` (default 1000). */
export function checkRegexLength(pattern: string, context: SearchContext): void {
  const limit = context.maxRegexLength ?? MAX_REGEX_LENGTH;
  if (pattern.length > limit) {
    const reason = `The length of regex [${pattern.length}] used in the Regexp Query request has exceeded the allowed maximum of [${limit}]. This maximum can be set by changing the [index.max_regex_length] index level setting.`;
    throw queryShardError(reason, { type: 'illegal_argument_exception', reason });
  }
}

function compileRegexp({ type, body, boost, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'value');
  checkRegexLength(String(options.value), context);
  const regex = luceneRegex(String(options.value), { flags: options.flags, caseInsensitive: options.case_insensitive === true });
  return stringMatcher(field, (text) => regex.test(text), context, boost);
}

function compileFuzzy({ type, body, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'value');
  if (options.value === undefined || options.value === null) throw parsingError('[fuzzy] query requires a [value]');
  return fuzzyMatcher(field, String(options.value), { fuzziness: options.fuzziness ?? 'AUTO', prefixLength: Number(options.prefix_length ?? 0), transpositions: options.transpositions !== false }, context, boostOf(options, type));
}

function compileMatchBoolPrefix({ type, body, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'query');
  return matchField(field, options.query, context, { operator: operatorOf(options.operator), minimumShouldMatch: options.minimum_should_match, boost: boostOf(options, type), prefix: true, fuzzy: fuzzyOptions(options) });
}

function compileDisMax({ spec, context, depth }: QueryInput): Matcher {
  if (!Array.isArray(spec.queries)) throw parsingError('[dis_max] requires \'queries\' field with at least one clause');
  return anyOf(clauses(spec.queries, context, depth), 'max');
}

/** The negative query lowers a hit's score, never removes it. */
function compileBoosting({ spec, context, depth }: QueryInput): Matcher {
  if (spec.positive === undefined || spec.negative === undefined) throw parsingError('[boosting] query requires \'positive\' and \'negative\' queries');
  const positive = compileQuery(spec.positive, context, depth + 1);
  const negative = compileQuery(spec.negative, context, depth + 1);
  const factor = Number(spec.negative_boost ?? 0.5);
  return { matches: (doc) => positive.matches(doc), score: (doc) => positive.score(doc) * (negative.matches(doc) ? factor : 1) };
}

/** match, match_phrase and match_phrase_prefix. */
function compileMatch({ type, body, context }: QueryInput): Matcher {
  const [field, value] = single(body, type);
  const options = fieldOptions(type, value, 'query');
  if (options.query === undefined || options.query === null) throw parsingError(`[${type}] requires query value`);
  return matchField(field, options.query, context, {
    operator: operatorOf(options.operator),
    minimumShouldMatch: options.minimum_should_match,
    boost: boostOf(options, type),
    phrase: type !== 'match',
    prefix: type === 'match_phrase_prefix',
    slop: Number(options.slop ?? 0),
    fuzzy: fuzzyOptions(options),
    zeroTerms: options.zero_terms_query,
    lenient: options.lenient === true,
  });
}

function compileMultiMatch({ spec, boost, context }: QueryInput): Matcher {
  const fields = fieldsWithBoost(spec.fields, context);
  const kind = String(spec.type ?? 'best_fields');
  if (!MULTI_MATCH_TYPES.has(kind)) throw new EsError(400, 'parse_exception', `failed to parse [multi_match] query type [${kind}]. unknown type.`);
  if (kind === 'cross_fields') return crossFields(spec, fields, boost, context);
  const phrase = kind === 'phrase' || kind === 'phrase_prefix';
  return anyOf(
    // Fields named by a wildcard are lenient, as Elasticsearch makes them (a word against a number field matches nothing).
    fields.map(([field, fieldBoost]) =>
      matchField(field, spec.query, context, {
        operator: operatorOf(spec.operator),
        minimumShouldMatch: spec.minimum_should_match,
        boost: fieldBoost * boost,
        phrase,
        prefix: kind === 'phrase_prefix' || kind === 'bool_prefix',
        slop: Number(spec.slop ?? 0),
        fuzzy: fuzzyOptions(spec),
        zeroTerms: spec.zero_terms_query,
        lenient: spec.lenient === true || fieldsAreWildcards(spec.fields),
      }),
    ),
    kind === 'most_fields' ? 'sum' : 'max',
  );
}

function compileConstantScore({ spec, boost, context, depth }: QueryInput): Matcher {
  if (spec.filter === undefined) throw parsingError('[constant_score] requires a \'filter\' element');
  const inner = compileQuery(spec.filter, context, depth + 1);
  return { ...constant((doc) => inner.matches(doc), boost), bounds: inner.bounds };
}

function compileSimpleQueryString({ spec, boost, context }: QueryInput): Matcher {
  if (typeof spec.query !== 'string') throw parsingError('[simple_query_string] requires a [query] string');
  return simpleQueryString(
    { query: spec.query, fields: spec.fields, defaultOperator: operatorOf(spec.default_operator), flags: spec.flags, lenient: spec.lenient as boolean | undefined, minimumShouldMatch: spec.minimum_should_match, fuzzyPrefixLength: Number(spec.fuzzy_prefix_length ?? 0), fuzzyTranspositions: spec.fuzzy_transpositions !== false, boost },
    context,
  );
}

function compileGeoDistance({ type, spec, boost }: QueryInput): Matcher {
  const { distance, distance_type: _type, validation_method: _method, ignore_unmapped: _ignore, ...rest } = spec;
  const [field, center] = single(rest, type);
  const point = parseGeoPoint(center);
  const meters = parseDistance(String(distance));
  if (!point || meters === undefined) throw parsingError('[geo_distance] failed to parse the point or the distance');
  return constant((doc) => doc.fields.some(field, (value) => typeof value === 'object' && haversine(value, point) <= meters), boost);
}

/** Each query the emulator implements (the keys of QUERY_OPTIONS), by name. */
const QUERY_COMPILERS: Record<string, (input: QueryInput) => Matcher> = {
  match_all: ({ boost }) => (boost === 1 ? MATCH_ALL : constant(() => true, boost)),
  match_none: () => MATCH_NONE,
  term: compileTerm,
  terms: compileTerms,
  range: ({ type, body, context }) => {
    const [field, range] = single(body, type);
    return rangeMatcher(field, range as Json, context);
  },
  exists: compileExists,
  ids: compileIds,
  prefix: compilePrefix,
  wildcard: compileWildcard,
  regexp: compileRegexp,
  fuzzy: compileFuzzy,
  match_bool_prefix: compileMatchBoolPrefix,
  dis_max: compileDisMax,
  boosting: compileBoosting,
  combined_fields: ({ spec, boost, context }) => crossFields(spec, fieldsWithBoost(spec.fields, context), boost, context),
  match: compileMatch,
  match_phrase: compileMatch,
  match_phrase_prefix: compileMatch,
  multi_match: compileMultiMatch,
  bool: ({ spec, context, depth }) => boolMatcher(spec, context, depth),
  constant_score: compileConstantScore,
  query_string: ({ spec, boost, context }) => queryStringQuery(spec, boost, context),
  simple_query_string: compileSimpleQueryString,
  geo_distance: compileGeoDistance,
};

function parseDistance(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(km|m|mi|yd|ft|cm|mm)?$/.exec(text);
  if (!match) return undefined;
  const factor: Record<string, number> = { km: 1000, m: 1, mi: 1609.344, yd: 0.9144, ft: 0.3048, cm: 0.01, mm: 0.001 };
  return Number(match[1]) * (factor[match[2] ?? 'm'] ?? 1);
}

function haversine(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

function clauses(value: unknown, context: SearchContext, depth: number): Matcher[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((clause) => compileQuery(clause, context, depth + 1));
}

/** An `operator` or `default_operator`: `and` or `or`, in any case (Operator.fromString); `or` when none. */
function operatorOf(value: unknown): 'and' | 'or' {
  if (value === undefined || value === null) return 'or';
  const name = typeof value === 'string' ? value.toLowerCase() : '';
  if (name !== 'and' && name !== 'or') throw new EsError(400, 'illegal_argument_exception', `operator needs to be either [OR, AND], but not [${typeof value === 'string' ? value : JSON.stringify(value)}]`);
  return name;
}

/** MultiMatchQueryBuilder.Type's names. */
const MULTI_MATCH_TYPES = new Set(['best_fields', 'most_fields', 'cross_fields', 'phrase', 'phrase_prefix', 'bool_prefix']);

/**
 * multi_match `cross_fields`: the fields read as one, so each word needs to be in some field, not all in the same
 * one (`operator: and` over first and last names finds "John Smith" split across them).
 */
function crossFields(spec: Json, fields: Array<[string, number]>, boost: number, context: SearchContext): Matcher {
  const words = analyze(String(spec.query ?? ''));
  if (words.length === 0) return String(spec.zero_terms_query ?? 'none').toLowerCase() === 'all' ? MATCH_ALL : MATCH_NONE;
  const lenient = spec.lenient === true || fieldsAreWildcards(spec.fields);
  const perWord = words.map((word) => anyOf(fields.map(([field, fieldBoost]) => matchField(field, word, context, { boost: fieldBoost * boost, lenient }))));
  const required = operatorOf(spec.operator) === 'and' ? words.length : minimumShouldMatch(spec.minimum_should_match, words.length, 1);
  const count = (doc: Doc): number => perWord.filter((matcher) => matcher.matches(doc)).length;
  return {
    matches: (doc) => count(doc) >= required,
    score: (doc) => (count(doc) >= required ? perWord.reduce((sum, matcher) => sum + matcher.score(doc), 0) : 0),
  };
}

/** A match query's fuzziness options, or undefined without `fuzziness`. */
function fuzzyOptions(spec: Json): FuzzyOptions | undefined {
  if (spec.fuzziness === undefined || spec.fuzziness === null) return undefined;
  return { fuzziness: spec.fuzziness, prefixLength: Number(spec.prefix_length ?? 0), transpositions: spec.fuzzy_transpositions !== false };
}

/** `query_string`'s options, read as QueryStringQueryBuilder reads them. */
function queryStringQuery(spec: Json, boost: number, context: SearchContext): Matcher {
  if (typeof spec.query !== 'string') throw parsingError('[query_string] requires query value');
  if (spec.escape === true) throw badRequest('[query_string] [escape] is valid in Elasticsearch but not supported by the emulator');
  if (spec.fields !== undefined && spec.default_field !== undefined) throw parsingError('[query_string] cannot use [fields] parameter in conjunction with [default_field]');
  return queryString(
    {
      query: spec.query,
      fields: spec.fields ?? spec.default_field,
      defaultOperator: operatorOf(spec.default_operator),
      lenient: spec.lenient as boolean | undefined,
      minimumShouldMatch: spec.minimum_should_match,
      fuzziness: spec.fuzziness ?? 'AUTO',
      fuzzyPrefixLength: Number(spec.fuzzy_prefix_length ?? 0),
      fuzzyTranspositions: spec.fuzzy_transpositions !== false,
      phraseSlop: Number(spec.phrase_slop ?? 0),
      allowLeadingWildcard: spec.allow_leading_wildcard !== false,
      timeZone: spec.time_zone as string | undefined,
      boost,
    },
    context,
  );
}

function fieldsAreWildcards(fields: unknown): boolean {
  const list = Array.isArray(fields) ? fields : fields === undefined ? ['*'] : [fields];
  return list.some((field) => String(field).includes('*'));
}

function boolMatcher(spec: Json, context: SearchContext, depth: number): Matcher {
  const must = clauses(spec.must, context, depth);
  const filter = clauses(spec.filter, context, depth);
  const should = clauses(spec.should, context, depth);
  const mustNot = clauses(spec.must_not, context, depth);
  const required = minimumShouldMatch(spec.minimum_should_match, should.length, must.length === 0 && filter.length === 0 ? 1 : 0);
  const boost = spec.boost === undefined ? 1 : Number(spec.boost);
  const bounds = [...filter, ...must].find((matcher) => matcher.bounds !== undefined)?.bounds;
  const matches = (doc: Doc): boolean => {
    for (const matcher of filter) if (!matcher.matches(doc)) return false;
    for (const matcher of must) if (!matcher.matches(doc)) return false;
    for (const matcher of mustNot) if (matcher.matches(doc)) return false;
    if (required > 0) {
      let hits = 0;
      for (const matcher of should) if (matcher.matches(doc) && ++hits >= required) return true;
      return false;
    }
    return true;
  };
  return {
    matches,
    bounds,
    score: (doc) => {
      if (!matches(doc)) return 0;
      const scores = [...must, ...should].map((matcher) => matcher.score(doc));
      return boost * (scores.length === 0 ? 0 : scores.reduce((sum, score) => sum + score, 0));
    },
  };
}

// ---- sorting and _source ----------------------------------------------------------------------------

export interface SortKey {
  field: string;
  order: 'asc' | 'desc';
  missing: '_first' | '_last' | FieldValue;
  /** The type an unmapped field sorts as; without it, sorting on a field no index maps is an error. */
  unmappedType?: string;
  /** A date format: the hits' sort values are written in it, and search_after's text is read in it. */
  format?: string;
  /** Which of a document's values it sorts by; by default the smallest ascending, the largest descending. */
  mode?: SortMode;
  /** The numeric type values sort as (`long`, `double`, `date`, `date_nanos`), for fields mapped differently across indices. */
  numericType?: string;
}

export type SortMode = 'min' | 'max' | 'sum' | 'avg' | 'median';
const SORT_MODES: readonly string[] = ['min', 'max', 'sum', 'avg', 'median'];
const NUMERIC_TYPES: readonly string[] = ['long', 'double', 'date', 'date_nanos'];

/** An option FieldSortBuilder's parser refuses, as its ObjectParser reports it. */
function sortOptionError(option: string, reason: string): EsError {
  return new EsError(400, 'x_content_parse_exception', `[1:1] [field_sort] failed to parse field [${option}]`, {}, { type: 'illegal_argument_exception', reason });
}

function sortMode(value: unknown): SortMode | undefined {
  if (value === undefined || value === null) return undefined;
  const mode = String(value).toLowerCase();
  if (!SORT_MODES.includes(mode)) throw sortOptionError('mode', `Unknown SortMode [${String(value)}]`);
  return mode as SortMode;
}

function numericType(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const type = String(value).toLowerCase();
  if (!NUMERIC_TYPES.includes(type)) throw sortOptionError('numeric_type', `invalid value for [numeric_type], must be [long, double, date, date_nanos], got ${type}`);
  return type;
}

/** Sort keys that are not fields: they need no mapping. */
export const BUILT_IN_SORTS = new Set(['_score', '_doc', '_shard_doc', '_id', '_index']);

function sortOrder(text: string, field: string): 'asc' | 'desc' {
  const order = text.toLowerCase();
  if (order !== 'asc' && order !== 'desc') throw badRequest(`Unknown SortOrder [${text}] for field [${field}]`);
  return order;
}

export function parseSort(sort: unknown): SortKey[] {
  if (sort === undefined || sort === null) return [];
  const list = Array.isArray(sort) ? sort : [sort];
  return list.flatMap((entry): SortKey[] => {
    if (typeof entry === 'string') {
      const [field = '', order] = entry.split(':');
      return [{ field, order: order === undefined ? (field === '_score' ? 'desc' : 'asc') : sortOrder(order, field), missing: '_last' }];
    }
    if (typeof entry !== 'object' || entry === null) throw parsingError(`[sort] malformed, expected a field name or an object, found [${JSON.stringify(entry)}]`);
    return Object.entries(entry as Json).map(([field, spec]): SortKey => {
      const options = typeof spec === 'string' ? { order: spec } : (spec as Json);
      if (typeof options !== 'object' || options === null) throw parsingError(`[${field}] sort malformed`);
      checkKeys(options, SORT_OPTIONS, (key) => new EsError(400, 'x_content_parse_exception', `[1:1] [field_sort] unknown field [${key}]`));
      if (options.nested !== undefined) throw badRequest('[nested] sort is valid in Elasticsearch but not supported by the emulator, which has no nested documents');
      const order = sortOrder(String(options.order ?? (field === '_score' ? 'desc' : 'asc')), field);
      const mode = sortMode(options.mode);
      const numeric = numericType(options.numeric_type);
      return {
        field,
        order,
        missing: (options.missing as SortKey['missing'] | null | undefined) ?? '_last',
        ...(typeof options.unmapped_type === 'string' ? { unmappedType: options.unmapped_type } : {}),
        ...(typeof options.format === 'string' ? { format: options.format } : {}),
        ...(mode === undefined ? {} : { mode }),
        ...(numeric === undefined ? {} : { numericType: numeric }),
      };
    });
  });
}

/** Sorting on a field that no searched index maps fails the shard, unless the sort says `unmapped_type`. */
export function checkSortFields(keys: SortKey[], context: SearchContext): void {
  for (const key of keys) {
    if (BUILT_IN_SORTS.has(key.field) || key.unmappedType !== undefined || context.fields.has(key.field)) continue;
    throw new ShardLevelError(400, 'query_shard_exception', `No mapping found for [${key.field}] in order to sort on`, { index_uuid: '_na_', index: '_na_' });
  }
}


/**
 * The bodies of the multi-request APIs, read as Elasticsearch reads them: `_msearch`'s header and body lines
 * (MultiSearchRequest.readMultiLineFormat) and `_mget`'s documents (MultiGetRequest).
 */
import { isUtf8 } from 'node:buffer';
import { badRequest, EsError } from './errors.js';
import type { Json } from './store.js';
import { checkSearchType } from './strict.js';

/** One search of an `_msearch` body: its target and options (from its header line) and its search body. */
export interface MultiSearchItem {
  index: string | undefined;
  query: Record<string, string>;
  body: Json;
}

/** Header keys, in both spellings Elasticsearch reads, and the search parameter each one sets (a Map: `constructor` is no key). */
const HEADER_KEYS: ReadonlyMap<string, string> = new Map([
  ['index', 'index'],
  ['indices', 'index'],
  ['search_type', 'search_type'],
  ['searchType', 'search_type'],
  ['ccs_minimize_roundtrips', 'ccs_minimize_roundtrips'],
  ['ccsMinimizeRoundtrips', 'ccs_minimize_roundtrips'],
  ['request_cache', 'request_cache'],
  ['requestCache', 'request_cache'],
  ['preference', 'preference'],
  ['routing', 'routing'],
  ['allow_partial_search_results', 'allow_partial_search_results'],
  ['expand_wildcards', 'expand_wildcards'],
  ['expandWildcards', 'expand_wildcards'],
  ['ignore_unavailable', 'ignore_unavailable'],
  ['ignoreUnavailable', 'ignore_unavailable'],
  ['allow_no_indices', 'allow_no_indices'],
  ['allowNoIndices', 'allow_no_indices'],
  ['ignore_throttled', 'ignore_throttled'],
  ['ignoreThrottled', 'ignore_throttled'],
]);

function parseLine(line: string, what: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new EsError(400, 'x_content_parse_exception', `[1:1] Unexpected character or malformed JSON in the msearch ${what}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EsError(400, 'parsing_exception', `Expected [START_OBJECT] in the msearch ${what}`, { line: 1, col: 1 });
  return parsed as Json;
}

/** A header line's target and options; an unknown key fails the whole request, as in Elasticsearch. */
function readHeader(line: string, pathIndex: string | undefined): Pick<MultiSearchItem, 'index' | 'query'> {
  const header = line.trim() === '' ? {} : parseLine(line, 'header');
  let index = pathIndex;
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    const parameter = HEADER_KEYS.get(key);
    if (parameter === undefined) throw badRequest(`key [${key}] is not supported in the metadata section`);
    const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
    if (parameter === 'index') index = text;
    else query[parameter] = text;
  }
  checkSearchType(query.search_type);
  return { index, query };
}

/**
 * The searches of an `_msearch` body: header and body lines in pairs. A last line without its newline is refused;
 * a header with no body line after it ends the list.
 */
export function parseMultiSearch(body: Buffer, pathIndex: string | undefined): MultiSearchItem[] {
  if (!isUtf8(body)) throw new EsError(400, 'x_content_parse_exception', '[1:1] Invalid UTF-8 start byte: the request body is not valid UTF-8');
  const text = body.toString('utf8');
  const items: MultiSearchItem[] = [];
  let from = 0;
  const nextLine = (): string | undefined => {
    if (from === text.length) return undefined;
    const end = text.indexOf('\n', from);
    // Java's "[\n]" in MultiSearchRequest.findNextMarker: the reason holds a line feed itself.
    if (end < 0) throw badRequest('The msearch request must be terminated by a newline [\n]');
    const line = text.slice(from, end);
    from = end + 1;
    return line;
  };
  for (let header = nextLine(); header !== undefined; header = nextLine()) {
    const target = readHeader(header, pathIndex);
    const search = nextLine();
    if (search === undefined) break;
    items.push({ ...target, body: search.trim() === '' ? {} : parseLine(search, 'body') });
  }
  if (items.length === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
  return items;
}

/** One document asked for by `_mget`. */
export interface MultiGetItem {
  index: string | undefined;
  id: string | undefined;
  source: unknown;
  /** The item's `stored_fields`, as a comma list. */
  storedFields: string | undefined;
}

/** The documents of an `_mget` body: `docs` (each with its `_index`, else the path's) or `ids` of the path's index. */
export function parseMultiGet(body: Json, pathIndex: string | undefined): MultiGetItem[] {
  for (const key of Object.keys(body)) {
    if (key !== 'docs' && key !== 'ids') throw new EsError(400, 'parse_exception', `unknown key [${key}] for a ${Array.isArray(body[key]) ? 'START_ARRAY' : 'START_OBJECT'}, expected [docs] or [ids]`);
  }
  const docs = Array.isArray(body.docs) ? (body.docs as unknown[]) : Array.isArray(body.ids) ? (body.ids as unknown[]).map((id) => ({ _id: id })) : [];
  const items = docs.map((doc): MultiGetItem => {
    const spec = (typeof doc === 'object' && doc !== null ? doc : {}) as Json;
    const stored = spec.stored_fields;
    return {
      index: spec._index === undefined ? pathIndex : String(spec._index),
      id: spec._id === undefined || spec._id === null ? undefined : String(spec._id),
      source: spec._source,
      storedFields: stored === undefined ? undefined : Array.isArray(stored) ? stored.map(String).join(',') : String(stored),
    };
  });
  const problems = items.flatMap((item, i) => [...(item.index === undefined ? [`index is missing for doc ${i}`] : []), ...(item.id === undefined ? [`id is missing for doc ${i}`] : [])]);
  if (items.length === 0) problems.push('no documents to get');
  if (problems.length > 0) throw new EsError(400, 'action_request_validation_exception', `Validation Failed: ${problems.map((problem, i) => `${i + 1}: ${problem};`).join('')}`);
  return items;
}

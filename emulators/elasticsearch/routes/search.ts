import { isJsonObject } from '../../../shared/json-object.js';
import { analyzeText } from '../analyze.js';
import type { EmulatedNode } from '../emulated-node.js';
import { badRequest, EsError } from '../errors.js';
import { fieldCaps } from '../field-caps.js';
import { parseMultiSearch } from '../multi.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { checkTotalHitsAsInt, count, explainDocument, firstPage, frozenTargets, liveTargets, renderPage, search, type SearchParams } from '../search.js';
import { type Index, type Json, readable, resolveOptionsOf, sourceOf } from '../store.js';
import { checkSearchType } from '../strict.js';
import { withAggregationLookups, withTermsLookups, type SourceFetcher } from '../terms-lookup.js';

/** Search, scroll, point in time, field capabilities and count. */
export function searchRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const runSearch = (request: Request): Reply => {
    const started = performance.now();
    const result = searchRequest(node, request);
    node.stats.queryTotal += 1;
    node.stats.queryTimeMs += performance.now() - started;
    return ok(result);
  };
  route(['GET', 'POST'], '/_msearch', (request) => multiSearch(node, request), { ndjson: true, bodyRequired: true });
  route(['GET', 'POST'], '/{index}/_msearch', (request) => multiSearch(node, request), { ndjson: true, bodyRequired: true });
  route(['GET', 'POST'], '/_search', runSearch);
  route(['GET', 'POST'], '/_search/scroll', (request) => scrollPage(node, request, request.query.scroll_id));
  route(['GET', 'POST'], '/_search/scroll/{id}', (request) => scrollPage(node, request, request.params.id));
  route('DELETE', '/_search/scroll', (request) => clearScroll(node, request.json.scroll_id ?? request.query.scroll_id));
  route('DELETE', '/_search/scroll/{id}', (request) => clearScroll(node, request.params.id));
  route(['GET', 'POST'], '/{index}/_search', runSearch);
  // Async search, as Kibana searches: the search runs to its end before the answer, kept if asked.
  const submit = (request: Request): Reply => ok(node.asyncSearches.submit(request.query, c.now(), () => searchRequest(node, request), c.now()));
  route('POST', '/_async_search', submit);
  route('POST', '/{index}/_async_search', submit);
  route('GET', '/_async_search/status/{id}', (request) => ok(node.asyncSearches.status(request.params.id as string, c.now())));
  route('GET', '/_async_search/{id}', (request) => ok(node.asyncSearches.get(request.params.id as string, c.now())));
  route('DELETE', '/_async_search/{id}', (request) => ok(node.asyncSearches.delete(request.params.id as string, c.now())));
  route('POST', '/{index}/_pit', (request) => {
    const indices = readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' }));
    const id = node.contexts.openPit(frozenTargets(indices), request.query.keep_alive);
    return ok({ id, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } });
  });
  route('DELETE', '/_pit', (request) => {
    const id = request.json.id;
    if (typeof id !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: point in time id must be specified;');
    const freed = node.contexts.closePit(id);
    return { status: freed ? 200 : 404, body: { succeeded: true, num_freed: freed ? 1 : 0 } };
  }, { bodyRequired: true });
  const runFieldCaps = (request: Request): Reply => {
    const indices = c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' });
    return ok(fieldCaps(readable(indices), request.json, request.query));
  };
  route(['GET', 'POST'], '/_field_caps', runFieldCaps);
  route(['GET', 'POST'], '/{index}/_field_caps', runFieldCaps);
  route(['GET', 'POST'], '/_analyze', (request) => ok(analyzeText(undefined, request.json)));
  route(['GET', 'POST'], '/{index}/_analyze', (request) => ok(analyzeText(c.resolve(request.params.index)[0], request.json)));
  route(['GET', 'POST'], '/{index}/_explain/{id}', (request) => {
    const indices = readable(c.resolve(request.params.index));
    if (indices.length !== 1) throw badRequest(`explain needs one index, but [${request.params.index}] resolves to ${indices.length}`);
    return explainDocument(indices[0] as Index, request.params.id as string, request.json, request.query as SearchParams, c.now());
  });
  const runCount = (request: Request): Reply => ok(count(readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' })), withLookups(node, request.json), request.query as SearchParams, c.now()));
  route(['GET', 'POST'], '/_count', runCount);
  route(['GET', 'POST'], '/{index}/_count', runCount);
}

/** A search body with its terms lookups resolved against the node's documents (see terms-lookup.ts). */
export function withLookups(node: EmulatedNode, body: Json): Json {
  const fetch: SourceFetcher = (index, id) => {
    const doc = readable(node.cluster.resolve(index))[0]?.docs.get(id);
    return doc === undefined ? undefined : sourceOf(doc);
  };
  const rewritten: Json = {};
  for (const key of ['query', 'post_filter'] as const) if (body[key] !== undefined) rewritten[key] = withTermsLookups(body[key], fetch);
  for (const key of ['aggs', 'aggregations'] as const) if (body[key] !== undefined) rewritten[key] = withAggregationLookups(body[key], fetch);
  return Object.entries(rewritten).every(([key, value]) => value === body[key]) ? body : { ...body, ...rewritten };
}

/**
 * `indices_boost` as SearchSourceBuilder and the search action read it: a list of `{expression: boost}` (an object
 * is read the same, in its order), each expression an index, an alias or a pattern resolved to its indices, the
 * first entry naming an index giving its boost; one naming nothing fails the search unless `ignore_unavailable`.
 */
function indexBoosts(node: EmulatedNode, body: Json, ignoreUnavailable: boolean): Map<string, number> | undefined {
  const raw = body.indices_boost;
  if (raw === undefined) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(raw) ? raw.flatMap((entry): Array<[string, unknown]> => (isJsonObject(entry) ? Object.entries(entry) : [['', entry]])) : isJsonObject(raw) ? Object.entries(raw) : [['', raw]];
  const boosts = new Map<string, number>();
  for (const [expression, boost] of entries) {
    if (expression === '' || typeof boost !== 'number') throw new EsError(400, 'parsing_exception', 'Expected [START_OBJECT] in [indices_boost] but found a value of another type', { line: 1, col: 1 });
    for (const index of node.cluster.resolve(expression, { ignoreUnavailable, allowNoIndices: true })) if (!boosts.has(index.name)) boosts.set(index.name, boost);
  }
  return boosts;
}

/** A search on indices, or on a point in time (`pit` in the body, no index in the path); `scroll` keeps a cursor. */
export function searchRequest(node: EmulatedNode, request: Request): Json {
  checkSearchType(request.query.search_type);
  const body = withLookups(node, request.json);
  const params = request.query as SearchParams;
  const pit = body.pit as Json | undefined;
  const idFieldData = node.cluster.clusterSettings['indices.id_field_data.enabled'] === 'true';
  const resolveOptions = resolveOptionsOf(request.query, { allowNoIndices: true });
  const boosts = indexBoosts(node, body, resolveOptions.ignoreUnavailable === true);
  const options = { idFieldData, ...(boosts === undefined ? {} : { indexBoosts: boosts }) };
  if (pit !== undefined) {
    if (request.params.index !== undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;');
    if (params.scroll !== undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: using [point in time] is not allowed in a scroll context;');
    if (typeof pit.id !== 'string') throw new EsError(400, 'parsing_exception', '[pit] requires [id]', { line: 1, col: 1 });
    const targets = node.contexts.pit(pit.id, pit.keep_alive === undefined ? undefined : String(pit.keep_alive));
    const { pit: _pit, ...rest } = body;
    return { pit_id: pit.id, ...firstPage(targets, rest, params, node.cluster.now(), { ...options, pit: true }).response };
  }
  // A closed index is unavailable: ignore_unavailable leaves it out, wildcards reach it only when told to.
  const resolved = node.cluster.resolve(request.params.index, resolveOptions);
  const indices = resolveOptions.ignoreUnavailable === true ? resolved.filter((index) => !index.closed) : resolved;
  readable(indices);
  if (params.scroll === undefined) return search(liveTargets(indices), body, params, node.cluster.now(), options);
  const { prepared, response, size } = firstPage(frozenTargets(indices), body, params, node.cluster.now(), options);
  return { _scroll_id: node.contexts.openScroll(prepared, size, indices.length, params.scroll), ...response };
}

/**
 * `_msearch`: each search run as `_search` runs it; one that fails is answered in its place, the others still run.
 * `_msearch/template` gives each item's body through `bodyOf` (its template rendered).
 */
export function multiSearch(node: EmulatedNode, request: Request, bodyOf: (body: Json) => Json = (body) => body): Reply {
  const started = performance.now();
  const items = parseMultiSearch(request.body, request.params.index).map((item) => {
    try {
      return { ...item, body: bodyOf(item.body) };
    } catch (error) {
      if (error instanceof EsError) return { ...item, failed: error };
      throw error;
    }
  });
  for (const item of items) if (!('failed' in item)) checkTotalHitsAsInt(item.body, { ...request.query, ...item.query } as SearchParams);
  // SearchRequest.validate fails the whole request (MultiSearchRequest.validate), not its item.
  const invalid = items.filter((item) => item.body.pit !== undefined && item.index !== undefined);
  if (invalid.length > 0) {
    const reasons = invalid.map((_, i) => `${i + 1}: [indices] cannot be used with point in time. Do not specify any index with point in time.;`);
    throw new EsError(400, 'action_request_validation_exception', `Validation Failed: ${reasons.join('')}`);
  }
  const responses = items.map((item) => {
    if ('failed' in item) return item.failed.toBody();
    const params: Record<string, string> = item.index === undefined ? {} : { index: item.index };
    try {
      return { ...searchRequest(node, { ...request, params, query: { ...request.query, ...item.query }, json: item.body }), status: 200 };
    } catch (error) {
      if (error instanceof EsError) return error.toBody();
      throw error;
    }
  });
  node.stats.queryTotal += responses.length;
  node.stats.queryTimeMs += performance.now() - started;
  return ok({ took: Math.round(performance.now() - started), responses });
}

/** The next page of a scroll: the id from the body wins over the path or query, as in Elasticsearch. */
function scrollPage(node: EmulatedNode, request: Request, fallbackId: string | undefined): Reply {
  const id = request.json.scroll_id ?? fallbackId;
  if (typeof id !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: scrollId is missing;');
  const keep = request.json.scroll ?? request.query.scroll;
  const page = node.contexts.nextPage(id, keep === undefined ? undefined : String(keep));
  const rendered = renderPage(page.prepared, page, { took: 0, shards: page.shards, totalAsInt: request.query.rest_total_hits_as_int === 'true', aggregations: false });
  return ok({ _scroll_id: id, ...rendered });
}

function clearScroll(node: EmulatedNode, ids: unknown): Reply {
  const list = typeof ids === 'string' ? ids.split(',') : Array.isArray(ids) ? ids.map(String) : undefined;
  if (list === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no scroll ids specified;');
  const freed = node.contexts.clearScrolls(list.includes('_all') ? 'all' : list);
  return { status: freed > 0 || list.includes('_all') ? 200 : 404, body: { succeeded: true, num_freed: freed } };
}

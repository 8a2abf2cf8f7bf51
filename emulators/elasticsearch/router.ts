import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { renderCat } from './cat-table.js';
import type { CatColumn } from './cat-columns.js';
import { badRequest, EsError } from './errors.js';
import { checkRequest, routeRules, type RouteRules } from './rest-params.js';
import type { Json } from './store.js';
import { MAX_JSON_DEPTH, nestingTooDeep, nestsTooDeep } from './strict.js';
import type { Principal } from './security.js';

// The emulator's routing: each API group in `routes/` registers its paths through `route`, and `dispatch` finds the
// handler of a request, with Elasticsearch's answers for a path it does not know, a wrong method and a malformed body.

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The body in one buffer, joined from its chunks on first use (the bulk routes read the chunks instead). */
  readonly body: Buffer;
  readonly chunks: readonly Buffer[];
  readonly bodyLength: number;
  /** The body as JSON, parsed before the handler runs (empty for the NDJSON bulk routes). */
  json: Json;
  headers: IncomingMessage['headers'];
  /** Who the request runs as, when security is on. */
  principal?: Principal | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
}

export type Handler = (request: Request) => Reply | Promise<Reply>;

/** How an API group registers a path: `{name}` parts become the request's params. */
export type Route = (method: string | string[], path: string, handler: Handler, options?: { ndjson?: boolean; bodyRequired?: boolean }) => void;

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

export function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== 'false';
}

function parseJsonBody(body: Buffer): Json {
  if (body.length === 0) return {};
  if (!isUtf8(body)) throw new EsError(400, 'x_content_parse_exception', '[1:1] Invalid UTF-8 start byte: the request body is not valid UTF-8');
  const text = body.toString('utf8');
  // Deep nesting is refused before parsing, as Jackson refuses it, instead of overflowing the stack later.
  if (nestsTooDeep(text)) throw nestingTooDeep(MAX_JSON_DEPTH);
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Json;
  } catch (error) {
    throw new EsError(400, 'x_content_parse_exception', `[1:1] Unexpected character or malformed JSON: ${(error as Error).message}`);
  }
}

/** Write APIs whose body Elasticsearch requires (`request body is required` otherwise), besides those marked at their route. */
const BODY_REQUIRED_PATHS = new Set(['/_cluster/settings', '/_index_template/{name}', '/_component_template/{name}', '/_ilm/policy/{name}', '/{index}/_mapping', '/{index}/_mappings', '/_aliases', '/_snapshot/{repository}', '/_slm/policy/{id}']);

/**
 * Elasticsearch's APIs the emulator does not have (the X-Pack ones beside ILM, term vectors, ranking evaluation,
 * data stream lifecycle …): refused by name, where their paths would otherwise read as no handler, a wrong method
 * or a missing index (`GET /_features` as the index `_features`).
 */
const UNEMULATED_APIS = [
  /^\/(_(?:ml|watcher|transform|enrich|sql|query|eql|security(?!\/(?:_authenticate|api_key)(?:\/|$))|migration|features|rollup|ccr|text_structure|inference|connector|application|synonyms|query_rules|fleet|logstash|monitoring|searchable_snapshots|autoscaling|termvectors|mtermvectors|rank_eval))(?:\/|$)/,
  /^\/(_xpack\/usage)$/,
  /^\/(_nodes(?:\/[^/]+)?\/usage)(?:\/|$)/,
  /^\/(_ingest\/(?:geoip|ip_location|processor\/grok))(?:\/|$)/,
  /^\/[^/]+\/(_(?:termvectors|mtermvectors|rank_eval|disk_usage|field_usage_stats|eql|graph|knn_search|mvt|downsample|lifecycle))(?:\/|$)/,
  /^\/_data_stream\/[^/]+\/(_(?:lifecycle|options|mappings|settings))(?:\/|$)/,
];

function unemulatedApi(path: string): string | undefined {
  for (const pattern of UNEMULATED_APIS) {
    const match = pattern.exec(path);
    if (match) return match[1];
  }
  return undefined;
}

/** A `_cat` table; `columns` its catalogue (cat-columns.ts), or the names shown without `h` (all of a row's by default). */
export function catReply(request: Request, rows: Array<Record<string, string>>, columns?: readonly CatColumn[] | readonly string[]): Reply {
  const answer = renderCat(rows, request.query, request.headers.accept, columns);
  return 'json' in answer ? ok(answer.json) : { status: 200, text: answer.text };
}

interface RouteEntry {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  ndjson: boolean;
  bodyRequired: boolean;
  /** What its API accepts, and the API a HEAD request of the same path is (undefined: the emulator's own routes). */
  rules: RouteRules | undefined;
  rulesOfHead: RouteRules | undefined;
}

/** The routes in matching order: the first whose pattern matches a path answers it. */
export class Router {
  private readonly routes: RouteEntry[] = [];

  readonly route: Route = (method, path, handler, options = {}) => {
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`);
    for (const each of Array.isArray(method) ? method : [method]) {
      const bodyRequired = options.bodyRequired ?? ((each === 'PUT' || each === 'POST') && BODY_REQUIRED_PATHS.has(path));
      const rules = routeRules(each, path);
      if (rules === undefined && !path.startsWith('/_emulator')) throw new Error(`no REST API named for the route ${each} ${path} (rest-params.ts)`);
      const rulesOfHead = each === 'GET' ? routeRules('HEAD', path) : undefined;
      this.routes.push({ method: each, pattern, names, handler, ndjson: options.ndjson === true, bodyRequired, rules, rulesOfHead });
    }
  };

  async dispatch(request: Request): Promise<Reply> {
    const unemulated = unemulatedApi(request.path);
    if (unemulated !== undefined) throw badRequest(`the [${unemulated}] API is valid in Elasticsearch but not supported by the emulator`);
    let allowed = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      allowed = true;
      if (route.method !== request.method && !(request.method === 'HEAD' && route.method === 'GET')) continue;
      request.params = Object.fromEntries(route.names.map((name, i) => [name, (match[i + 1] as string).replaceAll('%2F', '/')]));
      if (route.bodyRequired && request.bodyLength === 0) throw new EsError(400, 'parse_exception', 'request body is required');
      const rules = request.method === 'HEAD' ? route.rulesOfHead : route.rules;
      // As in Elasticsearch, a malformed body is a 400 before anything else (index resolution included), where the
      // API reads one; where it does not, the body itself is refused.
      if (!route.ndjson && rules?.body !== false) request.json = parseJsonBody(request.body);
      if (rules !== undefined) checkRequest(request.method, request.path, request.query, request.bodyLength, rules);
      return route.handler(request);
    }
    if (allowed) return { status: 405, body: { error: `Incorrect HTTP method for uri [${request.path}] and method [${request.method}]`, status: 405 } };
    return { status: 400, body: { error: `no handler found for uri [${request.path}] and method [${request.method}]`, status: 400 } };
  }

  /** The `_cat` APIs this emulator answers, for `GET /_cat`. */
  catPaths(): string[] {
    return [...new Set(this.routes.filter((route) => route.method === 'GET' && route.pattern.source.startsWith('^\\/_cat\\/')).map((route) => route.pattern.source.slice(1, -1).replaceAll('\\/', '/').replace('([^/]+)', '{name}')))];
  }
}

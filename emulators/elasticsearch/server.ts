import { parseTimeValue } from '../../shared/time-value.js';
import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { randomUUID } from 'node:crypto';
import { isAscii, isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as os from 'node:os';
import { pino, type Logger } from 'pino';
import { stringify as stringifyYaml } from 'yaml';
import { listen } from '../common/listen.js';
import type { FsyncPolicy } from '../common/record-file.js';

import { badRequest, EsError, indexNotFound, resourceNotFound } from './errors.js';
import { explain, runLifecycle, startLifecycles, validatePolicy } from './ilm.js';
import { compilePipeline, ingestStats, simulateIngest, simulatePipeline, type Pipeline } from './ingest.js';
import { FileJournal } from './journal.js';
import type { Mappings } from './mapping.js';
import { AsyncSearches } from './async-search.js';
import { SearchContexts } from './contexts.js';
import { fieldCaps } from './field-caps.js';
import { count, explainDocument, firstPage, frozenTargets, liveTargets, matchingDocs, renderPage, search, sourceSpecOf, type SearchParams } from './search.js';
import { parseMultiGet, parseMultiSearch } from './multi.js';
import { clearCache, flush, forceMerge, indexStats, resolveIndex } from './index-info.js';
import { fieldMappings, termsEnum, validateQuery } from './lookups.js';
import { reindex, updateByQuery } from './reindex.js';
import { filterSource } from './query.js';
import { MAX_JSON_DEPTH, nestingTooDeep, nestsTooDeep } from './strict.js';
import { matchesPattern } from './glob.js';
import { Snapshots } from './snapshots.js';
import { checkedScript, renderTemplate, templateOf } from './search-templates.js';
import { Tasks } from './tasks.js';
import { NodeFigures } from './node-figures.js';
import { analyzeText } from './analyze.js';
import { resizeIndex } from './resize.js';
import { renderLegacyTemplate } from './legacy-templates.js';
import { ClusterStateView, clusterStats, type NodeIdentity } from './cluster-state.js';
import { allocationRows, EMULATED_LUCENE_VERSION, formatTimeValue, nodeRow, sizeIn, threadPoolRows } from './node-cat.js';
import { allocationExplain, recoveries, recoveryRows, searchShards, segmentRows, segments, shardStores, type NodeDescription } from './shard-info.js';
import { CAT_COLUMNS, type CatColumn } from './cat-columns.js';
import { renderCat } from './cat-table.js';
import { healthReport } from './health-report.js';
import { Cluster, Doc, flattenSettings, nestSettings, readable, sourceOf, type AliasDef, type ComponentTemplate, type DataStream, type Index, type IndexTemplate, type Json, type WriteResult } from './store.js';
import { checkAliasActions, checkCreateIndexBody, checkIndexSettings, checkReindexBody, checkRolloverBody } from './admin-parsers.js';
import { checkRequest, routeRules, unrecognized, type RouteRules } from './rest-params.js';

export interface ElasticsearchEmulatorOptions {
  /** HTTP port; 0 picks a free one. Default 9200. */
  port?: number;
  host?: string;
  /** Keep everything in this folder; without it everything is in memory. */
  dataDir?: string | undefined;
  fsync?: FsyncPolicy;
  /** ILM poll interval (Elasticsearch's `indices.lifecycle.poll_interval`, default 10m); a cluster setting overrides it. */
  ilmPollIntervalMs?: number;
  /** `http.max_content_length`. Default 100 MB. */
  maxContentLength?: number;
  logger?: Logger;
}

export const EMULATED_VERSION = '9.4.0';

const YAML_TYPE = 'application/yaml';
/** YAML as Elasticsearch's Jackson generator writes it: strings in double quotes, a list's dashes at its key's indentation, no folding. */
const JACKSON_YAML_STYLE = { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', indentSeq: false, lineWidth: 0 } as const;

/** The sections node info can be asked for (RestNodesInfoAction's metrics); the emulator has http, os, process, ingest and plugins. */
const NODE_INFO_METRICS = new Set(['_all', '_none', 'aggregations', 'http', 'indices', 'ingest', 'jvm', 'os', 'plugins', 'process', 'remote_cluster_server', 'settings', 'thread_pool', 'transport']);

const CLUSTER_NAME = 'sluice-emulator';
const NODE_NAME = 'sluice-emulator-node';
const NODE_ROLES = ['data', 'ingest', 'master'];

interface Faults {
  /** The next N bulk requests answer 429. */
  bulkRejections: number;
  /** Every request but /_emulator answers 503 until this time (real clock). */
  unavailableUntil: number;
  latencyMs: number;
  /** Share of bulk items answered 429, deterministically spread. */
  bulkItemRejectRatio: number;
  itemsSeen: number;
}

interface Request {
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
}

interface Reply {
  status: number;
  body?: unknown;
  text?: string;
}

type Handler = (request: Request) => Reply | Promise<Reply>;

function ok(body: unknown, status = 200): Reply {
  return { status, body };
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

/** Media types a body may have: JSON and NDJSON, plain or in Elasticsearch's versioned form. */
const JSON_MEDIA_TYPES = /^application\/(?:json|x-ndjson|vnd\.elasticsearch\+json|vnd\.elasticsearch\+x-ndjson)$/i;

/** Elasticsearch answers 406 to a body in a media type it cannot read (text/plain, a form) or with no type at all. */
function unsupportedContentType(incoming: IncomingMessage, bodyLength: number): string | undefined {
  if (bodyLength === 0) return undefined;
  const header = incoming.headers['content-type'];
  if (header === undefined) return 'Content-Type header is missing';
  const mediaType = header.split(';')[0]?.trim() ?? '';
  return JSON_MEDIA_TYPES.test(mediaType) ? undefined : `Content-Type header [${header}] is not supported`;
}

/**
 * A body given in the query, for clients that cannot send one with a GET (RestRequest.contentOrSourceParam): its
 * type must be named, and be one Elasticsearch reads; both faults are IllegalStateExceptions there, so 500s.
 */
function bodyFromSource(query: Readonly<Record<string, string>>): { chunks: Buffer[]; length: number } | undefined {
  const source = query.source;
  if (source === undefined) return undefined;
  const type = query.source_content_type;
  if (type === undefined) throw new EsError(500, 'illegal_state_exception', 'source and source_content_type parameters are required');
  if (!JSON_MEDIA_TYPES.test(type.split(';')[0]?.trim() ?? '')) throw new EsError(500, 'illegal_state_exception', `Unknown value for source_content_type [${type}]`);
  const body = Buffer.from(source, 'utf8');
  return { chunks: [body], length: body.length };
}

/** The templates a GET names (comma-separated, wildcards allowed); a plain name that matches none is a 404. */
function templatesNamed<T>(templates: Map<string, T>, name: string | undefined, kind: string): Array<[string, T]> {
  const found = [...templates].filter(([key]) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, key)));
  if (name !== undefined && !name.includes('*') && found.length === 0) throw resourceNotFound(`${kind} matching [${name}] not found`);
  return found;
}

/** The body of `_data_stream/_modify` (ModifyDataStreamsAction.Request): `actions`, each one action of one stream and one index. */
function dataStreamActions(body: Json): Array<{ type: 'add_backing_index' | 'remove_backing_index'; dataStream: string; index: string }> {
  for (const key of Object.keys(body)) if (key !== 'actions') throw new EsError(400, 'x_content_parse_exception', `[1:3] [data_stream_actions] unknown field [${key}]`);
  if (!Array.isArray(body.actions)) throw badRequest('Required [actions]');
  return body.actions.map((entry: unknown) => {
    const [type, ...more] = Object.keys(isJsonObject(entry) ? entry : {});
    if ((type !== 'add_backing_index' && type !== 'remove_backing_index') || more.length > 0) throw new EsError(400, 'x_content_parse_exception', `[1:15] [data_stream_actions] failed to parse field [actions]`);
    const spec = (entry as Record<string, unknown>)[type] as Record<string, unknown>;
    if (typeof spec?.data_stream !== 'string') throw badRequest('data stream name is missing');
    if (typeof spec.index !== 'string') throw badRequest('index name is missing');
    return { type, dataStream: spec.data_stream, index: spec.index };
  });
}

/**
 * `_remote/info` for the `cluster.remote.<alias>.*` settings (RemoteConnectionInfo): sniff mode unless `mode` says
 * proxy, with the defaults of a 9.x node, and none connected.
 */
function remoteClusters(settings: Record<string, string>): Json {
  const aliases = new Set<string>();
  for (const key of Object.keys(settings)) {
    const alias = /^cluster\.remote\.([^.]+)\.(?:seeds|proxy_address|mode)$/.exec(key)?.[1];
    if (alias !== undefined) aliases.add(alias);
  }
  return Object.fromEntries([...aliases].sort().map((alias) => {
    const get = (name: string): string | undefined => settings[`cluster.remote.${alias}.${name}`];
    const list = (value: string | undefined): string[] => (value === undefined || value === '' ? [] : value.split(',').map((each) => each.trim()));
    const skip = get('skip_unavailable') !== 'false';
    const common = { initial_connect_timeout: settings['cluster.remote.initial_connect_timeout'] ?? '30s', skip_unavailable: skip };
    if ((get('mode') ?? 'sniff') === 'proxy') {
      return [alias, { connected: false, mode: 'proxy', proxy_address: get('proxy_address') ?? '', server_name: get('server_name') ?? '', num_proxy_sockets_connected: 0, max_proxy_socket_connections: Number(get('proxy_socket_connections') ?? 18), ...common }];
    }
    return [alias, { connected: false, mode: 'sniff', seeds: list(get('seeds')), num_nodes_connected: 0, max_connections_per_cluster: Number(settings['cluster.remote.connections_per_cluster'] ?? 3), ...common }];
  }));
}

/**
 * `level=indices` adds each index's health, `level=shards` each index's one shard's too (ClusterIndexHealth and
 * ClusterShardHealth): the primary active, its replicas unassigned, as on one node.
 */
function healthLevels(indices: Index[], level: string | undefined): Json {
  if (level === undefined || level === 'cluster') return {};
  if (level !== 'indices' && level !== 'shards') throw badRequest(`level parameter must be one of [cluster] or [indices] or [shards] but was [${level}]`);
  const counts = (index: Index): Json => ({ status: index.replicas > 0 ? 'yellow' : 'green' });
  const moving = (index: Index): Json => ({ relocating_shards: 0, initializing_shards: 0, unassigned_shards: index.replicas, unassigned_primary_shards: 0 });
  return {
    indices: Object.fromEntries([...indices].sort((a, b) => a.name.localeCompare(b.name)).map((index) => [index.name, {
      ...counts(index), number_of_shards: 1, number_of_replicas: index.replicas, active_primary_shards: 1, active_shards: 1, ...moving(index),
      ...(level === 'shards' ? { shards: { 0: { ...counts(index), primary_active: true, active_shards: 1, ...moving(index) } } } : {}),
    }])),
  };
}

/** Whether an index asks for a replica, which one node never assigns: the cluster is yellow then, as a real single node is. */
function wantsReplicas(indices: Iterable<Index>): boolean {
  for (const index of indices) if (index.replicas > 0) return true;
  return false;
}

/**
 * Elasticsearch's APIs the emulator does not have (the X-Pack ones beside ILM, term vectors, ranking evaluation,
 * data stream lifecycle …): refused by name, where their paths would otherwise read as no handler, a wrong method
 * or a missing index (`GET /_features` as the index `_features`).
 */
const UNEMULATED_APIS = [
  /^\/(_(?:ml|watcher|transform|enrich|sql|query|eql|security|migration|features|rollup|ccr|text_structure|inference|connector|application|synonyms|query_rules|fleet|logstash|monitoring|searchable_snapshots|autoscaling|termvectors|mtermvectors|rank_eval))(?:\/|$)/,
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

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== 'false';
}

/** What the simulate APIs answer: a template as composed, and the other templates it overlaps. */
function simulation(composed: ReturnType<Cluster['composeTemplate']>, overlapping: Array<[string, IndexTemplate]>): Json {
  return { template: { settings: nestSettings(composed.settings), mappings: composed.mappings, aliases: composed.aliases }, overlapping: overlapping.map(([name, template]) => ({ name, index_patterns: template.index_patterns })) };
}

/** Keeps only the paths named by `filter_path` (dotted, with `*` and `**` wildcards). */
function filterPath(value: unknown, filters: string[]): unknown {
  return filterNode(value, filters.map((filter) => filter.split('.')), new Map()) ?? {};
}

/**
 * The patterns that go on below `key`. A bulk answer repeats the same keys for thousands of items: they are
 * worked out once per set of patterns and key, in `below`, and the array made is kept, so that the level below
 * finds its own entry by that same array. Building them (and listing each object's keys) item by item was 1.7 KB
 * of allocation per indexed document, a sixth of the emulator's.
 */
function patternsBelow(remaining: string[][], key: string, below: Map<string[][], Map<string, string[][]>>): string[][] {
  let byKey = below.get(remaining);
  if (byKey === undefined) below.set(remaining, (byKey = new Map()));
  let patterns = byKey.get(key);
  if (patterns === undefined) {
    patterns = [];
    for (const pattern of remaining) {
      const head = pattern[0] as string;
      if (head === '**') patterns.push(pattern, pattern.slice(1));
      else if (head === '*' || head === key || (head.includes('*') && matchesPattern(head, key))) patterns.push(pattern.slice(1));
    }
    byKey.set(key, patterns);
  }
  return patterns;
}

/**
 * What `filter_path` keeps of one node. Functions of the module, not closures made per request: V8 compiled the
 * closures' walk four to six times per 50 000 documents, these twice (no change in CPU measured).
 */
function filterNode(node: unknown, remaining: string[][], below: Map<string[][], Map<string, string[][]>>): unknown {
  for (let i = 0; i < remaining.length; i += 1) if ((remaining[i] as string[]).length === 0) return node;
  if (Array.isArray(node)) {
    const items: unknown[] = [];
    for (let i = 0; i < node.length; i += 1) {
      const item = filterNode(node[i], remaining, below);
      if (item !== undefined) items.push(item);
    }
    return items.length > 0 ? items : undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  let out: Json | undefined;
  for (const key in node) {
    const patterns = patternsBelow(remaining, key, below);
    if (patterns.length === 0) continue;
    const child = filterNode((node as Json)[key], patterns, below);
    if (child === undefined) continue;
    setOwn((out ??= {}), key, child);
  }
  return out;
}

/** The actions of a bulk request, and the parameters an action line may carry (BulkRequestParser). */
const BULK_ACTIONS = new Set(['index', 'create', 'update', 'delete']);
const BULK_METADATA = new Set(['_index', '_id', 'routing', 'op_type', 'version', 'version_type', 'if_seq_no', 'if_primary_term', 'pipeline', 'require_alias', 'require_data_stream', 'dynamic_templates', 'retry_on_conflict', '_source', 'list_executed_pipelines']);

/** A bulk action line: its action and its metadata (`_index`, `_id`, `op_type` …). */
interface BulkAction {
  kind: string;
  metadata: Json;
}

/** What a bulk request's items came to before their answers are written: a written document stands for its item. */
interface BulkRun {
  items: Array<Json | Doc>;
  kinds: string[];
  indices: Array<Index | undefined>;
  touched: Set<Index>;
  errors: boolean;
}

/** A bulk action line, checked as Elasticsearch's BulkRequestParser does: a malformed one fails the whole request. */
function bulkActionOf(line: string, lineNumber: number): BulkAction {
  let action: unknown;
  try {
    action = JSON.parse(line);
  } catch {
    throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]`);
  }
  if (typeof action !== 'object' || action === null || Array.isArray(action)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT but found [${Array.isArray(action) ? 'START_ARRAY' : 'VALUE'}]`);
  // One pass over the keys: the first is the action, there must be one.
  let kind = '';
  let meta: unknown;
  let keys = 0;
  for (const key in action) {
    if (keys === 0) [kind, meta] = [key, (action as Json)[key]];
    keys += 1;
  }
  if (keys === 0) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected FIELD_NAME but found [END_OBJECT]`);
  if (keys > 1) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected END_OBJECT but found [FIELD_NAME]`);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT but found [${Array.isArray(meta) ? 'START_ARRAY' : 'VALUE_STRING'}]`);
  if (!BULK_ACTIONS.has(kind)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected field [create], [delete], [index] or [update] but found [${kind}]`);
  for (const key in meta) if (!BULK_METADATA.has(key)) throw badRequest(`Action/metadata line [${lineNumber}] contains an unknown parameter [${key}]`);
  return { kind, metadata: meta as Json };
}

/** A bulk line that is not valid UTF-8 is kept as the marker below, so that only its own item fails. */
const INVALID_UTF8 = '\u0000invalid-utf8';

/**
 * The lines of an NDJSON bulk body, without the final empty one, as views of the chunks it arrived in: only a
 * line split between two chunks is copied. Joining the body first copied every request into fresh memory:
 * about 3 µs per Sluice document in a profile of the emulator. Yielded one by one, so that a line's view is
 * garbage once its item is done, not held (and promoted by the collector) until the whole request is.
 */
export function* bulkLines(chunks: readonly Buffer[]): Generator<Buffer, void, undefined> {
  let pieces: Buffer[] = [];
  for (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, end);
      yield pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
      pieces = [];
      start = end + 1;
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
  }
  if (pieces.length > 0) yield Buffer.concat(pieces);
}

/**
 * One bulk line as text. Lines are decoded one by one: a kilobyte string per line costs a quarter of what
 * decoding a megabyte body into one string and splitting it does, an ASCII line becomes a one-byte string
 * (one accented city name does not widen the whole body), and invalid UTF-8 fails only its own item.
 */
function lineText(line: Buffer): string {
  return isAscii(line) ? line.toString('latin1') : isUtf8(line) ? line.toString('utf8') : INVALID_UTF8;
}

/** A bulk document line, refused for its item alone when it is not UTF-8, nests too deep or is not JSON. */
function parseBulkSource(line: string): Json {
  if (line === INVALID_UTF8) throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse: Invalid UTF-8 start byte', {}, { type: 'json_parse_exception', reason: 'Invalid UTF-8 start byte' });
  if (nestsTooDeep(line)) {
    throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse: Document nesting depth exceeds the maximum allowed (${MAX_JSON_DEPTH})`);
  }
  try {
    return JSON.parse(line) as Json;
  } catch (error) {
    throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse: ${(error as Error).message}`);
  }
}

/** A bulk answer's item under its action's name; a literal per action, where a computed key costs a runtime call per item. */
function bulkItem(action: string, result: unknown): Json {
  switch (action) {
    case 'create':
      return { create: result };
    case 'index':
      return { index: result };
    case 'update':
      return { update: result };
    default:
      return { delete: result };
  }
}

/**
 * A single-node server that answers Elasticsearch's REST API for what Sluice, Kibana-style queries and
 * common shippers use. A development and test tool, never a production store.
 */
export class ElasticsearchEmulator {
  readonly cluster = new Cluster();
  port: number;
  private closed = false;
  private readonly server: Server;
  private readonly routes: Array<{
    method: string;
    pattern: RegExp;
    names: string[];
    handler: Handler;
    ndjson: boolean;
    bodyRequired: boolean;
    /** What its API accepts, and the API a HEAD request of the same path is (undefined: the emulator's own routes). */
    rules: RouteRules | undefined;
    rulesOfHead: RouteRules | undefined;
  }> = [];
  private readonly contexts = new SearchContexts();
  private readonly asyncSearches = new AsyncSearches();
  private readonly snapshots = new Snapshots();
  private readonly nodeFigures: NodeFigures;
  private readonly tasks: Tasks;
  /** HTTP connections, as node stats' and `_info`'s `http` sections count them. */
  private readonly connections = { opened: 0, open: 0 };
  private readonly log: Logger;
  private readonly journal: FileJournal | undefined;
  private readonly faults: Faults = { bulkRejections: 0, unavailableUntil: 0, latencyMs: 0, bulkItemRejectRatio: 0, itemsSeen: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  private ilmTimer: NodeJS.Timeout | undefined;
  private lifecycleStart: NodeJS.Immediate | undefined;
  private readonly refreshWaiters = new Map<string, Array<() => void>>();
  private readonly clusterUuid = randomUUID();
  private readonly nodeId = randomUUID().replaceAll('-', '').slice(0, 22);
  private readonly stats = { indexTotal: 0, indexTimeMs: 0, queryTotal: 0, queryTimeMs: 0 };

  private constructor(private readonly options: ElasticsearchEmulatorOptions) {
    this.log = options.logger ?? pino({ level: 'silent' });
    this.port = options.port ?? 9200;
    this.nodeFigures = new NodeFigures(options.dataDir ?? os.tmpdir());
    this.tasks = new Tasks(this.nodeId);
    if (options.dataDir !== undefined) {
      mkdirSync(options.dataDir, { recursive: true });
      // A large journal takes a while (the demo's month about half a minute): say so before, and what it held after.
      const journalBytes = statSync(join(options.dataDir, 'journal.log'), { throwIfNoEntry: false })?.size ?? 0;
      if (journalBytes > 0) this.log.info({ dataDir: options.dataDir, bytes: journalBytes }, 'reading the journal back');
      const reading = performance.now();
      this.journal = FileJournal.open(this.cluster, options.dataDir, options.fsync ?? 'interval', (path, truncatedBytes) => {
        this.log.warn({ path, truncatedBytes }, 'cut a torn or corrupt tail off a data file');
      });
      if (journalBytes > 0) this.log.info({ indices: this.cluster.indices.size, documents: [...this.cluster.indices.values()].reduce((sum, index) => sum + index.docs.size, 0), seconds: Math.round(performance.now() - reading) / 1000 }, 'journal read back');
      this.cluster.journal = this.journal;
      if ((options.fsync ?? 'interval') === 'interval') this.timers.push(setInterval(() => this.journal?.sync(), 1000));
    }
    this.timers.push(setInterval(() => this.periodicRefresh(), 50));
    for (const timer of this.timers) timer.unref();
    this.cluster.onLifecycleChange = () => this.scheduleLifecycleStart();
    this.scheduleIlm();
    this.registerRoutes();
    this.server = createServer((incoming, outgoing) => void this.serve(incoming, outgoing));
    this.server.on('connection', (socket) => {
      this.connections.opened += 1;
      this.connections.open += 1;
      socket.once('close', () => (this.connections.open -= 1));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  static async start(options: ElasticsearchEmulatorOptions = {}): Promise<ElasticsearchEmulator> {
    const emulator = new ElasticsearchEmulator(options);
    emulator.port = await listen(emulator.server, emulator.port, options.host ?? '127.0.0.1');
    emulator.log.info({ url: emulator.url, dataDir: options.dataDir ?? null }, 'elasticsearch emulator listening');
    return emulator;
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.ilmTimer);
    clearImmediate(this.lifecycleStart);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.journal?.close();
  }

  // ---- background work -------------------------------------------------------------------------

  private ilmIntervalMs(): number {
    const setting = this.cluster.clusterSettings['indices.lifecycle.poll_interval'];
    return (setting === undefined ? undefined : parseTimeValue(setting)) ?? this.options.ilmPollIntervalMs ?? 600_000;
  }

  private scheduleIlm(): void {
    clearTimeout(this.ilmTimer);
    this.ilmTimer = setTimeout(() => {
      this.runIlm();
      this.scheduleIlm();
    }, this.ilmIntervalMs());
    this.ilmTimer.unref();
  }

  /** After the request that made it (as after a cluster-state change), never inside a lifecycle run's own rollover. */
  private scheduleLifecycleStart(): void {
    this.lifecycleStart ??= setImmediate(() => {
      this.lifecycleStart = undefined;
      try {
        startLifecycles(this.cluster);
      } catch (error) {
        this.log.error({ err: error }, 'lifecycle start failed');
      }
    });
  }

  private runIlm(): void {
    try {
      runLifecycle(this.cluster);
    } catch (error) {
      this.log.error({ err: error }, 'lifecycle run failed');
    }
  }

  private periodicRefresh(): void {
    const now = Date.now();
    for (const index of this.cluster.indices.values()) {
      const interval = index.refreshIntervalMs;
      if (interval < 0 || now - index.lastRefresh < interval) continue;
      if (index.changed) index.refresh();
      else index.lastRefresh = now;
      const waiters = this.refreshWaiters.get(index.name);
      if (waiters) {
        this.refreshWaiters.delete(index.name);
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** `refresh=true` refreshes now; `wait_for` waits for the next scheduled refresh (at most a second). */
  private async applyRefresh(mode: string | undefined, indices: Iterable<Index>): Promise<void> {
    if (mode === undefined || mode === 'false') return;
    const list = [...new Set(indices)];
    if (mode === 'wait_for') {
      await Promise.all(
        list.map((index) => new Promise<void>((resolve) => {
          const waiters = this.refreshWaiters.get(index.name) ?? [];
          waiters.push(resolve);
          this.refreshWaiters.set(index.name, waiters);
          setTimeout(() => {
            index.refresh();
            resolve();
          }, Math.max(1000, index.refreshIntervalMs)).unref();
        })),
      );
      return;
    }
    for (const index of list) index.refresh();
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private route(method: string | string[], path: string, handler: Handler, options: { ndjson?: boolean; bodyRequired?: boolean } = {}): void {
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
  }

  private async serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const method = incoming.method ?? 'GET';
    let reply: Reply;
    try {
      const sent = await this.readBody(incoming);
      const fromSource = sent.length === 0 ? bodyFromSource(query) : undefined;
      const { chunks, length } = fromSource ?? sent;
      const refused = fromSource === undefined ? unsupportedContentType(incoming, length) : undefined;
      if (refused !== undefined) {
        this.send(outgoing, method, { status: 406, body: { error: refused, status: 406 } }, query, 'application/json');
        return;
      }
      if (this.faults.latencyMs > 0 && !url.pathname.startsWith('/_emulator')) await new Promise((resolve) => setTimeout(resolve, this.faults.latencyMs));
      if (Date.now() < this.faults.unavailableUntil && !url.pathname.startsWith('/_emulator')) {
        throw new EsError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];');
      }
      let joined: Buffer | undefined;
      const request: Request = {
        method: method === 'HEAD' ? 'HEAD' : method,
        path: decodeURIComponent(url.pathname).replace(/\/+$/, '') || '/',
        params: {},
        query,
        get body() {
          return (joined ??= Buffer.concat(chunks, length));
        },
        chunks,
        bodyLength: length,
        json: {},
        headers: incoming.headers,
      };
      reply = await this.dispatch(request);
    } catch (error) {
      if (error instanceof EsError) reply = { status: error.status, body: error.toBody() };
      else {
        this.log.error({ err: error, method, url: incoming.url }, 'request failed');
        reply = { status: 500, body: new EsError(500, 'exception', (error as Error).message).toBody() };
      }
    }
    this.journal?.flush();
    // A client asking for a compatible-with media type gets its answer in that type, as from Elasticsearch; `format=yaml`
    // (or an Accept of YAML) gets YAML, as every Elasticsearch REST API gives it.
    const accept = String(incoming.headers.accept ?? '');
    const compatible = /compatible-with=(\d+)/.exec(accept)?.[1];
    const yaml = query.format === 'yaml' || (query.format === undefined && accept.split(';')[0]?.trim().toLowerCase() === 'application/yaml');
    this.send(outgoing, method, reply, query, yaml ? YAML_TYPE : compatible === undefined ? 'application/json' : `application/vnd.elasticsearch+json;compatible-with=${compatible}`);
  }

  private readBody(incoming: IncomingMessage): Promise<{ chunks: Buffer[]; length: number }> {
    const limit = this.options.maxContentLength ?? 100 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const declared = Number(incoming.headers['content-length'] ?? 0);
      if (declared > limit) {
        incoming.resume();
        reject(new EsError(413, 'content_too_long_exception', `Request content is too long: ${declared} bytes is more than http.max_content_length [${limit}]`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A chunked body has no declared length: past the limit the rest is read and dropped, so the client
        // gets its 413 answer instead of a reset connection; a client that never stops is cut off.
        if (size > limit) {
          chunks.length = 0;
          if (size > 4 * limit) incoming.destroy();
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('end', () => {
        if (size > limit) reject(new EsError(413, 'content_too_long_exception', `Request content is too long: ${size} bytes is more than http.max_content_length [${limit}]`));
        else resolve({ chunks, length: size });
      });
      incoming.on('error', reject);
    });
  }

  private send(outgoing: ServerResponse, method: string, reply: Reply, query: Record<string, string>, contentType: string): void {
    outgoing.statusCode = reply.status;
    outgoing.setHeader('X-elastic-product', 'Elasticsearch');
    if (reply.text !== undefined) {
      outgoing.setHeader('content-type', 'text/plain; charset=UTF-8');
      outgoing.end(method === 'HEAD' ? undefined : reply.text);
      return;
    }
    outgoing.setHeader('content-type', contentType);
    if (method === 'HEAD' || reply.body === undefined) {
      outgoing.setHeader('content-length', '0');
      outgoing.end();
      return;
    }
    const body = query.filter_path !== undefined ? filterPath(reply.body, query.filter_path.split(',')) : reply.body;
    if (contentType === YAML_TYPE) outgoing.end(`---\n${stringifyYaml(body, JACKSON_YAML_STYLE)}`);
    else outgoing.end(JSON.stringify(body, null, truthy(query.pretty) ? 2 : undefined));
  }

  private async dispatch(request: Request): Promise<Reply> {
    const unemulated = unemulatedApi(request.path);
    if (unemulated !== undefined) throw badRequest(`the [${unemulated}] API is valid in Elasticsearch but not supported by the emulator`);
    let allowed = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      allowed = true;
      if (route.method !== request.method && !(request.method === 'HEAD' && route.method === 'GET')) continue;
      request.params = Object.fromEntries(route.names.map((name, i) => [name, match[i + 1] as string]));
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

  // ---- routes ----------------------------------------------------------------------------------

  /** In matching order: the first route whose pattern matches a path answers it. */
  private registerRoutes(): void {
    this.registerEmulatorRoutes();
    this.registerClusterRoutes();
    this.registerCatRoutes();
    this.registerTemplateRoutes();
    this.registerDataStreamRoutes();
    this.registerIngestPipelineRoutes();
    this.registerIlmRoutes();
    this.registerSnapshotRoutes();
    this.registerTaskRoutes();
    this.registerDocumentRoutes();
    this.registerSearchRoutes();
    this.registerIndexInfoRoutes();
    this.registerShardRoutes();
    this.registerIndexSettingRoutes();
    this.registerAliasRoutes();
    this.registerIndexRoutes();
  }

  /** The emulator's own endpoints (faults, the clock, a lifecycle run now) and the root: first, so that no index route takes them. */
  private registerEmulatorRoutes(): void {
    const c = this.cluster;
    this.route('GET', '/_emulator/faults', () => ok(this.describeFaults()));
    this.route(['PUT', 'POST'], '/_emulator/faults', (request) => {
      const body = request.json;
      if (body.bulk_rejections !== undefined) this.faults.bulkRejections = Number(body.bulk_rejections);
      if (body.unavailable_ms !== undefined) this.faults.unavailableUntil = Date.now() + Number(body.unavailable_ms);
      if (body.latency_ms !== undefined) this.faults.latencyMs = Number(body.latency_ms);
      if (body.bulk_item_reject_ratio !== undefined) this.faults.bulkItemRejectRatio = Math.min(1, Math.max(0, Number(body.bulk_item_reject_ratio)));
      return ok(this.describeFaults());
    });
    this.route('DELETE', '/_emulator/faults', () => {
      Object.assign(this.faults, { bulkRejections: 0, unavailableUntil: 0, latencyMs: 0, bulkItemRejectRatio: 0 });
      return ok(this.describeFaults());
    });
    this.route('GET', '/_emulator/clock', () => ok({ now: c.now(), now_iso: new Date(c.now()).toISOString(), offset_ms: c.clockOffset }));
    this.route('POST', '/_emulator/clock', (request) => {
      const body = request.json;
      const by = body.advance === undefined ? 0 : parseTimeValue(String(body.advance));
      if (by === undefined) throw badRequest(`cannot parse [advance] value [${String(body.advance)}], expected a time value such as 30d`);
      c.clockOffset += by;
      c.journal?.meta();
      // Advancing the clock runs the lifecycle at once, as if the polls in between had happened.
      const moves = runLifecycle(c);
      return ok({ now: c.now(), now_iso: new Date(c.now()).toISOString(), offset_ms: c.clockOffset, lifecycle_moves: moves });
    });
    this.route('POST', '/_emulator/ilm/_run', () => ok({ lifecycle_moves: runLifecycle(c) }));

    this.route('GET', '/', () =>
      ok({
        name: NODE_NAME,
        cluster_name: CLUSTER_NAME,
        cluster_uuid: this.clusterUuid,
        version: {
          number: EMULATED_VERSION,
          build_flavor: 'default',
          build_type: 'emulator',
          build_hash: 'sluice',
          build_date: '2026-01-01T00:00:00.000Z',
          build_snapshot: false,
          lucene_version: EMULATED_LUCENE_VERSION,
          minimum_wire_compatibility_version: '8.19.0',
          minimum_index_compatibility_version: '8.0.0',
        },
        tagline: 'You Know, for Search',
      }),
    );
  }

  /** Cluster health, settings, node stats, and the licence and features a client checks before it writes. */
  private registerClusterRoutes(): void {
    const c = this.cluster;
    // A basic licence, as a new cluster of the default distribution has one: Logstash's and Beats' outputs ask for it
    // (an answer of 404 reads as the OSS distribution, which they refuse), Kibana shows it.
    const issued = Date.now();
    const license = { uid: this.clusterUuid, type: 'basic', status: 'active' };
    this.route('GET', '/_license', () => ok({ license: { status: 'active', uid: license.uid, type: 'basic', issue_date: new Date(issued).toISOString(), issue_date_in_millis: issued, max_nodes: 1000, max_resource_units: null, issued_to: CLUSTER_NAME, issuer: 'elasticsearch', start_date_in_millis: -1 } }));
    // The features the emulator has: only those a client may rely on (ILM, data streams), the others absent.
    this.route('GET', '/_xpack', () => ok({ build: { hash: 'sluice', date: '2026-01-01T00:00:00.000Z' }, license: { ...license, mode: 'basic' }, features: { ilm: { available: true, enabled: true }, data_streams: { available: true, enabled: true } }, tagline: 'You know, for X' }));
    const health = async (request: Request): Promise<Reply> => {
      const indices = request.params.index === undefined ? [...c.indices.values()] : c.resolve(request.params.index, { expandHidden: true });
      const yellow = wantsReplicas(indices);
      const status = yellow ? 'yellow' : 'green';
      const wanted = request.query.wait_for_status;
      const rank = { green: 0, yellow: 1, red: 2 };
      const timedOut = wanted !== undefined && rank[status] > (rank[wanted as keyof typeof rank] ?? 2);
      if (timedOut) await new Promise((resolve) => setTimeout(resolve, Math.min(parseTimeValue(request.query.timeout ?? '30s') ?? 30_000, 30_000)));
      const body = {
        cluster_name: CLUSTER_NAME,
        status,
        timed_out: timedOut,
        number_of_nodes: 1,
        number_of_data_nodes: 1,
        active_primary_shards: indices.length,
        active_shards: indices.length,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: indices.reduce((sum, index) => sum + index.replicas, 0),
        unassigned_primary_shards: 0,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: indices.length === 0 ? 100 : (100 * indices.length) / (indices.length + indices.reduce((sum, index) => sum + index.replicas, 0)),
        ...healthLevels(indices, request.query.level),
      };
      return { status: timedOut ? 408 : 200, body };
    };
    const report = (request: Request): Reply => ok(healthReport({ cluster: c, node: { id: this.nodeId, name: NODE_NAME }, clusterName: CLUSTER_NAME, slmRunning: this.snapshots.slmRunning }, request.params.feature, request.query));
    this.route('GET', '/_health_report', report);
    this.route('GET', '/_health_report/{feature}', report);
    this.route('GET', '/_cluster/health', health);
    this.route('GET', '/_cluster/health/{index}', health);
    this.route('GET', '/_cluster/settings', () => ok({ persistent: nestSettings(c.clusterSettings), transient: {} }));
    this.route('PUT', '/_cluster/settings', (request) => {
      const body = request.json;
      const applied: Record<string, string> = {};
      for (const scope of ['persistent', 'transient']) {
        for (const [key, value] of Object.entries(flattenSettings(body[scope] as Json | undefined, ' ', true)).map(([k, v]) => [k.trim(), v] as const)) {
          // A null resets the setting to its default, as it does in Elasticsearch.
          if (value === 'null') delete c.clusterSettings[key];
          else {
            applied[key] = value;
            c.clusterSettings[key] = value;
          }
        }
      }
      c.journal?.meta();
      this.scheduleIlm();
      return ok({ acknowledged: true, persistent: nestSettings(applied), transient: {} });
    });
    const state = new ClusterStateView(c, this.identity());
    this.route('GET', '/_cluster/state', () => ok(state.render(undefined, undefined)));
    this.route('GET', '/_cluster/state/{metrics}', (request) => ok(state.render(request.params.metrics, undefined)));
    this.route('GET', '/_cluster/state/{metrics}/{index}', (request) => ok(state.render(request.params.metrics, request.params.index)));
    this.route('GET', '/_cluster/stats', () => {
      const yellow = wantsReplicas(c.indices.values());
      return ok(clusterStats(c, this.identity(), this.nodeFigures, yellow ? 'yellow' : 'green'));
    });
    const info = (request: Request): Reply => {
      const known = ['_all', 'http', 'ingest', 'thread_pool', 'script'];
      const targets = (request.params.target ?? '_all').split(',');
      const unknown = targets.filter((target) => !known.includes(target));
      if (unknown.length > 0) throw badRequest(`request [${request.path}] contains unrecognized target: [${unknown.join(', ')}]`);
      const all = targets.includes('_all');
      const pools = this.threadPools();
      const sections: Record<string, () => unknown> = {
        http: () => this.httpStats(),
        ingest: () => ingestStats(c.pipelines),
        thread_pool: () => Object.fromEntries(pools.map((pool) => [pool.name, { threads: 0, queue: 0, active: 0, rejected: 0, largest: 0, completed: 0 }])),
        script: () => ({ compilations: 0, cache_evictions: 0, compilation_limit_triggered: 0 }),
      };
      return ok({ cluster_name: CLUSTER_NAME, ...Object.fromEntries(Object.entries(sections).filter(([name]) => all || targets.includes(name)).map(([name, section]) => [name, section()])) });
    };
    this.route('GET', '/_info/{target}', info);
    // Cluster state updates are applied as they come: none ever waits.
    this.route('GET', '/_cluster/pending_tasks', () => ok({ tasks: [] }));
    // Remote clusters named in the cluster settings, never connected: the emulator opens no transport connection.
    this.route('GET', '/_remote/info', () => ok(remoteClusters(c.clusterSettings)));
    this.route('GET', '/_nodes/stats', () => this.nodeStats());
    this.route('GET', '/_nodes/stats/{metric}', () => this.nodeStats());
    this.route('GET', '/_nodes/_local/stats', () => this.nodeStats());
    // Node info: Kibana checks every node's version against its own before it starts (nodes.*.version, http.publish_address, ip).
    // Hot threads as text, its header as HotThreads writes it; no thread is listed: the emulator's one JavaScript thread is
    // the one answering, and it samples no stacks.
    const hotThreads = (request: Request): Reply => {
      const type = request.query.type ?? 'cpu';
      if (!['cpu', 'wait', 'block', 'mem'].includes(type)) throw badRequest(`type not supported [${type}]`);
      const node = `{${NODE_NAME}}{${this.nodeId}}{${this.nodeId.slice(0, 22)}}{127.0.0.1}{127.0.0.1}{127.0.0.1:9300}{dim}{${EMULATED_VERSION}}`;
      const header = `Hot threads at ${new Date().toISOString()}, interval=${request.query.interval ?? '500ms'}, busiestThreads=${request.query.threads ?? '3'}, ignoreIdleThreads=${request.query.ignore_idle_threads ?? 'true'}:`;
      return { status: 200, text: `::: ${node}\n   ${header}\n   \n` };
    };
    this.route('GET', '/_nodes/hot_threads', hotThreads);
    this.route('GET', '/_nodes/{selector}/hot_threads', hotThreads);
    // No secure setting is kept (no keystore): every node reloads nothing, successfully.
    const reloadSecure = (): Reply => ok({ _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: CLUSTER_NAME, nodes: { [this.nodeId]: { name: NODE_NAME } } });
    this.route('POST', '/_nodes/reload_secure_settings', reloadSecure);
    this.route('POST', '/_nodes/{selector}/reload_secure_settings', reloadSecure);
    this.route('GET', '/_nodes', (request) => this.nodeInfo(request));
    this.route('GET', '/_nodes/{selector}', (request) => this.nodeInfo(request));
    this.route('GET', '/_nodes/{selector}/{metric}', (request) => this.nodeInfo(request));
  }

  /** The `_cat` APIs. */
  private registerCatRoutes(): void {
    const c = this.cluster;
    this.route('GET', '/_cat/health', (request) => {
      const yellow = wantsReplicas(c.indices.values());
      const now = Date.now();
      const row = { epoch: String(Math.floor(now / 1000)), timestamp: new Date(now).toISOString().slice(11, 19), cluster: CLUSTER_NAME, status: yellow ? 'yellow' : 'green', 'node.total': '1', 'node.data': '1', shards: String(c.indices.size), pri: String(c.indices.size), relo: '0', init: '0', unassign: String(yellow ? c.indices.size : 0), 'unassign.pri': '0', pending_tasks: '0', max_task_wait_time: '-', active_shards_percent: yellow ? '50.0%' : '100.0%' };
      return this.cat(request, [row], CAT_COLUMNS.health);
    });
    const catIndices = (request: Request): Reply => {
      // Closed indices are listed too (`expand_wildcards` defaults to all here), without figures, as Elasticsearch lists them.
      const indices = c.resolve(request.params.index, { expandHidden: request.query.expand_wildcards === 'all' || request.params.index !== undefined, allowNoIndices: true, expandClosed: true });
      const bytes = sizeIn(request.query.bytes);
      const size = (index: Index): string => (index.closed ? '' : bytes(index.bytes));
      const wanted = request.query.health;
      if (wanted !== undefined && !['green', 'yellow', 'red'].includes(wanted)) throw badRequest(`unknown cluster health status [${wanted}]`);
      const rows = indices
        .filter((index) => wanted === undefined || (index.replicas > 0 ? 'yellow' : 'green') === wanted)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((index) => ({
          health: index.replicas > 0 ? 'yellow' : 'green',
          status: index.closed ? 'close' : 'open',
          index: index.name,
          uuid: index.uuid,
          pri: index.settings['index.number_of_shards'] ?? '1',
          rep: index.settings['index.number_of_replicas'] ?? '1',
          'docs.count': index.closed ? '' : String(index.view.size),
          'docs.deleted': index.closed ? '' : '0',
          'store.size': size(index),
          'pri.store.size': size(index),
          'dataset.size': size(index),
          'creation.date': index.settings['index.creation_date'] ?? '',
          'creation.date.string': index.settings['index.creation_date'] === undefined ? '' : new Date(Number(index.settings['index.creation_date'])).toISOString(),
        }));
      return this.cat(request, rows, CAT_COLUMNS.indices);
    };
    const catCount = (request: Request): Reply => {
      const now = Date.now();
      const docs = c.resolve(request.params.index, { allowNoIndices: true }).reduce((sum, index) => sum + index.view.size, 0);
      return this.cat(request, [{ epoch: String(Math.floor(now / 1000)), timestamp: new Date(now).toISOString().slice(11, 19), count: String(docs) }], CAT_COLUMNS.count);
    };
    this.route('GET', '/_cat/count', catCount);
    this.route('GET', '/_cat/count/{index}', catCount);
    const catAliases = (request: Request): Reply => {
      const names = request.params.name?.split(',');
      const rows = [...c.indices.values()].flatMap((index) =>
        [...index.aliases].filter(([alias]) => names === undefined || names.some((name) => matchesPattern(name, alias))).map(([alias, definition]) => ({ alias, index: index.name, filter: definition.filter ? '*' : '-', 'routing.index': definition.index_routing ?? '-', 'routing.search': definition.search_routing ?? '-', is_write_index: definition.is_write_index === undefined ? '-' : String(definition.is_write_index) })),
      );
      return this.cat(request, rows, CAT_COLUMNS.aliases);
    };
    this.route('GET', '/_cat/aliases', catAliases);
    this.route('GET', '/_cat/aliases/{name}', catAliases);
    this.route('GET', '/_cat/indices', catIndices);
    this.route('GET', '/_cat/indices/{index}', catIndices);
    this.registerNodeCatRoutes();
  }

  /** The `_cat` APIs about the node, its shards and templates: what an operator lists first on a cluster. */
  private registerNodeCatRoutes(): void {
    const c = this.cluster;
    const node = { id: this.nodeId.slice(0, 4), host: '127.0.0.1', ip: '127.0.0.1', node: NODE_NAME };
    // The master's full id, as RestMasterAction shows it (`_cat/nodes` shows four characters unless `full_id`).
    this.route('GET', '/_cat/master', (request) => this.cat(request, [{ ...node, id: this.nodeId }], CAT_COLUMNS.master));
    this.route('GET', '/_cat/nodes', (request) => {
      const description = { ...node, id: this.nodeId, pid: process.pid, port: 9300, httpAddress: `${this.options.host ?? '127.0.0.1'}:${this.port}`, version: EMULATED_VERSION, fullId: truthy(request.query.full_id) };
      return this.cat(request, [nodeRow(description, this.nodeFigures.readings(), sizeIn(request.query.bytes))], CAT_COLUMNS.nodes);
    });
    this.route('GET', '/_cat/thread_pool', (request) => this.cat(request, this.threadPools(), CAT_COLUMNS.thread_pool));
    this.route('GET', '/_cat/thread_pool/{pools}', (request) => {
      const wanted = (request.params.pools as string).split(',');
      return this.cat(request, this.threadPools().filter((row) => wanted.some((pattern) => matchesPattern(pattern, row.name as string))), CAT_COLUMNS.thread_pool);
    });
    this.route('GET', '/_cat/allocation', (request) => {
      const disk = this.nodeFigures.disk();
      return this.cat(request, allocationRows(node, c.resolve(undefined, { expandHidden: true, expandClosed: true }), disk, sizeIn(request.query.bytes)), CAT_COLUMNS.allocation);
    });
    // No plugin is installed: the list is empty, as on a default distribution.
    this.route('GET', '/_cat/plugins', (request) => this.cat(request, [], CAT_COLUMNS.plugins));
    const catShards = (request: Request): Reply => {
      const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true }).sort((a, b) => a.name.localeCompare(b.name));
      const bytes = sizeIn(request.query.bytes);
      const never = { 'unassigned.reason': '', 'unassigned.at': '', 'unassigned.for': '', 'unassigned.details': '' };
      const rows = indices.flatMap((index) => {
        const primary = { index: index.name, shard: '0', prirep: 'p', state: 'STARTED', docs: String(index.view.size), store: bytes(index.bytes), dataset: bytes(index.bytes), ip: node.ip, id: this.nodeId.slice(0, 4), node: NODE_NAME, ...never };
        // A replica never starts on one node: it is listed unassigned since its index was made (or read back at start), as a one-node cluster lists it.
        const since = Number(index.settings['index.creation_date'] ?? c.now());
        const unassigned = { 'unassigned.reason': index.readFromDisk ? 'CLUSTER_RECOVERED' : 'INDEX_CREATED', 'unassigned.at': new Date(since).toISOString(), 'unassigned.for': formatTimeValue(c.now() - since), 'unassigned.details': '' };
        const replicas = Array.from({ length: index.replicas }, () => ({ index: index.name, shard: '0', prirep: 'r', state: 'UNASSIGNED', docs: '', store: '', dataset: '', ip: '', id: '', node: '', ...unassigned }));
        return [primary, ...replicas];
      });
      return this.cat(request, rows, CAT_COLUMNS.shards);
    };
    this.route('GET', '/_cat/shards', catShards);
    this.route('GET', '/_cat/shards/{index}', catShards);
    const catTemplates = (request: Request): Reply => {
      const pattern = request.params.name;
      const rows = [...c.indexTemplates]
        .filter(([name]) => pattern === undefined || matchesPattern(pattern, name))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, template]) => ({ name, index_patterns: `[${template.index_patterns.join(', ')}]`, order: String(template.priority ?? 0), version: template.version === undefined ? '' : String(template.version), composed_of: `[${(template.composed_of ?? []).join(', ')}]` }));
      // Legacy templates are listed with their order and no components.
      const legacy = [...c.legacyTemplates.templates]
        .filter(([name]) => pattern === undefined || matchesPattern(pattern, name))
        .map(([name, template]) => ({ name, index_patterns: `[${template.index_patterns.join(', ')}]`, order: String(template.order), version: template.version === undefined ? '' : String(template.version), composed_of: '' }));
      return this.cat(request, [...rows, ...legacy].sort((a, b) => a.name.localeCompare(b.name)), CAT_COLUMNS.templates);
    };
    this.route('GET', '/_cat/templates', catTemplates);
    this.route('GET', '/_cat/templates/{name}', catTemplates);
  }

  /** Index templates and component templates. */
  private registerTemplateRoutes(): void {
    const c = this.cluster;
    const simulate = (request: Request): Reply => {
      const { template, overlapping } = c.simulateTemplate(request.params.name, request.json as unknown as IndexTemplate);
      const composed = c.composeTemplate(template);
      return ok(simulation(composed, overlapping));
    };
    // Before `_index_template/{name}`, which would take `_simulate` for a template's name.
    this.route('POST', '/_index_template/_simulate', simulate);
    this.route('POST', '/_index_template/_simulate/{name}', simulate);
    this.route(['PUT', 'POST'], '/_index_template/{name}', (request) => {
      c.putIndexTemplate(request.params.name as string, request.json as unknown as IndexTemplate, truthy(request.query.create));
      return ok({ acknowledged: true });
    });
    // Legacy templates (`legacy-templates.ts`).
    this.route(['PUT', 'POST'], '/_template/{name}', (request) => {
      c.legacyTemplates.put(request.params.name as string, request.json, truthy(request.query.create));
      c.journal?.meta();
      return ok({ acknowledged: true });
    }, { bodyRequired: true });
    const getLegacy = (request: Request): Reply => {
      const found = c.legacyTemplates.get(request.params.name);
      if (found === undefined) return { status: 404, body: {} };
      return ok(Object.fromEntries(found.map(([name, template]) => [name, renderLegacyTemplate(template, truthy(request.query.flat_settings))])));
    };
    this.route('GET', '/_template', getLegacy);
    this.route('GET', '/_template/{name}', getLegacy);
    this.route('DELETE', '/_template/{name}', (request) => {
      c.legacyTemplates.delete(request.params.name as string);
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    const getTemplates = (request: Request): Reply => {
      const found = templatesNamed(c.indexTemplates, request.params.name, 'index template');
      return ok({ index_templates: found.map(([key, template]) => ({ name: key, index_template: { ...template, composed_of: template.composed_of ?? [] } })) });
    };
    this.route('GET', '/_index_template', getTemplates);
    this.route('GET', '/_index_template/{name}', getTemplates);
    this.route('DELETE', '/_index_template/{name}', (request) => {
      const names = [...c.indexTemplates.keys()].filter((key) => matchesPattern(request.params.name as string, key));
      if (names.length === 0) throw resourceNotFound(`index_template [${request.params.name}] missing`);
      for (const name of names) c.indexTemplates.delete(name);
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    this.route('POST', '/_index_template/_simulate_index/{name}', (request) => {
      const name = request.params.name as string;
      const found = c.findTemplate(name);
      if (!found) return ok({ template: { settings: {}, mappings: {}, aliases: {} }, overlapping: [] });
      const composed = c.composeTemplate(found[1]);
      // The other templates that match the index's name, which the chosen one's priority wins over.
      const overlapping = [...c.indexTemplates].filter(([other, template]) => other !== found[0] && template.index_patterns.some((pattern) => matchesPattern(pattern, name)));
      return ok(simulation(composed, overlapping));
    });
    this.route(['PUT', 'POST'], '/_component_template/{name}', (request) => {
      c.putComponentTemplate(request.params.name as string, request.json as unknown as ComponentTemplate, truthy(request.query.create));
      return ok({ acknowledged: true });
    });
    const getComponents = (request: Request): Reply => {
      const found = templatesNamed(c.componentTemplates, request.params.name, 'component template');
      return ok({ component_templates: found.map(([key, template]) => ({ name: key, component_template: template })) });
    };
    this.route('GET', '/_component_template', getComponents);
    this.route('GET', '/_component_template/{name}', getComponents);
    this.route('DELETE', '/_component_template/{name}', (request) => {
      for (const name of (request.params.name as string).split(',')) c.deleteComponentTemplate(name);
      return ok({ acknowledged: true });
    });
  }

  /** Data streams. */
  private registerDataStreamRoutes(): void {
    const c = this.cluster;
    const streamsNamed = (name: string | undefined): DataStream[] => {
      const streams = [...c.dataStreams.values()].filter((stream) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, stream.name)));
      if (name !== undefined && !name.includes('*') && streams.length === 0) throw indexNotFound(name);
      return streams;
    };
    const streamStats = (request: Request): Reply => {
      const streams = streamsNamed(request.params.name);
      const indices = streams.flatMap((stream) => stream.indices.map((name) => c.indices.get(name) as Index));
      return ok({
        _shards: { total: indices.length * 2, successful: indices.length, failed: 0 },
        data_stream_count: streams.length,
        backing_indices: indices.length,
        total_store_size_bytes: indices.reduce((sum, index) => sum + index.bytes, 0),
        data_streams: streams.map((stream) => {
          const backing = stream.indices.map((name) => c.indices.get(name) as Index);
          const timestamps = backing.flatMap((index) => [...index.view.values()].flatMap((doc) => doc.fields.get('@timestamp') ?? [])).map(Number);
          return { data_stream: stream.name, backing_indices: backing.length, store_size_bytes: backing.reduce((sum, index) => sum + index.bytes, 0), maximum_timestamp: timestamps.reduce((max, value) => Math.max(max, value), 0) };
        }),
      });
    };
    this.route('GET', '/_data_stream/_stats', streamStats);
    this.route('GET', '/_data_stream/{name}/_stats', streamStats);
    this.route('PUT', '/_data_stream/{name}', (request) => {
      c.createDataStream(request.params.name as string);
      return ok({ acknowledged: true });
    });
    this.route('POST', '/_data_stream/_migrate/{name}', (request) => {
      c.migrateToDataStream(request.params.name as string);
      return ok({ acknowledged: true });
    });
    this.route('POST', '/_data_stream/_modify', (request) => {
      c.modifyDataStreams(dataStreamActions(request.json));
      return ok({ acknowledged: true });
    }, { bodyRequired: true });
    const getStreams = (request: Request): Reply => {
      const streams = streamsNamed(request.params.name);
      return ok({
        data_streams: streams.map((stream) => {
          const indices = stream.indices.map((backing) => c.indices.get(backing) as Index);
          const write = indices.at(-1);
          return {
            name: stream.name,
            timestamp_field: { name: '@timestamp' },
            indices: indices.map((index) => ({ index_name: index.name, index_uuid: index.uuid, prefer_ilm: true, ilm_policy: index.settings['index.lifecycle.name'], managed_by: index.settings['index.lifecycle.name'] ? 'Index Lifecycle Management' : 'Unmanaged' })),
            generation: stream.generation,
            status: wantsReplicas(indices) ? 'YELLOW' : 'GREEN',
            template: stream.template,
            ilm_policy: write?.settings['index.lifecycle.name'],
            next_generation_managed_by: write?.settings['index.lifecycle.name'] ? 'Index Lifecycle Management' : 'Unmanaged',
            prefer_ilm: true,
            hidden: false,
            system: false,
            allow_custom_routing: false,
            replicated: false,
            rollover_on_write: false,
          };
        }),
      });
    };
    this.route('GET', '/_data_stream', getStreams);
    this.route('GET', '/_data_stream/{name}', getStreams);
    this.route('DELETE', '/_data_stream/{name}', (request) => {
      c.deleteDataStreams(request.params.name as string);
      return ok({ acknowledged: true });
    });
  }

  /** Ingest pipelines. */
  private registerIngestPipelineRoutes(): void {
    const c = this.cluster;
    // Before `_ingest/pipeline/{id}`, which would take `_simulate` for a pipeline's id.
    const simulate = (request: Request): Reply => {
      const id = request.params.id;
      const body = request.json;
      let pipeline: Pipeline | undefined;
      if (id !== undefined) {
        pipeline = c.pipelines.get(id);
        if (pipeline === undefined) throw badRequest(`pipeline [${id}] does not exist`);
      } else if (body.pipeline === undefined || body.pipeline === null) throw new EsError(400, 'parse_exception', '[pipeline] required property is missing', { property_name: 'pipeline' });
      else if (!isJsonObject(body.pipeline)) throw new EsError(400, 'parse_exception', "[pipeline] property isn't a map", { property_name: 'pipeline' });
      else pipeline = compilePipeline('_simulate_pipeline', body.pipeline);
      return ok(simulatePipeline(id ?? '_simulate_pipeline', pipeline, body.docs, new Date(c.now()).toISOString(), truthy(request.query.verbose)));
    };
    this.route(['GET', 'POST'], '/_ingest/pipeline/_simulate', simulate, { bodyRequired: true });
    this.route(['GET', 'POST'], '/_ingest/pipeline/{id}/_simulate', simulate, { bodyRequired: true });
    this.route('PUT', '/_ingest/pipeline/{id}', (request) => {
      const id = request.params.id as string;
      c.pipelines.set(id, compilePipeline(id, request.json));
      c.journal?.meta();
      return ok({ acknowledged: true });
    }, { bodyRequired: true });
    const getPipelines = (request: Request): Reply => {
      const pattern = request.params.id;
      const found = [...c.pipelines].filter(([id]) => pattern === undefined || pattern.split(',').some((part) => matchesPattern(part, id)));
      // Elasticsearch answers a name it does not know with 404 and an empty object.
      if (pattern !== undefined && found.length === 0) return { status: 404, body: {} };
      return ok(Object.fromEntries(found.map(([id, pipeline]) => [id, pipeline.body])));
    };
    this.route('GET', '/_ingest/pipeline', getPipelines);
    this.route('GET', '/_ingest/pipeline/{id}', getPipelines);
    this.route('DELETE', '/_ingest/pipeline/{id}', (request) => {
      c.deletePipelines(request.params.id as string);
      return ok({ acknowledged: true });
    });
    // The simulate ingest API, after `_ingest/pipeline/_simulate`, which `{index}` would take.
    const simulateIngestion = (request: Request): Reply => ok(simulateIngest(request.json, request.params.index, request.query.pipeline, (name) => c.pipelinesOf(name), c.pipelines, c.timestamp()));
    this.route(['GET', 'POST'], '/_ingest/_simulate', simulateIngestion, { bodyRequired: true });
    this.route(['GET', 'POST'], '/_ingest/{index}/_simulate', simulateIngestion, { bodyRequired: true });
  }

  /** Index lifecycle management. */
  private registerIlmRoutes(): void {
    const c = this.cluster;
    this.route('PUT', '/_ilm/policy/{name}', (request) => {
      const name = request.params.name as string;
      const policy = validatePolicy(request.json);
      const existing = c.policies.get(name);
      c.policies.set(name, { policy, version: (existing?.version ?? 0) + 1, modifiedDate: c.now() });
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    const getPolicies = (request: Request): Reply => {
      const name = request.params.name;
      const found = [...c.policies].filter(([key]) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, key)));
      if (name !== undefined && found.length === 0) throw resourceNotFound(`Lifecycle policy not found: [${name}]`);
      return ok(
        Object.fromEntries(
          found.map(([key, policy]) => [
            key,
            {
              version: policy.version,
              modified_date: new Date(policy.modifiedDate).toISOString(),
              policy: policy.policy,
              in_use_by: {
                indices: [...c.indices.values()].filter((index) => index.settings['index.lifecycle.name'] === key).map((index) => index.name),
                data_streams: [...c.dataStreams.values()].filter((stream) => c.indices.get(stream.indices.at(-1) as string)?.settings['index.lifecycle.name'] === key).map((stream) => stream.name),
                composable_templates: [...c.indexTemplates].filter(([, template]) => c.composeTemplate(template).settings['index.lifecycle.name'] === key).map(([templateName]) => templateName),
              },
            },
          ]),
        ),
      );
    };
    this.route('GET', '/_ilm/policy', getPolicies);
    this.route('GET', '/_ilm/policy/{name}', getPolicies);
    this.route('DELETE', '/_ilm/policy/{name}', (request) => {
      const name = request.params.name as string;
      if (!c.policies.has(name)) throw resourceNotFound(`Lifecycle policy not found: ${name}`);
      const users = [...c.indices.values()].filter((index) => index.settings['index.lifecycle.name'] === name).map((index) => index.name);
      if (users.length > 0) throw badRequest(`Cannot delete policy [${name}]. It is in use by one or more indices: [${users.join(', ')}]`);
      c.policies.delete(name);
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    this.route('GET', '/_ilm/status', () => ok({ operation_mode: c.ilmRunning ? 'RUNNING' : 'STOPPED' }));
    this.route('POST', '/_ilm/start', () => {
      c.ilmRunning = true;
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    this.route('POST', '/_ilm/stop', () => {
      c.ilmRunning = false;
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    this.route('GET', '/{index}/_ilm/explain', (request) => {
      const indices = c.resolve(request.params.index, { expandHidden: true });
      const only = request.query.only_managed === 'true' ? indices.filter((index) => index.settings['index.lifecycle.name']) : indices;
      return ok({ indices: Object.fromEntries(only.map((index) => [index.name, explain(c, index)])) });
    });
    this.route('POST', '/{index}/_ilm/remove', (request) => {
      for (const index of c.resolve(request.params.index, { expandHidden: true })) {
        delete index.settings['index.lifecycle.name'];
        index.ilm = undefined;
      }
      c.journal?.meta();
      return ok({ has_failures: false, failed_indexes: [] });
    });
    this.route('POST', '/{index}/_ilm/retry', (request) => {
      for (const index of c.resolve(request.params.index, { expandHidden: true })) if (index.ilm?.step === 'ERROR') index.ilm = { ...index.ilm, step: 'init', action: 'new' };
      runLifecycle(c);
      return ok({ acknowledged: true });
    });
  }

  /** Stored scripts (search templates only) and the search template APIs (`search-templates.ts`). */
  private registerSearchTemplateRoutes(): void {
    const c = this.cluster;
    this.route(['PUT', 'POST'], '/_scripts/{id}', (request) => {
      c.scripts.set(request.params.id as string, checkedScript(request.json));
      c.journal?.meta();
      return ok({ acknowledged: true });
    }, { bodyRequired: true });
    this.route('GET', '/_scripts/{id}', (request) => {
      const id = request.params.id as string;
      const script = c.scripts.get(id);
      return script === undefined ? { status: 404, body: { _id: id, found: false } } : ok({ _id: id, found: true, script });
    });
    this.route('DELETE', '/_scripts/{id}', (request) => {
      const id = request.params.id as string;
      if (!c.scripts.delete(id)) throw resourceNotFound(`stored script [${id}] does not exist`);
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    const rendered = (body: Json, id?: string): Json => renderTemplate(templateOf(body, c.scripts, id), (body.params ?? {}) as Json);
    const render = (request: Request): Reply => ok({ template_output: rendered(request.json, request.params.id) });
    this.route(['GET', 'POST'], '/_render/template', render);
    this.route(['GET', 'POST'], '/_render/template/{id}', render);
    const searchTemplate = (request: Request): Reply => {
      const body = rendered(request.json);
      if (request.json.explain === true) body.explain = true;
      if (request.json.profile === true) body.profile = true;
      return ok(this.search({ ...request, json: body }));
    };
    this.route(['GET', 'POST'], '/_search/template', searchTemplate, { bodyRequired: true });
    this.route(['GET', 'POST'], '/{index}/_search/template', searchTemplate, { bodyRequired: true });
    this.route(['GET', 'POST'], '/_msearch/template', (request) => this.multiSearch(request, (body) => rendered(body)), { ndjson: true, bodyRequired: true });
    this.route(['GET', 'POST'], '/{index}/_msearch/template', (request) => this.multiSearch(request, (body) => rendered(body)), { ndjson: true, bodyRequired: true });
  }

  /** Snapshot repositories, snapshots and SLM: none kept (`snapshots.ts`). */
  private registerSnapshotRoutes(): void {
    const snapshots = this.snapshots;
    this.route('GET', '/_snapshot', () => ok(snapshots.repositories(undefined)));
    this.route('GET', '/_snapshot/_status', () => ok({ snapshots: [] }));
    this.route('GET', '/_snapshot/{repository}', (request) => ok(snapshots.repositories(request.params.repository)));
    this.route(['PUT', 'POST'], '/_snapshot/{repository}', (request) => snapshots.putRepository(request.params.repository as string));
    this.route('GET', '/_snapshot/{repository}/{snapshot}', (request) => ok(snapshots.snapshots(request.params.repository as string)));
    this.route('GET', '/_cat/repositories', (request) => this.cat(request, [], ['id', 'type']));
    this.route('GET', '/_slm/status', () => ok(snapshots.slmStatus()));
    this.route('GET', '/_slm/stats', () => ok(snapshots.slmStats()));
    this.route('GET', '/_slm/policy', () => ok(snapshots.slmPolicies(undefined)));
    this.route('GET', '/_slm/policy/{id}', (request) => ok(snapshots.slmPolicies(request.params.id)));
    this.route('PUT', '/_slm/policy/{id}', (request) => snapshots.putSlmPolicy(request.json));
    this.route('POST', '/_slm/start', () => {
      snapshots.slmRunning = true;
      return ok({ acknowledged: true });
    });
    this.route('POST', '/_slm/stop', () => {
      snapshots.slmRunning = false;
      return ok({ acknowledged: true });
    });
  }

  /**
   * The task management API. A task here runs to its end before any other request is answered, so the only task
   * that runs while tasks are listed is the listing itself, which Elasticsearch shows too; the results of tasks run
   * with `wait_for_completion=false` are kept and found by id (`tasks.ts`).
   */
  private registerTaskRoutes(): void {
    this.route('GET', '/_tasks', (request) => ok(this.listTasks(request.query)));
    this.route('GET', '/_tasks/{id}', (request) => {
      const id = request.params.id as string;
      if (!/^[^:]+:\d+$/.test(id)) throw badRequest(`malformed task id ${id}`);
      const stored = this.tasks.result(id);
      if (stored === undefined) throw resourceNotFound(`task [${id}] isn't running and hasn't stored its results`);
      return ok(stored);
    });
    this.route('POST', '/_tasks/_cancel', () => ok({ nodes: {} }));
    this.route('GET', '/_cat/tasks', (request) => {
      const rows = this.listingTasks(request.query).map((task) => {
        const started = new Date(task.start_time_in_millis);
        return { action: task.action, task_id: `${task.node}:${task.id}`, parent_task_id: '-', type: task.type, start_time: String(task.start_time_in_millis), timestamp: started.toISOString().slice(11, 19), running_time: '0s', running_time_ns: '0', node_id: task.node, ip: '127.0.0.1', port: '9300', node: NODE_NAME };
      });
      return this.cat(request, rows, CAT_COLUMNS.tasks);
    });
  }

  /** The task that lists tasks, which is all that runs while they are listed, if `actions` asks for it. */
  private listingTasks(query: Record<string, string>): Array<{ node: string; id: number; type: string; action: string; start_time_in_millis: number } & Json> {
    const id = this.tasks.nextId();
    const action = 'cluster:monitor/tasks/lists';
    const wanted = query.actions?.split(',');
    if (wanted !== undefined && !wanted.some((pattern) => matchesPattern(pattern, action))) return [];
    return [{ node: this.nodeId, id, type: 'transport', action, ...(truthy(query.detailed) ? { description: '' } : {}), start_time_in_millis: Date.now(), running_time_in_nanos: 0, cancellable: false, headers: {} }];
  }

  private listTasks(query: Record<string, string>): Json {
    const tasks = this.listingTasks(query);
    if (query.group_by === 'none') return { tasks };
    if (query.group_by === 'parents') return { tasks: Object.fromEntries(tasks.map((each) => [`${this.nodeId}:${each.id}`, each])) };
    if (query.group_by !== undefined && query.group_by !== 'nodes') throw badRequest(`failed to parse [group_by]: no such value [${query.group_by}], expected one of [nodes, parents, none]`);
    if (tasks.length === 0) return { nodes: {} };
    return { nodes: { [this.nodeId]: { name: NODE_NAME, transport_address: '127.0.0.1:9300', host: '127.0.0.1', ip: '127.0.0.1:9300', roles: NODE_ROLES, attributes: {}, tasks: Object.fromEntries(tasks.map((each) => [`${this.nodeId}:${each.id}`, each])) } } };
  }

  /** Documents and bulk. */
  private registerDocumentRoutes(): void {
    const c = this.cluster;
    this.route('POST', '/_bulk', (request) => this.bulk(request, undefined), { ndjson: true, bodyRequired: true });
    this.route(['POST', 'PUT'], '/{index}/_bulk', (request) => this.bulk(request, request.params.index), { ndjson: true, bodyRequired: true });
    const indexDoc = async (request: Request, opType: 'index' | 'create'): Promise<Reply> => {
      // A document without an id can only be new: Elasticsearch makes it a create, which data streams accept.
      const effective = (request.query.op_type as 'index' | 'create' | undefined) ?? (request.params.id === undefined ? 'create' : opType);
      const index = c.writeTarget(request.params.index as string, effective);
      c.ingest(index, request.json, request.params.id, request.query.pipeline);
      const result = c.indexDoc(index, request.params.id, request.json, effective, { ifSeqNo: request.query.if_seq_no === undefined ? undefined : Number(request.query.if_seq_no) });
      this.stats.indexTotal += 1;
      await this.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
      return ok(this.writeBody(result), result.status);
    };
    this.route(['PUT', 'POST'], '/{index}/_doc/{id}', (request) => indexDoc(request, 'index'), { bodyRequired: true });
    this.route('POST', '/{index}/_doc', (request) => indexDoc(request, 'index'), { bodyRequired: true });
    this.route(['PUT', 'POST'], '/{index}/_create/{id}', (request) => indexDoc(request, 'create'), { bodyRequired: true });
    this.route('GET', '/{index}/_doc/{id}', (request) => this.getDocument(request.params.index as string, request.params.id as string, sourceSpecOf({}, request.query)));
    this.route(['GET', 'POST'], '/_mget', (request) => this.multiGet(request), { bodyRequired: true });
    this.route(['GET', 'POST'], '/{index}/_mget', (request) => this.multiGet(request), { bodyRequired: true });
    this.route('GET', '/{index}/_source/{id}', (request) => {
      const [index] = c.resolve(request.params.index);
      const block = index?.readBlock();
      if (block !== undefined) throw block;
      const doc = index?.docs.get(request.params.id as string);
      if (!doc) throw new EsError(404, 'resource_not_found_exception', `Document not found [${request.params.index}]/[${request.params.id}]`);
      return ok(sourceOf(doc));
    });
    this.route('DELETE', '/{index}/_doc/{id}', async (request) => {
      const [index] = c.resolve(request.params.index);
      if (!index) throw indexNotFound(request.params.index as string);
      const result = c.deleteDoc(index, request.params.id as string);
      await this.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
      return ok(this.writeBody(result), result.status);
    });
    this.route('POST', '/{index}/_delete_by_query', (request) => this.asTask(request, 'indices:data/write/delete/byquery', `delete-by-query [${request.params.index}]`, () => this.deleteByQuery(request)));
    this.route('POST', '/_reindex', (request) => {
      checkReindexBody(request.json);
      return this.asTask(request, 'indices:data/write/reindex', 'reindex', async () => {
        const result = reindex(c, request.json, request.query);
        if (truthy(request.query.refresh)) await this.applyRefresh('true', result.written);
        return ok(result.body, result.status);
      });
    }, { bodyRequired: true });
    this.route('POST', '/{index}/_update_by_query', (request) => this.asTask(request, 'indices:data/write/update/byquery', `update-by-query [${request.params.index}]`, async () => {
      const indices = readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' }));
      const result = updateByQuery(c, indices, request.json, request.query);
      if (truthy(request.query.refresh)) await this.applyRefresh('true', result.written);
      return ok(result.body);
    }));
    // No task is running when a rethrottle comes (each ran to its end before its id was given): it is not found.
    for (const action of ['_delete_by_query', '_update_by_query', '_reindex']) {
      this.route('POST', `/${action}/{task}/_rethrottle`, (request) => {
        const node = (request.params.task as string).split(':')[0] as string;
        if (node !== this.nodeId) {
          const cause = { type: 'no_such_node_exception', reason: `No such node [${node}]`, node_id: node };
          return ok({ nodes: {}, node_failures: [{ type: 'failed_node_exception', reason: `Failed node [${node}]`, node_id: node, caused_by: cause }] });
        }
        return ok({ nodes: {}, task_failures: [{ task_id: Number(request.params.task?.split(':')[1]), node_id: node, status: 'NOT_FOUND', reason: { type: 'resource_not_found_exception', reason: `task [${request.params.task}] is missing` } }] });
      });
    }
    this.route('POST', '/{index}/_update/{id}', async (request) => {
      const index = c.writeTarget(request.params.index as string, 'update');
      const result = c.updateDoc(index, request.params.id as string, request.json);
      await this.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
      return ok(this.writeBody(result), result.status);
    }, { bodyRequired: true });
  }

  /** Search, scroll, point in time, field capabilities and count. */
  private registerSearchRoutes(): void {
    const c = this.cluster;
    const runSearch = (request: Request): Reply => {
      const started = performance.now();
      const result = this.search(request);
      this.stats.queryTotal += 1;
      this.stats.queryTimeMs += performance.now() - started;
      return ok(result);
    };
    this.registerSearchTemplateRoutes();
    this.route(['GET', 'POST'], '/_msearch', (request) => this.multiSearch(request), { ndjson: true, bodyRequired: true });
    this.route(['GET', 'POST'], '/{index}/_msearch', (request) => this.multiSearch(request), { ndjson: true, bodyRequired: true });
    this.route(['GET', 'POST'], '/_search', runSearch);
    this.route(['GET', 'POST'], '/_search/scroll', (request) => this.scroll(request, request.query.scroll_id));
    this.route(['GET', 'POST'], '/_search/scroll/{id}', (request) => this.scroll(request, request.params.id));
    this.route('DELETE', '/_search/scroll', (request) => this.clearScroll(request.json.scroll_id ?? request.query.scroll_id));
    this.route('DELETE', '/_search/scroll/{id}', (request) => this.clearScroll(request.params.id));
    this.route(['GET', 'POST'], '/{index}/_search', runSearch);
    // Async search, as Kibana searches: the search runs to its end before the answer, kept if asked.
    const submit = (request: Request): Reply => ok(this.asyncSearches.submit(request.query, c.now(), () => this.search(request), c.now()));
    this.route('POST', '/_async_search', submit);
    this.route('POST', '/{index}/_async_search', submit);
    this.route('GET', '/_async_search/status/{id}', (request) => ok(this.asyncSearches.status(request.params.id as string, c.now())));
    this.route('GET', '/_async_search/{id}', (request) => ok(this.asyncSearches.get(request.params.id as string, c.now())));
    this.route('DELETE', '/_async_search/{id}', (request) => ok(this.asyncSearches.delete(request.params.id as string, c.now())));
    this.route('POST', '/{index}/_pit', (request) => {
      const indices = readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' }));
      const id = this.contexts.openPit(frozenTargets(indices), request.query.keep_alive);
      return ok({ id, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } });
    });
    this.route('DELETE', '/_pit', (request) => {
      const id = request.json.id;
      if (typeof id !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: point in time id must be specified;');
      const freed = this.contexts.closePit(id);
      return { status: freed ? 200 : 404, body: { succeeded: true, num_freed: freed ? 1 : 0 } };
    }, { bodyRequired: true });
    const runFieldCaps = (request: Request): Reply => {
      const indices = c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' });
      return ok(fieldCaps(readable(indices), request.json, request.query));
    };
    this.route(['GET', 'POST'], '/_field_caps', runFieldCaps);
    this.route(['GET', 'POST'], '/{index}/_field_caps', runFieldCaps);
    this.route(['GET', 'POST'], '/_analyze', (request) => ok(analyzeText(undefined, request.json)));
    this.route(['GET', 'POST'], '/{index}/_analyze', (request) => ok(analyzeText(c.resolve(request.params.index)[0], request.json)));
    this.route(['GET', 'POST'], '/{index}/_explain/{id}', (request) => {
      const indices = readable(c.resolve(request.params.index));
      if (indices.length !== 1) throw badRequest(`explain needs one index, but [${request.params.index}] resolves to ${indices.length}`);
      return explainDocument(indices[0] as Index, request.params.id as string, request.json, request.query as SearchParams, c.now());
    });
    const runCount = (request: Request): Reply => ok(count(readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' })), request.json, request.query as SearchParams, c.now()));
    this.route(['GET', 'POST'], '/_count', runCount);
    this.route(['GET', 'POST'], '/{index}/_count', runCount);
  }

  /** Refresh, rollover, mappings and settings of indices. */
  private registerIndexSettingRoutes(): void {
    const c = this.cluster;
    const refresh = (request: Request): Reply => {
      const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true });
      for (const index of indices) index.refresh();
      return ok({ _shards: { total: indices.length * 2, successful: indices.length, failed: 0 } });
    };
    this.route(['POST', 'GET'], '/_refresh', refresh);
    this.route(['POST', 'GET'], '/{index}/_refresh', refresh);
    const rollover = (request: Request): Reply => {
      const body = request.json;
      checkRolloverBody(body);
      return ok(c.rollover(request.params.target as string, (body.conditions as Json | undefined) ?? {}, { dryRun: truthy(request.query.dry_run), newIndex: request.params.newIndex, body }));
    };
    this.route('POST', '/{target}/_rollover', rollover);
    this.route('POST', '/{target}/_rollover/{newIndex}', rollover);

    // `_mappings` is the same API under its plural name (prometheus-elasticsearch-exporter asks `_all/_mappings`).
    for (const name of ['_mapping', '_mappings']) {
      this.route(['GET'], `/${name}`, (request) => this.mappings(request));
      this.route(['GET'], `/{index}/${name}`, (request) => this.mappings(request));
      this.route(['PUT', 'POST'], `/{index}/${name}`, (request) => {
        const mappings = request.json as Mappings;
        const targets = truthy(request.query.write_index_only) ? (request.params.index as string).split(',').map((part) => c.writeIndexOf(part.trim())) : c.resolve(request.params.index);
        for (const index of targets) c.putMapping(index, mappings);
        return ok({ acknowledged: true });
      });
    }
    this.route(['POST', 'GET'], '/{index}/_reload_search_analyzers', (request) => {
      // Analyzers here are built in and never change: every index reports nothing reloaded.
      const indices = c.resolve(request.params.index, { expandHidden: true });
      return ok({ _shards: { total: indices.length, successful: indices.length, failed: 0 }, reload_details: indices.map((index) => ({ index: index.name, reloaded_analyzers: [], reloaded_node_ids: [] })) });
    });
    this.route('GET', '/_settings', (request) => this.settings(request));
    this.route('GET', '/{index}/_settings', (request) => this.settings(request));
    this.route('GET', '/{index}/_settings/{name}', (request) => this.settings(request));
    const putSettings = (request: Request): Reply => {
      const body = request.json;
      // A null resets a setting, as the flood stage's block is lifted: {"index.blocks.read_only_allow_delete": null}.
      const flat = flattenSettings((body.settings as Json | undefined) ?? body, '', true);
      checkIndexSettings(flat);
      const fixed = Object.keys(flat).filter((key) => ['index.number_of_shards', 'index.codec', 'index.routing_partition_size', 'index.mapping.ignore_malformed'].includes(key));
      if (fixed.length > 0) throw badRequest(`Can't update non dynamic settings [[${fixed.join(', ')}]] for open indices [${request.params.index}]`);
      for (const index of c.resolve(request.params.index, { expandHidden: true })) {
        for (const [key, value] of Object.entries(flat)) {
          if (value === 'null') delete index.settings[key];
          else index.settings[key] = value;
        }
      }
      c.journal?.meta();
      if (flat['index.lifecycle.name']) c.onLifecycleChange?.();
      return ok({ acknowledged: true });
    };
    this.route('PUT', '/_settings', putSettings);
    this.route('PUT', '/{index}/_settings', putSettings);
  }

  /** Aliases. */
  private registerAliasRoutes(): void {
    const c = this.cluster;
    this.route('POST', '/_aliases', (request) => {
      // Every action is read and its indices and aliases found before any is applied: all or none, as in Elasticsearch.
      const planned = checkAliasActions(request.json).map(([kind, spec]) => {
        const indexNames = (spec.indices as string[] | undefined) ?? [spec.index as string];
        const aliasNames = (spec.aliases as string[] | undefined) ?? [spec.alias as string];
        const indices = indexNames.flatMap((name) => c.resolve(name));
        if (kind === 'remove' && spec.must_exist === true) {
          const missing = aliasNames.find((alias) => !indices.some((index) => index.aliases.has(alias)));
          if (missing !== undefined) throw new EsError(404, 'aliases_not_found_exception', `aliases [${missing}] missing`);
        }
        return { kind, spec: spec as Json, indices, aliasNames };
      });
      for (const { kind, spec, indices, aliasNames } of planned) {
        for (const index of indices) {
          if (kind === 'remove_index') c.dropIndex(index);
          for (const alias of aliasNames) {
            if (kind === 'add') index.aliases.set(alias, this.aliasDef(spec));
            else if (kind === 'remove') index.aliases.delete(alias);
          }
        }
      }
      c.journal?.meta();
      return ok({ acknowledged: true, errors: false });
    });
    const putAlias = (request: Request): Reply => {
      for (const index of c.resolve(request.params.index)) index.aliases.set(request.params.name as string, this.aliasDef(request.json));
      c.journal?.meta();
      return ok({ acknowledged: true });
    };
    this.route(['PUT', 'POST'], '/{index}/_alias/{name}', putAlias);
    this.route(['PUT', 'POST'], '/{index}/_aliases/{name}', putAlias);
    this.route('DELETE', '/{index}/_alias/{name}', (request) => {
      let removed = 0;
      for (const index of c.resolve(request.params.index)) {
        for (const alias of [...index.aliases.keys()]) if ((request.params.name as string).split(',').some((pattern) => matchesPattern(pattern, alias)) && index.aliases.delete(alias)) removed += 1;
      }
      if (removed === 0) throw new EsError(404, 'aliases_not_found_exception', `aliases [${request.params.name}] missing`, { 'resource.type': 'aliases', 'resource.id': request.params.name });
      c.journal?.meta();
      return ok({ acknowledged: true });
    });
    const getAliases = (request: Request): Reply => {
      const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true });
      const wanted = request.params.name?.split(',');
      const body: Json = {};
      for (const index of indices) {
        const aliases = Object.fromEntries([...index.aliases].filter(([alias]) => wanted === undefined || wanted.some((pattern) => matchesPattern(pattern, alias))));
        if (wanted === undefined || Object.keys(aliases).length > 0) body[index.name] = { aliases };
      }
      if (wanted !== undefined && Object.keys(body).length === 0) return { status: 404, body: { error: `alias [${request.params.name}] missing`, status: 404 } };
      return ok(body);
    };
    this.route('GET', '/_alias', getAliases);
    this.route('GET', '/_alias/{name}', getAliases);
    this.route('GET', '/{index}/_alias', getAliases);
    this.route('GET', '/{index}/_alias/{name}', getAliases);
  }

  /** `_resolve/index` and `_stats`: before the index routes, whose `/{index}` would take `/_stats`. */
  private registerIndexInfoRoutes(): void {
    const c = this.cluster;
    // Index blocks (add and remove index block APIs): kept as the index.blocks.* settings the writes and searches obey.
    const BLOCKS = ['metadata', 'read', 'read_only', 'write'];
    const block = (request: Request, on: boolean): Reply => {
      const name = request.params.block as string;
      if (!BLOCKS.includes(name)) throw badRequest(`No enum constant org.elasticsearch.cluster.metadata.IndexMetadata.APIBlock.${name.toUpperCase()}`);
      const indices = c.resolve(request.params.index);
      for (const index of indices) {
        if (on) index.settings[`index.blocks.${name}`] = 'true';
        else delete index.settings[`index.blocks.${name}`];
      }
      c.journal?.meta();
      return ok({ acknowledged: true, ...(on ? { shards_acknowledged: true } : {}), indices: indices.map((index) => ({ name: index.name, [on ? 'blocked' : 'unblocked']: true })) });
    };
    for (const kind of ['clone', 'shrink', 'split'] as const) {
      this.route(['PUT', 'POST'], `/{index}/_${kind}/{target}`, (request) => {
        const target = resizeIndex(c, kind, request.params.index as string, request.params.target as string, request.json);
        return ok({ acknowledged: true, shards_acknowledged: true, index: target.name });
      });
    }
    this.route('POST', '/{index}/_close', (request) => {
      const closed = c.closeIndices(request.params.index as string);
      return ok({ acknowledged: true, shards_acknowledged: true, indices: Object.fromEntries(closed.map((index) => [index.name, { closed: true }])) });
    });
    this.route('POST', '/{index}/_open', (request) => {
      c.openIndices(request.params.index as string);
      return ok({ acknowledged: true, shards_acknowledged: true });
    });
    this.route('PUT', '/{index}/_block/{block}', (request) => block(request, true));
    this.route('DELETE', '/{index}/_block/{block}', (request) => block(request, false));
    this.route('GET', '/_resolve/index/{name}', (request) => ok(resolveIndex(c, request.params.name as string, request.query)));
    const stats = (request: Request): Reply => ok(indexStats(c, request.params.index, request.params.metric, request.path, request.query));
    this.route('GET', '/_stats', stats);
    this.route('GET', '/_stats/{metric}', stats);
    this.route('GET', '/{index}/_stats', stats);
    this.route('GET', '/{index}/_stats/{metric}', stats);
    // Broadcast maintenance: wildcards reach hidden indices (data streams' backing indices) as refresh's do.
    const broadcast = (request: Request): Index[] => c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true, ignoreUnavailable: request.query.ignore_unavailable === 'true' });
    this.route(['GET', 'POST'], '/{index}/_terms_enum', (request) => ok(termsEnum(readable(c.resolve(request.params.index)), request.json, c.now())));
    for (const prefix of ['', '/{index}']) {
      this.route(['POST', 'GET'], `${prefix}/_flush`, (request) => ok(flush(broadcast(request), request.query)));
      this.route('POST', `${prefix}/_forcemerge`, (request) => this.asTask(request, 'indices:admin/forcemerge', 'Force-merge indices', () => ok(forceMerge(broadcast(request), request.query))));
      this.route('POST', `${prefix}/_cache/clear`, (request) => ok(clearCache(broadcast(request))));
      this.route('GET', `${prefix}/_mapping/field/{fields}`, (request) => ok(fieldMappings(c.resolve(request.params.index, { expandHidden: request.params.index !== undefined }), request.params.fields as string, request.query)));
      this.route(['GET', 'POST'], `${prefix}/_validate/query`, (request) => ok(validateQuery(readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' })), request.json, request.query, c.now())));
    }
  }

  /** Shards, segments and recoveries (`shard-info.ts`), and the `_cat` lists that are empty on one node without snapshots. */
  private registerShardRoutes(): void {
    const c = this.cluster;
    const node = this.nodeDescription();
    const indicesOf = (request: Request): Index[] => c.resolve(request.params.index, { allowNoIndices: true, ignoreUnavailable: request.query.ignore_unavailable === 'true' });
    for (const prefix of ['', '/{index}']) {
      this.route(['GET', 'POST'], `${prefix}/_search_shards`, (request) => ok(searchShards(indicesOf(request), node)));
      this.route('GET', `${prefix}/_recovery`, (request) => ok(recoveries(indicesOf(request), node, truthy(request.query.active_only))));
      this.route('GET', `${prefix}/_segments`, (request) => ok(segments(indicesOf(request), node)));
      this.route('GET', `${prefix}/_shard_stores`, (request) => ok(shardStores(indicesOf(request), node, request.query.status)));
    }
    for (const suffix of ['', '/{index}']) {
      this.route('GET', `/_cat/recovery${suffix}`, (request) => this.cat(request, truthy(request.query.active_only) ? [] : recoveryRows(indicesOf(request), node, sizeIn(request.query.bytes)), CAT_COLUMNS.recovery));
      this.route('GET', `/_cat/segments${suffix}`, (request) => this.cat(request, segmentRows(indicesOf(request), node, sizeIn(request.query.bytes)), CAT_COLUMNS.segments));
    }
    this.route(['GET', 'POST'], '/_cluster/allocation/explain', (request) => {
      const body = request.json;
      const indices = Object.keys(body).length === 0 ? c.resolve(undefined, { expandHidden: true }) : c.resolve(typeof body.index === 'string' ? body.index : '');
      return ok(allocationExplain(indices, node, body));
    });
    // Indices found on disk but not in the cluster state: never, on one node that keeps its own state.
    this.route('GET', '/_dangling', () => ok({ _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: CLUSTER_NAME, dangling_indices: [] }));
    this.route('GET', '/_cat/nodeattrs', (request) => this.cat(request, [], ['node', 'host', 'ip', 'attr', 'value']));
    this.route('GET', '/_cat/fielddata', (request) => this.cat(request, [], ['id', 'host', 'ip', 'node', 'field', 'size']));
    this.route('GET', '/_cat/fielddata/{fields}', (request) => this.cat(request, [], ['id', 'host', 'ip', 'node', 'field', 'size']));
    this.route('GET', '/_cat/pending_tasks', (request) => this.cat(request, [], ['insertOrder', 'timeInQueue', 'priority', 'source']));
    const snapshotColumns = ['id', 'repository', 'status', 'start_epoch', 'start_time', 'end_epoch', 'end_time', 'duration', 'indices', 'successful_shards', 'failed_shards', 'total_shards'];
    this.route('GET', '/_cat/snapshots', (request) => this.cat(request, [], snapshotColumns));
    this.route('GET', '/_cat/snapshots/{repository}', (request) => {
      this.snapshots.snapshots(request.params.repository as string);
      return this.cat(request, [], snapshotColumns);
    });
    this.route('GET', '/_cat', () => ({ status: 200, text: `=^.^=\n${this.catPaths().join('\n')}\n` }));
  }

  /** The `_cat` APIs this emulator answers, for `GET /_cat`. */
  private catPaths(): string[] {
    return [...new Set(this.routes.filter((route) => route.method === 'GET' && route.pattern.source.startsWith('^\\/_cat\\/')).map((route) => route.pattern.source.slice(1, -1).replaceAll('\\/', '/').replace('([^/]+)', '{name}')))];
  }

  private threadPools(): Array<Record<string, string>> {
    return threadPoolRows({ ...this.nodeDescription(), pid: process.pid, port: 9300 });
  }

  private nodeDescription(): NodeDescription {
    return { id: this.nodeId, host: '127.0.0.1', ip: '127.0.0.1', node: NODE_NAME, transportAddress: '127.0.0.1:9300', roles: NODE_ROLES, version: EMULATED_VERSION };
  }

  /** Creating, getting and deleting indices: last, as `/{index}` matches any single segment. */
  private registerIndexRoutes(): void {
    const c = this.cluster;
    this.route('PUT', '/{index}', (request) => {
      checkCreateIndexBody(request.json);
      const body = request.json as { settings?: Json; mappings?: Mappings; aliases?: Record<string, AliasDef> };
      checkIndexSettings(flattenSettings(body.settings));
      const index = c.createIndex(request.params.index as string, body);
      return ok({ acknowledged: true, shards_acknowledged: true, index: index.name });
    });
    this.route('GET', '/{index}', (request) => {
      const indices = c.resolve(request.params.index, { expandHidden: request.params.index?.startsWith('.') === true });
      return ok(Object.fromEntries(indices.map((index) => [index.name, { aliases: Object.fromEntries(index.aliases), mappings: index.mappings, settings: nestSettings(index.settings), ...(index.dataStream ? { data_stream: index.dataStream } : {}) }])));
    });
    this.route('DELETE', '/{index}', (request) => {
      const expression = request.params.index as string;
      if (!expression.includes('*') && c.dataStreams.has(expression)) throw badRequest(`The provided expression [${expression}] matches a data stream, specify the corresponding concrete indices instead.`);
      c.deleteIndices(expression);
      return ok({ acknowledged: true });
    });
  }

  // ---- search, scroll and point in time ---------------------------------------------------------

  /** A search on indices, or on a point in time (`pit` in the body, no index in the path); `scroll` keeps a cursor. */
  private search(request: Request): Json {
    const body = request.json;
    const params = request.query as SearchParams;
    const pit = body.pit as Json | undefined;
    if (pit !== undefined) {
      if (request.params.index !== undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;');
      if (params.scroll !== undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: using [point in time] is not allowed in a scroll context;');
      if (typeof pit.id !== 'string') throw new EsError(400, 'parsing_exception', '[pit] requires [id]', { line: 1, col: 1 });
      const targets = this.contexts.pit(pit.id, pit.keep_alive === undefined ? undefined : String(pit.keep_alive));
      const { pit: _pit, ...rest } = body;
      return { pit_id: pit.id, ...firstPage(targets, rest, params, this.cluster.now(), { pit: true }).response };
    }
    const indices = this.cluster.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' });
    readable(indices);
    if (params.scroll === undefined) return search(liveTargets(indices), body, params, this.cluster.now());
    const { prepared, response, size } = firstPage(frozenTargets(indices), body, params, this.cluster.now());
    return { _scroll_id: this.contexts.openScroll(prepared, size, indices.length, params.scroll), ...response };
  }

  /**
   * `_msearch`: each search run as `_search` runs it; one that fails is answered in its place, the others still run.
   * `_msearch/template` gives each item's body through `bodyOf` (its template rendered).
   */
  private multiSearch(request: Request, bodyOf: (body: Json) => Json = (body) => body): Reply {
    const started = performance.now();
    const items = parseMultiSearch(request.body, request.params.index).map((item) => {
      try {
        return { ...item, body: bodyOf(item.body) };
      } catch (error) {
        if (error instanceof EsError) return { ...item, failed: error };
        throw error;
      }
    });
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
        return { ...this.search({ ...request, params, query: { ...request.query, ...item.query }, json: item.body }), status: 200 };
      } catch (error) {
        if (error instanceof EsError) return error.toBody();
        throw error;
      }
    });
    this.stats.queryTotal += responses.length;
    this.stats.queryTimeMs += performance.now() - started;
    return ok({ took: Math.round(performance.now() - started), responses });
  }

  /** One document by id, as `GET <index>/_doc/<id>` answers it (its `_source` filtered by `source` when given). */
  private getDocument(target: string, id: string, source: unknown): Reply {
    const [index] = this.cluster.resolve(target);
    const block = index?.readBlock();
    if (block !== undefined) throw block;
    const doc = index?.docs.get(id);
    const name = index?.name ?? target;
    if (!doc) return { status: 404, body: { _index: name, _id: id, found: false } };
    const filtered = source === undefined ? sourceOf(doc) : filterSource(sourceOf(doc), source);
    return ok({ _index: name, _id: doc.id, _version: doc.version, _seq_no: doc.seqNo, _primary_term: 1, found: true, ...(filtered === undefined ? {} : { _source: filtered }) });
  }

  /** `_mget`: each document as `GET _doc` gives it; a missing index is that item's error alone. */
  private multiGet(request: Request): Reply {
    const fromQuery = sourceSpecOf({}, request.query);
    const docs = parseMultiGet(request.json, request.params.index).map((item) => {
      try {
        return this.getDocument(item.index as string, item.id as string, item.source ?? fromQuery).body;
      } catch (error) {
        if (error instanceof EsError) return { _index: item.index, _id: item.id, error: error.toError() };
        throw error;
      }
    });
    return ok({ docs });
  }

  /**
   * A request that may run as a task: with `wait_for_completion=false` it runs to its end all the same, its result is
   * kept under a task id (`tasks.ts`), and the answer is that id; otherwise it answers as usual. A request refused
   * before it starts is refused either way.
   */
  private async asTask(request: Request, action: string, description: string, run: () => Reply | Promise<Reply>): Promise<Reply> {
    if (request.query.wait_for_completion !== 'false') return run();
    const started = Date.now();
    const reply = await run();
    return ok({ task: this.tasks.record(action, description, started, (reply.body ?? {}) as Json) });
  }

  /** `_delete_by_query`, run at once: the matches of the refreshed view are deleted, as its scroll would find them. */
  private async deleteByQuery(request: Request): Promise<Reply> {
    const started = performance.now();
    // A query is required, in the body or as `q` (DeleteByQueryRequest.validate): no request deletes everything by omission.
    if (request.json.query === undefined && request.query.q === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: query is missing;');
    const indices = readable(this.cluster.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' }));
    const matches = matchingDocs(indices, request.json, request.query as SearchParams, this.cluster.now());
    for (const { index, id } of matches) this.cluster.deleteDoc(index, id);
    if (truthy(request.query.refresh)) await this.applyRefresh('true', new Set(matches.map((match) => match.index)));
    const deleted = matches.length;
    return ok({
      took: Math.round(performance.now() - started), timed_out: false, total: deleted, deleted, batches: deleted > 0 ? 1 : 0, version_conflicts: 0, noops: 0,
      retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1, throttled_until_millis: 0, failures: [],
    });
  }

  /** The next page of a scroll: the id from the body wins over the path or query, as in Elasticsearch. */
  private scroll(request: Request, fallbackId: string | undefined): Reply {
    const id = request.json.scroll_id ?? fallbackId;
    if (typeof id !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: scrollId is missing;');
    const keep = request.json.scroll ?? request.query.scroll;
    const page = this.contexts.nextPage(id, keep === undefined ? undefined : String(keep));
    const rendered = renderPage(page.prepared, page, { took: 0, shards: page.shards, totalAsInt: request.query.rest_total_hits_as_int === 'true', aggregations: false });
    return ok({ _scroll_id: id, ...rendered });
  }

  private clearScroll(ids: unknown): Reply {
    const list = typeof ids === 'string' ? ids.split(',') : Array.isArray(ids) ? ids.map(String) : undefined;
    if (list === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no scroll ids specified;');
    const freed = this.contexts.clearScrolls(list.includes('_all') ? 'all' : list);
    return { status: freed > 0 || list.includes('_all') ? 200 : 404, body: { succeeded: true, num_freed: freed } };
  }

  private aliasDef(spec: Json): AliasDef {
    const alias: AliasDef = {};
    if (spec.is_write_index !== undefined) alias.is_write_index = spec.is_write_index === true;
    if (spec.is_hidden !== undefined) alias.is_hidden = spec.is_hidden === true;
    if (spec.filter !== undefined) alias.filter = spec.filter as Json;
    if (spec.routing !== undefined) alias.index_routing = alias.search_routing = String(spec.routing);
    if (spec.index_routing !== undefined) alias.index_routing = String(spec.index_routing);
    if (spec.search_routing !== undefined) alias.search_routing = String(spec.search_routing);
    return alias;
  }

  private mappings(request: Request): Reply {
    const indices = this.cluster.resolve(request.params.index, { expandHidden: request.params.index !== undefined });
    return ok(Object.fromEntries(indices.map((index) => [index.name, { mappings: index.mappings }])));
  }

  private settings(request: Request): Reply {
    const indices = this.cluster.resolve(request.params.index, { expandHidden: request.params.index !== undefined });
    const name = request.params.name;
    return ok(
      Object.fromEntries(
        indices.map((index) => {
          const flat = name === undefined ? index.settings : Object.fromEntries(Object.entries(index.settings).filter(([key]) => name.split(',').some((pattern) => matchesPattern(pattern, key))));
          return [index.name, { settings: truthy(request.query.flat_settings) ? flat : nestSettings(flat) }];
        }),
      ),
    );
  }

  /** A `_cat` table; `columns` its catalogue (cat-columns.ts), or the names shown without `h` (all of a row's by default). */
  private cat(request: Request, rows: Array<Record<string, string>>, columns?: readonly CatColumn[] | readonly string[]): Reply {
    const answer = renderCat(rows, request.query, request.headers.accept, columns);
    return 'json' in answer ? ok(answer.json) : { status: 200, text: answer.text };
  }

  private httpStats(): Json {
    return { current_open: this.connections.open, total_opened: this.connections.opened, clients: [] };
  }

  private identity(): NodeIdentity {
    return { ...this.nodeDescription(), clusterName: CLUSTER_NAME, clusterUuid: this.clusterUuid };
  }

  /** `_nodes` (node info): the one node, its version, roles, HTTP address and system. */
  /**
   * `_nodes[/<nodes>][/<metrics>]`: the node's identity, and the sections the metrics name (all without). A lone path
   * part is metrics when each of its names is one, else nodes, as RestNodesInfoAction reads it; `plugins` has the
   * modules too.
   */
  private nodeInfo(request: Request): Reply {
    const { selector, metric } = request.params;
    const lone = metric === undefined && selector?.split(',').every((name) => NODE_INFO_METRICS.has(name)) === true;
    const metrics = metric?.split(',') ?? (lone ? selector?.split(',') : undefined);
    const unknown = (metrics ?? []).filter((name) => !NODE_INFO_METRICS.has(name));
    if (unknown.length > 0) throw unrecognized(request.path, 'metric', unknown, NODE_INFO_METRICS);
    const wanted = (section: string): boolean => metrics === undefined || metrics.includes('_all') || metrics.includes(section);
    const address = `${this.options.host ?? '127.0.0.1'}:${this.port}`;
    const sections: Record<string, unknown> = {
      http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: this.options.maxContentLength ?? 100 * 1024 * 1024 },
      os: { name: os.type(), arch: os.arch(), version: os.release(), available_processors: os.availableParallelism(), allocated_processors: os.availableParallelism() },
      process: { id: process.pid, mlockall: false },
      // The processors a pipeline may use, as Elasticsearch's processor reference says to list them
      // (`_nodes/ingest?filter_path=nodes.*.ingest.processors`): only the one the emulator runs; no plugin or module.
      ingest: { processors: [{ type: 'set' }] },
      plugins: [],
      modules: [],
    };
    const shown = Object.fromEntries(Object.entries(sections).filter(([section]) => wanted(section === 'modules' ? 'plugins' : section)));
    return ok({
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: CLUSTER_NAME,
      nodes: {
        [this.nodeId]: {
          name: NODE_NAME,
          transport_address: '127.0.0.1:9300',
          host: '127.0.0.1',
          ip: '127.0.0.1',
          version: EMULATED_VERSION,
          build_flavor: 'default',
          build_type: 'emulator',
          build_hash: 'sluice',
          roles: NODE_ROLES,
          attributes: {},
          ...shown,
        },
      },
    });
  }

  private nodeStats(): Reply {
    const docs = [...this.cluster.indices.values()].reduce((sum, index) => sum + index.view.size, 0);
    const bytes = [...this.cluster.indices.values()].reduce((sum, index) => sum + index.bytes, 0);
    const figures = this.nodeFigures;
    return ok({
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: CLUSTER_NAME,
      nodes: {
        [this.nodeId]: {
          timestamp: Date.now(),
          name: NODE_NAME,
          transport_address: '127.0.0.1:9300',
          host: '127.0.0.1',
          ip: '127.0.0.1:9300',
          roles: NODE_ROLES,
          indices: {
            docs: { count: docs, deleted: 0 },
            store: { size_in_bytes: bytes },
            indexing: { index_total: this.stats.indexTotal, index_time_in_millis: Math.round(this.stats.indexTimeMs), index_failed: 0 },
            search: { query_total: this.stats.queryTotal, query_time_in_millis: Math.round(this.stats.queryTimeMs) },
          },
          os: figures.os(),
          http: this.httpStats(),
          ingest: ingestStats(this.cluster.pipelines),
          process: figures.process(),
          jvm: figures.jvm(),
          fs: figures.fs(),
        },
      },
    });
  }

  private describeFaults(): Json {
    return {
      bulk_rejections: this.faults.bulkRejections,
      unavailable_ms: Math.max(0, this.faults.unavailableUntil - Date.now()),
      latency_ms: this.faults.latencyMs,
      bulk_item_reject_ratio: this.faults.bulkItemRejectRatio,
    };
  }

  private writeBody(result: WriteResult): Json {
    const { status: _status, ...body } = result;
    return body;
  }

  // ---- bulk --------------------------------------------------------------------------------------

  private async bulk(request: Request, defaultIndex: string | undefined): Promise<Reply> {
    const started = performance.now();
    if (this.faults.bulkRejections > 0) {
      this.faults.bulkRejections -= 1;
      throw new EsError(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0]');
    }
    if (request.chunks.at(-1)?.at(-1) !== 0x0a) throw badRequest('The bulk request must be terminated by a newline [\\n]');
    const run = this.runBulk(request, defaultIndex);
    await this.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, run.touched);
    this.stats.indexTimeMs += performance.now() - started;
    const answers = run.items.map((item, k) => (item instanceof Doc ? bulkItem(run.kinds[k] as string, this.cluster.writeResult(run.indices[k] as Index, item)) : item));
    return ok({ errors: run.errors, took: Math.round(performance.now() - started), items: answers });
  }

  /**
   * A bulk request's items, run in order. The loop is kept apart from the asynchronous request and from the work
   * of one item: V8's optimising compiler compiled a single method holding all three four times for 50 000 Sluice
   * documents (on-stack while in the loop, then on each path first taken after it), 118 ms of its time; apart, each
   * part is compiled once or twice. (The CPU per document stayed within the spread: a method this long was the
   * reason to split it.)
   */
  private runBulk(request: Request, defaultIndex: string | undefined): BulkRun {
    const lines = bulkLines(request.chunks);
    const run: BulkRun = { items: [], kinds: [], indices: [], touched: new Set(), errors: false };
    // The number of the last line taken, for errors that name it.
    let lineNumber = 0;
    // Shippers that let Elasticsearch choose the ids send the same action line for every document: parsed once.
    let previousLine = '';
    let previousAction: BulkAction | undefined;
    for (let next = lines.next(); next.done !== true; next = lines.next()) {
      lineNumber += 1;
      const line = lineText(next.value).trim();
      if (line === '') continue;
      const action = line === previousLine && previousAction !== undefined ? previousAction : bulkActionOf(line, lineNumber);
      previousLine = line;
      previousAction = action;
      let sourceLine: Buffer | undefined;
      if (action.kind !== 'delete') {
        const source = lines.next();
        if (source.done === true) throw badRequest(`The bulk request must be terminated by a newline [\\n]`);
        lineNumber += 1;
        sourceLine = source.value;
      }
      this.runBulkItem(run, request, action, sourceLine, defaultIndex);
    }
    return run;
  }

  /** One item of a bulk request: its document written, or its answer (an error is the item's alone). */
  private runBulkItem(run: BulkRun, request: Request, action: BulkAction, sourceLine: Buffer | undefined, defaultIndex: string | undefined): void {
    const { kind, metadata } = action;
    const target = (metadata._index as string | undefined) ?? defaultIndex;
    const id = metadata._id === undefined || metadata._id === null ? undefined : String(metadata._id);
    // The item is reported under the action Elasticsearch ran: an index with op_type create is a create.
    const reported = kind === 'index' && metadata.op_type === 'create' ? 'create' : kind;
    try {
      if (target === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      if (id === '') throw badRequest('if _id is specified it must not be empty');
      // require_alias: the request's flag, unless the item sets its own.
      const requireAlias = metadata.require_alias === undefined ? truthy(request.query.require_alias) : metadata.require_alias === true;
      if (requireAlias && kind !== 'delete' && !this.cluster.isAlias(target)) {
        throw new EsError(404, 'index_not_found_exception', `no such index [${target}] and [require_alias] request flag is [true] and [${target}] is not an alias`, { 'resource.type': 'index_expression', 'resource.id': target, index_uuid: '_na_', index: target });
      }
      if (this.faults.bulkItemRejectRatio > 0) {
        const seen = this.faults.itemsSeen++;
        if (Math.floor((seen + 1) * this.faults.bulkItemRejectRatio) > Math.floor(seen * this.faults.bulkItemRejectRatio)) {
          throw new EsError(429, 'es_rejected_execution_exception', 'rejected execution of primary operation [emulator fault injection]');
        }
      }
      const source = sourceLine === undefined ? undefined : parseBulkSource(lineText(sourceLine));
      if (kind === 'index' || kind === 'create') {
        // An index action without an id can only create: data streams take it, as in Elasticsearch.
        const opType = kind === 'create' || metadata.op_type === 'create' || (id === undefined && metadata.op_type === undefined) ? 'create' : 'index';
        const index = this.cluster.writeTarget(target, opType);
        // What pipelines set is kept beside the bytes received, and replayed when the source is read.
        const patch = this.cluster.ingest(index, source as Json, id, (metadata.pipeline as string | undefined) ?? request.query.pipeline);
        // The document stands for its item until the answer is written (its result follows from it).
        run.items.push(this.cluster.writeDoc(index, id, source as Json, opType, { ifSeqNo: metadata.if_seq_no === undefined ? undefined : Number(metadata.if_seq_no), raw: sourceLine, patch }));
        run.kinds.push(reported);
        run.indices.push(index);
        run.touched.add(index);
        this.stats.indexTotal += 1;
        return;
      }
      let result: WriteResult;
      if (kind === 'delete') {
        const index = this.cluster.writeTarget(target, 'delete');
        if (id === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: id is missing;');
        result = this.cluster.deleteDoc(index, id);
        run.touched.add(index);
      } else {
        if (id === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: id is missing;');
        const index = this.cluster.writeTarget(target, 'update');
        result = this.cluster.updateDoc(index, id, (source ?? {}) as { doc?: Json; doc_as_upsert?: boolean; upsert?: Json });
        run.touched.add(index);
      }
      // A delete of a missing document answers not_found (404) without being an error of the request.
      if (result.status >= 400 && result.result !== 'not_found') run.errors = true;
      run.items.push(bulkItem(reported, result));
    } catch (error) {
      if (!(error instanceof EsError)) throw error;
      run.errors = true;
      run.items.push(bulkItem(reported, { _index: target, _id: id ?? null, status: error.status, error: { type: error.type, reason: error.reason, ...error.extra, ...(error.causedBy ? { caused_by: error.causedBy } : {}) } }));
    }
    run.kinds.push(reported);
    run.indices.push(undefined);
  }
}

import { mkdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as os from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { stringify as stringifyYaml } from 'yaml';
import { setOwn } from '../../shared/json-object.js';
import { parseTimeValue } from '../../shared/time-value.js';
import { listen } from '../common/listen.js';
import type { FsyncPolicy } from '../common/record-file.js';
import { compatibleVersion } from './compatible-version.js';
import { EmulatedNode } from './emulated-node.js';
import { EsError } from './errors.js';
import { ExactInteger, exactIntegersWritten, withExactIntegers } from './exact-integer.js';
import { matchesPattern } from './glob.js';
import { compress, inflateBody, responseEncoding, type Body, type ResponseEncoding } from './http-compression.js';
import { Security, WWW_AUTHENTICATE } from './security.js';
import { runLifecycle, startLifecycles } from './ilm.js';
import { FileJournal } from './journal.js';
import { Router, truthy, type Reply, type Request } from './router.js';
import { aliasRoutes } from './routes/aliases.js';
import { catRoutes } from './routes/cat.js';
import { clusterRoutes } from './routes/cluster.js';
import { nodeRoutes } from './routes/nodes.js';
import { dataStreamRoutes } from './routes/data-streams.js';
import { documentRoutes } from './routes/documents.js';
import { emulatorRoutes } from './routes/emulator.js';
import { ilmRoutes } from './routes/ilm.js';
import { indexInfoRoutes } from './routes/index-info.js';
import { indexSettingRoutes } from './routes/index-settings.js';
import { indexRoutes } from './routes/indices.js';
import { ingestPipelineRoutes } from './routes/ingest-pipelines.js';
import { searchTemplateRoutes } from './routes/search-templates.js';
import { searchRoutes } from './routes/search.js';
import { securityRoutes } from './routes/security.js';
import { shardRoutes } from './routes/shards.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { taskRoutes } from './routes/tasks.js';
import { templateRoutes } from './routes/templates.js';
import { Cluster, type Json } from './store.js';

export { EMULATED_VERSION } from './emulated-node.js';

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
  /** Users and passwords of a file realm: security is then on, and every request must authenticate. Default: off. */
  users?: Record<string, string>;
  logger?: Logger;
}

const YAML_TYPE = 'application/yaml';
/** YAML as Elasticsearch's Jackson generator writes it: strings in double quotes, a list's dashes at its key's indentation, no folding. */
const JACKSON_YAML_STYLE = { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', indentSeq: false, lineWidth: 0 } as const;

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

/**
 * Keeps only the paths named by `filter_path` (dotted, with `*` and `**` wildcards), then drops those its `-`
 * patterns name, as XContent filters a response with inclusive and exclusive FilterPaths.
 */
function filterPath(value: unknown, filters: string[]): unknown {
  const includes = filters.filter((filter) => !filter.startsWith('-')).map((filter) => filter.split('.'));
  const excludes = filters.filter((filter) => filter.startsWith('-')).map((filter) => filter.slice(1).split('.'));
  const kept = includes.length === 0 ? value : filterNode(value, includes, new Map());
  return (excludes.length === 0 || kept === undefined ? kept : excludeNode(kept, excludes, new Map())) ?? {};
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
  // An exact integer is a number written in pieces: a leaf like any other.
  if (typeof node !== 'object' || node === null || node instanceof ExactInteger) return undefined;
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

/** What the `-` patterns of `filter_path` leave of one node: a node a pattern names goes with everything under it. */
function excludeNode(node: unknown, remaining: string[][], below: Map<string[][], Map<string, string[][]>>): unknown {
  for (let i = 0; i < remaining.length; i += 1) if ((remaining[i] as string[]).length === 0) return undefined;
  if (Array.isArray(node)) return node.map((item) => excludeNode(item, remaining, below)).filter((item) => item !== undefined);
  if (typeof node !== 'object' || node === null || node instanceof ExactInteger) return node;
  const out: Json = {};
  for (const key in node) {
    const patterns = patternsBelow(remaining, key, below);
    const child = patterns.length === 0 ? (node as Json)[key] : excludeNode((node as Json)[key], patterns, below);
    if (child !== undefined) setOwn(out, key, child);
  }
  return out;
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
  private readonly router = new Router();
  private readonly node: EmulatedNode;
  private readonly log: Logger;
  private readonly journal: FileJournal | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private ilmTimer: NodeJS.Timeout | undefined;
  private lifecycleStart: NodeJS.Immediate | undefined;

  private constructor(private readonly options: ElasticsearchEmulatorOptions) {
    this.log = options.logger ?? pino({ level: 'silent' });
    this.port = options.port ?? 9200;
    this.node = new EmulatedNode(this.cluster, {
      dataDir: options.dataDir ?? os.tmpdir(),
      maxContentLength: options.maxContentLength ?? 100 * 1024 * 1024,
      httpAddress: () => `${options.host ?? '127.0.0.1'}:${this.port}`,
      settingsChanged: () => this.scheduleIlm(),
      security: options.users === undefined ? undefined : new Security(new Map(Object.entries(options.users))),
    });
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
    this.timers.push(setInterval(() => this.node.periodicRefresh(), 50));
    for (const timer of this.timers) timer.unref();
    this.cluster.onLifecycleChange = () => this.scheduleLifecycleStart();
    this.scheduleIlm();
    this.registerRoutes();
    this.server = createServer((incoming, outgoing) => void this.serve(incoming, outgoing));
    this.server.on('connection', (socket) => {
      const connections = this.node.connections;
      connections.opened += 1;
      connections.open += 1;
      socket.once('close', () => (connections.open -= 1));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  static async start(options: ElasticsearchEmulatorOptions = {}): Promise<ElasticsearchEmulator> {
    const emulator = new ElasticsearchEmulator(options);
    emulator.port = await listen(emulator.server, emulator.port, options.host ?? '127.0.0.1');
    emulator.log.info({ url: emulator.url, dataDir: options.dataDir ?? null, security: options.users !== undefined }, 'elasticsearch emulator listening');
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

  private async serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const method = incoming.method ?? 'GET';
    const encoding = method === 'HEAD' ? undefined : responseEncoding(incoming.headers['accept-encoding']);
    // Elasticsearch returns a request's X-Opaque-Id on its answer; clients that share connections check it (elastomer-client).
    const opaqueId = incoming.headers['x-opaque-id'];
    if (opaqueId !== undefined) outgoing.setHeader('X-Opaque-Id', opaqueId);
    let reply: Reply;
    let compatible: number | undefined;
    try {
      const sent = inflateBody(incoming.headers['content-encoding'], await this.readBody(incoming), this.node.maxContentLength);
      const fromSource = sent.length === 0 ? bodyFromSource(query) : undefined;
      const { chunks, length } = fromSource ?? sent;
      compatible = compatibleVersion(incoming.headers.accept, fromSource === undefined ? incoming.headers['content-type'] : query.source_content_type, length > 0);
      const refused = fromSource === undefined ? unsupportedContentType(incoming, length) : undefined;
      if (refused !== undefined) {
        this.send(outgoing, method, { status: 406, body: { error: refused, status: 406 } }, query, 'application/json', encoding);
        return;
      }
      if (this.node.faults.latencyMs > 0 && !url.pathname.startsWith('/_emulator')) await new Promise((resolve) => setTimeout(resolve, this.node.faults.latencyMs));
      if (Date.now() < this.node.faults.unavailableUntil && !url.pathname.startsWith('/_emulator')) {
        throw new EsError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];');
      }
      // The emulator's own endpoints stay open: tests inject faults and move the clock with them.
      const principal = this.node.security === undefined || url.pathname.startsWith('/_emulator') ? undefined : this.node.security.authenticate(incoming.headers.authorization, incoming.url ?? '/', this.cluster.now());
      let joined: Buffer | undefined;
      const request: Request = {
        principal,
        method: method === 'HEAD' ? 'HEAD' : method,
        // An escaped slash stays one: it is part of a name (`<logstash-{now/d}>`), not a separator.
        path: decodeURIComponent(url.pathname.replace(/%2f/gi, '%252F')).replace(/\/+$/, '') || '/',
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
      reply = await this.router.dispatch(request);
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
    const yaml = query.format === 'yaml' || (query.format === undefined && accept.split(';')[0]?.trim().toLowerCase() === 'application/yaml');
    this.send(outgoing, method, reply, query, yaml ? YAML_TYPE : compatible === undefined ? 'application/json' : `application/vnd.elasticsearch+json;compatible-with=${compatible}`, encoding);
  }

  private readBody(incoming: IncomingMessage): Promise<Body> {
    const limit = this.node.maxContentLength;
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

  private send(outgoing: ServerResponse, method: string, reply: Reply, query: Record<string, string>, contentType: string, encoding: ResponseEncoding | undefined): void {
    outgoing.statusCode = reply.status;
    outgoing.setHeader('X-elastic-product', 'Elasticsearch');
    if (reply.status === 401) outgoing.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
    if (reply.text !== undefined) {
      outgoing.setHeader('content-type', 'text/plain; charset=UTF-8');
      if (method === 'HEAD') outgoing.end();
      else this.end(outgoing, reply.text, encoding);
      return;
    }
    outgoing.setHeader('content-type', contentType);
    if (method === 'HEAD' || reply.body === undefined) {
      outgoing.setHeader('content-length', '0');
      outgoing.end();
      return;
    }
    const body = query.filter_path !== undefined ? filterPath(reply.body, query.filter_path.split(',')) : reply.body;
    const before = exactIntegersWritten();
    const text = contentType === YAML_TYPE ? `---\n${stringifyYaml(body, JACKSON_YAML_STYLE)}` : JSON.stringify(body, null, truthy(query.pretty) ? 2 : undefined);
    this.end(outgoing, withExactIntegers(text, before), encoding);
  }

  /** The answer's body, compressed when the client accepts it (`http.compression`, on by default over plain HTTP). */
  private end(outgoing: ServerResponse, payload: string, encoding: ResponseEncoding | undefined): void {
    if (encoding === undefined || payload.length === 0) {
      outgoing.end(payload);
      return;
    }
    outgoing.setHeader('content-encoding', encoding);
    outgoing.end(compress(payload, encoding));
  }

  /** In matching order: the first route whose pattern matches a path answers it. */
  private registerRoutes(): void {
    const { route } = this.router;
    const node = this.node;
    emulatorRoutes(route, node);
    clusterRoutes(route, node);
    nodeRoutes(route, node);
    securityRoutes(route, node);
    catRoutes(route, node);
    templateRoutes(route, node);
    dataStreamRoutes(route, node);
    ingestPipelineRoutes(route, node);
    ilmRoutes(route, node);
    snapshotRoutes(route, node);
    taskRoutes(route, node);
    documentRoutes(route, node);
    searchTemplateRoutes(route, node);
    searchRoutes(route, node);
    indexInfoRoutes(route, node);
    shardRoutes(route, node);
    indexSettingRoutes(route, node);
    aliasRoutes(route, node);
    // Before the index routes, whose `/{index}` would take it.
    route('GET', '/_cat', () => ({ status: 200, text: `=^.^=\n${this.router.catPaths().join('\n')}\n` }));
    indexRoutes(route, node);
  }
}

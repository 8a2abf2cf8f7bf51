import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { kafkaClient } from '../../shared/kafka.js';
import type { Logger } from '../../shared/logging.js';
import { packageRoot, packageVersion } from '../../shared/paths.js';
import { collectProcessMetrics } from '../../shared/process-metrics.js';
import { loadSloFile, type SloFile } from '../../shared/slo.js';
import { portInUse } from '../startup.js';
import { elasticsearchState } from '../../shared/elasticsearch-errors.js';
import { authenticator } from './auth.js';
import { apiRoutes, refuseUnknownQueryParameters } from './routes.js';
import { TailHub, tailFilterSchema } from './tail.js';

/**
 * The HTTP API (Fastify): health, Sluice's metrics, SLO status, report downloads, log search, the live tail
 * over WebSocket, the OpenAPI document and the web page. Every route but health needs an API key.
 */

export interface ApiDependencies {
  es: Client;
  slos: SloFile;
  now?: () => number;
  /** Whether Kafka answers (readiness); absent: not checked. */
  kafkaReachable?: () => boolean;
  /** Export the process metrics (false under `sluice start`, where ingest's listener has them). */
  processMetrics?: boolean;
  /** More registries for /metrics: under `sluice start`, ingest's, with the metrics derived from logs. */
  registries?: Registry[];
  tail?: { pollMs?: number; maxBufferedBytes?: number; maxEventsPerSecond?: number };
  /** The local mode's demo namespace, served at /demo/ (page, API and tail) beside SLUICE_NAMESPACE at /. */
  demoNamespace?: string;
}

const PAGE_DIR = join(packageRoot, 'services', 'api', 'page');
/** The page's files, read once: no request path ever reaches the file system. */
const PAGE_FILES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

function apiMetrics(processMetrics: boolean) {
  const registry = new Registry();
  if (processMetrics) collectProcessMetrics(registry);
  return {
    registry,
    requests: new Counter({ name: 'sluice_api_requests_total', help: 'API requests by route and status code', labelNames: ['route', 'status'] as const, registers: [registry] }),
    duration: new Histogram({ name: 'sluice_api_request_duration_seconds', help: 'API request durations by route', labelNames: ['route'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry] }),
    tailClients: new Gauge({ name: 'sluice_api_tail_clients', help: 'Live-tail WebSocket clients connected', registers: [registry] }),
    tailDropped: new Counter({ name: 'sluice_api_tail_dropped_events_total', help: 'Live-tail events not sent to a slow or over-rate client (each client is told how many it missed)', registers: [registry] }),
  };
}

export async function buildApi(config: Config, logger: Logger, dependencies: ApiDependencies): Promise<{ app: FastifyInstance; tail: TailHub }> {
  const now = dependencies.now ?? Date.now;
  const auth = authenticator(config.api.keys);
  const metrics = apiMetrics(dependencies.processMetrics !== false);
  // Request lines are logged without their query string: a WebSocket's key travels there.
  const app: FastifyInstance = Fastify({ loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger, bodyLimit: 64 * 1024, logController: new LogController({ disableRequestLogging: true }), trustProxy: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // No upgrade-insecure-requests (helmet's default): the API serves plain HTTP unless a proxy terminates TLS in front
  // of it, and a browser on any origin but loopback would then ask https: for the page's script and style.
  await app.register(helmet, { contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'script-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'", 'ws:', 'wss:'], 'upgrade-insecure-requests': null } } });
  await app.register(rateLimit, {
    max: config.api.rateLimitPerMinute,
    timeWindow: 60_000,
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    // Per key (its digest: no key is kept in the limiter's memory), per address without one.
    keyGenerator: (request) => {
      const key = request.headers['x-api-key'] ?? request.headers.authorization;
      return typeof key === 'string' ? `key:${createHash('sha256').update(key).digest('base64url')}` : `ip:${request.ip}`;
    },
  });
  await app.register(swagger, { openapi: { info: { title: 'Sluice API', version: packageVersion, description: 'SLO status, monthly SLA reports, log search and the live tail. Every route but /healthz and /readyz needs an API key (x-api-key, or Authorization: ApiKey <key>).' }, components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } }, security: [{ apiKey: [] }] }, transform: jsonSchemaTransform });
  // The UI's own policy, less its upgrade-insecure-requests (above).
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: (policy) => policy.replace(/\s*upgrade-insecure-requests;?/, '') });
  await app.register(websocket, { options: { maxPayload: 4096 } });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  let esState = 'unreachable';
  const check = async () => {
    esState = await dependencies.es.ping().then((up) => (up ? 'reachable' : 'unreachable'), elasticsearchState);
  };
  await check();
  const checker = setInterval(() => void check(), 5000);
  app.addHook('onClose', async () => clearInterval(checker));
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const kafka = dependencies.kafkaReachable === undefined ? undefined : dependencies.kafkaReachable();
    const ready = esState === 'reachable' && kafka !== false;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', elasticsearch: esState, ...(kafka === undefined ? {} : { kafka: kafka ? 'reachable' : 'unreachable' }) });
  });
  const exported = dependencies.registries && dependencies.registries.length > 0 ? Registry.merge([metrics.registry, ...dependencies.registries]) : metrics.registry;
  app.get('/metrics', { preHandler: auth.require('reader'), schema: { hide: true } }, async (_request, reply) => reply.type(exported.contentType).send(await exported.metrics()));

  const views: NamespaceView[] = [{ namespace: config.namespace, prefix: '', demo: false }, ...(dependencies.demoNamespace === undefined ? [] : [{ namespace: dependencies.demoNamespace, prefix: '/demo', demo: true }])];
  const tails: TailHub[] = [];
  for (const view of views) {
    await app.register(
      async (scope) => {
        // The demo's copy of the routes is left out of the OpenAPI document: the same routes under /demo.
        if (view.demo) scope.addHook('onRoute', (route) => void (route.schema = { ...route.schema, hide: true }));
        tails.push(namespaceRoutes(scope, { config, view, views, dependencies, auth, metrics, now }));
      },
      { prefix: view.prefix },
    );
  }
  // Relative, so that it holds behind a proxy that serves Sluice under a prefix (/sluice/demo → /sluice/demo/).
  if (views.some((view) => view.demo)) app.get('/demo', { schema: { hide: true } }, async (_request, reply) => reply.redirect('demo/'));
  app.addHook('onClose', async () => void (await Promise.all(tails.map((tail) => tail.close()))));
  return { app, tail: tails[0] as TailHub };
}

/** One namespace's page, API routes and live tail: SLUICE_NAMESPACE at /, the local mode's demo at /demo/. */
interface NamespaceView {
  namespace: string;
  prefix: string;
  demo: boolean;
}

interface ViewContext {
  config: Config;
  view: NamespaceView;
  views: NamespaceView[];
  dependencies: ApiDependencies;
  auth: ReturnType<typeof authenticator>;
  metrics: ReturnType<typeof apiMetrics>;
  now: () => number;
}

function namespaceRoutes(app: FastifyInstance, context: ViewContext): TailHub {
  const { config, view, dependencies, auth, metrics, now } = context;
  refuseUnknownQueryParameters(app);
  for (const [path, [file, type]] of Object.entries(PAGE_FILES)) {
    const body = readFileSync(join(PAGE_DIR, file));
    // The page's links are relative: under /demo/ it must be served with its slash.
    app.get(path, { schema: { hide: true }, prefixTrailingSlash: 'slash' }, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
  // What the page asks first: whether a key is needed, the role of the one it holds, and whose data it shows.
  app.get('/api/v1/whoami', { schema: { tags: ['auth'], summary: 'Whether the API is open, the role of the key presented (null: none or wrong), and the namespace these routes serve' } }, async (request) => ({
    open: auth.open,
    role: auth.roleOf(request) ?? null,
    namespace: view.namespace,
    demo: view.demo,
    views: context.views.map((other) => ({ namespace: other.namespace, page: `${other.prefix}/`, demo: other.demo })),
  }));

  apiRoutes(app, { config: { ...config, namespace: view.namespace }, prefix: view.prefix, slos: dependencies.slos, es: dependencies.es, auth, now });

  const tail = new TailHub(dependencies.es, { namespace: view.namespace, pollMs: dependencies.tail?.pollMs ?? 500, maxClients: config.api.tailMaxClients, maxBufferedBytes: dependencies.tail?.maxBufferedBytes ?? 1024 * 1024, maxEventsPerSecond: dependencies.tail?.maxEventsPerSecond ?? 200, now, onDrop: () => metrics.tailDropped.inc() });
  app.get('/api/v1/tail', { websocket: true, preHandler: auth.require('reader'), schema: { hide: true } }, (socket) => {
    const client = tail.join(socket);
    if (client === undefined) {
      socket.close(1013, `too many live-tail clients (SLUICE_API_TAIL_MAX_CLIENTS=${config.api.tailMaxClients})`);
      return;
    }
    metrics.tailClients.inc();
    socket.send(JSON.stringify({ type: 'hello', filter: client.filter }));
    socket.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        socket.send(JSON.stringify({ type: 'error', message: 'expected a JSON message' }));
        return;
      }
      const filter = tailFilterSchema.safeParse(parsed);
      if (!filter.success) {
        socket.send(JSON.stringify({ type: 'error', message: filter.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ') }));
        return;
      }
      const { type: _type, ...rest } = filter.data;
      client.filter = rest;
      socket.send(JSON.stringify({ type: 'filter', filter: client.filter }));
    });
    socket.on('close', () => {
      tail.leave(client);
      metrics.tailClients.dec();
    });
  });
  return tail;
}

export interface ApiService {
  url: string;
  close(): Promise<void>;
}

/** `sluice api`: the API on SLUICE_API_HOST:SLUICE_API_PORT. */
/** Whether Kafka answers a metadata request, checked every 5 s (readiness only: the API reads no topic). */
async function watchKafka(config: Config, logger: Logger): Promise<{ reachable: () => boolean; close(): Promise<void> }> {
  const admin = kafkaClient(config, logger, 'sluice-api', { oneShot: true }).admin();
  let reachable = false;
  let connected = false;
  const check = async () => {
    try {
      if (!connected) await admin.connect();
      connected = true;
      await admin.describeCluster();
      reachable = true;
    } catch {
      reachable = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), 5000);
  return { reachable: () => reachable, close: async () => (clearInterval(timer), await admin.disconnect().catch(() => undefined)) };
}

export async function startApi(config: Config, logger: Logger, options: { processMetrics?: boolean; now?: () => number; registries?: Registry[]; demoNamespace?: string } = {}): Promise<ApiService> {
  const slos = loadSloFile(config.sloFile);
  const es = elasticsearchClient(config);
  const kafka = await watchKafka(config, logger);
  const { app } = await buildApi(config, logger, { es, slos, processMetrics: options.processMetrics, now: options.now, kafkaReachable: kafka.reachable, registries: options.registries, demoNamespace: options.demoNamespace });
  const address = await app.listen({ host: config.api.host, port: config.api.port }).catch(async (error: unknown) => {
    await app.close();
    await es.close();
    await kafka.close();
    throw portInUse(error, 'set SLUICE_API_PORT to a free port');
  });
  logger.info({ url: address, page: `${address}/`, openapi: `${address}/docs/`, auth: config.api.keys.length === 0 ? 'open (local mode: no SLUICE_API_KEYS)' : `${config.api.keys.length} key(s)` }, config.api.keys.length === 0 ? 'API listening, open: no API keys in local mode' : 'API listening');
  return {
    url: address,
    async close() {
      await app.close();
      await es.close();
      await kafka.close();
    },
  };
}

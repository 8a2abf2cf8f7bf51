import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { buildApi, startApi } from '../services/api/server.js';
import { matches, TailClient } from '../services/api/tail.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { freePort, waitFor } from './support/process.js';
import { startKafka } from './support/kafka.js';
import { metric } from './support/ingest.js';
import { ingestLines, installTemplates, steadyTraffic } from './support/rollups.js';

const T = (text: string) => Date.parse(text);
const READER = 'reader-key-0123456789';
const ADMIN = 'admin-key-0123456789ab';
const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));
const NOW = T('2026-12-01T12:00:00Z');

let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
let app: FastifyInstance;

function configFor(extra: Record<string, string> = {}) {
  return loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, SLUICE_API_KEYS: `${READER},admin:${ADMIN}`, SLUICE_NAMESPACE: 'api', ...extra }, { servesApi: true });
}

beforeAll(async () => {
  cluster = await startElasticsearch();
  await installTemplates(cluster.es);
  // October: 10:00 to 11:00 on the 7th, 10 requests a minute, the first ten minutes failing (100 of 600).
  await ingestLines(cluster.es, steadyTraffic(T('2026-10-07T10:00:00Z'), T('2026-10-07T11:00:00Z'), 10, (at) => ({ status: at < T('2026-10-07T10:10:00Z') ? 502 : 200, ms: 80 })), 'api');
  await rollupRange(cluster.es, SLOS, 'api', T('2026-10-01T00:00:00Z'), T('2026-11-01T00:00:00Z'));
  ({ app } = await buildApi(configFor(), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, now: () => NOW, processMetrics: false }));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await cluster?.stop();
});

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

describe('authentication and roles', () => {
  it('health is open; everything else answers 401 without a valid key', async () => {
    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/readyz')).json()).toEqual({ status: 'ready', elasticsearch: 'reachable' });
    for (const url of ['/api/v1/slos', '/api/v1/reports', '/api/v1/search', '/metrics', '/api/v1/reports/2026-10.pdf']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate']).toBe('ApiKey');
    }
    expect((await get('/api/v1/slos', 'wrong-key-0123456789')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/slos', headers: { authorization: `ApiKey ${READER}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/slos', headers: { authorization: `Bearer ${READER}` } })).statusCode).toBe(200);
  });

  it('a reader may not rebuild a report (403); an admin may (201, a new revision each time)', async () => {
    const reader = await app.inject({ method: 'POST', url: '/api/v1/reports/2026-10/rebuild', headers: { 'x-api-key': READER }, payload: { reason: 'test' } });
    expect(reader.statusCode).toBe(403);
    const first = await app.inject({ method: 'POST', url: '/api/v1/reports/2026-10/rebuild', headers: { 'x-api-key': ADMIN }, payload: { reason: 'first issue' } });
    expect([first.statusCode, first.json().revision]).toEqual([201, 1]);
    const second = await app.inject({ method: 'POST', url: '/api/v1/reports/2026-10/rebuild', headers: { 'x-api-key': ADMIN } });
    expect(second.json().revision).toBe(2);
    const early = await app.inject({ method: 'POST', url: '/api/v1/reports/2026-12/rebuild', headers: { 'x-api-key': ADMIN } });
    expect([early.statusCode, early.json().message]).toEqual([404, '2026-12 has not ended in UTC: a report is issued only for a finished month']);
  });
});

describe('reports', () => {
  it('lists the issued reports and downloads each format with its type and file name', async () => {
    const list = (await get('/api/v1/reports', READER)).json();
    expect(list.reports).toEqual([expect.objectContaining({ month: '2026-10', revision: 2, formats: expect.objectContaining({ pdf: '/api/v1/reports/2026-10.pdf' }) })]);
    const expected = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8', json: 'application/json' };
    for (const [format, type] of Object.entries(expected)) {
      const response = await get(`/api/v1/reports/2026-10.${format}`, READER);
      expect(response.statusCode, format).toBe(200);
      expect(response.headers['content-type']).toContain(type.split(';')[0]);
      expect(response.headers['content-disposition']).toBe(`${format === 'html' ? 'inline' : 'attachment'}; filename="sluice-sla-2026-10-r2.${format}"`);
    }
    expect((await get('/api/v1/reports/2026-10.pdf', READER)).rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const json = (await get('/api/v1/reports/2026-10.json', READER)).json();
    expect(json.slos[0].month).toMatchObject({ good: 500, valid: 600 });
  });

  it('refuses bad months, unknown formats, months not over and anything like a path, precisely', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/v1/reports/2026-13.pdf', 400, /params\/file.*expected YYYY-MM.pdf, .html, .csv or .json/],
      ['/api/v1/reports/2026-10.exe', 400, /expected YYYY-MM.pdf/],
      ['/api/v1/reports/..%2F..%2Fetc%2Fpasswd', 400, /expected YYYY-MM.pdf/],
      ['/api/v1/reports/2026-12.csv', 404, /^2026-12 has not ended in UTC \(it ends 2027-01-01T00:00:00.000Z\): there is no report yet$/],
    ];
    for (const [url, status, message] of cases) {
      const response = await get(url, READER);
      expect(response.statusCode, url).toBe(status);
      expect(response.json().message, url).toMatch(message);
    }
  });
});

describe('SLOs', () => {
  it('lists every SLO with attainment, budget, burn rates and status', async () => {
    const { slos } = (await get('/api/v1/slos', READER)).json();
    expect(slos.map((s: { name: string }) => s.name)).toEqual(['api-availability', 'api-latency', 'job-success']);
    // 30 days back from 1 December 12:00 reach 1 November 12:00: October's traffic is outside the window.
    expect(slos[0]).toMatchObject({ status: 'no_data', reasons: ['no valid event in the last 30d'], attainment: null, budget: { valid: 0 } });
  });

  it('gives a series by minute or hour, and refuses unknown SLOs and bad ranges', async () => {
    const hourly = (await get('/api/v1/slos/api-availability?from=2026-10-07T09:00:00Z&to=2026-10-07T12:00:00Z&step=1h', READER)).json();
    expect(hourly.points).toEqual([
      { at: '2026-10-07T09:00:00.000Z', good: 0, valid: 0 },
      { at: '2026-10-07T10:00:00.000Z', good: 500, valid: 600 },
      { at: '2026-10-07T11:00:00.000Z', good: 0, valid: 0 },
    ]);
    const unknown = await get('/api/v1/slos/nope', READER);
    expect([unknown.statusCode, unknown.json().message]).toEqual([404, 'no SLO named "nope"; the SLOs are api-availability, api-latency, job-success']);
    expect((await get('/api/v1/slos/api-availability?from=yesterday', READER)).json().message).toMatch(/querystring\/from.*ISO 8601/);
    expect((await get('/api/v1/slos/api-availability?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z', READER)).json().message).toBe('the range may span at most 31 days');
    expect((await get('/api/v1/slos/api-availability?step=1w', READER)).statusCode).toBe(400);
  });
});

describe('search', () => {
  it('pages through a point in time with a cursor, newest first, and streams NDJSON', async () => {
    const range = 'from=2026-10-07T10:00:00Z&to=2026-10-07T10:30:00Z';
    const first = (await get(`/api/v1/search?${range}&size=120`, READER)).json();
    expect(first.hits).toHaveLength(120);
    expect(first.hits[0].document['@timestamp'] >= first.hits[119].document['@timestamp']).toBe(true);
    const ids = new Set(first.hits.map((h: { id: string }) => h.id));
    let cursor = first.next;
    while (cursor) {
      const page = (await get(`/api/v1/search?${range}&size=120&cursor=${cursor}`, READER)).json();
      for (const hit of page.hits) ids.add(hit.id);
      cursor = page.next;
    }
    expect(ids.size).toBe(300);
    const failures = (await get(`/api/v1/search?${range}&q=502&size=1000`, READER)).json();
    expect(failures.hits).toHaveLength(0); // the status is in no field q reads
    const bad = (await get('/api/v1/search?from=2026-10-07T10:00:00Z&to=2026-10-07T10:10:00Z&q=%2Fapi%2Fv1%2Fjobs&size=1000', READER)).json();
    expect(bad.hits).toHaveLength(100);
    const ndjson = await get(`/api/v1/search.ndjson?${range}`, READER);
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson');
    expect(ndjson.payload.trimEnd().split('\n')).toHaveLength(300);
  });

  it('finds q by a word of the URL, the user agent, the message or the error, all words in one document', async () => {
    const range = 'from=2026-10-06T09:00:00Z&to=2026-10-06T09:01:00Z';
    const attack = { ClientAddr: '198.51.100.9:40000', ClientHost: '198.51.100.9', DownstreamStatus: 401, Duration: 1_000_000, RequestMethod: 'POST', RequestPath: '/api/v1/auth/login?next=%2Fjobs', RequestProtocol: 'HTTP/1.1', StartUTC: '2026-10-06T09:00:00Z', 'request_User-Agent': 'sqlmap/1.8.11#stable (https://sqlmap.org)' };
    // An ECS logger's record (Elastic's ecs-logging-python writes error.message so).
    const upload = { '@timestamp': '2026-10-06T09:00:01.000Z', 'log.level': 'error', message: 'Upload rejected', error: { type: 'QuotaError', message: 'quota exceeded for tenant acme' }, 'ecs.version': '1.6.0' };
    await ingestLines(cluster.es, [{ topic: 'logs-traefik', line: JSON.stringify(attack) }, { topic: 'logs-app', line: JSON.stringify(upload) }], 'api');
    const found = async (q: string) => (await get(`/api/v1/search?${range}&q=${encodeURIComponent(q)}`, READER)).json().hits.map((hit: { document: { message?: string; url?: { original: string } } }) => hit.document.url?.original ?? hit.document.message);
    expect(await found('login')).toEqual(['/api/v1/auth/login?next=%2Fjobs']);
    expect(await found('sqlmap')).toEqual(['/api/v1/auth/login?next=%2Fjobs']);
    expect(await found('sqlmap login')).toEqual(['/api/v1/auth/login?next=%2Fjobs']);
    expect(await found('quota acme')).toEqual(['Upload rejected']);
    expect(await found('upload')).toEqual(['Upload rejected']);
    expect(await found('sqlmap quota')).toEqual([]);
    expect(await found('401')).toEqual([]);
  });

  it('answers no hits, not an error, for a namespace no log has reached yet', async () => {
    const fresh = (await buildApi(configFor({ SLUICE_NAMESPACE: 'fresh' }), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, now: () => NOW, processMetrics: false })).app;
    try {
      const page = await fresh.inject({ method: 'GET', url: '/api/v1/search?level=error', headers: { 'x-api-key': READER } });
      expect({ status: page.statusCode, body: page.json() }).toEqual({ status: 200, body: { hits: [], next: null } });
      const stream = await fresh.inject({ method: 'GET', url: '/api/v1/search.ndjson', headers: { 'x-api-key': READER } });
      expect({ status: stream.statusCode, body: stream.payload }).toEqual({ status: 200, body: '' });
    } finally {
      await fresh.close();
    }
  });

  it('searches the last 24 hours when neither from nor to is given (to a minute ahead, for clocks a little apart)', async () => {
    // One request a minute from 25 hours before now to 2 minutes after it, in a namespace of its own.
    await ingestLines(cluster.es, steadyTraffic(NOW - 25 * 3_600_000, NOW + 2 * 60_000, 1, () => ({ status: 200, ms: 80 })), 'window');
    const windowed = (await buildApi(configFor({ SLUICE_NAMESPACE: 'window' }), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, now: () => NOW, processMetrics: false })).app;
    try {
      const stamps = async (query: string) => (await windowed.inject({ method: 'GET', url: `/api/v1/search.ndjson?${query}`, headers: { 'x-api-key': READER } })).payload.trimEnd().split('\n').map((line) => (JSON.parse(line) as { '@timestamp': string })['@timestamp']);
      const defaults = await stamps('');
      expect([defaults.length, defaults.at(-1), defaults[0]]).toEqual([24 * 60 + 1, new Date(NOW - 24 * 3_600_000).toISOString(), new Date(NOW).toISOString()]);
      expect(await stamps('from=2026-11-30T11:00:00Z&to=2026-11-30T11:03:00Z')).toEqual(['2026-11-30T11:02:00.000Z', '2026-11-30T11:01:00.000Z', '2026-11-30T11:00:00.000Z']);
    } finally {
      await windowed.close();
    }
  });

  it("keeps its first page's window on every page, the default one too, however far the clock moves meanwhile", async () => {
    // One request a minute from 25 hours before now to now; a clock that reads an hour later after its first reading.
    await ingestLines(cluster.es, steadyTraffic(NOW - 25 * 3_600_000, NOW + 60_000, 1, () => ({ status: 200, ms: 80 })), 'clock');
    let readings = 0;
    const moving = () => NOW + 3_600_000 * Math.min(readings++, 1);
    const paged = (await buildApi(configFor({ SLUICE_NAMESPACE: 'clock' }), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, now: moving, processMetrics: false })).app;
    const get = async (url: string) => (await paged.inject({ method: 'GET', url, headers: { 'x-api-key': READER } })).json();
    try {
      const stamps: string[] = [];
      let page = await get('/api/v1/search?size=1000');
      stamps.push(...page.hits.map((hit: { document: { '@timestamp': string } }) => hit.document['@timestamp']));
      while (page.next) {
        page = await get(`/api/v1/search?size=1000&cursor=${page.next}`);
        stamps.push(...page.hits.map((hit: { document: { '@timestamp': string } }) => hit.document['@timestamp']));
      }
      // [now − 24 h, now + 1 min) as read for the first page: 1 441 minutes, the oldest exactly a day back.
      expect([stamps.length, stamps[0], stamps.at(-1)]).toEqual([24 * 60 + 1, new Date(NOW).toISOString(), new Date(NOW - 24 * 3_600_000).toISOString()]);
      readings = 0;
      const streamed = (await paged.inject({ method: 'GET', url: '/api/v1/search.ndjson', headers: { 'x-api-key': READER } })).payload.trimEnd().split('\n');
      expect([streamed.length, JSON.parse(streamed.at(-1) as string)['@timestamp']]).toEqual([24 * 60 + 1, new Date(NOW - 24 * 3_600_000).toISOString()]);
    } finally {
      await paged.close();
    }
  });

  it('takes service, level and tags as comma lists or repeated, any value matching; refuses a window that ends before it starts', async () => {
    const at = (second: number) => `2026-10-05T08:00:0${second}.000Z`;
    const record = (second: number, level: string, service: string, tags: string[]) => ({ topic: 'logs-app' as const, line: JSON.stringify({ '@timestamp': at(second), 'log.level': level, message: `record ${second}`, 'service.name': service, tags, 'ecs.version': '1.6.0' }) });
    await ingestLines(cluster.es, [record(1, 'error', 'rendiff-api', ['billing']), record(2, 'warn', 'rendiff-api', []), record(3, 'error', 'rendiff-worker', ['billing', 'retry']), record(4, 'info', 'rendiff-beat', ['retry'])], 'api');
    const messages = async (filters: string) => {
      const answer = await get(`/api/v1/search?from=2026-10-05T08:00:00Z&to=2026-10-05T08:00:10Z&${filters}`, READER);
      expect(answer.statusCode).toBe(200);
      return answer.json().hits.map((hit: { document: { message: string } }) => hit.document.message).sort();
    };
    expect(await messages('service=rendiff-api')).toEqual(['record 1', 'record 2']);
    expect(await messages('service=rendiff-api,rendiff-beat')).toEqual(['record 1', 'record 2', 'record 4']);
    expect(await messages('service=rendiff-worker&service=rendiff-beat')).toEqual(['record 3', 'record 4']);
    expect(await messages('level=error,warn&service=rendiff-api')).toEqual(['record 1', 'record 2']);
    expect(await messages('tags=retry&tags=billing&level=error')).toEqual(['record 1', 'record 3']);
    expect(await messages('level=')).toEqual(['record 1', 'record 2', 'record 3', 'record 4']);
    for (const route of ['search', 'search.ndjson']) {
      const reversed = await get(`/api/v1/${route}?from=2026-10-07&to=2026-10-06`, READER);
      expect([reversed.statusCode, reversed.json().message]).toEqual([400, 'from (2026-10-07T00:00:00.000Z) must be before to (2026-10-06T00:00:00.000Z)']);
    }
    expect((await get('/api/v1/search?from=2026-12-02', READER)).json().message).toBe('from (2026-12-02T00:00:00.000Z) must be before to (2026-12-01T12:01:00.000Z, a minute past now when to is not given)');
    expect((await get('/api/v1/search?to=2026-11-01', READER)).json().message).toBe('from (2026-11-30T12:00:00.000Z, 24 hours before now when from is not given) must be before to (2026-11-01T00:00:00.000Z)');
  });

  it('takes a day alone for from and to, as its midnight in UTC', async () => {
    const lines = async (range: string) => (await get(`/api/v1/search.ndjson?${range}`, READER)).payload.trimEnd().split('\n').filter(Boolean).length;
    const byDay = await lines('from=2026-10-07&to=2026-10-08');
    expect(byDay).toBe(await lines('from=2026-10-07T00:00:00Z&to=2026-10-08T00:00:00Z'));
    expect(byDay).toBeGreaterThan(0);
    expect(await lines('from=2026-10-08&to=2026-10-09')).toBe(0);
    const series = (await get('/api/v1/slos/api-availability?from=2026-10-07&to=2026-10-08&step=1d', READER)).json();
    expect(series.points).toHaveLength(1);
    expect(series.points[0]).toMatchObject({ at: '2026-10-07T00:00:00.000Z', valid: 600 });
    expect((await get('/api/v1/search?from=2026-10-7', READER)).json().message).toBe('querystring/from expected an ISO 8601 instant or day such as 2026-11-01T00:00:00Z or 2026-11-01 (midnight UTC)');
  });

  it('refuses a made-up cursor and sizes out of range', async () => {
    expect((await get('/api/v1/search?cursor=bm90IGEgY3Vyc29y', READER)).json().message).toBe('cursor: not a cursor this API gave out');
    expect((await get('/api/v1/search?size=5000', READER)).statusCode).toBe(400);
  });

  it('refuses a query parameter the route does not read, naming it and the ones it takes; the key may ride on any', async () => {
    const misspelt = await get('/api/v1/search?levle=error&service=rendiff-api', READER);
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.json().message).toBe('querystring/levle: unknown parameter; GET /api/v1/search takes from, to, service, level, tags, q, size, cursor');
    expect((await get('/api/v1/slos/api-availability?step=1h&form=2026-10-07T00:00:00Z', READER)).json().message).toBe('querystring/form: unknown parameter; GET /api/v1/slos/:name takes from, to, step');
    expect((await get('/api/v1/reports?month=2026-10&lang=de', READER)).json().message).toBe('querystring/month, lang: unknown parameters; GET /api/v1/reports takes no query parameters');
    // The NDJSON stream takes the search's filters but not its paging.
    expect((await get('/api/v1/search.ndjson?size=10', READER)).json().message).toBe('querystring/size: unknown parameter; GET /api/v1/search.ndjson takes from, to, service, level, tags, q');
    expect((await get(`/api/v1/reports/2026-10.csv?api_key=${READER}`)).statusCode).toBe(200);
    expect((await get('/api/v1/search?level=error&size=5', READER)).statusCode).toBe(200);
    // The page is not an API route: a browser may bring any query (a campaign's tags, a cache buster).
    expect((await get('/?utm_source=mail')).statusCode).toBe(200);
  });
});

describe('sluice api (startApi)', () => {
  it('answers over real HTTP, limits live-tail clients, and is ready only while Elasticsearch and Kafka both answer', async () => {
    const kafka = await startKafka();
    const port = await freePort();
    const service = await startApi(loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, KAFKA_BROKERS: kafka.brokers, SLUICE_API_KEYS: READER, SLUICE_API_PORT: String(port), SLUICE_API_TAIL_MAX_CLIENTS: '1' }, { servesApi: true }), pino({ level: 'silent' }), { processMetrics: false });
    try {
      // Over real HTTP too: the key, the answers' types.
      expect((await fetch(`${service.url}/api/v1/slos`)).status).toBe(401);
      const slos = await fetch(`${service.url}/api/v1/slos`, { headers: { 'x-api-key': READER } });
      expect([slos.status, slos.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
      // One live-tail client at most: the second is closed with 1013 and the reason.
      const first = new WebSocket(`${service.url.replace('http', 'ws')}/api/v1/tail?api_key=${READER}`);
      await new Promise((resolve) => first.once('message', resolve));
      const second = new WebSocket(`${service.url.replace('http', 'ws')}/api/v1/tail?api_key=${READER}`);
      const [code, reason] = await new Promise<[number, string]>((resolve) => second.once('close', (c, r) => resolve([c, String(r)])));
      expect([code, reason]).toEqual([1013, 'too many live-tail clients (SLUICE_API_TAIL_MAX_CLIENTS=1)']);
      first.close();
      const ready = async () => (await (await fetch(`${service.url}/readyz`)).json()) as Record<string, string>;
      await waitFor(async () => (await ready()).status === 'ready', 10_000, 'ready');
      expect(await ready()).toEqual({ status: 'ready', elasticsearch: 'reachable', kafka: 'reachable' });
      await kafka.close();
      await waitFor(async () => (await ready()).kafka === 'unreachable', 15_000, 'Kafka seen gone');
      const response = await fetch(`${service.url}/readyz`);
      expect([response.status, ((await response.json()) as { status: string }).status]).toEqual([503, 'not ready']);
    } finally {
      await service.close();
      await kafka.close().catch(() => undefined);
    }
  }, 40_000);
});

describe('the service around the routes', () => {
  it('serves a valid OpenAPI document, security headers, no CORS, and its metrics', async () => {
    const document = (await app.inject('/docs/json')).json();
    await SwaggerParser.validate(structuredClone(document));
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/slos', '/api/v1/slos/{name}', '/api/v1/reports', '/api/v1/reports/{file}', '/api/v1/reports/{month}/rebuild', '/api/v1/search', '/api/v1/search.ndjson']));
    const page = await app.inject({ url: '/', headers: { origin: 'https://evil.example' } });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const metrics = await get('/metrics', READER);
    expect(metrics.payload).toMatch(/^sluice_api_requests_total\{route="\/api\/v1\/slos",status="200"\} \d+/m);
  });

  it('exports the registries it is given with its own (under sluice start: ingest\u2019s, with the metrics derived from logs)', async () => {
    const ingest = new Registry();
    new Counter({ name: 'sluice_http_requests_total', help: 'from ingest', registers: [ingest] }).inc(7);
    const { app: merged } = await buildApi(configFor(), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, processMetrics: false, registries: [ingest] });
    try {
      const payload = (await merged.inject({ url: '/metrics', headers: { 'x-api-key': READER } })).payload;
      expect(metric(payload, 'sluice_http_requests_total')).toBe(7);
      expect(payload).toContain('# TYPE sluice_api_requests_total counter');
    } finally {
      await merged.close();
    }
  });

  it('limits requests per key, and bodies by size', async () => {
    const { app: limited } = await buildApi(configFor({ SLUICE_API_RATE_LIMIT: '3' }), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, now: () => NOW, processMetrics: false });
    try {
      const codes = [];
      for (let i = 0; i < 4; i += 1) codes.push((await limited.inject({ url: '/api/v1/reports', headers: { 'x-api-key': READER } })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      // Another key has its own allowance, even one that ends like the first.
      expect((await limited.inject({ url: '/api/v1/reports', headers: { 'x-api-key': ADMIN } })).statusCode).toBe(200);
      expect((await limited.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
    const big = await app.inject({ method: 'POST', url: '/api/v1/reports/2026-10/rebuild', headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' }, payload: JSON.stringify({ reason: 'x'.repeat(70_000) }) });
    expect(big.statusCode).toBe(413);
  });
});

/** A fake socket: what a TailClient sends, and a send buffer that can be full. */
function fakeSocket() {
  const sent: unknown[] = [];
  return { sent, bufferedAmount: 0, send: (text: string) => sent.push(JSON.parse(text)) };
}

describe('the live tail', () => {
  it('a client whose socket is full misses events, counted, and is told how many once it drains', () => {
    const socket = fakeSocket();
    const client = new TailClient(socket as unknown as WebSocket, { maxBufferedBytes: 1000, maxEventsPerSecond: 1000 });
    client.offer('a', { message: 'one' }, 0);
    socket.bufferedAmount = 5000;
    for (let i = 0; i < 7; i += 1) client.offer(`b${i}`, { message: 'lost' }, 0);
    socket.bufferedAmount = 0;
    client.offer('c', { message: 'three' }, 0);
    expect(socket.sent).toEqual([
      { type: 'event', id: 'a', event: { message: 'one' } },
      { type: 'missed', count: 7 },
      { type: 'event', id: 'c', event: { message: 'three' } },
    ]);
  });

  it("a filter's text is a case-insensitive part of the fields the search's q reads", () => {
    const attack = { url: { original: '/api/v1/auth/login' }, user_agent: { original: 'sqlmap/1.8.11#stable (https://sqlmap.org)' } };
    const failure = { message: 'Upload rejected', error: { message: 'Quota exceeded for tenant acme' } };
    const found = (text: string) => [attack, failure].filter((document) => matches({ text }, document)).length;
    expect([found('auth/login'), found('SQLMAP'), found('upload'), found('quota exceeded'), found('tenant bcme'), found('401')]).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('a client is sent at most its rate per second; the rest is counted as missed', () => {
    const socket = fakeSocket();
    const client = new TailClient(socket as unknown as WebSocket, { maxBufferedBytes: 1000, maxEventsPerSecond: 3 });
    for (let i = 0; i < 5; i += 1) client.offer(`a${i}`, { message: 'first second' }, 10_000);
    client.offer('b', { message: 'next second' }, 11_000);
    expect(socket.sent.map((m) => (m as { type: string; id?: string; count?: number }).id ?? `missed ${(m as { count: number }).count}`)).toEqual(['a0', 'a1', 'a2', 'missed 2', 'b']);
  });

  it('streams what ingest indexed, filtered per client, changeable without reconnecting; a stalled client misses events while a fast one gets them all', async () => {
    const { app: live } = await buildApi(configFor(), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, processMetrics: false, tail: { pollMs: 100, maxEventsPerSecond: 100_000 } });
    const address = await live.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address.replace('http', 'ws')}/api/v1/tail`;
    try {
      const refused = new WebSocket(url);
      const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
      expect(status).toBe(401);

      const open = async (filter: Record<string, unknown>) => {
        const socket = new WebSocket(`${url}?api_key=${READER}`);
        const received: { type: string; event?: Record<string, any>; count?: number }[] = [];
        socket.on('message', (data) => received.push(JSON.parse(String(data))));
        await new Promise((resolve) => socket.once('open', resolve));
        socket.send(JSON.stringify({ type: 'filter', ...filter }));
        await waitFor(() => received.some((m) => m.type === 'filter'), 5000, 'the filter acknowledged');
        return { socket, received, events: () => received.filter((m) => m.type === 'event') };
      };
      const traefik = await open({ service: ['traefik'], tags: ['security_alert'] });
      const everything = await open({});
      const stalled = await open({});
      // Stop reading: the server's buffer for this client fills up.
      (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();

      const now = Date.now();
      const documents = Array.from({ length: 5000 }, (_, i) => ({ '@timestamp': new Date(now).toISOString(), message: `${'x'.repeat(4000)} ${i}`, service: { name: i % 2 === 0 ? 'traefik' : 'rendiff-api' }, tags: i % 10 === 0 ? ['security_alert'] : [], event: { ingested: new Date(now).toISOString(), dataset: i % 2 === 0 ? 'rendiff.traefik' : 'rendiff.api' } }));
      const operations = documents.flatMap((document) => [{ create: { _index: `logs-${document.event.dataset}-api` } }, document]);
      for (let i = 0; i < operations.length; i += 1000) await cluster.es.bulk({ refresh: true, operations: operations.slice(i, i + 1000) });

      await waitFor(() => everything.events().length >= 5000, 60_000, 'every event at the fast client');
      // Even traefik events with the tag: i % 10 === 0 → 500 of them.
      await waitFor(() => traefik.events().length >= 500, 10_000, 'the filtered events');
      expect(traefik.events().every((m) => m.event?.service.name === 'traefik' && m.event?.tags.includes('security_alert'))).toBe(true);
      expect(traefik.events()).toHaveLength(500);
      expect(everything.received.some((m) => m.type === 'missed')).toBe(false);

      (stalled.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      // A later event lets the drained client hear how many it missed.
      await cluster.es.index({ index: 'logs-rendiff.api-api', op_type: 'create', refresh: true, document: { '@timestamp': new Date().toISOString(), message: 'after the stall', service: { name: 'rendiff-api' }, event: { ingested: new Date().toISOString() } } });
      await waitFor(() => stalled.received.some((m) => m.type === 'missed'), 15_000, 'a missed notice');
      const missed = stalled.received.filter((m) => m.type === 'missed').reduce((sum, m) => sum + (m.count ?? 0), 0);
      expect(missed).toBeGreaterThan(0);
      expect(stalled.events().length + missed).toBeGreaterThanOrEqual(5000);
      // Counted as they are dropped, while the client is still connected.
      const exposition = (await live.inject({ url: '/metrics', headers: { 'x-api-key': READER } })).payload;
      expect(metric(exposition, 'sluice_api_tail_dropped_events_total')).toBeGreaterThanOrEqual(missed);
      expect(metric(exposition, 'sluice_api_tail_clients')).toBe(3);

      // One value alone is a list of one; a field the filter has not is refused, by name.
      everything.socket.send(JSON.stringify({ type: 'filter', level: 'error' }));
      await waitFor(() => everything.received.filter((m) => m.type === 'filter').length === 2, 5000, 'the second filter acknowledged');
      expect(everything.received.filter((m) => m.type === 'filter')[1]).toEqual({ type: 'filter', filter: { level: ['error'] } });
      everything.socket.send(JSON.stringify({ type: 'filter', levle: ['error'] }));
      await waitFor(() => everything.received.some((m) => m.type === 'error'), 5000, 'a refused filter');
      expect(everything.received.find((m) => m.type === 'error')).toEqual({ type: 'error', message: 'message: Unrecognized key: "levle"' });
      // An empty list would match nothing, a silent tail; a value of the wrong kind is named as such.
      everything.socket.send(JSON.stringify({ type: 'filter', service: [] }));
      everything.socket.send(JSON.stringify({ type: 'filter', level: 3, tags: ['security_alert', 7] }));
      await waitFor(() => everything.received.filter((m) => m.type === 'error').length === 3, 5000, 'two more refused filters');
      expect(everything.received.filter((m) => m.type === 'error').slice(1)).toEqual([
        { type: 'error', message: 'service: an empty list matches nothing; leave the field out to take every value' },
        { type: 'error', message: 'level: expected a string or a list of strings; tags.1: expected a string' },
      ]);
      for (const client of [traefik, everything, stalled]) client.socket.close();
    } finally {
      await live.close();
    }
  }, 150_000);

  it('tails an event indexed long after a later one: Elasticsearch stamps event.ingested when it takes the event', async () => {
    const { app: live } = await buildApi(configFor(), pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, processMetrics: false, tail: { pollMs: 100 } });
    const address = await live.listen({ host: '127.0.0.1', port: 0 });
    try {
      const socket = new WebSocket(`${address.replace('http', 'ws')}/api/v1/tail?api_key=${READER}`);
      const events: string[] = [];
      let filtered = false;
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; event?: { message?: string } };
        if (message.type === 'event') events.push(String(message.event?.message));
        filtered ||= message.type === 'filter';
      });
      await new Promise((resolve) => socket.once('open', resolve));
      // Only this test's events (the file's traffic was indexed moments ago, and is tailed too).
      socket.send(JSON.stringify({ type: 'filter', text: 'tail-late' }));
      await waitFor(() => filtered, 5000, 'the filter acknowledged');
      const write = (message: string, ingested: number) =>
        cluster.es.index({ index: 'logs-rendiff.api-api', op_type: 'create', refresh: true, document: { '@timestamp': new Date().toISOString(), message, service: { name: 'rendiff-api' }, event: { ingested: new Date(ingested).toISOString() } } });
      await write('tail-late: on time', Date.now());
      await waitFor(() => events.includes('tail-late: on time'), 10_000, 'the first event tailed');
      // A worker's bulk retried a minute late carries the worker's stamp, long behind the tail's cursor and overlap.
      await write('tail-late: a minute late', Date.now() - 60_000);
      await waitFor(() => events.includes('tail-late: a minute late'), 10_000, 'the late event tailed');
      socket.close();
    } finally {
      await live.close();
    }
  }, 30_000);
});

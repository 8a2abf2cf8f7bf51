import { Readable } from 'node:stream';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../shared/config.js';
import type { SloFile } from '../../shared/slo.js';
import { MINUTE } from '../rollup/rollups.js';
import { readMinuteSeries } from '../rollup/series.js';
import { sloStates } from '../rollup/slo-state.js';
import { monthBounds } from '../rollup/report/calendar.js';
import { generateReport } from '../rollup/report/generate.js';
import { CONTENT_TYPES, FORMATS, renderReport } from '../rollup/report/render.js';
import { issuedReport, issueReport, reportsIndex } from '../rollup/report/store.js';
import type { Authenticator } from './auth.js';
import { FREE_TEXT } from './tail.js';

/** The /api/v1 routes, each declared with its zod schemas: validation, types and the OpenAPI document from one source. */

export interface RouteContext {
  config: Config;
  /** Where these routes are mounted ('' or the demo's '/demo'): the links they give out start with it. */
  prefix: string;
  slos: SloFile;
  es: Client;
  auth: Authenticator;
  now: () => number;
}

const error = z.object({ statusCode: z.number(), error: z.string(), message: z.string() });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM, such as 2026-10');
const INSTANT = z.iso.datetime({ offset: true });
const DAY = z.iso.date();
/** An instant, or a day alone, which is its midnight in UTC (as Elasticsearch reads a date in a range, and `sluice rollup --from`). */
const instant = z
  .string()
  .refine((text) => INSTANT.safeParse(text).success || DAY.safeParse(text).success, 'expected an ISO 8601 instant or day such as 2026-11-01T00:00:00Z or 2026-11-01 (midnight UTC)')
  .describe('an ISO 8601 instant with its offset, or a day (its midnight in UTC)');

function notFound(message: string) {
  return { statusCode: 404, error: 'Not Found', message };
}

function badRequest(message: string) {
  return { statusCode: 400, error: 'Bad Request', message };
}

function sloRoutes(app: FastifyInstance, context: RouteContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const reader = context.auth.require('reader');
  api.get('/api/v1/slos', { preHandler: reader, schema: { tags: ['slos'], summary: 'Every SLO: attainment over its rolling window, budget, burn rates, status', response: { 200: z.object({ slos: z.array(z.record(z.string(), z.unknown())) }) } } }, async () => ({
    // Figures without a denominator are null in JSON (undefined would drop the key).
    slos: JSON.parse(JSON.stringify(await sloStates(context.es, context.slos, context.config.namespace, context.now()), (_key, value: unknown) => (value === undefined ? null : value))) as Record<string, unknown>[],
  }));
  api.get(
    '/api/v1/slos/:name',
    {
      preHandler: reader,
      schema: {
        tags: ['slos'],
        summary: 'One SLO\u2019s good and valid counts per minute, hour or day over [from, to) (default: the last 24 hours; at most 31 days)',
        params: z.object({ name: z.string().max(63) }),
        querystring: z.object({ from: instant.optional(), to: instant.optional(), step: z.enum(['1m', '1h', '1d']).default('1m').describe('sum the minutes into hours or days') }),
        response: { 200: z.object({ name: z.string(), from: z.string(), to: z.string(), step: z.string(), points: z.array(z.object({ at: z.string(), good: z.number(), valid: z.number() })) }), 400: error, 404: error },
      },
    },
    async (request, reply) => {
      const slo = context.slos.slos.find((candidate) => candidate.name === request.params.name);
      if (!slo) return reply.code(404).send(notFound(`no SLO named "${request.params.name}"; the SLOs are ${context.slos.slos.map((s) => s.name).join(', ')}`));
      const to = Math.floor((request.query.to ? Date.parse(request.query.to) : context.now()) / MINUTE) * MINUTE;
      const from = Math.floor((request.query.from ? Date.parse(request.query.from) : to - 86_400_000) / MINUTE) * MINUTE;
      if (from >= to) return reply.code(400).send(badRequest(`from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`));
      if (to - from > 31 * 86_400_000) return reply.code(400).send(badRequest('the range may span at most 31 days'));
      const series = await readMinuteSeries(context.es, context.config.namespace, [slo.name], from, to);
      const counts = series.slos.get(slo.name) as { good: Float64Array; valid: Float64Array };
      const step = { '1m': 1, '1h': 60, '1d': 1440 }[request.query.step];
      const points: { at: string; good: number; valid: number }[] = [];
      for (let i = 0; i < counts.valid.length; i += step) {
        let good = 0;
        let valid = 0;
        for (let m = i; m < Math.min(i + step, counts.valid.length); m += 1) {
          good += counts.good[m] as number;
          valid += counts.valid[m] as number;
        }
        points.push({ at: new Date(from + i * MINUTE).toISOString(), good, valid });
      }
      return { name: slo.name, from: new Date(from).toISOString(), to: new Date(to).toISOString(), step: request.query.step, points };
    },
  );
}

function reportRoutes(app: FastifyInstance, context: RouteContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tz = context.config.reportTimeZone;
  const ns = context.config.namespace;
  api.get(
    '/api/v1/reports',
    { preHandler: context.auth.require('reader'), schema: { tags: ['reports'], summary: 'The issued monthly reports: latest revision of each month', response: { 200: z.object({ timeZone: z.string(), reports: z.array(z.object({ month: z.string(), revision: z.number(), generatedAt: z.string(), formats: z.record(z.string(), z.string()) })) }) } } },
    async () => {
      const response = await context.es.search<{ month: string; revision: number; generated_at: string; time_zone: string }>({
        index: reportsIndex(ns),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 1000,
        _source: ['month', 'revision', 'generated_at', 'time_zone'],
        query: { term: { time_zone: tz } },
        sort: [{ month: { order: 'desc', unmapped_type: 'keyword' } }, { revision: { order: 'desc', unmapped_type: 'integer' } }],
      });
      const latest = new Map<string, { month: string; revision: number; generatedAt: string; formats: Record<string, string> }>();
      for (const hit of response.hits.hits) {
        const source = hit._source;
        if (source && !latest.has(source.month)) latest.set(source.month, { month: source.month, revision: source.revision, generatedAt: source.generated_at, formats: Object.fromEntries(FORMATS.map((f) => [f, `${context.prefix}/api/v1/reports/${source.month}.${f}`])) });
      }
      return { timeZone: tz, reports: [...latest.values()] };
    },
  );
  api.get(
    '/api/v1/reports/:file',
    {
      preHandler: context.auth.require('reader'),
      schema: {
        tags: ['reports'],
        summary: 'Download a month\u2019s report: the latest issued revision, else built live from the rollups (a finished month only)',
        params: z.object({ file: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])\.(pdf|html|csv|json)$/, 'expected YYYY-MM.pdf, .html, .csv or .json, such as 2026-10.pdf') }),
        response: { 200: z.unknown().describe('the report file, with Content-Disposition'), 404: error },
      },
    },
    async (request, reply) => {
      const [wanted, format] = request.params.file.split('.') as [string, (typeof FORMATS)[number]];
      const bounds = monthBounds(wanted, tz);
      if (context.now() < bounds.to) return reply.code(404).send(notFound(`${wanted} has not ended in ${tz} (it ends ${new Date(bounds.to).toISOString()}): there is no report yet`));
      const report = (await issuedReport(context.es, ns, wanted, tz)) ?? (await generateReport(context.es, context.slos, ns, wanted, tz, { now: context.now() }));
      const body = await renderReport(report, format);
      const name = `sluice-sla-${wanted}${report.header.issued ? `-r${report.header.revision}` : '-live'}.${format}`;
      return reply.type(CONTENT_TYPES[format]).header('content-disposition', `${format === 'html' ? 'inline' : 'attachment'}; filename="${name}"`).header('x-sluice-report-revision', String(report.header.revision)).send(body);
    },
  );
  api.post(
    '/api/v1/reports/:month/rebuild',
    {
      preHandler: context.auth.require('admin'),
      schema: {
        tags: ['reports'],
        summary: 'Issue a new revision of a finished month\u2019s report from the rollups as they are now (admin)',
        params: z.object({ month }),
        body: z.object({ reason: z.string().min(1).max(500) }).nullish(),
        response: { 201: z.object({ month: z.string(), revision: z.number(), generatedAt: z.string() }), 404: error },
      },
    },
    async (request, reply) => {
      const bounds = monthBounds(request.params.month, tz);
      if (context.now() < bounds.to) return reply.code(404).send(notFound(`${request.params.month} has not ended in ${tz}: a report is issued only for a finished month`));
      const report = (await issueReport(context.es, context.slos, ns, request.params.month, tz, request.body?.reason ?? 'rebuilt through the API', context.now())) as NonNullable<Awaited<ReturnType<typeof issueReport>>>;
      return reply.code(201).send({ month: request.params.month, revision: report.header.revision, generatedAt: report.header.generatedAt });
    },
  );
}

/**
 * A filter on a keyword field: a comma list, the parameter repeated (`service=traefik&service=rendiff-api`), or
 * both; a document with any of the values matches. Empty (an HTML form's blank field) filters nothing.
 */
function anyOf(maxLength: number) {
  return z
    .union([z.string().max(maxLength), z.array(z.string().max(maxLength)).max(20)])
    .transform((given) => [given].flat().flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean))
    .optional()
    .describe('a comma list, or the parameter repeated; a document with any of them matches');
}

const searchQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  service: anyOf(500),
  level: anyOf(200),
  tags: anyOf(500),
  q: z.string().max(500).optional().describe('words of message, error.message, url.original or user_agent.original (simple_query_string syntax over their text fields; it never fails on bad syntax)'),
  size: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(4000).optional().describe('the `next` of the previous page'),
});
type SearchQuery = z.infer<typeof searchQuery>;

/** What `q` searches: the words of the free-text fields (a keyword-like field matches only whole values). */
const FREE_TEXT_FIELDS = FREE_TEXT.map(({ words }) => words);

/** The [from, to) a search covers, as instants: resolved once, on its first page, so that its pages share it. */
interface SearchWindow {
  from: string;
  to: string;
}

/** From the parameters, else the last 24 hours to a minute past now (for clocks a little behind the shipper's); an error when empty. */
function searchWindow(query: SearchQuery, now: number): SearchWindow | { error: string } {
  const to = query.to === undefined ? now + 60_000 : Date.parse(query.to);
  const from = query.from === undefined ? now - 86_400_000 : Date.parse(query.from);
  const given = (at: number, defaulted: boolean, meaning: string) => `${new Date(at).toISOString()}${defaulted ? `, ${meaning}` : ''}`;
  if (from >= to) return { error: `from (${given(from, query.from === undefined, '24 hours before now when from is not given')}) must be before to (${given(to, query.to === undefined, 'a minute past now when to is not given')})` };
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The query a search builds from its validated parameters only: no JSON from the caller reaches Elasticsearch. */
function searchBody(query: SearchQuery, window: SearchWindow): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { '@timestamp': { gte: window.from, lt: window.to } } }];
  const terms = { 'service.name': query.service, 'log.level': query.level, tags: query.tags };
  for (const [field, values] of Object.entries(terms)) if (values !== undefined && values.length > 0) filter.push({ terms: { [field]: values } });
  const must: estypes.QueryDslQueryContainer[] = query.q ? [{ simple_query_string: { query: query.q, fields: FREE_TEXT_FIELDS, default_operator: 'and' } }] : [];
  return { bool: { filter, must } };
}

/** A page's `next`: the point in time, where the page ended, and the search's window. */
const cursorSchema = z.object({ pit: z.string(), after: z.array(z.union([z.string(), z.number(), z.null()])), from: z.string(), to: z.string() });

function decodeCursor(text: string): z.infer<typeof cursorSchema> | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function searchPage(context: RouteContext, query: SearchQuery, window: SearchWindow, pit: string, after: estypes.SortResults | undefined, size: number) {
  const response = await context.es.search<Record<string, unknown>>({ pit: { id: pit, keep_alive: '2m' }, size, query: searchBody(query, window), sort: [{ '@timestamp': 'desc' }], ...(after ? { search_after: after } : {}), track_total_hits: false });
  return { pit: response.pit_id ?? pit, hits: response.hits.hits };
}

function searchRoutes(app: FastifyInstance, context: RouteContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const index = `logs-*-${context.config.namespace}`;
  api.get(
    '/api/v1/search',
    { preHandler: context.auth.require('reader'), schema: { tags: ['search'], summary: 'Search the logs over [from, to), newest first, a page at a time (a point in time with search_after); default: the last 24 hours', querystring: searchQuery, response: { 200: z.object({ hits: z.array(z.object({ id: z.string().optional(), index: z.string(), document: z.record(z.string(), z.unknown()).optional() })), next: z.string().nullable() }), 400: error } } },
    async (request, reply) => {
      const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      if (request.query.cursor !== undefined && cursor === undefined) return reply.code(400).send(badRequest('cursor: not a cursor this API gave out'));
      const window = cursor ?? searchWindow(request.query, context.now());
      if ('error' in window) return reply.code(400).send(badRequest(window.error));
      const pit = cursor?.pit ?? (await context.es.openPointInTime({ index, keep_alive: '2m', ignore_unavailable: true })).id;
      const page = await searchPage(context, request.query, window, pit, cursor?.after as estypes.SortResults | undefined, request.query.size).catch(async (failure: unknown) => {
        if ((failure as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
        throw failure;
      });
      if (page === undefined) return reply.code(400).send(badRequest('cursor: expired (a cursor lives two minutes); start again without it'));
      const last = page.hits[page.hits.length - 1];
      const next = page.hits.length === request.query.size && last?.sort ? Buffer.from(JSON.stringify({ pit: page.pit, after: last.sort, from: window.from, to: window.to })).toString('base64url') : null;
      if (next === null) await context.es.closePointInTime({ id: page.pit }).catch(() => undefined);
      return { hits: page.hits.map((hit) => ({ id: hit._id, index: hit._index, document: hit._source })), next };
    },
  );
  api.get(
    '/api/v1/search.ndjson',
    { preHandler: context.auth.require('reader'), schema: { tags: ['search'], summary: 'The whole result as NDJSON, streamed page by page (never held in memory)', querystring: searchQuery.omit({ cursor: true, size: true }) } },
    async (request, reply) => {
      const query = { ...request.query, size: 1000 };
      const resolved = searchWindow(query, context.now());
      if ('error' in resolved) return reply.code(400).send(badRequest(resolved.error));
      const window: SearchWindow = resolved;
      const es = context.es;
      async function* lines(): AsyncGenerator<string> {
        let pit = (await es.openPointInTime({ index, keep_alive: '2m', ignore_unavailable: true })).id;
        let after: estypes.SortResults | undefined;
        try {
          for (;;) {
            const page = await searchPage(context, query, window, pit, after, 1000);
            pit = page.pit;
            if (page.hits.length > 0) yield `${page.hits.map((hit) => JSON.stringify(hit._source)).join('\n')}\n`;
            if (page.hits.length < 1000) return;
            after = page.hits[page.hits.length - 1]?.sort;
          }
        } finally {
          await es.closePointInTime({ id: pit }).catch(() => undefined);
        }
      }
      return reply.type('application/x-ndjson').send(Readable.from(lines()));
    },
  );
}

/** Query parameters any route takes: the key, for the page's download links and WebSockets (browsers give neither headers). */
const ALWAYS_TAKEN = new Set(['api_key']);

/**
 * Refuses a query parameter an /api/v1 route does not read, as Elasticsearch refuses one: dropped, a misspelt
 * filter (`levle=error`) would give an answer that looks right and is not. Checked before validation, so it
 * holds for the routes without a query schema too (the live tail, whoami). Added to a scope before its routes.
 */
export function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const route = request.routeOptions.url ?? '';
    if (!route.includes('/api/v1/')) return;
    const schema = request.routeOptions.schema?.querystring;
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const unknown = Object.keys(request.query as Record<string, unknown>).filter((name) => !ALWAYS_TAKEN.has(name) && !known.includes(name));
    if (unknown.length === 0) return;
    const takes = known.length === 0 ? 'takes no query parameters' : `takes ${known.join(', ')}`;
    return reply.code(400).send(badRequest(`querystring/${unknown.join(', ')}: unknown parameter${unknown.length === 1 ? '' : 's'}; ${request.method} ${route} ${takes}`));
  });
}

export function apiRoutes(app: FastifyInstance, context: RouteContext): void {
  sloRoutes(app, context);
  reportRoutes(app, context);
  searchRoutes(app, context);
}

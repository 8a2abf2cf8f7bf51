import { z } from 'zod';

/**
 * The monthly SLA report as JSON: the source of truth that the CSV, HTML and PDF are rendered from. The
 * published JSON Schema (docs/report.schema.json) is generated from this, and a test keeps them equal.
 * Every figure carries the counts behind it and names its window and method.
 */

const instant = z.string().describe('ISO 8601 instant, UTC');
const share = z.number().nullable().describe('a fraction (0.999 is 99.9 %); null when its denominator is 0');

const counts = z.object({ good: z.number().int(), valid: z.number().int(), attainment: share });

export const LEVELS = ['met', 'at risk', 'warning', 'critical', 'no data'] as const;

const daily = z.object({
  date: z.string().describe('YYYY-MM-DD in the report time zone'),
  good: z.number().int(),
  valid: z.number().int(),
  attainment: share,
  state: z.enum(['traffic', 'no traffic', 'no data']).describe('no traffic: data arrived but nothing was valid; no data: no event of any kind arrived that day'),
});

const sloSection = z.object({
  name: z.string(),
  displayName: z.string(),
  service: z.string(),
  description: z.string().nullable(),
  target: z.number(),
  budgetingMethod: z.enum(['Occurrences', 'Timeslices']),
  breach: z.object({ warning: z.number(), critical: z.number() }),
  month: counts.extend({ window: z.literal('calendar month'), method: z.literal('events: good / valid') }),
  rolling: counts.extend({ window: z.string().describe('the SLO\'s rolling window ending at the month\'s end, e.g. "rolling 30 days"'), from: instant, to: instant, method: z.literal('events: good / valid') }),
  timeslices: z
    .object({ sliceMinutes: z.number().int(), sliceTarget: z.number(), goodSlices: z.number().int(), countedSlices: z.number().int(), attainment: share, method: z.literal('timeslices: good slices / slices with valid events') })
    .nullable(),
  attainment: share.describe('the attainment the SLO is judged by: month events, or month timeslices'),
  met: z.boolean().nullable(),
  level: z.enum(LEVELS),
  budget: z.object({
    events: z.object({ allowed: z.number(), consumed: z.number().int(), left: z.number(), consumedShare: share, method: z.literal('events: allowed = (1 − target) × valid; consumed = valid − good') }),
    downtimeMinutes: z.object({ allowed: z.number(), consumed: z.number().int(), left: z.number(), consumedShare: share, method: z.string() }),
  }),
  uptime: z.object({
    upMinutes: z.number().int(),
    downMinutes: z.number().int(),
    quietMinutes: z.number().int().describe('data arrived, but no valid event'),
    noDataMinutes: z.number().int().describe('no event of any kind arrived'),
    maintenanceMinutes: z.number().int(),
    share: share.describe('up / (up + down)'),
    rule: z.object({ maxBadShare: z.number(), minEvents: z.number().int() }),
    method: z.string(),
  }),
  credit: z.object({ percent: z.number(), tier: z.object({ below: z.number(), credit: z.number() }).nullable(), tiers: z.array(z.object({ below: z.number(), credit: z.number() })) }).nullable(),
  daily: z.array(daily),
});

const route = z.object({ route: z.string(), requests: z.number().int(), errors: z.number().int(), errorShare: share, topStatus: z.string().nullable(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), p99Ms: z.number().nullable() });

export const reportSchema = z.object({
  schema: z.literal('sluice-sla-report/1'),
  header: z.object({
    services: z.array(z.string()),
    month: z.string().describe('YYYY-MM'),
    timeZone: z.string(),
    from: instant.describe('first instant of the month in the time zone (inclusive)'),
    to: instant.describe('first instant of the next month (exclusive)'),
    days: z.number().int(),
    hours: z.number().int().describe('743 or 745 in a month with a DST change'),
    generatedAt: instant,
    revision: z.number().int().describe('0 for a live (not issued) report, then 1, 2 … for each issued build'),
    issued: z.boolean(),
    watermark: instant.nullable().describe('the latest event time the rollups cover'),
    complete: z.boolean().describe('the month had ended when the report was generated'),
    dataCompleteness: z.object({ minutes: z.number().int(), minutesWithData: z.number().int(), share }),
  }),
  slos: z.array(sloSection),
  latency: z.object({ window: z.literal('calendar month'), method: z.string(), requests: z.number().int(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
  volume: z.object({ requests: z.number().int(), errors: z.number().int(), errorShare: share, jobsCompleted: z.number().int(), jobsFailed: z.number().int() }),
  incidents: z.array(
    z.object({
      slo: z.string(),
      start: instant,
      end: instant,
      durationMinutes: z.number().int(),
      badEvents: z.number().int(),
      validEvents: z.number().int(),
      budgetShare: share.describe('bad events / the month\'s allowed bad events'),
      worstSliceAttainment: share,
      trigger: z.string(),
      mainRoute: z.string().nullable(),
      mainError: z.string().nullable(),
      cutAtMonthStart: z.boolean(),
      cutAtMonthEnd: z.boolean(),
    }),
  ),
  topContributors: z.object({
    routesByErrors: z.array(route),
    slowestRoutes: z.array(route),
    jobErrorTypes: z.array(z.object({ errorType: z.string(), failed: z.number().int(), share })),
  }),
  recommendations: z.array(z.object({ kind: z.string(), text: z.string(), basis: z.string() })),
  coverage: z.object({
    minutes: z.number().int(),
    noDataMinutes: z.number().int(),
    gaps: z.array(z.object({ start: instant, end: instant, minutes: z.number().int() })),
    maintenance: z.array(z.object({ slo: z.string(), start: instant, end: instant, minutes: z.number().int(), reason: z.string() })),
  }),
});

export type Report = z.infer<typeof reportSchema>;
export type SloSection = Report['slos'][number];
export type Incident = Report['incidents'][number];
export type RouteRow = z.infer<typeof route>;
export type Level = (typeof LEVELS)[number];

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseTimeValue } from './time-value.js';
import { parseYamlFile, YamlFileError } from './yaml-file.js';

/** A mistake in the SLO file, one line per problem with its line number. */
export { YamlFileError as SloFileError };

/**
 * The SLO definitions (`slo.yaml`, SLUICE_SLO_FILE). Names follow OpenSLO v1 where they mean the same thing
 * (`displayName`, `service`, `budgetingMethod`, `timeWindow.duration`/`isRolling`, `objective.target`,
 * `timeSliceTarget`, `timeSliceWindow`); the indicator is a ratio of two filters over ECS fields, OpenSLO's
 * `ratioMetric` with `good` and `total` (here `valid`, as in the SRE workbook).
 */

const timeValue = (what: string, maxMs = Number.POSITIVE_INFINITY) =>
  z.string().transform((value, ctx) => {
    const ms = parseTimeValue(value);
    if (ms === undefined || ms <= 0 || ms > maxMs) {
      ctx.addIssue(`expected ${what} such as "2s", "500ms" or "30d"`);
      return z.NEVER;
    }
    return ms;
  });

const share = z.number().gt(0, 'expected a share between 0 and 1 (0.999 for 99.9 %)').lt(1, 'expected a share between 0 and 1 (0.999 for 99.9 %)');

const numberRange = z.strictObject({ gt: z.number().optional(), gte: z.number().optional(), lt: z.number().optional(), lte: z.number().optional() }).refine((r) => Object.keys(r).length > 0, 'expected at least one of gt, gte, lt, lte');

const durationRange = z
  .strictObject({ gt: timeValue('a duration').optional(), gte: timeValue('a duration').optional(), lt: timeValue('a duration').optional(), lte: timeValue('a duration').optional() })
  .refine((r) => Object.keys(r).length > 0, 'expected at least one of gt, gte, lt, lte');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export interface EventFilter {
  status?: z.infer<typeof numberRange>;
  duration?: z.infer<typeof durationRange>;
  outcome?: 'success' | 'failure' | 'unknown';
  message?: string;
  fields?: Record<string, z.infer<typeof scalar> | z.infer<typeof scalar>[]>;
  not?: EventFilter;
}

/** A filter over ECS fields; every condition given must hold. */
const eventFilter: z.ZodType<EventFilter> = z.lazy(() =>
  z.strictObject({
    /** `http.response.status_code` in a range. */
    status: numberRange.optional(),
    /** `event.duration` in a range, written as time values ("2s"). */
    duration: durationRange.optional(),
    /** `event.outcome`. */
    outcome: z.enum(['success', 'failure', 'unknown']).optional(),
    /** `message` holds this phrase. */
    message: z.string().min(1).optional(),
    /** Exact values of other fields: `{ "http.request.method": ["GET", "HEAD"] }`. */
    fields: z.record(z.string().min(1), z.union([scalar, z.array(scalar).min(1)])).optional(),
    not: eventFilter.optional(),
  }),
);

const isoInstant = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 instant with its offset, such as "2026-11-14T02:00:00Z"');

const maintenanceWindow = z
  .strictObject({ start: isoInstant, end: isoInstant, reason: z.string().min(1, 'say why the window is excluded') })
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: 'end must be after start', path: ['end'] })
  .transform((w) => ({ startMs: Date.parse(w.start), endMs: Date.parse(w.end), reason: w.reason }));

const sloSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and "-" (it names rollups and alerts)'),
    displayName: z.string().min(1).optional(),
    description: z.string().optional(),
    service: z.string().min(1),
    indicator: z.strictObject({
      /** The data stream dataset the events come from (`logs-<dataset>-<namespace>`). */
      dataset: z.string().regex(/^[a-z0-9_.]+$/, 'expected a dataset such as "rendiff.traefik"'),
      valid: eventFilter.default({}),
      good: eventFilter,
    }),
    objective: z.strictObject({
      target: share,
      /** Timeslices only: a slice is good when its good share reaches this. */
      timeSliceTarget: share.optional(),
      timeSliceWindow: timeValue('a slice length', 86_400_000).optional(),
    }),
    timeWindow: z.strictObject({ duration: timeValue('a window').default(30 * 86_400_000), isRolling: z.literal(true, 'only rolling windows: the calendar month is the report\'s').default(true) }).default({ duration: 30 * 86_400_000, isRolling: true }),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices']).default('Occurrences'),
    /** Attainment below `warning` is a warning, below `critical` critical (the seed: 99.5 % and 99 %). */
    breach: z.strictObject({ warning: share, critical: share }),
    /** A minute is down when its bad share exceeds `maxBadShare` and it had at least `minEvents` valid events. */
    uptime: z.strictObject({ maxBadShare: z.number().min(0).lt(1), minEvents: z.number().int().min(1) }).default({ maxBadShare: 0.05, minEvents: 10 }),
    maintenance: z.array(maintenanceWindow).default([]),
    /** SLA credit tiers: attainment below `below` earns `credit` % (the lowest tier that applies wins). */
    credits: z.array(z.strictObject({ below: share, credit: z.number().gt(0).max(100) })).default([]),
  })
  .superRefine((slo, ctx) => {
    if (!(slo.breach.critical < slo.breach.warning && slo.breach.warning < slo.objective.target)) {
      ctx.addIssue({ code: 'custom', path: ['breach'], message: `expected critical < warning < target (${slo.breach.critical} < ${slo.breach.warning} < ${slo.objective.target})` });
    }
    const slices = slo.budgetingMethod === 'Timeslices';
    if (slices && (slo.objective.timeSliceTarget === undefined || slo.objective.timeSliceWindow === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'budgetingMethod Timeslices needs timeSliceTarget and timeSliceWindow' });
    }
    if (!slices && (slo.objective.timeSliceTarget !== undefined || slo.objective.timeSliceWindow !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'timeSliceTarget and timeSliceWindow only apply with budgetingMethod: Timeslices' });
    }
    if (slo.objective.timeSliceWindow !== undefined && slo.objective.timeSliceWindow % 60_000 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['objective', 'timeSliceWindow'], message: 'expected whole minutes: the rollups are per minute' });
    }
  });

const fileSchema = z
  .strictObject({
    /** What the per-route rollups count: the access log of every request, and which of them are errors. */
    requests: z.strictObject({ dataset: z.string().regex(/^[a-z0-9_.]+$/), error: eventFilter.default({ status: { gte: 500 } }) }),
    /** What the per-error-type job rollups count. */
    jobs: z.strictObject({ dataset: z.string().regex(/^[a-z0-9_.]+$/), completed: eventFilter, failed: eventFilter }),
    slos: z.array(sloSchema).min(1, 'expected at least one SLO'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.slos.forEach((slo, i) => {
      if (seen.has(slo.name)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'name'], message: `"${slo.name}" is defined twice` });
      seen.add(slo.name);
    });
  });

export type SloFile = z.infer<typeof fileSchema>;
export type Slo = SloFile['slos'][number];

export function parseSloFile(text: string, file = 'slo.yaml'): SloFile {
  return parseYamlFile(fileSchema, text, file, 'SLO file');
}

export function loadSloFile(path: string): SloFile {
  return parseSloFile(readFileSync(path, 'utf8'), path);
}

/** The Elasticsearch query of a filter. */
export function filterQuery(filter: EventFilter): Record<string, unknown> {
  const must: Record<string, unknown>[] = [];
  if (filter.status) must.push({ range: { 'http.response.status_code': filter.status } });
  if (filter.duration) {
    // Time values are parsed to milliseconds; event.duration is in nanoseconds.
    const ns = Object.fromEntries(Object.entries(filter.duration).map(([op, ms]) => [op, Math.round((ms as number) * 1e6)]));
    must.push({ range: { 'event.duration': ns } });
  }
  if (filter.outcome) must.push({ term: { 'event.outcome': filter.outcome } });
  if (filter.message) must.push({ match_phrase: { message: filter.message } });
  for (const [field, value] of Object.entries(filter.fields ?? {})) must.push(Array.isArray(value) ? { terms: { [field]: value } } : { term: { [field]: value } });
  const mustNot = filter.not ? [filterQuery(filter.not)] : [];
  if (must.length === 0 && mustNot.length === 0) return { match_all: {} };
  return { bool: { filter: must, must_not: mustNot } };
}

/** A field's value by path parts, split once (when a filter is compiled, or as constants): no split per document. */
export function valueAt(document: Record<string, unknown>, parts: readonly string[]): unknown {
  let node: unknown = document;
  for (const part of parts) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

type Range = { gt?: number; gte?: number; lt?: number; lte?: number };

function inRange(value: unknown, range: Range, scale: number): boolean {
  if (typeof value !== 'number') return false;
  const v = value / scale;
  return (range.gt === undefined || v > range.gt) && (range.gte === undefined || v >= range.gte) && (range.lt === undefined || v < range.lt) && (range.lte === undefined || v <= range.lte);
}

/** The last message lower-cased: slo.yaml's filters ask for the same document's message up to four times in a row. */
let lastText = '';
let lastLower = '';

function lowerCased(text: string): string {
  if (text !== lastText) {
    lastLower = text.toLowerCase();
    lastText = text;
  }
  return lastLower;
}

/**
 * A phrase as Elasticsearch's standard analyzer matches it, closely enough: the message, lower-cased and split
 * on anything not a letter or digit, holds the phrase's words in a row. Compiled into one expression over the
 * lower-cased message, each word a whole token and the words separated by anything else, which answers the
 * same as splitting the message into words at a sixth of the cost. A phrase with no words matches nothing, as
 * in Elasticsearch (`zero_terms_query: none`).
 */
function phraseMatcher(phrase: string): (text: string) => boolean {
  const words = phrase.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return () => false;
  // Words hold only letters and digits: nothing in them is special to an expression.
  const expression = new RegExp(`(?<![\\p{L}\\p{N}])${words.join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`, 'u');
  return (text) => expression.test(lowerCased(text));
}

type Predicate = (document: Record<string, unknown>) => boolean;

/**
 * The same filter evaluated on one document in memory, as `filterQuery` has Elasticsearch evaluate it: the
 * metrics derived from logs count SLO events at ingest with it, so it is compiled once (paths split, the
 * phrase analysed) and runs per document. A test holds the two to the same answers.
 */
export function filterPredicate(filter: EventFilter): Predicate {
  const checks: Predicate[] = [];
  const range = (path: string, bounds: Range | undefined, scale = 1) => {
    if (bounds === undefined) return;
    const parts = path.split('.');
    checks.push((document) => inRange(valueAt(document, parts), bounds, scale));
  };
  range('http.response.status_code', filter.status);
  range('event.duration', filter.duration, 1e6);
  if (filter.outcome !== undefined) {
    const outcome = filter.outcome;
    checks.push((document) => valueAt(document, ['event', 'outcome']) === outcome);
  }
  if (filter.message !== undefined) {
    const matches = phraseMatcher(filter.message);
    checks.push((document) => {
      const message = valueAt(document, ['message']);
      return typeof message === 'string' && matches(message);
    });
  }
  for (const [path, wanted] of Object.entries(filter.fields ?? {})) {
    const parts = path.split('.');
    const accepted = new Set<unknown>(Array.isArray(wanted) ? wanted : [wanted]);
    checks.push((document) => {
      const value = valueAt(document, parts);
      return (Array.isArray(value) ? value : [value]).some((v) => accepted.has(v));
    });
  }
  if (filter.not !== undefined) {
    const excluded = filterPredicate(filter.not);
    checks.push((document) => !excluded(document));
  }
  // No closure made per call: the metrics derived from logs ask several filters of every document.
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0] as Predicate;
  return (document) => {
    for (const check of checks) if (!check(document)) return false;
    return true;
  };
}

import { bucketValueMs, histogramCount, percentilesMs, type LatencyHistogram } from '../../../shared/latency-histogram.js';
import type { Slo, SloFile } from '../../../shared/slo.js';
import { MINUTE } from '../rollups.js';
import type { MinuteSeries, RouteTotals, SloMinutes } from '../series.js';
import { budgetAmount, budgetOf, excludeMaintenance, maintenanceMask, sums, timeslices } from '../slo-state.js';
import type { MonthBounds } from './calendar.js';
import type { Incident, Level, Report, RouteRow, SloSection } from './model.js';
import { recommend } from './recommend.js';

/**
 * SLO state → the monthly report, as a pure function of the rollups it is given (plus two lookups for the
 * routes and error types behind each incident). docs/slo.md defines every figure.
 */

export interface ReportInput {
  file: SloFile;
  bounds: MonthBounds;
  /** Minute series from `seriesFrom` (at or before the month's start, so rolling windows fit) to the month's end. */
  series: MinuteSeries;
  /** The month's route totals. */
  routes: Map<string, RouteTotals>;
  /** Route totals of a shorter range (an incident's). */
  routesBetween: (from: number, to: number) => Promise<Map<string, RouteTotals>>;
  generatedAt: number;
  revision: number;
}

/** An incident is a run of 5-minute slices (aligned to the month's start) below the critical level or burning faster than this. */
export const INCIDENT_SLICE_MINUTES = 5;
export const INCIDENT_BURN_RATE = 14.4;
const TOP = 10;

const iso = (at: number) => new Date(at).toISOString();

function subSeries(series: SloMinutes, first: number, end: number): SloMinutes {
  return { good: series.good.slice(first, end), valid: series.valid.slice(first, end) };
}

function levelOf(slo: Slo, attainment: number | null): Level {
  if (attainment === null) return 'no data';
  if (attainment >= slo.objective.target) return 'met';
  if (attainment >= slo.breach.warning) return 'at risk';
  if (attainment >= slo.breach.critical) return 'warning';
  return 'critical';
}

function creditOf(slo: Slo, attainment: number | null): SloSection['credit'] {
  if (slo.credits.length === 0) return null;
  const tiers = [...slo.credits].sort((a, b) => a.below - b.below);
  const tier = attainment === null ? undefined : tiers.find((t) => attainment < t.below);
  return { percent: tier?.credit ?? 0, tier: tier ?? null, tiers };
}

function uptimeOf(slo: Slo, month: SloMinutes, events: Float64Array, excluded: Uint8Array): SloSection['uptime'] {
  let up = 0;
  let down = 0;
  let quiet = 0;
  let noData = 0;
  let maintenance = 0;
  for (let m = 0; m < month.valid.length; m += 1) {
    const valid = month.valid[m] as number;
    if (excluded[m] === 1) maintenance += 1;
    else if (valid > 0) {
      const bad = (valid - (month.good[m] as number)) / valid;
      if (valid >= slo.uptime.minEvents && bad > slo.uptime.maxBadShare) down += 1;
      else up += 1;
    } else if ((events[m] as number) === 0) noData += 1;
    else quiet += 1;
  }
  return {
    upMinutes: up,
    downMinutes: down,
    quietMinutes: quiet,
    noDataMinutes: noData,
    maintenanceMinutes: maintenance,
    share: up + down > 0 ? up / (up + down) : null,
    rule: slo.uptime,
    method: `minutes: a minute is down when more than ${slo.uptime.maxBadShare * 100} % of its valid events were bad and it had at least ${slo.uptime.minEvents}; minutes without valid events are quiet or without data, never up`,
  };
}

function dailyOf(bounds: MonthBounds, month: SloMinutes, events: Float64Array): SloSection['daily'] {
  return bounds.days.map((day) => {
    const first = (day.from - bounds.from) / MINUTE;
    const end = (day.to - bounds.from) / MINUTE;
    const total = sums(month, first, end);
    let anyData = false;
    for (let m = first; m < end && !anyData; m += 1) anyData = (events[m] as number) > 0;
    return { date: day.date, good: total.good, valid: total.valid, attainment: total.valid > 0 ? total.good / total.valid : null, state: total.valid > 0 ? 'traffic' : anyData ? 'no traffic' : 'no data' };
  });
}

interface SloWork {
  slo: Slo;
  section: SloSection;
  month: SloMinutes;
}

function sloSection(input: ReportInput, slo: Slo, offset: number, monthMinutes: number, events: Float64Array): SloWork {
  const { bounds, series } = input;
  const all = series.slos.get(slo.name) as SloMinutes;
  const month = subSeries(all, offset, offset + monthMinutes);
  const excluded = maintenanceMask(month.valid.length, bounds.from, slo.maintenance);
  excludeMaintenance(month, bounds.from, slo.maintenance);
  const total = sums(month);
  const budget = budgetOf(total.good, total.valid, slo.objective.target);
  const rollingMinutes = slo.timeWindow.duration / MINUTE;
  const rollingFrom = bounds.to - slo.timeWindow.duration;
  const rollingSeries = subSeries(all, offset + monthMinutes - rollingMinutes, offset + monthMinutes);
  excludeMaintenance(rollingSeries, rollingFrom, slo.maintenance);
  const rolling = sums(rollingSeries);
  const slices = slo.budgetingMethod === 'Timeslices' ? timeslices(month, (slo.objective.timeSliceWindow as number) / MINUTE, slo.objective.timeSliceTarget as number) : undefined;
  const eventAttainment = budget.attainment ?? null;
  const attainment = slices ? (slices.attainment ?? null) : eventAttainment;
  const uptime = uptimeOf(slo, month, events, excluded);
  const allowedMinutes = budgetAmount((1 - slo.objective.target) * (monthMinutes - uptime.maintenanceMinutes));
  const section: SloSection = {
    name: slo.name,
    displayName: slo.displayName ?? slo.name,
    service: slo.service,
    description: slo.description ?? null,
    target: slo.objective.target,
    budgetingMethod: slo.budgetingMethod,
    breach: slo.breach,
    month: { good: total.good, valid: total.valid, attainment: eventAttainment, window: 'calendar month', method: 'events: good / valid' },
    rolling: { good: rolling.good, valid: rolling.valid, attainment: rolling.valid > 0 ? rolling.good / rolling.valid : null, window: `rolling ${slo.timeWindow.duration / 86_400_000} days`, from: iso(rollingFrom), to: iso(bounds.to), method: 'events: good / valid' },
    timeslices: slices
      ? { sliceMinutes: (slo.objective.timeSliceWindow as number) / MINUTE, sliceTarget: slo.objective.timeSliceTarget as number, goodSlices: slices.good, countedSlices: slices.counted, attainment: slices.attainment ?? null, method: 'timeslices: good slices / slices with valid events' }
      : null,
    attainment,
    met: attainment === null ? null : attainment >= slo.objective.target,
    level: levelOf(slo, attainment),
    budget: {
      events: { allowed: budget.allowed, consumed: budget.consumed, left: budget.left, consumedShare: budget.consumedShare ?? null, method: 'events: allowed = (1 − target) × valid; consumed = valid − good' },
      downtimeMinutes: {
        allowed: allowedMinutes,
        consumed: uptime.downMinutes,
        left: budgetAmount(allowedMinutes - uptime.downMinutes),
        consumedShare: allowedMinutes > 0 ? uptime.downMinutes / allowedMinutes : null,
        method: 'minutes: allowed = (1 − target) × minutes of the month outside maintenance; consumed = down minutes (see uptime)',
      },
    },
    uptime,
    credit: creditOf(slo, attainment),
    daily: dailyOf(bounds, month, events),
  };
  return { slo, section, month };
}

function slowThresholdMs(slo: Slo): number | undefined {
  return slo.indicator.good.duration?.lte ?? slo.indicator.good.duration?.lt;
}

function slowCount(histogram: LatencyHistogram, thresholdMs: number): number {
  let slow = 0;
  for (const [bucket, count] of histogram) if (bucketValueMs(bucket) > thresholdMs) slow += count;
  return slow;
}

function topEntry<T>(entries: Iterable<T>, score: (entry: T) => number): T | undefined {
  let best: T | undefined;
  for (const entry of entries) if (score(entry) > 0 && (best === undefined || score(entry) > score(best))) best = entry;
  return best;
}

/** What lay behind an incident: the route with most errors (or slow requests) and its commonest status, or the commonest job error type. */
async function causeOf(input: ReportInput, work: SloWork, start: number, end: number, offset: number): Promise<{ mainRoute: string | null; mainError: string | null }> {
  const { file, series } = input;
  const dataset = work.slo.indicator.dataset;
  if (dataset === file.requests.dataset) {
    const routes = await input.routesBetween(start, end);
    const threshold = slowThresholdMs(work.slo);
    if (threshold !== undefined) {
      const route = topEntry(routes.values(), (r) => slowCount(r.latency, threshold));
      return { mainRoute: route?.route ?? null, mainError: route ? `slower than ${threshold} ms` : null };
    }
    const route = topEntry(routes.values(), (r) => r.errors);
    const status = route ? topEntry(route.byStatus.entries(), ([, count]) => count) : undefined;
    return { mainRoute: route?.route ?? null, mainError: status ? `HTTP ${status[0]}` : null };
  }
  if (dataset === file.jobs.dataset) {
    const first = offset + (start - input.bounds.from) / MINUTE;
    const last = offset + (end - input.bounds.from) / MINUTE;
    const top = topEntry(jobTotalsOf(series, first, last), (job) => job.failed);
    return { mainRoute: null, mainError: top ? `job error ${top.type}` : null };
  }
  return { mainRoute: null, mainError: null };
}

/**
 * Runs of 5-minute slices (with at least the SLO's `uptime.minEvents` valid events) whose attainment fell
 * below the critical level or whose burn rate exceeded 14.4, merged when adjacent, trimmed to the first and last minute with bad events, and cut at the month's bounds.
 */
async function incidentsOf(input: ReportInput, work: SloWork, offset: number): Promise<Incident[]> {
  const { slo, month, section } = work;
  const { bounds } = input;
  const target = slo.objective.target;
  const runs: { first: number; end: number; worst: number; trigger: string }[] = [];
  for (let first = 0; first < month.valid.length; first += INCIDENT_SLICE_MINUTES) {
    const slice = sums(month, first, first + INCIDENT_SLICE_MINUTES);
    // A slice of a handful of events is noise, not an incident: the same floor as a down minute's.
    if (slice.valid < slo.uptime.minEvents) continue;
    const attainment = slice.good / slice.valid;
    const burn = (1 - attainment) / (1 - target);
    if (!(attainment < slo.breach.critical || burn > INCIDENT_BURN_RATE)) continue;
    const trigger = attainment < slo.breach.critical ? `5-minute attainment below the critical level ${slo.breach.critical * 100} %` : `5-minute burn rate above ${INCIDENT_BURN_RATE}`;
    const last = runs[runs.length - 1];
    if (last && last.end === first) {
      last.end = first + INCIDENT_SLICE_MINUTES;
      last.worst = Math.min(last.worst, attainment);
    } else runs.push({ first, end: Math.min(month.valid.length, first + INCIDENT_SLICE_MINUTES), worst: attainment, trigger });
  }
  const incidents: Incident[] = [];
  const allowed = section.budget.events.allowed;
  for (const run of runs) {
    let first = run.first;
    let end = Math.min(run.end, month.valid.length);
    while (first < end && month.valid[first] === month.good[first]) first += 1;
    while (end > first && month.valid[end - 1] === month.good[end - 1]) end -= 1;
    const total = sums(month, first, end);
    const start = bounds.from + first * MINUTE;
    const stop = bounds.from + end * MINUTE;
    const bad = total.valid - total.good;
    incidents.push({
      slo: slo.name,
      start: iso(start),
      end: iso(stop),
      durationMinutes: end - first,
      badEvents: bad,
      validEvents: total.valid,
      budgetShare: allowed > 0 ? bad / allowed : null,
      worstSliceAttainment: run.worst,
      trigger: run.trigger,
      ...(await causeOf(input, work, start, stop, offset)),
      cutAtMonthStart: first === 0 && previousSliceBad(input, slo, offset),
      cutAtMonthEnd: end === month.valid.length,
    });
  }
  return incidents;
}

/** Whether the 5 minutes before the month's start, when the series holds them, were bad too. */
function previousSliceBad(input: ReportInput, slo: Slo, offset: number): boolean {
  if (offset < INCIDENT_SLICE_MINUTES) return false;
  const before = sums(input.series.slos.get(slo.name) as SloMinutes, offset - INCIDENT_SLICE_MINUTES, offset);
  if (before.valid < slo.uptime.minEvents) return false;
  const attainment = before.good / before.valid;
  return attainment < slo.breach.critical || (1 - attainment) / (1 - slo.objective.target) > INCIDENT_BURN_RATE;
}

function routeRow(totals: RouteTotals): RouteRow {
  const [p50, p95, p99] = percentilesMs(totals.latency, [0.5, 0.95, 0.99]);
  const status = topEntry(totals.byStatus.entries(), ([, count]) => count);
  return { route: totals.route, requests: totals.requests, errors: totals.errors, errorShare: totals.requests > 0 ? totals.errors / totals.requests : null, topStatus: status ? status[0] : null, p50Ms: p50 ?? null, p95Ms: p95 ?? null, p99Ms: p99 ?? null };
}

function gapsOf(bounds: MonthBounds, events: Float64Array): Report['coverage']['gaps'] {
  const gaps: Report['coverage']['gaps'] = [];
  let start = -1;
  for (let m = 0; m <= events.length; m += 1) {
    const empty = m < events.length && events[m] === 0;
    if (empty && start < 0) start = m;
    if (!empty && start >= 0) {
      gaps.push({ start: iso(bounds.from + start * MINUTE), end: iso(bounds.from + m * MINUTE), minutes: m - start });
      start = -1;
    }
  }
  return gaps;
}

function latencyOf(routes: Map<string, RouteTotals>): Report['latency'] {
  const overall: LatencyHistogram = new Map();
  for (const route of routes.values()) for (const [bucket, count] of route.latency) overall.set(bucket, (overall.get(bucket) ?? 0) + count);
  const [p50, p95, p99] = percentilesMs(overall, [0.5, 0.95, 0.99]);
  return { window: 'calendar month', method: 'nearest rank over fixed log-scale buckets (γ = 1.02): within 1 % of the exact value', requests: histogramCount(overall), p50Ms: p50 ?? null, p95Ms: p95 ?? null, p99Ms: p99 ?? null };
}

interface JobTotal {
  type: string;
  completed: number;
  failed: number;
}

function jobTotalsOf(series: MinuteSeries, first: number, end: number): JobTotal[] {
  const total = (values: Float64Array) => values.slice(first, end).reduce((a, b) => a + b, 0);
  return [...series.jobs].map(([type, outcomes]) => ({ type, completed: total(outcomes.completed), failed: total(outcomes.failed) }));
}

function contributorsOf(rows: RouteRow[], jobs: JobTotal[]): Report['topContributors'] {
  const failed = jobs.reduce((sum, j) => sum + j.failed, 0);
  return {
    routesByErrors: rows.filter((row) => row.errors > 0).sort((a, b) => b.errors - a.errors || a.route.localeCompare(b.route)).slice(0, TOP),
    slowestRoutes: rows.filter((row) => row.p95Ms !== null).sort((a, b) => (b.p95Ms as number) - (a.p95Ms as number) || b.requests - a.requests).slice(0, TOP),
    jobErrorTypes: jobs
      .filter((j) => j.failed > 0)
      .sort((a, b) => b.failed - a.failed || a.type.localeCompare(b.type))
      .slice(0, TOP)
      .map((j) => ({ errorType: j.type, failed: j.failed, share: failed > 0 ? j.failed / failed : null })),
  };
}

function maintenanceOf(file: SloFile, bounds: MonthBounds): Report['coverage']['maintenance'] {
  return file.slos.flatMap((slo) =>
    slo.maintenance
      .filter((w) => w.endMs > bounds.from && w.startMs < bounds.to)
      .map((w) => {
        const start = Math.max(w.startMs, bounds.from);
        const end = Math.min(w.endMs, bounds.to);
        return { slo: slo.name, start: iso(start), end: iso(end), minutes: Math.ceil((end - bounds.from) / MINUTE) - Math.ceil((start - bounds.from) / MINUTE), reason: w.reason };
      }),
  );
}

function headerOf(input: ReportInput, events: Float64Array): Report['header'] {
  const { bounds, series, file } = input;
  const minutes = events.length;
  const withData = events.reduce((n, e) => n + (e > 0 ? 1 : 0), 0);
  const watermark = series.watermark !== undefined && series.watermark >= bounds.from ? series.watermark : undefined;
  return {
    services: [...new Set(file.slos.map((slo) => slo.service))],
    month: bounds.month,
    timeZone: bounds.timeZone,
    from: iso(bounds.from),
    to: iso(bounds.to),
    days: bounds.days.length,
    hours: Math.round((bounds.to - bounds.from) / 3_600_000),
    generatedAt: iso(input.generatedAt),
    revision: input.revision,
    issued: input.revision > 0,
    watermark: watermark === undefined ? null : iso(watermark),
    complete: input.generatedAt >= bounds.to,
    dataCompleteness: { minutes, minutesWithData: withData, share: minutes > 0 ? withData / minutes : null },
  };
}

export async function buildReport(input: ReportInput): Promise<Report> {
  const { bounds, series, file } = input;
  const offset = Math.round((bounds.from - series.from) / MINUTE);
  const monthMinutes = Math.round((bounds.to - bounds.from) / MINUTE);
  const events = series.events.slice(offset, offset + monthMinutes);
  const works = file.slos.map((slo) => sloSection(input, slo, offset, monthMinutes, events));
  const incidents = (await Promise.all(works.map((work) => incidentsOf(input, work, offset)))).flat().sort((a, b) => a.start.localeCompare(b.start));
  const rows = [...input.routes.values()].map(routeRow);
  const requests = rows.reduce((sum, row) => sum + row.requests, 0);
  const errors = rows.reduce((sum, row) => sum + row.errors, 0);
  const jobs = jobTotalsOf(series, offset, offset + monthMinutes);
  const header = headerOf(input, events);
  const report: Report = {
    schema: 'sluice-sla-report/1',
    header,
    slos: works.map((work) => work.section),
    latency: latencyOf(input.routes),
    volume: { requests, errors, errorShare: requests > 0 ? errors / requests : null, jobsCompleted: jobs.reduce((sum, j) => sum + j.completed, 0), jobsFailed: jobs.reduce((sum, j) => sum + j.failed, 0) },
    incidents,
    topContributors: contributorsOf(rows, jobs),
    recommendations: [],
    coverage: { minutes: monthMinutes, noDataMinutes: monthMinutes - header.dataCompleteness.minutesWithData, gaps: gapsOf(bounds, events), maintenance: maintenanceOf(file, bounds) },
  };
  report.recommendations = recommend(report, file);
  return report;
}

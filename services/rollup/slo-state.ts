import type { Client } from '@elastic/elasticsearch';
import type { Slo, SloFile } from '../../shared/slo.js';
import { MINUTE } from './rollups.js';
import { readMinuteSeries, type SloMinutes } from './series.js';

/**
 * Series → SLO state: attainment, error budget and burn rates, from per-minute good and valid counts. Ratios
 * are always sums of good over sums of valid (never averages of ratios).
 */

export interface Budget {
  good: number;
  valid: number;
  /** good / valid; undefined when nothing was valid (no traffic is not 100 %). */
  attainment: number | undefined;
  /** Bad events the target allows: (1 − target) × valid. */
  allowed: number;
  consumed: number;
  /** allowed − consumed; negative once the budget is overspent. */
  left: number;
  /** consumed / allowed; undefined when nothing was allowed. */
  consumedShare: number | undefined;
}

/**
 * An amount of budget to nine decimal places. A target is a decimal, 0.999, whose 1 − target is not one in binary:
 * (1 − 0.999) × 336 714 is 336.7140000000003, and reports and the API showed such figures to people who read them.
 */
export function budgetAmount(value: number): number {
  return Number(value.toFixed(9));
}

export function budgetOf(good: number, valid: number, target: number): Budget {
  const allowed = budgetAmount((1 - target) * valid);
  const consumed = valid - good;
  return { good, valid, attainment: valid > 0 ? good / valid : undefined, allowed, consumed, left: budgetAmount(allowed - consumed), consumedShare: allowed > 0 ? consumed / allowed : undefined };
}

/** The minutes of a series starting at `from` that start inside a maintenance window, as [first, end) ranges. */
function maintenanceRanges(length: number, from: number, windows: Slo['maintenance']): Array<[number, number]> {
  return windows.map((window) => [Math.max(0, Math.ceil((window.startMs - from) / MINUTE)), Math.min(length, Math.ceil((window.endMs - from) / MINUTE))]);
}

/** Minutes that start inside a maintenance window are excluded from good and valid. */
export function excludeMaintenance(series: SloMinutes, from: number, windows: Slo['maintenance']): void {
  for (const [first, end] of maintenanceRanges(series.valid.length, from, windows)) {
    for (let i = first; i < end; i += 1) {
      series.good[i] = 0;
      series.valid[i] = 0;
    }
  }
}

/**
 * Which minutes of a series start inside a maintenance window (1), for the report's chart. A typed array: a
 * list of 43 200 booleans for a 30-day window, made with Array.from, was most of an SLO status request.
 */
export function maintenanceMask(length: number, from: number, windows: Slo['maintenance']): Uint8Array {
  const marked = new Uint8Array(length);
  for (const [first, end] of maintenanceRanges(length, from, windows)) marked.fill(1, first, Math.max(first, end));
  return marked;
}

export function sums(series: SloMinutes, first = 0, end = series.valid.length): { good: number; valid: number } {
  let good = 0;
  let valid = 0;
  for (let i = Math.max(0, first); i < Math.min(end, series.valid.length); i += 1) {
    good += series.good[i] as number;
    valid += series.valid[i] as number;
  }
  return { good, valid };
}

/** Burn rate: the bad share over a window divided by the share the target allows (1 = spending exactly on budget). */
export function burnRate(good: number, valid: number, target: number): number | undefined {
  return valid > 0 ? (valid - good) / valid / (1 - target) : undefined;
}

/** The SRE workbook's multi-window, multi-burn-rate pairs (chapter 5, "Alerting on SLOs"), long window first. */
export const BURN_WINDOWS = [
  { long: 60, short: 5, threshold: 14.4, severity: 'critical' },
  { long: 360, short: 30, threshold: 6, severity: 'critical' },
  { long: 1440, short: 120, threshold: 3, severity: 'warning' },
  { long: 4320, short: 360, threshold: 1, severity: 'warning' },
] as const;

export type Level = 'ok' | 'warning' | 'critical';

export interface TimesliceResult {
  good: number;
  counted: number;
  attainment: number | undefined;
}

/** Timeslices budgeting: a slice is good when its good share reaches the slice target; slices without valid events are not counted. */
export function timeslices(series: SloMinutes, sliceMinutes: number, sliceTarget: number): TimesliceResult {
  let good = 0;
  let counted = 0;
  for (let start = 0; start < series.valid.length; start += sliceMinutes) {
    const slice = sums(series, start, start + sliceMinutes);
    if (slice.valid === 0) continue;
    counted += 1;
    if (slice.good / slice.valid >= sliceTarget) good += 1;
  }
  return { good, counted, attainment: counted > 0 ? good / counted : undefined };
}

export interface SloState {
  name: string;
  displayName: string;
  service: string;
  target: number;
  budgetingMethod: Slo['budgetingMethod'];
  window: { from: string; to: string; days: number };
  budget: Budget;
  timeslices: TimesliceResult | undefined;
  /** The attainment the SLO is judged by: event-based, or the share of good slices. */
  attainment: number | undefined;
  burnRates: { long: string; short: string; threshold: number; severity: Level; longRate: number | undefined; shortRate: number | undefined; firing: boolean }[];
  /**
   * Whether the attainment reaches the target over the window; undefined without data. Apart from the status: an SLO
   * can miss its target, its budget spent, above the warning level and with no burn rate firing (an old outage).
   */
  met: boolean | undefined;
  /** `no_data` when the window holds no valid event (Elastic's SLOs say NO_DATA): neither met nor breached. */
  status: Level | 'no_data';
  /** Why the status is what it is, in words. */
  reasons: string[];
}

export function attainmentLevel(slo: Slo, attainment: number): Level {
  if (attainment < slo.breach.critical) return 'critical';
  if (attainment < slo.breach.warning) return 'warning';
  return 'ok';
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

const minutesText = (m: number) => (m % 1440 === 0 ? `${m / 1440}d` : m % 60 === 0 ? `${m / 60}h` : `${m}m`);

/** The state of one SLO over the minutes of `series`, which end at the evaluation time. */
export function evaluateSlo(slo: Slo, series: SloMinutes, from: number, to: number): SloState {
  const minutes = series.valid.length;
  const total = sums(series);
  const budget = budgetOf(total.good, total.valid, slo.objective.target);
  const slices = slo.budgetingMethod === 'Timeslices' ? timeslices(series, (slo.objective.timeSliceWindow as number) / MINUTE, slo.objective.timeSliceTarget as number) : undefined;
  const attainment = slices ? slices.attainment : budget.attainment;
  const burnRates = BURN_WINDOWS.map((pair) => {
    const long = sums(series, minutes - pair.long);
    const short = sums(series, minutes - pair.short);
    const longRate = burnRate(long.good, long.valid, slo.objective.target);
    const shortRate = burnRate(short.good, short.valid, slo.objective.target);
    const firing = longRate !== undefined && shortRate !== undefined && longRate > pair.threshold && shortRate > pair.threshold;
    return { long: minutesText(pair.long), short: minutesText(pair.short), threshold: pair.threshold, severity: pair.severity as Level, longRate, shortRate, firing };
  });
  const reasons: string[] = [];
  if (attainment === undefined) reasons.push(`no valid event in the last ${minutesText(minutes)}`);
  let status: SloState['status'] = attainment === undefined ? 'no_data' : attainmentLevel(slo, attainment);
  const met = attainment === undefined ? undefined : attainment >= slo.objective.target;
  if (status === 'warning' || status === 'critical') reasons.push(`attainment ${formatShare(attainment)} is below the ${status} level ${formatShare(status === 'critical' ? slo.breach.critical : slo.breach.warning)}`);
  else if (met === false) reasons.push(`target missed: attainment ${formatShare(attainment)} is below the target ${formatShare(slo.objective.target)}, above the warning level ${formatShare(slo.breach.warning)}`);
  for (const rate of burnRates.filter((r) => r.firing)) {
    reasons.push(`burn rate ${rate.longRate?.toFixed(1)} over ${rate.long} and ${rate.shortRate?.toFixed(1)} over ${rate.short} exceed ${rate.threshold}`);
    if (status === 'no_data' || RANK[rate.severity] > RANK[status]) status = rate.severity;
  }
  return {
    name: slo.name,
    displayName: slo.displayName ?? slo.name,
    service: slo.service,
    target: slo.objective.target,
    budgetingMethod: slo.budgetingMethod,
    window: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), days: (to - from) / 86_400_000 },
    budget,
    timeslices: slices,
    attainment,
    burnRates,
    met,
    status,
    reasons,
  };
}

export function formatShare(share: number | undefined, digits = 3): string {
  return share === undefined ? 'n/a' : `${(share * 100).toFixed(digits)} %`;
}

/**
 * The current state of every SLO over its rolling window ending at `now` (the last whole minute), from the
 * rollups in Elasticsearch. The library function the API and the alerting use.
 */
export async function sloStates(es: Client, file: SloFile, namespace: string, now: number = Date.now()): Promise<SloState[]> {
  const to = Math.floor(now / MINUTE) * MINUTE;
  const longest = Math.max(...file.slos.map((slo) => slo.timeWindow.duration), 3 * 86_400_000);
  const series = await readMinuteSeries(es, namespace, file.slos.map((slo) => slo.name), to - longest, to);
  return file.slos.map((slo) => {
    const all = series.slos.get(slo.name) as SloMinutes;
    const start = all.valid.length - Math.round(slo.timeWindow.duration / MINUTE);
    const own = { good: all.good.slice(start), valid: all.valid.slice(start) };
    const from = to - slo.timeWindow.duration;
    excludeMaintenance(own, from, slo.maintenance);
    return evaluateSlo(slo, own, from, to);
  });
}

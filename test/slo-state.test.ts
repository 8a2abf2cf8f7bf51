import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketValueMs, latencyBucket, percentilesMs, type LatencyHistogram } from '../shared/latency-histogram.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile, type Slo } from '../shared/slo.js';
import { monthBounds, previousMonth, startOfLocalDay } from '../services/rollup/report/calendar.js';
import { budgetOf, evaluateSlo, timeslices } from '../services/rollup/slo-state.js';

const file = loadSloFile(join(packageRoot, 'slo.yaml'));
const availability = file.slos[0] as Slo;
const iso = (at: number) => new Date(at).toISOString();

describe('calendar months in a time zone', () => {
  it.each([
    ['2026-02', 28, 672, '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2028-02', 29, 696, '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['2026-11', 30, 720, '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12', 31, 744, '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ])('%s in UTC has %i days, %i hours, [%s, %s)', (month, days, hours, from, to) => {
    const bounds = monthBounds(month, 'UTC');
    expect([bounds.days.length, (bounds.to - bounds.from) / 3_600_000, iso(bounds.from), iso(bounds.to)]).toEqual([days, hours, from, to]);
  });

  it('a DST month in Europe/Berlin has 743 hours (March) or 745 (October), and its short or long day', () => {
    const march = monthBounds('2026-03', 'Europe/Berlin');
    expect([iso(march.from), iso(march.to), (march.to - march.from) / 3_600_000]).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 743]);
    const day29 = march.days[28]!;
    expect([day29.date, iso(day29.from), (day29.to - day29.from) / 3_600_000]).toEqual(['2026-03-29', '2026-03-28T23:00:00.000Z', 23]);
    const october = monthBounds('2026-10', 'Europe/Berlin');
    expect([iso(october.from), iso(october.to), (october.to - october.from) / 3_600_000]).toEqual(['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', 745]);
    expect((october.days[24]!.to - october.days[24]!.from) / 3_600_000).toBe(25);
  });

  it('other zones: New York ends DST on 1 November 2026 (721 hours), Kolkata is +05:30', () => {
    const ny = monthBounds('2026-11', 'America/New_York');
    expect([iso(ny.from), iso(ny.to), (ny.to - ny.from) / 3_600_000]).toEqual(['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z', 721]);
    expect(iso(monthBounds('2026-11', 'Asia/Kolkata').from)).toBe('2026-10-31T18:30:00.000Z');
  });

  it('a day whose midnight does not exist starts at its first instant (Havana springs forward at 00:00)', () => {
    // Cuba: 8 March 2026, 00:00 CST (−05:00) becomes 01:00 CDT (−04:00).
    expect(iso(startOfLocalDay(2026, 3, 8, 'America/Havana'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(startOfLocalDay(2026, 3, 9, 'America/Havana'))).toBe('2026-03-09T04:00:00.000Z');
  });

  it('the previous month of an instant, in the zone', () => {
    expect(previousMonth(Date.parse('2026-12-01T00:30:00Z'), 'UTC')).toBe('2026-11');
    // 23:30 UTC on 31 December is already 1 January in Berlin.
    expect(previousMonth(Date.parse('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12');
    expect(previousMonth(Date.parse('2027-01-15T00:00:00Z'), 'UTC')).toBe('2026-12');
  });
});

describe('latency histogram', () => {
  it('gives percentiles within 1 % of the exact nearest-rank value on a known distribution', () => {
    // 20 000 durations from 0.3 ms to about 60 s, log-uniform with repeats: every 7th value twice.
    const values: number[] = [];
    for (let k = 0; k < 20_000; k += 1) {
      const msValue = 0.3 * Math.exp((k / 20_000) * Math.log(200_000));
      values.push(msValue);
      if (k % 7 === 0) values.push(msValue);
    }
    const histogram: LatencyHistogram = new Map();
    for (const v of values) histogram.set(latencyBucket(v * 1e6), (histogram.get(latencyBucket(v * 1e6)) ?? 0) + 1);
    const sorted = [...values].sort((a, b) => a - b);
    const quantiles = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
    const estimated = percentilesMs(histogram, quantiles);
    quantiles.forEach((q, i) => {
      const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
      expect(Math.abs((estimated[i] as number) - exact) / exact, `q=${q}`).toBeLessThan(0.01);
    });
  });

  it('puts a zero duration in the lowest bucket, and every bucket value inside its bucket', () => {
    expect(latencyBucket(0)).toBe(latencyBucket(1));
    for (const ms of [0.002, 1, 99.9, 2000, 2000.0001, 45_000]) {
      const bucket = latencyBucket(ms * 1e6);
      expect(Math.abs(bucketValueMs(bucket) - ms) / ms).toBeLessThan(0.01);
    }
    // 2 s exactly is in the bucket that ends at or above 2 s, never in a bucket wholly above it.
    expect(1.02 ** (latencyBucket(2e9) - 1)).toBeLessThan(2000);
  });
});

function minutes(count: number, valid: number, bad: (minute: number) => number) {
  const good = new Float64Array(count);
  const all = new Float64Array(count);
  for (let m = 0; m < count; m += 1) {
    all[m] = valid;
    good[m] = valid - bad(m);
  }
  return { good, valid: all };
}

describe('error budget and burn rates', () => {
  it('budget: allowed (1 − target) × valid, consumed valid − good, left may go negative', () => {
    const budget = budgetOf(2100, 2400, 0.999);
    expect(budget).toMatchObject({ good: 2100, valid: 2400, attainment: 0.875, consumed: 300 });
    expect(budget.allowed).toBeCloseTo(2.4, 9);
    expect(budget.left).toBeCloseTo(-297.6, 9);
    expect(budget.consumedShare).toBeCloseTo(125, 9);
    expect(budgetOf(0, 0, 0.999).attainment).toBeUndefined();
  });

  it('budget amounts are the decimals people work out, without binary artefacts of 1 − target', () => {
    // (1 − 0.999) × 336 714 is 336.7140000000003 in floating point, (1 − 0.95) × 336 714 is 16 835.700000000015.
    expect([budgetOf(336_033, 336_714, 0.999).allowed, budgetOf(336_033, 336_714, 0.999).left]).toEqual([336.714, -344.286]);
    expect([budgetOf(336_033, 336_714, 0.95).allowed, budgetOf(336_033, 336_714, 0.95).left]).toEqual([16_835.7, 16_154.7]);
    expect(JSON.stringify(budgetOf(2, 3, 0.99999))).toContain('"allowed":0.00003,');
  });

  it('the SRE workbook pairs: 2 % errors in the last hour of three days at 99.9 % page (burn 20 over 1 h and 5 m), nothing else fires', () => {
    // 3 days of 100 requests a minute; the last 60 minutes have 2 bad each.
    const series = minutes(4320, 100, (m) => (m >= 4260 ? 2 : 0));
    const to = Date.parse('2026-11-20T00:00:00Z');
    const state = evaluateSlo(availability, series, to - 3 * 86_400_000, to);
    const rates = Object.fromEntries(state.burnRates.map((r) => [`${r.long}/${r.short}`, [Number(r.longRate?.toFixed(4)), Number(r.shortRate?.toFixed(4)), r.firing]]));
    expect(rates).toEqual({ '1h/5m': [20, 20, true], '6h/30m': [3.3333, 20, false], '1d/2h': [0.8333, 10, false], '3d/6h': [0.2778, 3.3333, false] });
    // 120 bad of 432 000: attainment 99.972 %, above the warning level, yet critical by burn rate.
    expect(state.budget).toMatchObject({ valid: 432_000, consumed: 120 });
    expect(state.budget.allowed).toBeCloseTo(432, 9);
    expect(state.status).toBe('critical');
    expect(state.reasons).toEqual(['burn rate 20.0 over 1h and 20.0 over 5m exceed 14.4']);
  });

  it('a target missed above the warning level, no burn rate firing: ok, yet not met, and the reason says so', () => {
    // 30 days of 10 requests a minute; one hour twenty days ago failed whole: 600 bad of 432 000, 99.861 %.
    const series = minutes(43_200, 10, (m) => (m >= 14_400 && m < 14_460 ? 10 : 0));
    const to = Date.parse('2026-11-20T00:00:00Z');
    const state = evaluateSlo(availability, series, to - 30 * 86_400_000, to);
    expect([state.status, state.met, state.budget.consumedShare]).toEqual(['ok', false, 600 / 432]);
    expect(state.reasons).toEqual(['target missed: attainment 99.861 % is below the target 99.900 %, above the warning level 99.500 %']);
    const clean = evaluateSlo(availability, minutes(43_200, 10, () => 0), to - 30 * 86_400_000, to);
    expect([clean.status, clean.met, clean.reasons]).toEqual(['ok', true, []]);
  });

  it('a slow burn only warns: 0.15 % errors for three days is burn 1.5 over 3 d and 6 h', () => {
    const series = minutes(4320, 2000, () => 3);
    const to = Date.parse('2026-11-20T00:00:00Z');
    const state = evaluateSlo(availability, series, to - 3 * 86_400_000, to);
    expect(state.burnRates.map((r) => r.firing)).toEqual([false, false, false, true]);
    expect(state.status).toBe('warning');
  });

  it('timeslices: a slice is good at its target; slices without traffic are not counted', () => {
    // Four 5-minute slices: clean; 10 % bad; no traffic; 4 % bad (good at 95 %).
    const series = minutes(20, 100, (m) => (m < 5 ? 0 : m < 10 ? 10 : m < 15 ? 0 : 4));
    for (let m = 10; m < 15; m += 1) series.valid[m] = series.good[m] = 0;
    expect(timeslices(series, 5, 0.95)).toEqual({ good: 2, counted: 3, attainment: 2 / 3 });
  });
});

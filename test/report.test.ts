import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile, type SloFile } from '../shared/slo.js';
import { monthBounds, monthsOverlapping } from '../services/rollup/report/calendar.js';
import { generateReport } from '../services/rollup/report/generate.js';
import { reportSchema, type Report } from '../services/rollup/report/model.js';
import { renderCsv, renderHtml } from '../services/rollup/report/render.js';
import { issuedReport, issueReport } from '../services/rollup/report/store.js';
import { rollupIndexPattern, rollupRange } from '../services/rollup/rollups.js';
import { readMinuteSeries } from '../services/rollup/series.js';
import { sloStates } from '../services/rollup/slo-state.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { ingestLines, installTemplates, jobLine, steadyTraffic, traefikLine, workerLine, type Line } from './support/rollups.js';

/**
 * Monthly reports from logs that went through the real pipeline into the Elasticsearch emulator, rolled up
 * and read back. Every expected figure is worked out by hand in the comments from the traffic written here.
 */

const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));
const T = (text: string) => Date.parse(text);
const DAY = 86_400_000;

let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
beforeAll(async () => {
  cluster = await startElasticsearch();
  await installTemplates(cluster.es);
});
afterAll(async () => cluster.stop());

/** Ingests the lines into their own namespace and rolls up the month and the 31 days before it. */
async function prepare(namespace: string, lines: readonly Line[], month: string, timeZone = 'UTC'): Promise<void> {
  await ingestLines(cluster.es, lines, namespace);
  const bounds = monthBounds(month, timeZone);
  await rollupRange(cluster.es, SLOS, namespace, bounds.from - 31 * DAY, bounds.to + DAY);
}

async function report(namespace: string, month: string, options: { timeZone?: string; file?: SloFile; now?: number } = {}): Promise<Report> {
  const built = await generateReport(cluster.es, options.file ?? SLOS, namespace, month, options.timeZone ?? 'UTC', { now: options.now ?? T('2027-01-15T00:00:00Z') });
  return reportSchema.parse(built);
}

const slo = (r: Report, name: string) => r.slos.find((s) => s.name === name)!;

// 10:00 to 12:00 on 10 November, 20 requests a minute (2 400); from 10:32 to 10:47 every request of
// /api/v1/convert fails with 503 after 3 s (15 minutes × 20 = 300); the rest is /api/v1/jobs, 200, 100 ms.
const OUTAGE_START = T('2026-11-10T10:32:00Z');
const OUTAGE_END = T('2026-11-10T10:47:00Z');
const outageTraffic = () =>
  steadyTraffic(T('2026-11-10T10:00:00Z'), T('2026-11-10T12:00:00Z'), 20, (at) => (at >= OUTAGE_START && at < OUTAGE_END ? { status: 503, ms: 3000, path: '/api/v1/convert', method: 'POST' } : { status: 200, ms: 100, path: '/api/v1/jobs' }));

describe('a month with an outage of known length and known request counts', () => {
  let r: Report;
  beforeAll(async () => {
    await prepare('outage', outageTraffic(), '2026-11');
    r = await report('outage', '2026-11');
  });

  it('availability: 2 100 good of 2 400, budget 2.4 allowed, 300 consumed, critical', () => {
    const a = slo(r, 'api-availability');
    expect(a.month).toMatchObject({ good: 2100, valid: 2400, attainment: 0.875, window: 'calendar month' });
    expect([a.met, a.level, a.attainment]).toEqual([false, 'critical', 0.875]);
    expect(a.budget.events.allowed).toBe(2.4);
    expect(a.budget.events.consumed).toBe(300);
    expect(a.budget.events.left).toBe(-297.6);
    expect(a.budget.events.consumedShare).toBeCloseTo(125, 9);
    // 30 days × 1 440 minutes × 0.1 % = 43.2 minutes allowed; 15 minutes were down.
    expect(a.budget.downtimeMinutes.allowed).toBe(43.2);
    expect(a.budget.downtimeMinutes.consumed).toBe(15);
    expect(a.budget.downtimeMinutes.left).toBe(28.2);
    expect(a.uptime).toMatchObject({ upMinutes: 105, downMinutes: 15, quietMinutes: 0, noDataMinutes: 43_200 - 120, maintenanceMinutes: 0, share: 105 / 120 });
    // Below the lowest tier (95 %): 100 % credit.
    expect(a.credit).toMatchObject({ percent: 100, tier: { below: 0.95, credit: 100 } });
  });

  it('latency: the 300 slow requests miss the 2 s threshold too; percentiles within 1 %', () => {
    expect(slo(r, 'api-latency').month).toMatchObject({ good: 2100, valid: 2400 });
    expect(r.latency.requests).toBe(2400);
    // 87.5 % took 100 ms, 12.5 % took 3 s: p50 is 100 ms, p95 and p99 are 3 s.
    expect(Math.abs((r.latency.p50Ms as number) - 100) / 100).toBeLessThan(0.01);
    expect(Math.abs((r.latency.p95Ms as number) - 3000) / 3000).toBeLessThan(0.01);
    expect(Math.abs((r.latency.p99Ms as number) - 3000) / 3000).toBeLessThan(0.01);
    expect(r.volume).toMatchObject({ requests: 2400, errors: 300, errorShare: 0.125 });
  });

  it('one incident per SLO: 10:32 to 10:47, 300 bad requests, the failing route and its status', () => {
    expect(r.incidents.map((i) => [i.slo, i.start, i.end, i.durationMinutes, i.badEvents, i.validEvents, i.mainRoute, i.mainError])).toEqual([
      ['api-availability', '2026-11-10T10:32:00.000Z', '2026-11-10T10:47:00.000Z', 15, 300, 300, '/api/v1/convert', 'HTTP 503'],
      ['api-latency', '2026-11-10T10:32:00.000Z', '2026-11-10T10:47:00.000Z', 15, 300, 300, '/api/v1/convert', 'slower than 2000 ms'],
    ]);
    // 300 bad of 2.4 allowed: 125 times the month's budget.
    expect(r.incidents[0]!.budgetShare).toBeCloseTo(125, 9);
    expect([r.incidents[0]!.cutAtMonthStart, r.incidents[0]!.cutAtMonthEnd]).toEqual([false, false]);
  });

  it('daily series, top contributors, coverage and the recommendations that follow', () => {
    const daily = slo(r, 'api-availability').daily;
    expect(daily).toHaveLength(30);
    expect(daily[9]).toEqual({ date: '2026-11-10', good: 2100, valid: 2400, attainment: 0.875, state: 'traffic' });
    expect(daily[0]).toEqual({ date: '2026-11-01', good: 0, valid: 0, attainment: null, state: 'no data' });
    expect(r.topContributors.routesByErrors).toEqual([expect.objectContaining({ route: '/api/v1/convert', errors: 300, requests: 300, errorShare: 1, topStatus: '503' })]);
    expect(r.topContributors.slowestRoutes.map((row) => row.route)).toEqual(['/api/v1/convert', '/api/v1/jobs']);
    // 9 days and 10 hours of nothing before the traffic, then the 29 520 minutes after it.
    expect(r.coverage.gaps).toEqual([
      { start: '2026-11-01T00:00:00.000Z', end: '2026-11-10T10:00:00.000Z', minutes: 13_560 },
      { start: '2026-11-10T12:00:00.000Z', end: '2026-12-01T00:00:00.000Z', minutes: 29_520 },
    ]);
    expect(r.header.dataCompleteness).toEqual({ minutes: 43_200, minutesWithData: 120, share: 120 / 43_200 });
    expect(r.header.watermark).toBe('2026-11-10T11:59:57.000Z');
    expect(r.recommendations.map((rec) => rec.kind)).toEqual(['freeze', 'freeze', 'postmortem', 'postmortem', 'route-errors', 'route-latency', 'coverage']);
    expect(r.recommendations[0]!.basis).toBe('api-availability: budget consumed 12500.0 % (300 bad events of 2.4 allowed in 2026-11)');
    expect(renderCsv(r).split('\r\n')).toContain('2026-11,UTC,2026-11-10,api-availability,0.999,2100,2400,0.875,traffic');
  });

  it('the HTML (and the PDF, from the same outline) shows the 25 incidents that burned most; the JSON keeps all', () => {
    const many: Report = structuredClone(r);
    many.incidents = Array.from({ length: 30 }, (_, k) => ({ ...r.incidents[0]!, start: new Date(T('2026-11-11T00:00:00Z') + k * 3_600_000).toISOString(), budgetShare: k }));
    const html = renderHtml(many);
    expect(html).toContain('The 25 incidents that burned most budget of 30; the JSON report lists every one.');
    expect(html.match(/<tr><td>api-availability<\/td>/g)).toHaveLength(25);
    // The five that burned least (shares 0 to 4) are the first five hours: 00:00 to 04:00 are not shown.
    expect(html).not.toContain('2026-11-11 04:00 UTC');
    expect(html).toContain('2026-11-11 05:00 UTC');
  });

  it('a maintenance window is excluded from good and valid, with its reason', async () => {
    // 10:30 to 10:50 excluded: 400 requests, 300 of them bad. Left: 2 000 good of 2 000.
    const file: SloFile = structuredClone(SLOS);
    file.slos[0]!.maintenance = [{ startMs: T('2026-11-10T10:30:00Z'), endMs: T('2026-11-10T10:50:00Z'), reason: 'database upgrade' }];
    const m = await report('outage', '2026-11', { file });
    const a = slo(m, 'api-availability');
    expect(a.month).toMatchObject({ good: 2000, valid: 2000, attainment: 1 });
    expect([a.level, a.uptime.maintenanceMinutes, a.uptime.downMinutes]).toEqual(['met', 20, 0]);
    expect(m.coverage.maintenance).toEqual([{ slo: 'api-availability', start: '2026-11-10T10:30:00.000Z', end: '2026-11-10T10:50:00.000Z', minutes: 20, reason: 'database upgrade' }]);
    expect(m.incidents.map((i) => i.slo)).toEqual(['api-latency']);
  });

  it('issued reports are frozen: the same numbers after the rollups are gone; a rebuild records a revision', async () => {
    const now = T('2026-12-01T02:00:00Z');
    const first = await issueReport(cluster.es, SLOS, 'outage', '2026-11', 'UTC', 'first issue', now);
    expect([first.header.revision, first.header.issued]).toEqual([1, true]);
    await cluster.es.indices.delete({ index: rollupIndexPattern('outage') });
    await cluster.es.indices.deleteDataStream({ name: 'logs-*-outage' });
    const stored = await issuedReport(cluster.es, 'outage', '2026-11', 'UTC');
    expect(stored).toEqual(first);
    expect(slo(stored as Report, 'api-availability').month.valid).toBe(2400);
    const second = await issueReport(cluster.es, SLOS, 'outage', '2026-11', 'UTC', 'rebuilt after the rollups were lost', now + 1000);
    expect([second.header.revision, slo(second, 'api-availability').month.valid]).toEqual([2, 0]);
    expect((await issuedReport(cluster.es, 'outage', '2026-11', 'UTC'))?.header.revision).toBe(2);
    // A month that has not ended is never issued.
    await expect(issueReport(cluster.es, SLOS, 'outage', '2026-12', 'UTC', 'too early', now)).rejects.toThrow('2026-12 has not ended in UTC');
  });
});

describe('quiet minutes and data gaps are told apart, and neither is 100 %', () => {
  it('requests on 2 November, only worker logs on the 3rd, nothing on the 4th', async () => {
    const lines: Line[] = [...steadyTraffic(T('2026-11-02T00:00:00Z'), T('2026-11-02T01:00:00Z'), 10, () => ({ status: 200, ms: 50 }))];
    for (let m = 0; m < 60; m += 1) lines.push({ topic: 'logs-worker', line: workerLine(T('2026-11-03T00:00:00Z') + m * 60_000) });
    await prepare('quiet', lines, '2026-11');
    const r = await report('quiet', '2026-11');
    const a = slo(r, 'api-availability');
    expect(a.daily.slice(1, 4)).toEqual([
      { date: '2026-11-02', good: 600, valid: 600, attainment: 1, state: 'traffic' },
      { date: '2026-11-03', good: 0, valid: 0, attainment: null, state: 'no traffic' },
      { date: '2026-11-04', good: 0, valid: 0, attainment: null, state: 'no data' },
    ]);
    expect(a.uptime).toMatchObject({ upMinutes: 60, downMinutes: 0, quietMinutes: 60, noDataMinutes: 43_200 - 120 });
    // No job at all: no attainment, and not "met".
    const jobs = slo(r, 'job-success');
    expect([jobs.attainment, jobs.met, jobs.level, jobs.uptime.share]).toEqual([null, null, 'no data', null]);
  });
});

describe('late events, recomputation and several rollup workers', () => {
  it('a late event is absorbed by the next run; recomputing (twice, concurrently) gives the same report', async () => {
    const minute = T('2026-11-05T08:00:00Z');
    await ingestLines(cluster.es, Array.from({ length: 10 }, (_, i) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: minute + i * 1000, status: 200, ms: 20 }) })), 'late');
    await rollupRange(cluster.es, SLOS, 'late', minute, minute + 3_600_000);
    const count = async () => (await cluster.es.count({ index: rollupIndexPattern('late') })).count;
    const before = await count();
    // Five more for the same minute arrive after the first run, three of them failures.
    await ingestLines(cluster.es, Array.from({ length: 5 }, (_, i) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: minute + 30_000 + i, status: i < 3 ? 500 : 200, ms: 20 }) })), 'late');
    await rollupRange(cluster.es, SLOS, 'late', minute, minute + 3_600_000);
    const series = await readMinuteSeries(cluster.es, 'late', ['api-availability'], minute, minute + 60_000);
    expect([series.slos.get('api-availability')!.good[0], series.slos.get('api-availability')!.valid[0]]).toEqual([12, 15]);
    expect(await count()).toBe(before);
    const once = await report('late', '2026-11');
    await Promise.all([rollupRange(cluster.es, SLOS, 'late', minute - DAY, minute + DAY), rollupRange(cluster.es, SLOS, 'late', minute - DAY, minute + DAY)]);
    expect(await count()).toBe(before);
    expect(await report('late', '2026-11')).toEqual(once);
    expect(slo(once, 'api-availability').month).toMatchObject({ good: 12, valid: 15 });
  });
});

describe('the month boundary', () => {
  it('an event at 00:00:00.000 of the 1st belongs to the new month, one a millisecond earlier to the old', async () => {
    await prepare(
      'edge',
      [
        { topic: 'logs-traefik', line: traefikLine({ at: T('2026-10-31T23:59:59.999Z'), status: 500, ms: 10 }) },
        { topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-01T00:00:00.000Z'), status: 200, ms: 10 }) },
        { topic: 'logs-traefik', line: traefikLine({ at: T('2026-11-30T23:59:59.999Z'), status: 200, ms: 10 }) },
        { topic: 'logs-traefik', line: traefikLine({ at: T('2026-12-01T00:00:00.000Z'), status: 500, ms: 10 }) },
      ],
      '2026-11',
    );
    await rollupRange(cluster.es, SLOS, 'edge', T('2026-12-01T00:00:00Z'), T('2027-01-02T00:00:00Z'));
    const [october, november, december] = await Promise.all(['2026-10', '2026-11', '2026-12'].map((month) => report('edge', month)));
    expect(slo(october!, 'api-availability').month).toMatchObject({ good: 0, valid: 1 });
    expect(slo(november!, 'api-availability').month).toMatchObject({ good: 2, valid: 2 });
    expect(slo(december!, 'api-availability').month).toMatchObject({ good: 0, valid: 1 });
    // November has 30 days: its rolling 30 days are the month itself. December's rolling 30 days start on
    // 2 December and miss the event of the 1st; the report names both windows.
    expect(slo(november!, 'api-availability').rolling).toMatchObject({ good: 2, valid: 2, window: 'rolling 30 days', from: '2026-11-01T00:00:00.000Z' });
    expect(slo(december!, 'api-availability').rolling).toMatchObject({ good: 0, valid: 0, from: '2026-12-02T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
  });
});

describe('the months a range overlaps (what a recompute names)', () => {
  it('in UTC and in a zone ahead of it, the end exclusive, across a year', () => {
    expect(monthsOverlapping(T('2026-09-30T00:00:00Z'), T('2026-10-02T00:00:00Z'), 'UTC')).toEqual(['2026-09', '2026-10']);
    expect(monthsOverlapping(T('2026-09-30T00:00:00Z'), T('2026-10-01T00:00:00Z'), 'UTC')).toEqual(['2026-09']);
    expect(monthsOverlapping(T('2026-11-15T00:00:00Z'), T('2027-02-01T00:00:00Z'), 'UTC')).toEqual(['2026-11', '2026-12', '2027-01']);
    // 12:00 UTC on 30 September is 01:00 on 1 October in Auckland (UTC+13 from 27 September).
    expect(monthsOverlapping(T('2026-09-30T12:00:00Z'), T('2026-10-01T00:00:00Z'), 'Pacific/Auckland')).toEqual(['2026-10']);
  });
});

describe('an outage across the month boundary', () => {
  it('is split in two incidents, each marked where it was cut', async () => {
    // 20 failing requests a minute from 31 October 23:50 to 1 November 00:10 (UTC): 200 on each side.
    await prepare('split', steadyTraffic(T('2026-10-31T23:50:00Z'), T('2026-11-01T00:10:00Z'), 20, () => ({ status: 500, ms: 10 })), '2026-11');
    const [october, november] = await Promise.all([report('split', '2026-10'), report('split', '2026-11')]);
    const pick = (r: Report) => r.incidents.filter((i) => i.slo === 'api-availability').map((i) => [i.start, i.end, i.badEvents, i.cutAtMonthStart, i.cutAtMonthEnd]);
    expect(pick(october)).toEqual([['2026-10-31T23:50:00.000Z', '2026-11-01T00:00:00.000Z', 200, false, true]]);
    expect(pick(november)).toEqual([['2026-11-01T00:00:00.000Z', '2026-11-01T00:10:00.000Z', 200, true, false]]);
  });
});

describe('the SLO state library (what the API and the alerts use)', () => {
  it('rolling attainment, budget and burn rates from the rollups in Elasticsearch', async () => {
    // 20 November 11:00 to 12:00, 100 requests a minute; the last five minutes half of them fail: 250 bad of 6 000.
    await prepare('state', steadyTraffic(T('2026-11-20T11:00:00Z'), T('2026-11-20T12:00:00Z'), 100, (at, i) => ({ status: at >= T('2026-11-20T11:55:00Z') && i % 2 === 0 ? 503 : 200, ms: 10 })), '2026-11');
    const [availability] = await sloStates(cluster.es, SLOS, 'state', T('2026-11-20T12:00:30Z'));
    expect(availability?.budget).toMatchObject({ good: 5750, valid: 6000, consumed: 250 });
    expect(availability?.window).toEqual({ from: '2026-10-21T12:00:00.000Z', to: '2026-11-20T12:00:00.000Z', days: 30 });
    // 1 h: 250 / 6 000 = 4.17 % bad, burn 41.7; 5 min: 250 / 500 = 50 %, burn 500. Attainment 95.8 % is below 99 %.
    const fast = availability?.burnRates[0];
    expect([fast?.long, fast?.short, Number(fast?.longRate?.toFixed(2)), Number(fast?.shortRate?.toFixed(2)), fast?.firing]).toEqual(['1h', '5m', 41.67, 500, true]);
    expect(availability?.status).toBe('critical');
    expect(availability?.reasons[0]).toBe('attainment 95.833 % is below the critical level 99.000 %');
  });
});

describe('a report in a non-UTC zone across a DST change', () => {
  it('March 2026 in Berlin: 743 hours, local days, the hour that does not exist', async () => {
    await prepare(
      'dst',
      [
        ['2026-02-28T23:30:00Z', 200], // 1 March 00:30 CET: day 1
        ['2026-03-28T23:30:00Z', 200], // 29 March 00:30 CET: day 29, not 28
        ['2026-03-29T21:30:00Z', 502], // 29 March 23:30 CEST: day 29
        ['2026-03-31T21:59:00Z', 200], // 31 March 23:59 CEST: day 31
        ['2026-03-31T22:00:00Z', 502], // 1 April 00:00 CEST: next month
      ].map(([at, status]) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: T(at as string), status: status as number, ms: 10 }) })),
      '2026-03',
      'Europe/Berlin',
    );
    const r = await report('dst', '2026-03', { timeZone: 'Europe/Berlin' });
    expect([r.header.days, r.header.hours, r.header.from, r.header.to, r.header.timeZone]).toEqual([31, 743, '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 'Europe/Berlin']);
    const a = slo(r, 'api-availability');
    const valid = Object.fromEntries(a.daily.filter((d) => d.valid > 0).map((d) => [d.date, [d.good, d.valid]]));
    expect(valid).toEqual({ '2026-03-01': [1, 1], '2026-03-29': [1, 2], '2026-03-31': [1, 1] });
    expect(a.month).toMatchObject({ good: 3, valid: 4 });
    // 743 hours × 60 × 0.1 % = 44.58 minutes of downtime allowed.
    expect(a.budget.downtimeMinutes.allowed).toBeCloseTo(44.58, 9);
  });
});

describe('tiny months', () => {
  it('three requests in February 2026: 2 of 3, no incident (too few events), no down minute', async () => {
    await prepare('tiny', [0, 1, 2].map((m) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: T('2026-02-14T12:00:00Z') + m * 60_000, status: m === 1 ? 502 : 200, ms: 80 }) })), '2026-02');
    const r = await report('tiny', '2026-02');
    const a = slo(r, 'api-availability');
    expect([r.header.days, r.header.hours]).toEqual([28, 672]);
    expect(a.month).toMatchObject({ good: 2, valid: 3 });
    expect(a.level).toBe('critical');
    expect(a.budget.events.allowed).toBeCloseTo(0.003, 12);
    expect(a.budget.downtimeMinutes.allowed).toBeCloseTo(40.32, 9);
    expect(a.uptime).toMatchObject({ upMinutes: 3, downMinutes: 0 });
    expect(r.incidents).toEqual([]);
  });

  it('one request a day in February 2028 (29 days)', async () => {
    await prepare('leap', Array.from({ length: 29 }, (_, d) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: T('2028-02-01T12:00:00Z') + d * DAY, status: 200, ms: 30 }) })), '2028-02');
    const r = await report('leap', '2028-02');
    const a = slo(r, 'api-availability');
    expect([r.header.days, r.header.hours, a.daily.length, a.daily.every((d) => d.valid === 1)]).toEqual([29, 696, 29, true]);
    expect(renderCsv(r).trimEnd().split('\r\n')).toHaveLength(1 + 29 * 3);
  });
});

describe('jobs', () => {
  it('40 completed and 10 failed jobs (6 codec, 4 timeout): 80 %, the error types, a recommendation', async () => {
    const lines: Line[] = [];
    for (let i = 0; i < 50; i += 1) lines.push({ topic: 'logs-app', line: jobLine(T('2026-11-12T09:00:00Z') + i * 60_000, i >= 10, i < 6 ? 'codec' : 'timeout') });
    await prepare('jobs', lines, '2026-11');
    const r = await report('jobs', '2026-11');
    expect(slo(r, 'job-success').month).toMatchObject({ good: 40, valid: 50, attainment: 0.8 });
    expect(r.volume).toMatchObject({ jobsCompleted: 40, jobsFailed: 10 });
    expect(r.topContributors.jobErrorTypes).toEqual([
      { errorType: 'codec', failed: 6, share: 0.6 },
      { errorType: 'timeout', failed: 4, share: 0.4 },
    ]);
    expect(r.recommendations.find((rec) => rec.kind === 'job-errors')?.basis).toBe('6 of 10 failed jobs (60.0 %)');
    // The ten failures are the first ten minutes (one job a minute): one incident, its commonest error type;
    // 10 bad of 2.5 allowed (5 % of 50) is four times the month's budget.
    const incidents = r.incidents.filter((i) => i.slo === 'job-success');
    expect(incidents.map((i) => [i.start, i.end, i.badEvents, i.validEvents, i.mainRoute, i.mainError])).toEqual([['2026-11-12T09:00:00.000Z', '2026-11-12T09:10:00.000Z', 10, 10, null, 'job error codec']]);
    expect(incidents[0]!.budgetShare).toBeCloseTo(4, 9);
  });
});

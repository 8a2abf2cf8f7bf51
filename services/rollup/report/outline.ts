import { attainmentChart, volumeChart, type Chart } from './charts.js';
import { localTime } from './calendar.js';
import { amount, count, ms, percent, ratio } from './format.js';
import type { Report, SloSection } from './model.js';

/**
 * The report as a sequence of blocks (headings, paragraphs, tables, charts) that the HTML and the PDF both
 * render, so the two always hold the same figures in the same order.
 */

export type Block =
  | { type: 'title'; text: string }
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'table'; head: string[]; rows: string[][]; align?: ('left' | 'right')[] }
  | { type: 'chart'; chart: Chart };

const LEVEL_TEXT: Record<SloSection['level'], string> = { met: 'MET', 'at risk': 'AT RISK (missed, above warning)', warning: 'WARNING', critical: 'CRITICAL', 'no data': 'NO DATA' };

function header(report: Report): Block[] {
  const h = report.header;
  const tz = h.timeZone;
  return [
    { type: 'title', text: `SLA report ${h.month}: ${h.services.join(', ')}` },
    {
      type: 'table',
      head: ['', ''],
      rows: [
        ['Month', `${localTime(Date.parse(h.from), tz)} to ${localTime(Date.parse(h.to), tz)} (exclusive), ${h.days} days, ${h.hours} hours`],
        ['Time zone', tz],
        ['Generated at', `${h.generatedAt}${h.issued ? `, issued revision ${h.revision}` : ', live (not issued)'}`],
        ['Data watermark', h.watermark ?? 'no data'],
        ['Data completeness', `${percent(h.dataCompleteness.share, 2)} (${count(h.dataCompleteness.minutesWithData)} of ${count(h.dataCompleteness.minutes)} minutes had data)`],
      ],
    },
  ];
}

function summary(report: Report): Block[] {
  return [
    { type: 'heading', text: 'Service level objectives' },
    {
      type: 'table',
      head: ['SLO', 'Target', 'Attainment (calendar month)', 'Good / valid', 'Level', 'Budget consumed', 'SLA credit'],
      rows: report.slos.map((s) => [s.displayName, percent(s.target, 2), `${percent(s.attainment)}${s.timeslices ? ' (timeslices)' : ''}`, ratio(s.month.good, s.month.valid), LEVEL_TEXT[s.level], percent(s.budget.events.consumedShare, 1), s.credit ? `${s.credit.percent} %` : 'none configured']),
      align: ['left', 'right', 'right', 'right', 'left', 'right', 'right'],
    },
  ];
}

function sloBlocks(s: SloSection): Block[] {
  const e = s.budget.events;
  const d = s.budget.downtimeMinutes;
  const u = s.uptime;
  const rows = [
    ['Attainment, calendar month (events)', `${percent(s.month.attainment)} = ${ratio(s.month.good, s.month.valid)}`],
    [`Attainment, ${s.rolling.window} to month end (events)`, `${percent(s.rolling.attainment)} = ${ratio(s.rolling.good, s.rolling.valid)}`],
    ...(s.timeslices ? [[`Attainment, calendar month (timeslices of ${s.timeslices.sliceMinutes} min at ${percent(s.timeslices.sliceTarget, 2)})`, `${percent(s.timeslices.attainment)} = ${s.timeslices.goodSlices} / ${s.timeslices.countedSlices} slices`]] : []),
    ['Uptime, calendar month (good minutes)', `${percent(u.share)} = ${count(u.upMinutes)} up / ${count(u.upMinutes + u.downMinutes)} minutes with traffic`],
    ['Minutes without valid events', `${count(u.quietMinutes)} quiet, ${count(u.noDataMinutes)} without any data, ${count(u.maintenanceMinutes)} in maintenance`],
    ['Error budget (events)', `allowed ${amount(e.allowed)}, consumed ${count(e.consumed)} (${percent(e.consumedShare, 1)}), left ${amount(e.left)}`],
    ['Error budget (downtime minutes)', `allowed ${amount(d.allowed)}, consumed ${count(d.consumed)} (${percent(d.consumedShare, 1)}), left ${amount(d.left)}`],
    ['Level', `${LEVEL_TEXT[s.level]} (target ${percent(s.target, 2)}, warning below ${percent(s.breach.warning, 2)}, critical below ${percent(s.breach.critical, 2)})`],
  ];
  if (s.credit) rows.push(['SLA credit', `${s.credit.percent} % (tiers: ${s.credit.tiers.map((t) => `below ${percent(t.below, 2)}: ${t.credit} %`).join('; ')})`]);
  return [
    { type: 'heading', text: `${s.displayName} (${s.name}, ${s.service})` },
    ...(s.description ? [{ type: 'paragraph' as const, text: s.description }] : []),
    { type: 'table', head: ['Figure', 'Value'], rows },
    { type: 'chart', chart: attainmentChart(s) },
    { type: 'chart', chart: volumeChart(s) },
  ];
}

function performance(report: Report): Block[] {
  const l = report.latency;
  const v = report.volume;
  return [
    { type: 'heading', text: 'Performance and volume (calendar month)' },
    {
      type: 'table',
      head: ['Figure', 'Value'],
      rows: [
        ['Requests', count(v.requests)],
        ['Server errors', `${count(v.errors)} (${percent(v.errorShare, 3)})`],
        ['Latency p50 / p95 / p99', `${ms(l.p50Ms)} / ${ms(l.p95Ms)} / ${ms(l.p99Ms)} over ${count(l.requests)} requests with a duration (${l.method})`],
        ['Jobs completed / failed', `${count(v.jobsCompleted)} / ${count(v.jobsFailed)}`],
      ],
    },
  ];
}

/** The incidents a page shows: all up to this many, else the ones that burned most (the JSON has every one). */
const SHOWN_INCIDENTS = 25;

function incidents(report: Report): Block[] {
  const tz = report.header.timeZone;
  const shown = report.incidents.length <= SHOWN_INCIDENTS ? report.incidents : [...report.incidents].sort((a, b) => (b.budgetShare ?? 0) - (a.budgetShare ?? 0)).slice(0, SHOWN_INCIDENTS).sort((a, b) => a.start.localeCompare(b.start));
  if (report.incidents.length === 0) return [{ type: 'heading', text: 'Incidents' }, { type: 'paragraph', text: 'No incident: no 5-minute slice fell below its SLO\'s critical level or burned budget faster than 14.4 times the sustainable rate.' }];
  return [
    { type: 'heading', text: 'Incidents' },
    { type: 'paragraph', text: '5-minute slices below the SLO\'s critical level or burning faster than 14.4 × budget, merged and trimmed to the minutes with bad events.' },
    {
      type: 'table',
      head: ['SLO', 'Start', 'End', 'Minutes', 'Bad / valid', 'Budget burned', 'Main route', 'Main error'],
      rows: shown.map((i) => [i.slo, localTime(Date.parse(i.start), tz), localTime(Date.parse(i.end), tz), `${i.durationMinutes}${i.cutAtMonthStart ? ' (from previous month)' : ''}${i.cutAtMonthEnd ? ' (to month end)' : ''}`, ratio(i.badEvents, i.validEvents), percent(i.budgetShare, 1), i.mainRoute ?? '–', i.mainError ?? '–']),
      align: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'],
    },
    ...(shown.length < report.incidents.length ? [{ type: 'paragraph' as const, text: `The ${shown.length} incidents that burned most budget of ${report.incidents.length}; the JSON report lists every one.` }] : []),
  ];
}

function contributors(report: Report): Block[] {
  const t = report.topContributors;
  return [
    { type: 'heading', text: 'Top contributors' },
    t.routesByErrors.length === 0 ? { type: 'paragraph', text: 'No server errors.' } : { type: 'table', head: ['Route (by server errors)', 'Errors', 'Requests', 'Error share', 'Top status'], rows: t.routesByErrors.map((r) => [r.route, count(r.errors), count(r.requests), percent(r.errorShare, 2), r.topStatus ?? '–']), align: ['left', 'right', 'right', 'right', 'right'] },
    t.slowestRoutes.length === 0 ? { type: 'paragraph', text: 'No request durations.' } : { type: 'table', head: ['Route (slowest by p95)', 'p50', 'p95', 'p99', 'Requests'], rows: t.slowestRoutes.map((r) => [r.route, ms(r.p50Ms), ms(r.p95Ms), ms(r.p99Ms), count(r.requests)]), align: ['left', 'right', 'right', 'right', 'right'] },
    t.jobErrorTypes.length === 0 ? { type: 'paragraph', text: 'No failed jobs.' } : { type: 'table', head: ['Job error type', 'Failed jobs', 'Share of failures'], rows: t.jobErrorTypes.map((j) => [j.errorType, count(j.failed), percent(j.share, 1)]), align: ['left', 'right', 'right'] },
  ];
}

function recommendations(report: Report): Block[] {
  if (report.recommendations.length === 0) return [{ type: 'heading', text: 'Recommendations' }, { type: 'paragraph', text: 'None: no figure of this month calls for one.' }];
  return [{ type: 'heading', text: 'Recommendations' }, { type: 'table', head: ['Recommendation', 'Follows from'], rows: report.recommendations.map((r) => [r.text, r.basis]) }];
}

function coverage(report: Report): Block[] {
  const c = report.coverage;
  const tz = report.header.timeZone;
  return [
    { type: 'heading', text: 'Data coverage and exclusions' },
    { type: 'paragraph', text: `${count(c.noDataMinutes)} of ${count(c.minutes)} minutes had no data at all (no event of any kind arrived): they count as neither good nor bad. Quiet minutes (data, but no valid event) are listed per SLO above.` },
    ...(c.gaps.length > 0 ? [{ type: 'table' as const, head: ['Gap start', 'Gap end', 'Minutes'], rows: c.gaps.slice(0, 20).map((g) => [localTime(Date.parse(g.start), tz), localTime(Date.parse(g.end), tz), count(g.minutes)]), align: ['left' as const, 'left' as const, 'right' as const] }] : []),
    ...(c.gaps.length > 20 ? [{ type: 'paragraph' as const, text: `… and ${c.gaps.length - 20} more gaps (all are in the JSON report).` }] : []),
    c.maintenance.length === 0
      ? { type: 'paragraph', text: 'No maintenance window was excluded.' }
      : { type: 'table', head: ['Maintenance (excluded from good and valid)', 'Start', 'End', 'Minutes', 'Reason'], rows: c.maintenance.map((m) => [m.slo, localTime(Date.parse(m.start), tz), localTime(Date.parse(m.end), tz), count(m.minutes), m.reason]) },
  ];
}

export function outline(report: Report): Block[] {
  return [...header(report), ...summary(report), ...report.slos.flatMap(sloBlocks), ...performance(report), ...incidents(report), ...contributors(report), ...recommendations(report), ...coverage(report)];
}

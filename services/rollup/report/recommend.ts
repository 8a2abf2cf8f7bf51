import type { SloFile } from '../../../shared/slo.js';
import { localTime } from './calendar.js';
import { amount, count, ms, percent } from './format.js';
import type { Report } from './model.js';

/**
 * Recommendations that follow from the report's own figures, each naming the figure it follows from. The
 * first two are the SRE workbook's error budget policy (appendix B of "The Site Reliability Workbook").
 */

/** An incident that burned more than this share of the month's budget calls for a postmortem. */
export const POSTMORTEM_BUDGET_SHARE = 0.2;
/** A route that produced at least this share of the month's errors is named. */
const DOMINANT_ROUTE_SHARE = 0.5;
const DOMINANT_JOB_ERROR_SHARE = 0.3;
const COVERAGE_FLOOR = 0.999;

type Recommendation = Report['recommendations'][number];

export function recommend(report: Report, file: SloFile): Recommendation[] {
  const out: Recommendation[] = [];
  for (const slo of report.slos) {
    const events = slo.budget.events;
    if (events.consumedShare !== null && events.consumedShare >= 1) {
      out.push({
        kind: 'freeze',
        text: `${slo.displayName}: the error budget is exhausted. Freeze risky changes to ${slo.service} (only fixes and reliability work ship) until the rolling attainment is back above ${percent(slo.target, 2)}.`,
        basis: `${slo.name}: budget consumed ${percent(events.consumedShare, 1)} (${count(events.consumed)} bad events of ${amount(events.allowed)} allowed in ${report.header.month})`,
      });
    }
  }
  for (const incident of report.incidents) {
    if (incident.budgetShare !== null && incident.budgetShare > POSTMORTEM_BUDGET_SHARE) {
      out.push({
        kind: 'postmortem',
        text: `Write a postmortem for the ${incident.slo} incident that started ${localTime(Date.parse(incident.start), report.header.timeZone)}${incident.mainRoute ? ` (${incident.mainRoute}${incident.mainError ? `, ${incident.mainError}` : ''})` : incident.mainError ? ` (${incident.mainError})` : ''}.`,
        basis: `it burned ${percent(incident.budgetShare, 1)} of the month's ${incident.slo} budget, more than ${percent(POSTMORTEM_BUDGET_SHARE, 0)} (${count(incident.badEvents)} bad events in ${incident.durationMinutes} minutes)`,
      });
    }
  }
  const [worstRoute] = report.topContributors.routesByErrors;
  if (worstRoute && report.volume.errors > 0 && worstRoute.errors / report.volume.errors >= DOMINANT_ROUTE_SHARE) {
    out.push({
      kind: 'route-errors',
      text: `Investigate ${worstRoute.route}: it produced most of the month's server errors${worstRoute.topStatus ? `, mostly HTTP ${worstRoute.topStatus}` : ''}.`,
      basis: `${count(worstRoute.errors)} of ${count(report.volume.errors)} errors (${percent(worstRoute.errors / report.volume.errors, 1)})`,
    });
  }
  for (const slo of file.slos) {
    const threshold = slo.indicator.good.duration?.lte ?? slo.indicator.good.duration?.lt;
    const slow = report.topContributors.slowestRoutes[0];
    if (threshold !== undefined && slow?.p95Ms !== null && slow !== undefined && (slow.p95Ms as number) > threshold) {
      out.push({ kind: 'route-latency', text: `Speed up ${slow.route}: its 95th percentile is above the ${slo.name} threshold.`, basis: `p95 ${ms(slow.p95Ms)} over ${count(slow.requests)} requests, threshold ${ms(threshold)}` });
    }
  }
  const [job] = report.topContributors.jobErrorTypes;
  if (job && job.share !== null && job.share >= DOMINANT_JOB_ERROR_SHARE) {
    out.push({ kind: 'job-errors', text: `Address job failures of type "${job.errorType}" first.`, basis: `${count(job.failed)} of ${count(report.volume.jobsFailed)} failed jobs (${percent(job.share, 1)})` });
  }
  const completeness = report.header.dataCompleteness;
  if (completeness.share !== null && completeness.share < COVERAGE_FLOOR) {
    out.push({
      kind: 'coverage',
      text: 'Find out why no logs arrived for part of the month: those minutes are outside every figure, neither good nor bad.',
      basis: `${count(report.coverage.noDataMinutes)} of ${count(completeness.minutes)} minutes had no data (${report.coverage.gaps.length} gap(s)); data completeness ${percent(completeness.share, 2)}`,
    });
  }
  for (const slo of report.slos) {
    const share = slo.budget.events.consumedShare;
    if (slo.level === 'met' && share !== null && share < 0.5) {
      out.push({ kind: 'budget-left', text: `${slo.displayName}: more than half of the budget is left; there is room for planned risk (releases, migrations, experiments).`, basis: `${slo.name}: ${percent(share, 1)} of the budget consumed` });
    }
  }
  return out;
}

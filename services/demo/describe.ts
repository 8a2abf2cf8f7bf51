import { localTime } from '../rollup/report/calendar.js';
import { MINUTE, type DemoPlan } from './generator.js';

export interface PlantedSummary {
  kind: string;
  slo?: string;
  address?: string;
  /** ISO 8601, UTC. */
  from: string;
  to: string;
  /** Local time in the report's zone. */
  start: string;
  end: string;
  minutes: number;
  what: string;
}

/** The plan's planted incidents and attacks, in time order: what the month's report and the security views should show. */
export function describePlan(plan: DemoPlan, timeZone: string): PlantedSummary[] {
  const incidents = plan.incidents.map((incident) => ({ kind: incident.kind, slo: incident.slo, from: incident.from, to: incident.to, what: incident.description }));
  const attacks = plan.attacks.map(({ attacker, from, to }) => ({ kind: `attack:${attacker.kind}`, address: attacker.address, from, to, what: `${attacker.perMinute} ${attacker.method} requests a minute from ${attacker.address} (${attacker.agent})` }));
  return [...incidents, ...attacks]
    .sort((a, b) => a.from - b.from)
    .map(({ from, to, ...rest }) => ({ ...rest, from: new Date(from).toISOString(), to: new Date(to).toISOString(), start: localTime(from, timeZone), end: localTime(to, timeZone), minutes: (to - from) / MINUTE }));
}

export function planLines(plan: DemoPlan, timeZone: string): string[] {
  return describePlan(plan, timeZone).map((item) => `  ${item.start} - ${item.end.slice(11)}  ${item.kind.padEnd(18)} ${item.what}`);
}

import type { Client } from '@elastic/elasticsearch';
import type { SloFile } from '../../../shared/slo.js';
import { readMinuteSeries, readRouteTotals } from '../series.js';
import { MINUTE } from '../rollups.js';
import { buildReport, INCIDENT_SLICE_MINUTES } from './build.js';
import { monthBounds } from './calendar.js';
import type { Report } from './model.js';

export interface GenerateOptions {
  now?: number;
  /** 0 for a live report; the issuing code passes the revision it records. */
  revision?: number;
}

/** Reads the month's rollups (and the rolling windows before it) from Elasticsearch and builds the report. */
export async function generateReport(es: Client, file: SloFile, namespace: string, month: string, timeZone: string, options: GenerateOptions = {}): Promise<Report> {
  const bounds = monthBounds(month, timeZone);
  const longest = Math.max(...file.slos.map((slo) => slo.timeWindow.duration));
  // The slice before the month too, to tell whether an incident at its start began in the previous month.
  const seriesFrom = Math.min(bounds.from - INCIDENT_SLICE_MINUTES * MINUTE, bounds.to - longest);
  const [series, routes] = await Promise.all([
    readMinuteSeries(es, namespace, file.slos.map((slo) => slo.name), seriesFrom, bounds.to),
    readRouteTotals(es, namespace, bounds.from, bounds.to),
  ]);
  return buildReport({ file, bounds, series, routes, routesBetween: (from, to) => readRouteTotals(es, namespace, from, to), generatedAt: options.now ?? Date.now(), revision: options.revision ?? 0 });
}

import type { Client } from '@elastic/elasticsearch';
import type { SloFile } from '../../../shared/slo.js';
import { monthBounds } from './calendar.js';
import { generateReport } from './generate.js';
import type { Report } from './model.js';

/**
 * Issued reports, frozen as JSON snapshots in Elasticsearch (`sluice-reports-<namespace>`), so every API
 * replica serves the same numbers and a download next year reads as it did when issued, long after the raw
 * logs are gone. Each build is a new revision; nothing is overwritten.
 */

export function reportsIndex(namespace: string): string {
  return `sluice-reports-${namespace}`;
}

interface Stored {
  month: string;
  time_zone: string;
  revision: number;
  generated_at: string;
  reason: string;
  report: Report;
}

/** The latest issued revision of a month's report in a time zone, if one was issued. */
export async function issuedReport(es: Client, namespace: string, month: string, timeZone: string): Promise<Report | undefined> {
  const response = await es.search<Stored>({
    index: reportsIndex(namespace),
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 1,
    query: { bool: { filter: [{ term: { month } }, { term: { time_zone: timeZone } }] } },
    sort: [{ revision: { order: 'desc', unmapped_type: 'integer' } }],
  });
  return response.hits.hits[0]?._source?.report;
}

export class ReportNotOverError extends Error {}

/**
 * Builds the month's report from the rollups and records it as the next revision. A concurrent issue of the
 * same revision by another replica is a 409 on create: that one wins, and its report is returned.
 */
export async function issueReport(es: Client, file: SloFile, namespace: string, month: string, timeZone: string, reason: string, now?: number): Promise<Report>;
/** With `requireData`, a month without any data is not issued (undefined): nothing would be frozen but emptiness. */
export async function issueReport(es: Client, file: SloFile, namespace: string, month: string, timeZone: string, reason: string, now: number, options: { requireData: true }): Promise<Report | undefined>;
export async function issueReport(es: Client, file: SloFile, namespace: string, month: string, timeZone: string, reason: string, now: number = Date.now(), options: { requireData?: boolean } = {}): Promise<Report | undefined> {
  if (now < monthBounds(month, timeZone).to) throw new ReportNotOverError(`${month} has not ended in ${timeZone}: a report is issued only for a finished month`);
  const previous = await issuedReport(es, namespace, month, timeZone);
  const revision = (previous?.header.revision ?? 0) + 1;
  const report = await generateReport(es, file, namespace, month, timeZone, { now, revision });
  if (options.requireData === true && report.header.dataCompleteness.minutesWithData === 0) return undefined;
  const document: Stored = { month, time_zone: timeZone, revision, generated_at: report.header.generatedAt, reason, report };
  try {
    await es.create({ index: reportsIndex(namespace), id: `${month}|${timeZone}|${revision}`, document, refresh: 'wait_for' });
    return report;
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode !== 409) throw error;
    return (await issuedReport(es, namespace, month, timeZone)) as Report;
  }
}

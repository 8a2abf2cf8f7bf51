import { Counter } from 'prom-client';
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logging.js';
import { loadSloFile, type SloFile } from '../../shared/slo.js';
import { periodicMetrics, startPeriodic, type PeriodicService } from '../periodic.js';
import { monthBounds, previousMonth } from './report/calendar.js';
import { issuedReport, issueReport } from './report/store.js';
import { rollupRange } from './rollups.js';
import { loadNotifyFile, Notifier } from './alerts/notifier.js';
import { sloStates } from './slo-state.js';

export type RollupService = PeriodicService;

export interface RollupServiceOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** Export the process metrics on this listener (false under `sluice start`, where ingest's listener has them). */
  processMetrics?: boolean;
  /** More namespaces to roll up besides SLUICE_NAMESPACE (the local mode's demo); alerts stay on SLUICE_NAMESPACE. */
  moreNamespaces?: readonly string[];
  /**
   * Whether a namespace's last month may be issued now (default: always). The local mode holds the demo's back until
   * the demo has issued it: a run while the demo rolled its month up issued it from the part rolled up so far.
   */
  mayIssue?: (namespace: string) => boolean;
}

/** Issues last month's report once it is SLUICE_REPORT_GRACE behind, unless issued already; true when it did. */
async function issueLastMonth(es: Client, config: Config, namespace: string, slos: SloFile, at: number, logger: Logger): Promise<boolean> {
  const month = previousMonth(at, config.reportTimeZone);
  if (at < monthBounds(month, config.reportTimeZone).to + config.rollup.reportGraceMs) return false;
  if ((await issuedReport(es, namespace, month, config.reportTimeZone)) !== undefined) return false;
  const report = await issueReport(es, slos, namespace, month, config.reportTimeZone, 'issued automatically after the grace period', at, { requireData: true });
  // A month without any data (a fresh installation) is not frozen empty; it is issued once data is rolled up.
  if (report === undefined) return false;
  logger.info({ month, namespace, timeZone: config.reportTimeZone, revision: report.header.revision }, 'monthly report issued');
  return true;
}

/**
 * The rollup service: every SLUICE_ROLLUP_INTERVAL it recomputes the trailing SLUICE_ROLLUP_LOOKBACK (late
 * events are absorbed, each minute is overwritten by id), then issues last month's report. It keeps no state
 * of its own: any number of instances write the same documents, and the first issued revision wins.
 */
export async function startRollups(config: Config, logger: Logger, options: RollupServiceOptions = {}): Promise<RollupService> {
  const slos = loadSloFile(config.sloFile);
  const notifier = config.rollup.notifyFile === undefined ? undefined : new Notifier(loadNotifyFile(config.rollup.notifyFile), logger);
  const metrics = periodicMetrics('rollup', 'Rollup', [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], options.processMetrics !== false);
  const documents = new Counter({ name: 'sluice_rollup_documents_written_total', help: 'Rollup documents (over)written', registers: [metrics.registry] });
  const issued = new Counter({ name: 'sluice_reports_issued_total', help: 'Monthly reports issued automatically after the grace period', registers: [metrics.registry] });
  const now = options.now ?? Date.now;
  const service = await startPeriodic({
    config,
    logger,
    metrics,
    listen: { ...config.rollup.metrics, setting: 'SLUICE_ROLLUP_METRICS_PORT' },
    intervalMs: config.rollup.intervalMs,
    now,
    failureMessage: 'rollup run failed; retrying at the next interval',
    async run(es, to, signal) {
      for (const namespace of [config.namespace, ...(options.moreNamespaces ?? [])]) {
        const result = await rollupRange(es, slos, namespace, to - config.rollup.lookbackMs, to, { signal, now });
        documents.inc(result.documents);
        if ((options.mayIssue?.(namespace) ?? true) && (await issueLastMonth(es, config, namespace, slos, to, logger))) issued.inc();
      }
      notifier?.evaluate(await sloStates(es, slos, config.namespace, to), to);
    },
  });
  logger.info({ metrics: service.metricsUrl, intervalMs: config.rollup.intervalMs, lookbackMs: config.rollup.lookbackMs, slos: slos.slos.map((slo) => slo.name), sloFile: config.sloFile, notifier: config.rollup.notifyFile ?? 'off' }, 'SLI rollups running');
  return { ...service, close: async () => (await service.close(), await notifier?.drain()) };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { applyIlm } from '../../shared/ilm/apply.js';
import { loadIlmFiles, withSettings } from '../../shared/ilm/files.js';
import type { Logger } from '../../shared/logging.js';
import { loadSloFile } from '../../shared/slo.js';
import { startHealthServer } from '../health.js';
import { portInUse } from '../startup.js';
import { monthBounds, previousMonth } from './report/calendar.js';
import { issuedReport, issueReport } from './report/store.js';
import { rollupRange } from './rollups.js';

export interface RollupService {
  metricsUrl: string;
  /** How many runs have finished, successfully or not. */
  runs(): number;
  close(): Promise<void>;
}

function createRollupMetrics(processMetrics: boolean) {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const metrics = {
    registry,
    runs: new Counter({ name: 'sluice_rollup_runs_total', help: 'Rollup runs, by outcome (failure: Elasticsearch unreachable or refusing)', labelNames: ['outcome'] as const, registers: [registry] }),
    documents: new Counter({ name: 'sluice_rollup_documents_written_total', help: 'Rollup documents (over)written', registers: [registry] }),
    lastSuccess: new Gauge({ name: 'sluice_rollup_last_success_timestamp_seconds', help: 'When a run last succeeded: alert when it falls behind', registers: [registry] }),
    duration: new Histogram({ name: 'sluice_rollup_run_duration_seconds', help: 'Time of one run (aggregations and writes)', buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    reportsIssued: new Counter({ name: 'sluice_reports_issued_total', help: 'Monthly reports issued automatically after the grace period', registers: [registry] }),
  };
  for (const outcome of ['success', 'failure']) metrics.runs.inc({ outcome }, 0);
  return metrics;
}

export interface RollupServiceOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** Export the process metrics on this listener (false under `sluice start`, where ingest's listener has them). */
  processMetrics?: boolean;
}

/**
 * The rollup service: every SLUICE_ROLLUP_INTERVAL it recomputes the trailing SLUICE_ROLLUP_LOOKBACK (late
 * events are absorbed, each minute is overwritten by id), then issues last month's report once the month is
 * SLUICE_REPORT_GRACE behind, unless it was issued already. It keeps no state of its own: any number of
 * instances write the same documents, and the first issued revision wins.
 */
export async function startRollups(config: Config, logger: Logger, options: RollupServiceOptions = {}): Promise<RollupService> {
  const slos = loadSloFile(config.sloFile);
  let ilmFiles = config.ingest.applyIlm ? withSettings(loadIlmFiles(), config.ilm) : undefined;
  const now = options.now ?? Date.now;
  const metrics = createRollupMetrics(options.processMetrics !== false);
  let reachable = false;
  const health = await startHealthServer(config.rollup.metrics.host, config.rollup.metrics.port, metrics.registry, () => ({ ready: reachable, details: { elasticsearch: reachable ? 'reachable' : 'unreachable' } })).catch((error: unknown) => {
    throw portInUse(error, 'set SLUICE_ROLLUP_METRICS_PORT to a free port');
  });
  const es = elasticsearchClient(config);
  const stopping = new AbortController();
  let completed = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const issueLastMonth = async (at: number): Promise<void> => {
    const month = previousMonth(at, config.reportTimeZone);
    if (at < monthBounds(month, config.reportTimeZone).to + config.rollup.reportGraceMs) return;
    if ((await issuedReport(es, config.namespace, month, config.reportTimeZone)) !== undefined) return;
    const report = await issueReport(es, slos, config.namespace, month, config.reportTimeZone, 'issued automatically after the grace period', at, { requireData: true });
    // A month without any data (a fresh installation) is not frozen empty; it is issued once data is rolled up.
    if (report === undefined) return;
    metrics.reportsIssued.inc();
    logger.info({ month, timeZone: config.reportTimeZone, revision: report.header.revision }, 'monthly report issued');
  };

  const run = async (): Promise<void> => {
    const endTimer = metrics.duration.startTimer();
    const to = now();
    try {
      if (ilmFiles !== undefined) {
        await applyIlm(es, ilmFiles);
        ilmFiles = undefined;
      }
      const result = await rollupRange(es, slos, config.namespace, to - config.rollup.lookbackMs, to, { signal: stopping.signal, now });
      metrics.documents.inc(result.documents);
      await issueLastMonth(to);
      metrics.runs.inc({ outcome: 'success' });
      metrics.lastSuccess.set(to / 1000);
      reachable = true;
    } catch (error) {
      if (closed) return;
      metrics.runs.inc({ outcome: 'failure' });
      reachable = false;
      logger.warn({ err: error }, 'rollup run failed; retrying at the next interval');
    } finally {
      endTimer();
      completed += 1;
    }
  };
  const schedule = (): void => {
    if (closed) return;
    running = run().finally(() => {
      timer = setTimeout(schedule, config.rollup.intervalMs);
    });
  };
  schedule();
  logger.info({ metrics: health.url, intervalMs: config.rollup.intervalMs, lookbackMs: config.rollup.lookbackMs, slos: slos.slos.map((slo) => slo.name), sloFile: config.sloFile }, 'SLI rollups running');

  return {
    metricsUrl: health.url,
    runs: () => completed,
    async close() {
      closed = true;
      stopping.abort();
      await running;
      clearTimeout(timer);
      await es.close();
      await health.close();
    },
  };
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../../shared/config.js';
import { elasticsearchClient } from '../../shared/elasticsearch.js';
import { applyIlm } from '../../shared/ilm/apply.js';
import { loadIlmFiles, withSettings } from '../../shared/ilm/files.js';
import type { Logger } from '../../shared/logging.js';
import { startHealthServer } from '../health.js';
import { behaviourRules, detectBehaviour } from './behaviour.js';
import { portInUse } from '../startup.js';

export interface DetectionService {
  metricsUrl: string;
  /** How many runs have finished, successfully or not. */
  runs(): number;
  close(): Promise<void>;
}

/** The detectors' metrics; `processMetrics` false where another listener of the process exports those already. */
function createDetectMetrics(config: Config, processMetrics: boolean) {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const metrics = {
    registry,
    runs: new Counter({ name: 'sluice_detect_runs_total', help: 'Detector runs, by outcome (failure: Elasticsearch unreachable or refusing)', labelNames: ['outcome'] as const, registers: [registry] }),
    findings: new Counter({ name: 'sluice_detect_findings_total', help: 'Behaviour findings written to logs-rendiff.security-*', labelNames: ['rule'] as const, registers: [registry] }),
    lastSuccess: new Gauge({ name: 'sluice_detect_last_success_timestamp_seconds', help: 'When a run last succeeded: alert when it falls behind', registers: [registry] }),
    duration: new Histogram({ name: 'sluice_detect_run_duration_seconds', help: 'Time of one run (searches and writes)', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
  };
  // Zero from the start, so that an alert on increase() sees the first finding.
  for (const rule of behaviourRules(config.detect)) metrics.findings.inc({ rule: rule.id }, 0);
  for (const outcome of ['success', 'failure']) metrics.runs.inc({ outcome }, 0);
  return metrics;
}

export interface DetectionOptions {
  /** The clock of the windows (tests move it). */
  now?: () => number;
  /** Export the process metrics on this listener (false under `sluice start`, where ingest's listener has them). */
  processMetrics?: boolean;
}

/**
 * The behaviour detectors as a service: every SLUICE_DETECT_INTERVAL, the closed windows of the last
 * SLUICE_DETECT_LOOKBACK are evaluated (again), so documents that arrive late still count. It keeps no state
 * between runs: what it found is in Elasticsearch, and any number of instances give the same findings.
 */
export async function startDetection(config: Config, logger: Logger, options: DetectionOptions = {}): Promise<DetectionService> {
  // The lifecycle files and their settings are read, and checked, before anything listens; the first run
  // that reaches Elasticsearch applies them.
  let ilmFiles = config.ingest.applyIlm ? withSettings(loadIlmFiles(), config.ilm) : undefined;
  const now = options.now ?? Date.now;
  const metrics = createDetectMetrics(config, options.processMetrics !== false);
  let reachable = false;
  const health = await startHealthServer(config.detect.metrics.host, config.detect.metrics.port, metrics.registry, () => ({ ready: reachable, details: { elasticsearch: reachable ? 'reachable' : 'unreachable' } })).catch((error: unknown) => {
    throw portInUse(error, 'set SLUICE_DETECT_METRICS_PORT to a free port');
  });
  const es = elasticsearchClient(config);
  let completed = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  // Aborts the searches of a run in progress on close: a run against an unreachable cluster would otherwise
  // hold a stopping process for the client's retries.
  const stopping = new AbortController();

  const run = async (): Promise<void> => {
    const endTimer = metrics.duration.startTimer();
    const to = now();
    try {
      if (ilmFiles !== undefined) {
        await applyIlm(es, ilmFiles);
        ilmFiles = undefined;
      }
      const result = await detectBehaviour(es, config, to - config.detect.lookbackMs, to, to, stopping.signal);
      for (const finding of result.created) {
        metrics.findings.inc({ rule: finding.rule.id });
        logger.warn({ rule: finding.rule.id, name: finding.rule.name, source: finding.ip, count: finding.count, window: { start: new Date(finding.start).toISOString(), end: new Date(finding.end).toISOString() } }, 'behaviour finding');
      }
      for (const rule of result.cut) logger.warn({ rule }, 'more offending addresses in one window than reported: only the top ones were written');
      metrics.runs.inc({ outcome: 'success' });
      metrics.lastSuccess.set(to / 1000);
      reachable = true;
    } catch (error) {
      if (closed) return;
      metrics.runs.inc({ outcome: 'failure' });
      reachable = false;
      logger.warn({ err: error }, 'behaviour detection failed; retrying at the next interval');
    } finally {
      endTimer();
      completed += 1;
    }
  };
  const schedule = (): void => {
    if (closed) return;
    running = run().finally(() => {
      timer = setTimeout(schedule, config.detect.intervalMs);
    });
  };
  schedule();
  logger.info({ metrics: health.url, intervalMs: config.detect.intervalMs, lookbackMs: config.detect.lookbackMs, indices: config.detect.indices }, 'behaviour detection running');

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

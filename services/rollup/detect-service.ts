import { Counter } from 'prom-client';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logging.js';
import { periodicMetrics, startPeriodic, type PeriodicService } from '../periodic.js';
import { behaviourRules, detectBehaviour } from './behaviour.js';

export type DetectionService = PeriodicService;

export interface DetectionOptions {
  /** The clock of the windows (tests move it). */
  now?: () => number;
  /** Export the process metrics on this listener (false under `sluice start`, where ingest's listener has them). */
  processMetrics?: boolean;
  /** More namespaces to watch besides SLUICE_NAMESPACE (the local mode's demo), each in its own traefik stream. */
  moreNamespaces?: readonly string[];
}

/** The detectors' settings for another namespace: the default indices follow it; configured ones are kept. */
export function detectionFor(config: Pick<Config, 'detect' | 'namespace'>, namespace: string): Pick<Config, 'detect' | 'namespace'> {
  const indices = config.detect.indices.map((index) => (index === `logs-rendiff.traefik-${config.namespace}` ? `logs-rendiff.traefik-${namespace}` : index));
  return { namespace, detect: { ...config.detect, indices } };
}

/**
 * The behaviour detectors as a service: every SLUICE_DETECT_INTERVAL, the closed windows of the last
 * SLUICE_DETECT_LOOKBACK are evaluated (again), so documents that arrive late still count. It keeps no state
 * between runs: what it found is in Elasticsearch, and any number of instances give the same findings.
 */
export async function startDetection(config: Config, logger: Logger, options: DetectionOptions = {}): Promise<DetectionService> {
  const metrics = periodicMetrics('detect', 'Detector', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], options.processMetrics !== false);
  const findings = new Counter({ name: 'sluice_detect_findings_total', help: 'Behaviour findings written to logs-rendiff.security-*', labelNames: ['rule'] as const, registers: [metrics.registry] });
  // Zero from the start, so that an alert on increase() sees the first finding.
  for (const rule of behaviourRules(config.detect)) findings.inc({ rule: rule.id }, 0);
  const service = await startPeriodic({
    config,
    logger,
    metrics,
    listen: { ...config.detect.metrics, setting: 'SLUICE_DETECT_METRICS_PORT' },
    intervalMs: config.detect.intervalMs,
    now: options.now ?? Date.now,
    failureMessage: 'behaviour detection failed; retrying at the next interval',
    async run(es, to, signal) {
      for (const namespace of [config.namespace, ...(options.moreNamespaces ?? [])]) {
        const result = await detectBehaviour(es, detectionFor(config, namespace), to - config.detect.lookbackMs, to, to, signal);
        for (const finding of result.created) {
          // Counted for SLUICE_NAMESPACE only: an alert on this counter never fires on demo traffic.
          if (namespace === config.namespace) findings.inc({ rule: finding.rule.id });
          logger.warn({ namespace, rule: finding.rule.id, name: finding.rule.name, source: finding.ip, count: finding.count, window: { start: new Date(finding.start).toISOString(), end: new Date(finding.end).toISOString() } }, 'behaviour finding');
        }
        for (const rule of result.cut) logger.warn({ namespace, rule }, 'more offending addresses in one window than reported: only the top ones were written');
      }
    },
  });
  logger.info({ metrics: service.metricsUrl, intervalMs: config.detect.intervalMs, lookbackMs: config.detect.lookbackMs, indices: config.detect.indices }, 'behaviour detection running');
  return service;
}

import type { Client } from '@elastic/elasticsearch';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../shared/config.js';
import { elasticsearchClient } from '../shared/elasticsearch.js';
import { applyIlm } from '../shared/ilm/apply.js';
import { loadIlmFiles, withSettings } from '../shared/ilm/files.js';
import { collectProcessMetrics } from '../shared/process-metrics.js';
import type { Logger } from '../shared/logging.js';
import { elasticsearchState } from '../shared/elasticsearch-errors.js';
import { startHealthServer } from './health.js';
import { portInUse } from './startup.js';

/**
 * What the services that work over Elasticsearch on a schedule share (the behaviour detectors, the SLI
 * rollups): a run every interval, never two at once; `ilm/` applied by the first run that reaches
 * Elasticsearch; a `/metrics`, `/healthz`, `/readyz` listener with the runs' outcome, duration and last
 * success; a failed run logged and retried at the next interval; close() aborting a run in progress, since a
 * run against an unreachable cluster would otherwise hold a stopping process for the client's retries.
 */

export interface PeriodicService {
  metricsUrl: string;
  /** How many runs have finished, successfully or not. */
  runs(): number;
  close(): Promise<void>;
}

export interface PeriodicMetrics {
  registry: Registry;
  runs: Counter<'outcome'>;
  lastSuccess: Gauge;
  duration: Histogram;
}

/** The registry and the run metrics of a service named `sluice_<name>_…`; `processMetrics` false where another listener of the process exports those. */
export function periodicMetrics(name: string, what: string, buckets: number[], processMetrics: boolean): PeriodicMetrics {
  const registry = new Registry();
  if (processMetrics) collectProcessMetrics(registry);
  const runs = new Counter({ name: `sluice_${name}_runs_total`, help: `${what} runs, by outcome (failure: Elasticsearch unreachable or refusing)`, labelNames: ['outcome'] as const, registers: [registry] });
  for (const outcome of ['success', 'failure']) runs.inc({ outcome }, 0);
  return {
    registry,
    runs,
    lastSuccess: new Gauge({ name: `sluice_${name}_last_success_timestamp_seconds`, help: 'When a run last succeeded: alert when it falls behind', registers: [registry] }),
    duration: new Histogram({ name: `sluice_${name}_run_duration_seconds`, help: `Time of one ${what.toLowerCase()} run`, buckets, registers: [registry] }),
  };
}

export interface PeriodicOptions {
  config: Config;
  logger: Logger;
  metrics: PeriodicMetrics;
  listen: { host: string; port: number; setting: string };
  intervalMs: number;
  now: () => number;
  /** One run at `at`; throws when Elasticsearch failed it. */
  run(es: Client, at: number, signal: AbortSignal): Promise<void>;
  failureMessage: string;
}

export async function startPeriodic(options: PeriodicOptions): Promise<PeriodicService> {
  const { config, logger, metrics } = options;
  // The lifecycle files and their settings are read, and checked, before anything listens.
  let ilmFiles = config.ingest.applyIlm ? withSettings(loadIlmFiles(), config.ilm) : undefined;
  let esState = 'unreachable';
  const health = await startHealthServer(options.listen.host, options.listen.port, metrics.registry, () => ({ ready: esState === 'reachable', details: { elasticsearch: esState } })).catch((error: unknown) => {
    throw portInUse(error, `set ${options.listen.setting} to a free port`);
  });
  const es = elasticsearchClient(config);
  const stopping = new AbortController();
  let completed = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const run = async (): Promise<void> => {
    const endTimer = metrics.duration.startTimer();
    const at = options.now();
    try {
      if (ilmFiles !== undefined) {
        await applyIlm(es, ilmFiles);
        ilmFiles = undefined;
      }
      await options.run(es, at, stopping.signal);
      metrics.runs.inc({ outcome: 'success' });
      metrics.lastSuccess.set(at / 1000);
      esState = 'reachable';
    } catch (error) {
      if (closed) return;
      metrics.runs.inc({ outcome: 'failure' });
      esState = elasticsearchState(error);
      logger.warn({ err: error }, options.failureMessage);
    } finally {
      endTimer();
      completed += 1;
    }
  };
  const schedule = (): void => {
    if (closed) return;
    running = run().finally(() => {
      timer = setTimeout(schedule, options.intervalMs);
    });
  };
  schedule();

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

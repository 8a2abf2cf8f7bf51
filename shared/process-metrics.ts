import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's three gauges whose names end in `_total`. A gauge must not (Prometheus's naming rules), and
 * `promtool check metrics` fails a whole exposition for one (exit 3). Nothing is lost without them: their
 * labelled siblings (`sluice_nodejs_active_handles{type="Socket"}` …) stay, and sum to the same number.
 */
const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The process's own metrics (CPU, memory, event loop, garbage collection) under `sluice_`, as prom-client defines them. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  for (const name of GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(`sluice_${name}`);
}

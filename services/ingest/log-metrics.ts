import { Counter, Histogram, type Registry } from 'prom-client';
import { get } from '../../pipelines/ecs.js';
import { filterPredicate, type SloFile } from '../../shared/slo.js';

/**
 * Metrics derived from logs: what teams would otherwise instrument, counted from every document Elasticsearch
 * created (not from duplicates), so the sum over all ingest workers is each event once. Counters start at
 * zero with the process, as Prometheus expects of a restart. Labels are bounded by design: route templates,
 * never paths, users, addresses or job ids, and at most `maxValues` values per label; the rest become
 * `other` and are counted in `sluice_log_metrics_folded_total`.
 */

type Document = Record<string, unknown>;

const text = (value: unknown, fallback = 'none') => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : fallback);

/** At most `max` distinct values of one label; the others fold into `other`, counted. */
class LabelCap {
  private readonly values = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly onFold: () => void,
  ) {}
  admit(value: string): string {
    if (this.values.has(value)) return value;
    if (this.values.size < this.max) {
      this.values.add(value);
      return value;
    }
    this.onFold();
    return 'other';
  }
}

/** Request durations: an API's range, with the seed's 2 s threshold as an edge. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
export const JOB_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** What one document counts: the few values read from it. */
export interface Observation {
  service: string;
  http: { route: string; method: string; statusClass: string; ns: unknown; sent: unknown; received: unknown } | undefined;
  log: { level: string; component: string } | undefined;
  categories: string[];
  job: { outcome: 'completed' | 'failed'; errorType: string; ns: unknown } | undefined;
  slos: Array<{ name: string; good: boolean }>;
}

export interface LogMetrics {
  /**
   * What the document will count, read from it now. The ingest worker records only once Elasticsearch has
   * created the document, and holds this small record meanwhile instead of the whole document.
   */
  measure(document: Document): Observation;
  /** Counts the documents of a batch that Elasticsearch created. */
  record(observations: Observation[]): void;
}

export function createLogMetrics(registry: Registry, slos: SloFile | undefined, maxValues = 200): LogMetrics {
  const folded = new Counter({ name: 'sluice_log_metrics_folded_total', help: 'Label values folded into "other" because a label reached its cap of distinct values', labelNames: ['metric', 'label'] as const, registers: [registry] });
  const cap = (metric: string, label: string) => new LabelCap(maxValues, () => folded.inc({ metric, label }));
  const requests = new Counter({ name: 'sluice_http_requests_total', help: 'HTTP requests seen in access and API logs', labelNames: ['service', 'route', 'method', 'status_class'] as const, registers: [registry] });
  const duration = new Histogram({ name: 'sluice_http_request_duration_seconds', help: 'HTTP request durations from the logs (event.duration)', labelNames: ['service', 'route'] as const, buckets: HTTP_BUCKETS, registers: [registry] });
  const requestBytes = new Counter({ name: 'sluice_http_request_bytes_total', help: 'HTTP request body bytes', labelNames: ['service', 'route'] as const, registers: [registry] });
  const responseBytes = new Counter({ name: 'sluice_http_response_bytes_total', help: 'HTTP response body bytes', labelNames: ['service', 'route'] as const, registers: [registry] });
  const events = new Counter({ name: 'sluice_log_events_total', help: 'Log events by service, level and component', labelNames: ['service', 'level', 'component'] as const, registers: [registry] });
  const jobs = new Counter({ name: 'sluice_jobs_total', help: 'Jobs that completed or failed (slo.yaml jobs filters), by error type', labelNames: ['outcome', 'error_type'] as const, registers: [registry] });
  const jobDuration = new Histogram({ name: 'sluice_job_duration_seconds', help: 'Durations of completed and failed jobs', labelNames: ['outcome'] as const, buckets: JOB_BUCKETS, registers: [registry] });
  const findings = new Counter({ name: 'sluice_security_findings_total', help: 'Requests that reached the security anomaly threshold (tag security_alert), by category (rule.category)', labelNames: ['category'] as const, registers: [registry] });
  const sloEvents = new Counter({ name: 'sluice_slo_events_total', help: 'Valid and good events of each SLO of slo.yaml (what the generated Prometheus rules divide)', labelNames: ['slo', 'kind'] as const, registers: [registry] });
  for (const slo of slos?.slos ?? []) for (const kind of ['valid', 'good']) sloEvents.inc({ slo: slo.name, kind }, 0);

  const caps = {
    service: cap('sluice_http_requests_total', 'service'),
    route: cap('sluice_http_requests_total', 'route'),
    method: cap('sluice_http_requests_total', 'method'),
    logService: cap('sluice_log_events_total', 'service'),
    level: cap('sluice_log_events_total', 'level'),
    component: cap('sluice_log_events_total', 'component'),
    errorType: cap('sluice_jobs_total', 'error_type'),
    category: cap('sluice_security_findings_total', 'category'),
  };

  // The filters of slo.yaml compiled once: they run for every document indexed.
  const jobFilters = slos === undefined ? undefined : { dataset: slos.jobs.dataset, completed: filterPredicate(slos.jobs.completed), failed: filterPredicate(slos.jobs.failed) };
  const indicators = (slos?.slos ?? []).map((slo) => ({ name: slo.name, dataset: slo.indicator.dataset, valid: filterPredicate(slo.indicator.valid), good: filterPredicate(slo.indicator.good) }));

  /** The few values a document counts with, so that the document itself is not held. */
  const measure = (document: Document): Observation => {
    const status = get(document, 'http.response.status_code');
    const dataset = get(document, 'data_stream.dataset');
    const jobOutcome = jobFilters !== undefined && dataset === jobFilters.dataset ? (jobFilters.completed(document) ? 'completed' : jobFilters.failed(document) ? 'failed' : undefined) : undefined;
    // Only alerts: a lone CRS warning under the threshold is recorded on the document, not counted here.
    const tags = get(document, 'tags');
    const categories = Array.isArray(tags) && tags.includes('security_alert') ? get(document, 'rule.category') : undefined;
    return {
      service: text(get(document, 'service.name'), 'unknown'),
      http: typeof status === 'number' ? { route: text(get(document, 'rendiff.route')), method: text(get(document, 'http.request.method'), 'unknown'), statusClass: `${Math.floor(status / 100)}xx`, ns: get(document, 'event.duration'), sent: get(document, 'http.request.body.bytes'), received: get(document, 'http.response.body.bytes') } : undefined,
      log: typeof status === 'number' ? undefined : { level: text(get(document, 'log.level')), component: text(get(document, 'rendiff.component')) },
      categories: Array.isArray(categories) ? categories.map((category) => text(category)) : [],
      job: jobOutcome === undefined ? undefined : { outcome: jobOutcome, errorType: text(get(document, 'rendiff.error_type')), ns: get(document, 'event.duration') },
      slos: indicators.filter((indicator) => dataset === indicator.dataset && indicator.valid(document)).map((indicator) => ({ name: indicator.name, good: indicator.good(document) })),
    };
  };

  /**
   * Labels are admitted (and folds counted) only here, for documents Elasticsearch created. Counters are
   * summed per label set first and incremented once each: prom-client validates and hashes the labels of
   * every call, which per document cost more than reading the document.
   */
  const record = (observations: Observation[]): void => {
    const sums = new Map<Counter<string>, Map<string, { labels: Record<string, string>; value: number }>>();
    const add = (counter: Counter<string>, labels: Record<string, string>, value = 1) => {
      let byLabels = sums.get(counter);
      if (byLabels === undefined) sums.set(counter, (byLabels = new Map()));
      const key = Object.values(labels).join('\u0000');
      const sum = byLabels.get(key);
      if (sum === undefined) byLabels.set(key, { labels, value });
      else sum.value += value;
    };
    for (const { service, http, log, categories, job, slos } of observations) {
      if (http !== undefined) {
        const labels = { service: caps.service.admit(service), route: caps.route.admit(http.route) };
        add(requests, { ...labels, method: caps.method.admit(http.method), status_class: http.statusClass });
        if (typeof http.ns === 'number') duration.observe(labels, http.ns / 1e9);
        if (typeof http.sent === 'number') add(requestBytes, labels, http.sent);
        if (typeof http.received === 'number') add(responseBytes, labels, http.received);
      }
      if (log !== undefined) add(events, { service: caps.logService.admit(service), level: caps.level.admit(log.level), component: caps.component.admit(log.component) });
      for (const category of categories) add(findings, { category: caps.category.admit(category) });
      if (job !== undefined) {
        add(jobs, { outcome: job.outcome, error_type: caps.errorType.admit(job.errorType) });
        if (typeof job.ns === 'number') jobDuration.observe({ outcome: job.outcome }, job.ns / 1e9);
      }
      for (const slo of slos) {
        add(sloEvents, { slo: slo.name, kind: 'valid' });
        if (slo.good) add(sloEvents, { slo: slo.name, kind: 'good' });
      }
    }
    for (const [counter, byLabels] of sums) for (const { labels, value } of byLabels.values()) counter.inc(labels, value);
  };

  return { measure, record };
}

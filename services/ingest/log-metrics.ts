import { Counter, Histogram, type Registry } from 'prom-client';
import { memoized } from '../../shared/memo.js';
import { filterPredicate, valueAt, type SloFile } from '../../shared/slo.js';

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

/** The fields an observation reads, split once (measure runs for every document). */
const STATUS = ['http', 'response', 'status_code'];
const DATASET = ['data_stream', 'dataset'];
const CATEGORY = ['rule', 'category'];
const SERVICE = ['service', 'name'];
const ROUTE = ['rendiff', 'route'];
const METHOD = ['http', 'request', 'method'];
const DURATION = ['event', 'duration'];
const REQUEST_BYTES = ['http', 'request', 'body', 'bytes'];
const RESPONSE_BYTES = ['http', 'response', 'body', 'bytes'];
const LEVEL = ['log', 'level'];
const COMPONENT = ['rendiff', 'component'];
const ERROR_TYPE = ['rendiff', 'error_type'];

/** Shared by the observations that have none: most documents have no SLO and no security finding. */
const NO_SLOS: Observation['slos'] = [];
const NO_CATEGORIES: string[] = [];
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

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
  slos: readonly SloVerdict[];
}

/** An SLO's verdict on a document: made once per SLO and verdict, shared by every document it fits. */
export interface SloVerdict {
  name: string;
  good: boolean;
  /** The keys of its two label sets in `record`'s sums, made once instead of once per document. */
  validKey: string;
  goodKey: string;
}

interface Indicator {
  dataset: string;
  valid: (document: Document) => boolean;
  good: (document: Document) => boolean;
  /** Its verdicts, bad and good. */
  verdicts: readonly [SloVerdict, SloVerdict];
}

/** Beyond this many SLOs, a document's verdicts no longer fit a number's 53 bits as two bit sets. */
const MAX_KEYED_SLOS = 26;
/** Distinct combinations of verdicts kept (a source's documents share a few); past it, an array per document. */
const MAX_VERDICT_SETS = 1024;

/**
 * A document's SLO verdicts, each combination as one shared array keyed by two bit sets (which SLOs count the
 * document, and which as good): most documents count for some SLO, and an array and an object per SLO per
 * document, and their label keys joined again when counted, were about a quarter of the metrics' time.
 */
function sloVerdicts(indicators: readonly Indicator[]): (document: Document, dataset: unknown) => readonly SloVerdict[] {
  if (indicators.length > MAX_KEYED_SLOS) {
    return (document, dataset) => {
      let verdicts: SloVerdict[] | undefined;
      for (const indicator of indicators) if (dataset === indicator.dataset && indicator.valid(document)) (verdicts ??= []).push(indicator.verdicts[indicator.good(document) ? 1 : 0]);
      return verdicts ?? NO_SLOS;
    };
  }
  const span = 2 ** indicators.length;
  // The verdicts a key stands for: the SLOs whose bit is set in its valid half, good or bad by its good half.
  const verdictSet = memoized(MAX_VERDICT_SETS, (key: number): readonly SloVerdict[] => {
    const valid = Math.floor(key / span);
    const good = key % span;
    return indicators.flatMap((indicator, i) => (valid & (1 << i) ? [indicator.verdicts[good & (1 << i) ? 1 : 0]] : []));
  });
  return (document, dataset) => {
    let valid = 0;
    let good = 0;
    for (let i = 0; i < indicators.length; i += 1) {
      const indicator = indicators[i] as Indicator;
      if (dataset !== indicator.dataset || !indicator.valid(document)) continue;
      valid |= 1 << i;
      if (indicator.good(document)) good |= 1 << i;
    }
    return valid === 0 ? NO_SLOS : verdictSet(valid * span + good);
  };
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
  const indicators = (slos?.slos ?? []).map((slo): Indicator => {
    const verdict = (good: boolean): SloVerdict => ({ name: slo.name, good, validKey: `${slo.name}\u0000valid`, goodKey: `${slo.name}\u0000good` });
    return { dataset: slo.indicator.dataset, valid: filterPredicate(slo.indicator.valid), good: filterPredicate(slo.indicator.good), verdicts: [verdict(false), verdict(true)] };
  });
  const verdictsOf = sloVerdicts(indicators);

  /** The few values a document counts with, so that the document itself is not held. */
  const measure = (document: Document): Observation => {
    const status = valueAt(document, STATUS);
    const dataset = valueAt(document, DATASET);
    const jobOutcome = jobFilters !== undefined && dataset === jobFilters.dataset ? (jobFilters.completed(document) ? 'completed' : jobFilters.failed(document) ? 'failed' : undefined) : undefined;
    // Only alerts: a lone CRS warning under the threshold is recorded on the document, not counted here.
    const tags = document.tags;
    const categories = Array.isArray(tags) && tags.includes('security_alert') ? valueAt(document, CATEGORY) : undefined;
    return {
      service: text(valueAt(document, SERVICE), 'unknown'),
      http: typeof status === 'number' ? { route: text(valueAt(document, ROUTE)), method: text(valueAt(document, METHOD), 'unknown'), statusClass: STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`, ns: valueAt(document, DURATION), sent: valueAt(document, REQUEST_BYTES), received: valueAt(document, RESPONSE_BYTES) } : undefined,
      log: typeof status === 'number' ? undefined : { level: text(valueAt(document, LEVEL)), component: text(valueAt(document, COMPONENT)) },
      categories: Array.isArray(categories) ? categories.map((category) => text(category)) : NO_CATEGORIES,
      job: jobOutcome === undefined ? undefined : { outcome: jobOutcome, errorType: text(valueAt(document, ERROR_TYPE)), ns: valueAt(document, DURATION) },
      slos: verdictsOf(document, dataset),
    };
  };

  /**
   * Labels are admitted (and folds counted) only here, for documents Elasticsearch created. Counters are
   * summed per label set first and incremented once each: prom-client validates and hashes the labels of
   * every call, which per document cost more than reading the document.
   */
  const record = (observations: Observation[]): void => {
    // Per counter, its label sets by a key of their values: the labels object is built once per label set.
    const sums = new Map<Counter<string>, Map<string, { labels: Record<string, string>; value: number }>>();
    /** Adds to a label set already summed; false when the key is new (the caller then builds its labels once). */
    const added = (counter: Counter<string>, key: string, value: number): boolean => {
      const sum = sums.get(counter)?.get(key);
      if (sum === undefined) return false;
      sum.value += value;
      return true;
    };
    const start = (counter: Counter<string>, key: string, labels: Record<string, string>, value: number): void => {
      let byLabels = sums.get(counter);
      if (byLabels === undefined) sums.set(counter, (byLabels = new Map()));
      byLabels.set(key, { labels, value });
    };
    for (const { service, http, log, categories, job, slos } of observations) {
      if (http !== undefined) {
        const labels = { service: caps.service.admit(service), route: caps.route.admit(http.route) };
        const method = caps.method.admit(http.method);
        const key = `${labels.service}\u0000${labels.route}`;
        const requestKey = `${key}\u0000${method}\u0000${http.statusClass}`;
        if (!added(requests, requestKey, 1)) start(requests, requestKey, { ...labels, method, status_class: http.statusClass }, 1);
        if (typeof http.ns === 'number') duration.observe(labels, http.ns / 1e9);
        if (typeof http.sent === 'number' && !added(requestBytes, key, http.sent)) start(requestBytes, key, labels, http.sent);
        if (typeof http.received === 'number' && !added(responseBytes, key, http.received)) start(responseBytes, key, labels, http.received);
      }
      if (log !== undefined) {
        const labels = { service: caps.logService.admit(service), level: caps.level.admit(log.level), component: caps.component.admit(log.component) };
        const key = `${labels.service}\u0000${labels.level}\u0000${labels.component}`;
        if (!added(events, key, 1)) start(events, key, labels, 1);
      }
      for (const category of categories) {
        const admitted = caps.category.admit(category);
        if (!added(findings, admitted, 1)) start(findings, admitted, { category: admitted }, 1);
      }
      if (job !== undefined) {
        const errorType = caps.errorType.admit(job.errorType);
        const key = `${job.outcome}\u0000${errorType}`;
        if (!added(jobs, key, 1)) start(jobs, key, { outcome: job.outcome, error_type: errorType }, 1);
        if (typeof job.ns === 'number') jobDuration.observe({ outcome: job.outcome }, job.ns / 1e9);
      }
      for (const slo of slos) {
        if (!added(sloEvents, slo.validKey, 1)) start(sloEvents, slo.validKey, { slo: slo.name, kind: 'valid' }, 1);
        if (slo.good && !added(sloEvents, slo.goodKey, 1)) start(sloEvents, slo.goodKey, { slo: slo.name, kind: 'good' }, 1);
      }
    }
    for (const [counter, byLabels] of sums) for (const { labels, value } of byLabels.values()) counter.inc(labels, value);
  };

  return { measure, record };
}

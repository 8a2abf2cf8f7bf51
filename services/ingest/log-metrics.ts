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

/**
 * At most `max` distinct values of one label; the others fold into `other`. Folds are counted here and added to
 * `sluice_log_metrics_folded_total` once per batch.
 */
class LabelCap {
  private readonly values = new Set<string>();
  /** Folds since the last batch was counted. */
  folds = 0;
  constructor(
    private readonly max: number,
    readonly metric: string,
    readonly label: string,
  ) {}
  /** Whether the value has series of its own: it is one of the first `max` values met. */
  admits(value: string): boolean {
    if (this.values.has(value)) return true;
    if (this.values.size >= this.max) return false;
    this.values.add(value);
    return true;
  }
  /** The value, or `other` with a fold counted. */
  admit(value: string): string {
    if (this.admits(value)) return value;
    this.folds += 1;
    return 'other';
  }
}

/** A series' label: its value, or `other` with the cap noted among those that folded one of the series' values. */
function labelOf(cap: LabelCap, value: string, folded: LabelCap[]): string {
  if (cap.admits(value)) return value;
  folded.push(cap);
  return 'other';
}

/** A series' labels as the caps admitted them, and the caps that folded one of its values. */
interface Admitted<L> {
  labels: L;
  folded: LabelCap[];
}

type HttpLabels = { route: Record<string, string>; request: Record<string, string> };

/**
 * Admitted labels are made by these two functions only, the series' placeholders too, so that a series' fields
 * hold one kind of value from the start. A first version had `undefined` as placeholders (with a factory per family
 * in the index, and closures for the rare sums): V8 compiled `measure` and `record` four times each in a drain of
 * 100 000 events (135 ms of its optimising compiler), its deoptimisations for "code dependencies", as a field first
 * held an object or a number; this way three and two times (76 ms), against two and three (66 ms) before series.
 */
function httpAdmitted(service: string, route: string, method: string, statusClass: string, folded: LabelCap[]): Admitted<HttpLabels> {
  return { labels: { route: { service, route }, request: { service, route, method, status_class: statusClass } }, folded };
}
function logAdmitted(service: string, level: string, component: string, folded: LabelCap[]): Admitted<Record<string, string>> {
  return { labels: { service, level, component }, folded };
}
/** A series not admitted yet. */
const HTTP_PENDING = httpAdmitted('', '', '', '', []);
const LOG_PENDING = logAdmitted('', '', '', []);
/** A series' bytes when none were logged in the batch. */
const NO_BYTES = -1;

/** One label set of the HTTP metrics, before the caps: shared by every document with the same values. */
interface HttpSeries {
  service: string;
  route: string;
  method: string;
  statusClass: string;
  /** Its labels for the requests counter, and for the duration and bytes (service and route); HTTP_PENDING until its first created document. */
  admitted: Admitted<HttpLabels>;
  /** The batch's sums, counted into the registry (and cleared) at the end of `record`; bytes NO_BYTES until a size is logged. */
  requests: number;
  sent: number;
  received: number;
}

/** One label set of `sluice_log_events_total`, before the caps. */
interface LogSeries {
  service: string;
  level: string;
  component: string;
  admitted: Admitted<Record<string, string>>;
  events: number;
}

/**
 * Series by their raw label values, in nested maps: a document finds its series by a few lookups of strings it
 * already holds (most are the normalisers' constants, their hashes known), where a key joined from them was a new
 * string to build and hash per document. Raw values are unbounded before the caps fold them (a route per path,
 * say), so past `limit` series the index starts afresh; a series found again is then a new object, admitted the
 * same way.
 */
class SeriesIndex<S> {
  private readonly root = new Map<string, Map<string, Map<string, Map<string, S>>>>();
  private size = 0;
  constructor(private readonly limit: number) {}
  find(a: string, b: string, c: string, d: string): S | undefined {
    return this.root.get(a)?.get(b)?.get(c)?.get(d);
  }
  /** Adds a series not found. The caller makes it: a factory called from here, one per family, had V8 compile `find` again for the second. */
  add(a: string, b: string, c: string, d: string, series: S): S {
    if (this.size >= this.limit) {
      this.root.clear();
      this.size = 0;
    }
    let byB = this.root.get(a);
    if (byB === undefined) this.root.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (byC === undefined) byB.set(b, (byC = new Map()));
    let byD = byC.get(c);
    if (byD === undefined) byC.set(c, (byD = new Map()));
    byD.set(d, series);
    this.size += 1;
    return series;
  }
}

/** Series kept by their raw values, per family: far more than the caps let through (200 values a label). */
const MAX_INDEXED_SERIES = 10_000;

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

/**
 * What one document counts: its series and the few values read from it. The ingest worker records only once
 * Elasticsearch has created the document, and holds this meanwhile instead of the whole document.
 */
export interface Observation {
  http: HttpSeries | undefined;
  log: LogSeries | undefined;
  /** event.duration, in nanoseconds when a number: an HTTP request's or a job's. */
  ns: unknown;
  sent: unknown;
  received: unknown;
  categories: string[];
  job: { outcome: 'completed' | 'failed'; errorType: string } | undefined;
  slos: readonly SloVerdict[];
}

/** An SLO's batch sums, counted into the registry (and zeroed) at the end of `record`. */
interface SloSums {
  name: string;
  valid: number;
  good: number;
}

/** An SLO's verdict on a document: made once per SLO and verdict, shared by every document it fits. */
export interface SloVerdict {
  good: boolean;
  sums: SloSums;
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
  /** What the document will count, read from it now. */
  measure(document: Document): Observation;
  /** Counts the documents of a batch that Elasticsearch created. */
  record(observations: Observation[]): void;
}

/** The SLOs of slo.yaml, their filters compiled once (they run for every document indexed), and their batch sums. */
function sloIndicators(slos: SloFile | undefined): { sloSums: SloSums[]; verdictsOf: (document: Document, dataset: unknown) => readonly SloVerdict[] } {
  const sloSums: SloSums[] = [];
  const indicators = (slos?.slos ?? []).map((slo): Indicator => {
    const sums: SloSums = { name: slo.name, valid: 0, good: 0 };
    sloSums.push(sums);
    return { dataset: slo.indicator.dataset, valid: filterPredicate(slo.indicator.valid), good: filterPredicate(slo.indicator.good), verdicts: [{ good: false, sums }, { good: true, sums }] };
  });
  return { sloSums, verdictsOf: sloVerdicts(indicators) };
}

/** The metric families derived from logs, on `registry`; each SLO's valid and good events start at zero. */
function logMetricFamilies(registry: Registry, slos: SloFile | undefined) {
  const folded = new Counter({ name: 'sluice_log_metrics_folded_total', help: 'Label values folded into "other" because a label reached its cap of distinct values', labelNames: ['metric', 'label'] as const, registers: [registry] });
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
  return { folded, requests, duration, requestBytes, responseBytes, events, jobs, jobDuration, findings, sloEvents };
}

/** Each label's cap: at most `maxValues` distinct values, the rest folded into `other`. */
function labelCaps(maxValues: number) {
  return {
    service: new LabelCap(maxValues, 'sluice_http_requests_total', 'service'),
    route: new LabelCap(maxValues, 'sluice_http_requests_total', 'route'),
    method: new LabelCap(maxValues, 'sluice_http_requests_total', 'method'),
    logService: new LabelCap(maxValues, 'sluice_log_events_total', 'service'),
    level: new LabelCap(maxValues, 'sluice_log_events_total', 'level'),
    component: new LabelCap(maxValues, 'sluice_log_events_total', 'component'),
    errorType: new LabelCap(maxValues, 'sluice_jobs_total', 'error_type'),
    category: new LabelCap(maxValues, 'sluice_security_findings_total', 'category'),
  };
}

export function createLogMetrics(registry: Registry, slos: SloFile | undefined, maxValues = 200): LogMetrics {
  const { folded, requests, duration, requestBytes, responseBytes, events, jobs, jobDuration, findings, sloEvents } = logMetricFamilies(registry, slos);
  const caps = labelCaps(maxValues);
  const allCaps = Object.values(caps);
  // A series' labels are worked out on its first created document: a value a cap does not admit becomes `other`,
  // and that cap then counts a fold for each of the series' documents.
  const admitHttp = (series: HttpSeries): Admitted<HttpLabels> => {
    const folded: LabelCap[] = [];
    return (series.admitted = httpAdmitted(labelOf(caps.service, series.service, folded), labelOf(caps.route, series.route, folded), labelOf(caps.method, series.method, folded), series.statusClass, folded));
  };
  const admitLog = (series: LogSeries): Admitted<Record<string, string>> => {
    const folded: LabelCap[] = [];
    return (series.admitted = logAdmitted(labelOf(caps.logService, series.service, folded), labelOf(caps.level, series.level, folded), labelOf(caps.component, series.component, folded), folded));
  };
  const httpSeries = new SeriesIndex<HttpSeries>(MAX_INDEXED_SERIES);
  const logSeries = new SeriesIndex<LogSeries>(MAX_INDEXED_SERIES);
  const httpSeriesOf = (service: string, route: string, method: string, statusClass: string): HttpSeries =>
    httpSeries.find(service, route, method, statusClass) ?? httpSeries.add(service, route, method, statusClass, { service, route, method, statusClass, admitted: HTTP_PENDING, requests: 0, sent: NO_BYTES, received: NO_BYTES });
  const logSeriesOf = (service: string, level: string, component: string): LogSeries =>
    logSeries.find(service, level, component, '') ?? logSeries.add(service, level, component, '', { service, level, component, admitted: LOG_PENDING, events: 0 });

  // The filters of slo.yaml compiled once: they run for every document indexed.
  const jobFilters = slos === undefined ? undefined : { dataset: slos.jobs.dataset, completed: filterPredicate(slos.jobs.completed), failed: filterPredicate(slos.jobs.failed) };
  const { sloSums, verdictsOf } = sloIndicators(slos);

  /** The few values a document counts with, so that the document itself is not held. */
  const measure = (document: Document): Observation => {
    const status = valueAt(document, STATUS);
    const dataset = valueAt(document, DATASET);
    const service = text(valueAt(document, SERVICE), 'unknown');
    const jobOutcome = jobFilters !== undefined && dataset === jobFilters.dataset ? (jobFilters.completed(document) ? 'completed' : jobFilters.failed(document) ? 'failed' : undefined) : undefined;
    // Only alerts: a lone CRS warning under the threshold is recorded on the document, not counted here.
    const tags = document.tags;
    const categories = Array.isArray(tags) && tags.includes('security_alert') ? valueAt(document, CATEGORY) : undefined;
    const http = typeof status === 'number';
    return {
      http: http ? httpSeriesOf(service, text(valueAt(document, ROUTE)), text(valueAt(document, METHOD), 'unknown'), STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`) : undefined,
      log: http ? undefined : logSeriesOf(service, text(valueAt(document, LEVEL)), text(valueAt(document, COMPONENT))),
      ns: valueAt(document, DURATION),
      sent: http ? valueAt(document, REQUEST_BYTES) : undefined,
      received: http ? valueAt(document, RESPONSE_BYTES) : undefined,
      categories: Array.isArray(categories) ? categories.map((category) => text(category)) : NO_CATEGORIES,
      job: jobOutcome === undefined ? undefined : { outcome: jobOutcome, errorType: text(valueAt(document, ERROR_TYPE)) },
      slos: verdictsOf(document, dataset),
    };
  };

  /**
   * Labels are admitted (and folds counted) only here, for documents Elasticsearch created. Counters are summed
   * per series first and incremented once each: prom-client validates and hashes the labels of every call, which
   * per document cost more than reading the document.
   */
  const record = (observations: Observation[]): void => {
    const https: HttpSeries[] = [];
    const logs: LogSeries[] = [];
    const rareSums = new Map<string, { counter: Counter<string>; labels: Record<string, string>; value: number }>();
    // Labels are passed built, not as a closure made per call: that pattern had V8 throw `record`'s code away before
    // (docs/benchmarks.md, the eighth stop).
    const add = (counter: Counter<string>, key: string, labels: Record<string, string>): void => {
      const sum = rareSums.get(key);
      if (sum === undefined) rareSums.set(key, { counter, labels, value: 1 });
      else sum.value += 1;
    };
    for (const { http, log, ns, sent, received, categories, job, slos } of observations) {
      if (http !== undefined) {
        const admitted = http.admitted === HTTP_PENDING ? admitHttp(http) : http.admitted;
        for (const cap of admitted.folded) cap.folds += 1;
        if (http.requests === 0) https.push(http);
        http.requests += 1;
        if (typeof sent === 'number') http.sent = http.sent === NO_BYTES ? sent : http.sent + sent;
        if (typeof received === 'number') http.received = http.received === NO_BYTES ? received : http.received + received;
        if (typeof ns === 'number') duration.observe(admitted.labels.route, ns / 1e9);
      }
      if (log !== undefined) {
        const admitted = log.admitted === LOG_PENDING ? admitLog(log) : log.admitted;
        for (const cap of admitted.folded) cap.folds += 1;
        if (log.events === 0) logs.push(log);
        log.events += 1;
      }
      // Rare (alerts and jobs): summed by a key of their labels.
      for (const category of categories) {
        const admitted = caps.category.admit(category);
        add(findings, `finding\u0000${admitted}`, { category: admitted });
      }
      if (job !== undefined) {
        const errorType = caps.errorType.admit(job.errorType);
        add(jobs, `job\u0000${job.outcome}\u0000${errorType}`, { outcome: job.outcome, error_type: errorType });
        if (typeof ns === 'number') jobDuration.observe({ outcome: job.outcome }, ns / 1e9);
      }
      for (const slo of slos) {
        slo.sums.valid += 1;
        if (slo.good) slo.sums.good += 1;
      }
    }
    for (const http of https) {
      const { request, route } = http.admitted.labels;
      requests.inc(request, http.requests);
      if (http.sent !== NO_BYTES) requestBytes.inc(route, http.sent);
      if (http.received !== NO_BYTES) responseBytes.inc(route, http.received);
      http.requests = 0;
      http.sent = http.received = NO_BYTES;
    }
    for (const log of logs) {
      events.inc(log.admitted.labels, log.events);
      log.events = 0;
    }
    for (const { counter, labels, value } of rareSums.values()) counter.inc(labels, value);
    for (const sums of sloSums) {
      if (sums.valid > 0) sloEvents.inc({ slo: sums.name, kind: 'valid' }, sums.valid);
      if (sums.good > 0) sloEvents.inc({ slo: sums.name, kind: 'good' }, sums.good);
      sums.valid = sums.good = 0;
    }
    for (const cap of allCaps) {
      if (cap.folds > 0) folded.inc({ metric: cap.metric, label: cap.label }, cap.folds);
      cap.folds = 0;
    }
  };

  return { measure, record };
}

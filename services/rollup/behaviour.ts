import type { Client } from '@elastic/elasticsearch';
import type { Config, Threshold } from '../../shared/config.js';
import { ECS_VERSION, type Json } from '../../pipelines/ecs.js';

/**
 * Behaviour over time: what no single event shows (login brute force, 404 scanning, floods from one
 * address). Each ingest worker sees only its partitions, so the counting is done by Elasticsearch over every
 * worker's documents: one search per rule, a date_histogram of fixed windows, a terms on `source.ip` per
 * window. Findings go to `logs-rendiff.security-<namespace>` with an `_id` made of rule, address and window,
 * written with `create`: evaluating a window again (late documents, a second detector, a restart) never
 * writes a finding twice.
 */

export interface BehaviourRule {
  id: string;
  name: string;
  /** `event.action` of a finding, and the tag next to `security_alert`. */
  action: string;
  tag: string;
  categories: string[];
  risk: number;
  threshold: Threshold;
  /** The events counted. */
  filter: Json[];
  /** When set, distinct values of this field are counted (paths of a 404 scan), not events. */
  distinct?: string;
  /** What was seen, in words: "12 failed logins". */
  counted: string;
}

export function behaviourRules(detect: Config['detect']): BehaviourRule[] {
  const rules: BehaviourRule[] = [];
  if (detect.bruteForce !== undefined) {
    rules.push({ id: 'BEHAV-001', name: 'Login brute force', action: 'login_brute_force', tag: 'brute_force', categories: ['authentication', 'intrusion_detection'], risk: 73, threshold: detect.bruteForce, filter: [{ term: { 'event.category': 'authentication' } }, { term: { 'event.outcome': 'failure' } }], counted: 'failed logins' });
  }
  if (detect.scan404 !== undefined) {
    rules.push({ id: 'BEHAV-002', name: '404 scan', action: 'http_404_scan', tag: 'scan', categories: ['web', 'intrusion_detection'], risk: 47, threshold: detect.scan404, filter: [{ term: { 'http.response.status_code': 404 } }], distinct: 'url.path', counted: 'distinct paths answered 404' });
  }
  if (detect.flood !== undefined) {
    rules.push({ id: 'BEHAV-003', name: 'Request flood', action: 'request_flood', tag: 'flood', categories: ['network', 'intrusion_detection'], risk: 47, threshold: detect.flood, filter: [], counted: 'requests' });
  }
  return rules;
}

export interface BehaviourFinding {
  rule: BehaviourRule;
  ip: string;
  count: number;
  /** The window, epoch ms: [start, end). */
  start: number;
  end: number;
}

/** Most addresses reported for one rule and window; a larger attack is logged as cut. */
const MAX_SOURCES_PER_WINDOW = 1000;

interface WindowBuckets {
  windows: { buckets: Array<{ key: number; sources: { buckets: Array<{ key: string; doc_count: number; distinct?: { value: number } }>; sum_other_doc_count: number } }> };
}

/**
 * The findings of one rule over the closed windows that end in (from, to]. Windows are aligned to the epoch,
 * as Elasticsearch aligns fixed intervals, so every evaluation of a window sees the same boundaries.
 */
export async function evaluateRule(es: Client, rule: BehaviourRule, indices: readonly string[], from: number, to: number, signal?: AbortSignal): Promise<{ findings: BehaviourFinding[]; cut: boolean }> {
  const length = rule.threshold.windowMs;
  const start = Math.floor(from / length) * length;
  const end = Math.floor(to / length) * length;
  if (end <= start) return { findings: [], cut: false };
  const response = await es.search<unknown, WindowBuckets>({
    index: indices.join(','),
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    query: { bool: { filter: [{ range: { '@timestamp': { gte: start, lt: end, format: 'epoch_millis' } } }, { exists: { field: 'source.ip' } }, ...rule.filter] } },
    aggs: {
      windows: {
        date_histogram: { field: '@timestamp', fixed_interval: `${length / 1000}s`, min_doc_count: 1 },
        aggs: {
          sources: {
            terms: { field: 'source.ip', size: MAX_SOURCES_PER_WINDOW, min_doc_count: rule.threshold.count },
            ...(rule.distinct === undefined ? {} : { aggs: { distinct: { cardinality: { field: rule.distinct } } } }),
          },
        },
      },
    },
  }, { signal });
  const findings: BehaviourFinding[] = [];
  let cut = false;
  for (const window of response.aggregations?.windows.buckets ?? []) {
    if (window.sources.buckets.length === MAX_SOURCES_PER_WINDOW && window.sources.sum_other_doc_count > 0) cut = true;
    for (const source of window.sources.buckets) {
      const count = rule.distinct === undefined ? source.doc_count : (source.distinct?.value ?? 0);
      if (count >= rule.threshold.count) findings.push({ rule, ip: source.key, count, start: window.key, end: window.key + length });
    }
  }
  return { findings, cut };
}

function duration(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** "12 failed logins from 203.0.113.10 between … and … (threshold 10 in 5m)". */
export function findingMessage(finding: BehaviourFinding): string {
  const { rule, ip, count } = finding;
  return `${count} ${rule.counted} from ${ip} between ${new Date(finding.start).toISOString()} and ${new Date(finding.end).toISOString()} (threshold ${rule.threshold.count} in ${duration(rule.threshold.windowMs)})`;
}

/** The finding as an ECS alert document, and its deterministic `_id`. */
export function findingDocument(finding: BehaviourFinding, namespace: string, now: number): { id: string; document: Json } {
  const { rule, ip, count } = finding;
  const start = new Date(finding.start).toISOString();
  const end = new Date(finding.end).toISOString();
  return {
    id: `${rule.id}:${ip}:${start}`,
    document: {
      '@timestamp': end,
      message: findingMessage(finding),
      ecs: { version: ECS_VERSION },
      event: { kind: 'alert', category: rule.categories, type: ['info'], action: rule.action, dataset: 'rendiff.security', start, end, risk_score: rule.risk, ingested: new Date(now).toISOString() },
      rule: { id: rule.id, name: rule.name, category: rule.tag, ruleset: 'sluice-behaviour' },
      source: { ip },
      tags: ['security_alert', rule.tag],
      security: { count, window: { start, end } },
      data_stream: { type: 'logs', dataset: 'rendiff.security', namespace },
    },
  };
}

export interface DetectionResult {
  /** Findings written now. */
  created: BehaviourFinding[];
  /** Findings that were already there (the window was evaluated before). */
  existing: number;
  /** Rules whose worst window had more offending addresses than reported. */
  cut: string[];
}

/**
 * Evaluates every rule over the windows that end in (from, to] and writes new findings. A bulk item that
 * fails for another reason than "exists already" fails the run, so the caller retries it.
 */
export async function detectBehaviour(es: Client, config: Pick<Config, 'detect' | 'namespace'>, from: number, to: number, now = Date.now(), signal?: AbortSignal): Promise<DetectionResult> {
  const result: DetectionResult = { created: [], existing: 0, cut: [] };
  const findings: BehaviourFinding[] = [];
  for (const rule of behaviourRules(config.detect)) {
    const evaluated = await evaluateRule(es, rule, config.detect.indices, from, to, signal);
    findings.push(...evaluated.findings);
    if (evaluated.cut) result.cut.push(rule.id);
  }
  if (findings.length === 0) return result;
  const index = `logs-rendiff.security-${config.namespace}`;
  const operations = findings.flatMap((finding) => {
    const { id, document } = findingDocument(finding, config.namespace, now);
    return [{ create: { _index: index, _id: id } }, document];
  });
  const response = await es.bulk({ operations, refresh: 'wait_for' }, { signal });
  const failures: string[] = [];
  response.items.forEach((item, position) => {
    const outcome = item.create;
    const finding = findings[position] as BehaviourFinding;
    if (outcome?.status === 201) result.created.push(finding);
    else if (outcome?.status === 409) result.existing += 1;
    else failures.push(`${finding.rule.id} ${finding.ip}: ${outcome?.status ?? '?'} ${outcome?.error?.reason ?? 'no answer'}`);
  });
  if (failures.length > 0) throw new Error(`Elasticsearch refused ${failures.length} finding(s): ${failures.slice(0, 3).join('; ')}`);
  return result;
}

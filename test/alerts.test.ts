import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { alertRules } from '../services/rollup/alerts/rules.js';
import { buildApi } from '../services/api/server.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { run, runSluice, startPrometheusServer, waitFor } from './support/process.js';

/** The generated rules through Prometheus's own promtool (Debian's `prometheus` package). */

const dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'));
const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));

type Rule = { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const rules = parse(alertRules(SLOS)) as { groups: { name: string; rules: Rule[] }[] };
const alertOf = (slo: string, name: string) => rules.groups.find((g) => g.name === `sluice-slo-${slo}`)?.rules.find((r) => r.alert === name) as Rule;

/** Counters rising by `valid` and `good` a minute for `minutes` minutes. */
function series(slo: string, valid: number, good: number, minutes: number) {
  return [
    { series: `sluice_slo_events_total{slo="${slo}",kind="valid"}`, values: `0+${valid}x${minutes}` },
    { series: `sluice_slo_events_total{slo="${slo}",kind="good"}`, values: `0+${good}x${minutes}` },
  ];
}

describe('sluice alerts rules', () => {
  it('prints rules that promtool check rules accepts', async () => {
    const printed = await runSluice(['alerts', 'rules'], {});
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(alertRules(SLOS));
    writeFileSync(join(dir, 'rules.yml'), printed.stdout);
    const checked = await run('promtool', ['check', 'rules', join(dir, 'rules.yml')]);
    expect(checked.code, checked.stderr + checked.stdout).toBe(0);
    // Per SLO: 7 error ratios and 2 alerts.
    expect(checked.stdout).toContain(`SUCCESS: ${SLOS.slos.length * 9} rules found`);
  });

  it('fire as the SRE workbook says, and only then (promtool test rules)', async () => {
    writeFileSync(join(dir, 'rules.yml'), alertRules(SLOS));
    const expected = (slo: string, name: string) => [{ exp_labels: alertOf(slo, name).labels, exp_annotations: alertOf(slo, name).annotations }];
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        // 2 % of requests failing at a 99.9 % target: burn 20 over 1 h and 5 m → page.
        { interval: '1m', input_series: series('api-availability', 100, 98, 120), alert_rule_test: [
          { eval_time: '60m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: expected('api-availability', 'SluiceSLOBurnRateCritical') },
          // Pending, not yet firing: the condition must hold for 2 minutes first.
          { eval_time: '1m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: [] },
        ] },
        // 0.05 % failing: burn 0.5, nothing fires.
        { interval: '1m', input_series: series('api-availability', 2000, 1999, 400), alert_rule_test: [
          { eval_time: '390m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: [] },
          { eval_time: '390m', alertname: 'SluiceSLOBurnRateWarning', exp_alerts: [] },
        ] },
        // 0.4 % failing for 7 h: burn 4, above 3 over 1 d and 2 h → ticket, below 6 and 14.4 → no page.
        { interval: '1m', input_series: series('api-availability', 1000, 996, 420), alert_rule_test: [
          { eval_time: '400m', alertname: 'SluiceSLOBurnRateWarning', exp_alerts: expected('api-availability', 'SluiceSLOBurnRateWarning') },
          { eval_time: '400m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: [] },
        ] },
        // Latency at 95 %: 50 % slow is burn 10, above 6 over 6 h and 30 m → page.
        { interval: '1m', input_series: series('api-latency', 100, 50, 400), alert_rule_test: [
          { eval_time: '390m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: expected('api-latency', 'SluiceSLOBurnRateCritical') },
        ] },
      ],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    const tested = await run('promtool', ['test', 'rules', join(dir, 'tests.yml')]);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('a test that expects a page at 0.05 % errors fails, so the check can fail', async () => {
    writeFileSync(join(dir, 'rules.yml'), alertRules(SLOS));
    const wrong = { rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: series('api-availability', 2000, 1999, 120), alert_rule_test: [{ eval_time: '100m', alertname: 'SluiceSLOBurnRateCritical', exp_alerts: [{ exp_labels: alertOf('api-availability', 'SluiceSLOBurnRateCritical').labels }] }] }] };
    writeFileSync(join(dir, 'wrong.yml'), stringify(wrong));
    expect((await run('promtool', ['test', 'rules', join(dir, 'wrong.yml')])).code).not.toBe(0);
  });
});

interface PrometheusAnswer<T> {
  status: string;
  data: T;
}
type Target = { labels: { job: string }; health: string; lastError: string };
type Sample = { metric: Record<string, string>; value: [number, string] };

const READER = 'prometheus-reader-0123456789';

/** The scrape configuration of docs/alerts.md, against a Sluice API on `target`; a second job with a wrong key. */
function prometheusYaml(target: string): string {
  return `global: { scrape_interval: 1s }
rule_files: [rules.yml]
scrape_configs:
  - job_name: sluice-api
    authorization: { type: ApiKey, credentials: ${READER} }
    static_configs: [{ targets: ['${target}'] }]
  - job_name: wrong-key
    authorization: { type: ApiKey, credentials: not-a-key-0123456789 }
    static_configs: [{ targets: ['${target}'] }]
`;
}

describe('a real Prometheus (Debian\u2019s 2.42) scraping Sluice with the generated rules', () => {
  it('scrapes /metrics with an API key as docs/alerts.md configures it, and the rules record the error ratio Sluice counts', async () => {
    const cluster = await startElasticsearch();
    // The SLO counters as ingest exports them beside the API's own metrics under sluice start: 10 % of the requests fail.
    const ingest = new Registry();
    const events = new Counter({ name: 'sluice_slo_events_total', help: 'Valid and good events of each SLO', labelNames: ['slo', 'kind'] as const, registers: [ingest] });
    const traffic = setInterval(() => {
      events.inc({ slo: 'api-availability', kind: 'valid' }, 100);
      events.inc({ slo: 'api-availability', kind: 'good' }, 90);
    }, 100);
    const config = loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, SLUICE_API_KEYS: READER }, { servesApi: true });
    const { app } = await buildApi(config, pino({ level: 'silent' }), { es: cluster.es, slos: SLOS, processMetrics: true, registries: [ingest] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const target = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const home = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
    // The generated rules as printed, evaluated every second instead of every minute.
    writeFileSync(join(home, 'rules.yml'), alertRules(SLOS).replaceAll('interval: 1m', 'interval: 1s'));
    writeFileSync(join(home, 'prometheus.yml'), prometheusYaml(target));
    const prometheus = await startPrometheusServer('prometheus', [`--config.file=${join(home, 'prometheus.yml')}`, `--storage.tsdb.path=${join(home, 'data')}`]);
    const ask = async <T>(path: string): Promise<T> => ((await (await fetch(`${prometheus.url}${path}`)).json()) as PrometheusAnswer<T>).data;
    try {
      await waitFor(async () => (await ask<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets.filter((t) => t.health !== 'unknown').length === 2, 20_000, 'both targets scraped');
      const targets = (await ask<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets;
      expect(targets.find((t) => t.labels.job === 'sluice-api')).toMatchObject({ health: 'up', lastError: '' });
      expect(targets.find((t) => t.labels.job === 'wrong-key')).toMatchObject({ health: 'down', lastError: expect.stringContaining('401') });
      // Every series parsed: the API's (its request counter from the second scrape on: the first counts itself), the process's and ingest's.
      const expected = ['sluice_api_requests_total', 'sluice_process_cpu_user_seconds_total', 'sluice_nodejs_active_handles', 'sluice_slo_events_total'];
      const hasAll = async () => {
        const names = await ask<string[]>('/api/v1/label/__name__/values');
        return expected.every((name) => names.includes(name));
      };
      await waitFor(hasAll, 10_000, 'the series of every registry');
      const ratio = async () => (await ask<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent('sluice:slo_error_ratio:rate5m{slo="api-availability"}')}`)).result;
      await waitFor(async () => (await ratio()).length === 1, 20_000, 'the recording rule evaluated on two scrapes');
      expect(Number((await ratio())[0]!.value[1])).toBeCloseTo(0.1, 2);
      const groups = (await ask<{ groups: { name: string; rules: { health: string }[] }[] }>('/api/v1/rules')).groups;
      expect(groups.map((g) => g.name).sort()).toEqual(SLOS.slos.map((slo) => `sluice-slo-${slo.name}`).sort());
      expect(groups.flatMap((g) => g.rules).every((rule) => rule.health === 'ok')).toBe(true);
    } finally {
      clearInterval(traffic);
      await prometheus.stop();
      await app.close();
      await cluster.stop();
    }
  }, 90_000);
});

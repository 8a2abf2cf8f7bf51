import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { alertRules } from '../services/rollup/alerts/rules.js';
import { run, runSluice } from './support/process.js';

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

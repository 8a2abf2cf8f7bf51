import { join } from 'node:path';
import { createSecurityTagger } from '../pipelines/enrich/security.js';
import { loadCrs } from '../pipelines/enrich/crs/ruleset.js';
import { packageRoot } from '../shared/paths.js';
import { benignRequests } from './benign-traffic.js';
import { loadRegressionCases, runRegression, type RegressionResult } from './crs-regression.js';

/**
 * `node dist/bench/crs-report.js`: the CRS tables of docs/security.md, measured now: CRS's regression tests
 * per rule file at paranoia levels 1 and 2, every failure, the tests set aside and why, the rules that read
 * what a log does not carry, and the benign traffic's false positives.
 */
const cases = loadRegressionCases(join(packageRoot, 'test', 'fixtures', 'crs', 'regression'));
const results = new Map<number, RegressionResult>([1, 2].map((paranoia) => [paranoia, runRegression(loadCrs({ paranoia, threshold: 5 }), cases)]));
const one = results.get(1) as RegressionResult;
const two = results.get(2) as RegressionResult;
const percent = (passed: number, run: number): string => (run === 0 ? '–' : `${((100 * passed) / run).toFixed(1)} %`);
const out: string[] = [];
out.push('| rule file | PL1 passed | PL1 rate | PL2 passed | PL2 rate |', '|---|---:|---:|---:|---:|');
for (const file of [...new Set([...one.files.keys(), ...two.files.keys()])].sort()) {
  const a = one.files.get(file) ?? { run: 0, passed: 0 };
  const b = two.files.get(file) ?? { run: 0, passed: 0 };
  out.push(`| ${file} | ${a.passed}/${a.run} | ${percent(a.passed, a.run)} | ${b.passed}/${b.run} | ${percent(b.passed, b.run)} |`);
}
out.push(`| **all** | **${one.passed}/${one.run}** | **${percent(one.passed, one.run)}** | **${two.passed}/${two.run}** | **${percent(two.passed, two.run)}** |`, '');
out.push('Failures (PL2 includes those of PL1):', '');
for (const failure of two.failures) out.push(`- ${failure.testId} (${failure.expectFire ? 'expected to fire' : 'expected not to fire'}; fired: ${failure.fired.join(', ') || 'nothing'})`);
out.push('', 'Tests set aside at PL2 because an access log does not carry their payload:', '');
for (const [reason, count] of [...two.notCarried].sort((a, b) => b[1] - a[1])) out.push(`- ${count}: ${reason}`);
out.push(`- ${two.blind}: tests of rules that read only what a log does not carry`, '');
const crs = loadCrs({ paranoia: 2, threshold: 5 });
out.push(`Rules that cannot be judged from a log (PL ≤ 2, ${crs.blind.length}): ${crs.blind.map((rule) => `${rule.id} (${rule.reason.replace(/^reads (\S+), which an access log does not carry$/, '$1')})`).join(', ')}.`, '');
out.push(`Rules that could not be converted: ${crs.unsupported.length === 0 ? 'none' : crs.unsupported.map((rule) => `${rule.id} (${rule.reason})`).join(', ')}.`, '');
const benign = benignRequests();
for (const paranoia of [1, 2]) {
  const tagger = createSecurityTagger({ paranoia });
  const byRule = new Map<string, number>();
  const alerted = benign.filter((request) => {
    const verdict = tagger.inspect(request);
    if (verdict.alert) for (const id of [...verdict.matches.map((match) => String(match.id)), ...verdict.signatures.map((signature) => signature.id)]) byRule.set(id, (byRule.get(id) ?? 0) + 1);
    return verdict.alert;
  });
  out.push(`Benign API traffic at PL${paranoia}: ${alerted.length} of ${benign.length} (${percent(alerted.length, benign.length)}) reach the threshold; rules: ${[...byRule].sort((a, b) => b[1] - a[1]).map(([id, count]) => `${id} × ${count}`).join(', ') || 'none'}.`);
}
process.stdout.write(`${out.join('\n')}\n`);

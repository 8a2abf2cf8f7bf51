import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { packageRoot } from '../shared/paths.js';
import { filterQuery, loadSloFile, parseSloFile, SloFileError } from '../shared/slo.js';

const HEAD = `requests:\n  dataset: rendiff.traefik\njobs:\n  dataset: rendiff.api\n  completed: { message: done }\n  failed: { message: failed }\nslos:\n`;

function problemsOf(text: string): readonly string[] {
  try {
    parseSloFile(text);
  } catch (error) {
    if (error instanceof SloFileError) return error.problems;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('slo.yaml', () => {
  it('the default file encodes the seed\'s three SLOs and its breach levels', () => {
    const file = loadSloFile(join(packageRoot, 'slo.yaml'));
    expect(file.slos.map((s) => [s.name, s.objective.target, s.timeWindow.duration / 86_400_000, s.budgetingMethod])).toEqual([
      ['api-availability', 0.999, 30, 'Occurrences'],
      ['api-latency', 0.95, 30, 'Occurrences'],
      ['job-success', 0.95, 30, 'Occurrences'],
    ]);
    expect(file.slos[0]?.breach).toEqual({ warning: 0.995, critical: 0.99 });
    // "requests faster than 2 s": the threshold is 2 000 000 000 ns of event.duration.
    expect(filterQuery(file.slos[1]!.indicator.good)).toEqual({ bool: { filter: [{ range: { 'event.duration': { lte: 2_000_000_000 } } }], must_not: [] } });
  });

  it('names the line and the path of each mistake', () => {
    const text = `${HEAD}  - name: Api\n    service: api\n    indicator:\n      dataset: rendiff.traefik\n      good: { status: { lt: 500 }, colour: red }\n    objective: { target: 1.5 }\n    breach: { warning: 0.99, critical: 0.995 }\n`;
    const problems = problemsOf(text);
    expect(problems).toContain('line 8: slos.0.name: expected lower-case letters, digits and "-" (it names rollups and alerts)');
    expect(problems.some((p) => p.startsWith('line 12: slos.0.indicator.good') && p.includes('colour'))).toBe(true);
    expect(problems.some((p) => p.startsWith('line 13: slos.0.objective.target'))).toBe(true);
  });

  it('reports a missing key at its parent and a broken YAML line at its line', () => {
    expect(problemsOf(`${HEAD}  - name: api\n    indicator: { dataset: x, good: {} }\n    objective: { target: 0.99 }\n    breach: { warning: 0.98, critical: 0.97 }\n`)).toEqual(['line 8: slos.0.service: Invalid input: expected string, received undefined']);
    expect(problemsOf(`${HEAD}  - name: [unclosed\n`)[0]).toMatch(/^line \d+: /);
  });

  it('refuses breach levels out of order, timeslices without their slice, and a name used twice', () => {
    const slo = (name: string, extra: string) => `  - name: ${name}\n    service: api\n    indicator: { dataset: x, good: {} }\n    objective: { target: 0.99 }\n    breach: { warning: 0.97, critical: 0.98 }\n${extra}`;
    const problems = problemsOf(`${HEAD}${slo('a', '    budgetingMethod: Timeslices\n')}${slo('a', '')}`);
    expect(problems).toContain('line 12: slos.0.breach: expected critical < warning < target (0.98 < 0.97 < 0.99)');
    expect(problems).toContain('line 11: slos.0.objective: budgetingMethod Timeslices needs timeSliceTarget and timeSliceWindow');
    expect(problems).toContain('line 14: slos.1.name: "a" is defined twice');
  });

  it('turns filters into Elasticsearch queries', () => {
    expect(filterQuery({})).toEqual({ match_all: {} });
    expect(filterQuery({ outcome: 'failure', fields: { 'http.request.method': ['GET', 'HEAD'], 'service.name': 'api' }, not: { message: 'health check' } })).toEqual({
      bool: {
        filter: [{ term: { 'event.outcome': 'failure' } }, { terms: { 'http.request.method': ['GET', 'HEAD'] } }, { term: { 'service.name': 'api' } }],
        must_not: [{ bool: { filter: [{ match_phrase: { message: 'health check' } }], must_not: [] } }],
      },
    });
  });
});

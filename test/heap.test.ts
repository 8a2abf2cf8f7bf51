import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';

/**
 * In a process of its own (the young generation's size is a whole process's): a load that keeps most of what
 * it allocates, as loading the enrichers' tables does, with and without holdYoungGeneration().
 */
function run(script: string, nodeOptions = ''): { youngBefore: number; youngAfterLoad: number; usedBeforeRelease: number; usedAfterRelease: number; youngUnderLoad: number } {
  const heap = pathToFileURL(join(packageRoot, 'dist', 'shared', 'heap.js')).href;
  const source = `
    import v8 from 'node:v8';
    import { holdYoungGeneration, releaseStartupHeap } from '${heap}';
    const young = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    const youngBefore = young();
    ${script}
    const kept = [];
    let garbage = [];
    for (let i = 0; i < 400000; i += 1) { kept.push({ i, text: 'rule ' + i }); garbage.push({ i }); if (garbage.length > 50000) garbage = []; }
    const youngAfterLoad = young();
    garbage = [];
    const usedBeforeRelease = v8.getHeapStatistics().used_heap_size;
    releaseStartupHeap();
    const usedAfterRelease = v8.getHeapStatistics().used_heap_size;
    let churn = [];
    for (let i = 0; i < 2000000; i += 1) { churn.push({ i, text: 'event ' + i }); if (churn.length > 100000) churn = []; }
    console.log(JSON.stringify({ youngBefore, youngAfterLoad, usedBeforeRelease, usedAfterRelease, youngUnderLoad: young(), kept: kept.length }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } })) as ReturnType<typeof run>;
}

describe('the start-up heap', () => {
  it('keeps the young generation at its starting size while loading, then lets it grow and collects the garbage', () => {
    const free = run('');
    // Without the hold, V8 grows the young generation under such a load (the behaviour the hold is for).
    expect(free.youngAfterLoad).toBeGreaterThan(4 * free.youngBefore);
    const held = run('holdYoungGeneration();');
    expect(held.youngAfterLoad).toBeLessThanOrEqual(2 * held.youngBefore);
    expect(held.usedAfterRelease).toBeLessThan(held.usedBeforeRelease);
    // Released: traffic may grow it again.
    expect(held.youngUnderLoad).toBeGreaterThan(held.youngAfterLoad);
  });

  it('leaves the young generation alone when the operator sized it', () => {
    const tuned = run('holdYoungGeneration();', '--max-semi-space-size=8');
    expect(tuned.youngAfterLoad).toBeGreaterThan(4 * tuned.youngBefore);
  });

  /**
   * V8's own answer (%GetOptimizationStatus, bit 16 optimised, 64 by TurboFan) on a hot function, while the
   * compiler is paused and after it resumed, in a process of its own (the flag is a whole process's).
   */
  function optimised(pause: boolean, nodeArguments: string[] = []): { paused: number; resumed: number } {
    const heap = pathToFileURL(join(packageRoot, 'dist', 'shared', 'heap.js')).href;
    const source = `
      import { pauseOptimisingCompiler, resumeOptimisingCompiler } from '${heap}';
      const hot = (n) => { let sum = 0; for (let i = 0; i < n; i += 1) sum += i % 7; return sum; };
      const status = () => eval('%GetOptimizationStatus(hot)');
      const work = async () => { for (let round = 0; round < 2; round += 1) { for (let i = 0; i < 20000; i += 1) hot(100); await new Promise((resolve) => setTimeout(resolve, 50)); } };
      ${pause ? 'pauseOptimisingCompiler();' : ''}
      await work();
      const paused = status();
      resumeOptimisingCompiler();
      await work();
      console.log(JSON.stringify({ paused, resumed: status() }));
    `;
    return JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', ...nodeArguments, '--input-type=module', '-e', source], { encoding: 'utf8' })) as { paused: number; resumed: number };
  }

  it('pauses the optimising compiler while loading and resumes it after, unless the operator turned it off', () => {
    const OPTIMISED = 16;
    const TURBOFAN = 64;
    // Unpaused, the same work is optimised at once (the behaviour the pause is for).
    expect(optimised(false).paused & TURBOFAN).toBe(TURBOFAN);
    const run = optimised(true);
    expect(run.paused & OPTIMISED).toBe(0);
    expect(run.resumed & TURBOFAN).toBe(TURBOFAN);
    // The operator's --no-turbofan is left as it is: resuming does not turn it on.
    expect(optimised(true, ['--no-turbofan']).resumed & OPTIMISED).toBe(0);
  });

  /**
   * The functions V8 inlined into a hot function calling six callees of about 100 bytes of bytecode each
   * (600 in all: within V8's budget, over INLINING_BUDGET), from its --trace-turbo-inlining output, in a
   * process of its own (the flag is a whole process's).
   */
  function inlinedIntoHot(resume: boolean, nodeArguments: string[] = []): number {
    const heap = pathToFileURL(join(packageRoot, 'dist', 'shared', 'heap.js')).href;
    const source = `
      import { resumeOptimisingCompiler } from '${heap}';
      ${resume ? 'resumeOptimisingCompiler();' : ''}
      const callee = (k) => new Function('x', 'let s = x; for (let i = 0; i < 3; i += 1) { s = (s * ' + k + ' + i) % 1000003; if (s % 7 === 0) s += ' + k + '; else if (s % 11 === 0) s -= 3; else s ^= ' + k + '; } return s;');
      const [f1, f2, f3, f4, f5, f6] = [3, 5, 7, 11, 13, 17].map(callee);
      function hot(x) { return f1(x) + f2(x) + f3(x) + f4(x) + f5(x) + f6(x); }
      let sum = 0;
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < 200000; i += 1) sum += hot(i);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log('sum', sum);
    `;
    const trace = execFileSync(process.execPath, ['--trace-turbo-inlining', ...nodeArguments, '--input-type=module', '-e', source], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const inlinees = new Set<string>();
    for (const match of trace.matchAll(/^Inlining \S+ \{(\S+) <SharedFunctionInfo>\} into .*<SharedFunctionInfo hot>\}/gm)) inlinees.add(match[1] as string);
    return inlinees.size;
  }

  /**
   * The most of up to three runs: on a loaded machine V8 once compiled `hot` while its helper thread was behind and
   * inlined five (a full `npm test`, 2026-12-07), so what its budget allows is what the best run shows.
   */
  function mostInlinedIntoHot(resume: boolean, nodeArguments: string[] = []): number {
    let most = 0;
    for (let run = 0; run < 3 && most < 6; run += 1) most = Math.max(most, inlinedIntoHot(resume, nodeArguments));
    return most;
  }

  it('limits inlining once the compiler resumes, unless the operator set the budget', () => {
    // V8's own budget inlines all six callees (the behaviour the limit is for).
    expect(mostInlinedIntoHot(false)).toBe(6);
    const limited = inlinedIntoHot(true);
    expect(limited).toBeGreaterThan(0);
    expect(limited).toBeLessThan(6);
    expect(mostInlinedIntoHot(true, ['--max-inlined-bytecode-size-cumulative=920'])).toBe(6);
  });
});

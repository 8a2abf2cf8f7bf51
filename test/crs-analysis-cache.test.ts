import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAnalysisCache, writeAnalysisCache } from '../pipelines/enrich/crs/analysis-cache.js';
import { regexAnalysis, type RegexAnalysis } from '../pipelines/enrich/crs/prefilter.js';
import { loadCrs } from '../pipelines/enrich/crs/ruleset.js';
import { packageRoot } from '../shared/paths.js';

const execFileAsync = promisify(execFile);
const freshDir = () => mkdtempSync(join(tmpdir(), 'sluice-crs-cache-'));

/**
 * Loads CRS in a process of its own (the analyses are held per process) from the built code, and prints what
 * became of the cache and every analysis the process then holds.
 */
async function loadInProcess(cacheDir: string, paranoia: number): Promise<{ cache: unknown; held: Array<[string, RegexAnalysis]> }> {
  const dist = (path: string) => JSON.stringify(join(packageRoot, 'dist', 'pipelines', 'enrich', 'crs', path));
  const script = `import { loadCrs } from ${dist('ruleset.js')}; import { heldAnalyses } from ${dist('prefilter.js')};
    const crs = loadCrs({ paranoia: ${paranoia}, threshold: 5, cacheDir: ${JSON.stringify(cacheDir)} });
    process.stdout.write(JSON.stringify({ cache: crs.analysisCache, held: [...heldAnalyses()] }));`;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as { cache: unknown; held: Array<[string, RegexAnalysis]> };
}

/** A cache file written by this process, holding at least one analysis it made. */
function writtenCache(): string {
  const dir = freshDir();
  const read = readAnalysisCache(dir);
  regexAnalysis(`union[\\s]+select ${Math.random()}`, 'i');
  expect(writeAnalysisCache(read)).toMatchObject({ read: 0, analysed: 1, made: true, written: true, note: undefined });
  return join(dir, 'crs-analyses.json');
}

describe('the CRS screen\'s analyses, cached between starts', () => {
  it('are read back in a new process exactly as they are made, for every expression up to paranoia level 4', async () => {
    const dir = freshDir();
    const first = await loadInProcess(dir, 4);
    expect(first.cache).toEqual({ file: join(dir, 'crs-analyses.json'), read: 0, analysed: first.held.length, made: true, written: true, note: undefined });
    expect(first.held.length).toBeGreaterThan(200);
    const second = await loadInProcess(dir, 4);
    expect(second.cache).toEqual({ file: join(dir, 'crs-analyses.json'), read: first.held.length, analysed: 0, made: false, written: false, note: undefined });
    // Each analysis as this process makes it from the same expression (from the sources, not the built code).
    for (const [key, analysis] of second.held) {
      const slash = key.indexOf('/');
      expect(analysis, key).toEqual(regexAnalysis(key.slice(slash + 1), key.slice(0, slash)));
    }
    // A load at a lower level finds all it needs and leaves the file as it was.
    const before = statSync(join(dir, 'crs-analyses.json')).mtimeMs;
    expect((await loadInProcess(dir, 1)).cache).toMatchObject({ analysed: 0, made: false });
    expect(statSync(join(dir, 'crs-analyses.json')).mtimeMs).toBe(before);
  });

  it('are not used when another analyser made them, when they do not match their digest, or when the file is no cache', () => {
    const file = writtenCache();
    const [header, body] = readFileSync(file, 'utf8').split(/\n(.*)/s) as [string, string];
    const good = readAnalysisCache(join(file, '..'));
    expect([good.read > 0, good.note]).toEqual([true, undefined]);
    writeFileSync(file, `${header.replace(/"analyser":"[0-9a-f]+"/, `"analyser":"${'0'.repeat(64)}"`)}\n${body}`);
    expect(readAnalysisCache(join(file, '..'))).toMatchObject({ read: 0, note: expect.stringContaining('another version of the analyser') as string });
    // One atom changed: an analysis that would let the screen skip a rule it must run.
    writeFileSync(file, `${header}\n${body.replace('"atom":"union"', '"atom":"unioN"')}`);
    expect(body).toContain('"atom":"union"');
    expect(readAnalysisCache(join(file, '..'))).toMatchObject({ read: 0, note: expect.stringContaining('do not match their digest') as string });
    writeFileSync(file, `${header}\n${body.slice(0, -10)}`);
    expect(readAnalysisCache(join(file, '..'))).toMatchObject({ read: 0, note: expect.stringContaining('do not match their digest') as string });
    writeFileSync(file, 'not a cache');
    expect(readAnalysisCache(join(file, '..'))).toMatchObject({ read: 0, note: expect.stringContaining('not a cache') as string });
    writeFileSync(file, '{"format":"sluice-crs-analyses/0"}\n[]');
    expect(readAnalysisCache(join(file, '..'))).toMatchObject({ read: 0, note: expect.stringContaining('of this format') as string });
  });

  it('leave CRS loading as without a cache when none can be written, and say why', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'file'), '');
    // A directory below a regular file cannot be made, whoever runs the test (root included).
    const blocked = await loadInProcess(join(dir, 'file', 'cache'), 1);
    expect(blocked.cache).toMatchObject({ read: 0, made: true, written: false, note: expect.stringContaining('cannot write it') as string });
    const cached = await loadInProcess(freshDir(), 1);
    expect(blocked.held).toEqual(cached.held);
    expect(loadCrs({ paranoia: 1, threshold: 5, cacheDir: join(dir, 'file', 'cache') }).rules.length).toBe(loadCrs({ paranoia: 1, threshold: 5 }).rules.length);
  });
});

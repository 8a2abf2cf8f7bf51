import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HUGE_PAGE_MALLOC, withHugePageMalloc } from '../shared/malloc.js';

/** The kernel's transparent huge page mode: `always`, `madvise` or `never` (the word in brackets). */
function thpMode(): string {
  const path = '/sys/kernel/mm/transparent_hugepage/enabled';
  return existsSync(path) ? (/\[(\w+)\]/.exec(readFileSync(path, 'utf8'))?.[1] ?? 'never') : 'never';
}

/** KB of anonymous huge pages in a node process that filled a 64 MB Buffer, started with `env`. */
function hugePagesAfterFill(env: NodeJS.ProcessEnv): number {
  const script = "const b = Buffer.allocUnsafe(64 << 20); b.fill(1); process.stdout.write(/AnonHugePages:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]);";
  return Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
}

describe("malloc's huge pages for the processes Sluice starts", () => {
  it('are added to the tunables an environment has, and an explicit choice is kept', () => {
    expect(withHugePageMalloc({}).GLIBC_TUNABLES).toBe(HUGE_PAGE_MALLOC);
    expect(withHugePageMalloc({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES).toBe(HUGE_PAGE_MALLOC);
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(`glibc.malloc.arena_max=2:${HUGE_PAGE_MALLOC}`);
    expect(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0');
    const original = { PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    expect(withHugePageMalloc(original)).toMatchObject({ PATH: '/usr/bin' });
    expect(original.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2');
  });

  it('put Buffers in transparent huge pages where the kernel gives them on request, and only with the tunable', () => {
    const { GLIBC_TUNABLES: _ignored, ...without } = process.env;
    const mode = thpMode();
    const withTunable = hugePagesAfterFill(withHugePageMalloc(without));
    const withoutTunable = hugePagesAfterFill(without);
    if (mode === 'never') expect(withTunable).toBe(0);
    // Most of the 64 MB, in 2 MB pages.
    else expect(withTunable).toBeGreaterThanOrEqual(32 * 1024);
    if (mode !== 'always') expect(withoutTunable).toBe(0);
  });
});

/**
 * glibc's malloc asks the kernel for transparent huge pages (`madvise`, where the kernel's mode is `madvise`,
 * as on the project's machines) once `GLIBC_TUNABLES` holds `glibc.malloc.hugetlb=1` (glibc 2.35 and later; other C
 * libraries ignore it). Node keeps its Buffers there: the Elasticsearch emulator keeps each document in the
 * bytes of the request that brought it, the Kafka emulator its batches, a worker its fetches and bulk bodies.
 * On the project's machines (Firecracker guests) a 4 KB page touched for the first time costs 10–15 µs of CPU,
 * and memory in huge pages 0.6–8 µs per 4 KB. glibc reads the setting once, when a process
 * starts, so it is set for the processes Sluice starts (ingest members, the benchmark's) and by its launchers
 * (`npm start`, the image). V8's own heap is not malloc's and keeps 4 KB pages.
 */
export const HUGE_PAGE_MALLOC = 'glibc.malloc.hugetlb=1';

/** `env` with HUGE_PAGE_MALLOC added to its tunables, unless it says already what malloc should do about huge pages. */
export function withHugePageMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES;
  if (tunables === undefined || tunables === '') return { ...env, GLIBC_TUNABLES: HUGE_PAGE_MALLOC };
  if (tunables.split(':').some((tunable) => tunable.startsWith('glibc.malloc.hugetlb='))) return env;
  return { ...env, GLIBC_TUNABLES: `${tunables}:${HUGE_PAGE_MALLOC}` };
}

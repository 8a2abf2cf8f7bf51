import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps a worker's idle memory to what it holds, not to what its start-up went through.
 *
 * Loading the enrichers' tables (the CRS rules, the user-agent rules, the ASN ranges) allocates much that
 * survives a young-generation collection, and V8 answers by doubling the young generation up to its maximum
 * (2 × 16 MB on 64-bit), which it never gives back while the process idles; and the garbage of loading stays
 * in the old generation until a full collection, which an idle process does not run. Measured on an idle
 * worker with every enricher, 2 s after it is ready (bench/peers.ts's figure), by hand: 174-181 MB; 156 MB
 * with two full collections after loading; 138-141 MB with the young generation also held from the start of
 * `sluice ingest`. Start-up time and throughput did not change.
 */

/** V8's own growth factor of the young generation, restored once loading is done. */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Whether the operator gave node a V8 flag matching `flag` (what Sluice would set is then left as given): on
 * node's command line, and in NODE_OPTIONS for the few V8 flags node accepts there.
 */
function operatorGave(flag: RegExp, nodeOptionsMayCarryIt: boolean): boolean {
  const given = nodeOptionsMayCarryIt ? [...process.execArgv, process.env.NODE_OPTIONS ?? ''] : process.execArgv;
  return given.some((argument) => flag.test(argument));
}

/**
 * A full collection, made callable here as Jest's leak detector does it (`--expose-gc` set at run time, then
 * `gc` taken from a new context): node offers no other way to ask for one.
 */
function collectGarbage(): void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed();
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

let holding = false;

/**
 * From here until releaseStartupHeap(), the young generation keeps its starting size: called before a worker
 * imports its modules and loads its tables, which is when V8 grows it (to its maximum within the first second).
 */
export function holdYoungGeneration(): void {
  // The operator sized the young generation.
  if (holding || operatorGave(/semi[-_]space/, true)) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  holding = true;
}

/**
 * Loading is done: the young generation may grow again (under load it should), and the loading's garbage is
 * collected (twice: the first collection's survivors are compacted by the second; about 40 ms).
 */
export function releaseStartupHeap(): void {
  if (holding) setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
  holding = false;
  collectGarbage();
  collectGarbage();
}

/**
 * V8's optimising compiler (TurboFan) paused while a worker loads: nearly all of that code runs once (module
 * bodies, the rule files' parsing and compiling, the CRS analyses), yet the hottest of it was optimised on
 * V8's helper threads, some functions twice. Measured on a worker with every enricher, to ready, starts
 * alternated with the same build without the pause: 1.39-1.72 CPU-seconds against 1.65-2.32 (the helper
 * threads 0.39-0.41 against 0.66-0.87, the main thread no slower); the events after it cost the same. The
 * operator may have turned it off for good (`node --no-turbofan`; NODE_OPTIONS cannot carry it): that stays.
 */
let pausedCompiler = false;

export function pauseOptimisingCompiler(): void {
  if (pausedCompiler || operatorGave(/^--no[-_](turbofan|opt)$/, false)) return;
  setFlagsFromString('--no-turbofan');
  pausedCompiler = true;
}

/** Loading is done: the events' code is optimised as it gets hot, with INLINING_BUDGET. */
export function resumeOptimisingCompiler(): void {
  if (pausedCompiler) setFlagsFromString('--turbofan');
  pausedCompiler = false;
  limitInlining();
}

/**
 * How much bytecode TurboFan inlines into one optimised function, in bytes (V8's default 920). A worker's
 * events go through hundreds of small functions, each optimised once it is hot, some again after a
 * deoptimisation: with V8's budget its helper threads (mostly that compiler, the collector's helpers the rest)
 * use 1.5-2 CPU-seconds in a drain of 100 000 Traefik lines. With 300, eighteen pairs of drains alternated
 * with V8's budget (by hand, CPU after ready): the helper threads lower in all eighteen, the whole worker in
 * fourteen (medians 7.3 against 8.0 CPU-seconds with the flag given to node, 6.8 against 7.3 set here);
 * drains of 300 000 lower in four of four; the pipeline's warm events no slower in process. 150 measured as 300.
 */
const INLINING_BUDGET = 300;

/** From here on, functions optimised inline at most INLINING_BUDGET bytes of bytecode: read by each compilation. */
export function limitInlining(): void {
  // The operator gave node a budget of their own (NODE_OPTIONS cannot carry this flag).
  if (operatorGave(/^--max[-_]inlined[-_]bytecode[-_]size[-_]cumulative=/, false)) return;
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINING_BUDGET}`);
}

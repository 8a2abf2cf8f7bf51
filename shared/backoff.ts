/**
 * How long to wait before retry `attempt` (0 for the first retry): 100 ms, doubling with each attempt up to
 * `maxMs`, each wait drawn from the upper half of that (jitter), so that workers retrying together spread out.
 */
export function backoffMs(attempt: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, 100 * 2 ** Math.min(attempt, 20));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

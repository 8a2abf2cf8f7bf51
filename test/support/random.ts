/** mulberry32: the same draws for the same seed on every run, so that a random test's failure is found again. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of a list, by a draw. */
export function pickWith(draw: () => number): <T>(list: readonly T[]) => T {
  return <T>(list: readonly T[]): T => list[Math.floor(draw() * list.length)] as T;
}

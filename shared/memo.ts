/**
 * A pure function of a string (or a number), remembered for the first `limit` distinct arguments: for the few
 * hundred constants a hot path meets again and again (field paths, date formats, wildcard patterns, SLO
 * verdicts). Arguments past the limit are computed each time, so that a stream of distinct values cannot grow
 * the memory.
 */
export function memoized<T, K extends string | number = string>(limit: number, compute: (key: K) => T): (key: K) => T {
  const known = new Map<K, T>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size < limit) known.set(key, value);
    }
    return value;
  };
}

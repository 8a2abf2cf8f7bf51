/**
 * A pure function of a string, remembered for the first `limit` distinct arguments: for the few hundred
 * constants a hot path meets again and again (field paths, date formats, wildcard patterns). Arguments past
 * the limit are computed each time, so that a stream of distinct values cannot grow the memory.
 */
export function memoized<T>(limit: number, compute: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size < limit) known.set(key, value);
    }
    return value;
  };
}

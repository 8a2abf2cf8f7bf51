/**
 * Fixed log-scale latency buckets (the DDSketch scheme): bucket i holds durations in (γ^(i−1), γ^i] ms with
 * γ = 1.02, and stands for the value 2γ^i / (γ + 1), which is within (γ − 1)/(γ + 1) < 1 % of anything in
 * the bucket. Because the buckets are fixed, histograms of different minutes and routes add up exactly, so
 * a month's percentiles come back within 1 % from per-minute rollups long after the raw logs are deleted.
 */
export const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
/** Durations at or below 1 µs share the lowest bucket (a zero duration included). */
export const MIN_BUCKET = Math.ceil(Math.log(0.001) / LOG_GAMMA);

/** The bucket of a duration in nanoseconds (ECS `event.duration`). */
export function latencyBucket(durationNs: number): number {
  const ms = durationNs / 1e6;
  if (!(ms > 0.001)) return MIN_BUCKET;
  return Math.ceil(Math.log(ms) / LOG_GAMMA - 1e-9);
}

/** The value, in milliseconds, that bucket `index` stands for. */
export function bucketValueMs(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

/** A sparse histogram: bucket index → count. */
export type LatencyHistogram = Map<number, number>;

export function addHistogram(into: LatencyHistogram, buckets: readonly number[], counts: readonly number[]): void {
  for (let i = 0; i < buckets.length; i += 1) {
    const bucket = buckets[i] as number;
    into.set(bucket, (into.get(bucket) ?? 0) + (counts[i] as number));
  }
}

export function histogramCount(histogram: LatencyHistogram): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/**
 * Nearest-rank percentiles (the value at rank ⌈q·n⌉ of the sorted durations), in milliseconds; undefined for
 * an empty histogram. Nearest rank rather than interpolation, so the answer is a bucket's value and the 1 %
 * bound holds for every quantile.
 */
export function percentilesMs(histogram: LatencyHistogram, quantiles: readonly number[]): (number | undefined)[] {
  const total = histogramCount(histogram);
  if (total === 0) return quantiles.map(() => undefined);
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  return quantiles.map((q) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (seen >= rank) return bucketValueMs(bucket);
    }
    return bucketValueMs((sorted[sorted.length - 1] as [number, number])[0]);
  });
}

import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../bench/ingest.js';

/** A Prometheus histogram as prom-client exposes it: cumulative buckets, then +Inf. */
function exposition(counts: [le: string, count: number][]): string {
  return ['# TYPE lag_seconds histogram', ...counts.map(([le, count]) => `lag_seconds_bucket{le="${le}"} ${count}`), `lag_seconds_count ${counts.at(-1)?.[1] ?? 0}`].join('\n');
}

describe("the benchmark's quantile of a Prometheus histogram", () => {
  it('interpolates inside the bucket as histogram_quantile does, and with `since` counts only what came after', () => {
    const now = exposition([['0.1', 90], ['1', 100], ['+Inf', 100]]);
    // Rank 99 of 100 falls in (0.1, 1], 9 of its 10 observations in: 0.1 + 0.9 × 9/10.
    expect(histogramQuantile(now, 'lag_seconds', 0.99)).toBeCloseTo(0.91, 10);
    // The 10 slow observations came before the earlier exposition: what is left is 90 fast ones.
    const earlier = exposition([['0.1', 0], ['1', 10], ['+Inf', 10]]);
    expect(histogramQuantile(now, 'lag_seconds', 0.99, earlier)).toBeCloseTo(0.1 * (89.1 / 90), 10);
    expect(histogramQuantile(earlier, 'lag_seconds', 0.5, earlier)).toBeNaN();
  });
});

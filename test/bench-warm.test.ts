import { describe, expect, it } from 'vitest';
import { warmPerCpuSecondOf, type Progress } from '../bench/ingest.js';

/** Readings every 100 ms as a worker reports them: it commits a fetch of 15 000 only once all are answered. */
function readings(): Progress[] {
  const out: Progress[] = [];
  // The first 25 000 documents cost 80 µs of CPU each, the 75 000 after them 25.
  for (let acknowledged = 0, cpu = 0, at = 0; acknowledged < 100_000; ) {
    const step = Math.min(2_500, 100_000 - acknowledged);
    cpu += step * (acknowledged < 25_000 ? 0.08 : 0.025);
    acknowledged += step;
    at += 100;
    out.push({ at, committed: Math.floor(acknowledged / 15_000) * 15_000, acknowledged, cpu });
  }
  return out;
}

describe("the ingest benchmark's warm window", () => {
  it('opens where Elasticsearch had answered for a fifth of the documents and counts CPU from there to the end', () => {
    const series = readings();
    // Opened at 20 000 answered: the 5 000 at 80 µs and the 75 000 at 25 µs (2.275 CPU-seconds) for 80 000 events.
    expect(warmPerCpuSecondOf(series, 100_000)).toBeCloseTo(80_000 / 2.275, 6);
    // Opened by commits instead, it would open only at 30 000 answered, all of it warm: 40 000 per CPU-second.
    expect(warmPerCpuSecondOf(series, 100_000)).toBeLessThan(39_000);
  });

  it('is NaN when no reading reached a fifth, or when no CPU was spent after it', () => {
    const series = readings();
    expect(warmPerCpuSecondOf(series.slice(0, 5), 100_000)).toBeNaN();
    expect(warmPerCpuSecondOf([], 100_000)).toBeNaN();
    const lastOnly = series.at(-1) as Progress;
    expect(warmPerCpuSecondOf([lastOnly], 100_000)).toBeNaN();
  });
});

import { describe, expect, it } from 'vitest';
import { backoffMs } from '../shared/backoff.js';

describe('backoffMs (the ingest worker\'s retries: bulk requests and items, dead letters, ilm/)', () => {
  it('waits 100 ms doubling per attempt, drawn from the upper half, and never past its ceiling', () => {
    for (const [attempt, ceiling] of [[0, 100], [1, 200], [3, 800], [6, 5000], [40, 5000]] as const) {
      const waits = Array.from({ length: 200 }, () => backoffMs(attempt, 5000));
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...waits)).toBeLessThanOrEqual(ceiling);
      // Jittered: workers retrying together spread out.
      expect(new Set(waits).size).toBeGreaterThan(100);
    }
  });
});

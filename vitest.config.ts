import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The benchmark's smoke run (bench.test.ts) loads both cores for a minute and a half: run alongside other
    // files it made their timing-bound tests time out, so `npm test` runs it alone, after them (BENCH_SMOKE=1).
    include: process.env.BENCH_SMOKE === '1' ? ['test/bench.test.ts'] : ['test/**/*.test.ts'],
    exclude: process.env.BENCH_SMOKE === '1' ? [] : ['test/bench.test.ts', '**/node_modules/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Tests start real servers on loopback ports; give slow CI machines room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Three files at a time: every file starts its own servers on ports the system picks (only ingest-cli
    // uses the fixed local-mode ports, inside one file), so files share no port or state. Three beat two on
    // this 2-core machine (156 s against 192 s, same code); vitest's default here would be one file at a time
    // (287 s). The ingest tests are split in three files so that no file dominates.
    maxWorkers: 3,
  },
});

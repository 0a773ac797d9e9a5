import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    reporters: ['default', './test/support/totals-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker per core minus one: a single worker on a 2-core machine, where
    // the main process mostly waits. One per core (at least two) keeps both cores busy.
    maxWorkers: Math.max(2, availableParallelism()),
    // Prices older than 180 days are a warning on stderr, judged against SOURCE_DATE_EPOCH when set. The suite pins
    // the day (2026-12-01) so that its expectations of stderr hold whatever the calendar says; child processes
    // inherit it. Tests about staleness set their own day (test/cost/price-book.test.ts, the determinism runs).
    env: { SOURCE_DATE_EPOCH: String(Date.UTC(2026, 11, 1) / 1000) },
  },
});

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
  },
});

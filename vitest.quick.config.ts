/**
 * `npm run test:quick`: the inner loop. The full suite (`npm test`, what CI
 * runs) minus the end-to-end suites that synthesize whole fleets many times
 * over: the fuzzer, the routing proofs, the determinism runs, the binary's
 * end-to-end run with kubectl, the workflow runs and the production stack.
 * Every unit, property, construct, policy and CLI test stays in, with two
 * shortcuts: fast-check properties run 25 cases instead of 100
 * (`test/support/quick-setup.ts`), and test files share loaded modules
 * within a worker instead of re-importing them (`isolate: false`), which
 * saves most of the import time. `npm test` runs every file isolated.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import full from './vitest.config.ts';

/** Suites only `npm test` runs. */
export const FULL_ONLY = [
  'test/fuzz/synth-fleet.test.ts',
  'test/routing/**',
  'test/determinism/**',
  'test/cli/synth.test.ts',
  'test/ci/workflows.test.ts',
  'test/stacks/program-prod.test.ts',
  // vi.mock of a module other files load first: with `isolate: false` the mock may come too late.
  'test/cli/synth-validation.test.ts',
];

export default mergeConfig(full, defineConfig({ test: { exclude: FULL_ONLY, isolate: false, setupFiles: ['test/support/quick-setup.ts'] } }));

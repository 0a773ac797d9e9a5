/**
 * Setup of `npm run test:quick` only: fast-check properties run 25 cases
 * instead of 100 unless a test sets its own count. `npm test` (CI) runs
 * them at full count.
 */
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: 25 });

#!/usr/bin/env node
// Entry point of `npx modelfleet`: registers tsx so the TypeScript sources (and fleet files) load
// without a build step, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
// `check` (editors, pre-commit hooks) is mostly start-up: start its declaration evaluator (a Node
// and tsx of its own, cli/main.ts does too) before the CLI's modules load, so the two overlap.
if (process.argv[2] === 'check') (await import('../core/loader/declaration-evaluator.ts')).startDeclarationEvaluator();
// `modelfleet explain … | head`: a reader that closes the pipe early is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

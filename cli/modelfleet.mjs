#!/usr/bin/env node
// Entry point of `npx modelfleet`: registers tsx so the TypeScript sources (and fleet files) load
// without a build step, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
// `modelfleet explain … | head`: a reader that closes the pipe early is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

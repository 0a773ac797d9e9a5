#!/usr/bin/env node
// Entry point of `npx modelfleet`: registers tsx so the TypeScript sources (and fleet files) load
// without a build step, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

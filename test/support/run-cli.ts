/**
 * Runs the `modelfleet` command for tests, two ways that print the same:
 *
 * - `runCliInProcess`: `main()` with captured output, in the test's process
 *   (no Node start-up, no tsx bootstrap: milliseconds instead of seconds).
 *   `cli/modelfleet.mjs` only registers tsx and sets the exit code to what
 *   `main()` returns, so stdout, stderr and the code are what the binary
 *   prints and returns.
 * - `runCliProcess`: the real binary in a child process, for what only a
 *   process shows (no stack trace from an uncaught error, the exit status the
 *   shell sees, resource limits, environment variables).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main.ts';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The binary `npx modelfleet` runs. */
export const CLI = join(ROOT, 'cli/modelfleet.mjs');

/** What one run printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `main(args)` in this process with `cwd` as the working directory and
 * returns what it printed, newline-terminated per write as the binary prints
 * it. Runs are serialized (the working directory is process-wide).
 */
export function runCliInProcess(args: readonly string[], cwd: string = ROOT): Promise<CliRun> {
  const run = queue.then(async () => {
    let stdout = '';
    let stderr = '';
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const code = await main(args, { out: (t) => (stdout += withNewline(t)), err: (t) => (stderr += withNewline(t)) });
      return { code, stdout, stderr };
    } finally {
      process.chdir(previous);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Runs the binary in a child process (blocking). */
export function runCliProcess(args: readonly string[], cwd: string = ROOT, env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the binary in a child process without blocking, so several run side by side. */
export function runCliProcessAsync(args: readonly string[], cwd: string = ROOT): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * `modelfleet check`: synth's checks short of rendering, for editors and
 * pre-commit hooks. Loads and validates the declarations and the stack, plans
 * the fleet against the lockfile with the plan-level rules, and reports every
 * problem exactly as synth does; it renders nothing (no cdk8s, no YAML: this
 * module's imports never reach `constructs/`) and writes nothing.
 *
 * What synth checks on top: strict schema validation of the rendered objects
 * and the platform (manifest) rules (docs/cli.md#check).
 */
import { checkFleet, frozenLockfileIssue, type CheckedFleet } from '../core/plan/check-fleet.ts';
import { formatIssues, formatPath, SpecError, type SpecIssue } from '../core/errors/spec-issue.ts';
import { loadPlatformStack } from '../policies/default-stack.ts';
import { PLAN_RULES } from '../policies/plan-rules.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { reportFailure, type CliIo } from './report-failure.ts';

/** Options of `check`. */
export interface CheckCommandOptions {
  readonly modelsDir: string;
  /** `undefined` for the embedded default stack. */
  readonly stackName?: string;
  /** Lockfile path. @default - beside the models directory */
  readonly lockfile?: string;
  /** A lockfile synth would create or rewrite is a problem (pre-commit hooks, CI). */
  readonly frozenLockfile?: boolean;
  /** Print one JSON document on stdout instead of text. */
  readonly json?: boolean;
}

/** One problem or warning in `--json` output: `FILE: FIELD: message` as fields. */
export interface CheckJsonIssue {
  readonly file: string;
  /** The FIELD of the text line (`tenants.acme.memory`; `-` for the whole file). */
  readonly path: string;
  readonly message: string;
}

/** What `check --json` prints. */
export interface CheckJson {
  readonly ok: boolean;
  /** Every problem, in the order (and without the duplicates) of the text output. */
  readonly problems: readonly CheckJsonIssue[];
  /** Warnings about the stack (stale prices, production without tenant authentication); empty when there are problems. */
  readonly warnings: readonly CheckJsonIssue[];
  /** The lockfile synth would leave: absent when there are problems before it is known. */
  readonly lockfile?: { readonly file: string; readonly status: LockfileStatus };
  /** The plan lines of synth's summary, with the placement diff; absent when there are problems. */
  readonly summary?: string;
}

/** Whether synth would leave the lockfile as it is, rewrite it or create it. */
export type LockfileStatus = 'unchanged' | 'would-update' | 'would-create';

/**
 * Loads the stack (`--stack`, or the embedded default) from the working
 * directory and checks the fleet against it with the plan-level rules and the
 * lockfile, as `check` does; `observe` plans the same way.
 *
 * @throws SpecError listing every problem
 */
export async function checkOnStack(options: Pick<CheckCommandOptions, 'modelsDir' | 'stackName' | 'lockfile'>): Promise<{ stack: StackConfig; checked: CheckedFleet }> {
  const stack = loadPlatformStack({ ...(options.stackName !== undefined ? { name: options.stackName } : {}), dir: process.cwd() });
  const checked = await checkFleet({
    modelsDir: options.modelsDir,
    stack,
    rules: PLAN_RULES,
    ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
    ...(options.lockfile !== undefined ? { lockfile: options.lockfile } : {}),
  });
  return { stack, checked };
}

/** Runs `check`; returns the exit code (0 no problems, 1 problems). */
export async function runCheck(options: CheckCommandOptions, io: CliIo): Promise<number> {
  try {
    const { checked } = await checkOnStack(options);
    if (options.frozenLockfile && checked.lockfile.changed) throw new SpecError([frozenLockfileIssue(checked.lockfile, checked.diff)]);
    if (options.json) {
      io.out(JSON.stringify(checkJson(checked), null, 2));
      return 0;
    }
    printWarnings(checked.warnings, io);
    io.out(checked.consoleSummary);
    io.out(lockfileLine(checked));
    io.out('no problems found; nothing was written (synth also renders the manifests, validates them and runs the platform rules on them)');
    return 0;
  } catch (error) {
    if (options.json && error instanceof SpecError) {
      const json: CheckJson = { ok: false, problems: jsonIssues(error.issues), warnings: [] };
      io.out(JSON.stringify(json, null, 2));
      return 1;
    }
    return reportFailure(error, io);
  }
}

function lockfileStatus({ lockfile }: CheckedFleet): LockfileStatus {
  return !lockfile.changed ? 'unchanged' : lockfile.previous ? 'would-update' : 'would-create';
}

function lockfileLine(checked: CheckedFleet): string {
  const file = checked.lockfile.shownAs;
  switch (lockfileStatus(checked)) {
    case 'unchanged':
      return `lockfile: ${file} is up to date`;
    case 'would-update':
      return `lockfile: synth would update ${file}; run \`npx modelfleet synth\` and commit it (--frozen-lockfile makes this an error)`;
    case 'would-create':
      return `lockfile: synth would create ${file}; run \`npx modelfleet synth\` and commit it (--frozen-lockfile makes this an error)`;
  }
}

/** Warnings on stderr, as synth prints those about the stack. */
function printWarnings(warnings: readonly SpecIssue[], io: CliIo): void {
  if (!warnings.length) return;
  io.err(formatIssues(warnings).split('\n').map((line) => `warning: ${line}`).join('\n'));
  io.err(`modelfleet: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} about the stack`);
}

function checkJson(checked: CheckedFleet): CheckJson {
  return {
    ok: true,
    problems: [],
    warnings: jsonIssues(checked.warnings),
    lockfile: { file: checked.lockfile.shownAs, status: lockfileStatus(checked) },
    summary: checked.consoleSummary,
  };
}

/** Issues in `formatIssues` order (by file, then as found), without duplicate lines. */
function jsonIssues(issues: readonly SpecIssue[]): CheckJsonIssue[] {
  const sorted = issues.map((issue, index) => ({ issue, index }));
  sorted.sort((a, b) => (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : a.index - b.index));
  const seen = new Set<string>();
  const out: CheckJsonIssue[] = [];
  for (const { issue } of sorted) {
    const entry = { file: issue.file, path: formatPath(issue.path), message: issue.message };
    const line = `${entry.file}: ${entry.path}: ${entry.message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(entry);
  }
  return out;
}

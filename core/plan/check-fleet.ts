/**
 * The half of `synth` that needs no rendering: load the declarations, plan
 * the fleet against the lockfile (with the plan-level rules), and compute the
 * lockfile synth would write, the placement diff, the stack warnings and the
 * console summary. `modelfleet check` runs exactly this and stops; `synth`
 * goes on to render the manifests, validate them strictly and run the
 * platform rules on them (`constructs/synth-fleet.ts`).
 *
 * Pure planning: no cdk8s, no YAML, nothing written.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import { pricingDay, stalePriceWarnings } from '../cost/check-prices.ts';
import { authWarnings } from '../stack/auth-warnings.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { lockFromPlan, serializeLock, type PlacementLock } from './lockfile.ts';
import { consoleDiff, diffPlacement, type PlacementDiff } from './placement-diff.ts';
import { planFleet, type PlannedFleet, type PlanRule } from './plan-fleet.ts';
import { locateLockfile, readLockfile, type LockfileOnDisk } from './read-lockfile.ts';
import { consoleSummary } from './summarize.ts';

/** Options for `checkFleet`. */
export interface CheckFleetOptions {
  /** Fleet directory. */
  readonly modelsDir: string;
  /** The resolved stack. */
  readonly stack: StackConfig;
  /**
   * The stack name the lockfile is named after (`placement.<name>.lock.json`),
   * as given on the command line.
   *
   * @default - the default stack's `placement.lock.json`
   */
  readonly stackName?: string;
  /** Directory paths are resolved and displayed against. @default - the working directory */
  readonly cwd?: string;
  /** The placement lockfile. @default - beside the models directory, as for synth */
  readonly lockfile?: string;
  /** Ignore the lockfile and pack from scratch (the diff is still against it). @default false */
  readonly ignoreLock?: boolean;
  /** The day prices are judged against. @default - `SOURCE_DATE_EPOCH` when set, else today */
  readonly today?: Date;
  /** Rules checked on the plan (synth's: `policies/plan-rules.ts`). @default - none */
  readonly rules?: readonly PlanRule[];
}

/** The placement lockfile as `synth` would leave it. */
export interface CheckedLockfile {
  readonly path: string;
  readonly shownAs: string;
  readonly previous?: LockfileOnDisk;
  readonly next: PlacementLock;
  readonly text: string;
  /** Whether synth would create or rewrite the file. */
  readonly changed: boolean;
}

/** A fleet that passed every check short of rendering. */
export interface CheckedFleet {
  readonly planned: PlannedFleet;
  readonly lockfile: CheckedLockfile;
  /** Placement changes against the previous lockfile. */
  readonly diff: PlacementDiff;
  /** Warnings about the stack (stale prices, a production stack without tenant authentication): synth's `result.warnings`. */
  readonly warnings: readonly SpecIssue[];
  /** The plan lines of synth's summary and the placement diff. */
  readonly consoleSummary: string;
}

/**
 * Checks a fleet without rendering it. Throws `SpecError` listing every
 * problem, as `synthFleet` does before it renders: a corrupt lockfile or one
 * of another stack, invalid declarations, packing and sizing problems, and
 * the plan-level rules' violations.
 */
export async function checkFleet(options: CheckFleetOptions): Promise<CheckedFleet> {
  const cwd = options.cwd ?? process.cwd();
  const { stack } = options;
  const { path, shownAs } = locateLockfile({
    cwd,
    modelsDir: options.modelsDir,
    ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
    ...(options.lockfile !== undefined ? { lockfile: options.lockfile } : {}),
  });
  const previous = readLockfile(path, shownAs, stack.name);
  const planned = await planFleet({
    modelsDir: options.modelsDir,
    stack,
    cwd,
    ...(previous && !options.ignoreLock ? { lock: previous.lock } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const next = lockFromPlan(planned.plan, stack.name);
  const text = serializeLock(next);
  const diff = diffPlacement(previous?.lock, next, planned.plan.evictions);
  return {
    planned,
    lockfile: { path, shownAs, ...(previous ? { previous } : {}), next, text, changed: previous?.text !== text },
    diff,
    warnings: [...stalePriceWarnings(planned.plan, stack, options.today ?? pricingDay()), ...authWarnings(stack)],
    consoleSummary: `${consoleSummary(planned.fleet, planned.plan, stack, planned.cost)}\n${consoleDiff(diff)}`,
  };
}

/**
 * The problem `--frozen-lockfile` reports when the lockfile would change
 * (the line synth prints for the same case).
 */
export function frozenLockfileIssue(lockfile: Pick<CheckedLockfile, 'shownAs' | 'previous'>, diff: PlacementDiff): SpecIssue {
  const what = lockfile.previous
    ? `placement would change (${diff.added.length} added, ${diff.removed.length} removed, ${diff.moved.length} moved)`
    : 'does not exist';
  return { file: lockfile.shownAs, path: [], message: `${what} and --frozen-lockfile is set; run \`npx modelfleet synth\` and commit the lockfile` };
}

/**
 * The whole `synth` pipeline short of writing files: load the stack, plan the
 * fleet, check the platform rules, render manifests and reports. The CLI
 * writes the result; the Pulumi program registers it. One code path for both.
 */
import type { OutputFile } from '../core/plan/output-file.ts';
import { markdownDiff, type PlacementDiff } from '../core/plan/placement-diff.ts';
import { checkFleet } from '../core/plan/check-fleet.ts';
import type { PlacementLock } from '../core/plan/lockfile.ts';
import type { LockfileOnDisk } from '../core/plan/read-lockfile.ts';
import { PLAN_RULES } from '../policies/plan-rules.ts';
import type { PlannedFleet } from '../core/plan/plan-fleet.ts';
import { markdownRuleResults, markdownSummary, planJson } from '../core/plan/summarize.ts';
import { loadPlatformStack, resolvePlatformStack } from '../policies/default-stack.ts';
import { renderFleet, type FleetManifest } from './render-fleet.ts';
import { byKey } from '../core/util/compare.ts';
import { SpecError, type SpecIssue } from '../core/errors/spec-issue.ts';
import { checkObjectSizes, checkRouteTables } from '../core/validate/size-limits.ts';
import { reportHtml } from '../core/report/report-html.ts';
import type { RuleOutcome } from '../core/plan/rule-outcome.ts';
import { mandatoryViolations, runPlatformRules } from '../policies/rules/run-platform-rules.ts';
import { findManifestIssues } from '../core/validate/find-manifest-issues.ts';
import { ManifestValidationError } from '../core/validate/manifest-issue.ts';

/** Options for `synthFleet`. */
export interface SynthFleetOptions {
  /** Fleet directory. */
  readonly modelsDir: string;
  /** Stack name (`Pulumi.<name>.yaml`). @default - the embedded default stack */
  readonly stackName?: string;
  /**
   * The stack's `modelfleet:*` config values, given instead of reading
   * `Pulumi.<stackName>.yaml`: the Pulumi program passes what Pulumi's config
   * holds (`pulumi config set`, `--config`, ESC environments, `secure:`
   * values). `values` is keyed without the `modelfleet:` prefix (`pools`,
   * `tiers`) and holds parsed values, not JSON text; `source` names the
   * config in messages (`Pulumi.prod.yaml: modelfleet:pools.gpu-l4.memory: …`).
   * `name` is the stack name (lockfile `placement.<name>.lock.json`) and
   * wins over `stackName`.
   *
   * @default - the stack file `Pulumi.<stackName>.yaml`, or the embedded default stack
   */
  readonly stackConfig?: { readonly name: string; readonly source: string; readonly values: Readonly<Record<string, unknown>> };
  /** Directory paths are resolved and displayed against. @default - the working directory */
  readonly cwd?: string;
  /**
   * The placement lockfile to honour.
   *
   * @default - `placement.lock.json` (or `placement.<stack>.lock.json`) in the folder that holds the models directory
   */
  readonly lockfile?: string;
  /**
   * Ignore the lockfile and pack from scratch (the diff is still against it).
   *
   * @default false
   */
  readonly ignoreLock?: boolean;
  /**
   * The day prices are judged against (older than `modelfleet:cost.priceMaxAgeDays` is a warning).
   *
   * @default - `SOURCE_DATE_EPOCH` when set, else today
   */
  readonly today?: Date;
}

/** Everything `synth` produces. */
export interface SynthResult {
  readonly planned: PlannedFleet;
  /** Files of `--out`: manifests, `kustomization.yaml`, `plan.json`, `summary.md`, `report.html`, sorted by path. */
  readonly files: readonly OutputFile[];
  /** Number of Kubernetes objects in the manifests. */
  readonly objectCount: number;
  /** The objects behind the manifest files, one entry per team (what the Pulumi program registers). */
  readonly manifests: readonly FleetManifest[];
  /** The short report printed on success. */
  readonly consoleSummary: string;
  /** The placement lockfile: where it lives, what it held, what it holds now. */
  readonly lockfile: {
    readonly path: string;
    readonly shownAs: string;
    readonly previous?: LockfileOnDisk;
    readonly next: PlacementLock;
    readonly text: string;
  };
  /** Placement changes against the previous lockfile. */
  readonly diff: PlacementDiff;
  /**
   * Every platform rule's outcome on the rendered manifests (`policies/rules/`):
   * advisory violations are warnings; a mandatory one fails synth instead.
   */
  readonly rules: readonly RuleOutcome[];
  /** Warnings about the stack that are not rule outcomes (stale prices, a production stack without tenant authentication): printed, never written into the output. */
  readonly warnings: readonly SpecIssue[];
}

/**
 * Runs the pipeline. Throws `SpecError` listing every problem when the fleet
 * or the stack is invalid or breaks a rule, and `ManifestValidationError`
 * (an internal error: a bug in modelfleet) when a rendered object fails
 * strict schema validation (`core/validate/`).
 */
export async function synthFleet(options: SynthFleetOptions): Promise<SynthResult> {
  const cwd = options.cwd ?? process.cwd();
  const { stackConfig } = options;
  const stack = stackConfig
    ? resolvePlatformStack(stackConfig.name, stackConfig.values, stackConfig.source)
    : loadPlatformStack({ ...(options.stackName !== undefined ? { name: options.stackName } : {}), dir: cwd });
  // Everything short of rendering, as `modelfleet check` runs it: lockfile, plan, plan-level rules, stack warnings.
  const checked = await checkFleet({
    modelsDir: options.modelsDir,
    stack,
    cwd,
    ...((stackConfig?.name ?? options.stackName) !== undefined ? { stackName: stackConfig?.name ?? options.stackName } : {}),
    ...(options.lockfile !== undefined ? { lockfile: options.lockfile } : {}),
    ...(options.ignoreLock ? { ignoreLock: true } : {}),
    ...(options.today ? { today: options.today } : {}),
    rules: PLAN_RULES,
  });
  const { planned, diff } = checked;
  const { changed: _changed, ...lockfile } = checked.lockfile;
  const rendered = renderFleet({ stack, teams: planned.fleet.teams, plan: planned.plan });
  // What the API server or a gateway's proxies would refuse for its size, before anything is applied.
  const routeTableCheck = checkRouteTables(rendered.manifests, stack);
  const sizeIssues = [...checkObjectSizes(rendered.manifests), ...routeTableCheck.errors];
  if (sizeIssues.length) throw new SpecError(sizeIssues);
  // Every rendered object, strictly against its schema (Kubernetes 1.27, vendored CRDs): a failure is a bug in modelfleet.
  const invalid = findManifestIssues(rendered.manifests);
  if (invalid.length) throw new ManifestValidationError(invalid);
  // Platform rules on the rendered objects (all files together): a mandatory violation fails synth.
  const ruleOutcomes = runPlatformRules(rendered.manifests, stack);
  const ruleViolations = mandatoryViolations(ruleOutcomes);
  if (ruleViolations.length) throw new SpecError(ruleViolations);
  const files: OutputFile[] = [
    ...rendered.files,
    { path: 'plan.json', content: planJson(planned.plan, stack, planned.cost, planned.fleet.teams) },
    { path: 'report.html', content: reportHtml({ planned, cost: planned.cost, diff }) },
    { path: 'summary.md', content: `${markdownSummary(planned.fleet, planned.plan, stack, planned.cost)}\n${markdownDiff(diff)}\n${markdownRuleResults(ruleOutcomes)}` },
  ].sort(byKey((f) => f.path));
  return {
    planned,
    files,
    objectCount: rendered.objectCount,
    manifests: rendered.manifests,
    consoleSummary: checked.consoleSummary,
    lockfile,
    diff,
    rules: ruleOutcomes,
    warnings: [...checked.warnings, ...routeTableCheck.warnings],
  };
}

/**
 * The whole `synth` pipeline short of writing files: load the stack, plan the
 * fleet, check the platform rules, render manifests and reports. The CLI
 * writes the result; the Pulumi program registers it. One code path for both.
 */
import type { OutputFile } from '../core/plan/output-file.ts';
import { planFleet, type PlannedFleet } from '../core/plan/plan-fleet.ts';
import { shardResources } from '../core/plan/shard-resources.ts';
import { consoleSummary, markdownSummary, planJson } from '../core/plan/summarize.ts';
import { loadStack } from '../core/stack/load-stack.ts';
import { checkTeamQuotas } from '../policies/team-quota.ts';
import { renderFleet, type FleetManifest } from './render-fleet.ts';
import { byKey } from '../core/util/compare.ts';

/** Options for `synthFleet`. */
export interface SynthFleetOptions {
  /** Fleet directory. */
  readonly modelsDir: string;
  /** Stack name (`Pulumi.<name>.yaml`). @default - the embedded default stack */
  readonly stackName?: string;
  /** Directory paths are resolved and displayed against. @default - the working directory */
  readonly cwd?: string;
}

/** Everything `synth` produces. */
export interface SynthResult {
  readonly planned: PlannedFleet;
  /** Files of `--out`: manifests, `kustomization.yaml`, `plan.json`, `summary.md`, sorted by path. */
  readonly files: readonly OutputFile[];
  /** Number of Kubernetes objects in the manifests. */
  readonly objectCount: number;
  /** The objects behind the manifest files, one entry per team (what the Pulumi program registers). */
  readonly manifests: readonly FleetManifest[];
  /** The short report printed on success. */
  readonly consoleSummary: string;
}

/**
 * Runs the pipeline. Throws `SpecError` listing every problem when the fleet
 * or the stack is invalid or breaks a rule.
 */
export async function synthFleet(options: SynthFleetOptions): Promise<SynthResult> {
  const stack = loadStack({ ...(options.stackName !== undefined ? { name: options.stackName } : {}), ...(options.cwd ? { dir: options.cwd } : {}) });
  const planned = await planFleet({
    modelsDir: options.modelsDir,
    stack,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    rules: [(fleet, plan, s) => checkTeamQuotas(fleet.teams, plan.shards, (shard) => shardResources(s, shard))],
  });
  const rendered = renderFleet({ stack, teams: planned.fleet.teams, plan: planned.plan });
  const files: OutputFile[] = [
    ...rendered.files,
    { path: 'plan.json', content: planJson(planned.plan) },
    { path: 'summary.md', content: markdownSummary(planned.fleet, planned.plan, stack) },
  ].sort(byKey((f) => f.path));
  return {
    planned,
    files,
    objectCount: rendered.objectCount,
    manifests: rendered.manifests,
    consoleSummary: consoleSummary(planned.fleet, planned.plan, stack),
  };
}

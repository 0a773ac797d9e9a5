/**
 * The planning half of `synth`: load → validate → expand tenants → pack →
 * check rules. Shared by the CLI and the Pulumi program (one code path).
 */
import { SpecError, type SpecIssue } from '../errors/spec-issue.ts';
import { collectFleet, type Fleet } from '../loader/load-fleet.ts';
import { packShards } from '../packer/pack-shards.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { checkTritonDeclarations } from '../triton/check-triton-declarations.ts';
import { checkProfiles } from '../serving/check-profiles.ts';
import { expandCopies } from './expand-copies.ts';
import type { PlacementLock } from './lockfile.ts';
import type { ShardPlan } from './shard-plan.ts';
import { checkPeakReplicas } from './shard-replicas.ts';
import { checkGatewayTeams } from '../stack/gateways.ts';
import { checkPrices } from '../cost/check-prices.ts';
import { fleetCost, type FleetCost } from '../cost/fleet-cost.ts';

/** Options for `planFleet`. */
export interface PlanFleetOptions {
  /** Directory of the fleet (`models`). */
  readonly modelsDir: string;
  /** The resolved stack. */
  readonly stack: StackConfig;
  /** Directory displayed paths are relative to. @default - the working directory */
  readonly cwd?: string;
  /**
   * Rules checked on the plan; each returns issues (it reports, never throws).
   * @default - none
   */
  readonly rules?: readonly PlanRule[];
  /**
   * The committed placement to honour.
   * @default - none: pack from scratch
   */
  readonly lock?: PlacementLock;
}

/** A planned fleet: what the constructs render. */
export interface PlannedFleet {
  readonly stack: StackConfig;
  readonly fleet: Fleet;
  readonly plan: ShardPlan;
  /** What the plan costs a month: per shard, copy, team, pool and in total (`core/cost/`). */
  readonly cost: FleetCost;
}

/**
 * Plans a fleet. Throws `SpecError` with every problem found: declaration
 * problems together with the packing problems of the valid declarations;
 * rules run only on a fleet that is otherwise valid (a partial fleet would
 * under-count quota use).
 */
export async function planFleet(options: PlanFleetOptions): Promise<PlannedFleet> {
  const { fleet, issues: declarationIssues } = await collectFleet(options.modelsDir, { ...(options.cwd ? { cwd: options.cwd } : {}), ...options.stack.declarations });
  const loadIssues = [...declarationIssues, ...checkTritonDeclarations(fleet.models, options.stack), ...checkProfiles(fleet.models, options.stack)];
  const namespaces = new Map(fleet.teams.map((t) => [t.name, t.namespace]));
  const { plan, issues } = packShards(expandCopies(fleet.models), {
    stack: options.stack,
    namespaceOf: (team) => namespaces.get(team) ?? team,
    ...(options.lock ? { lock: options.lock } : {}),
  });
  if (!plan || loadIssues.length) throw new SpecError([...loadIssues, ...issues]);
  const sizingIssues = [
    ...checkPeakReplicas(plan.shards, fleet.models, options.stack),
    ...checkPrices(plan, options.stack, fleet.teams),
    ...checkGatewayTeams(options.stack, fleet.teams.map((t) => t.name)),
  ];
  if (sizingIssues.length) throw new SpecError(sizingIssues);
  const cost = fleetCost(plan, options.stack, fleet.teams);
  const ruleIssues = (options.rules ?? []).flatMap((rule) => rule(fleet, plan, options.stack, cost));
  if (ruleIssues.length) throw new SpecError(ruleIssues);
  return { stack: options.stack, fleet, plan, cost };
}

/** A rule checked on the plan (and its cost): reports issues, never throws. */
export type PlanRule = (fleet: Fleet, plan: ShardPlan, stack: StackConfig, cost: FleetCost) => readonly SpecIssue[];

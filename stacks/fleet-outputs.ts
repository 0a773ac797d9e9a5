/**
 * The stack outputs of the Pulumi program, computed from the plan: pure, so
 * tests check the numbers without Pulumi.
 */
import type { PlannedFleet } from '../core/plan/plan-fleet.ts';
import { shardResources } from '../core/plan/shard-resources.ts';
import type { SlaTier } from '../core/spec/model-spec.ts';
import { teamUsage } from '../core/plan/team-usage.ts';

/** One shard, as a stack output. */
export interface ShardOutput {
  readonly team: string;
  readonly tier: SlaTier;
  readonly pool: string;
  /** Number of model copies the shard loads. */
  readonly copies: number;
}

/** GPUs one team's shards request (GPUs per replica × replicas, summed over the team's shards). */
export interface TeamGpusOutput {
  /** With every shard at its min replicas: what the team holds when idle. */
  readonly atMin: number;
  /** With every shard at its max replicas: what its ResourceQuota must allow. */
  readonly atMax: number;
}

/** Everything the program exports. */
export interface FleetOutputs {
  /** Shard name → what it is, in plan order. */
  readonly shards: Readonly<Record<string, ShardOutput>>;
  /** Team name → GPUs requested; every team of the fleet, 0 for teams without GPU shards. */
  readonly gpusRequested: Readonly<Record<string, TeamGpusOutput>>;
  /** Proven lower bound on the number of shards the fleet needs (compare with the number of shards). */
  readonly lowerBound: number;
}

/**
 * Computes the stack outputs. GPU counts come from `shardResources` (the
 * same figure the Deployments request) summed by `teamUsage` (the same sum
 * the team-quota rule checks), so the outputs agree with `synth`'s summary.
 */
export function fleetOutputs(planned: PlannedFleet): FleetOutputs {
  const { stack, fleet, plan } = planned;
  const usage = teamUsage(plan.shards, (shard) => shardResources(stack, shard));
  const shards: Record<string, ShardOutput> = {};
  for (const s of plan.shards) shards[s.name] = { team: s.team, tier: s.tier, pool: s.pool, copies: s.copies.length };
  const gpusRequested: Record<string, TeamGpusOutput> = {};
  for (const team of fleet.teams) {
    const u = usage.get(team.name);
    gpusRequested[team.name] = { atMin: u?.minGpu ?? 0, atMax: u?.gpu ?? 0 };
  }
  return { shards, gpusRequested, lowerBound: plan.lowerBound };
}

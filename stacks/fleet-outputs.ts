/**
 * The stack outputs of the Pulumi program, computed from the plan: pure, so
 * tests check the numbers without Pulumi.
 */
import type { PlannedFleet } from '../core/plan/plan-fleet.ts';
import { placementOf, type Placement } from '../core/plan/route-switch.ts';
import { shardResources } from '../core/plan/shard-resources.ts';
import type { SlaTier } from '../core/spec/model-spec.ts';
import { teamUsage } from '../core/plan/team-usage.ts';
import { addCents, NO_CENTS, usdRange, type CentsRange } from '../core/cost/cost-model.ts';
import { teamBudget } from '../core/cost/fleet-cost.ts';

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
  /** With every shard at its planned peak replicas (the serving model's `serving.replicas`). */
  readonly atPeak: number;
}

/** A monthly cost range in US dollars (`core/cost/`: 730 hours, one node of the pool per replica). */
export interface MonthlyUsdOutput {
  readonly min: number;
  readonly planned: number;
  readonly max: number;
}

/** What the fleet costs a month, in total and per team (with the team's budget, `null` without one). */
export interface MonthlyCostOutput {
  readonly total: MonthlyUsdOutput;
  readonly byTeam: Readonly<Record<string, MonthlyUsdOutput & { readonly budget: number | null }>>;
}

/** One resource of a team: requested at max replicas against the quota. */
export interface QuotaUseOutput {
  /** What the team's shards request with every shard at its max replicas (what the team-quota rule checks). */
  readonly requested: number;
  /** The team's quota (`teams.ts`). */
  readonly quota: number;
  /**
   * `requested` as a percentage of `quota`, rounded to one decimal; 0 when
   * nothing is requested, `null` when the quota is 0 and something is
   * requested. `requested > quota` is exactly a team-quota violation (the
   * rounded percentage may still read 100 for a tiny excess); with the rule
   * mandatory, the default, synth refuses such fleets before any output.
   */
  readonly percent: number | null;
}

/** One team's quota use per resource, in the units of plan.json. */
export interface TeamQuotaUseOutput {
  /** GPUs. */
  readonly gpu: QuotaUseOutput;
  /** CPU, in millicores. */
  readonly cpu: QuotaUseOutput;
  /** Memory, in bytes. */
  readonly memory: QuotaUseOutput;
}

/**
 * Which part of the fleet a stack registers (`modelfleet:teams`,
 * `modelfleet:platformObjects`), as stack outputs: the same two fields in
 * both modes.
 */
export interface SelectionOutputs {
  /** The teams whose objects the stack registers, sorted: every team of the fleet without `modelfleet:teams`. */
  readonly teams: readonly string[];
  /** Whether the stack registers the platform objects (the tiers' PriorityClasses, the ingress gateway's authentication). */
  readonly platformObjects: boolean;
}

/**
 * Everything the program exports. Every figure is the stack's teams'
 * (`teams`): with `modelfleet:teams` a subset stack describes its own part of
 * the fleet, and the figures of a cluster's stacks add up to the fleet's.
 */
export interface FleetOutputs extends SelectionOutputs {
  /** Shard name → what it is, in plan order. */
  readonly shards: Readonly<Record<string, ShardOutput>>;
  /** Team name → GPUs requested; every team of the stack, 0 for teams without GPU shards. */
  readonly gpusRequested: Readonly<Record<string, TeamGpusOutput>>;
  /** Team name → requests at max replicas against its quota; every team of the stack. */
  readonly quotaUse: Readonly<Record<string, TeamQuotaUseOutput>>;
  /**
   * Proven lower bound on the number of shards the stack's teams need
   * (compare with the number of shards): the sum of their packing groups'
   * bounds, the fleet's with every team.
   */
  readonly lowerBound: number;
  /** Monthly cost range, in total (of the stack's teams) and per team against its budget (the figures of plan.json's `cost`). */
  readonly monthlyCostUsd: MonthlyCostOutput;
  /**
   * Triton name of every copy of the stack's teams → `namespace/shard`
   * serving it. The next apply reads it back (a reference to its own stack)
   * to order routes and shards make-before-break (`routeSwitchOrder()`); a
   * copy never changes team, so a subset stack's own placement is all it needs.
   */
  readonly placement: Placement;
}

/** `requested` against `quota`, as `QuotaUseOutput`. */
export function quotaUse(requested: number, quota: number): QuotaUseOutput {
  const percent = requested === 0 ? 0 : quota === 0 ? null : Math.round((requested * 1000) / quota) / 10;
  return { requested, quota, percent };
}

/**
 * Computes the stack outputs. Requests come from `shardResources` (the
 * same figures the Deployments request) summed by `teamUsage` at max
 * replicas, against the teams' quotas: the very comparison the team-quota
 * rule (`checkTeamQuotas`) makes, so the outputs agree with `synth`'s
 * summary and `requested > quota` is exactly a quota violation.
 *
 * @param selection - the stack's part of the fleet (`selectFleet`'s `teams` and `platformObjects`)
 * @default selection - every team and the platform objects
 */
export function fleetOutputs(planned: PlannedFleet, selection?: SelectionOutputs): FleetOutputs {
  const { stack, fleet } = planned;
  const teams = selection?.teams ?? fleet.teams.map((t) => t.name).sort();
  const wanted = new Set(teams);
  const whole = fleet.teams.every((t) => wanted.has(t.name));
  const shardList = whole ? planned.plan.shards : planned.plan.shards.filter((s) => wanted.has(s.team));
  const plan = whole ? planned.plan : { ...planned.plan, shards: shardList };
  const usage = teamUsage(plan.shards, (shard) => shardResources(stack, shard));
  const shards: Record<string, ShardOutput> = {};
  for (const s of plan.shards) shards[s.name] = { team: s.team, tier: s.tier, pool: s.pool, copies: s.copies.length };
  const gpusRequested: Record<string, TeamGpusOutput> = {};
  const quotas: Record<string, TeamQuotaUseOutput> = {};
  const byTeam: Record<string, MonthlyUsdOutput & { budget: number | null }> = {};
  let total: CentsRange = NO_CENTS;
  for (const team of fleet.teams) {
    if (!wanted.has(team.name)) continue;
    const u = usage.get(team.name);
    gpusRequested[team.name] = { atMin: u?.minGpu ?? 0, atMax: u?.gpu ?? 0, atPeak: u?.peakGpu ?? 0 };
    const c = planned.cost.byTeam.get(team.name) ?? NO_CENTS;
    total = addCents(total, c);
    byTeam[team.name] = { ...usdRange(c), budget: teamBudget(team, stack)?.monthlyUsd ?? null };
    quotas[team.name] = {
      gpu: quotaUse(u?.gpu ?? 0, team.quota.gpu),
      cpu: quotaUse(u?.cpu ?? 0, team.quota.cpu),
      memory: quotaUse(u?.memory ?? 0, team.quota.memory),
    };
  }
  return {
    teams: [...teams],
    platformObjects: selection?.platformObjects ?? true,
    shards,
    gpusRequested,
    quotaUse: quotas,
    lowerBound: whole ? plan.lowerBound : plan.groups.filter((g) => wanted.has(g.team)).reduce((n, g) => n + g.lowerBound, 0),
    monthlyCostUsd: { total: usdRange(whole ? planned.cost.total : total), byTeam },
    placement: placementOf(plan),
  };
}

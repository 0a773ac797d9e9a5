/**
 * The cost of a planned fleet: per shard, per copy (its share of the
 * shard), per team, per pool and in total, through `cost-model.ts`.
 */
import type { Shard, ShardPlan } from '../plan/shard-plan.ts';
import type { TeamSpec } from '../spec/team-spec.ts';
import type { PoolSpec, StackConfig } from '../stack/stack-config.ts';
import { addCents, apportion, NO_CENTS, nodeHourlyUsd, scheduleCents, type CentsRange, type ReplicaSchedule } from './cost-model.ts';

/** One shard's cost. */
export interface ShardCost {
  readonly shard: Shard;
  /** One replica (one node of the pool) per hour after the discount, in US dollars. */
  readonly hourlyUsd: number;
  /** The shard's monthly range, in cents. */
  readonly monthly: CentsRange;
  /** Each copy's share of `monthly`, in the shard's copy order; they add up to `monthly`. */
  readonly copies: readonly CentsRange[];
  /** The replica schedule priced. */
  readonly schedule: ReplicaSchedule;
}

/** One pool's totals. */
export interface PoolCost {
  readonly pool: string;
  /** Shards on the pool. */
  readonly shards: number;
  /** Replicas (= nodes) with every shard at min, at the planned peak, and at max. */
  readonly replicas: { readonly min: number; readonly peak: number; readonly max: number };
  readonly monthly: CentsRange;
}

/** The fleet's cost. */
export interface FleetCost {
  /** Per shard, in plan order. */
  readonly shards: readonly ShardCost[];
  /** Per team, in the order of `teams` (teams with no shard cost 0). */
  readonly byTeam: ReadonlyMap<string, CentsRange>;
  /** Per pool, in stack order, pools without shards left out. */
  readonly byPool: ReadonlyMap<string, PoolCost>;
  readonly total: CentsRange;
}

/**
 * A shard's replica schedule: idle 0 when its tier scales to zero under
 * KEDA, its floor, the peak floor in its windows, its ceiling.
 */
export function shardSchedule(shard: Shard, stack: StackConfig): ReplicaSchedule {
  const toZero = stack.autoscaler.kind === 'keda' && stack.tiers[shard.tier].autoscaling.scaleToZero;
  return {
    idle: toZero ? 0 : shard.minReplicas,
    floor: shard.minReplicas,
    peaks: stack.autoscaler.kind === 'keda' && shard.peak ? shard.peak.windowsUtc.map((window) => ({ window, replicas: shard.peak!.replicas })) : [],
    max: shard.maxReplicas,
  };
}

/** What each copy of a shard weighs in its share: GPU memory on a GPU pool, CPU on a CPU pool (see `cost-model.ts`). */
function shareWeights(shard: Shard, pool: PoolSpec | undefined): number[] {
  const gpu = shard.copies.map((c) => c.resources.gpuMemory);
  if (pool?.kind === 'gpu' && gpu.some((g) => g > 0)) return gpu;
  return shard.copies.map((c) => c.resources.cpu);
}

/** A shard's cost; a pool without a price counts 0 (`checkPrices()` reports it first). */
export function shardCost(shard: Shard, stack: StackConfig, pool = stack.pools.find((p) => p.name === shard.pool)): ShardCost {
  const hourlyUsd = pool?.price ? nodeHourlyUsd(pool.price) : 0;
  const schedule = shardSchedule(shard, stack);
  const monthly = scheduleCents(schedule, hourlyUsd);
  const weights = shareWeights(shard, pool);
  const mins = apportion(monthly.min, weights);
  const planned = apportion(monthly.planned, weights);
  const maxes = apportion(monthly.max, weights);
  return { shard, hourlyUsd, monthly, copies: shard.copies.map((_, i) => ({ min: mins[i]!, planned: planned[i]!, max: maxes[i]! })), schedule };
}

/** Prices every shard of `plan` and sums per team (in `teams` order), per pool and in total. */
export function fleetCost(plan: ShardPlan, stack: StackConfig, teams: readonly Pick<TeamSpec, 'name'>[]): FleetCost {
  const pools = new Map(stack.pools.map((p) => [p.name, p]));
  const shards = plan.shards.map((s) => shardCost(s, stack, pools.get(s.pool)));
  const byTeam = new Map<string, CentsRange>(teams.map((t) => [t.name, NO_CENTS]));
  const poolTotals = new Map<string, { shards: number; replicas: { min: number; peak: number; max: number }; monthly: CentsRange }>();
  let total = NO_CENTS;
  for (const c of shards) {
    const s = c.shard;
    byTeam.set(s.team, addCents(byTeam.get(s.team) ?? NO_CENTS, c.monthly));
    let p = poolTotals.get(s.pool);
    if (!p) poolTotals.set(s.pool, (p = { shards: 0, replicas: { min: 0, peak: 0, max: 0 }, monthly: NO_CENTS }));
    p.shards += 1;
    p.replicas.min += c.schedule.idle;
    p.replicas.peak += Math.max(s.minReplicas, s.peak?.replicas ?? 0);
    p.replicas.max += s.maxReplicas;
    p.monthly = addCents(p.monthly, c.monthly);
    total = addCents(total, c.monthly);
  }
  const byPool = new Map<string, PoolCost>();
  for (const pool of stack.pools) {
    const p = poolTotals.get(pool.name);
    if (p) byPool.set(pool.name, { pool: pool.name, ...p });
  }
  return { shards, byTeam, byPool, total };
}

/**
 * The Namespace annotation that carries a team's monthly budget, in US
 * dollars as a decimal (`"12000"`): rendered from `teamBudget()`, read by the
 * `team-budget` manifest rule (and so by the Pulumi policy pack).
 */
export const BUDGET_ANNOTATION = 'modelfleet.io/budget-monthly-usd';

/** Where a team's budget comes from: the stack's override, else `defineTeam({ budget })`. */
export interface BudgetSource {
  readonly monthlyUsd: number;
  readonly file: string;
  readonly path: readonly (string | number)[];
}

/** A team's budget, the stack's `modelfleet:cost.budgets.<team>` winning over the declaration; `undefined` when it has none. */
export function teamBudget(team: TeamSpec, stack: StackConfig): BudgetSource | undefined {
  const own = Object.hasOwn(stack.cost.budgets, team.name) ? stack.cost.budgets[team.name] : undefined;
  if (own) return { monthlyUsd: own.monthlyUsd, file: stack.file, path: ['modelfleet:cost', 'budgets', team.name, 'monthlyUsd'] };
  if (team.budget) return { monthlyUsd: team.budget.monthlyUsd, file: team.file, path: [...team.pathPrefix, 'budget', 'monthlyUsd'] };
  return undefined;
}

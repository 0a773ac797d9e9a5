/**
 * Replica sizing of a shard from its copies' declared `peakQps` and latency
 * profiles, through the serving model (`core/serving/serving-model.ts`).
 *
 * A shard's floor is the least replica count at which its copies meet their
 * latency budgets with every replica at most `targetUtilization` busy, never
 * below the tier's `minReplicas`. For a copy without a profile on the
 * shard's pool the model reads the tier's `replicaThroughputQps` as the
 * latency `l(b) = 1000·b·ρ/T`, so those shards get exactly the floor they
 * always had:
 *
 *     floor = max(tier.minReplicas, ceil(Σ peakQps / replicaThroughputQps[pool kind]))
 *
 * Copies that declare a traffic profile (`traffic.peakHoursUtc`) count
 * toward the floor only inside their peak hours when the stack's autoscaler
 * can schedule (KEDA cron triggers): outside the union of those hours the
 * floor covers only the copies without a profile. The peak floor assumes
 * every copy peaks at once inside the union (the safe side). With the HPA,
 * which cannot schedule, profiles are ignored and the peak floor holds all
 * day. Copies without `peakQps` add no load (their load is unknown; the
 * autoscaler still reacts to it), but must still meet their budget alone.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { ModelSpec } from '../spec/model-spec.ts';
import { peakWindowOf, unionOfWindows, formatWindow, type PeakWindow } from '../spec/traffic-profile.ts';
import { DEFAULT_SERVING, type PoolSpec, type StackConfig, type TierPolicy } from '../stack/stack-config.ts';
import { plannedRate, servingCopy, servingParamsOf } from '../serving/serving-copy.ts';
import { bestBatch, replicasNeeded, shardServing, type ServingCopy, type ServingParams } from '../serving/serving-model.ts';
import { copyLabel, type ModelCopy, type Shard } from './shard-plan.ts';

/** A floor held only during peak hours. */
export interface PeakFloor {
  /** Replicas during the windows (above the shard's `minReplicas`). */
  readonly replicas: number;
  /** Daily UTC windows, disjoint, sorted by start hour: the union of the copies' peak hours. */
  readonly windowsUtc: readonly PeakWindow[];
}

/** A shard at its planned peak, as `plan.json` shows it. */
export interface ShardServingPlan {
  /** Replicas at peak: the least count that meets every budget at the tier's target utilisation. */
  readonly replicas: number;
  /** Share of a replica's time spent executing batches at peak (`U`). */
  readonly utilization: number;
  /** Each copy's planned batch size (`b_i`), in the shard's copy order. */
  readonly batches: readonly number[];
}

/** A shard's replica bounds. */
export interface ShardReplicas {
  /** Floor at all hours. */
  readonly minReplicas: number;
  /** The tier's ceiling. */
  readonly maxReplicas: number;
  /** Higher floor during peak hours; absent when there is none. */
  readonly peak?: PeakFloor;
  /** The shard at its peak (all copies at their peak rates). */
  readonly serving: ShardServingPlan;
}

/** Options for `shardReplicas`. */
export interface ShardReplicasOptions {
  /** Whether the autoscaler can hold a floor during given hours only (KEDA). */
  readonly scheduled: boolean;
  /**
   * Share of each copy's `peakQps` this cluster serves, in percent.
   *
   * @default 100
   */
  readonly peakTrafficPercent?: number;
  /**
   * Milliseconds of every request outside batch execution (`modelfleet:serving.overheadMs`).
   *
   * @default 2
   */
  readonly overheadMs?: number;
}

/** The copies of a shard as serving copies at their peak rates (`allDayOnly`: copies that peak in windows count 0). */
function servingCopies(copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec, options: ShardReplicasOptions, allDayOnly: boolean): ServingCopy[] {
  const union = unionOfWindows(copies.flatMap((c) => (c.traffic && c.peakQps ? [peakWindowOf(c.traffic)] : [])));
  const allDay = (c: ModelCopy) => !options.scheduled || !c.traffic || union === 'all-day';
  return copies.map((c) => servingCopy(c, pool, tier, allDayOnly && !allDay(c) ? 0 : plannedRate(c, options.peakTrafficPercent ?? 100)));
}

/**
 * The shard at peak: the least feasible replica count in the tier's range,
 * or, when there is none (the packer never makes such a shard; a guard
 * reports it), `maxReplicas` with each copy's best batch there.
 */
function servingOf(copies: readonly ServingCopy[], params: ServingParams): ShardServingPlan & { readonly feasible: boolean } {
  const at = shardServing(copies, params);
  if (at) return { ...at, feasible: true };
  const r = params.maxReplicas;
  let load = 0;
  const batches = copies.map((c) => {
    const choice = bestBatch(c, c.rate / r, params.overheadMs);
    load += choice ? (c.rate * choice.perRequestMs) / 1000 : (c.rate * c.curve.latencyMs(1)) / 1000;
    return choice?.batch ?? 1;
  });
  return { replicas: r, utilization: load / r, batches, feasible: false };
}

/**
 * A shard's replica bounds from its copies (see the file comment), capped at
 * the tier's `maxReplicas`; `checkPeakReplicas` reports a shard that cannot
 * be served within it.
 *
 * @example
 * // realtime (min 2, 1500 requests/s per GPU replica), copies of 3000 + 1800 requests/s:
 * shardReplicas(copies, tier, gpuPool, { scheduled: true }).minReplicas // 4
 */
export function shardReplicas(copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec, options: ShardReplicasOptions): ShardReplicas {
  const params = servingParamsOf(tier, options.overheadMs ?? DEFAULT_SERVING.overheadMs);
  const peak = servingOf(servingCopies(copies, tier, pool, options, false), params);
  const serving = { replicas: peak.replicas, utilization: peak.utilization, batches: peak.batches };
  const allDay = servingOf(servingCopies(copies, tier, pool, options, true), params);
  const minReplicas = Math.min(allDay.replicas, peak.replicas);
  if (peak.replicas <= minReplicas) return { minReplicas, maxReplicas: tier.maxReplicas, serving };
  const union = unionOfWindows(copies.flatMap((c) => (c.traffic && c.peakQps ? [peakWindowOf(c.traffic)] : [])));
  // `union` is a list here: an all-day union makes every copy count all day, so the floors would be equal.
  return { minReplicas, maxReplicas: tier.maxReplicas, peak: { replicas: peak.replicas, windowsUtc: union as PeakWindow[] }, serving };
}

/** Whether a stack's autoscaler can hold a floor during given hours only. */
export function canSchedule(stack: StackConfig): boolean {
  return stack.autoscaler.kind === 'keda';
}

/** The sizing options a stack implies. */
export function replicaOptions(stack: StackConfig): ShardReplicasOptions {
  return { scheduled: canSchedule(stack), peakTrafficPercent: stack.autoscaler.peakTrafficPercent, overheadMs: stack.serving.overheadMs };
}

/** `shardReplicas` with the tier and pool looked up in the stack (what the packer calls). */
export function shardReplicasIn(stack: StackConfig, copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec): ShardReplicas {
  return shardReplicas(copies, tier, pool, replicaOptions(stack));
}

/**
 * Shards that cannot be served within the tier's `maxReplicas` (a guard: the
 * packer splits such shards, and reports a copy that needs more alone): one
 * issue per shard, at the `peakQps` field of its busiest copy (the tenant's
 * override when that is where the number comes from).
 */
export function checkPeakReplicas(shards: readonly Shard[], models: readonly ModelSpec[], stack: StackConfig): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const shard of shards) {
    const tier = stack.tiers[shard.tier];
    const pool = stack.pools.find((p) => p.name === shard.pool);
    if (!pool) continue;
    const options = replicaOptions(stack);
    const params = servingParamsOf(tier, stack.serving.overheadMs);
    const copies = servingCopies(shard.copies, tier, pool, options, false);
    if (shardServing(copies, params)) continue;
    const needed = replicasNeeded(copies, params);
    const busiest = [...shard.copies].sort((a, b) => (b.peakQps ?? 0) - (a.peakQps ?? 0) || (a.id < b.id ? -1 : 1))[0]!;
    const listed = [...shard.copies]
      .filter((c) => c.peakQps)
      .sort((a, b) => b.peakQps! - a.peakQps! || (a.id < b.id ? -1 : 1))
      .map((c) => `${copyLabel(c)} ${c.peakQps}`);
    const shown = listed.length > 5 ? [...listed.slice(0, 5), `and ${listed.length - 5} more`] : listed;
    const share = stack.autoscaler.peakTrafficPercent === 100 ? '' : ` at this stack's peakTrafficPercent ${stack.autoscaler.peakTrafficPercent}`;
    const total = Number(copies.reduce((sum, c) => sum + c.rate, 0).toFixed(6));
    issues.push({
      file: busiest.file,
      path: peakQpsPath(busiest, models),
      message:
        `shard ${shard.name} needs ${needed === undefined ? 'more than 10000' : needed} replicas at peak (${total} requests/s summed over its copies${share}: ${shown.join(', ')}; ` +
        `each replica at most ${Math.round(tier.targetUtilization * 100)}% busy), above the ${shard.tier} tier's maxReplicas ${tier.maxReplicas}; ` +
        `lower peakQps, give the model its own shards (dedicated: true), or raise modelfleet:tiers.${shard.tier}.maxReplicas in the stack`,
    });
  }
  return issues;
}

/** Field path of a copy's `peakQps`: the tenant's override when it differs from the model's. */
function peakQpsPath(copy: ModelCopy, models: readonly ModelSpec[]): (string | number)[] {
  const model = models.find((m) => m.file === copy.file && m.name === copy.model);
  if (copy.tenant !== undefined && model && model.peakQps !== copy.peakQps) return [...copy.pathPrefix, 'tenants', copy.tenant, 'peakQps'];
  return [...copy.pathPrefix, 'peakQps'];
}

/** `5 at 08–20 UTC`, for summaries. */
export function describePeak(peak: PeakFloor): string {
  return `${peak.replicas} at ${peak.windowsUtc.map(formatWindow).join(', ')}`;
}

/**
 * Replica sizing of a shard from its copies' declared `peakQps` (pure).
 *
 * A shard's floor is what its copies' summed peak needs at the tier's
 * per-replica throughput, never below the tier's `minReplicas`:
 *
 *     floor = max(tier.minReplicas, ceil(Σ peakQps / replicaThroughputQps[pool kind]))
 *
 * Copies that declare a traffic profile (`traffic.peakHoursUtc`) count
 * toward the floor only inside their peak hours when the stack's autoscaler
 * can schedule (KEDA cron triggers): outside the union of those hours the
 * floor covers only the copies without a profile. The peak floor assumes
 * every copy peaks at once inside the union (the safe side). With the HPA,
 * which cannot schedule, profiles are ignored and the peak floor holds all
 * day. Copies without `peakQps` add nothing (their load is unknown; the
 * autoscaler still reacts to it).
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { ModelSpec } from '../spec/model-spec.ts';
import { peakWindowOf, unionOfWindows, formatWindow, type PeakWindow } from '../spec/traffic-profile.ts';
import type { PoolSpec, StackConfig, TierPolicy } from '../stack/stack-config.ts';
import type { ModelCopy, Shard } from './shard-plan.ts';

/** A floor held only during peak hours. */
export interface PeakFloor {
  /** Replicas during the windows (above the shard's `minReplicas`). */
  readonly replicas: number;
  /** Daily UTC windows, disjoint, sorted by start hour: the union of the copies' peak hours. */
  readonly windowsUtc: readonly PeakWindow[];
}

/** A shard's replica bounds. */
export interface ShardReplicas {
  /** Floor at all hours. */
  readonly minReplicas: number;
  /** The tier's ceiling. */
  readonly maxReplicas: number;
  /** Higher floor during peak hours; absent when there is none. */
  readonly peak?: PeakFloor;
}

/** What a shard's replica sizing starts from, for messages and the summary. */
export interface ReplicaDemand {
  /** Σ peakQps of every copy, times the stack's `peakTrafficPercent`. */
  readonly peakQps: number;
  /** The same sum over the copies that may peak at any hour. */
  readonly allDayQps: number;
  /** Requests/s one replica serves (the tier's figure for the pool's kind). */
  readonly replicaThroughputQps: number;
  /** Replicas the full peak needs before capping at `maxReplicas`. */
  readonly neededReplicas: number;
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
}

/** The shard's demand: summed peaks and the replicas they need (uncapped). */
export function replicaDemand(copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec, options: ShardReplicasOptions): ReplicaDemand {
  const throughput = tier.autoscaling.replicaThroughputQps[pool.kind];
  const union = unionOfWindows(copies.flatMap((c) => (c.traffic && c.peakQps ? [peakWindowOf(c.traffic)] : [])));
  const allDay = (c: ModelCopy) => !options.scheduled || !c.traffic || union === 'all-day';
  const share = (options.peakTrafficPercent ?? 100) / 100;
  const qps = (c: ModelCopy) => (c.peakQps ?? 0) * share;
  const peakQps = round(sum(copies.map(qps)));
  const allDayQps = round(sum(copies.filter(allDay).map(qps)));
  return { peakQps, allDayQps, replicaThroughputQps: throughput, neededReplicas: replicasFor(peakQps, throughput, tier.minReplicas) };
}

/**
 * A shard's replica bounds from its copies (see the file comment). Capped
 * at the tier's `maxReplicas`; `checkPeakReplicas` reports a peak that
 * needs more.
 *
 * @example
 * // realtime (min 2, 1000 requests/s per GPU replica), copies of 3000 + 1800 requests/s:
 * shardReplicas(copies, tier, gpuPool, { scheduled: true }) // { minReplicas: 5, maxReplicas: 8 }
 */
export function shardReplicas(copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec, options: ShardReplicasOptions): ShardReplicas {
  const demand = replicaDemand(copies, tier, pool, options);
  const cap = (n: number) => Math.min(tier.maxReplicas, n);
  const minReplicas = cap(replicasFor(demand.allDayQps, demand.replicaThroughputQps, tier.minReplicas));
  const peakReplicas = cap(demand.neededReplicas);
  if (peakReplicas <= minReplicas) return { minReplicas, maxReplicas: tier.maxReplicas };
  const union = unionOfWindows(copies.flatMap((c) => (c.traffic && c.peakQps ? [peakWindowOf(c.traffic)] : [])));
  // `union` is a list here: an all-day union makes every copy count all day, so the floors would be equal.
  return { minReplicas, maxReplicas: tier.maxReplicas, peak: { replicas: peakReplicas, windowsUtc: union as PeakWindow[] } };
}

/** Whether a stack's autoscaler can hold a floor during given hours only. */
export function canSchedule(stack: StackConfig): boolean {
  return stack.autoscaler.kind === 'keda';
}

/** The sizing options a stack implies. */
export function replicaOptions(stack: StackConfig): ShardReplicasOptions {
  return { scheduled: canSchedule(stack), peakTrafficPercent: stack.autoscaler.peakTrafficPercent };
}

/** `shardReplicas` with the tier and pool looked up in the stack (what the packer calls). */
export function shardReplicasIn(stack: StackConfig, copies: readonly ModelCopy[], tier: TierPolicy, pool: PoolSpec): ShardReplicas {
  return shardReplicas(copies, tier, pool, replicaOptions(stack));
}

/**
 * Shards whose summed peak needs more replicas than the tier allows: one
 * issue per shard, at the `peakQps` field of its busiest copy (the tenant's
 * override when that is where the number comes from).
 */
export function checkPeakReplicas(shards: readonly Shard[], models: readonly ModelSpec[], stack: StackConfig): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const shard of shards) {
    const tier = stack.tiers[shard.tier];
    const pool = stack.pools.find((p) => p.name === shard.pool);
    if (!pool) continue;
    const demand = replicaDemand(shard.copies, tier, pool, replicaOptions(stack));
    if (demand.neededReplicas <= tier.maxReplicas) continue;
    const busiest = [...shard.copies].sort((a, b) => (b.peakQps ?? 0) - (a.peakQps ?? 0) || (a.id < b.id ? -1 : 1))[0]!;
    const listed = [...shard.copies]
      .filter((c) => c.peakQps)
      .sort((a, b) => b.peakQps! - a.peakQps! || (a.id < b.id ? -1 : 1))
      .map((c) => `${c.tenant ? `${c.model}@${c.tenant}` : c.model} ${c.peakQps}`);
    const shown = listed.length > 5 ? [...listed.slice(0, 5), `and ${listed.length - 5} more`] : listed;
    const share = stack.autoscaler.peakTrafficPercent === 100 ? '' : ` at this stack's peakTrafficPercent ${stack.autoscaler.peakTrafficPercent}`;
    const thr = demand.replicaThroughputQps;
    issues.push({
      file: busiest.file,
      path: peakQpsPath(busiest, models),
      message:
        `shard ${shard.name} needs ${demand.neededReplicas} replicas at peak (${demand.peakQps} requests/s summed over its copies${share}: ${shown.join(', ')}; ` +
        `${thr} requests/s per replica on ${pool.kind} pools), above the ${shard.tier} tier's maxReplicas ${tier.maxReplicas}; ` +
        `lower peakQps, give the model its own shards (dedicated: true), or raise modelfleet:tiers.${shard.tier}.maxReplicas or autoscaling.replicaThroughputQps.${pool.kind} in the stack`,
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

/** `max(floor, ceil(qps / throughput))`. */
function replicasFor(qps: number, throughput: number, floor: number): number {
  // Round away float noise (0.1 + 0.2) before ceil, so 3000 / 1000 is 3, never 4.
  return Math.max(floor, Math.ceil(Number((qps / throughput).toFixed(9))));
}

function round(value: number): number {
  return Number(value.toFixed(6));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `5 at 08–20 UTC`, for summaries. */
export function describePeak(peak: PeakFloor): string {
  return `${peak.replicas} at ${peak.windowsUtc.map(formatWindow).join(', ')}`;
}

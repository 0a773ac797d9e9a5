/**
 * A model copy as the serving model sees it on one pool: its planned peak
 * rate, its batch latency curve there and its latency budget; and the
 * sizing constants of a tier. Pure.
 */
import type { ModelCopy } from '../plan/shard-plan.ts';
import { TIER_P99_MS, type SlaTier } from '../spec/model-spec.ts';
import type { PoolSpec, StackConfig, TierPolicy } from '../stack/stack-config.ts';
import { profileCurve, throughputCurve, type LatencyCurve } from './latency-curve.ts';
import { copyLoad, type ServingCopy, type ServingParams } from './serving-model.ts';

/** The copy's Triton `max_batch_size` (declared, else the tier's); 0 means no batching. */
export function copyMaxBatchSize(copy: Pick<ModelCopy, 'triton'>, tier: TierPolicy): number {
  return copy.triton.maxBatchSize ?? tier.triton.maxBatchSize;
}

/** The copy's p99 budget in milliseconds: its tier's, or its declared `p99LatencyMs` when that is tighter. */
export function latencyBudgetMs(copy: Pick<ModelCopy, 'tier' | 'p99LatencyMs'>): number {
  return Math.min(TIER_P99_MS[copy.tier], copy.p99LatencyMs ?? Infinity);
}

/** The requests/s a shard must plan for the copy: its `peakQps` times the stack's `peakTrafficPercent`. */
export function plannedRate(copy: Pick<ModelCopy, 'peakQps'>, peakTrafficPercent: number): number {
  return ((copy.peakQps ?? 0) * peakTrafficPercent) / 100;
}

const CURVES = new WeakMap<object, Map<string, LatencyCurve>>();

/**
 * The copy's batch latency on `pool`: its declared profile for the pool, else
 * the tier's throughput figure for the pool's kind. Curves are shared by the
 * copies of one model (same profile object, pool and batch limit).
 */
export function latencyCurveOf(copy: Pick<ModelCopy, 'profile' | 'triton'>, pool: PoolSpec, tier: TierPolicy): LatencyCurve {
  const maxBatch = Math.max(1, copyMaxBatchSize(copy, tier));
  const points = copy.profile?.[pool.name];
  const owner: object = points ?? tier.autoscaling;
  let byKey = CURVES.get(owner);
  if (!byKey) CURVES.set(owner, (byKey = new Map()));
  const key = points ? `${maxBatch}` : `${pool.kind}/${maxBatch}/${tier.targetUtilization}`;
  let curve = byKey.get(key);
  if (!curve) {
    curve = points ? profileCurve(points, maxBatch) : throughputCurve(tier.autoscaling.replicaThroughputQps[pool.kind], tier.targetUtilization, maxBatch);
    byKey.set(key, curve);
  }
  return curve;
}

/** The copy on `pool` of `tier` at `rate` requests/s, for the serving model. */
export function servingCopy(copy: ModelCopy, pool: PoolSpec, tier: TierPolicy, rate: number): ServingCopy {
  return { rate, curve: latencyCurveOf(copy, pool, tier), budgetMs: latencyBudgetMs(copy) };
}

/** The copy on `pool` in `stack`, at its planned peak rate. */
export function servingCopyIn(copy: ModelCopy, pool: PoolSpec, stack: StackConfig): ServingCopy {
  return servingCopy(copy, pool, stack.tiers[copy.tier], plannedRate(copy, stack.autoscaler.peakTrafficPercent));
}

/**
 * The copy's load on `pool` at every replica count of its tier's range
 * (`load(R)` for `R = minReplicas + k`; `Infinity` where it cannot meet its
 * budget): what the packers sum per shard to find its peak replicas.
 */
export function copyLoads(copy: ModelCopy, pool: PoolSpec, stack: StackConfig): Float64Array {
  const tier = stack.tiers[copy.tier];
  const serving = servingCopyIn(copy, pool, stack);
  const loads = new Float64Array(tier.maxReplicas - tier.minReplicas + 1);
  for (let k = 0; k < loads.length; k++) loads[k] = copyLoad(serving, tier.minReplicas + k, stack.serving.overheadMs);
  return loads;
}

/** The sizing constants of `tier` with `overheadMs`. */
export function servingParamsOf(tier: TierPolicy, overheadMs: number): ServingParams {
  return { overheadMs, targetUtilization: tier.targetUtilization, minReplicas: tier.minReplicas, maxReplicas: tier.maxReplicas };
}

/** The sizing constants of `tier` in `stack`. */
export function servingParams(tier: SlaTier, stack: StackConfig): ServingParams {
  return servingParamsOf(stack.tiers[tier], stack.serving.overheadMs);
}

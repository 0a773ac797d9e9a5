/**
 * The serving model: how many replicas a shard needs at peak, and at which
 * batch size each copy runs. Pure; the packer, the replica sizing, the plan
 * and the Triton configuration all use it.
 *
 * A copy i with peak rate `r_i` on a shard of `R` replicas sees
 * `λ_i = r_i / R` requests/s per replica (least-request balancing spreads it
 * evenly). It runs batches of `b_i`, `1 ≤ b_i ≤ maxBatch_i`, that are
 * latency-feasible:
 *
 *     (b_i − 1)·1000/λ_i + l_i(b_i) + o ≤ L_i
 *
 * (the wait to fill the batch, then its execution, within the copy's p99
 * budget `L_i`, with `o` the stack's per-request overhead; `λ_i = 0` means
 * `b_i = 1`). A replica's utilisation is
 *
 *     U = Σ_i λ_i · l_i(b_i) / (1000 · b_i)
 *
 * and must stay at or below the tier's `targetUtilization` ρ. The shard's peak
 * replicas are the least `R` in `[minReplicas, maxReplicas]` for which batch
 * sizes exist that satisfy both. The terms are independent per copy, so each
 * copy takes the feasible batch with the least execution time per request,
 * `l_i(b)/b` (the smallest such batch on a tie).
 *
 * Written in "replica loads": `load_i(R) = r_i · l_i(b_i)/(1000·b_i)` is the
 * work copy i brings, in replicas kept busy; the shard fits `R` replicas when
 * `Σ load_i(R) ≤ ρ·R`. A copy's load only falls as `R` falls (a higher rate
 * per replica fills larger, cheaper batches), which is what the lower bound
 * in `serving-bounds.ts` uses.
 */
import type { LatencyCurve } from './latency-curve.ts';

/** One copy as the serving model sees it. */
export interface ServingCopy {
  /** Peak requests/s the shard must serve for the copy (`r_i`); 0 when unknown. */
  readonly rate: number;
  /** Batch latency on the shard's pool. */
  readonly curve: LatencyCurve;
  /** The copy's p99 budget in milliseconds (`L_i`). */
  readonly budgetMs: number;
}

/** The constants of one shard's sizing. */
export interface ServingParams {
  /** `o`, milliseconds of every request outside batch execution. */
  readonly overheadMs: number;
  /** `ρ`, the tier's target utilisation. */
  readonly targetUtilization: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** A copy's batch at a rate per replica. */
export interface BatchChoice {
  /** `b_i`. */
  readonly batch: number;
  /** `l_i(b_i) / b_i`: execution milliseconds per request. */
  readonly perRequestMs: number;
}

/** A feasible shard at its peak. */
export interface ShardServing {
  /** Least feasible replica count. */
  readonly replicas: number;
  /** `U` at that count. */
  readonly utilization: number;
  /** `b_i` of every copy, in input order. */
  readonly batches: readonly number[];
}

/** Relative slack for floating-point comparisons (a sum equal to the bound on paper must pass). */
const EPSILON = 1e-9;

/** Per curve: for every b, the batch ≤ b with the least `l(b)/b` (prefix minima), built once. */
const PREFIX_BEST = new WeakMap<LatencyCurve, { readonly batch: Int32Array; readonly perRequestMs: Float64Array }>();

function prefixBest(curve: LatencyCurve): { readonly batch: Int32Array; readonly perRequestMs: Float64Array } {
  let best = PREFIX_BEST.get(curve);
  if (!best) {
    const batch = new Int32Array(curve.maxBatch + 1);
    const perRequestMs = new Float64Array(curve.maxBatch + 1);
    for (let b = 1; b <= curve.maxBatch; b++) {
      const own = curve.latencyMs(b) / b;
      // Strictly less: on a tie the smaller batch stays (it waits less).
      if (b === 1 || own < perRequestMs[b - 1]! * (1 - EPSILON)) {
        batch[b] = b;
        perRequestMs[b] = own;
      } else {
        batch[b] = batch[b - 1]!;
        perRequestMs[b] = perRequestMs[b - 1]!;
      }
    }
    PREFIX_BEST.set(curve, (best = { batch, perRequestMs }));
  }
  return best;
}

/** Whether a batch of `b` at `lambda` requests/s per replica meets the budget. */
export function batchFeasible(copy: ServingCopy, b: number, lambda: number, overheadMs: number): boolean {
  const wait = b === 1 ? 0 : lambda > 0 ? ((b - 1) * 1000) / lambda : Infinity;
  return wait + copy.curve.latencyMs(b) + overheadMs <= copy.budgetMs * (1 + EPSILON);
}

/**
 * The copy's batch at `lambda` requests/s per replica: among latency-feasible
 * batches the one with the least execution time per request; `undefined`
 * when even a batch of one misses the budget.
 */
export function bestBatch(copy: ServingCopy, lambda: number, overheadMs: number): BatchChoice | undefined {
  if (!batchFeasible(copy, 1, lambda, overheadMs)) return undefined;
  // Feasible batches are a prefix 1..hi: waiting and execution both grow with b.
  let lo = 1;
  let hi = lambda > 0 ? copy.curve.maxBatch : 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (batchFeasible(copy, mid, lambda, overheadMs)) lo = mid;
    else hi = mid - 1;
  }
  const best = prefixBest(copy.curve);
  return { batch: best.batch[lo]!, perRequestMs: best.perRequestMs[lo]! };
}

/** `load_i(R)`: replicas of work the copy brings to a shard of `replicas`; `Infinity` when it cannot meet its budget there. */
export function copyLoad(copy: ServingCopy, replicas: number, overheadMs: number): number {
  const choice = bestBatch(copy, copy.rate / replicas, overheadMs);
  return choice ? (copy.rate * choice.perRequestMs) / 1000 : Infinity;
}

/** Whether a summed load fits `replicas` replicas at utilisation ρ. */
export function loadFits(load: number, replicas: number, targetUtilization: number): boolean {
  return load <= targetUtilization * replicas * (1 + EPSILON);
}

/** The shard at exactly `replicas`: its utilisation and batches, or `undefined` when infeasible there. */
export function servingAt(copies: readonly ServingCopy[], replicas: number, params: Pick<ServingParams, 'overheadMs' | 'targetUtilization'>): ShardServing | undefined {
  let load = 0;
  const batches: number[] = [];
  for (const copy of copies) {
    const choice = bestBatch(copy, copy.rate / replicas, params.overheadMs);
    if (!choice) return undefined;
    load += (copy.rate * choice.perRequestMs) / 1000;
    batches.push(choice.batch);
  }
  if (!loadFits(load, replicas, params.targetUtilization)) return undefined;
  return { replicas, utilization: load / replicas, batches };
}

/**
 * The shard at its peak: the least replica count in `[minReplicas,
 * maxReplicas]` that is feasible, or `undefined` when none is.
 */
export function shardServing(copies: readonly ServingCopy[], params: ServingParams): ShardServing | undefined {
  for (let r = params.minReplicas; r <= params.maxReplicas; r++) {
    const at = servingAt(copies, r, params);
    if (at) return at;
  }
  return undefined;
}

/**
 * Replicas the copies need beyond any ceiling, for messages: the least
 * feasible count up to `limit`, or `undefined` when even `limit` replicas are
 * not enough (a copy that misses its budget at a batch of one never fits).
 */
export function replicasNeeded(copies: readonly ServingCopy[], params: ServingParams, limit = 10_000): number | undefined {
  if (copies.some((c) => !batchFeasible(c, 1, 0, params.overheadMs))) return undefined;
  // Feasibility is not monotone in R in general (fewer replicas fill larger batches), so scan.
  for (let r = params.minReplicas; r <= limit; r++) if (servingAt(copies, r, params)) return r;
  return undefined;
}

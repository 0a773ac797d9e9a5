/**
 * An independent implementation of the serving model, for tests: written
 * from the model's definition (issue 13, docs/tiers.md "Planning for load"),
 * sharing no code with `core/serving/`. It interpolates the declared points
 * itself, tries every batch size by brute force, and every replica count.
 *
 * `checkShard` returns the problems of one planned shard: a replica count
 * that is not the least feasible one in the tier's range, a batch that is not
 * latency-feasible at the planned rate, a utilisation above the target.
 */
import type { Shard } from '../../core/plan/shard-plan.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';

const P99_MS = { realtime: 10, interactive: 100, batch: 1000 } as const;

/** Linear interpolation through `points` (batch → ms); `undefined` above the largest point. */
function latency(points: readonly { batch: number; latencyMs: number }[], b: number): number | undefined {
  const sorted = [...points].sort((x, y) => x.batch - y.batch);
  if (b > sorted[sorted.length - 1]!.batch) return undefined;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.batch === b) return p.latencyMs;
    const q = sorted[i + 1];
    if (q && p.batch < b && b < q.batch) return p.latencyMs + ((q.latencyMs - p.latencyMs) * (b - p.batch)) / (q.batch - p.batch);
  }
  return undefined;
}

interface Copy {
  readonly id: string;
  readonly rate: number;
  readonly l: (b: number) => number | undefined;
  readonly maxBatch: number;
  readonly budget: number;
}

function copiesOf(shard: Shard, stack: StackConfig): Copy[] {
  const tier = stack.tiers[shard.tier];
  const pool = stack.pools.find((p) => p.name === shard.pool)!;
  const rho = tier.targetUtilization;
  const throughput = tier.autoscaling.replicaThroughputQps[pool.kind];
  return shard.copies.map((c) => {
    const declared = c.triton.maxBatchSize ?? tier.triton.maxBatchSize;
    const points = c.profile?.[shard.pool];
    return {
      id: c.id,
      rate: ((c.peakQps ?? 0) * stack.autoscaler.peakTrafficPercent) / 100,
      l: points ? (b: number) => latency(points, b) : (b: number) => (1000 * b * rho) / throughput,
      maxBatch: declared === 0 ? 1 : declared,
      budget: Math.min(P99_MS[c.tier], c.p99LatencyMs ?? Infinity),
    };
  });
}

const feasible = (c: Copy, b: number, lambda: number, o: number): boolean => {
  const l = c.l(b);
  if (l === undefined || b > c.maxBatch) return false;
  if (lambda === 0 && b > 1) return false;
  const wait = b === 1 ? 0 : ((b - 1) * 1000) / lambda;
  return wait + l + o <= c.budget + 1e-9;
};

/** The least utilisation term of a copy at `lambda` over all feasible batches, or `undefined`. */
function bestTerm(c: Copy, lambda: number, o: number): number | undefined {
  let best: number | undefined;
  for (let b = 1; b <= c.maxBatch; b++) {
    if (!feasible(c, b, lambda, o)) continue;
    const term = (lambda * c.l(b)!) / (1000 * b);
    if (best === undefined || term < best) best = term;
  }
  return best;
}

/** Whether the copies fit `r` replicas. */
function fits(copies: readonly Copy[], r: number, rho: number, o: number): boolean {
  let u = 0;
  for (const c of copies) {
    const term = bestTerm(c, c.rate / r, o);
    if (term === undefined) return false;
    u += term;
  }
  return u <= rho + 1e-9;
}

/** Problems of one planned shard, as readable strings. */
export function checkShard(shard: Shard, stack: StackConfig): string[] {
  const problems: string[] = [];
  const tier = stack.tiers[shard.tier];
  const o = stack.serving.overheadMs;
  const rho = tier.targetUtilization;
  const copies = copiesOf(shard, stack);
  const r = shard.serving.replicas;
  let least: number | undefined;
  for (let k = tier.minReplicas; k <= tier.maxReplicas; k++) {
    if (fits(copies, k, rho, o)) {
      least = k;
      break;
    }
  }
  if (least === undefined) return [`${shard.name}: no replica count in ${tier.minReplicas}–${tier.maxReplicas} serves its copies`];
  if (r !== least) problems.push(`${shard.name}: plans ${r} replicas at peak, the least feasible is ${least}`);
  let u = 0;
  copies.forEach((c, i) => {
    const b = shard.serving.batches[i]!;
    const lambda = c.rate / r;
    if (!feasible(c, b, lambda, o)) problems.push(`${shard.name}: ${c.id} batch ${b} misses its ${c.budget} ms budget at ${lambda} requests/s per replica`);
    else u += (lambda * c.l(b)!) / (1000 * b);
  });
  if (u > rho + 1e-9) problems.push(`${shard.name}: utilisation ${u} above ${rho}`);
  if (Math.abs(u - shard.serving.utilization) > 1e-6) problems.push(`${shard.name}: utilisation is ${u}, the plan says ${shard.serving.utilization}`);
  return problems;
}

/** Problems of every shard of a plan. */
export function checkPlan(shards: readonly Shard[], stack: StackConfig): string[] {
  return shards.flatMap((s) => checkShard(s, stack));
}

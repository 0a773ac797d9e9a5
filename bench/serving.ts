/**
 * Packing for load: `npm run bench:serving [-- --quick] [--seed N]`.
 *
 * Generated fleets with hot and idle tenants (a quarter of the copies busy)
 * and latency profiles with large fixed per-batch costs, from 1,000 to
 * 10,000 copies. For each fleet it prints GPUs at the planned peak against
 * the proven lower bound (`gpusAtPeakLowerBound`) and against memory-first
 * packing (each group packed on resources alone, as modelfleet did before
 * load was modelled, its shards then sized by the same serving model; a
 * shard that no replica count up to maxReplicas can serve is counted at the
 * replicas it would need, and listed as refused), and the planning time.
 * Every plan is re-checked shard by shard against the model first.
 *
 * It also times planning the 600-copy example fleet (with its lockfile, and
 * from scratch), the figure to compare with earlier releases.
 *
 * Prints figures only: nothing here passes or fails.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { expandCopies } from '../core/plan/expand-copies.ts';
import { planFleet } from '../core/plan/plan-fleet.ts';
import { readLockfile, locateLockfile } from '../core/plan/read-lockfile.ts';
import type { ShardPlan } from '../core/plan/shard-plan.ts';
import { capacityVector, itemVector, packShards } from '../core/packer/pack-shards.ts';
import { packVectors } from '../core/packer/pack-vectors.ts';
import { servingCopyIn, servingParams } from '../core/serving/serving-copy.ts';
import { replicasNeeded, shardServing } from '../core/serving/serving-model.ts';
import { loadPlatformStack, resolvePlatformStack } from '../policies/default-stack.ts';
import { servingFleet } from './serving-fleet.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '13' } } });
const stack = resolvePlatformStack('default', {});

/** GPUs at peak of the memory-first packing, and how many of its shards no replica count up to maxReplicas serves. */
function memoryFirst(plan: ShardPlan): { gpus: number; refused: number } {
  let gpus = 0;
  let refused = 0;
  const groups = new Map<string, ShardPlan['shards'][number][]>();
  for (const s of plan.shards) groups.set(`${s.team}/${s.tier}/${s.pool}`, [...(groups.get(`${s.team}/${s.tier}/${s.pool}`) ?? []), s]);
  for (const shards of groups.values()) {
    const { tier, pool: poolName, gpusPerReplica } = shards[0]!;
    const pool = stack.pools.find((p) => p.name === poolName)!;
    const capacity = capacityVector(stack, tier, pool);
    // In id order, so the comparison does not depend on where the planner put the copies.
    const copies = shards.flatMap((s) => s.copies).sort((a, b) => (a.id < b.id ? -1 : 1));
    const packing = packVectors({ capacity, items: copies.map((c) => itemVector(c, capacity)) });
    const bins = Array.from({ length: packing.bins }, () => [] as (typeof copies)[number][]);
    packing.assignment.forEach((b, i) => bins[b]!.push(copies[i]!));
    for (const bin of bins) {
      const serving = bin.map((c) => servingCopyIn(c, pool, stack));
      const params = servingParams(tier, stack);
      const fit = shardServing(serving, params);
      if (fit) gpus += fit.replicas * gpusPerReplica;
      else {
        refused++;
        gpus += (replicasNeeded(serving, params) ?? params.maxReplicas) * gpusPerReplica;
      }
    }
  }
  return { gpus, refused };
}

const pad = (s: string | number, w: number) => String(s).padStart(w);

console.log(`Packing for load (seed ${values.seed}; realtime and interactive copies on gpu-l4 / gpu-a100-80g; a quarter of the tenants busy)\n`);
console.log(['copies', 'shards', 'GPUs at peak', 'lower bound', 'ratio', 'memory-first', 'refused', 'plan ms'].map((h, i) => pad(h, [7, 7, 13, 12, 6, 13, 8, 8][i]!)).join(' '));
const sizes = values.quick ? [1_000, 4_000] : [1_000, 2_500, 5_000, 10_000];
for (const n of sizes) {
  const models = servingFleet(n, Number(values.seed) + n);
  const copies = expandCopies(models);
  const t0 = performance.now();
  const { plan, issues } = packShards(copies, { stack });
  const ms = performance.now() - t0;
  if (!plan) throw new Error(`the generated fleet of ${n} copies did not plan: ${issues.map((i) => i.message).join('; ')}`);
  for (const s of plan.shards) {
    const pool = stack.pools.find((p) => p.name === s.pool)!;
    const fit = shardServing(s.copies.map((c) => servingCopyIn(c, pool, stack)), servingParams(s.tier, stack));
    if (!fit || fit.replicas !== s.serving.replicas) throw new Error(`shard ${s.name} does not pass the serving model`);
  }
  const gpus = plan.shards.reduce((sum, s) => sum + s.serving.replicas * s.gpusPerReplica, 0);
  const mf = memoryFirst(plan);
  console.log(
    [pad(copies.length, 7), pad(plan.shards.length, 7), pad(gpus, 13), pad(plan.gpusAtPeakLowerBound, 12), pad((gpus / plan.gpusAtPeakLowerBound).toFixed(3), 6), pad(mf.gpus, 13), pad(mf.refused, 8), pad(ms.toFixed(0), 8)].join(' '),
  );
}

// The example fleet: planning time with its lockfile (what every synth does) and from scratch.
const example = loadPlatformStack({ dir: process.cwd() });
const where = locateLockfile({ cwd: process.cwd(), modelsDir: 'models' });
const lock = readLockfile(where.path, where.shownAs, example.name)?.lock;
const time = async (withLock: boolean) => {
  const runs: number[] = [];
  for (let i = 0; i < (values.quick ? 3 : 5); i++) {
    const t0 = performance.now();
    const planned = await planFleet({ modelsDir: 'models', stack: example, ...(withLock && lock ? { lock } : {}) });
    runs.push(performance.now() - t0);
    if (!planned.plan.shards.length) throw new Error('empty plan');
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
};
console.log(`\nexample fleet (600 copies), planning (load, validate, pack) median: ${(await time(true)).toFixed(0)} ms with placement.lock.json, ${(await time(false)).toFixed(0)} ms from scratch`);

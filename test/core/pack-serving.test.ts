/**
 * Packing for load: every shard of a plan passes the serving model as an
 * independent implementation checks it (test/support/serving-check.ts);
 * GPUs at peak are never below the proven lower bound nor above what the
 * memory-first packing needs; the busy fleet that used to be refused plans;
 * the lockfile moves a copy only when its shard could not serve it, and says so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { expandCopies } from '../../core/plan/expand-copies.ts';
import { lockFromPlan } from '../../core/plan/lockfile.ts';
import { consoleDiff, diffPlacement } from '../../core/plan/placement-diff.ts';
import type { Shard, ShardPlan } from '../../core/plan/shard-plan.ts';
import { capacityVector, itemVector, packShards } from '../../core/packer/pack-shards.ts';
import { packVectors } from '../../core/packer/pack-vectors.ts';
import { checkProfiles } from '../../core/serving/check-profiles.ts';
import { shardAutoscaling } from '../../core/plan/shard-autoscaling.ts';
import { shardModelConfigs } from '../../core/triton/shard-model-configs.ts';
import type { ModelSpec } from '../../core/spec/model-spec.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { model, tenants } from '../support/model-fixture.ts';
import { checkPlan, checkShard } from '../support/serving-check.ts';
import { servingFleet } from '../../bench/serving-fleet.ts';

const stack = resolvePlatformStack('default', {});
const pack = (models: readonly ModelSpec[], lock?: ReturnType<typeof lockFromPlan>) => packShards(expandCopies(models), { stack, ...(lock ? { lock } : {}) });
const gpusAtPeak = (plan: ShardPlan) => plan.shards.reduce((n, s) => n + s.serving.replicas * s.gpusPerReplica, 0);

/** GPUs at peak of the memory-first packing (each group packed on resources alone), or `undefined` when one of its shards cannot be served. */
function memoryFirstGpus(plan: ShardPlan): number | undefined {
  let total = 0;
  const byGroup = new Map<string, Shard[]>();
  for (const s of plan.shards) byGroup.set(`${s.team}/${s.tier}/${s.pool}`, [...(byGroup.get(`${s.team}/${s.tier}/${s.pool}`) ?? []), s]);
  for (const shards of byGroup.values()) {
    const first = shards[0]!;
    const pool = stack.pools.find((p) => p.name === first.pool)!;
    const capacity = capacityVector(stack, first.tier, pool);
    const copies = shards.flatMap((s) => s.copies);
    const packing = packVectors({ capacity, items: copies.map((c) => itemVector(c, capacity)) });
    for (let b = 0; b < packing.bins; b++) {
      const members = copies.filter((_, i) => packing.assignment[i] === b);
      const tier = stack.tiers[first.tier];
      let found: number | undefined;
      for (let r = tier.minReplicas; r <= tier.maxReplicas && found === undefined; r++) {
        const trial = { ...first, copies: members, serving: { replicas: r, utilization: 0, batches: members.map(() => 1) } };
        if (!checkShard(trial, stack).some((p) => p.includes('no replica count'))) found = leastFeasible(trial);
      }
      if (found === undefined) return undefined;
      total += found * first.gpusPerReplica;
    }
  }
  return total;
}

/** The least feasible replica count the independent checker reports for a shard's copies. */
function leastFeasible(shard: Shard): number | undefined {
  const problems = checkShard(shard, stack);
  const m = problems.map((p) => /the least feasible is (\d+)/.exec(p)).find(Boolean);
  if (m) return Number(m[1]);
  return problems.some((p) => p.includes('no replica count')) ? undefined : shard.serving.replicas;
}

describe('packing for load', () => {
  it('plans a fleet of busy tenants that memory-first packing could only refuse', () => {
    // Twelve small copies fit one L4 shard by memory, but 12 × 1200 requests/s need 10 replicas (1500 each): above 8.
    const hot = [model('fraud', { name: 'scorer', gpuMemory: '500Mi', memory: '500Mi', peakQps: 1200, tenants: tenants(12) })];
    const { plan, issues } = pack(hot);
    expect(issues).toEqual([]);
    expect(checkPlan(plan!.shards, stack)).toEqual([]);
    expect(plan!.shards.length).toBe(2);
    expect(gpusAtPeak(plan!)).toBe(10); // 14,400 requests/s at 1500 per replica: 9.6, so 10 in two shards
    expect(gpusAtPeak(plan!)).toBeGreaterThanOrEqual(plan!.gpusAtPeakLowerBound);
    expect(memoryFirstGpus(plan!)).toBeUndefined(); // the old packing: one shard that no replica count in 2–8 can serve
  });

  it('keeps idle copies off the replicas a busy copy pays for when that saves GPUs, and reports the bound', () => {
    const fleet = [
      model('fraud', { name: 'busy', gpuMemory: '2Gi', peakQps: 6000, profile: { 'gpu-l4': { 1: 2.1, 4: 3.0, 8: 4.4, 16: 7.9 } } }),
      model('fraud', { name: 'idle', gpuMemory: '1Gi', tenants: tenants(40) }),
    ];
    const { plan } = pack(fleet);
    expect(checkPlan(plan!.shards, stack)).toEqual([]);
    expect(gpusAtPeak(plan!)).toBeGreaterThanOrEqual(plan!.gpusAtPeakLowerBound);
    expect(gpusAtPeak(plan!)).toBeLessThanOrEqual(memoryFirstGpus(plan!) ?? Infinity);
  });

  it('keeps a generated profiled fleet of 1,000 copies (a quarter busy) within 1.15× the GPU lower bound, below memory-first', () => {
    const { plan } = pack(servingFleet(1_000, 1_013));
    expect(checkPlan(plan!.shards, stack)).toEqual([]);
    const gpus = gpusAtPeak(plan!);
    expect(gpus).toBeGreaterThanOrEqual(plan!.gpusAtPeakLowerBound);
    expect(gpus / plan!.gpusAtPeakLowerBound).toBeLessThanOrEqual(1.15);
    const memoryFirst = memoryFirstGpus(plan!);
    if (memoryFirst !== undefined) expect(gpus).toBeLessThanOrEqual(memoryFirst);
  });

  const declArb = fc.record({
    tier: fc.constantFrom('realtime', 'interactive', 'batch'),
    gpuMiB: fc.option(fc.integer({ min: 256, max: 8_000 }), { nil: undefined }),
    memMiB: fc.integer({ min: 256, max: 6_000 }),
    tenants: fc.integer({ min: 0, max: 12 }),
    peakQps: fc.option(fc.integer({ min: 1, max: 2_500 }), { nil: undefined }),
    // A fixed cost per batch and a cost per request, in tenths of a millisecond.
    profile: fc.option(fc.record({ fixed: fc.integer({ min: 5, max: 40 }), perRequest: fc.integer({ min: 1, max: 8 }) }), { nil: undefined }),
  });

  it('gives every shard of random fleets the least replica count that serves it, between the lower bound and memory-first', () => {
    fc.assert(
      fc.property(fc.array(declArb, { minLength: 1, maxLength: 8 }), (decls) => {
        const models = decls.map((d, i) => {
          const profile = d.profile
            ? Object.fromEntries(['gpu-l4', 'gpu-a100-80g', 'cpu-std'].map((pool) => [pool, Object.fromEntries([1, 2, 4, 8, 16].map((b) => [b, (d.profile!.fixed + d.profile!.perRequest * b) / 10]))]))
            : undefined;
          return model('fraud', {
            name: `m${i}`,
            tier: d.tier,
            memory: `${d.memMiB}Mi`,
            ...(d.gpuMiB ? { gpuMemory: `${d.gpuMiB}Mi` } : {}),
            ...(d.tenants ? { tenants: tenants(d.tenants) } : {}),
            ...(d.peakQps ? { peakQps: d.peakQps } : {}),
            ...(profile ? { profile } : {}),
          });
        });
        const copies = expandCopies(models);
        const { plan, issues } = packShards(copies, { stack });
        if (!plan) {
          // Only a copy that cannot be served alone may stop the plan, and it is named.
          for (const line of formatIssues(issues).split('\n')) expect(line).toMatch(/(even alone|on its own)/);
          return;
        }
        expect(plan.shards.flatMap((s) => s.copies.map((c) => c.id)).sort()).toEqual(copies.map((c) => c.id).sort());
        for (const s of plan.shards) for (const k of ['memory', 'gpuMemory', 'cpu'] as const) expect(s.used[k]).toBeLessThanOrEqual(s.capacity[k]);
        expect(checkPlan(plan.shards, stack)).toEqual([]);
        const gpus = gpusAtPeak(plan);
        expect(gpus).toBeGreaterThanOrEqual(plan.gpusAtPeakLowerBound);
        const memoryFirst = memoryFirstGpus(plan);
        if (memoryFirst !== undefined) expect(gpus).toBeLessThanOrEqual(memoryFirst);
      }),
      { numRuns: 40 },
    );
  });
});

describe('Triton batching from the plan', () => {
  it('gives a profiled copy its planned batch, the time that batch takes to fill as queue delay, and the shard a queue-time target that allows for it', () => {
    const fleet = [
      model('search', { name: 'embedder', gpuMemory: '1536Mi', peakQps: 2000, profile: { 'gpu-l4': { 1: 1.95, 2: 2.71, 4: 4.53, 8: 9.09 } } }),
      model('search', { name: 'plain', gpuMemory: '1Gi', peakQps: 100 }),
    ];
    const { plan } = pack(fleet);
    const shard = plan!.shards.find((s) => s.copies.some((c) => c.model === 'embedder'))!;
    const i = shard.copies.findIndex((c) => c.model === 'embedder');
    const batch = shard.serving.batches[i]!;
    const lambda = 2000 / shard.serving.replicas;
    const configs = shardModelConfigs(shard, stack);
    const embedder = configs.find((c) => c.name === 'embedder')!;
    expect(batch).toBeGreaterThan(1);
    expect(embedder.max_batch_size).toBe(batch);
    expect(embedder.dynamic_batching?.preferred_batch_size).toEqual([batch]);
    expect(embedder.dynamic_batching?.max_queue_delay_microseconds).toBe(Math.floor(((batch - 1) * 1_000_000) / lambda));
    // The copy without a profile keeps the tier's batching.
    const plain = configs.find((c) => c.name === 'plain');
    if (plain) expect(plain).toMatchObject({ max_batch_size: 8, dynamic_batching: { max_queue_delay_microseconds: 500, preferred_batch_size: [4, 8] } });
    expect(shardAutoscaling(shard, stack).queueTimeTargetMicroseconds).toBe(2000 + embedder.dynamic_batching!.max_queue_delay_microseconds);
  });
});

describe('errors for load that no plan can serve', () => {
  it('names a copy that misses its budget even alone, by how much, and one that needs more replicas than the tier allows', () => {
    const { issues } = pack([
      model('fraud', { name: 'slow', gpuMemory: '1Gi', profile: { 'gpu-l4': { 1: 9.5 }, 'gpu-a100-80g': { 1: 8.6 } } }),
      model('fraud', { name: 'hot', gpuMemory: '1Gi', peakQps: 15000, tenants: { acme: {}, globex: { peakQps: 100 } } }),
    ]);
    expect(formatIssues(issues)).toMatchInlineSnapshot(`
      "models/fraud/hot.ts: peakQps: fraud/hot@acme needs 10 replicas at peak on its own (15000 requests/s, 1500 requests/s per gpu replica, the stack's planning figure), above the realtime tier's maxReplicas 8; raise modelfleet:tiers.realtime.maxReplicas in the stack, lower peakQps, or declare a profile that batches better
      models/fraud/slow.ts: profile.gpu-l4[1]: fraud/slow cannot meet its 10 ms p99 budget on gpu-l4 even alone: a batch of 1 takes 9.5 ms, plus 2 ms of per-request overhead (modelfleet:serving.overheadMs), 1.5 ms over; use a faster pool, a looser tier, or a faster model"
    `);
  });

  it('names a profile for a pool the stack does not define', () => {
    const issues = checkProfiles([model('fraud', { name: 'm', gpuMemory: '1Gi', profile: { 'gpu-l44': { 1: 2 } } })], stack);
    expect(formatIssues(issues)).toMatchInlineSnapshot(`"models/fraud/m.ts: profile.gpu-l44: pool "gpu-l44" is not defined in stack default (did you mean "gpu-l4"?); its pools are gpu-l4, gpu-a100-80g, cpu-std: measure on one of them, or drop this entry"`);
  });
});

describe('placement with a lockfile and load', () => {
  it('moves a locked copy only when its shard could not serve it any more, and says why', () => {
    const before = [model('fraud', { name: 'scorer', gpuMemory: '500Mi', memory: '500Mi', peakQps: 300, tenants: tenants(6) })];
    const first = pack(before).plan!;
    expect(first.shards).toHaveLength(1);
    const lock = lockFromPlan(first, 'default');
    // Tenant t000 grows to 11,000 requests/s: with the others' 1500 the shard would need 9 replicas, above 8.
    const after = [model('fraud', { name: 'scorer', gpuMemory: '500Mi', memory: '500Mi', peakQps: 300, tenants: { ...Object.fromEntries(tenants(6).map((t) => [t, {}])), t000: { peakQps: 11_000 } } })];
    const next = pack(after, lock).plan!;
    expect(checkPlan(next.shards, stack)).toEqual([]);
    expect(next.evictions.length).toBeGreaterThan(0);
    expect(next.evictions.every((e) => e.reason === 'serving')).toBe(true);
    const diff = diffPlacement(lock, lockFromPlan(next, 'default'), next.evictions);
    expect(diff.moved.map((m) => m.id)).toEqual(next.evictions.map((e) => e.id));
    expect(consoleDiff(diff)).toContain('(with it its shard would need more than maxReplicas at peak)');
    // Adding an idle tenant moves nothing.
    const calm = [model('fraud', { name: 'scorer', gpuMemory: '500Mi', memory: '500Mi', peakQps: 300, tenants: tenants(7) })];
    const grown = pack(calm, lock).plan!;
    expect(diffPlacement(lock, lockFromPlan(grown, 'default'), grown.evictions).moved).toEqual([]);
  });
});

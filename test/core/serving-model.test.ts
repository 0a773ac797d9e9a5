/**
 * The serving model (core/serving/): latency curves, the batch a copy runs
 * at, the replicas a shard needs at peak; and the declaration's `profile`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { profileCurve, throughputCurve } from '../../core/serving/latency-curve.ts';
import { bestBatch, copyLoad, replicasNeeded, shardServing, type ServingCopy } from '../../core/serving/serving-model.ts';
import { validateModel } from '../../core/spec/model-spec.ts';

const points = (curve: Record<number, number>) => Object.entries(curve).map(([b, ms]) => ({ batch: Number(b), latencyMs: ms }));
/** The issue's example profile: 2.1 ms for one request, 7.9 ms for 16. */
const l4 = profileCurve(points({ 1: 2.1, 4: 3.0, 8: 4.4, 16: 7.9 }), 16);
const realtime = { overheadMs: 2, targetUtilization: 0.6, minReplicas: 2, maxReplicas: 8 };

describe('latency curves', () => {
  it('interpolates linearly between declared sizes and plans no batch above the largest', () => {
    expect(l4.latencyMs(1)).toBe(2.1);
    expect(l4.latencyMs(6)).toBeCloseTo(3.7, 12); // halfway from 3.0 at 4 to 4.4 at 8
    expect(l4.latencyMs(12)).toBeCloseTo(6.15, 12);
    expect(l4.maxBatch).toBe(16);
    expect(profileCurve(points({ 1: 2.1, 4: 3.0, 8: 4.4, 16: 7.9 }), 8).maxBatch).toBe(8); // the copy's max_batch_size
    expect(profileCurve(points({ 1: 2.1, 4: 3.0 }), 32).maxBatch).toBe(4); // nothing measured above 4
  });

  it('reads the throughput figure as l(b) = 1000·b·ρ/T', () => {
    const curve = throughputCurve(1500, 0.6, 8);
    expect(curve.latencyMs(1)).toBeCloseTo(0.4, 12);
    expect(curve.latencyMs(8)).toBeCloseTo(3.2, 12);
  });
});

describe('bestBatch', () => {
  const copy = (rate: number, budgetMs = 10): ServingCopy => ({ rate, curve: l4, budgetMs });

  it('takes the cheapest batch per request that still meets the budget', () => {
    // At 2000 requests/s per replica a batch of 8 waits 3.5 ms and runs 4.4 ms: 9.9 ms with 2 ms overhead.
    // A batch of 9 would wait 4 ms and run 4.84 ms: 10.84 ms, over 10.
    expect(bestBatch(copy(0), 2000, 2)).toEqual({ batch: 8, perRequestMs: 0.55 });
    // At 200 requests/s a batch of 2 waits 5 ms and runs 2.4 ms: 9.4 ms, and costs 1.2 ms a request.
    expect(bestBatch(copy(0), 200, 2)).toEqual({ batch: 2, perRequestMs: 1.2 });
    // At 100 requests/s a second request takes 10 ms to arrive: only a batch of one fits.
    expect(bestBatch(copy(0), 100, 2)).toEqual({ batch: 1, perRequestMs: 2.1 });
    // No traffic: a batch of one.
    expect(bestBatch(copy(0), 0, 2)).toEqual({ batch: 1, perRequestMs: 2.1 });
  });

  it('has no batch when even one request misses the budget', () => {
    expect(bestBatch({ rate: 0, curve: profileCurve(points({ 1: 8.5 }), 8), budgetMs: 10 }, 0, 2)).toBeUndefined();
  });

  it('is the batch of the least execution time per request among feasible batches (brute force)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(10, 100, 1000), (lambda, budget) => {
        const choice = bestBatch({ rate: 0, curve: l4, budgetMs: budget }, lambda, 2);
        let best: { batch: number; perRequestMs: number } | undefined;
        for (let b = 1; b <= 16; b++) {
          const wait = b === 1 ? 0 : lambda > 0 ? ((b - 1) * 1000) / lambda : Infinity;
          if (wait + l4.latencyMs(b) + 2 > budget) continue;
          const per = l4.latencyMs(b) / b;
          if (!best || per < best.perRequestMs - 1e-12) best = { batch: b, perRequestMs: per };
        }
        expect(choice).toEqual(best);
      }),
      { numRuns: 300 },
    );
  });
});

describe('shardServing', () => {
  it('finds the least replica count that meets every budget at the target utilisation (the worked example)', () => {
    // One copy at 6000 requests/s with the L4 profile; at R replicas it sees λ = 6000/R per replica and
    // runs the largest batch that still fits 10 ms (waiting (b−1)/λ, running l(b), 2 ms overhead):
    //   R = 2: λ 3000, batch 9, U = 3000 · 4.84/9 / 1000 = 1.61     R = 5: λ 1200, batch 6, U = 0.74
    //   R = 3: λ 2000, batch 8, U = 1.10                             R = 6: λ 1000, batch 5, U = 0.67
    //   R = 4: λ 1500, batch 6, U = 0.93                             R = 7: λ  857, batch 4, U = 0.64
    //   R = 8: λ  750, batch 4, U = 0.5625 ≤ 0.6: eight replicas. (Fewer replicas fill larger batches,
    //   but not enough to make up for the higher rate each replica serves.)
    const serving = shardServing([{ rate: 6000, curve: l4, budgetMs: 10 }], realtime)!;
    const at = (r: number) => {
      const lambda = 6000 / r;
      const choice = bestBatch({ rate: 6000, curve: l4, budgetMs: 10 }, lambda, 2)!;
      return (lambda * choice.perRequestMs) / 1000;
    };
    for (let r = realtime.minReplicas; r < serving.replicas; r++) expect(at(r)).toBeGreaterThan(0.6);
    expect(at(serving.replicas)).toBeLessThanOrEqual(0.6);
    expect(serving.utilization).toBeCloseTo(at(serving.replicas), 12);
    expect(serving.replicas).toBe(8);
    expect(serving.batches).toEqual([4]);
    expect(serving.utilization).toBeCloseTo(0.5625, 12);
  });

  it('sizes unprofiled copies exactly as max(minReplicas, ceil(Σ rate / T)) (the sizing before profiles)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 10 }), fc.constantFrom(1500, 400), (rates, throughput) => {
        const curve = throughputCurve(throughput, 0.6, 8);
        const copies = rates.map((rate) => ({ rate, curve, budgetMs: 10 }));
        const expected = Math.max(2, Math.ceil(Number((rates.reduce((a, b) => a + b, 0) / throughput).toFixed(9))));
        const serving = shardServing(copies, { ...realtime, maxReplicas: 1000 });
        expect(serving?.replicas).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('has no answer above maxReplicas, and says how many a copy would need', () => {
    const hot = { rate: 14_000, curve: throughputCurve(1500, 0.6, 8), budgetMs: 10 };
    expect(shardServing([hot], realtime)).toBeUndefined();
    expect(replicasNeeded([hot], realtime)).toBe(10);
    expect(replicasNeeded([{ rate: 1, curve: profileCurve(points({ 1: 9 }), 8), budgetMs: 10 }], realtime)).toBeUndefined();
  });

  it('a copy brings no more load to a shard of fewer replicas (larger batches fill)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 30 }), (rate, r) => {
        const copy = { rate, curve: l4, budgetMs: 10 };
        expect(copyLoad(copy, r, 2)).toBeLessThanOrEqual(copyLoad(copy, r + 1, 2) + 1e-12);
      }),
      { numRuns: 300 },
    );
  });
});

describe('profile in a declaration', () => {
  const declare = (profile: unknown) =>
    formatIssues(validateModel({ name: 'm', framework: 'onnx', tier: 'realtime', memory: '1Gi', artifact: 's3://ml-models/m', profile }, 'models/fraud/m.ts', 'fraud').issues);

  it('accepts increasing latencies with batch 1 and keeps them sorted', () => {
    const { spec } = validateModel({ name: 'm', framework: 'onnx', tier: 'realtime', memory: '1Gi', artifact: 's3://ml-models/m', profile: { 'gpu-l4': { 8: 4.4, 1: 2.1, 4: 3 } } }, 'models/fraud/m.ts', 'fraud');
    expect(spec?.profile).toEqual({ 'gpu-l4': [{ batch: 1, latencyMs: 2.1 }, { batch: 4, latencyMs: 3 }, { batch: 8, latencyMs: 4.4 }] });
  });

  it('names the field, the value and the fix of every bad entry', () => {
    expect(declare({ 'gpu-l4': { 4: 3.0, 8: 4.4 } })).toMatchInlineSnapshot(`"models/fraud/m.ts: profile.gpu-l4: has no batch 1; measure and add the latency of a batch of one (e.g. { 1: 2.1, … }): it is required"`);
    expect(declare({ 'gpu-l4': { 1: 2.1, 4: 2.1, 8: 1.9 } })).toMatchInlineSnapshot(`
      "models/fraud/m.ts: profile.gpu-l4["4"]: 2.1 ms for a batch of 4 is not more than 2.1 ms for a batch of 1; latencies must increase with the batch size (re-measure, or drop one of the points)
      models/fraud/m.ts: profile.gpu-l4["8"]: 1.9 ms for a batch of 8 is not more than 2.1 ms for a batch of 4; latencies must increase with the batch size (re-measure, or drop one of the points)"
    `);
    expect(declare({ 'gpu-l4': { 1: 0, 'x': 2 } })).toMatchInlineSnapshot(`
      "models/fraud/m.ts: profile.gpu-l4["1"]: expected the milliseconds one batch of 1 takes, a number above 0 and at most 60000, got 0
      models/fraud/m.ts: profile.gpu-l4.x: "x" is not a batch size; use whole numbers from 1 to 4096 as keys"
    `);
    expect(declare([2.1])).toMatchInlineSnapshot(`"models/fraud/m.ts: profile: expected pool → batch size → milliseconds, got an array; write e.g. { 'gpu-l4': { 1: 2.1, 8: 4.4 } }"`);
  });
});

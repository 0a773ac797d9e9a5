import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { diveCuttingStock, solveCuttingStockLp, type Pattern } from '../../core/packer/column-generation.ts';
import { firstFitDecreasing } from '../../core/packer/construct-ffd.ts';
import { improveByCns } from '../../core/packer/improve-cns.ts';
import { improveByLpDive } from '../../core/packer/improve-lp-dive.ts';
import { isFeasible } from '../../core/packer/packing-state.ts';
import { canonicalProblem } from '../../core/packer/problem.ts';

/** Chvátal, Linear Programming (1983), ch. 13: rolls of 100, widths 45/36/31/14. LP optimum 452.25. */
const chvatal = { size: Float64Array.of(45, 36, 31, 14), capacity: 100, demand: Int32Array.of(97, 610, 395, 211) };

function covers(patterns: Pattern[], x: number[], demand: Int32Array): boolean {
  const got = new Float64Array(demand.length);
  patterns.forEach((p, j) => p.types.forEach((t, k) => (got[t] = got[t]! + p.counts[k]! * x[j]!)));
  return [...demand].every((d, t) => got[t]! >= d - 1e-6);
}

describe('solveCuttingStockLp', () => {
  it('reaches the textbook LP optimum of the Chvátal instance, with a covering solution', () => {
    const lp = solveCuttingStockLp(chvatal, chvatal.demand, [], { ops: 0, budget: 1e9 })!;
    expect(lp.optimal).toBe(true);
    expect(lp.value).toBeCloseTo(452.25, 6);
    expect(covers(lp.patterns, lp.x, chvatal.demand)).toBe(true);
    for (const p of lp.patterns) {
      const width = p.types.reduce((s, t, k) => s + chvatal.size[t]! * p.counts[k]!, 0);
      expect(width).toBeLessThanOrEqual(100);
    }
  });

  it('gives up (undefined) when the operation budget is spent, instead of returning a wrong value', () => {
    expect(solveCuttingStockLp(chvatal, chvatal.demand, [], { ops: 0, budget: 10 })).toBeUndefined();
  });

  test.prop([fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 25 })], { numRuns: 40 })(
    'the LP value is at least the continuous bound and covers every demand',
    (sizes) => {
      const distinct = [...new Set(sizes)].sort((a, b) => b - a);
      const demand = Int32Array.from(distinct, (s) => sizes.filter((x) => x === s).length);
      const problem = { size: Float64Array.from(distinct), capacity: 60 };
      const lp = solveCuttingStockLp(problem, demand, [], { ops: 0, budget: 1e8 })!;
      expect(lp.value).toBeGreaterThanOrEqual(sizes.reduce((a, b) => a + b, 0) / 60 - 1e-6);
      expect(covers(lp.patterns, lp.x, demand)).toBe(true);
    },
  );
});

describe('diveCuttingStock', () => {
  it('fixes whole patterns that never exceed the demand and reach the integer optimum on the Chvátal instance', () => {
    const dive = diveCuttingStock(chvatal, chvatal.demand, { ops: 0, budget: 1e9 })!;
    const used = new Int32Array(4);
    for (const p of dive.fixed) {
      expect(p.types.reduce((s, t, k) => s + chvatal.size[t]! * p.counts[k]!, 0)).toBeLessThanOrEqual(100);
      p.types.forEach((t, k) => (used[t] = used[t]! + p.counts[k]!));
    }
    [...used].forEach((u, t) => expect(u + dive.residual[t]!).toBe(chvatal.demand[t]));
    expect([...dive.residual].every((r) => r === 0)).toBe(true);
    expect(dive.fixed.length).toBe(453);
  });
});

describe('improveByLpDive', () => {
  const instance = (sizes: number[], capacity: number) => canonicalProblem([capacity], sizes.map((s) => [s]));

  it('finds the 453-roll optimum of the Chvátal instance where local search from FFD stops higher', () => {
    const sizes = [...chvatal.size].flatMap((s, t) => Array.from({ length: chvatal.demand[t]! }, () => s));
    const problem = instance(sizes, 100);
    const ffd = firstFitDecreasing(problem);
    const improved = improveByLpDive(problem, ffd, { lowerBound: 453, budget: 3e8 });
    expect(isFeasible(problem, improved)).toBe(true);
    expect(improved.bins).toBe(453);
    expect(improved.bins).toBeLessThan(ffd.bins);
  });

  test.prop([fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 3 })], { numRuns: 60 })(
    'returns a feasible packing with every item once and never more bins than its start',
    (sizes, slack) => {
      const problem = instance(sizes, 100);
      const start = firstFitDecreasing(problem);
      const lowerBound = Math.max(1, Math.ceil(sizes.reduce((a, b) => a + b, 0) / 100) - slack);
      const out = improveByLpDive(problem, start, { lowerBound, budget: 2e6, residualBins: 3 });
      expect(out.binOf.length).toBe(problem.n);
      expect(isFeasible(problem, out)).toBe(true);
      expect(out.bins).toBeLessThanOrEqual(start.bins);
    },
  );
});

describe('improveByCns on three bins or fewer', () => {
  it('stops when the target is out of reach instead of looping on equal-size completions', () => {
    // Two bins are optimal, the bound asked for is 1: the search must return (and not spin).
    const problem = canonicalProblem([10], [[6], [6], [3]]);
    const start = firstFitDecreasing(problem);
    const out = improveByCns(problem, start, { lowerBound: 1, budget: 1e12 });
    expect(out.bins).toBe(2);
  });
});

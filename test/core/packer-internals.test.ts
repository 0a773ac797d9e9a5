import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { binCentricDotProduct } from '../../core/packer/construct-bin-centric.ts';
import { decreasingOrder, firstFit } from '../../core/packer/construct-ffd.ts';
import { FirstFitIndex } from '../../core/packer/first-fit-index.ts';
import { improveByCns } from '../../core/packer/improve-cns.ts';
import { conflictCliqueBound, vectorLowerBound } from '../../core/packer/lower-bound.ts';
import { defaultBudget, diveBudget } from '../../core/packer/pack-vectors.ts';
import { isFeasible, type Solution } from '../../core/packer/packing-state.ts';
import { canonicalProblem } from '../../core/packer/problem.ts';
import { splitTwo } from '../../core/packer/split-two.ts';

const instanceArb = (maxItems: number) =>
  fc.integer({ min: 1, max: 3 }).chain((dims) =>
    fc.record({
      capacity: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: dims, maxLength: dims }),
      fractions: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: dims, maxLength: dims }), { maxLength: maxItems }),
    }).map(({ capacity, fractions }) => ({ capacity, items: fractions.map((f) => f.map((x, d) => Math.floor(x * capacity[d]!))) })),
  );

/** Naive first fit over the canonical order, for comparison with the indexed one. */
function naiveFirstFit(capacity: Float64Array, size: Float64Array, dims: number, order: ArrayLike<number>): number[] {
  const loads: number[][] = [];
  const binOf: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    let b = loads.findIndex((l) => l.every((x, d) => x + size[i * dims + d]! <= capacity[d]!));
    if (b < 0) {
      b = loads.length;
      loads.push(Array.from({ length: dims }, () => 0));
    }
    for (let d = 0; d < dims; d++) loads[b]![d]! += size[i * dims + d]!;
    binOf[i] = b;
  }
  return binOf;
}

function binCount(solution: Solution): number {
  return new Set(solution.binOf).size;
}

describe('FirstFitIndex / firstFit', () => {
  test.prop([instanceArb(80)])('finds the same bins as a naive first fit', ({ capacity, items }) => {
    const problem = canonicalProblem(capacity, items);
    const order = decreasingOrder(problem, 'sum');
    const fast = firstFit(problem, order);
    if (problem.dims === 0) return;
    const naive = naiveFirstFit(problem.capacity, problem.size, problem.dims, order);
    expect(fast.bins).toBe(new Set(naive).size);
    // Same grouping: bins are renumbered by first canonical item, so compare partitions.
    const group = (binOf: ArrayLike<number>) => {
      const m = new Map<number, number[]>();
      for (let i = 0; i < binOf.length; i++) m.set(binOf[i]!, [...(m.get(binOf[i]!) ?? []), i]);
      return [...m.values()].map((g) => g.join()).sort();
    };
    expect(group(fast.binOf)).toEqual(group(naive));
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 40 })])('index: returns the lowest bin with room', (sizes) => {
    const cap = new Float64Array([10]);
    const index = new FirstFitIndex(cap, sizes.length);
    const loads: number[] = [];
    for (const s of sizes) {
      const expected = loads.findIndex((l) => l + s <= 10);
      const b = index.find(new Float64Array([s]), 0);
      expect(b).toBe(expected === -1 ? loads.length : expected);
      if (b === loads.length) loads.push(0);
      loads[b] = loads[b]! + s;
      index.add(b, new Float64Array([s]), 0);
    }
  });
});

describe('constructions and improvement', () => {
  test.prop([instanceArb(60)])('bin-centric dot product and CNS give feasible packings', ({ capacity, items }) => {
    const problem = canonicalProblem(capacity, items);
    const start = binCentricDotProduct(problem);
    expect(isFeasible(problem, start)).toBe(true);
    expect(binCount(start)).toBe(start.bins);
    const improved = improveByCns(problem, start, { budget: 200_000, lowerBound: vectorLowerBound(capacity, items) });
    expect(isFeasible(problem, improved)).toBe(true);
    expect(binCount(improved)).toBe(improved.bins);
    expect(improved.bins).toBeLessThanOrEqual(start.bins);
  });
});

describe('splitTwo', () => {
  test.prop([instanceArb(10)])('finds a split into two bins exactly when one exists', ({ capacity, items }) => {
    const problem = canonicalProblem(capacity, items);
    const all = Array.from({ length: problem.n }, (_, i) => i);
    const result = splitTwo(problem, all, 1e6);
    // Brute force over subsets.
    const { dims, size } = problem;
    let exists = false;
    for (let mask = 0; mask < 1 << problem.n && !exists; mask++) {
      const a = new Array<number>(dims).fill(0);
      const b = new Array<number>(dims).fill(0);
      for (let i = 0; i < problem.n; i++) for (let d = 0; d < dims; d++) (mask & (1 << i) ? a : b)[d]! += size[i * dims + d]!;
      exists = a.every((x, d) => x <= problem.capacity[d]!) && b.every((x, d) => x <= problem.capacity[d]!);
    }
    expect(result.first !== undefined).toBe(exists);
    if (result.first) {
      const inFirst = new Set(result.first);
      for (const side of [true, false]) {
        for (let d = 0; d < dims; d++) {
          let load = 0;
          for (let i = 0; i < problem.n; i++) if (inFirst.has(i) === side) load += size[i * dims + d]!;
          expect(load).toBeLessThanOrEqual(problem.capacity[d]!);
        }
      }
    }
  });
});

describe('conflictCliqueBound', () => {
  test.prop([instanceArb(30)])('is at most the number of items and at most any feasible packing', ({ capacity, items }) => {
    const bound = conflictCliqueBound(capacity, items);
    expect(bound).toBeLessThanOrEqual(items.length);
    const problem = canonicalProblem(capacity, items);
    expect(bound).toBeLessThanOrEqual(firstFit(problem, decreasingOrder(problem, 'max')).bins || (items.length ? 1 : 0));
  });

  it('counts items that pairwise conflict across dimensions', () => {
    // Each pair exceeds the capacity in some dimension, although no dimension alone proves 3 bins.
    const items = [[60, 10, 10], [45, 60, 10], [45, 45, 60]];
    expect(conflictCliqueBound([100, 100, 100], items)).toBe(3);
    expect(vectorLowerBound([100, 100, 100], items)).toBe(3);
  });
});

describe('defaultBudget', () => {
  it('keeps the 1,000-item budget of the time target and grows only where allowed', () => {
    // 1,000 items: the calibrated 3.3·10⁸ operations (≤ 1 s) in every dimension.
    expect(defaultBudget(1_000, 1)).toBe(330_000_000);
    expect(defaultBudget(1_000, 3)).toBe(330_000_000);
    // No instance of at most 1,000 items gets more than that.
    for (let n = 1; n <= 1_000; n += 37) for (const d of [1, 2, 5]) expect(defaultBudget(n, d)).toBeLessThanOrEqual(330_000_000);
    // Vector budgets are unchanged (linear, capped at 10⁹).
    expect(defaultBudget(10_000, 3)).toBe(1_000_000_000);
    // Large 1-D instances: more, but capped.
    expect(defaultBudget(5_000, 1)).toBe(3_000_000_000);
    for (let n = 1_000; n < 6_000; n += 250) expect(defaultBudget(n + 250, 1)).toBeGreaterThanOrEqual(defaultBudget(n, 1));
  });
});

describe('diveBudget', () => {
  it('adds at most 1.5·10⁸ operations up to 1,000 items (local search + dive stay under the 1 s target) and never more than defaultBudget', () => {
    for (let n = 1; n <= 1_000; n += 37) expect(diveBudget(n)).toBe(150_000_000);
    for (let n = 1_000; n < 6_000; n += 250) {
      expect(diveBudget(n)).toBeLessThanOrEqual(defaultBudget(n, 1));
      expect(diveBudget(n + 250)).toBeGreaterThanOrEqual(diveBudget(n));
    }
    expect(diveBudget(5_000)).toBe(defaultBudget(5_000, 1));
  });
});

import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { martelloTothL2, vectorLowerBound } from '../../core/packer/lower-bound.ts';
import { checkInstance, ItemTooLargeError, packVectors } from '../../core/packer/pack-vectors.ts';

const instanceArb = fc.integer({ min: 1, max: 4 }).chain((dims) =>
  fc.record({
    capacity: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: dims, maxLength: dims }),
    fractions: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: dims, maxLength: dims }), { maxLength: 60 }),
  }).map(({ capacity, fractions }) => ({ capacity, items: fractions.map((f) => f.map((x, d) => Math.floor(x * capacity[d]!))) })),
);

/** Exact optimum by exhaustive search, for tiny instances. */
function optimum(capacity: number[], items: number[][]): number {
  let best = items.length;
  const loads: number[][] = [];
  const go = (i: number) => {
    if (loads.length >= best) return;
    if (i === items.length) {
      best = loads.length;
      return;
    }
    const item = items[i]!;
    for (const load of loads) {
      if (item.every((s, d) => load[d]! + s <= capacity[d]!)) {
        item.forEach((s, d) => (load[d]! += s));
        go(i + 1);
        item.forEach((s, d) => (load[d]! -= s));
      }
    }
    loads.push([...item]);
    go(i + 1);
    loads.pop();
  };
  go(0);
  return best;
}

/** Plain vector first-fit-decreasing (largest normalised size, then sum, then vector), the yardstick. */
function ffd(capacity: number[], items: number[][]): number {
  const key = (v: number[]) => {
    const x = v.map((s, d) => s / capacity[d]!);
    return { max: Math.max(0, ...x), sum: x.reduce((a, b) => a + b, 0) };
  };
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (kb.max !== ka.max) return kb.max - ka.max;
    if (kb.sum !== ka.sum) return kb.sum - ka.sum;
    for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return b[d]! - a[d]!;
    return 0;
  });
  const loads: number[][] = [];
  for (const item of sorted) {
    const load = loads.find((l) => l.every((x, d) => x + item[d]! <= capacity[d]!));
    if (load) item.forEach((s, d) => (load[d]! += s));
    else loads.push([...item]);
  }
  return loads.length;
}

/** The packing as a canonical multiset of bins (each a sorted list of vectors). */
function binsOf(items: number[][], packing: { bins: number; assignment: readonly number[] }): string {
  const bins: string[][] = Array.from({ length: packing.bins }, () => []);
  packing.assignment.forEach((b, i) => bins[b]!.push(items[i]!.join(',')));
  return JSON.stringify(bins.map((b) => b.sort()).sort());
}

function expectValid(capacity: number[], items: number[][], packing: { bins: number; assignment: readonly number[] }) {
  expect(packing.assignment).toHaveLength(items.length);
  const loads = Array.from({ length: packing.bins }, () => capacity.map(() => 0));
  packing.assignment.forEach((b, i) => {
    expect(Number.isInteger(b) && b >= 0 && b < packing.bins).toBe(true);
    items[i]!.forEach((s, d) => (loads[b]![d]! += s));
  });
  for (const load of loads) load.forEach((l, d) => expect(l).toBeLessThanOrEqual(capacity[d]!));
  // No bin is empty.
  expect(new Set(packing.assignment).size).toBe(packing.bins);
}

describe('packVectors', () => {
  test.prop([instanceArb])('places every item exactly once and never exceeds a capacity', ({ capacity, items }) => {
    expectValid(capacity, items, packVectors({ capacity, items }));
  });

  test.prop([instanceArb])('the fast path (effort 0) is valid and is exactly first-fit-decreasing', ({ capacity, items }) => {
    const packing = packVectors({ capacity, items }, { effort: 0 });
    expectValid(capacity, items, packing);
    expect(packing.bins).toBe(ffd(capacity, items));
  });

  test.prop([instanceArb])('is deterministic, never below the lower bound and never worse than FFD', ({ capacity, items }) => {
    const a = packVectors({ capacity, items });
    expect(packVectors({ capacity, items })).toEqual(a);
    expect(a.bins).toBeGreaterThanOrEqual(vectorLowerBound(capacity, items));
    expect(a.bins).toBeLessThanOrEqual(ffd(capacity, items));
  });

  test.prop([instanceArb, fc.nat()])('gives the same bins for any order of the items', ({ capacity, items }, seed) => {
    const shuffled = [...items].sort((x, y) => ((x.join() + seed) < (y.join() + seed) ? -1 : 1)).reverse();
    const a = packVectors({ capacity, items });
    const b = packVectors({ capacity, items: shuffled });
    expect(b.bins).toBe(a.bins);
    expect(binsOf(shuffled, b)).toBe(binsOf(items, a));
  });

  it('packs a known instance: FFD on a classic 1-D example', () => {
    // Sizes 7,5,4,3,2,2,2 into capacity 10: optimum 3 (7+3, 5+4?, ...) — FFD gives 3.
    const items = [7, 5, 4, 3, 2, 2, 2].map((s) => [s]);
    expect(packVectors({ capacity: [10], items }).bins).toBe(3);
  });

  it('finds the perfect packing of a triplet instance where FFD needs an extra bin', () => {
    // Four bins' worth of triplets summing exactly to 1000 (generated for this test): FFD uses 5 bins.
    const items = [437, 431, 408, 381, 358, 322, 295, 291, 278, 270, 268, 261].map((s) => [s]);
    expect(ffd([1000], items)).toBe(5);
    const packing = packVectors({ capacity: [1000], items });
    expectValid([1000], items, packing);
    expect(packing.bins).toBe(4);
  });

  it('finds the optimum of a 2-D instance where FFD needs two extra bins', () => {
    // Three bins whose items sum exactly to the capacity in both dimensions.
    const items = [[51, 21], [44, 33], [5, 46], [28, 64], [37, 15], [35, 21], [35, 23], [31, 54], [34, 23]];
    expect(ffd([100, 100], items)).toBe(5);
    const packing = packVectors({ capacity: [100, 100], items });
    expectValid([100, 100], items, packing);
    expect(packing.bins).toBe(3);
  });

  it('handles zero-size items, zero-capacity dimensions and empty instances', () => {
    expect(packVectors({ capacity: [10, 0], items: [[5, 0], [6, 0], [0, 0]] }).bins).toBe(2);
    expect(packVectors({ capacity: [0], items: [[0], [0]] })).toEqual({ bins: 1, assignment: [0, 0] });
    expect(packVectors({ capacity: [5, 5], items: [[0, 0], [0, 0], [0, 0]] }).bins).toBe(1);
    expect(packVectors({ capacity: [5], items: [] })).toEqual({ bins: 0, assignment: [] });
    expect(() => packVectors({ capacity: [10, 0], items: [[1, 1]] })).toThrow(ItemTooLargeError);
  });

  it('reports items larger than the bin', () => {
    expect(() => packVectors({ capacity: [10, 10], items: [[1, 1], [11, 1], [1, 12]] })).toThrow(ItemTooLargeError);
    try {
      packVectors({ capacity: [10, 10], items: [[1, 1], [11, 1], [1, 12]] });
    } catch (error) {
      expect((error as ItemTooLargeError).items).toEqual([1, 2]);
    }
  });

  it('validates instance shapes', () => {
    expect(checkInstance({ capacity: [1], items: [[1]] })).toBeUndefined();
    expect(checkInstance({ capacity: [], items: [] })).toMatch(/capacity/);
    expect(checkInstance({ capacity: [1, 2], items: [[1]] })).toBe('"items[0]" must be an array of 2 non-negative finite numbers');
    expect(checkInstance({ capacity: [1], items: [[-1]] })).toMatch(/items\[0\]/);
  });
});

describe('lower bounds', () => {
  it('L2 beats the continuous bound on big items', () => {
    // Three items of 60 in bins of 100: continuous bound 2, L2 3.
    expect(martelloTothL2(100, [60, 60, 60])).toBe(3);
    // 4 × 40 + 2 × 60: L(40) = 2 (the 60s) + ceil((160 − 2·40)/100) = 3.
    expect(martelloTothL2(100, [60, 60, 40, 40, 40, 40])).toBe(3);
    expect(martelloTothL2(100, [])).toBe(0);
  });

  test.prop([fc.integer({ min: 1, max: 3 }).chain((dims) =>
    fc.record({
      capacity: fc.array(fc.integer({ min: 5, max: 20 }), { minLength: dims, maxLength: dims }),
      fractions: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: dims, maxLength: dims }), { maxLength: 8 }),
    }),
  )])('never exceeds the true optimum (exhaustive check on small instances)', ({ capacity, fractions }) => {
    const items = fractions.map((f) => f.map((x, d) => Math.floor(x * capacity[d]!)));
    const opt = optimum(capacity, items);
    expect(vectorLowerBound(capacity, items)).toBeLessThanOrEqual(opt);
    expect(packVectors({ capacity, items }).bins).toBeGreaterThanOrEqual(opt);
  });
});

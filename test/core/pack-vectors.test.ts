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

describe('packVectors', () => {
  test.prop([instanceArb])('places every item exactly once and never exceeds a capacity', ({ capacity, items }) => {
    const { bins, assignment } = packVectors({ capacity, items });
    expect(assignment).toHaveLength(items.length);
    const loads = Array.from({ length: bins }, () => capacity.map(() => 0));
    assignment.forEach((b, i) => {
      expect(Number.isInteger(b) && b >= 0 && b < bins).toBe(true);
      items[i]!.forEach((s, d) => (loads[b]![d]! += s));
    });
    for (const load of loads) load.forEach((l, d) => expect(l).toBeLessThanOrEqual(capacity[d]!));
    // No bin is empty.
    expect(new Set(assignment).size).toBe(bins);
  });

  test.prop([instanceArb])('is deterministic and never below the lower bound', ({ capacity, items }) => {
    const a = packVectors({ capacity, items });
    expect(packVectors({ capacity, items })).toEqual(a);
    expect(a.bins).toBeGreaterThanOrEqual(vectorLowerBound(capacity, items));
  });

  test.prop([instanceArb, fc.nat()])('the bin count does not depend on the input order', ({ capacity, items }, seed) => {
    const shuffled = [...items].sort((x, y) => ((x.join() + seed) < (y.join() + seed) ? -1 : 1));
    expect(packVectors({ capacity, items: shuffled }).bins).toBe(packVectors({ capacity, items }).bins);
  });

  it('packs a known instance: FFD on a classic 1-D example', () => {
    // Sizes 7,5,4,3,2,2,2 into capacity 10: optimum 3 (7+3, 5+4?, ...) — FFD gives 3.
    const items = [7, 5, 4, 3, 2, 2, 2].map((s) => [s]);
    expect(packVectors({ capacity: [10], items }).bins).toBe(3);
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

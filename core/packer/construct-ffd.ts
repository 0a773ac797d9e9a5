/**
 * Item-centric constructions: first-fit-decreasing under several size
 * measures. Each is O(n log n) plus the first-fit index queries.
 */
import { FirstFitIndex } from './first-fit-index.ts';
import { normalizeSolution, type Solution } from './packing-state.ts';
import type { Problem } from './problem.ts';

/** First fit over the items in `order` (canonical indices). */
export function firstFit(problem: Problem, order: ArrayLike<number>): Solution {
  const { n, dims, size } = problem;
  const binOf = new Int32Array(n);
  if (dims === 0) return normalizeSolution(binOf); // nothing constrains: one bin (or none)
  const index = new FirstFitIndex(problem.capacity, n);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const bin = index.find(size, i * dims);
    index.add(bin, size, i * dims);
    binOf[i] = bin;
  }
  return normalizeSolution(binOf);
}

/** Size measures for decreasing orders. */
export type SizeMeasure = 'max' | 'weight' | 'sum' | 'l2';

function measure(problem: Problem, kind: SizeMeasure): Float64Array {
  const { n, dims, norm, weight } = problem;
  if (kind === 'weight') return weight;
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let d = 0; d < dims; d++) {
      const x = norm[i * dims + d]!;
      if (kind === 'max') v = x > v ? x : v;
      else if (kind === 'sum') v += x;
      else v += x * x;
    }
    key[i] = v;
  }
  return key;
}

/**
 * Canonical indices sorted by decreasing `kind`; ties keep canonical order
 * (which itself depends only on the item vectors).
 */
export function decreasingOrder(problem: Problem, kind: SizeMeasure): Int32Array {
  const order = Int32Array.from({ length: problem.n }, (_, i) => i);
  if (kind === 'max') return order; // the canonical order already is max, then sum, then vector
  const key = measure(problem, kind);
  return Int32Array.from([...order].sort((a, b) => key[b]! - key[a]! || a - b));
}

/**
 * Vector first-fit-decreasing by largest normalised size (the classic
 * baseline the engine never does worse than).
 */
export function firstFitDecreasing(problem: Problem, kind: SizeMeasure = 'max'): Solution {
  return firstFit(problem, decreasingOrder(problem, kind));
}

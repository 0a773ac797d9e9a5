/**
 * A complete packing of a canonical problem: the bin of every canonical item.
 */
import type { Problem } from './problem.ts';

/** Bin of each canonical item (0-based, bins numbered densely) and the bin count. */
export interface Solution {
  readonly bins: number;
  readonly binOf: Int32Array;
}

/**
 * Renumbers bins in order of their first canonical item, so equal packings
 * compare equal and the output numbering is canonical.
 */
export function normalizeSolution(binOf: Int32Array): Solution {
  const map = new Map<number, number>();
  const out = new Int32Array(binOf.length);
  for (let i = 0; i < binOf.length; i++) {
    const b = binOf[i]!;
    let m = map.get(b);
    if (m === undefined) map.set(b, (m = map.size));
    out[i] = m;
  }
  return { bins: map.size, binOf: out };
}

/** True when no bin of `solution` exceeds the capacity (sums recomputed from scratch). */
export function isFeasible(problem: Problem, solution: Solution): boolean {
  const { dims, size, capacity } = problem;
  const load = new Float64Array(solution.bins * dims);
  for (let i = 0; i < problem.n; i++) {
    const b = solution.binOf[i]!;
    if (b < 0 || b >= solution.bins) return false;
    for (let d = 0; d < dims; d++) load[b * dims + d] = load[b * dims + d]! + size[i * dims + d]!;
  }
  for (let b = 0; b < solution.bins; b++) for (let d = 0; d < dims; d++) if (load[b * dims + d]! > capacity[d]!) return false;
  return true;
}

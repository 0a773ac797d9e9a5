/**
 * Exact (node-limited) test whether a small set of items fits into two bins.
 *
 * Formulation: choose the subset A for the first bin; the rest goes to the
 * second. Per dimension, A's load must lie in [total − capacity, capacity].
 * Depth-first over the items (heaviest first), the first item fixed in A to
 * break the symmetry between the two bins; a branch is cut when A can no
 * longer reach the lower limit in some dimension with the items still to come.
 */
import type { Problem } from './problem.ts';

/** Result of `splitTwo`: the items of the first bin, or undefined; `nodes` = search nodes spent. */
export interface SplitResult {
  readonly first?: number[];
  readonly nodes: number;
}

/**
 * Tries to split `items` (canonical indices, any order) into two bins,
 * exploring at most `nodeLimit` nodes.
 */
export function splitTwo(problem: Problem, items: readonly number[], nodeLimit: number): SplitResult {
  const { dims, size, capacity, weight } = problem;
  const m = items.length;
  const total = new Float64Array(dims);
  for (const i of items) for (let d = 0; d < dims; d++) total[d] = total[d]! + size[i * dims + d]!;
  for (let d = 0; d < dims; d++) if (total[d]! > 2 * capacity[d]!) return { nodes: 0 };
  const order = [...items].sort((a, b) => weight[b]! - weight[a]! || a - b);
  // suffix[k*dims + d] = sum of sizes of order[k..m)
  const suffix = new Float64Array((m + 1) * dims);
  for (let k = m - 1; k >= 0; k--) for (let d = 0; d < dims; d++) suffix[k * dims + d] = suffix[(k + 1) * dims + d]! + size[order[k]! * dims + d]!;
  const low = new Float64Array(dims);
  for (let d = 0; d < dims; d++) low[d] = total[d]! - capacity[d]!;
  const load = new Float64Array(dims);
  const chosen = new Uint8Array(m);
  let nodes = 0;
  const go = (k: number): boolean => {
    if (++nodes > nodeLimit) return false;
    // Reachability: even taking every remaining item, A must reach `low`.
    for (let d = 0; d < dims; d++) if (load[d]! + suffix[k * dims + d]! < low[d]!) return false;
    if (k === m) return true;
    const i = order[k]!;
    let fits = true;
    for (let d = 0; d < dims; d++) if (load[d]! + size[i * dims + d]! > capacity[d]!) fits = false;
    if (fits) {
      for (let d = 0; d < dims; d++) load[d] = load[d]! + size[i * dims + d]!;
      chosen[k] = 1;
      if (go(k + 1)) return true;
      chosen[k] = 0;
      for (let d = 0; d < dims; d++) load[d] = load[d]! - size[i * dims + d]!;
    }
    if (k === 0) return false; // symmetry: the first item is in A
    return go(k + 1);
  };
  if (m === 0) return { first: [], nodes: 0 };
  const ok = go(0);
  return ok ? { first: order.filter((_, k) => chosen[k]), nodes } : { nodes };
}

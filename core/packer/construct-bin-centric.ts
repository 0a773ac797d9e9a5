/**
 * Bin-centric construction (Panigrahy et al. 2011, "DotProduct"): fill one
 * bin at a time, each time adding the unpacked item whose size vector has the
 * largest weighted dot product with the bin's residual capacity; open a new
 * bin when nothing fits. Strong on multi-dimensional instances where items
 * complement each other across dimensions. O(n × bins × d).
 */
import { normalizeSolution, type Solution } from './packing-state.ts';
import type { Problem } from './problem.ts';

/** Packs with the bin-centric dot-product rule. */
export function binCentricDotProduct(problem: Problem): Solution {
  const { n, dims, size, norm, capacity } = problem;
  const binOf = new Int32Array(n).fill(-1);
  if (dims === 0) return normalizeSolution(new Int32Array(n));
  // Dimension weights: overall normalised demand per dimension.
  const lambda = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) lambda[d] = lambda[d]! + norm[i * dims + d]!;
  // Unpacked items, canonical order, compacted as items are packed.
  let left = Int32Array.from({ length: n }, (_, i) => i);
  let count = n;
  const residual = new Float64Array(dims);
  const resNorm = new Float64Array(dims);
  let bin = -1;
  while (count > 0) {
    bin++;
    residual.set(capacity);
    for (;;) {
      for (let d = 0; d < dims; d++) resNorm[d] = (lambda[d]! * residual[d]!) / capacity[d]!;
      let best = -1;
      let bestScore = -1;
      for (let k = 0; k < count; k++) {
        const i = left[k]!;
        let fits = true;
        let score = 0;
        for (let d = 0; d < dims; d++) {
          const s = size[i * dims + d]!;
          if (s > residual[d]!) {
            fits = false;
            break;
          }
          score += norm[i * dims + d]! * resNorm[d]!;
        }
        if (fits && score > bestScore) {
          bestScore = score;
          best = k;
        }
      }
      if (best === -1) break;
      const i = left[best]!;
      binOf[i] = bin;
      for (let d = 0; d < dims; d++) residual[d] = residual[d]! - size[i * dims + d]!;
      left.copyWithin(best, best + 1, count);
      count--;
    }
    left = left.subarray(0, count);
  }
  return normalizeSolution(binOf);
}

/**
 * The engine's internal, canonical form of a vector packing instance.
 *
 * Items are renumbered into one canonical order that depends only on the
 * multiset of item vectors (never on input positions), so every algorithm
 * that runs on the canonical form gives the same bins for any permutation of
 * the input. Dimensions that cannot constrain anything (capacity 0, where
 * every item must be 0, or all items 0) are dropped.
 */

/** A canonicalised instance; item `k` is input item `original[k]`. */
export interface Problem {
  /** Number of items. */
  readonly n: number;
  /** Number of constraining dimensions (may be 0: then everything fits one bin). */
  readonly dims: number;
  /** Capacity per constraining dimension. */
  readonly capacity: Float64Array;
  /** Raw sizes, row-major `n × dims`, canonical order. */
  readonly size: Float64Array;
  /** Sizes divided by capacity, row-major `n × dims`. */
  readonly norm: Float64Array;
  /**
   * Scalar "weight" of each item: a weighted mean of its normalised sizes,
   * dimensions weighted by their total normalised demand (so the scarce
   * dimension counts most). A full bin has weight at most 1; in one dimension
   * the weight is size / capacity.
   */
  readonly weight: Float64Array;
  /** Canonical index → input index. */
  readonly original: Int32Array;
  /** Type of each item: items with identical vectors share a type (types are numbered in canonical order). */
  readonly type: Int32Array;
}

/**
 * Builds the canonical problem. Items are ordered by decreasing largest
 * normalised size, then decreasing sum of normalised sizes, then by the raw
 * vector (larger first), then by input index (which only separates identical
 * vectors, so bin contents as multisets do not depend on the input order).
 * That is the order vector first-fit-decreasing uses.
 *
 * The caller has checked that no item exceeds the capacity.
 */
export function canonicalProblem(capacity: readonly number[], items: readonly (readonly number[])[]): Problem {
  const n = items.length;
  const active: number[] = [];
  for (let d = 0; d < capacity.length; d++) {
    if (!(capacity[d]! > 0)) continue;
    if (items.some((item) => item[d]! > 0)) active.push(d);
  }
  const dims = active.length;
  const max = new Float64Array(n);
  const sum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    for (const d of active) {
      const x = item[d]! / capacity[d]!;
      if (x > max[i]!) max[i] = x;
      sum[i] = sum[i]! + x;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const all = capacity.length;
  order.sort((a, b) => {
    const byMax = max[b]! - max[a]!;
    if (byMax) return byMax;
    const bySum = sum[b]! - sum[a]!;
    if (bySum) return bySum;
    const x = items[a]!;
    const y = items[b]!;
    for (let d = 0; d < all; d++) if (x[d] !== y[d]) return y[d]! - x[d]!;
    return a - b;
  });
  const cap = new Float64Array(dims);
  active.forEach((d, k) => (cap[k] = capacity[d]!));
  const size = new Float64Array(n * dims);
  const norm = new Float64Array(n * dims);
  const total = new Float64Array(dims);
  for (let k = 0; k < n; k++) {
    const item = items[order[k]!]!;
    for (let e = 0; e < dims; e++) {
      const s = item[active[e]!]!;
      size[k * dims + e] = s;
      norm[k * dims + e] = s / cap[e]!;
      total[e] = total[e]! + s / cap[e]!;
    }
  }
  // Dimension weights: proportional to each dimension's total normalised demand,
  // scaled so that the weights average to 1 (in 1-D the weight is the size / capacity).
  const totalAll = total.reduce((a, b) => a + b, 0);
  const lambda = new Float64Array(dims);
  for (let e = 0; e < dims; e++) lambda[e] = totalAll > 0 ? (total[e]! * dims) / totalAll : 1;
  const weight = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let w = 0;
    for (let e = 0; e < dims; e++) w += lambda[e]! * norm[k * dims + e]!;
    weight[k] = dims > 0 ? w / dims : 0;
  }
  // Identical vectors are adjacent in canonical order.
  const type = new Int32Array(n);
  for (let k = 1; k < n; k++) {
    const x = items[order[k - 1]!]!;
    const y = items[order[k]!]!;
    let same = true;
    for (let d = 0; d < all; d++) if (x[d] !== y[d]) same = false;
    type[k] = type[k - 1]! + (same ? 0 : 1);
  }
  return { n, dims, capacity: cap, size, norm, weight, original: Int32Array.from(order), type };
}

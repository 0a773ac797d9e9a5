/**
 * Lower bounds on the number of bins a vector bin-packing instance needs.
 *
 * Every bound here is valid for d-dimensional vector packing: a packing of the
 * vectors is in particular a packing of each dimension on its own, so any 1-D
 * bound of any single dimension bounds the whole instance. We take, per
 * dimension, the Martello–Toth bound L2 (which dominates the continuous bound
 * ⌈Σs/c⌉ and the count of items larger than c/2), and the maximum over dimensions.
 * Across dimensions, items that pairwise cannot share a bin (in some dimension
 * their sum exceeds the capacity) each need their own bin: the size of any
 * such "conflict clique" is a bound too.
 */

/**
 * Martello–Toth L2 for one dimension.
 *
 * For each threshold K in [0, c/2]: items larger than c−K (J1) each need their
 * own bin; items in (c/2, c−K] (J2) each need a bin too, and what J2's bins
 * leave free is the only room J3 = items in [K, c/2] can share; the rest of J3
 * needs ⌈…/c⌉ more bins. Computed in O(n log n) over the distinct sizes.
 */
export function martelloTothL2(capacity: number, sizes: readonly number[]): number {
  const n = sizes.length;
  if (n === 0) return 0;
  if (capacity <= 0) return n;
  const sorted = [...sizes].sort((a, b) => a - b);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
  // Index of the first element > x (upper bound) and >= x (lower bound).
  const upper = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const lower = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const half = capacity / 2;
  const candidates = new Set<number>([0]);
  for (const s of sorted) if (s <= half) candidates.add(s);
  let best = Math.ceil(prefix[n]! / capacity - 1e-9);
  const aboveHalf = upper(half);
  for (const k of candidates) {
    const j1Start = upper(capacity - k); // sizes > c - K
    const j2Start = aboveHalf; // sizes > c/2
    const j3Start = lower(k); // sizes >= K
    const j1 = n - j1Start;
    const j2 = Math.max(0, j1Start - j2Start);
    const j2Sum = prefix[j1Start]! - prefix[j2Start]!;
    const j3Sum = prefix[j2Start]! - prefix[Math.min(j3Start, j2Start)]!;
    const overflow = j3Sum - (j2 * capacity - j2Sum);
    const bound = j1 + j2 + Math.max(0, Math.ceil(overflow / capacity - 1e-9));
    if (bound > best) best = bound;
  }
  return best;
}

/**
 * Size of a clique of pairwise conflicting items, found greedily: two items
 * conflict when in some dimension their sizes sum to more than the capacity.
 * Two items that are both at most half the capacity in every dimension never
 * conflict, so at most one such item is considered (the largest); the others
 * are scanned by decreasing largest normalised size. Valid for any clique.
 */
export function conflictCliqueBound(capacity: readonly number[], items: readonly (readonly number[])[]): number {
  const dims = capacity.length;
  const maxNorm = (item: readonly number[]) => {
    let m = 0;
    for (let d = 0; d < dims; d++) {
      const c = capacity[d]!;
      const x = c > 0 ? item[d]! / c : item[d]! > 0 ? Infinity : 0;
      if (x > m) m = x;
    }
    return m;
  };
  const big: { item: readonly number[]; key: number }[] = [];
  let small: { item: readonly number[]; key: number } | undefined;
  for (const item of items) {
    const key = maxNorm(item);
    if (key > 0.5) big.push({ item, key });
    else if (!small || key > small.key) small = { item, key };
  }
  big.sort((a, b) => b.key - a.key);
  if (small) big.push(small);
  const conflict = (x: readonly number[], y: readonly number[]) => {
    for (let d = 0; d < dims; d++) if (x[d]! + y[d]! > capacity[d]!) return true;
    return false;
  };
  const clique: (readonly number[])[] = [];
  for (const { item } of big) if (clique.every((other) => conflict(item, other))) clique.push(item);
  return clique.length;
}

/** Lower bound for a vector instance: the best per-dimension L2, or a conflict clique if larger. */
export function vectorLowerBound(capacity: readonly number[], items: readonly (readonly number[])[]): number {
  let best = capacity.length > 1 ? conflictCliqueBound(capacity, items) : 0;
  for (let d = 0; d < capacity.length; d++) {
    const sizes = items.map((item) => item[d] ?? 0);
    if (sizes.every((s) => s === 0)) continue;
    best = Math.max(best, martelloTothL2(capacity[d]!, sizes));
  }
  return best;
}

/**
 * The generic d-dimensional vector bin-packing engine used by `synth` and by
 * `modelfleet pack`.
 *
 * Pipeline (all deterministic, no wall-clock time):
 * 1. Canonicalise: items renumbered in an order that depends only on their
 *    vectors (so any permutation of the input gives the same bins), dead
 *    dimensions dropped (`problem.ts`).
 * 2. Construct: vector first-fit-decreasing by largest normalised size (the
 *    classic baseline), through an indexed first fit (`construct-ffd.ts`,
 *    `first-fit-index.ts`). With effort 0 that is the answer (the fast path).
 * 3. Otherwise, if the bins exceed the lower bound (`lower-bound.ts`): more
 *    constructions (FFD by other size measures and, in d ≥ 2 up to 5,000
 *    items, bin-centric dot product, `construct-bin-centric.ts`), the best one
 *    improved by consistent neighbourhood search (`improve-cns.ts`) within an
 *    operation budget that grows with the instance.
 * 4. One dimension only, if still above the bound: column generation on the
 *    cutting-stock LP seeded with the best packing's bins, a dive that fixes
 *    the patterns the LP uses, and local search on the small residual
 *    (`improve-lp-dive.ts`, `column-generation.ts`), with its own
 *    operation budget (`diveBudget`). Kept only when it saves a bin.
 * Every candidate is at most as many bins as FFD by construction: the search
 * starts from the best construction, FFD among them, and only accepts fewer bins.
 */
import { binCentricDotProduct } from './construct-bin-centric.ts';
import { firstFitDecreasing } from './construct-ffd.ts';
import { improveByCns } from './improve-cns.ts';
import { improveByLpDive } from './improve-lp-dive.ts';
import { vectorLowerBound } from './lower-bound.ts';
import { isFeasible, type Solution } from './packing-state.ts';
import { canonicalProblem } from './problem.ts';

/** A vector packing instance. */
export interface VectorInstance {
  /** Capacity per dimension; all non-negative. */
  readonly capacity: readonly number[];
  /** Item sizes, each with `capacity.length` non-negative entries. */
  readonly items: readonly (readonly number[])[];
}

/** A packing: bin index of every item, in input order. */
export interface VectorPacking {
  readonly bins: number;
  readonly assignment: readonly number[];
}

/** Items that fit no empty bin, by input index. */
export class ItemTooLargeError extends Error {
  readonly items: readonly number[];

  constructor(items: readonly number[]) {
    super(`item${items.length === 1 ? '' : 's'} ${items.join(', ')} exceed${items.length === 1 ? 's' : ''} the bin capacity in at least one dimension`);
    this.name = 'ItemTooLargeError';
    this.items = items;
  }
}

/** Checks an instance's shape; returns a reason when it is malformed. */
export function checkInstance(instance: unknown): string | undefined {
  if (!instance || typeof instance !== 'object') return 'expected an object {"capacity": [...], "items": [[...], ...]}';
  const { capacity, items } = instance as Record<string, unknown>;
  const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0);
  if (!isVector(capacity) || capacity.length === 0) return '"capacity" must be a non-empty array of non-negative finite numbers';
  if (!Array.isArray(items)) return '"items" must be an array of vectors';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isVector(item) || item.length !== capacity.length) return `"items[${i}]" must be an array of ${capacity.length} non-negative finite numbers`;
  }
  return undefined;
}

/** Options for `packVectors`. */
export interface PackOptions {
  /**
   * How hard to search, as a multiple of the default operation budget
   * (deterministic: counted in elementary search steps, not time). 0 = fast
   * path: first-fit-decreasing only, O(n log n) for one dimension.
   * @default 1, or 0 for instances of more than `FAST_PATH_ITEMS` items
   */
  readonly effort?: number;
}

/** Above this many items the default effort is 0 (the fast path). */
export const FAST_PATH_ITEMS = 20_000;

/** The bin-centric construction is quadratic; above this many items it is skipped. */
const BIN_CENTRIC_MAX_ITEMS = 5_000;

/**
 * Operation budget of the improvement phase at effort 1 for `n` items of
 * `dims` constraining dimensions.
 *
 * - Vector instances (unchanged): linear in n, 3.3·10⁸ for 1,000 items (about
 *   0.65 s on a current core when the lower bound is never reached), capped
 *   at 10⁹ (about 3,200 items).
 * - One dimension: 3.3·10⁸ (the 1,000-item figure) for every instance up to
 *   1,000 items — small 1-D instances gain a lot from longer search, and
 *   none of them takes longer than a 1,000-item one (about 0.65 s at most).
 *   Above 1,000 items 9·10⁵ more per item (the large GI-type instances gain
 *   from more search), capped at 3·10⁹ (about 4,000 items, about 3 s).
 */
export function defaultBudget(n: number, dims = 2): number {
  if (dims !== 1) return Math.min(30_000_000 + 300_000 * n, 1_000_000_000);
  return Math.min(330_000_000 + 900_000 * Math.max(0, n - 1_000), 3_000_000_000);
}

/**
 * Operation budget of the one-dimensional LP-guided dive at effort 1, on top
 * of `defaultBudget`: 1.5·10⁸ (about 0.25 s) up to 1,000 items, so that
 * local search and dive together stay under a second there; above, growing
 * by 1.8·10⁶ per item up to `defaultBudget` (the large cutting-stock-like
 * instances, many items of few sizes, are where the dive pays off most).
 */
export function diveBudget(n: number): number {
  return Math.min(150_000_000 + 1_800_000 * Math.max(0, n - 1_000), defaultBudget(n, 1));
}

/**
 * Packs `instance`: every item in exactly one bin, no bin over capacity in any
 * dimension, deterministic, and the same bin count for any order of the items.
 * Never more bins than vector first-fit-decreasing.
 *
 * @throws ItemTooLargeError when an item exceeds the capacity in some dimension
 */
export function packVectors(instance: VectorInstance, options: PackOptions = {}): VectorPacking {
  const { capacity, items } = instance;
  const tooLarge = items.flatMap((item, i) => (item.some((s, d) => s > capacity[d]!) ? [i] : []));
  if (tooLarge.length) throw new ItemTooLargeError(tooLarge);
  const problem = canonicalProblem(capacity, items);
  const effort = Math.max(0, options.effort ?? (problem.n > FAST_PATH_ITEMS ? 0 : 1));
  const ffd = firstFitDecreasing(problem, 'max');
  let best: Solution = ffd;
  if (effort > 0 && best.bins > 1) {
    const lowerBound = vectorLowerBound(capacity, items);
    if (best.bins > lowerBound) {
      // In one dimension every size measure gives the same order as FFD's.
      const candidates: Solution[] = [];
      if (problem.dims > 1) {
        candidates.push(firstFitDecreasing(problem, 'weight'), firstFitDecreasing(problem, 'sum'), firstFitDecreasing(problem, 'l2'));
        if (problem.n <= BIN_CENTRIC_MAX_ITEMS) candidates.push(binCentricDotProduct(problem));
      }
      for (const c of candidates) if (c.bins < best.bins) best = c;
      const budget = effort * defaultBudget(problem.n, problem.dims);
      if (problem.dims !== 1) best = improveByCns(problem, best, { lowerBound, budget });
      else {
        // One dimension: local search first; where it stops above the bound, an LP-guided dive.
        best = improveByCns(problem, best, { lowerBound, budget });
        if (best.bins > lowerBound) best = improveByLpDive(problem, best, { lowerBound, budget: effort * diveBudget(problem.n) });
      }
    }
  }
  // Belt and braces: loads were tracked incrementally; re-check from scratch
  // (this can only fail through floating-point rounding on non-integer sizes).
  if (best !== ffd && !isFeasible(problem, best)) best = ffd;
  const assignment = new Array<number>(items.length);
  for (let k = 0; k < problem.n; k++) assignment[problem.original[k]!] = best.binOf[k]!;
  return { bins: best.bins, assignment };
}

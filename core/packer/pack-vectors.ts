/**
 * The generic d-dimensional vector bin-packing engine used by `synth` and by
 * `modelfleet pack`.
 *
 * v1 is first-fit-decreasing for vectors: items sorted by their largest
 * normalised dimension (ties: by the sum of normalised dimensions, then by
 * the vector, then by input index, so the result is deterministic), each placed into the first
 * open bin with room in every dimension. The placement-engine issue replaces
 * this with stronger orderings and an improvement phase.
 */

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

function fits(load: Float64Array, base: number, item: readonly number[], capacity: readonly number[]): boolean {
  for (let d = 0; d < capacity.length; d++) if (load[base + d]! + item[d]! > capacity[d]!) return false;
  return true;
}

/**
 * Packs `instance` with vector first-fit-decreasing.
 *
 * @throws ItemTooLargeError when an item exceeds the capacity in some dimension
 */
export function packVectors(instance: VectorInstance): VectorPacking {
  const { capacity, items } = instance;
  const dims = capacity.length;
  const tooLarge = items.flatMap((item, i) => (item.some((s, d) => s > capacity[d]!) ? [i] : []));
  if (tooLarge.length) throw new ItemTooLargeError(tooLarge);
  const norm = items.map((item) => {
    let max = 0;
    let sum = 0;
    for (let d = 0; d < dims; d++) {
      const c = capacity[d]!;
      const x = c > 0 ? item[d]! / c : 0;
      if (x > max) max = x;
      sum += x;
    }
    return { max, sum };
  });
  const order = items.map((_, i) => i);
  // Ties are broken by the vector itself (larger first) before the index, so the
  // packing of a multiset of items does not depend on the order they arrive in.
  const byVector = (a: number, b: number) => {
    const x = items[a]!;
    const y = items[b]!;
    for (let d = 0; d < dims; d++) if (x[d] !== y[d]) return y[d]! - x[d]!;
    return 0;
  };
  order.sort((a, b) => norm[b]!.max - norm[a]!.max || norm[b]!.sum - norm[a]!.sum || byVector(a, b) || a - b);
  const assignment = new Array<number>(items.length).fill(-1);
  let load = new Float64Array(Math.max(16, dims * 16));
  let bins = 0;
  for (const i of order) {
    const item = items[i]!;
    let target = -1;
    for (let b = 0; b < bins; b++) {
      if (fits(load, b * dims, item, capacity)) {
        target = b;
        break;
      }
    }
    if (target === -1) {
      target = bins++;
      if (bins * dims > load.length) {
        const grown = new Float64Array(load.length * 2);
        grown.set(load);
        load = grown;
      }
    }
    for (let d = 0; d < dims; d++) load[target * dims + d] = load[target * dims + d]! + item[d]!;
    assignment[i] = target;
  }
  return { bins, assignment };
}

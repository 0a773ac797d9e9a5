/**
 * The JSON format of a packing-benchmark instance, shared by the generated
 * set in `bench/instances/` and by external BPPLIB-style directories read
 * with `npm run bench:packing -- --instances DIR`.
 */

/**
 * One benchmark instance, as stored in `<dir>/<class>/<name>.json`.
 *
 * All sizes and capacities are non-negative integers; an item fits a bin iff,
 * in every dimension, the bin's total stays `<= capacity[d]`.
 */
export interface BenchmarkInstance {
  /** Unique name, also the file name without `.json`. */
  readonly name: string;
  /** Capacity per dimension. */
  readonly capacity: readonly number[];
  /** Item size vectors, each with `capacity.length` entries. */
  readonly items: readonly (readonly number[])[];
  /** The optimum when `proven`, otherwise the best known bin count. */
  readonly optimum: number;
  /** Whether `optimum` is proven optimal. */
  readonly proven: boolean;
  /** Where the instance comes from: a repository path, or `generated: <generator> seed <n>`. */
  readonly source: string;
  /** Collection the instance belongs to (`generated` for the shipped set). */
  readonly family: string;
  /** Instance class; the benchmark reports one table row per class. */
  readonly class: string;
  /** Number of dimensions, `capacity.length`. */
  readonly dims: number;
  /** Number of items, `items.length`. */
  readonly n_items: number;
  /** Best available lower bound (equal to `optimum` when proven). */
  readonly lower_bound?: number;
  /** Papers or generators behind the instance. */
  readonly reference?: string;
  /** Free text: how the optimum is known, units of the dimensions. */
  readonly notes?: string;
  /**
   * A packing that reaches `optimum`: the bin (0 … optimum − 1) of every
   * item, in item order. Present on generated instances, whose optimum is
   * known by construction.
   *
   * @default - none (external instances)
   */
  readonly certificate?: readonly number[];
}

/**
 * The file text of an instance: compact JSON, keys in the order of the
 * external BPPLIB-style set, `certificate` last, and a final newline. The
 * generator writes exactly this, so regenerating is byte-identical.
 */
export function serializeInstance(instance: BenchmarkInstance): string {
  const ordered = {
    name: instance.name,
    capacity: instance.capacity,
    items: instance.items,
    optimum: instance.optimum,
    proven: instance.proven,
    source: instance.source,
    family: instance.family,
    class: instance.class,
    dims: instance.dims,
    n_items: instance.n_items,
    lower_bound: instance.lower_bound,
    reference: instance.reference,
    notes: instance.notes,
    certificate: instance.certificate,
  };
  return `${JSON.stringify(ordered)}\n`;
}

/**
 * Turns a perfect packing (the generator's bins) into a benchmark instance
 * with its certificate.
 */
import type { BenchmarkInstance } from '../benchmark-instance.ts';
import { shuffle } from './draws.ts';

/** Options for `perfectInstance`. */
export interface PerfectInstanceOptions {
  /** Instance name (also the file name). */
  readonly name: string;
  /** Instance class. */
  readonly class: string;
  /** Capacity per dimension. */
  readonly capacity: readonly number[];
  /** The packing the items were cut from: bins, each a list of item vectors. Its length is the optimum. */
  readonly bins: readonly (readonly (readonly number[])[])[];
  /** Generator file, for `source`, e.g. `bench/generators/triplet-bins.ts`. */
  readonly generator: string;
  /** The seed the generator was run with, for `source`. */
  readonly seed: number;
  /** The PRNG the generator used; it goes on to shuffle the items. */
  readonly random: () => number;
  /** Text for `reference`. */
  readonly reference: string;
  /** Text for `notes` (how the optimum is proven, units). */
  readonly notes: string;
}

/**
 * The instance whose items are the bins' items in a seeded random order, with
 * the certificate mapping each item back to its bin. Bins are renumbered in
 * order of first appearance, so the certificate depends only on the shuffled
 * order, never on the order the generator built the bins in.
 */
export function perfectInstance(options: PerfectInstanceOptions): BenchmarkInstance {
  const placed = options.bins.flatMap((bin, b) => bin.map((item) => ({ item, b })));
  shuffle(options.random, placed);
  const renumbered = new Map<number, number>();
  const certificate = placed.map(({ b }) => {
    if (!renumbered.has(b)) renumbered.set(b, renumbered.size);
    return renumbered.get(b)!;
  });
  return {
    name: options.name,
    capacity: [...options.capacity],
    items: placed.map(({ item }) => [...item]),
    optimum: options.bins.length,
    proven: true,
    source: `generated: ${options.generator} seed ${options.seed}`,
    family: 'generated',
    class: options.class,
    dims: options.capacity.length,
    n_items: placed.length,
    lower_bound: options.bins.length,
    reference: options.reference,
    notes: options.notes,
    certificate,
  };
}

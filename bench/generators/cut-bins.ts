/**
 * Bins cut into pieces that fill them exactly, in one dimension.
 */
import { randomInt } from './draws.ts';

/** Options for `cutBins`. */
export interface CutBinsOptions {
  /** Number of bins (the optimum). */
  readonly bins: number;
  /** Bin capacity. */
  readonly capacity: number;
  /** Fewest and most pieces per bin; each bin draws its count uniformly. */
  readonly pieces: readonly [number, number];
}

/**
 * `bins` one-dimensional bins, each cut into k pieces (k uniform in
 * `pieces`) that sum exactly to the capacity. The pieces of a k-piece bin are
 * uniform in [c/(2k), 3c/(2k)]: the first k − 1 are drawn, the last is what
 * is left, and the draw is repeated until the last is in range too. Sizes
 * therefore differ from bin to bin (the "augmented IRUP"-like situation:
 * every bin of the optimum is exactly full, so the optimum is the L1 bound,
 * but a heuristic must find a perfect packing to reach it).
 */
export function cutBins(random: () => number, options: CutBinsOptions): number[][][] {
  const { capacity: c } = options;
  const out: number[][][] = [];
  for (let b = 0; b < options.bins; b++) {
    const k = randomInt(random, options.pieces[0], options.pieces[1]);
    const lo = Math.ceil(c / (2 * k));
    const hi = Math.floor((3 * c) / (2 * k));
    for (;;) {
      const sizes = Array.from({ length: k - 1 }, () => randomInt(random, lo, hi));
      const last = c - sizes.reduce((a, s) => a + s, 0);
      if (last >= lo && last <= hi) {
        out.push([...sizes, last].map((s) => [s]));
        break;
      }
    }
  }
  return out;
}

/**
 * Falkenauer-style triplet bins, in one or more dimensions.
 */
import { randomInt } from './draws.ts';

/**
 * `bins` bins of three items each that fill the capacity exactly in every
 * dimension, every size strictly between capacity/4 and capacity/2.
 *
 * Per bin and dimension (Falkenauer 1996, "A hybrid grouping genetic
 * algorithm for bin packing", scaled to the capacity): the first size is
 * uniform in [0.380 c, 0.490 c], the second uniform in [⌊c/4⌋ + 1, ⌊r/2⌋]
 * where r = c − first, the third is r − second. With more than one dimension
 * each dimension is drawn independently and the roles stay with the items
 * (the first item takes the first size in every dimension), as in the
 * multi-dimensional triplet classes of Mommessin, Erlebach & Shakhlevich
 * (2025): sizes correlate across dimensions, as a large model is large in
 * GPU and host memory alike, which leaves many near-fitting triples and makes
 * the perfect packing hard to find.
 *
 * Every size exceeds c/4, so no bin holds four items, and the three items of
 * a bin fill it exactly: any packing with n/3 bins must be a perfect triplet
 * packing, which is what makes these hard for heuristics.
 */
export function tripletBins(random: () => number, bins: number, capacity: readonly number[]): number[][][] {
  const out: number[][][] = [];
  for (let b = 0; b < bins; b++) {
    const items = [[], [], []] as number[][];
    for (const c of capacity) {
      const first = randomInt(random, Math.ceil(0.38 * c), Math.floor(0.49 * c));
      const rest = c - first;
      const second = randomInt(random, Math.floor(c / 4) + 1, Math.floor(rest / 2));
      items[0]!.push(first);
      items[1]!.push(second);
      items[2]!.push(rest - second);
    }
    out.push(items);
  }
  return out;
}

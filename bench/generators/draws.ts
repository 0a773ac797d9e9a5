/**
 * Seeded draws on top of `mulberry32`, shared by the instance generators.
 */

/** A uniform integer in [lo, hi] (inclusive) from `random`. */
export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** A uniform multiple of `step` in [lo, hi] (both rounded inward to multiples of `step`). */
export function randomMultiple(random: () => number, lo: number, hi: number, step: number): number {
  return step * randomInt(random, Math.ceil(lo / step), Math.floor(hi / step));
}

/** Shuffles `list` in place (Fisher–Yates) and returns it. */
export function shuffle<T>(random: () => number, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

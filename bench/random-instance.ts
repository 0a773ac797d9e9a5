/**
 * Deterministic random instances for the timing section of the packing
 * benchmark (a seeded PRNG, so every machine packs the same items).
 */
import { mulberry32 } from '../core/packer/random.ts';

/**
 * `n` items of `dims` dimensions, each size uniform in
 * [minFraction, maxFraction] × capacity (integers), capacity `capacity` in every dimension.
 */
export function randomInstance(
  seed: number,
  n: number,
  dims: number,
  capacity: number,
  minFraction: number,
  maxFraction: number,
): { capacity: number[]; items: number[][] } {
  const random = mulberry32(seed);
  const lo = Math.round(minFraction * capacity);
  const hi = Math.round(maxFraction * capacity);
  const items = Array.from({ length: n }, () => Array.from({ length: dims }, () => lo + Math.floor(random() * (hi - lo + 1))));
  return { capacity: Array.from({ length: dims }, () => capacity), items };
}

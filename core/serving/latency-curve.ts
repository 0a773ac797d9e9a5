/**
 * The latency of one batch on one replica, as a function of the batch size:
 * a declared profile (linear between its points, nothing above the largest),
 * or the stack's throughput figure read as a latency. Pure.
 */
import type { ProfilePoint } from '../spec/latency-profile.ts';

/** How one copy's batches run on one replica of one pool. */
export interface LatencyCurve {
  /** Largest batch the curve knows (and the copy may run). */
  readonly maxBatch: number;
  /** Milliseconds one batch of `b` takes, `1 ≤ b ≤ maxBatch`. */
  readonly latencyMs: (b: number) => number;
  /** Where the numbers come from: `profile` (measured) or `throughput` (the stack's planning figure). */
  readonly source: 'profile' | 'throughput';
}

/**
 * A curve through declared points, linear between them; batches above the
 * largest declared size are not planned (`maxBatch` is the smaller of that
 * size and `maxBatch`).
 */
export function profileCurve(points: readonly ProfilePoint[], maxBatch: number): LatencyCurve {
  const last = points[points.length - 1]!;
  const cap = Math.max(1, Math.min(maxBatch, last.batch));
  const table = new Float64Array(cap + 1);
  let j = 0;
  for (let b = 1; b <= cap; b++) {
    while (points[j + 1] && points[j + 1]!.batch <= b) j++;
    const a = points[j]!;
    const next = points[j + 1];
    table[b] = !next || a.batch === b ? a.latencyMs : a.latencyMs + ((next.latencyMs - a.latencyMs) * (b - a.batch)) / (next.batch - a.batch);
  }
  return { maxBatch: cap, latencyMs: (b) => table[b]!, source: 'profile' };
}

/**
 * The stack's planning figure as a curve: a replica serving `throughputQps`
 * requests/s at utilisation `targetUtilization` spends `1000·ρ/T` ms per
 * request, so `l(b) = 1000·b·ρ/T`. Then `U ≤ ρ` is exactly `Σ λ ≤ T`, the
 * sizing modelfleet used before profiles.
 */
export function throughputCurve(throughputQps: number, targetUtilization: number, maxBatch: number): LatencyCurve {
  const perRequestMs = (1000 * targetUtilization) / throughputQps;
  return { maxBatch: Math.max(1, maxBatch), latencyMs: (b) => b * perRequestMs, source: 'throughput' };
}

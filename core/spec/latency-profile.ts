/**
 * A model's measured latency profile: per node pool, how long one batch of
 * size b takes on one replica (server-side execution, no queueing, no
 * network). The serving model (`core/serving/`) plans replicas and batch
 * sizes from it.
 *
 * ```ts
 * profile: { 'gpu-l4': { 1: 2.1, 4: 3.0, 8: 4.4, 16: 7.9 } }
 * ```
 *
 * Batch 1 is required; latencies are positive and strictly increasing with
 * the batch size; between declared sizes latency is linear; no batch above
 * the largest declared size is planned. `npx modelfleet profile` turns
 * perf_analyzer or Model Analyzer output into this block (docs/profiles.md).
 */
import { z } from 'zod';
import { describeValue } from './zod-issues.ts';

/** One measured point: a batch size and the milliseconds one batch of it takes. */
export interface ProfilePoint {
  readonly batch: number;
  readonly latencyMs: number;
}

/** A declaration's `profile`: pool name → batch size → milliseconds. */
export type LatencyProfileInput = Readonly<Record<string, Readonly<Record<number, number>>>>;

/** A validated profile: pool name → points sorted by batch size (batch 1 first). */
export type LatencyProfile = Readonly<Record<string, readonly ProfilePoint[]>>;

/** Largest batch size a profile may declare (Triton's `max_batch_size` is an int32; no GPU batch is larger). */
export const MAX_PROFILE_BATCH = 4096;

/** Longest batch latency a profile may declare, in milliseconds (one minute). */
export const MAX_PROFILE_LATENCY_MS = 60_000;

const EXAMPLE = "{ 'gpu-l4': { 1: 2.1, 8: 4.4 } }";

/** The zod schema of a declaration's `profile` field (pool names are checked against the stack later). */
export const latencyProfileSchema = z.unknown().transform((value, ctx): LatencyProfile => {
  const out: Record<string, ProfilePoint[]> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.issues.push({ code: 'custom', input: value, message: `expected pool → batch size → milliseconds, got ${describeValue(value)}; write e.g. ${EXAMPLE}` });
    return out;
  }
  const pools = Object.entries(value as Record<string, unknown>);
  if (pools.length === 0) ctx.issues.push({ code: 'custom', input: value, message: `names no pool; omit profile, or give e.g. ${EXAMPLE}` });
  for (const [pool, curve] of pools) {
    if (curve === null || typeof curve !== 'object' || Array.isArray(curve)) {
      ctx.issues.push({ code: 'custom', input: curve, path: [pool], message: `expected batch size → milliseconds, got ${describeValue(curve)}; write e.g. { 1: 2.1, 8: 4.4 }` });
      continue;
    }
    const points: ProfilePoint[] = [];
    let ok = true;
    for (const [key, latency] of Object.entries(curve as Record<string, unknown>)) {
      const batch = Number(key);
      if (!/^[1-9][0-9]*$/.test(key) || batch > MAX_PROFILE_BATCH) {
        ctx.issues.push({ code: 'custom', input: key, path: [pool, key], message: `${JSON.stringify(key)} is not a batch size; use whole numbers from 1 to ${MAX_PROFILE_BATCH} as keys` });
        ok = false;
        continue;
      }
      if (typeof latency !== 'number' || !Number.isFinite(latency) || latency <= 0 || latency > MAX_PROFILE_LATENCY_MS) {
        ctx.issues.push({
          code: 'custom',
          input: latency,
          path: [pool, key],
          message: `expected the milliseconds one batch of ${batch} takes, a number above 0 and at most ${MAX_PROFILE_LATENCY_MS}, got ${describeValue(latency)}`,
        });
        ok = false;
        continue;
      }
      points.push({ batch, latencyMs: latency });
    }
    if (!ok) continue;
    points.sort((a, b) => a.batch - b.batch);
    if (points[0]?.batch !== 1) {
      ctx.issues.push({ code: 'custom', input: curve, path: [pool], message: `has no batch 1; measure and add the latency of a batch of one (e.g. { 1: 2.1, … }): it is required` });
      continue;
    }
    let increasing = true;
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1]!, points[i]!];
      if (b.latencyMs <= a.latencyMs) {
        ctx.issues.push({
          code: 'custom',
          input: b.latencyMs,
          path: [pool, String(b.batch)],
          message: `${b.latencyMs} ms for a batch of ${b.batch} is not more than ${a.latencyMs} ms for a batch of ${a.batch}; latencies must increase with the batch size (re-measure, or drop one of the points)`,
        });
        increasing = false;
      }
    }
    if (increasing) out[pool] = points;
  }
  return out;
});

/**
 * Triton's dynamic batching for a copy planned from its latency profile.
 *
 * Where the model declares a profile for the shard's pool and batching is on,
 * the copy's Triton configuration follows the plan instead of the tier's
 * defaults:
 *
 * - `max_batch_size` = the planned batch `b_i` (a larger batch would execute
 *   longer than the plan's `l_i(b_i)` and could miss the budget);
 * - `preferred_batch_size` = `[b_i]` when `b_i > 1` (dispatch as soon as the
 *   planned batch forms);
 * - `max_queue_delay_microseconds` = the time the planned batch takes to fill
 *   at the planned rate per replica, `(b_i − 1)·10⁶/λ_i`, rounded down (0 for
 *   `b_i = 1`). By the plan's latency constraint, waiting that long and then
 *   executing the batch still fits the p99 budget.
 *
 * Without a profile for the pool, the tier's settings apply unchanged.
 */
import type { ModelCopy, Shard } from '../plan/shard-plan.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { copyMaxBatchSize, plannedRate } from './serving-copy.ts';

/** The batching a copy's configuration takes from the plan. */
export interface PlannedBatching {
  readonly maxBatchSize: number;
  readonly preferredBatchSizes: readonly number[];
  readonly maxQueueDelayMicroseconds: number;
}

/** The planned batching of `copy` in `shard`, or `undefined` when the tier's settings apply (no profile for the pool, or batching off). */
export function plannedBatching(copy: ModelCopy, shard: Shard, stack: StackConfig): PlannedBatching | undefined {
  if (!copy.profile?.[shard.pool]) return undefined;
  if (copyMaxBatchSize(copy, stack.tiers[copy.tier]) === 0) return undefined;
  const index = shard.copies.findIndex((c) => c.id === copy.id);
  const batch = shard.serving.batches[index];
  if (index < 0 || batch === undefined) throw new Error(`plannedBatching: ${copy.id} is not in shard ${shard.name}`);
  const lambda = plannedRate(copy, stack.autoscaler.peakTrafficPercent) / shard.serving.replicas;
  return {
    maxBatchSize: batch,
    preferredBatchSizes: batch > 1 ? [batch] : [],
    maxQueueDelayMicroseconds: batch > 1 && lambda > 0 ? Math.floor(((batch - 1) * 1_000_000) / lambda) : 0,
  };
}

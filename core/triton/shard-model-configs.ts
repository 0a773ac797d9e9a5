/**
 * The Triton model configurations of a shard's copies.
 */
import type { Shard } from '../plan/shard-plan.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { byKey } from '../util/compare.ts';
import { tritonModelConfig, type ModelConfig } from './model-config.ts';
import { plannedBatching } from '../serving/planned-batching.ts';

/**
 * Every copy's `ModelConfig`, sorted by Triton name, compiled with the
 * shard's tier and pool from `stack`, and with the batching planned for the
 * copy where its model declares a profile for the pool (`plannedBatching()`).
 *
 * @throws Error when the stack lacks the shard's tier or pool (the packer never produces such a shard)
 */
export function shardModelConfigs(shard: Shard, stack: StackConfig): ModelConfig[] {
  const tier = stack.tiers[shard.tier];
  const pool = stack.pools.find((p) => p.name === shard.pool);
  if (!tier || !pool) throw new Error(`shard ${shard.name}: tier ${shard.tier} or pool ${shard.pool} is not defined by stack ${stack.name}`);
  return [...shard.copies].sort(byKey((c) => c.tritonName)).map((copy) => {
    const planned = plannedBatching(copy, shard, stack);
    return tritonModelConfig(copy, { tier: tier.triton, poolKind: pool.kind, ...(planned ? { planned } : {}) });
  });
}

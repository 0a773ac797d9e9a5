/**
 * Container resources of a shard's Triton container, derived from what was
 * packed into it (never guessed): requests are the packed copies plus the
 * server's own overhead; limits are what the pool's node can give one replica.
 */
import type { PoolSpec, StackConfig } from '../stack/stack-config.ts';
import type { Shard } from './shard-plan.ts';

/** Requests and limits of one Triton container. */
export interface ShardResources {
  /** Millicores and bytes the scheduler reserves. */
  readonly requests: { readonly cpu: number; readonly memory: number };
  /** Millicores and bytes the container may burst to. */
  readonly limits: { readonly cpu: number; readonly memory: number };
  /** Extended GPU resource and count (request = limit), or `undefined` on CPU pools. */
  readonly gpu?: { readonly resource: string; readonly count: number };
}

/** Looks up a shard's pool in the stack. */
export function poolOf(stack: StackConfig, shard: Shard): PoolSpec {
  const pool = stack.pools.find((p) => p.name === shard.pool);
  if (!pool) throw new Error(`shard ${shard.name} refers to pool ${shard.pool}, which the stack ${stack.name} does not define`);
  return pool;
}

/** Computes the Triton container's requests and limits for `shard`. */
export function shardResources(stack: StackConfig, shard: Shard): ShardResources {
  const pool = poolOf(stack, shard);
  const allocatable = { cpu: pool.node.cpu - pool.reserved.cpu, memory: pool.node.memory - pool.reserved.memory };
  const requests = {
    cpu: Math.min(shard.used.cpu + stack.serverOverhead.cpu, allocatable.cpu),
    memory: Math.min(shard.used.memory + stack.serverOverhead.memory, allocatable.memory),
  };
  return {
    requests,
    limits: allocatable,
    ...(pool.kind === 'gpu' && pool.gpusPerReplica > 0 ? { gpu: { resource: pool.gpuResource, count: pool.gpusPerReplica } } : {}),
  };
}

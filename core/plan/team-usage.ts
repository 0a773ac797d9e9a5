/**
 * What each team requests: the sum over its shards of the Triton container's
 * requests, at the shards' min and max replica counts. One computation for
 * the quota rule, the summaries and the Pulumi stack outputs.
 */
import type { ShardResources } from './shard-resources.ts';
import type { Shard } from './shard-plan.ts';

/** Requests of one team with every shard at max replicas (and GPUs at min). */
export interface TeamUsage {
  readonly team: string;
  /** GPUs at max replicas. */
  readonly gpu: number;
  /** CPU requests at max replicas, millicores. */
  readonly cpu: number;
  /** Memory requests at max replicas, bytes. */
  readonly memory: number;
  /** GPUs at min replicas (what the fleet requests when idle). */
  readonly minGpu: number;
  /** Model copies in the team's shards. */
  readonly copies: number;
  /** Number of the team's shards. */
  readonly shards: number;
}

/** Sums requests per team, in order of first appearance in `shards`. */
export function teamUsage(shards: readonly Shard[], resourcesOf: (shard: Shard) => ShardResources): Map<string, TeamUsage> {
  const usage = new Map<string, { -readonly [K in keyof TeamUsage]: TeamUsage[K] }>();
  for (const shard of shards) {
    const r = resourcesOf(shard);
    let u = usage.get(shard.team);
    if (!u) usage.set(shard.team, (u = { team: shard.team, gpu: 0, cpu: 0, memory: 0, minGpu: 0, copies: 0, shards: 0 }));
    const gpus = r.gpu?.count ?? 0;
    u.gpu += gpus * shard.maxReplicas;
    u.minGpu += gpus * shard.minReplicas;
    u.cpu += r.requests.cpu * shard.maxReplicas;
    u.memory += r.requests.memory * shard.maxReplicas;
    u.copies += shard.copies.length;
    u.shards += 1;
  }
  return usage;
}

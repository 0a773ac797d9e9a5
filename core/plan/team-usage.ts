/**
 * What each team requests: the sum over its shards of each pod's requests —
 * the Triton container's plus the injected Istio sidecar's — at the shards'
 * min and max replica counts. One computation for the quota rule, the
 * summaries and the Pulumi stack outputs.
 */
import { sidecarResources, type SidecarResources } from './sidecar-resources.ts';
import type { ShardResources } from './shard-resources.ts';
import type { Shard } from './shard-plan.ts';

/** Requests of one team with every shard at max replicas (and GPUs at min). */
export interface TeamUsage {
  readonly team: string;
  /** GPUs at max replicas. */
  readonly gpu: number;
  /** CPU requests at max replicas (Triton and sidecar), millicores. */
  readonly cpu: number;
  /** Memory requests at max replicas (Triton and sidecar), bytes. */
  readonly memory: number;
  /** The part of `cpu` the Istio sidecars request, millicores. */
  readonly sidecarCpu: number;
  /** The part of `memory` the Istio sidecars request, bytes. */
  readonly sidecarMemory: number;
  /** GPUs at min replicas (what the fleet requests when idle). */
  readonly minGpu: number;
  /** GPUs at the planned peak (each shard's `serving.replicas`). */
  readonly peakGpu: number;
  /** Model copies in the team's shards. */
  readonly copies: number;
  /** Number of the team's shards. */
  readonly shards: number;
}

/**
 * Sums requests per team, in order of first appearance in `shards`.
 *
 * @param shards the plan's shards
 * @param resourcesOf the Triton container's resources of a shard (`shardResources(stack, shard)`)
 * @param sidecarOf the Istio sidecar's resources of a shard, `undefined` for a pod without one;
 *   by default `sidecarResources(shard)`, the tier's row of `SIDECAR_RESOURCES`
 */
export function teamUsage(
  shards: readonly Shard[],
  resourcesOf: (shard: Shard) => ShardResources,
  sidecarOf: (shard: Shard) => SidecarResources | undefined = sidecarResources,
): Map<string, TeamUsage> {
  const usage = new Map<string, { -readonly [K in keyof TeamUsage]: TeamUsage[K] }>();
  for (const shard of shards) {
    const r = resourcesOf(shard);
    const sidecar = sidecarOf(shard);
    let u = usage.get(shard.team);
    if (!u) usage.set(shard.team, (u = { team: shard.team, gpu: 0, cpu: 0, memory: 0, sidecarCpu: 0, sidecarMemory: 0, minGpu: 0, peakGpu: 0, copies: 0, shards: 0 }));
    const gpus = r.gpu?.count ?? 0;
    u.gpu += gpus * shard.maxReplicas;
    u.minGpu += gpus * shard.minReplicas;
    u.peakGpu += gpus * shard.serving.replicas;
    u.sidecarCpu += (sidecar?.cpu ?? 0) * shard.maxReplicas;
    u.sidecarMemory += (sidecar?.memory ?? 0) * shard.maxReplicas;
    u.cpu += (r.requests.cpu + (sidecar?.cpu ?? 0)) * shard.maxReplicas;
    u.memory += (r.requests.memory + (sidecar?.memory ?? 0)) * shard.maxReplicas;
    u.copies += shard.copies.length;
    u.shards += 1;
  }
  return usage;
}

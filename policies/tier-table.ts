/**
 * The SLA tier table: everything a latency tier decides, in one place, each
 * value with the reason for it. Stacks override any value per cluster
 * (`modelfleet:tiers.<tier>.<field>` in `Pulumi.<stack>.yaml`).
 *
 * Isolation is structural rather than a value: a shard never mixes tiers, so a
 * batch tenant's burst can never queue in front of a realtime request.
 */
import type { SlaTier } from '../core/spec/model-spec.ts';
import type { TierPolicy } from '../core/stack/stack-config.ts';

/** Pools every tier may use by default, in order of preference: the cheapest GPU that fits first. */
const ALL_POOLS = ['gpu-l4', 'gpu-a100-80g', 'cpu-std'] as const;

/** The default tier table. */
export const TIER_TABLE: Readonly<Record<SlaTier, TierPolicy>> = {
  // p99 ≤ 10 ms.
  realtime: {
    pools: ALL_POOLS,
    // A burst must never queue: 30% of every resource stays free.
    headroomPercent: 30,
    // Two replicas, so a drain or a crash never takes the only server away; up to 8 for peaks.
    minReplicas: 2,
    maxReplicas: 8,
    // Scale out early: at 50% CPU the queue is still empty.
    targetCpuUtilizationPercent: 50,
    // Few copies per shard: a restart (all copies reload) and a crash touch few tenants.
    maxModelsPerShard: 32,
    // A CPU model on a GPU node would hold an expensive node for nothing.
    cpuModelsOnGpuPools: false,
    // Drains take one replica at a time; the other keeps serving.
    pdbMaxUnavailable: 1,
    // Scheduled first and may preempt batch pods when the cluster is full.
    priorityClass: {
      name: 'modelfleet-realtime',
      value: 100_000,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'modelfleet realtime tier (p99 <= 10 ms): scheduled first, preempts lower tiers',
    },
  },
  // p99 ≤ 100 ms.
  interactive: {
    pools: ALL_POOLS,
    // Moderate spare capacity: short queues are acceptable.
    headroomPercent: 20,
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuUtilizationPercent: 65,
    maxModelsPerShard: 64,
    cpuModelsOnGpuPools: false,
    pdbMaxUnavailable: 1,
    // Above batch, below realtime; may preempt batch work.
    priorityClass: {
      name: 'modelfleet-interactive',
      value: 50_000,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'modelfleet interactive tier (p99 <= 100 ms): may preempt the batch tier',
    },
  },
  // p99 ≤ 1 s.
  batch: {
    pools: ALL_POOLS,
    // Pack tight: queues absorb bursts.
    headroomPercent: 10,
    // One replica is enough when a request may wait a second; scale to 4 under load.
    minReplicas: 1,
    maxReplicas: 4,
    targetCpuUtilizationPercent: 80,
    // Long start-ups are tolerable, so shards may hold many copies.
    maxModelsPerShard: 128,
    cpuModelsOnGpuPools: false,
    pdbMaxUnavailable: 1,
    // Lowest priority and never preempts: batch work waits for room instead of evicting others.
    priorityClass: {
      name: 'modelfleet-batch',
      value: 10_000,
      preemptionPolicy: 'Never',
      description: 'modelfleet batch tier (p99 <= 1 s): lowest priority, never preempts',
    },
  },
};

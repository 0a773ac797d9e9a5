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
    // Plan replicas busy at most 60% of the time at peak: in an M/D/1-like queue the mean wait is
    // U/(2(1−U)) service times, 0.75 at 60% but 4.5 at 90%, and a 10 ms budget has room for about one.
    targetUtilization: 0.6,
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
    autoscaling: {
      // Scale out when the mean queue wait reaches 20% of the 10 ms budget (2 ms): queueing tails run several
      // times the mean, so waiting longer would already spend the p99 on the queue.
      queueTimeBudgetPercent: 20,
      // Second signal on GPU pools: a GPU busy 60% of the time leaves room for a burst to batch into.
      targetGpuUtilizationPercent: 60,
      // Never: the first request after idle would wait minutes for a replica to load its models.
      scaleToZero: false,
      // Small batches (at most 8 within 0.5 ms) keep one L4-class GPU near 1500 requests/s across the small
      // models a realtime shard holds; a CPU replica manages about a quarter. Planning figures for the fleet's
      // typical models: measure yours with perf_analyzer and override them per stack.
      replicaThroughputQps: { gpu: 1500, cpu: 400 },
      // Add replicas at once; remove them only after 10 minutes of lower load (a realtime flap costs SLA).
      scaleUpStabilizationSeconds: 0,
      scaleDownStabilizationSeconds: 600,
      // Unused without scaleToZero; kept equal to the scale-down window.
      cooldownSeconds: 600,
    },
    triton: {
      // 5% of the 10 ms budget: a request waits at most 0.5 ms for company, execution keeps the rest.
      maxQueueDelayMicroseconds: 500,
      // Dispatch as soon as 4 or 8 requests are waiting instead of sitting out the delay.
      preferredBatchSizes: [4, 8],
      // The largest batch the 0.5 ms delay can fill at realtime rates and still execute within a few ms.
      maxBatchSize: 8,
      // Live traffic is urgent by default (level 1); callers mark shadow or warm-up requests as level 2.
      priorityLevels: 2,
      defaultPriorityLevel: 1,
      queuePolicy: {
        // A request that waited the whole p99 budget is already late: fail fast so the caller falls back or retries.
        timeoutAction: 'REJECT',
        defaultTimeoutMicroseconds: 10_000,
        // A caller with a tighter deadline may set its own timeout.
        allowTimeoutOverride: true,
        // 8 full batches: a longer queue cannot drain within 10 ms, so reject at once and let the mesh retry elsewhere.
        maxQueueSize: 64,
      },
      // One instance: gpuMemory/memory are declared per loaded instance, and a second would load the weights
      // again outside what the packer reserved. Batching, not instances, gives the throughput.
      instancesPerGpu: 1,
      instancesPerCpu: 1,
    },
    // The shard's DestinationRule. Limits are per calling Envoy (each gateway pod) toward one shard.
    mesh: {
      // 1024 requests in flight is 8 replicas x 64 queued (maxQueueSize) x 2: beyond it requests would only queue.
      maxConnections: 512,
      maxRequests: 1024,
      // A short wait list: a request that cannot get a connection at once will miss 10 ms anyway, so 503 fast.
      maxPendingRequests: 128,
      // A healthy in-cluster connect takes well under a millisecond; 100 ms means the replica is gone.
      connectTimeoutMs: 100,
      // Eject a replica after 5 errors in a row for 30 s (longer each time), checked every 5 s; never more than
      // half the replicas, so a fleet-wide problem does not eject everything.
      consecutive5xxErrors: 5,
      outlierIntervalSeconds: 5,
      baseEjectionSeconds: 30,
      maxEjectionPercent: 50,
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
    // 75% busy at peak: the M/D/1-like mean wait of 1.5 service times fits a 100 ms budget many times over,
    // and the tail still has room before the queue grows without bound near 100%.
    targetUtilization: 0.75,
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
    autoscaling: {
      // 25% of the 100 ms budget (25 ms): short queues are acceptable, long ones eat the budget.
      queueTimeBudgetPercent: 25,
      targetGpuUtilizationPercent: 75,
      scaleToZero: false,
      // Batches up to 32 within 5 ms: about 1.7x the realtime throughput per replica.
      replicaThroughputQps: { gpu: 2500, cpu: 800 },
      // 30 s of sustained queueing before adding a replica (a spike shorter than that is absorbed by the queue).
      scaleUpStabilizationSeconds: 30,
      scaleDownStabilizationSeconds: 300,
      cooldownSeconds: 300,
    },
    triton: {
      // 5% of the 100 ms budget.
      maxQueueDelayMicroseconds: 5_000,
      preferredBatchSizes: [8, 16, 32],
      // A 5 ms window fills batches of 32 at interactive rates; bigger ones would eat the budget executing.
      maxBatchSize: 32,
      // As realtime: urgent by default, background requests opt down.
      priorityLevels: 2,
      defaultPriorityLevel: 1,
      queuePolicy: {
        // Past the 100 ms budget the answer is useless to a user waiting on it.
        timeoutAction: 'REJECT',
        defaultTimeoutMicroseconds: 100_000,
        allowTimeoutOverride: true,
        // 8 full batches.
        maxQueueSize: 256,
      },
      // Same reason as realtime: declared sizes are per instance.
      instancesPerGpu: 1,
      instancesPerCpu: 1,
    },
    mesh: {
      // Twice realtime's in-flight budget: interactive shards queue up to 256 requests per replica.
      maxConnections: 512,
      maxRequests: 2048,
      maxPendingRequests: 512,
      connectTimeoutMs: 250,
      consecutive5xxErrors: 5,
      outlierIntervalSeconds: 10,
      baseEjectionSeconds: 30,
      maxEjectionPercent: 50,
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
    // 90% busy at peak: a 1 s budget absorbs the 4.5 service-time mean wait; only throughput matters.
    targetUtilization: 0.9,
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
    autoscaling: {
      // 50% of the 1 s budget (500 ms): throughput first; queues are how batch work waits for capacity.
      queueTimeBudgetPercent: 50,
      // Batches should keep the GPU busy; scale out only when it is nearly saturated.
      targetGpuUtilizationPercent: 90,
      // Batch work tolerates a cold start (the 1 s budget is per request once serving): idle shards free their GPUs.
      scaleToZero: true,
      // Batches up to 128 within 50 ms: about 2.7x the realtime throughput per replica.
      replicaThroughputQps: { gpu: 4000, cpu: 1200 },
      scaleUpStabilizationSeconds: 60,
      scaleDownStabilizationSeconds: 300,
      // 15 minutes without requests before going to zero: a job's next wave usually comes sooner.
      cooldownSeconds: 900,
    },
    triton: {
      // 5% of the 1 s budget: long enough to fill large batches at modest request rates.
      maxQueueDelayMicroseconds: 50_000,
      preferredBatchSizes: [32, 64, 128],
      // Large batches use the GPU best; 128 still executes well within a second for models packed on one GPU.
      maxBatchSize: 128,
      // Background by default (level 2); a caller may promote an urgent request to level 1.
      priorityLevels: 2,
      defaultPriorityLevel: 2,
      queuePolicy: {
        // Late batch work is still worth doing: move it behind requests still in time instead of failing it.
        timeoutAction: 'DELAY',
        defaultTimeoutMicroseconds: 1_000_000,
        allowTimeoutOverride: true,
        // Queues absorb bursts, but stay bounded so a runaway client cannot exhaust host memory.
        maxQueueSize: 4096,
      },
      // Same reason as realtime: declared sizes are per instance.
      instancesPerGpu: 1,
      instancesPerCpu: 1,
    },
    mesh: {
      // Batch callers send bulk work: many requests in flight over few connections, a long wait list.
      maxConnections: 256,
      maxRequests: 4096,
      maxPendingRequests: 4096,
      connectTimeoutMs: 1000,
      // Tolerate more errors before ejecting: a batch replica is often the only one.
      consecutive5xxErrors: 10,
      outlierIntervalSeconds: 30,
      baseEjectionSeconds: 60,
      maxEjectionPercent: 50,
    },
  },
};

/**
 * Compiles a shard and its tier into what its autoscaler needs (pure data;
 * `constructs/shard-autoscaler.ts` renders it as a KEDA ScaledObject or an
 * HPA). Every number follows from the tier table and the shard's sizing.
 */
import { TIER_P99_MS } from '../spec/model-spec.ts';
import type { PeakWindow } from '../spec/traffic-profile.ts';
import { queueTimeTargetMicroseconds, type AutoscalerKind } from '../stack/autoscaling-config.ts';
import { plannedBatching } from '../serving/planned-batching.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import type { Shard } from './shard-plan.ts';

/** One HPA scaling-rule direction (`behavior.scaleUp` / `scaleDown`). */
export interface ScalingRule {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min';
  readonly policies: readonly { readonly type: 'Pods' | 'Percent'; readonly value: number; readonly periodSeconds: number }[];
}

/** A floor held during a daily UTC window (a KEDA cron trigger). */
export interface ScheduledFloor {
  /** Cron expression of the window's start (`0 13 * * *`). */
  readonly start: string;
  /** Cron expression of the window's end. */
  readonly end: string;
  readonly replicas: number;
  readonly window: PeakWindow;
}

/** Everything a shard's autoscaler renders. */
export interface ShardAutoscaling {
  readonly kind: AutoscalerKind;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Replicas when idle: 0 when the shard may scale to zero (KEDA `idleReplicaCount`), else none. */
  readonly idleReplicas?: 0;
  /** Mean queue time per request the shard scales on, in microseconds. */
  readonly queueTimeTargetMicroseconds: number;
  /** PromQL: mean queue time per request over the shard's pods, in microseconds. */
  readonly queueTimeQuery: string;
  /** CPU utilisation target, percent of requests. */
  readonly cpuUtilizationPercent: number;
  /** GPU utilisation signal (DCGM), on GPU pools with a non-zero tier target. */
  readonly gpuUtilization?: { readonly percent: number; readonly query: string };
  /** Request rate that wakes an idle shard (scale to zero only): the mesh sees requests even with no pods. */
  readonly activation?: { readonly query: string; readonly requestsPerSecondPerReplica: number };
  /** Floors during peak hours (KEDA cron triggers). */
  readonly schedules: readonly ScheduledFloor[];
  /** Seconds of idleness before going to zero (KEDA `cooldownPeriod`). */
  readonly cooldownSeconds: number;
  /** KEDA trigger polling interval, seconds. */
  readonly pollingIntervalSeconds: number;
  /** HPA behavior (KEDA passes it through `advanced.horizontalPodAutoscalerConfig`). */
  readonly behavior: { readonly scaleUp: ScalingRule; readonly scaleDown: ScalingRule };
  /** Name of the prometheus-adapter Pods metric (HPA only). */
  readonly podsMetric: string;
}

/**
 * PromQL label matchers selecting a shard's pods: its namespace and the
 * pod names of its Deployment (`<shard>-<replicaset hash>-<pod hash>`).
 * `namespace` and `pod` are the target labels both a ServiceMonitor and the
 * `kubernetes-pods` annotation job attach; the exact name pattern keeps
 * `…-gpu-l4-1` from matching `…-gpu-l4-10`.
 */
export function shardPodMatchers(shard: Pick<Shard, 'name' | 'namespace'>): string {
  return `namespace="${shard.namespace}",pod=~"${shard.name}-[a-z0-9]+-[a-z0-9]+"`;
}

/**
 * The shard's mean Triton queue time per request, in microseconds: the
 * rate of `nv_inference_queue_duration_us` (cumulative µs requests spent
 * queued, per model and version) over the rate of
 * `nv_inference_request_success`, summed over every copy and pod. The
 * denominator is clamped to 1 request/s so an idle shard reads 0, not NaN.
 */
export function queueTimeQuery(shard: Pick<Shard, 'name' | 'namespace'>): string {
  const m = shardPodMatchers(shard);
  return `sum(rate(nv_inference_queue_duration_us{${m}}[1m])) / clamp_min(sum(rate(nv_inference_request_success{${m}}[1m])), 1)`;
}

/** Mean GPU utilisation (percent) of the shard's pods, from NVIDIA's DCGM exporter. */
export function gpuUtilizationQuery(shard: Pick<Shard, 'name' | 'namespace'>): string {
  return `avg(DCGM_FI_DEV_GPU_UTIL{${shardPodMatchers(shard)}})`;
}

/** Requests/s the Istio mesh routes to the shard's Service (seen even when it has no pods). */
export function meshRequestRateQuery(shard: Pick<Shard, 'name' | 'namespace'>): string {
  return `sum(rate(istio_requests_total{destination_service_namespace="${shard.namespace}",destination_service_name="${shard.name}"}[2m]))`;
}

/** `0 13 * * *`: daily at the hour, UTC. */
const dailyAt = (hour: number) => `0 ${hour} * * *`;

/**
 * Compiles a shard's autoscaling.
 *
 * - Bounds: the shard's `minReplicas`/`maxReplicas` (`shardReplicas()`).
 * - Queue time: the tier's share of its p99 budget
 *   (`queueTimeTargetMicroseconds()`), measured by `queueTimeQuery()`, plus
 *   the longest queue delay the plan gives a copy of the shard to fill its
 *   batch (`plannedBatching()`): waiting for a planned batch is not load, so
 *   it must not scale the shard out.
 * - CPU: the tier's `targetCpuUtilizationPercent`; GPU (KEDA, GPU pools):
 *   the tier's `targetGpuUtilizationPercent` unless 0.
 * - Peak floors: one cron schedule per window of `shard.peak` (KEDA only).
 * - Scale to zero: KEDA with the tier's `scaleToZero` idles at 0 and wakes
 *   on the mesh's request rate; when active the floor is `minReplicas`.
 *   The HPA cannot scale to zero and keeps `minReplicas`.
 * - Behavior: scale up by up to 100% (at least 4 pods) per 15 s after the
 *   tier's up-window; scale down one pod per minute after its down-window.
 */
export function shardAutoscaling(shard: Shard, stack: StackConfig): ShardAutoscaling {
  const tier = stack.tiers[shard.tier];
  const policy = tier.autoscaling;
  const pool = stack.pools.find((p) => p.name === shard.pool);
  const keda = stack.autoscaler.kind === 'keda';
  const toZero = keda && policy.scaleToZero;
  const gpu = keda && pool?.kind === 'gpu' && policy.targetGpuUtilizationPercent > 0;
  return {
    kind: stack.autoscaler.kind,
    minReplicas: shard.minReplicas,
    maxReplicas: shard.maxReplicas,
    ...(toZero ? { idleReplicas: 0 as const } : {}),
    queueTimeTargetMicroseconds:
      queueTimeTargetMicroseconds(TIER_P99_MS[shard.tier], policy.queueTimeBudgetPercent) +
      Math.max(0, ...shard.copies.map((c) => plannedBatching(c, shard, stack)?.maxQueueDelayMicroseconds ?? 0)),
    queueTimeQuery: queueTimeQuery(shard),
    cpuUtilizationPercent: tier.targetCpuUtilizationPercent,
    ...(gpu ? { gpuUtilization: { percent: policy.targetGpuUtilizationPercent, query: gpuUtilizationQuery(shard) } } : {}),
    ...(toZero ? { activation: { query: meshRequestRateQuery(shard), requestsPerSecondPerReplica: policy.replicaThroughputQps[pool?.kind ?? 'cpu'] } } : {}),
    schedules:
      keda && shard.peak
        ? shard.peak.windowsUtc.map((window) => ({ start: dailyAt(window.startHourUtc), end: dailyAt(window.endHourUtc), replicas: shard.peak!.replicas, window }))
        : [],
    cooldownSeconds: policy.cooldownSeconds,
    pollingIntervalSeconds: stack.autoscaler.pollingIntervalSeconds,
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: policy.scaleUpStabilizationSeconds,
        selectPolicy: 'Max',
        policies: [
          { type: 'Percent', value: 100, periodSeconds: 15 },
          { type: 'Pods', value: 4, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: policy.scaleDownStabilizationSeconds,
        selectPolicy: 'Min',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    },
    podsMetric: stack.autoscaler.hpaQueueTimeMetric,
  };
}

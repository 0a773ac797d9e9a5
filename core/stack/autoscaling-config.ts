/**
 * Autoscaling and metrics settings of a stack and of each tier: which
 * autoscaler the cluster runs (KEDA or a plain HPA with prometheus-adapter),
 * how Prometheus finds Triton's metrics, and the per-tier targets the
 * autoscaler compiles from (`core/plan/shard-autoscaling.ts`).
 *
 * Kept apart from `stack-config.ts` so the autoscaling schema, merge and
 * checks read as one concept; `resolveStack()` calls them.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { SlaTier } from '../spec/model-spec.ts';

/** Autoscaler kinds a stack can select. */
export const AUTOSCALER_KINDS = ['keda', 'hpa'] as const;
/**
 * `keda`: a KEDA `ScaledObject` per shard (Prometheus queue-time trigger,
 * CPU trigger, cron triggers for traffic profiles, scale to zero).
 * `hpa`: an `autoscaling/v2` HorizontalPodAutoscaler per shard with a Pods
 * metric served by prometheus-adapter, plus CPU.
 */
export type AutoscalerKind = (typeof AUTOSCALER_KINDS)[number];

/** Ways a stack exposes Triton's metrics port to Prometheus. */
export const METRICS_EXPOSURES = ['servicemonitor', 'annotations'] as const;
/**
 * `servicemonitor`: a prometheus-operator `ServiceMonitor` per shard scraping
 * the Service's `metrics` port. `annotations`: `prometheus.io/scrape`, `port`
 * and `path` on the pod template, for Prometheus' `kubernetes-pods` job.
 */
export type MetricsExposure = (typeof METRICS_EXPOSURES)[number];

/** The stack's autoscaler. */
export interface AutoscalerConfig {
  /** Which autoscaler renders per shard. */
  readonly kind: AutoscalerKind;
  /** Prometheus the KEDA triggers query (`keda` only). */
  readonly prometheus: {
    /** Base URL of the Prometheus HTTP API (`http://prometheus-operated.monitoring.svc:9090`). */
    readonly serverAddress: string;
  };
  /**
   * Name of the Pods metric prometheus-adapter serves for `hpa`: mean queue
   * time per request in microseconds, per pod. The adapter rule that serves
   * it is in docs/shard-autoscaler.md.
   */
  readonly hpaQueueTimeMetric: string;
  /** How often KEDA evaluates the triggers, in seconds (`keda` only). */
  readonly pollingIntervalSeconds: number;
  /**
   * Share of the declared `peakQps` this cluster serves, in percent: 50 for
   * one of two active regions, a small share for a development cluster.
   * Replica sizing scales every copy's peak by it.
   */
  readonly peakTrafficPercent: number;
}

/** How Prometheus scrapes Triton's metrics (port `metrics`, 8002). */
export interface MetricsConfig {
  /** ServiceMonitor per shard, or scrape annotations on the pods. */
  readonly exposure: MetricsExposure;
  /** Scrape interval, in seconds. Queue-time rates use a 1m window, so at most 30 s. */
  readonly scrapeIntervalSeconds: number;
  /**
   * Extra labels on every ServiceMonitor, so the Prometheus instance's
   * `serviceMonitorSelector` picks them up (`release: kube-prometheus-stack`).
   */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
}

/** Per-replica request rate the sizing assumes, per kind of pool. */
export interface ReplicaThroughput {
  /** Requests/s one replica on a GPU pool sustains at the tier's latency. */
  readonly gpu: number;
  /** Requests/s one replica on a CPU pool sustains at the tier's latency. */
  readonly cpu: number;
}

/** What a tier decides about autoscaling. */
export interface AutoscalingTierPolicy {
  /**
   * Share of the tier's p99 budget the mean queue time per request may
   * reach before the shard scales out, in percent. The target is
   * `p99 (µs) × queueTimeBudgetPercent / 100` (`queueTimeTargetMicroseconds()`).
   */
  readonly queueTimeBudgetPercent: number;
  /**
   * GPU utilisation target (DCGM `DCGM_FI_DEV_GPU_UTIL`, percent) for shards
   * on GPU pools, a second signal beside queue time (KEDA only); 0 turns it off.
   */
  readonly targetGpuUtilizationPercent: number;
  /** Let an idle shard scale to zero replicas (KEDA only; only the batch tier may). */
  readonly scaleToZero: boolean;
  /**
   * Requests/s one replica serves within the tier's latency, summed over its
   * copies: divides a shard's summed `peakQps` into its replica floor.
   */
  readonly replicaThroughputQps: ReplicaThroughput;
  /** Seconds a higher recommendation must persist before scaling out. */
  readonly scaleUpStabilizationSeconds: number;
  /** Seconds a lower recommendation must persist before scaling in. */
  readonly scaleDownStabilizationSeconds: number;
  /** Seconds without activity before an idle shard goes to zero (KEDA `cooldownPeriod`; with `scaleToZero`). */
  readonly cooldownSeconds: number;
}

/** Autoscaling rows of a tier, as a stack file overrides them (every field optional). */
export const autoscalingTierSchema = z
  .strictObject({
    queueTimeBudgetPercent: z.number().gt(0).max(100),
    targetGpuUtilizationPercent: z.number().int().min(0).max(100),
    scaleToZero: z.boolean(),
    replicaThroughputQps: z.strictObject({ gpu: z.number().positive().max(1e7), cpu: z.number().positive().max(1e7) }).partial(),
    scaleUpStabilizationSeconds: z.number().int().min(0).max(3600),
    scaleDownStabilizationSeconds: z.number().int().min(0).max(3600),
    cooldownSeconds: z.number().int().min(0).max(86_400),
  })
  .partial()
  .optional();

const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/).max(63);

/** `modelfleet:autoscaler`, as a stack file overrides it. */
export const autoscalerSchema = z
  .strictObject({
    kind: z.enum(AUTOSCALER_KINDS),
    prometheus: z.strictObject({ serverAddress: z.string().regex(/^https?:\/\/[^\s"'`]+$/, { message: 'must be an http(s) URL such as "http://prometheus-operated.monitoring.svc:9090"' }) }).partial(),
    hpaQueueTimeMetric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { message: 'must be a Prometheus metric name such as "triton_queue_time_per_request_us"' }),
    pollingIntervalSeconds: z.number().int().min(5).max(300),
    peakTrafficPercent: z.number().gt(0).max(100),
  })
  .partial()
  .optional();

/** `modelfleet:metrics`, as a stack file overrides it. */
export const metricsSchema = z
  .strictObject({
    exposure: z.enum(METRICS_EXPOSURES),
    scrapeIntervalSeconds: z.number().int().min(5).max(30),
    serviceMonitorLabels: z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/), labelValue),
  })
  .partial()
  .optional();

type AutoscalingTierInput = NonNullable<z.output<typeof autoscalingTierSchema>>;

/** A tier's autoscaling rows overridden field by field (the throughput per pool kind too). */
export function mergeAutoscalingTier(inherited: AutoscalingTierPolicy, own: AutoscalingTierInput | undefined): AutoscalingTierPolicy {
  return {
    ...inherited,
    ...(own ?? {}),
    replicaThroughputQps: { ...inherited.replicaThroughputQps, ...(own?.replicaThroughputQps ?? {}) },
  };
}

/** The stack's autoscaler and metrics settings: defaults overridden field by field. */
export function mergeAutoscaler(defaults: AutoscalerConfig, own: z.output<typeof autoscalerSchema>): AutoscalerConfig {
  return { ...defaults, ...(own ?? {}), prometheus: { ...defaults.prometheus, ...(own?.prometheus ?? {}) } };
}

/** The stack's metrics settings: defaults overridden field by field (labels replace as a whole). */
export function mergeMetrics(defaults: MetricsConfig, own: z.output<typeof metricsSchema>): MetricsConfig {
  return { ...defaults, ...(own ?? {}) };
}

/**
 * Contradictions in a tier's merged autoscaling rows, each naming the stack
 * file and key. `maxQueueDelayMicroseconds` is the tier's Triton batching
 * delay: a queue-time target at or below it would scale out on the delay
 * Triton adds on purpose.
 */
export function checkAutoscalingTier(
  tier: SlaTier,
  policy: AutoscalingTierPolicy,
  p99Ms: number,
  maxQueueDelayMicroseconds: number | undefined,
  file: string,
  at: readonly (string | number)[],
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (policy.scaleToZero && tier !== 'batch') {
    issues.push({
      file,
      path: [...at, 'scaleToZero'],
      message: `is true on the ${tier} tier; only batch shards may scale to zero (the first request after idle waits for a replica to start and load its models, far beyond a ${p99Ms} ms budget); remove it`,
    });
  }
  const target = queueTimeTargetMicroseconds(p99Ms, policy.queueTimeBudgetPercent);
  if (maxQueueDelayMicroseconds !== undefined && target <= maxQueueDelayMicroseconds) {
    issues.push({
      file,
      path: [...at, 'queueTimeBudgetPercent'],
      message: `${policy.queueTimeBudgetPercent}% of the ${p99Ms} ms budget is a queue-time target of ${target} µs, not above the tier's batching delay (triton.maxQueueDelayMicroseconds ${maxQueueDelayMicroseconds} µs), so every batch would scale the shard out; raise it above ${Math.ceil((maxQueueDelayMicroseconds * 100) / (p99Ms * 1000))}% or lower the delay`,
    });
  }
  return issues;
}

/** Checks of the stack-level settings that need more than one field. */
export function checkAutoscaler(autoscaler: AutoscalerConfig, file: string): SpecIssue[] {
  if (autoscaler.kind === 'keda' && !autoscaler.prometheus.serverAddress) {
    return [{ file, path: ['modelfleet:autoscaler', 'prometheus', 'serverAddress'], message: 'is required with kind "keda": give the Prometheus URL KEDA queries, e.g. "http://prometheus-operated.monitoring.svc:9090"' }];
  }
  return [];
}

/**
 * The tier's queue-time target: the mean time a request may wait in
 * Triton's queue, in whole microseconds.
 *
 * @example queueTimeTargetMicroseconds(10, 25) // 2500
 */
export function queueTimeTargetMicroseconds(p99Ms: number, queueTimeBudgetPercent: number): number {
  return Math.round((p99Ms * 1000 * queueTimeBudgetPercent) / 100);
}

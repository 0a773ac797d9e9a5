/**
 * The autoscaler of one shard: a KEDA ScaledObject or an autoscaling/v2
 * HorizontalPodAutoscaler, as the stack selects, rendered from
 * `shardAutoscaling()` (every decision is made there, in core).
 */
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { shardAutoscaling, type ShardAutoscaling } from '../core/plan/shard-autoscaling.ts';
import { shardLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import type { ScaleTrigger } from './imports/keda.sh.ts';
import { ScaledObject } from './scaled-object.ts';

/** The container whose CPU the autoscaler reads (not the injected Istio proxy's). */
const TRITON_CONTAINER = 'triton';

/** Properties for `ShardAutoscaler`. */
export interface ShardAutoscalerProps {
  /** The shard whose Deployment (named like the shard) is scaled. */
  readonly shard: Shard;

  /** The stack: `autoscaler` picks the kind, the shard's tier gives the targets. */
  readonly stack: StackConfig;
}

/**
 * Scales a shard's Deployment between its min and max replicas.
 *
 * With `autoscaler.kind: keda` (child id `Resource`, a `ScaledObject`):
 * - trigger `queue-time` (Prometheus, `Value`): mean Triton queue time per
 *   request against the tier's target in µs;
 * - trigger `cpu` (`Utilization`, container `triton`): the tier's CPU target;
 * - trigger `gpu` (Prometheus, `Value`, GPU pools): DCGM GPU utilisation;
 * - triggers `peak-<start>-<end>` (cron, UTC): the shard's peak floor;
 * - scale to zero (batch): `idleReplicaCount: 0`, woken by trigger
 *   `requests` (the mesh's request rate, which exists with no pods);
 * - `advanced.horizontalPodAutoscalerConfig`: the tier's stabilization windows.
 *
 * With `autoscaler.kind: hpa` (child id `Resource`, an HPA): a Pods metric
 * served by prometheus-adapter (`autoscaler.hpaQueueTimeMetric`, average
 * value = the queue-time target) plus the `triton` container's CPU
 * (`ContainerResource`), and the same behavior.
 *
 * @example
 * new ShardAutoscaler(shardConstruct, 'Autoscaler', { shard, stack });
 */
export class ShardAutoscaler extends Construct {
  /** What was rendered, as compiled from the tier table. */
  public readonly autoscaling: ShardAutoscaling;
  /** The ScaledObject (KEDA) or HorizontalPodAutoscaler. */
  public readonly resource: ScaledObject | k8s.KubeHorizontalPodAutoscalerV2;

  /**
   * Defines the autoscaler of one shard.
   *
   * @param scope the shard's construct
   * @param id construct id
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: ShardAutoscalerProps) {
    super(scope, id);
    const { shard, stack } = props;
    const a = shardAutoscaling(shard, stack);
    this.autoscaling = a;
    const metadata = { name: shard.name, namespace: shard.namespace, labels: { ...shardLabels(shard) } };
    const behavior = {
      scaleUp: { ...a.behavior.scaleUp, policies: a.behavior.scaleUp.policies.map((p) => ({ ...p })) },
      scaleDown: { ...a.behavior.scaleDown, policies: a.behavior.scaleDown.policies.map((p) => ({ ...p })) },
    };
    if (a.kind === 'keda') {
      const serverAddress = stack.autoscaler.prometheus.serverAddress;
      const triggers: ScaleTrigger[] = [
        {
          type: 'prometheus',
          name: 'queue-time',
          metricType: 'Value',
          metadata: { serverAddress, query: a.queueTimeQuery, threshold: String(a.queueTimeTargetMicroseconds) },
        },
        // The Triton container's CPU only: the pod's would include the Istio proxy, whose requests and usage dilute it.
        { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: String(a.cpuUtilizationPercent), containerName: TRITON_CONTAINER } },
      ];
      if (a.gpuUtilization) {
        triggers.push({ type: 'prometheus', name: 'gpu', metricType: 'Value', metadata: { serverAddress, query: a.gpuUtilization.query, threshold: String(a.gpuUtilization.percent) } });
      }
      if (a.activation) {
        triggers.push({
          type: 'prometheus',
          name: 'requests',
          metricType: 'AverageValue',
          metadata: { serverAddress, query: a.activation.query, threshold: String(a.activation.requestsPerSecondPerReplica), activationThreshold: '0' },
        });
      }
      for (const s of a.schedules) {
        const pad = (h: number) => String(h).padStart(2, '0');
        triggers.push({
          type: 'cron',
          name: `peak-${pad(s.window.startHourUtc)}-${pad(s.window.endHourUtc)}`,
          metadata: { timezone: 'Etc/UTC', start: s.start, end: s.end, desiredReplicas: String(s.replicas) },
        });
      }
      this.resource = new ScaledObject(this, 'Resource', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: shard.name },
          minReplicaCount: a.minReplicas,
          maxReplicaCount: a.maxReplicas,
          ...(a.idleReplicas !== undefined ? { idleReplicaCount: a.idleReplicas, cooldownPeriod: a.cooldownSeconds } : {}),
          pollingInterval: a.pollingIntervalSeconds,
          // KEDA names its HPA keda-hpa-<name>, so switching a stack between kinds never races two owners of one HPA.
          advanced: { horizontalPodAutoscalerConfig: { behavior } },
          triggers: triggers as [ScaleTrigger, ...ScaleTrigger[]],
        },
      });
      return;
    }
    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: shard.name },
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: a.podsMetric }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromNumber(a.queueTimeTargetMicroseconds) } },
          },
          // The Triton container's CPU (ContainerResource, on by default since Kubernetes 1.27), not the pod's with the proxy.
          { type: 'ContainerResource', containerResource: { container: TRITON_CONTAINER, name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilizationPercent } } },
        ],
        behavior,
      },
    });
  }
}

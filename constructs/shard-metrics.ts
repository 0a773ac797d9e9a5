/**
 * How Prometheus finds one shard's Triton metrics (port `metrics`, 8002):
 * a ServiceMonitor, or scrape annotations on the pod template, per stack.
 */
import { Construct } from 'constructs';
import { shardLabels, shardSelectorLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { ServiceMonitor } from './service-monitor.ts';

/** Triton's metrics port number (the Service and container name it `metrics`). */
const METRICS_PORT = 8002;

/**
 * Pod-template annotations for Prometheus' `kubernetes-pods` scrape job when
 * the stack's `metrics.exposure` is `annotations`; none otherwise.
 *
 * @example
 * metricsPodAnnotations(stack) // { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8002', 'prometheus.io/path': '/metrics' }
 */
export function metricsPodAnnotations(stack: StackConfig): Readonly<Record<string, string>> {
  if (stack.metrics.exposure !== 'annotations') return {};
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/path': '/metrics' };
}

/** Properties for `ShardMetrics`. */
export interface ShardMetricsProps {
  /** The shard whose Service is scraped. */
  readonly shard: Shard;

  /** The stack: `metrics` decides the exposure, interval and extra labels. */
  readonly stack: StackConfig;
}

/**
 * With `metrics.exposure: servicemonitor`, a ServiceMonitor (child id
 * `Resource`) named like the shard, in its namespace, selecting the shard's
 * Service and scraping its `metrics` port at the stack's interval. It
 * carries the stack's `serviceMonitorLabels`, so the cluster's Prometheus
 * selects it. With `annotations` it renders nothing (see
 * `metricsPodAnnotations()`).
 *
 * One per shard rather than per team: it shares the shard's name and
 * lifecycle, and a team's ServiceMonitor would change with every shard.
 *
 * @example
 * new ShardMetrics(shardConstruct, 'Metrics', { shard, stack });
 */
export class ShardMetrics extends Construct {
  /** The ServiceMonitor, when the stack uses them. */
  public readonly serviceMonitor?: ServiceMonitor;

  /**
   * Defines the metrics exposure of one shard.
   *
   * @param scope the shard's construct
   * @param id construct id
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: ShardMetricsProps) {
    super(scope, id);
    const { shard, stack } = props;
    if (stack.metrics.exposure !== 'servicemonitor') return;
    this.serviceMonitor = new ServiceMonitor(this, 'Resource', {
      metadata: { name: shard.name, namespace: shard.namespace, labels: { ...stack.metrics.serviceMonitorLabels, ...shardLabels(shard) } },
      spec: {
        selector: { matchLabels: { ...shardSelectorLabels(shard) } },
        endpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: `${stack.metrics.scrapeIntervalSeconds}s` }],
      },
    });
  }
}

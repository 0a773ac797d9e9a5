/**
 * The mesh's traffic policy toward one shard: an Istio DestinationRule for the
 * shard's Service with the tier's load balancing, connection-pool limits and
 * outlier detection.
 */
import { Construct } from 'constructs';
import { shardLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { DestinationRule } from './destination-rule.ts';
import { shardServiceHost } from './model-route.ts';

/** Properties for `ShardTrafficPolicy`. */
export interface ShardTrafficPolicyProps {
  /** The shard whose Service the rule applies to. */
  readonly shard: Shard;
  /** The stack; the shard's tier's `mesh` settings give the limits. */
  readonly stack: StackConfig;
}

/**
 * A DestinationRule named like the shard, for `<shard>.<namespace>.svc.cluster.local`:
 *
 * - `LEAST_REQUEST` load balancing: a replica busy with a slow batch gets
 *   fewer new requests (round robin would queue behind it);
 * - connection-pool limits from the tier (`tiers.<tier>.mesh`): requests in
 *   flight, connections and pending requests per calling Envoy, so a burst
 *   from one tenant is answered with fast 503s instead of queueing every
 *   tenant of the shard behind it;
 * - outlier detection: a replica that keeps failing (a crashed model, a bad
 *   GPU) is ejected for a while instead of failing its share of requests.
 *
 * @example
 * new ShardTrafficPolicy(chart, `${shard.name}-traffic`, { shard, stack });
 */
export class ShardTrafficPolicy extends Construct {
  /** The DestinationRule. */
  public readonly destinationRule: DestinationRule;

  /**
   * Defines the traffic policy of one shard.
   *
   * @param scope the team's chart
   * @param id construct id
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: ShardTrafficPolicyProps) {
    super(scope, id);
    const { shard, stack } = props;
    const mesh = stack.tiers[shard.tier].mesh;
    this.destinationRule = new DestinationRule(this, 'Resource', {
      metadata: { name: shard.name, namespace: shard.namespace, labels: { ...shardLabels(shard) } },
      spec: {
        host: shardServiceHost(shard.name, shard.namespace),
        trafficPolicy: {
          loadBalancer: { simple: 'LEAST_REQUEST' },
          connectionPool: {
            tcp: { maxConnections: mesh.maxConnections, connectTimeout: `${mesh.connectTimeoutMs}ms` },
            http: { http2MaxRequests: mesh.maxRequests, http1MaxPendingRequests: mesh.maxPendingRequests },
          },
          outlierDetection: {
            consecutive5xxErrors: mesh.consecutive5xxErrors,
            interval: `${mesh.outlierIntervalSeconds}s`,
            baseEjectionTime: `${mesh.baseEjectionSeconds}s`,
            maxEjectionPercent: mesh.maxEjectionPercent,
          },
        },
      },
    });
  }
}

/**
 * Ingress routing of one shard: an Istio VirtualService that sends each of the
 * shard's models' KServe-v2 REST paths to the shard's Service.
 */
import { Construct } from 'constructs';
import { shardLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import type { HttpRoute } from './imports/networking.istio.io.ts';
import { TRITON_HTTP_PORT } from './triton-shard.ts';
import { VirtualService } from './virtual-service.ts';

/** Properties for `ShardRoute`. */
export interface ShardRouteProps {
  /** The shard whose models are routed. */
  readonly shard: Shard;

  /** The stack; `routing.gateway` and `routing.host` bind the route. */
  readonly stack: StackConfig;
}

/**
 * An Istio VirtualService for one shard, bound to the stack's gateway and host.
 *
 * One HTTP route per model copy, in Triton-name order, matching the KServe v2
 * paths of that model — exactly `/v2/models/<name>` and the prefix
 * `/v2/models/<name>/` (infer, ready, config, versions/…) — and sending them
 * to `<shard>.<namespace>.svc.cluster.local:8000`.
 *
 * Many shards each contribute a VirtualService for the same host. Istio merges
 * VirtualServices of one host at a gateway only in an unspecified order, which
 * is safe here because every Triton name lives in exactly one shard, so the
 * path sets of different VirtualServices are disjoint and no request can
 * match routes of two shards. The trailing `/` of the prefix keeps
 * `/v2/models/a` from capturing `/v2/models/ab`.
 *
 * gRPC inference carries the model name in the message body, not the path, so
 * gRPC clients address the shard's Service directly.
 *
 * @example
 * new ShardRoute(chart, `${shard.name}-route`, { shard, stack });
 */
export class ShardRoute extends Construct {
  /** The VirtualService. */
  public readonly virtualService: VirtualService;

  /**
   * Defines the route of one shard.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: ShardRouteProps) {
    super(scope, id);
    const { shard, stack } = props;
    if (shard.copies.length === 0) {
      throw new Error(`[${this.node.path}] shard ${shard.name} has no model copies, so it has nothing to route`);
    }
    const host = `${shard.name}.${shard.namespace}.svc.cluster.local`;
    const http: HttpRoute[] = shard.copies
      .map((c) => c.tritonName)
      .sort()
      .map((name) => ({
        name,
        match: [{ uri: { exact: `/v2/models/${name}` } }, { uri: { prefix: `/v2/models/${name}/` } }],
        route: [{ destination: { host, port: { number: TRITON_HTTP_PORT } } }],
      }));
    this.virtualService = new VirtualService(this, 'Resource', {
      metadata: { name: shard.name, namespace: shard.namespace, labels: { ...shardLabels(shard) } },
      spec: {
        hosts: [stack.routing.host],
        gateways: [stack.routing.gateway],
        http,
      },
    });
  }
}

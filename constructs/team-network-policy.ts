/**
 * Who may open connections to the pods of a team's namespace: Kubernetes
 * NetworkPolicies that deny all ingress by default and admit the ingress
 * gateway's namespace and the team's callers to the shards' inference ports,
 * and the metrics namespaces to the shards' metrics ports.
 */
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY, TRITON_APP_NAME } from '../core/plan/shard-labels.ts';
import { principalNamespace, type TeamSpec } from '../core/spec/team-spec.ts';
import { gatewayOf } from '../core/stack/gateways.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { compareStrings } from '../core/util/compare.ts';
import { TRITON_GRPC_PORT, TRITON_HTTP_PORT, TRITON_METRICS_PORT } from './triton-shard.ts';

/** Port of the Istio sidecar's Envoy Prometheus endpoint (`/stats/prometheus`). */
export const ISTIO_PROXY_METRICS_PORT = 15090;

/**
 * Port of the Istio sidecar's agent (pilot-agent): merged application and
 * Envoy metrics (`/stats/prometheus`, where Istio's metrics merging points
 * `prometheus.io/port`) and the rewritten kubelet probes (`/app-health/...`).
 */
export const ISTIO_AGENT_PORT = 15020;

/** Label the API server sets on every Namespace to its name (Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Properties for `TeamNetworkPolicy`. */
export interface TeamNetworkPolicyProps {
  /** The team; its namespace is the one restricted, its `callers` are admitted to the shards. */
  readonly team: TeamSpec;

  /** The stack: the ingress gateway's namespace and the metrics namespaces (`isolation`). */
  readonly stack: StackConfig;
}

/** Selects every Triton shard pod of a namespace (all shards of its team). */
export function shardPodSelector(): k8s.LabelSelector {
  return { matchLabels: { [LABEL.name]: TRITON_APP_NAME, [LABEL.managedBy]: MANAGED_BY } };
}

/**
 * Namespaces whose pods may open connections to the shards' HTTP and gRPC
 * ports: the ingress gateway's, the team's caller namespaces, and the
 * namespaces of the team's caller principals, trusted ones included (an identity is only admitted
 * by the mesh if its packets reach the pod). Sorted, without duplicates.
 */
export function inferenceNamespaces(team: TeamSpec, stack: StackConfig): string[] {
  const all = [gatewayOf(stack, team.name).namespace, ...team.callers.namespaces, ...team.callers.principals.map(principalNamespace), ...team.callers.trusted.map((t) => principalNamespace(t.principal))];
  return [...new Set(all)].sort(compareStrings);
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

const fromNamespaces = (names: readonly string[]): k8s.NetworkPolicyPeer[] => [
  { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...names] }] } },
];

/**
 * The NetworkPolicies of one team namespace (each in `team.namespace`):
 *
 * - **`<team>-default-deny-ingress`**: selects every pod of the namespace and
 *   admits nothing, so a pod no other policy admits traffic to gets none;
 * - **`<team>-allow-inference`**: Triton shard pods accept TCP 8000 (HTTP)
 *   and 8001 (gRPC) from pods of `inferenceNamespaces()`: the ingress
 *   gateway's namespace, the caller namespaces and the namespaces of the
 *   caller principals;
 * - **`<team>-allow-metrics`**: Triton shard pods accept TCP 8002 (Triton's
 *   metrics), 15090 (Envoy's) and 15020 (the Istio agent's merged metrics)
 *   from pods of `stack.isolation.metricsNamespaces`. Not rendered when that
 *   list is empty (an ingress rule without peers would admit everyone).
 *
 * With Istio sidecars the policy sees the original destination port: the
 * sidecar's iptables redirect to Envoy's inbound port 15006 happens inside
 * the pod's network namespace, after the CNI has enforced the policy. A
 * connection from the gateway therefore arrives on 8000 or 8001.
 *
 * Not covered: traffic from the pod's own node (kubelet probes, also the
 * probes the sidecar rewrites to 15020) is always allowed by Kubernetes'
 * NetworkPolicy semantics; egress is not restricted; pods on the host
 * network are not matched by a namespace selector; Istio ambient mode (HBONE
 * on 15008) is not admitted.
 *
 * @example
 * new TeamNetworkPolicy(chart, 'NetworkPolicy', { team, stack });
 */
export class TeamNetworkPolicy extends Construct {
  /** Denies all ingress to every pod of the namespace. */
  public readonly defaultDeny: k8s.KubeNetworkPolicy;
  /** Admits the gateway's and the callers' namespaces to the shards' HTTP and gRPC ports. */
  public readonly allowInference: k8s.KubeNetworkPolicy;
  /** Admits the metrics namespaces to the shards' metrics ports; `undefined` when the stack names none. */
  public readonly allowMetrics?: k8s.KubeNetworkPolicy;

  /**
   * Defines the NetworkPolicies of a team's namespace.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id; `NetworkPolicy` by convention
   * @param props the team and the stack
   */
  public constructor(scope: Construct, id: string, props: TeamNetworkPolicyProps) {
    super(scope, id);
    const { team, stack } = props;
    const namespace = team.namespace;
    const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: team.name };

    this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: `${team.name}-default-deny-ingress`, namespace, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });

    this.allowInference = new k8s.KubeNetworkPolicy(this, 'AllowInference', {
      metadata: { name: `${team.name}-allow-inference`, namespace, labels },
      spec: {
        podSelector: shardPodSelector(),
        policyTypes: ['Ingress'],
        ingress: [{ from: fromNamespaces(inferenceNamespaces(team, stack)), ports: [tcp(TRITON_HTTP_PORT), tcp(TRITON_GRPC_PORT)] }],
      },
    });

    const metricsNamespaces = [...new Set(stack.isolation.metricsNamespaces)].sort(compareStrings);
    if (metricsNamespaces.length) {
      this.allowMetrics = new k8s.KubeNetworkPolicy(this, 'AllowMetrics', {
        metadata: { name: `${team.name}-allow-metrics`, namespace, labels },
        spec: {
          podSelector: shardPodSelector(),
          policyTypes: ['Ingress'],
          ingress: [{ from: fromNamespaces(metricsNamespaces), ports: [tcp(TRITON_METRICS_PORT), tcp(ISTIO_PROXY_METRICS_PORT), tcp(ISTIO_AGENT_PORT)] }],
        },
      });
    }
  }
}

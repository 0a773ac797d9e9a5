/**
 * The Istio sidecar (`istio-proxy`) of a shard pod: what it requests and may
 * use, per tier, and the pod-template annotations that tell Istio's injector.
 *
 * The sidecar is injected at admission, so it never appears in the rendered
 * Deployment; without explicit values Istio gives it `global.proxy.resources`
 * (100m CPU / 128Mi requests, 2 CPU / 1Gi limits in the default chart), which
 * count against the team's ResourceQuota although nothing in the plan knows
 * about them. `TritonShard` therefore pins the proxy's requests and limits
 * with annotations from this table, and `teamUsage()` (plan, summary, stack
 * outputs) and the `team-quota` rule add the same figures to every pod.
 *
 * Pure data and functions: no cdk8s. The table is not a stack setting yet
 * (a `TierPolicy.sidecar` row would make it one).
 */
import type { SlaTier } from '../spec/model-spec.ts';
import { formatBytes, formatMillicores } from '../spec/quantity.ts';
import type { IsolationConfig, ModelRepositoryAccess } from '../stack/stack-config.ts';
import type { Shard } from './shard-plan.ts';

/** Requests and limits of the injected `istio-proxy` container. */
export interface SidecarResources {
  /** CPU request, millicores (`sidecar.istio.io/proxyCPU`). */
  readonly cpu: number;
  /** Memory request, bytes (`sidecar.istio.io/proxyMemory`). */
  readonly memory: number;
  /** CPU limit, millicores (`sidecar.istio.io/proxyCPULimit`). */
  readonly cpuLimit: number;
  /** Memory limit, bytes (`sidecar.istio.io/proxyMemoryLimit`). */
  readonly memoryLimit: number;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * Istio's own default for the proxy (`values.global.proxy.resources` of the
 * istiod chart): what a sidecar injected without resource annotations gets
 * on a mesh installed with the chart's defaults.
 */
export const ISTIO_DEFAULT_SIDECAR_RESOURCES: SidecarResources = { cpu: 100, memory: 128 * MiB, cpuLimit: 2000, memoryLimit: 1 * GiB };

/**
 * The proxy's resources per tier.
 *
 * Sizing: Istio's load tests measure about 0.2–0.35 vCPU and 40–60 MB per
 * 1000 requests/s through a sidecar, on top of a base of roughly 50–100 MB
 * that grows with the mesh configuration the proxy holds (not with traffic).
 * The request rate per replica is the tier's planning figure
 * (`autoscaling.replicaThroughputQps`: 1500 / 2500 / 4000 requests/s on GPU
 * pools). Requests are what the quota charges at max replicas; limits are
 * what a burst may use. Memory limits stay at Istio's 1Gi: an OOM-killed proxy
 * takes every request of the pod down with it, and the team quota caps
 * requests only.
 */
export const SIDECAR_RESOURCES: Readonly<Record<SlaTier, SidecarResources>> = {
  // 1500 req/s × ~0.35 vCPU per 1000 ≈ 525m: the request covers the planned peak, so a p99 of 10 ms never
  // depends on spare node CPU; a 2 CPU limit (Istio's default) keeps bursts from CFS throttling, whose
  // stalls (up to a 100 ms period) alone would exceed the budget.
  realtime: { cpu: 500, memory: 256 * MiB, cpuLimit: 2000, memoryLimit: 1 * GiB },
  // 2500 req/s peak ≈ 0.5–0.9 vCPU, but the autoscaler adds replicas at 65% CPU, so a replica's usual load is
  // about half of it; the limit lets the planned peak through without throttling.
  interactive: { cpu: 300, memory: 192 * MiB, cpuLimit: 1500, memoryLimit: 1 * GiB },
  // Throughput first with a 1 s budget: throttling and eviction (lowest priority) are acceptable, so the
  // request stays near Istio's default and the limit allows ~4000 req/s (≈ 1.4 vCPU) in bursts.
  batch: { cpu: 200, memory: 128 * MiB, cpuLimit: 1500, memoryLimit: 1 * GiB },
};

/** Pod-template annotations Istio's injector reads the proxy's resources from, by `SidecarResources` field. */
export const SIDECAR_RESOURCE_ANNOTATIONS = {
  cpu: 'sidecar.istio.io/proxyCPU',
  memory: 'sidecar.istio.io/proxyMemory',
  cpuLimit: 'sidecar.istio.io/proxyCPULimit',
  memoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
} as const satisfies Record<keyof SidecarResources, string>;

/**
 * Pod-template annotation choosing a Kubernetes native sidecar (an init
 * container with `restartPolicy: Always`, started and ready before the other
 * init containers) over a regular `istio-proxy` container. Istio ≥ 1.24;
 * needs Kubernetes ≥ 1.29 (`SidecarContainers`).
 */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';

/** Pod-template annotation listing outbound ports the sidecar's redirection leaves alone (comma-separated). */
export const EXCLUDE_OUTBOUND_PORTS_ANNOTATION = 'traffic.sidecar.istio.io/excludeOutboundPorts';

/**
 * The Namespace labels that make Istio inject its sidecar: `istio-injection:
 * enabled`, or `istio.io/rev: <revision>` for a revision-based install.
 */
export function sidecarInjectionLabels(isolation: Pick<IsolationConfig, 'sidecarInjection'>): Record<string, string> {
  return isolation.sidecarInjection === 'enabled' ? { 'istio-injection': 'enabled' } : { 'istio.io/rev': isolation.sidecarInjection };
}

/**
 * Ports of the object stores the model fetcher downloads from: 443 (S3, GCS,
 * Azure Blob over HTTPS), and the port of a custom S3 endpoint (`http://…`
 * without a port is 80). Sorted.
 */
export function objectStorePorts(repository: Pick<ModelRepositoryAccess, 's3Endpoint'>): number[] {
  const ports = new Set([443]);
  if (repository.s3Endpoint !== undefined) {
    const url = new URL(repository.s3Endpoint);
    ports.add(url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443);
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * The proxy's requests and limits for `shard`: the row of its tier.
 *
 * @see SIDECAR_RESOURCES
 */
export function sidecarResources(shard: Pick<Shard, 'tier'>): SidecarResources {
  return SIDECAR_RESOURCES[shard.tier];
}

/**
 * The annotations a shard's pod template carries for its sidecar: the
 * proxy's requests and limits (as Kubernetes quantities) and how the model
 * fetcher (an init container) reaches object storage (`isolation.fetcherEgress`):
 * a native sidecar already up, or a classic sidecar whose redirection leaves
 * the object store's ports alone. See `docs/triton-shard.md`, "Istio sidecar".
 *
 * @example
 * sidecarPodAnnotations({ tier: 'realtime' })
 * // { 'sidecar.istio.io/nativeSidecar': 'true', 'sidecar.istio.io/proxyCPU': '500m', 'sidecar.istio.io/proxyCPULimit': '2',
 * //   'sidecar.istio.io/proxyMemory': '256Mi', 'sidecar.istio.io/proxyMemoryLimit': '1Gi' }
 */
export function sidecarPodAnnotations(
  shard: Pick<Shard, 'tier'>,
  stack: { readonly isolation: Pick<IsolationConfig, 'fetcherEgress'>; readonly modelRepository: Pick<ModelRepositoryAccess, 's3Endpoint'> } = {
    isolation: { fetcherEgress: 'native-sidecar' },
    modelRepository: {},
  },
): Record<string, string> {
  const r = sidecarResources(shard);
  const egress: Record<string, string> =
    stack.isolation.fetcherEgress === 'native-sidecar'
      ? { [NATIVE_SIDECAR_ANNOTATION]: 'true' }
      : { [NATIVE_SIDECAR_ANNOTATION]: 'false', [EXCLUDE_OUTBOUND_PORTS_ANNOTATION]: objectStorePorts(stack.modelRepository).join(',') };
  return {
    ...egress,
    [SIDECAR_RESOURCE_ANNOTATIONS.cpu]: formatMillicores(r.cpu),
    [SIDECAR_RESOURCE_ANNOTATIONS.cpuLimit]: formatMillicores(r.cpuLimit),
    [SIDECAR_RESOURCE_ANNOTATIONS.memory]: formatBytes(r.memory),
    [SIDECAR_RESOURCE_ANNOTATIONS.memoryLimit]: formatBytes(r.memoryLimit),
  };
}

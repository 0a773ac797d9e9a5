/**
 * The platform's default stack: the pools, images and tier table every
 * `Pulumi.<stack>.yaml` overrides. Without `--stack`, synth uses it as is.
 */
import { SpecError } from '../core/errors/spec-issue.ts';
import { loadStack, type LoadStackOptions } from '../core/stack/load-stack.ts';
import { resolveStack, type StackConfig, type StackDefaults } from '../core/stack/stack-config.ts';
import { DEFAULT_RULE_LEVELS } from './rules/platform-rules.ts';
import { TIER_TABLE } from './tier-table.ts';

/**
 * Where the default prices come from: AWS's EC2 price list (Linux, shared
 * tenancy, on-demand, us-east-1) as Karpenter generates it for its own
 * cost-aware provisioning, pinned to the commit of 2026-07-20.
 */
export const KARPENTER_PRICES = 'https://github.com/aws/karpenter-provider-aws/blob/6fc13b5236fd04fd16ff3f9dc7490d0813994099/pkg/providers/pricing/zz_generated.pricing_aws.go';

/** The embedded default stack, in the same shape as a `Pulumi.NAME.yaml` config block. */
export const DEFAULT_STACK: StackDefaults = {
  image: 'nvcr.io/nvidia/tritonserver:24.08-py3',
  fetcherImage: 'rclone/rclone:1.68.2',
  serverOverhead: { memory: '1Gi', gpuMemory: '1Gi', cpu: '500m' },
  pools: {
    // g6.2xlarge-class node: 1x NVIDIA L4 (24 GiB), 8 vCPU, 32 GiB.
    'gpu-l4': {
      kind: 'gpu',
      memory: '32Gi',
      gpuMemory: '24Gi',
      cpu: '8',
      reserved: { memory: '3Gi', cpu: '500m' },
      gpuResource: 'nvidia.com/gpu',
      gpusPerReplica: 1,
      nodeSelector: { 'modelfleet.io/pool': 'gpu-l4', 'nvidia.com/gpu.product': 'NVIDIA-L4' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      // g6.2xlarge on-demand, us-east-1, Linux: AWS's price list as Karpenter generated it on 2026-07-20.
      price: { hourlyUsd: 0.9776, source: KARPENTER_PRICES, asOf: '2026-07-20' },
    },
    // p4de-slice-class node: 1x NVIDIA A100 80 GB, 12 vCPU, 120 GiB.
    'gpu-a100-80g': {
      kind: 'gpu',
      memory: '120Gi',
      gpuMemory: '80Gi',
      cpu: '12',
      reserved: { memory: '6Gi', cpu: '1' },
      gpuResource: 'nvidia.com/gpu',
      gpusPerReplica: 1,
      nodeSelector: { 'modelfleet.io/pool': 'gpu-a100-80g', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      // One eighth of a p4de.24xlarge (8x A100 80GB) on-demand, us-east-1: $27.44705 / 8 (after AWS's June 2025 GPU price cut).
      price: { hourlyUsd: 3.43088125, source: KARPENTER_PRICES, asOf: '2026-07-20' },
    },
    // General-purpose CPU node: 16 vCPU, 64 GiB.
    'cpu-std': {
      kind: 'cpu',
      memory: '64Gi',
      cpu: '16',
      reserved: { memory: '4Gi', cpu: '1' },
      nodeSelector: { 'modelfleet.io/pool': 'cpu-std' },
      tolerations: [],
      // m7i.4xlarge on-demand, us-east-1.
      price: { hourlyUsd: 0.8064, source: KARPENTER_PRICES, asOf: '2026-07-20' },
    },
  },
  tiers: TIER_TABLE,
  routing: { gateway: 'istio-system/modelfleet-gateway', host: 'inference.modelfleet.internal', tenantHeader: 'x-tenant', modelHeader: 'x-model', gateways: {} },
  // The ingress gateway's identity is the legacy `istioctl install` default; the gateway Helm chart names the
  // ServiceAccount after the release, so stacks installed that way override ingressServiceAccount.
  // Native sidecars need Kubernetes >= 1.29; clusters on 1.27/1.28 set fetcherEgress: bypass-mesh.
  isolation: {
    trustDomain: 'cluster.local',
    ingressServiceAccount: 'istio-ingressgateway-service-account',
    metricsNamespaces: ['monitoring'],
    sidecarInjection: 'enabled',
    fetcherEgress: 'native-sidecar',
    ingressSelector: { istio: 'ingressgateway' },
    mtls: 'strict-except-metrics',
  },
  // KEDA: the only choice that can do what the tier table asks for — cron triggers for declared traffic
  // profiles and scale to zero for batch — and it queries Prometheus directly (no adapter rule to install).
  autoscaler: {
    kind: 'keda',
    // prometheus-operator's governing Service of a Prometheus in `monitoring` (kube-prometheus-stack's layout).
    prometheus: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090' },
    // Used only with kind "hpa": the name the documented prometheus-adapter rule serves.
    hpaQueueTimeMetric: 'triton_queue_time_per_request_us',
    // KEDA's own default; with a 15 s scrape a queue builds for at most ~30 s before the shard reacts.
    pollingIntervalSeconds: 15,
    // One cluster serves the whole declared peak.
    peakTrafficPercent: 100,
  },
  // ServiceMonitor: the prometheus-operator stack KEDA reads from discovers it without cluster-wide scrape config,
  // and it selects the Service's named `metrics` port, so a port change never breaks scraping.
  metrics: {
    exposure: 'servicemonitor',
    // Four samples per 1m rate window, so rate() stays defined after one missed scrape.
    scrapeIntervalSeconds: 15,
    // kube-prometheus-stack selects ServiceMonitors labelled with its release name.
    serviceMonitorLabels: { release: 'kube-prometheus-stack' },
  },
  // Platform rules (policies/rules/) run on every synth and in the Pulumi policy pack (policies/pack/).
  policies: {
    // Each rule's own default: mandatory, except realtime-min-replicas (advisory: development stacks run
    // realtime shards with one replica on purpose; production stacks set it to mandatory).
    enforcement: DEFAULT_RULE_LEVELS,
    // NVIDIA's NGC namespace (the Triton image) and rclone's Docker Hub namespace (the fetcher init container).
    allowedRegistries: ['nvcr.io/nvidia', 'docker.io/rclone'],
  },
};


/** Loads a stack (`Pulumi.<name>.yaml`, or none) over the platform's defaults. */
export function loadPlatformStack(options: Omit<LoadStackOptions, 'defaults'> = {}): StackConfig {
  return loadStack({ ...options, defaults: DEFAULT_STACK });
}

/**
 * Resolves stack overrides (a `modelfleet:` config block as an object) over
 * the platform's defaults.
 *
 * @throws SpecError when the overrides are invalid
 */
export function resolvePlatformStack(name = 'default', overrides: unknown = {}, file = `Pulumi.${name}.yaml`): StackConfig {
  const { stack, issues } = resolveStack(name, file, overrides, DEFAULT_STACK);
  if (!stack) throw new SpecError(issues);
  return stack;
}

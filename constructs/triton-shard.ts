/**
 * One shard of the plan as Kubernetes objects: the ConfigMap listing its
 * model copies, the Triton Deployment, its Service and its autoscaler.
 */
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { shardLabels, shardPodLabels, shardSelectorLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import { shardResources } from '../core/plan/shard-resources.ts';
import { sidecarPodAnnotations } from '../core/plan/sidecar-resources.ts';
import { formatBytes } from '../core/spec/quantity.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { toQuantities, type ContainerSize } from './container-size.ts';
import { ShardAutoscaler } from './shard-autoscaler.ts';
import { metricsPodAnnotations, ShardMetrics } from './shard-metrics.ts';
import { shardStartupSeconds } from '../core/triton/startup-budget.ts';
import { CONFIG_MOUNT_PATH, FETCH_SCRIPT_KEY, MODEL_REPOSITORY_PATH, PVC_MOUNT_ROOT, shardClaims, shardConfigData } from './shard-config-data.ts';
import { fetchModelsScriptName, modelsChecksum } from './fetch-models-script.ts';

/** Triton's HTTP/REST port. */
export const TRITON_HTTP_PORT = 8000;
/** Triton's gRPC port. */
export const TRITON_GRPC_PORT = 8001;
/** Triton's Prometheus metrics port. */
export const TRITON_METRICS_PORT = 8002;

/** Pod-template annotation holding the SHA-256 of what the fetcher reads: the shard ConfigMap's data and the namespace's fetch script (`modelsChecksum()`). */
export const MODELS_CHECKSUM_ANNOTATION = 'modelfleet.io/models-checksum';

/** Properties for `TritonShard`. */
export interface TritonShardProps {
  /** The packed shard to render, as produced by `packShards()`. */
  readonly shard: Shard;

  /** The stack: images, the shard's pool (node selector, tolerations, GPU resource) and tier policies. */
  readonly stack: StackConfig;

  /**
   * Size of the memory-backed `/dev/shm` of the Triton container, in bytes.
   * Triton's Python backend and shared-memory clients need far more than the
   * container runtime's 64Mi default. It counts against the memory limit.
   *
   * @default - 1Gi
   */
  readonly shmSizeBytes?: number;

  /**
   * Longest time, in seconds, a replica may take from container start to
   * serving (loading every model) before the kubelet restarts it. The startup
   * probe allows this much; liveness checks start only afterwards.
   *
   * @default - `shardStartupSeconds(shard)`: derived from what the shard loads (frameworks and sizes of its copies)
   */
  readonly startupTimeoutSeconds?: number;

  /**
   * UID and GID both containers run as; non-root for Pod Security `restricted`.
   *
   * @default 1000 - the `triton-server` user of NGC Triton images
   */
  readonly runAsUser?: number;

  /**
   * Requests of the init container that copies model artifacts.
   *
   * @default - 250m CPU, 256Mi memory
   */
  readonly fetcherRequests?: ContainerSize;

  /**
   * Limits of the init container that copies model artifacts.
   *
   * @default - 1 CPU, 1Gi memory
   */
  readonly fetcherLimits?: ContainerSize;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const PROBE_PERIOD_SECONDS = 10;

/** Default of `TritonShardProps.fetcherRequests`. */
export const DEFAULT_FETCHER_REQUESTS: ContainerSize = { cpuMillicores: 250, memoryBytes: 256 * MiB };
/** Default of `TritonShardProps.fetcherLimits`. */
export const DEFAULT_FETCHER_LIMITS: ContainerSize = { cpuMillicores: 1000, memoryBytes: 1 * GiB };

/**
 * A Triton inference server Deployment serving one shard's model copies.
 *
 * Objects, all named `shard.name` in `shard.namespace` and labelled with
 * `shardLabels()`:
 * - **ConfigMap** with `models.json` (the copies and their artifacts, one
 *   per line), `fetch-models.tsv` (per copy: Triton name, configuration key,
 *   rclone source and flags) and one `<model>.<sha256-12>.config.pbtxt` per
 *   distinct Triton model configuration (written without `name`, validated
 *   against `model_config.proto`), see `shardConfigData()`;
 * - **Deployment**: an rclone init container runs the namespace's
 *   `fetch-models.sh` (the ConfigMap `<team>-fetch-models` of
 *   `FetchModelsScript`, which `FleetChart` renders once per namespace; mounted
 *   with the shard's ConfigMap through one projected volume at
 *   `/etc/modelfleet`), which copies every
 *   artifact into an emptyDir model repository and writes each copy's
 *   `config.pbtxt` over it,
 *   then Triton starts in explicit model-control mode with one `--load-model`
 *   per copy; the startup probe allows `shardStartupSeconds(shard)`. The
 *   stack's `modelRepository` sets the pods' ServiceAccount and the
 *   fetcher's credentials Secret. Resources come from
 *   `shardResources()`; GPU pools get their extended resource as request and
 *   limit. Pods satisfy Pod Security `restricted`. The pod template carries
 *   the checksum of the ConfigMap and the script (`modelsChecksum()`), so
 *   changing the copies, their configurations or the script rolls the pods, and
 *   `sidecarPodAnnotations(shard)`: the injected Istio sidecar's requests and
 *   limits for the tier (counted by the team quota) and a native sidecar, so
 *   the proxy runs before the fetcher (see `docs/triton-shard.md`);
 * - **Service** (ClusterIP) on 8000 http, 8001 grpc, 8002 metrics;
 * - **autoscaler** (`ShardAutoscaler`, id `Autoscaler`): a KEDA ScaledObject
 *   or an HPA, per the stack, on Triton queue time and CPU between the
 *   shard's min and max replicas;
 * - **metrics** (`ShardMetrics`, id `Metrics`): a ServiceMonitor on the
 *   `metrics` port, or `prometheus.io/*` annotations on the pod template;
 * - **PodDisruptionBudget** allowing the tier's `pdbMaxUnavailable` replicas
 *   down at once during drains. Pods run with the tier's PriorityClass
 *   (rendered once per fleet by `TierPriorityClasses`).
 *
 * The Deployment's selector is `shardSelectorLabels()`, independent of the
 * construct path, so moving the construct never changes the immutable selector.
 * Its pod template carries `shardPodLabels()`: also `modelfleet.io/grpc-stream`,
 * which picks the namespace's gRPC guard (`TeamGrpcGuard`).
 *
 * @example
 * for (const shard of plan.shards) new TritonShard(chart, shard.name, { shard, stack });
 */
export class TritonShard extends Construct {
  /** Labels of every object of the shard. */
  public readonly labels: Readonly<Record<string, string>>;
  /** The ConfigMap with `models.json`, `fetch-models.tsv` and the Triton configurations. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The Triton Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The ClusterIP Service in front of the Deployment. */
  public readonly service: k8s.KubeService;
  /** The autoscaler of the Deployment (KEDA ScaledObject or HPA). */
  public readonly autoscaler: ShardAutoscaler;
  /** How Prometheus scrapes the shard's metrics port. */
  public readonly metrics: ShardMetrics;
  /** The disruption budget of the Deployment's pods. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;

  /**
   * Defines the objects of one shard.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id; the shard name by convention
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: TritonShardProps) {
    super(scope, id);
    const { shard, stack } = props;
    const fail = (message: string): never => {
      throw new Error(`[${this.node.path}] shard ${shard.name}: ${message}`);
    };
    if (shard.copies.length === 0) fail('has no model copies; the packer never emits an empty shard');
    if (shard.minReplicas < 1) fail(`minReplicas is ${shard.minReplicas}; a HorizontalPodAutoscaler needs at least 1`);
    if (shard.maxReplicas < shard.minReplicas) fail(`maxReplicas ${shard.maxReplicas} is below minReplicas ${shard.minReplicas}`);
    const tier = stack.tiers[shard.tier] ?? fail(`tier ${shard.tier} is not defined by stack ${stack.name}`);
    const pool = stack.pools.find((p) => p.name === shard.pool) ?? fail(`pool ${shard.pool} is not defined by stack ${stack.name}`);
    const resources = shardResources(stack, shard);

    const name = shard.name;
    const namespace = shard.namespace;
    this.labels = shardLabels(shard);
    const labels = { ...this.labels };
    const selector = { ...shardSelectorLabels(shard) };
    const user = props.runAsUser ?? 1000;
    const shmSizeBytes = props.shmSizeBytes ?? 1 * GiB;
    const startupTimeoutSeconds = props.startupTimeoutSeconds ?? shardStartupSeconds(shard);
    const repository = stack.modelRepository;

    const data = shardConfigData(shard, stack);
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: { name, namespace, labels },
      data,
    });

    const gpu: { [key: string]: k8s.Quantity } = resources.gpu
      ? { [resources.gpu.resource]: k8s.Quantity.fromNumber(resources.gpu.count) }
      : {};
    const tritonNames = shard.copies.map((c) => c.tritonName).sort();
    const claims = shardClaims(shard);
    const restricted: k8s.SecurityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: user,
      runAsGroup: user,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const httpGet = (path: string) => ({ path, port: k8s.IntOrString.fromString('http') });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, namespace, labels },
      spec: {
        // No `replicas`: the HorizontalPodAutoscaler owns the count (between the shard's min and
        // max). Setting it here would reset the autoscaler's decision on every apply or GitOps sync.
        selector: { matchLabels: selector },
        template: {
          metadata: {
            // Plus the grpc-stream label, which picks the namespace's gRPC guard; never in the (immutable) selector.
            labels: { ...shardPodLabels(shard) },
            // The Istio sidecar is injected at admission: its resources (counted by the team quota) and the
            // native-sidecar choice (so the fetcher's egress finds the proxy running) are pinned here.
            annotations: { [MODELS_CHECKSUM_ANNOTATION]: modelsChecksum(data), ...metricsPodAnnotations(stack), ...sidecarPodAnnotations(shard, stack) },
          },
          spec: {
            // Workload identity webhooks (EKS, Azure) inject their own projected token; the API token stays unmounted.
            ...(repository.serviceAccountName ? { serviceAccountName: repository.serviceAccountName } : {}),
            automountServiceAccountToken: false,
            priorityClassName: tier.priorityClass.name,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: user,
              runAsGroup: user,
              fsGroup: user,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            nodeSelector: { ...pool.nodeSelector },
            tolerations: pool.tolerations.length ? pool.tolerations.map((t) => ({ ...t })) : undefined,
            initContainers: [
              {
                name: 'fetch-models',
                image: stack.fetcherImage,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', `${CONFIG_MOUNT_PATH}/${FETCH_SCRIPT_KEY}`],
                env: [{ name: 'HOME', value: '/tmp' }],
                // Object-store credentials reach only the fetcher, never Triton.
                ...(repository.secretName ? { envFrom: [{ secretRef: { name: repository.secretName } }] } : {}),
                resources: {
                  requests: toQuantities(props.fetcherRequests ?? DEFAULT_FETCHER_REQUESTS),
                  limits: toQuantities(props.fetcherLimits ?? DEFAULT_FETCHER_LIMITS),
                },
                securityContext: restricted,
                volumeMounts: [
                  { name: 'models', mountPath: MODEL_REPOSITORY_PATH },
                  { name: 'config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  // Artifacts on PersistentVolumeClaims: mounted read-only, for the fetcher only.
                  ...claims.map((claimName, i) => ({ name: `artifacts-${i + 1}`, mountPath: `${PVC_MOUNT_ROOT}/${claimName}`, readOnly: true })),
                ],
              },
            ],
            containers: [
              {
                name: 'triton',
                image: stack.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['tritonserver'],
                args: [
                  `--model-repository=${MODEL_REPOSITORY_PATH}`,
                  '--model-control-mode=explicit',
                  ...tritonNames.map((n) => `--load-model=${n}`),
                ],
                env: [{ name: 'HOME', value: '/tmp' }],
                ports: [
                  { name: 'http', containerPort: TRITON_HTTP_PORT, protocol: 'TCP' },
                  { name: 'grpc', containerPort: TRITON_GRPC_PORT, protocol: 'TCP' },
                  { name: 'metrics', containerPort: TRITON_METRICS_PORT, protocol: 'TCP' },
                ],
                startupProbe: {
                  httpGet: httpGet('/v2/health/ready'),
                  periodSeconds: PROBE_PERIOD_SECONDS,
                  timeoutSeconds: 5,
                  failureThreshold: Math.max(1, Math.ceil(startupTimeoutSeconds / PROBE_PERIOD_SECONDS)),
                },
                readinessProbe: {
                  httpGet: httpGet('/v2/health/ready'),
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: httpGet('/v2/health/live'),
                  periodSeconds: PROBE_PERIOD_SECONDS,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                resources: {
                  requests: {
                    ...toQuantities({ cpuMillicores: resources.requests.cpu, memoryBytes: resources.requests.memory }),
                    ...gpu,
                  },
                  limits: {
                    ...toQuantities({ cpuMillicores: resources.limits.cpu, memoryBytes: resources.limits.memory }),
                    ...gpu,
                  },
                },
                securityContext: restricted,
                volumeMounts: [
                  { name: 'models', mountPath: MODEL_REPOSITORY_PATH, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'dshm', mountPath: '/dev/shm' },
                ],
              },
            ],
            volumes: [
              // The namespace's fetch script and the shard's lists and configurations, side by side at /etc/modelfleet.
              { name: 'config', projected: { sources: [{ configMap: { name: fetchModelsScriptName({ name: shard.team }) } }, { configMap: { name } }] } },
              { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(formatBytes(shmSizeBytes)) } },
              { name: 'models', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              ...claims.map((claimName, i) => ({ name: `artifacts-${i + 1}`, persistentVolumeClaim: { claimName, readOnly: true } })),
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'http', port: TRITON_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' },
          { name: 'grpc', port: TRITON_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP', appProtocol: 'grpc' },
          { name: 'metrics', port: TRITON_METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP', appProtocol: 'http' },
        ],
      },
    });

    this.autoscaler = new ShardAutoscaler(this, 'Autoscaler', { shard, stack });
    this.metrics = new ShardMetrics(this, 'Metrics', { shard, stack });

    // Voluntary disruptions (drains, node upgrades) take at most the tier's share of replicas at once.
    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: selector },
        maxUnavailable: k8s.IntOrString.fromNumber(tier.pdbMaxUnavailable),
      },
    });
  }
}

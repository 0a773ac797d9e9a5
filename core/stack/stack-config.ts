/**
 * Stack configuration: the hardware pools, tier policies and images of one
 * cluster. The platform's defaults (`policies/default-stack.ts`) are used when
 * no `--stack` is given; `--stack NAME` reads `Pulumi.NAME.yaml` and overrides them.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { dnsName, quantitySchema, SLA_TIERS, TIER_P99_MS, type ResourceVector, type SlaTier } from '../spec/model-spec.ts';
import { MAX_POOL_NAME_LENGTH } from '../spec/names.ts';
import { fromZodIssues, suggest } from '../spec/zod-issues.ts';
import {
  autoscalerSchema,
  autoscalingTierSchema,
  checkAutoscaler,
  checkAutoscalingTier,
  mergeAutoscaler,
  mergeAutoscalingTier,
  mergeMetrics,
  metricsSchema,
  type AutoscalerConfig,
  type AutoscalingTierPolicy,
  type MetricsConfig,
} from './autoscaling-config.ts';
import { checkPolicyRuleIds, mergePolicies, policiesSchema, POLICIES_FIELDS, type PoliciesConfig } from './policy-config.ts';
import { DEFAULT_DECLARATION_LIMITS, type DeclarationLimits } from '../loader/declaration-limits.ts';

/** A Kubernetes toleration, as the pool's nodes require. */
export interface Toleration {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A hardware pool: one kind of node a shard replica runs on. */
export interface PoolSpec {
  /** Pool name, a DNS label of at most 20 characters (`gpu-l4`). */
  readonly name: string;
  /** `gpu` pools give each replica GPUs; `cpu` pools none. */
  readonly kind: 'gpu' | 'cpu';
  /** What one node offers: host memory and GPU memory in bytes, CPU in millicores. */
  readonly node: ResourceVector;
  /** Held back on every node for the kubelet, the OS and daemon sets. */
  readonly reserved: { readonly memory: number; readonly cpu: number };
  /** Extended resource a replica requests for its GPU (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`). */
  readonly gpuResource: string;
  /** GPUs (of `gpuResource`) per replica; 0 for CPU pools. */
  readonly gpusPerReplica: number;
  /** Node selector of the pool's nodes. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Tolerations the pool's nodes require. */
  readonly tolerations: readonly Toleration[];
  /** Most model copies one shard on this pool may load (lowered further by the tier's limit). @default - no pool limit */
  readonly maxModelsPerShard?: number;
  /** What one node of the pool costs (`modelfleet:pools.<pool>.price`); required for a pool that runs replicas. */
  readonly price?: PoolPrice;
}

/**
 * `modelfleet:pools.<pool>.price`: the price of one node of the pool, with
 * where the figure comes from. A shard replica occupies one node.
 */
export interface PoolPrice {
  /** List price of one node per hour, in US dollars (on-demand, or the pool's capacity type). */
  readonly hourlyUsd: number;
  /** Where the figure comes from: a price page, a pricing API query, a contract. */
  readonly source: string;
  /** Date the figure was read, `YYYY-MM-DD`; older than `cost.priceMaxAgeDays` is a warning. */
  readonly asOf: string;
  /** Discount off `hourlyUsd` (savings plan, spot, enterprise agreement), in percent. @default 0 */
  readonly discountPercent: number;
}

/** `modelfleet:cost`: budgets and the thresholds of cost warnings. */
export interface CostConfig {
  /** Per-team budgets that override `defineTeam({ budget })` (`modelfleet:cost.budgets.<team>.monthlyUsd`). */
  readonly budgets: Readonly<Record<string, { readonly monthlyUsd: number }>>;
  /**
   * A pull request that raises a team's planned monthly cost by more than
   * this share (percent) of its base cost, or by more than this amount, gets a
   * warning in `modelfleet diff`. Either may be absent.
   */
  readonly warnIncrease: { readonly percent?: number; readonly monthlyUsd?: number };
  /** A price older than this many days is a warning. @default 180 */
  readonly priceMaxAgeDays: number;
}

/** The cost settings when a stack sets none. */
export const DEFAULT_COST: CostConfig = { budgets: {}, warnIncrease: {}, priceMaxAgeDays: 180 };

/** What a tier decides for the shards of that tier. */
export interface TierPolicy {
  /** Eligible pools in order of preference; a copy goes to the first that fits it. */
  readonly pools: readonly string[];
  /** Capacity held back on every shard, in percent, for load spikes and memory fragmentation. */
  readonly headroomPercent: number;
  /** Minimum replicas of each shard. */
  readonly minReplicas: number;
  /** Maximum replicas of each shard. */
  readonly maxReplicas: number;
  /** HorizontalPodAutoscaler CPU utilisation target, percent of requests. */
  readonly targetCpuUtilizationPercent: number;
  /**
   * Highest share of its time a replica may spend executing batches at the
   * planned peak (the serving model's `U ≤ ρ`, `core/serving/`): the rest is
   * slack that keeps queueing delay inside the tier's latency budget.
   */
  readonly targetUtilization: number;
  /**
   * Most model copies one shard may load: bounds Triton start-up time (every
   * copy loads before the replica is ready) and the blast radius of a crash.
   */
  readonly maxModelsPerShard: number;
  /** Whether CPU models may be placed on GPU pools listed in `pools` (they never use the GPU). */
  readonly cpuModelsOnGpuPools: boolean;
  /** Most replicas of a shard that a voluntary disruption (node drain, upgrade) may take down at once. */
  readonly pdbMaxUnavailable: number;
  /** The Kubernetes PriorityClass every pod of the tier runs with. */
  readonly priorityClass: PriorityClassPolicy;
  /** Autoscaling targets, replica sizing from `peakQps`, scale to zero and stabilization windows. */
  readonly autoscaling: AutoscalingTierPolicy;
  /** What the tier sets in every Triton model configuration of its copies (batching, queueing, instances). */
  readonly triton: TritonTierPolicy;
  /** The mesh's traffic policy toward each shard Service of the tier (the shard's DestinationRule). */
  readonly mesh: MeshTierPolicy;
}

/**
 * A tier's Istio traffic policy toward each of its shard Services, rendered
 * as the shard's DestinationRule. The limits are per calling Envoy (each
 * ingress gateway pod, each sidecar) and per shard, so one noisy tenant
 * cannot take every connection to a shard that serves many tenants.
 */
export interface MeshTierPolicy {
  /** `connectionPool.tcp.maxConnections`: most HTTP/1.1 and TCP connections to the shard. */
  readonly maxConnections: number;
  /** `connectionPool.http.http2MaxRequests`: most requests in flight to the shard (HTTP/2 and gRPC). */
  readonly maxRequests: number;
  /** `connectionPool.http.http1MaxPendingRequests`: most requests waiting for a connection; beyond it the mesh answers 503 at once. */
  readonly maxPendingRequests: number;
  /** `connectionPool.tcp.connectTimeout`, in milliseconds. */
  readonly connectTimeoutMs: number;
  /** `outlierDetection.consecutive5xxErrors`: 5xx answers in a row that eject a replica. */
  readonly consecutive5xxErrors: number;
  /** `outlierDetection.interval`, in seconds: how often ejection is evaluated. */
  readonly outlierIntervalSeconds: number;
  /** `outlierDetection.baseEjectionTime`, in seconds (grows with each ejection of the same replica). */
  readonly baseEjectionSeconds: number;
  /** `outlierDetection.maxEjectionPercent`: most replicas of a shard ejected at once. */
  readonly maxEjectionPercent: number;
}

/**
 * A tier's Triton settings, compiled into each copy's `config.pbtxt` by
 * `tritonModelConfig()` (see `core/triton/`).
 */
export interface TritonTierPolicy {
  /** `dynamic_batching.max_queue_delay_microseconds`: how long Triton may hold a request to grow a batch. */
  readonly maxQueueDelayMicroseconds: number;
  /** `dynamic_batching.preferred_batch_size`: batch sizes Triton forms eagerly; each at most `maxBatchSize`. */
  readonly preferredBatchSizes: readonly number[];
  /** Largest `max_batch_size` the tier's delay allows; a copy's default, and the ceiling of a declared `maxBatchSize`. */
  readonly maxBatchSize: number;
  /** `dynamic_batching.priority_levels`: request priority levels per model (0 = priorities off). */
  readonly priorityLevels: number;
  /** `dynamic_batching.default_priority_level`: the level of requests that give none (0 when `priorityLevels` is 0). */
  readonly defaultPriorityLevel: number;
  /** `dynamic_batching.default_queue_policy`: what happens to requests that wait too long or find the queue full. */
  readonly queuePolicy: TritonQueuePolicy;
  /** `instance_group.count` of a GPU model on a GPU pool (`KIND_GPU`), per GPU of the replica. */
  readonly instancesPerGpu: number;
  /** `instance_group.count` of a CPU model (`KIND_CPU`), per replica. */
  readonly instancesPerCpu: number;
}

/** Triton's `ModelQueuePolicy`, in modelfleet's names. */
export interface TritonQueuePolicy {
  /** `REJECT` fails a request whose timeout expires; `DELAY` moves it behind requests still in time. */
  readonly timeoutAction: 'REJECT' | 'DELAY';
  /** Longest a request waits in the queue before `timeoutAction`, in microseconds (0 = no timeout). */
  readonly defaultTimeoutMicroseconds: number;
  /** Whether a request may set a shorter or longer timeout of its own. */
  readonly allowTimeoutOverride: boolean;
  /** Most requests queued per model before new ones are rejected (0 = unbounded). */
  readonly maxQueueSize: number;
}

/** A tier's Kubernetes PriorityClass. */
export interface PriorityClassPolicy {
  /** Object name (`modelfleet-realtime`). */
  readonly name: string;
  /** Priority value; higher schedules first and may preempt lower. User classes stay below 1,000,000,000. */
  readonly value: number;
  /** Whether pods of the class preempt lower-priority pods when the cluster is full. */
  readonly preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  /** Why the class exists, shown by `kubectl get priorityclass`. */
  readonly description: string;
}

/** A resolved stack. */
export interface StackConfig {
  /** Stack name (`default`, `dev`, `prod`). */
  readonly name: string;
  /** File the stack came from (`(embedded default stack)` or `Pulumi.dev.yaml`). */
  readonly file: string;
  /** Triton server image. */
  readonly image: string;
  /** Image of the init container that copies model artifacts into the model repository (rclone). */
  readonly fetcherImage: string;
  /** Per-replica cost of the Triton process itself (CUDA context, server threads). */
  readonly serverOverhead: ResourceVector;
  /** Pools by name, in declaration order. */
  readonly pools: readonly PoolSpec[];
  /** Tier policies. */
  readonly tiers: Readonly<Record<SlaTier, TierPolicy>>;
  /** Istio ingress: gateway, the host clients call, and the request headers that name the tenant and model. */
  readonly routing: RoutingConfig;
  /** Who may call the shards: the ingress gateway's identity, the mesh trust domain, the metrics scrapers. */
  readonly isolation: IsolationConfig;
  /** The autoscaler rendered per shard (KEDA or HPA) and the Prometheus it reads. */
  readonly autoscaler: AutoscalerConfig;
  /** How Prometheus scrapes Triton's metrics port (ServiceMonitor or pod annotations). */
  readonly metrics: MetricsConfig;
  /** How shard pods reach the model artifacts (identity, credentials, S3 endpoint). */
  readonly modelRepository: ModelRepositoryAccess;
  /** Platform rules: enforcement level per rule and the allowed image registries (`policies/rules/`). */
  readonly policies: PoliciesConfig;
  /** What the serving model adds to every request's latency (`modelfleet:serving`). */
  readonly serving: ServingConfig;
  /** Budgets and cost warnings (`modelfleet:cost`); prices are per pool. */
  readonly cost: CostConfig;
  /** Time and memory the fleet's declaration files may take to load (`modelfleet:declarations`). */
  readonly declarations: DeclarationLimits;
  /**
   * How tenants authenticate (`modelfleet:auth`): JWTs validated at the
   * ingress gateway and again at every shard, the tenant taken from a claim.
   * Undefined: tenants are named by the tenant header alone.
   */
  readonly auth?: AuthConfig;
  /** Whether the stack serves production traffic (`modelfleet:production`); synth warns about what production should not lack. @default false */
  readonly production: boolean;
  /** How `modelfleet observe` judges and rewrites declarations from Triton's metrics (`modelfleet:observe`). */
  readonly observe: ObserveConfig;
}

/** `modelfleet:observe`: thresholds of `modelfleet observe` (docs/observe.md). */
export interface ObserveConfig {
  /** Headroom `--write` adds above an observed peak before rounding up (`peakQps = ceil2(observed × (1 + m/100))`). @default 25 */
  readonly peakMarginPercent: number;
  /** A copy whose observed peak plus margin is below this share of its declared peak is `over-declared`, and `--write` lowers the peak. @default 50 */
  readonly lowerBelowPercent: number;
  /** How far a measured batch latency may stray from the declared profile before it is `profile-off`. @default 20 */
  readonly profileTolerancePercent: number;
  /** An hour belongs to a copy's peak when its largest 5-minute rate is at least this share of the peak. @default 80 */
  readonly peakHoursThresholdPercent: number;
  /** Hours `--write` adds on each side of an observed peak window. @default 1 */
  readonly peakHoursPaddingHours: number;
}

/** The observe thresholds when a stack sets none. */
export const DEFAULT_OBSERVE: ObserveConfig = {
  peakMarginPercent: 25,
  lowerBelowPercent: 50,
  profileTolerancePercent: 20,
  peakHoursThresholdPercent: 80,
  peakHoursPaddingHours: 1,
};

/** One identity provider whose tokens the mesh accepts (`modelfleet:auth.jwt`). */
export interface JwtIssuerConfig {
  /** The tokens' `iss` claim, exactly. */
  readonly issuer: string;
  /** Where the proxies fetch the issuer's public keys (JWKS), `https://…`. */
  readonly jwksUri: string;
  /** Accepted `aud` values; empty: the audience is not checked. */
  readonly audiences: readonly string[];
  /**
   * Whether the shard's proxy passes the token on to Triton. The gateway
   * always forwards it: each shard validates it again. @default false
   */
  readonly forwardOriginalToken: boolean;
}

/** `modelfleet:auth`: JWT-bound tenant identity. */
export interface AuthConfig {
  /** The accepted issuers, in the stack file's order. */
  readonly jwt: readonly JwtIssuerConfig[];
  /**
   * The claim that names the token's tenant (a top-level claim of every
   * issuer; a string, or a list of strings for a token valid for several tenants).
   */
  readonly tenantClaim: string;
}

/** How team namespaces require mutual TLS (`modelfleet:isolation.mtls`). */
export type MtlsMode = 'strict' | 'strict-except-metrics' | 'unmanaged';

/** `modelfleet:serving`: constants of the serving model that plans replicas and batch sizes. */
export interface ServingConfig {
  /**
   * Milliseconds every request spends outside batch execution (the mesh hops,
   * Triton's request handling, (de)serialisation), taken from its latency
   * budget: `o` in `(b − 1)·1000/λ + l(b) + o ≤ L`.
   */
  readonly overheadMs: number;
}

/** The serving constants when a stack sets none. */
export const DEFAULT_SERVING: ServingConfig = { overheadMs: 2 };

/** `modelfleet:routing`: how clients reach the fleet through the Istio ingress gateway. */
export interface RoutingConfig {
  /** The Istio Gateway the VirtualServices bind to, `namespace/name`. */
  readonly gateway: string;
  /** The host clients call (the Gateway's server must accept it). */
  readonly host: string;
  /** Request header (gRPC metadata key) naming the tenant; lower case. @default "x-tenant" */
  readonly tenantHeader: string;
  /**
   * Request header (gRPC metadata key) naming the logical model of a gRPC
   * call: gRPC carries the model name in the message, where the mesh cannot
   * read it, so gRPC clients repeat it here. Lower case. @default "x-model"
   */
  readonly modelHeader: string;
  /**
   * Teams whose models another ingress gateway serves, each with its own
   * host, so that no gateway carries every tenant's routes (Envoy refuses a
   * route table over 4 MB): team → `{gateway, host, serviceAccount?,
   * selector?}`. The gateway's ServiceAccount and pod labels default to
   * `isolation.ingressServiceAccount` and `isolation.ingressSelector`. Teams
   * not listed use `gateway` and `host`. @default {}
   */
  readonly gateways: Readonly<Record<string, TeamGatewayConfig>>;
}

/** One team's ingress gateway (`modelfleet:routing.gateways.<team>`). */
export interface TeamGatewayConfig {
  /** The Istio Gateway, `namespace/name`. */
  readonly gateway: string;
  /** The host clients of the team's models call. */
  readonly host: string;
  /** The gateway pods' ServiceAccount (their mTLS identity). @default isolation.ingressServiceAccount */
  readonly serviceAccount?: string;
  /** The gateway pods' labels. @default isolation.ingressSelector */
  readonly selector?: Readonly<Record<string, string>>;
}

/** `modelfleet:isolation`: the identities the shards' AuthorizationPolicies and NetworkPolicies admit. */
export interface IsolationConfig {
  /** SPIFFE trust domain of the mesh (`meshConfig.trustDomain`). @default "cluster.local" */
  readonly trustDomain: string;
  /** Namespace of the ingress gateway's pods (the Gateway resource's namespace by default). */
  readonly ingressNamespace: string;
  /** ServiceAccount of the ingress gateway's pods. @default "istio-ingressgateway-service-account" */
  readonly ingressServiceAccount: string;
  /** Namespaces whose pods may scrape Triton's metrics port (8002) through the NetworkPolicies. @default ["monitoring"] */
  readonly metricsNamespaces: readonly string[];
  /**
   * How team namespaces join the mesh: `enabled` labels them
   * `istio-injection=enabled` (the default revision's injector); any other
   * value is a control-plane revision or revision tag, labelled
   * `istio.io/rev=<value>` instead (canary upgrades of Istio). Never both:
   * Istio lets `istio-injection` win. There is no "off": the shards'
   * AuthorizationPolicies are enforced by the sidecar. @default "enabled"
   */
  readonly sidecarInjection: string;
  /**
   * How the model fetcher (an init container) reaches object storage with the
   * sidecar injected under Istio CNI, where traffic is redirected before any
   * init container runs:
   * - `native-sidecar`: the proxy runs as a Kubernetes native sidecar, started
   *   before the fetcher, so the fetcher's traffic goes through the mesh.
   *   Needs Kubernetes ≥ 1.29 and Istio ≥ 1.24.
   * - `bypass-mesh`: a classic sidecar, and the object store's ports
   *   (443, and the port of `modelRepository.s3Endpoint`) are excluded from
   *   outbound redirection for the whole pod. Works on Kubernetes 1.27.
   *
   * @default "native-sidecar"
   */
  readonly fetcherEgress: 'native-sidecar' | 'bypass-mesh';
  /**
   * Labels of the ingress gateway's pods: the gateway's RequestAuthentication
   * and AuthorizationPolicy select them. @default { istio: "ingressgateway" }
   */
  readonly ingressSelector: Readonly<Record<string, string>>;
  /**
   * PeerAuthentication of every team namespace:
   * - `strict-except-metrics`: mutual TLS required, except on Triton's metrics
   *   port 8002 (Prometheus outside the mesh scrapes it in plain text);
   * - `strict`: required on every port (Prometheus scrapes through the mesh);
   * - `unmanaged`: none rendered; the mesh's own setting applies.
   *
   * @default "strict-except-metrics"
   */
  readonly mtls: MtlsMode;
}

/**
 * Access to the object stores holding model artifacts, for the init
 * container that copies them (rclone with env auth). Every field is optional:
 * without any, rclone uses the node's or pod's ambient identity.
 */
export interface ModelRepositoryAccess {
  /**
   * ServiceAccount shard pods run as, in every team namespace: the identity
   * workload-identity schemes (EKS IRSA / Pod Identity, GKE Workload Identity,
   * Azure Workload Identity) map to cloud credentials. The platform creates it.
   *
   * @default - the namespace's `default` ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * Secret in every team namespace whose keys become the fetcher's
   * environment (`envFrom`): `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for
   * S3, `AZURE_STORAGE_ACCOUNT`/`AZURE_STORAGE_KEY` for Azure Blob. Only the
   * init container sees it; Triton never does.
   *
   * @default - none: ambient or workload identity
   */
  readonly secretName?: string;
  /** S3 region (`--s3-region`). @default - rclone's default, or `AWS_REGION` from the environment */
  readonly s3Region?: string;
  /** S3-compatible endpoint URL (`--s3-endpoint`), for MinIO, Ceph or a VPC endpoint. @default - AWS S3 */
  readonly s3Endpoint?: string;
}

/** A calendar date `YYYY-MM-DD` that exists. */
const isoDate = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), {
  message: 'must be a date YYYY-MM-DD, such as "2026-07-01"',
});

/** US dollars a month: not negative, at most a billion. */
const monthlyUsd = z.number().min(0).max(1_000_000_000);

const tolerationSchema = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['Exists', 'Equal']),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

const poolSchema = z.strictObject({
  kind: z.enum(['gpu', 'cpu']),
  memory: quantitySchema('memory'),
  gpuMemory: quantitySchema('memory').optional(),
  cpu: quantitySchema('cpu'),
  reserved: z.strictObject({ memory: quantitySchema('memory'), cpu: quantitySchema('cpu') }).optional(),
  gpuResource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9._-]+$/).optional(),
  gpusPerReplica: z.number().int().min(1).max(16).optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(tolerationSchema).optional(),
  maxModelsPerShard: z.number().int().min(1).max(10000).optional(),
  price: z
    .strictObject({
      hourlyUsd: z.number().min(0).max(100_000),
      source: z.string().refine((v) => v.trim() !== '', { message: 'must say where the price comes from (a price page URL, a pricing API query, a contract)' }),
      asOf: isoDate,
      discountPercent: z.number().min(0).max(100).optional(),
    })
    .optional(),
});

/** Largest `max_batch_size` a stack may allow (Triton's field is an int32; beyond this no GPU batch fits). */
export const MAX_TRITON_BATCH_SIZE = 4096;

/** An HTTP header name usable in Istio matches and as gRPC metadata: lower case token characters, no `:` pseudo-headers. */
const headerName = z.string().regex(/^[a-z0-9][-a-z0-9_.]*$/, { message: 'must be a lower-case HTTP header name such as "x-tenant"' });

const gatewayName = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, { message: 'must be "namespace/name" of an Istio Gateway' });
const hostName = z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'must be a DNS host name such as "inference.example.com"' });

/** A label key (optional DNS prefix, then a name of at most 63 characters). */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, { message: 'must be a Kubernetes label key such as "istio" or "app.kubernetes.io/name"' });
/** A label value. */
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, { message: 'must be a Kubernetes label value (at most 63 letters, digits, "-", "_" or ".")' });

/**
 * A claim name the proxies can address: Istio reads
 * `request.auth.claims[<name>]` in AuthorizationPolicies and
 * `@request.auth.claims.<name>` (or `[<name>]` for a name with a dot) in
 * VirtualService matches, so brackets, white space and quotes cannot occur.
 */
export const CLAIM_NAME = /^[A-Za-z0-9_:\/.-]+$/;

const jwtIssuerSchema = z.strictObject({
  issuer: z.string().min(1, { message: 'is empty; give the "iss" claim of the tokens, e.g. "https://login.example.com/"' }).regex(/^\S+$/, { message: 'contains white space; give the "iss" claim of the tokens exactly' }),
  jwksUri: z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { message: 'must be an https:// URL of the issuer\'s JSON Web Key Set, e.g. "https://login.example.com/.well-known/jwks.json"' }),
  audiences: z.array(z.string().min(1)).optional(),
  tenantClaim: z.string().regex(CLAIM_NAME, { message: 'must be the name of a top-level claim (letters, digits, "_", ":", "/", ".", "-"), e.g. "tenant"' }),
  forwardOriginalToken: z.boolean().optional(),
});

const meshTierSchema = z
  .strictObject({
    maxConnections: z.number().int().min(1).max(1_000_000),
    maxRequests: z.number().int().min(1).max(1_000_000),
    maxPendingRequests: z.number().int().min(1).max(1_000_000),
    connectTimeoutMs: z.number().int().min(1).max(600_000),
    consecutive5xxErrors: z.number().int().min(1).max(1000),
    outlierIntervalSeconds: z.number().int().min(1).max(3600),
    baseEjectionSeconds: z.number().int().min(1).max(3600),
    maxEjectionPercent: z.number().int().min(0).max(100),
  })
  .partial()
  .optional();

const tierSchema = z.strictObject({
  pools: z.array(z.string()).min(1).optional(),
  headroomPercent: z.number().min(0).max(90).optional(),
  minReplicas: z.number().int().min(1).max(1000).optional(), // scale to zero needs an event-driven autoscaler (KEDA)
  maxReplicas: z.number().int().min(1).max(1000).optional(),
  targetCpuUtilizationPercent: z.number().int().min(1).max(100).optional(),
  targetUtilization: z.number().gt(0).max(1).optional(),
  maxModelsPerShard: z.number().int().min(1).max(10000).optional(),
  cpuModelsOnGpuPools: z.boolean().optional(),
  pdbMaxUnavailable: z.number().int().min(1).max(1000).optional(),
  priorityClass: z
    .strictObject({
      name: dnsName('PriorityClass name', 63),
      value: z.number().int().min(-2147483648).max(1000000000),
      preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']),
      description: z.string(),
    })
    .partial()
    .optional(),
  autoscaling: autoscalingTierSchema,
  triton: z
    .strictObject({
      maxQueueDelayMicroseconds: z.number().int().min(0).max(10_000_000),
      preferredBatchSizes: z.array(z.number().int().min(1).max(MAX_TRITON_BATCH_SIZE)),
      maxBatchSize: z.number().int().min(0).max(MAX_TRITON_BATCH_SIZE),
      priorityLevels: z.number().int().min(0).max(16),
      defaultPriorityLevel: z.number().int().min(0).max(16),
      queuePolicy: z
        .strictObject({
          timeoutAction: z.enum(['REJECT', 'DELAY']),
          defaultTimeoutMicroseconds: z.number().int().min(0).max(3_600_000_000),
          allowTimeoutOverride: z.boolean(),
          maxQueueSize: z.number().int().min(0).max(1_000_000),
        })
        .partial(),
      instancesPerGpu: z.number().int().min(1).max(16),
      instancesPerCpu: z.number().int().min(1).max(64),
    })
    .partial()
    .optional(),
  mesh: meshTierSchema,
});

const stackSchema = z.strictObject({
  image: z.string().min(1).optional(),
  fetcherImage: z.string().min(1).optional(),
  serverOverhead: z.strictObject({ memory: quantitySchema('memory'), gpuMemory: quantitySchema('memory'), cpu: quantitySchema('cpu') }).optional(),
  pools: z.record(dnsName('pool name', MAX_POOL_NAME_LENGTH, true, 'it is part of every shard name, <team>-<tier>-<pool>-<n>, which Kubernetes limits to 63 characters'), poolSchema).optional(),
  tiers: z.partialRecord(z.enum(SLA_TIERS), tierSchema).optional(),
  routing: z
    .strictObject({
      gateway: gatewayName,
      host: hostName,
      tenantHeader: headerName,
      modelHeader: headerName,
      gateways: z.record(
        z.string(),
        z.strictObject({
          gateway: gatewayName,
          host: hostName,
          serviceAccount: dnsName('ServiceAccount name', 253).optional(),
          selector: z.record(labelKey, labelValue).refine((r) => Object.keys(r).length > 0, { message: 'must name at least one label of the gateway pods' }).optional(),
        }),
      ),
    })
    .partial()
    .optional(),
  isolation: z
    .strictObject({
      trustDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a trust domain such as "cluster.local"' }),
      ingressNamespace: dnsName('namespace', 63),
      ingressServiceAccount: dnsName('ServiceAccount name', 253),
      metricsNamespaces: z.array(dnsName('namespace', 63)),
      sidecarInjection: dnsName('Istio revision', 63).refine((v) => v !== 'disabled', { message: 'must be "enabled" or an Istio revision such as "stable" or "1-24-2"' }),
      fetcherEgress: z.enum(['native-sidecar', 'bypass-mesh']),
      ingressSelector: z.record(labelKey, labelValue).refine((r) => Object.keys(r).length > 0, { message: 'must name at least one label of the ingress gateway pods, e.g. { istio: ingressgateway }' }),
      mtls: z.enum(['strict', 'strict-except-metrics', 'unmanaged']),
    })
    .partial()
    .optional(),
  auth: z
    .strictObject({
      jwt: z.union([jwtIssuerSchema, z.array(jwtIssuerSchema).min(1, { message: 'lists no issuer; give at least one, or remove modelfleet:auth' })]),
    })
    .optional(),
  production: z.boolean().optional(),
  autoscaler: autoscalerSchema,
  metrics: metricsSchema,
  modelRepository: z
    .strictObject({
      serviceAccountName: dnsName('ServiceAccount name', 253),
      secretName: dnsName('Secret name', 253),
      s3Region: z.string().regex(/^[a-z0-9-]+$/, { message: 'must be a region name such as "eu-west-1"' }),
      s3Endpoint: z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~\/-]*)?$/, { message: 'must be an http(s) URL such as "https://minio.storage.svc:9000"' }),
    })
    .partial()
    .optional(),
  policies: policiesSchema,
  serving: z.strictObject({ overheadMs: z.number().min(0).max(60_000) }).partial().optional(),
  observe: z
    .strictObject({
      peakMarginPercent: z.number().min(0).max(1000),
      lowerBelowPercent: z.number().min(0).max(100),
      profileTolerancePercent: z.number().min(1).max(1000),
      peakHoursThresholdPercent: z.number().min(1).max(100),
      peakHoursPaddingHours: z.number().int().min(0).max(6),
    })
    .partial()
    .optional(),
  declarations: z
    .strictObject({
      timeoutSeconds: z.number().int().min(1).max(3600),
      memoryMb: z.number().int().min(64).max(65_536),
    })
    .partial()
    .optional(),
  cost: z
    .strictObject({
      budgets: z.record(z.string(), z.strictObject({ monthlyUsd })),
      warnIncrease: z.strictObject({ percent: z.number().min(0).max(100_000), monthlyUsd }).partial(),
      priceMaxAgeDays: z.number().int().min(1).max(3650),
    })
    .partial()
    .optional(),
});

/** The config block of a stack, before resolution (what `Pulumi.NAME.yaml` holds under `modelfleet:`). */
export type StackInput = z.input<typeof stackSchema>;

/** A complete stack input: the platform's defaults every stack file overrides (see `policies/default-stack.ts`). */
export type StackDefaults = Omit<StackInput, 'image' | 'fetcherImage' | 'pools' | 'tiers' | 'routing' | 'isolation' | 'serverOverhead' | 'autoscaler' | 'metrics' | 'policies'> & {
  readonly autoscaler: AutoscalerConfig;
  readonly policies: PoliciesConfig;
  readonly metrics: MetricsConfig;
  readonly image: string;
  readonly fetcherImage: string;
  readonly pools: NonNullable<StackInput['pools']>;
  readonly tiers: Readonly<Record<SlaTier, TierPolicy>>;
  readonly routing: RoutingConfig;
  /** `ingressNamespace` defaults to the namespace of `routing.gateway`. */
  readonly isolation: Omit<IsolationConfig, 'ingressNamespace'> & { readonly ingressNamespace?: string };
  readonly serverOverhead: NonNullable<StackInput['serverOverhead']>;
};

const STACK_FIELDS = ['image', 'fetcherImage', 'serverOverhead', 'pools', 'tiers', 'routing', 'isolation', 'modelRepository', 'autoscaler', 'metrics', 'policies', 'serving', 'cost', 'declarations', 'auth', 'production', 'observe'];
const JWT_FIELDS = ['issuer', 'jwksUri', 'audiences', 'tenantClaim', 'forwardOriginalToken'];

/** Known fields at a path of the stack config block, for unknown-field suggestions. */
const knownStackFields = (path: readonly PropertyKey[]): readonly string[] => {
  if (path.length === 0) return STACK_FIELDS;
  if (path.length === 1 && path[0] === 'policies') return POLICIES_FIELDS;
  if (path.length === 1 && path[0] === 'cost') return ['budgets', 'warnIncrease', 'priceMaxAgeDays'];
  if (path.length === 1 && path[0] === 'declarations') return ['timeoutSeconds', 'memoryMb'];
  if (path.length === 1 && path[0] === 'observe') return Object.keys(DEFAULT_OBSERVE);
  if (path.length === 1 && path[0] === 'auth') return ['jwt'];
  if (path.length === 1 && path[0] === 'routing') return ['gateway', 'host', 'tenantHeader', 'modelHeader', 'gateways'];
  if (path.length === 3 && path[0] === 'routing' && path[1] === 'gateways') return ['gateway', 'host', 'serviceAccount', 'selector'];
  if (path[0] === 'auth' && path[1] === 'jwt' && (path.length === 2 || (path.length === 3 && typeof path[2] === 'number'))) return JWT_FIELDS;
  if (path.length === 1 && path[0] === 'isolation') return ['trustDomain', 'ingressNamespace', 'ingressServiceAccount', 'metricsNamespaces', 'sidecarInjection', 'fetcherEgress', 'ingressSelector', 'mtls'];
  if (path.length === 2 && path[0] === 'cost' && path[1] === 'warnIncrease') return ['percent', 'monthlyUsd'];
  if (path.length === 3 && path[0] === 'cost' && path[1] === 'budgets') return ['monthlyUsd'];
  if (path.length === 3 && path[0] === 'pools' && path[2] === 'price') return ['hourlyUsd', 'source', 'asOf', 'discountPercent'];
  return [];
};

/**
 * Resolves a stack: `defaults` overridden by `overrides` (pools replace the
 * default pools as a whole; tiers and routing merge field by field, a tier's
 * `priorityClass` too). Issues name `file` and the config key (`modelfleet:pools`).
 */
export function resolveStack(name: string, file: string, overrides: unknown, defaults: StackDefaults): { stack?: StackConfig; issues: SpecIssue[] } {
  const base = stackSchema.parse(defaults);
  const parsed = stackSchema.safeParse(overrides ?? {}, { reportInput: true });
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, overrides, file, [], knownStackFields);
    return { issues: issues.map((i) => ({ ...i, path: i.path.length ? [`modelfleet:${String(i.path[0])}`, ...i.path.slice(1)] : i.path })) };
  }
  const o = parsed.data;
  const issues: SpecIssue[] = [];
  const poolsIn = o.pools ?? base.pools!;
  const pools: PoolSpec[] = [];
  for (const [poolName, p] of Object.entries(poolsIn)) {
    const at = ['modelfleet:pools', poolName];
    if (p.kind === 'gpu' && !p.gpuMemory) issues.push({ file, path: [...at, 'gpuMemory'], message: 'is required for a gpu pool; give the memory of one GPU (or MIG slice), e.g. "24Gi"' });
    if (p.kind === 'cpu' && p.gpuMemory) issues.push({ file, path: [...at, 'gpuMemory'], message: 'is set on a cpu pool; remove it or make the pool kind "gpu"' });
    pools.push({
      name: poolName,
      kind: p.kind,
      node: { memory: p.memory, gpuMemory: p.gpuMemory ?? 0, cpu: p.cpu },
      reserved: p.reserved ?? { memory: 0, cpu: 0 },
      gpuResource: p.gpuResource ?? 'nvidia.com/gpu',
      gpusPerReplica: p.kind === 'gpu' ? (p.gpusPerReplica ?? 1) : 0,
      nodeSelector: p.nodeSelector ?? {},
      tolerations: (p.tolerations ?? []) as Toleration[],
      ...(p.maxModelsPerShard !== undefined ? { maxModelsPerShard: p.maxModelsPerShard } : {}),
      ...(p.price ? { price: { hourlyUsd: p.price.hourlyUsd, source: p.price.source, asOf: p.price.asOf, discountPercent: p.price.discountPercent ?? 0 } } : {}),
    });
  }
  const tiers = {} as Record<SlaTier, TierPolicy>;
  for (const tier of SLA_TIERS) {
    const own = o.tiers?.[tier] ?? {};
    const inherited = defaults.tiers[tier];
    const merged = {
      ...inherited,
      ...own,
      priorityClass: { ...inherited.priorityClass, ...(own.priorityClass ?? {}) },
      triton: mergeTritonTier(inherited.triton, own.triton),
      autoscaling: mergeAutoscalingTier(inherited.autoscaling, own.autoscaling),
      mesh: { ...inherited.mesh, ...(own.mesh ?? {}) },
    } as TierPolicy;
    const at = ['modelfleet:tiers', tier];
    for (const [i, pool] of merged.pools.entries()) {
      if (!pools.some((p) => p.name === pool)) {
        const hint = suggest(pool, pools.map((p) => p.name));
        issues.push({
          file,
          path: [...at, 'pools', i],
          message: `pool ${JSON.stringify(pool)} is not defined${hint ? ` (did you mean "${hint}"?)` : ''}; defined pools are ${pools.map((p) => p.name).join(', ')}; use one of them or define the pool under modelfleet:pools`,
        });
      }
    }
    if (merged.minReplicas > merged.maxReplicas) {
      issues.push({ file, path: [...at, 'minReplicas'], message: `${merged.minReplicas} is above maxReplicas ${merged.maxReplicas}; lower minReplicas or raise maxReplicas` });
    }
    if (merged.pdbMaxUnavailable > merged.maxReplicas) {
      issues.push({ file, path: [...at, 'pdbMaxUnavailable'], message: `${merged.pdbMaxUnavailable} is above maxReplicas ${merged.maxReplicas}, so the disruption budget would protect nothing; lower it` });
    }
    issues.push(...checkTritonTier(merged.triton, file, [...at, 'triton']));
    issues.push(...checkAutoscalingTier(tier, merged.autoscaling, TIER_P99_MS[tier], merged.triton?.maxQueueDelayMicroseconds, file, [...at, 'autoscaling']));
    tiers[tier] = merged;
  }
  const overhead = o.serverOverhead ?? base.serverOverhead!;
  const autoscaler = mergeAutoscaler(defaults.autoscaler, o.autoscaler);
  const metrics = mergeMetrics(defaults.metrics, o.metrics);
  issues.push(...checkAutoscaler(autoscaler, file));
  issues.push(...checkPolicyRuleIds(o.policies, defaults.policies, file));
  for (const pool of pools) {
    const usable = shardCapacity(pool, overhead, 0);
    for (const key of ['memory', 'cpu'] as const) {
      if (usable[key] <= 0) {
        issues.push({ file, path: ['modelfleet:pools', pool.name, key], message: `leaves nothing for models after reserved and server overhead; raise it or lower reserved` });
      }
    }
  }
  const routing = { ...defaults.routing, gateways: {}, ...(o.routing ?? {}) } as RoutingConfig;
  if (routing.tenantHeader === routing.modelHeader) {
    issues.push({ file, path: ['modelfleet:routing', 'modelHeader'], message: `${JSON.stringify(routing.modelHeader)} is also the tenant header; give the model and the tenant different headers` });
  }
  const auth = resolveAuth(o.auth, file, issues);
  if (issues.length) return { issues };
  return {
    issues: [],
    stack: {
      name,
      file,
      image: o.image ?? base.image!,
      fetcherImage: o.fetcherImage ?? base.fetcherImage!,
      serverOverhead: overhead,
      pools,
      tiers,
      routing,
      isolation: {
        ...defaults.isolation,
        ingressNamespace: routing.gateway.split('/')[0]!,
        ...(o.isolation ?? {}),
      } as IsolationConfig,
      modelRepository: { ...(base.modelRepository ?? {}), ...(o.modelRepository ?? {}) },
      autoscaler,
      metrics,
      policies: mergePolicies(defaults.policies, o.policies),
      serving: { ...DEFAULT_SERVING, ...(base.serving ?? {}), ...(o.serving ?? {}) },
      cost: mergeCost(base.cost, o.cost),
      declarations: { ...DEFAULT_DECLARATION_LIMITS, ...(base.declarations ?? {}), ...(o.declarations ?? {}) },
      ...(auth ? { auth } : {}),
      production: o.production ?? base.production ?? false,
      observe: { ...DEFAULT_OBSERVE, ...(base.observe ?? {}), ...(o.observe ?? {}) },
    },
  };
}

type AuthInput = z.output<typeof stackSchema>['auth'];

/**
 * `modelfleet:auth` as a list of issuers with one tenant claim. Issues: an
 * issuer listed twice, and issuers that name the tenant in different claims
 * (a token of one issuer could otherwise name a tenant in the claim another
 * issuer uses for it).
 */
function resolveAuth(input: AuthInput, file: string, issues: SpecIssue[]): AuthConfig | undefined {
  if (input === undefined) return undefined;
  const list = Array.isArray(input.jwt) ? input.jwt : [input.jwt];
  const at = (i: number, field: string) => (Array.isArray(input.jwt) ? ['modelfleet:auth', 'jwt', i, field] : ['modelfleet:auth', 'jwt', field]);
  const seen = new Map<string, number>();
  list.forEach((j, i) => {
    const first = seen.get(j.issuer);
    if (first !== undefined) issues.push({ file, path: at(i, 'issuer'), message: `${JSON.stringify(j.issuer)} is listed twice (also entry ${first}); give each issuer once` });
    else seen.set(j.issuer, i);
    if (j.tenantClaim !== list[0]!.tenantClaim) {
      issues.push({
        file,
        path: at(i, 'tenantClaim'),
        message: `${JSON.stringify(j.tenantClaim)} differs from ${JSON.stringify(list[0]!.tenantClaim)} of issuer ${JSON.stringify(list[0]!.issuer)}; every issuer must name the tenant in the same claim (map it in the identity provider), or a token of one issuer could name a tenant in the claim another one uses for it`,
      });
    }
  });
  return {
    tenantClaim: list[0]!.tenantClaim,
    jwt: list.map((j) => ({ issuer: j.issuer, jwksUri: j.jwksUri, audiences: [...(j.audiences ?? [])], forwardOriginalToken: j.forwardOriginalToken ?? false })),
  };
}

type CostInput = z.output<typeof stackSchema>['cost'];

/** `modelfleet:cost` over the defaults: budgets merge per team, `warnIncrease` field by field. */
function mergeCost(base: CostInput, own: CostInput): CostConfig {
  return {
    budgets: { ...DEFAULT_COST.budgets, ...(base?.budgets ?? {}), ...(own?.budgets ?? {}) },
    warnIncrease: { ...DEFAULT_COST.warnIncrease, ...(base?.warnIncrease ?? {}), ...(own?.warnIncrease ?? {}) },
    priceMaxAgeDays: own?.priceMaxAgeDays ?? base?.priceMaxAgeDays ?? DEFAULT_COST.priceMaxAgeDays,
  };
}

/**
 * What one shard replica of `pool` can hold for models: the node minus the
 * reserved share and the Triton server overhead, minus the tier's headroom.
 */
export function shardCapacity(pool: PoolSpec, overhead: ResourceVector, headroomPercent: number): ResourceVector {
  const keep = (value: number) => Math.floor((Math.max(0, value) * (100 - headroomPercent)) / 100);
  return {
    memory: keep(pool.node.memory - pool.reserved.memory - overhead.memory),
    cpu: keep(pool.node.cpu - pool.reserved.cpu - overhead.cpu),
    gpuMemory: pool.kind === 'gpu' ? keep(pool.node.gpuMemory - overhead.gpuMemory) : 0,
  };
}

/** Most copies a shard of `tier` on `pool` may load: the tighter of the tier's and the pool's limit. */
export function maxModelsPerShard(tier: TierPolicy, pool: PoolSpec): number {
  return Math.min(tier.maxModelsPerShard, pool.maxModelsPerShard ?? Infinity);
}

type TritonTierInput = NonNullable<z.output<typeof tierSchema>['triton']>;

/** A tier's Triton settings overridden field by field (the queue policy too). */
function mergeTritonTier(inherited: TritonTierPolicy, own: TritonTierInput | undefined): TritonTierPolicy {
  return { ...inherited, ...(own ?? {}), queuePolicy: { ...inherited.queuePolicy, ...(own?.queuePolicy ?? {}) } };
}

/** Contradictions inside a tier's (merged) Triton settings, each naming the stack file and key. */
export function checkTritonTier(t: TritonTierPolicy, file: string, at: readonly (string | number)[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  t.preferredBatchSizes.forEach((size, i) => {
    if (size > t.maxBatchSize) {
      issues.push({
        file,
        path: [...at, 'preferredBatchSizes', i],
        message: `${size} is above the tier's maxBatchSize ${t.maxBatchSize}; Triton never forms a batch larger than max_batch_size, so lower it or raise maxBatchSize`,
      });
    }
    if (i > 0 && size <= t.preferredBatchSizes[i - 1]!) {
      issues.push({ file, path: [...at, 'preferredBatchSizes', i], message: `${size} does not follow ${t.preferredBatchSizes[i - 1]}; list preferred batch sizes once each, in increasing order` });
    }
  });
  if (t.maxBatchSize === 0 && t.preferredBatchSizes.length > 0) {
    issues.push({ file, path: [...at, 'preferredBatchSizes'], message: `is set but maxBatchSize is 0 (batching off); remove the preferred sizes or raise maxBatchSize` });
  }
  if (t.maxBatchSize > 1 && t.maxQueueDelayMicroseconds === 0) {
    issues.push({
      file,
      path: [...at, 'maxQueueDelayMicroseconds'],
      message: `is 0 but maxBatchSize is ${t.maxBatchSize}: with no delay Triton batches only requests that arrive together; give a delay or set maxBatchSize to 1`,
    });
  }
  if (t.priorityLevels === 0 && t.defaultPriorityLevel !== 0) {
    issues.push({ file, path: [...at, 'defaultPriorityLevel'], message: `is ${t.defaultPriorityLevel} but priorityLevels is 0 (priorities off); set it to 0 or raise priorityLevels` });
  }
  if (t.priorityLevels > 0 && (t.defaultPriorityLevel < 1 || t.defaultPriorityLevel > t.priorityLevels)) {
    issues.push({
      file,
      path: [...at, 'defaultPriorityLevel'],
      message: `${t.defaultPriorityLevel} is not a level of ${t.priorityLevels}; use 1 (highest) to ${t.priorityLevels} (lowest)`,
    });
  }
  return issues;
}

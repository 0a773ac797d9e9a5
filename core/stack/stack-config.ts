/**
 * Stack configuration: the hardware pools, tier policies and images of one
 * cluster. The platform's defaults (`policies/default-stack.ts`) are used when
 * no `--stack` is given; `--stack NAME` reads `Pulumi.NAME.yaml` and overrides them.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { dnsName, quantitySchema, SLA_TIERS, type ResourceVector, type SlaTier } from '../spec/model-spec.ts';
import { MAX_POOL_NAME_LENGTH } from '../spec/names.ts';
import { fromZodIssues } from '../spec/zod-issues.ts';

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
}

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
  /** Istio ingress: gateway (`namespace/name`) and the host clients call. */
  readonly routing: { readonly gateway: string; readonly host: string };
}

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
});

const tierSchema = z.strictObject({
  pools: z.array(z.string()).min(1).optional(),
  headroomPercent: z.number().min(0).max(90).optional(),
  minReplicas: z.number().int().min(1).max(1000).optional(), // scale to zero needs an event-driven autoscaler (KEDA)
  maxReplicas: z.number().int().min(1).max(1000).optional(),
  targetCpuUtilizationPercent: z.number().int().min(1).max(100).optional(),
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
});

const stackSchema = z.strictObject({
  image: z.string().min(1).optional(),
  fetcherImage: z.string().min(1).optional(),
  serverOverhead: z.strictObject({ memory: quantitySchema('memory'), gpuMemory: quantitySchema('memory'), cpu: quantitySchema('cpu') }).optional(),
  pools: z.record(dnsName('pool name', MAX_POOL_NAME_LENGTH, true), poolSchema).optional(),
  tiers: z.partialRecord(z.enum(SLA_TIERS), tierSchema).optional(),
  routing: z.strictObject({ gateway: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), host: z.string().min(1) }).partial().optional(),
});

/** The config block of a stack, before resolution (what `Pulumi.NAME.yaml` holds under `modelfleet:`). */
export type StackInput = z.input<typeof stackSchema>;

/** A complete stack input: the platform's defaults every stack file overrides (see `policies/default-stack.ts`). */
export type StackDefaults = Omit<StackInput, 'image' | 'fetcherImage' | 'pools' | 'tiers' | 'routing' | 'serverOverhead'> & {
  readonly image: string;
  readonly fetcherImage: string;
  readonly pools: NonNullable<StackInput['pools']>;
  readonly tiers: Readonly<Record<SlaTier, TierPolicy>>;
  readonly routing: { readonly gateway: string; readonly host: string };
  readonly serverOverhead: NonNullable<StackInput['serverOverhead']>;
};

const STACK_FIELDS = ['image', 'fetcherImage', 'serverOverhead', 'pools', 'tiers', 'routing'];

/**
 * Resolves a stack: `defaults` overridden by `overrides` (pools replace the
 * default pools as a whole; tiers and routing merge field by field, a tier's
 * `priorityClass` too). Issues name `file` and the config key (`modelfleet:pools`).
 */
export function resolveStack(name: string, file: string, overrides: unknown, defaults: StackDefaults): { stack?: StackConfig; issues: SpecIssue[] } {
  const base = stackSchema.parse(defaults);
  const parsed = stackSchema.safeParse(overrides ?? {}, { reportInput: true });
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, overrides, file, [], (p) => (p.length === 0 ? STACK_FIELDS : []));
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
    });
  }
  const tiers = {} as Record<SlaTier, TierPolicy>;
  for (const tier of SLA_TIERS) {
    const own = o.tiers?.[tier] ?? {};
    const inherited = defaults.tiers[tier];
    const merged = { ...inherited, ...own, priorityClass: { ...inherited.priorityClass, ...(own.priorityClass ?? {}) } } as TierPolicy;
    const at = ['modelfleet:tiers', tier];
    for (const [i, pool] of merged.pools.entries()) {
      if (!pools.some((p) => p.name === pool)) {
        issues.push({ file, path: [...at, 'pools', i], message: `pool "${pool}" is not defined; defined pools are ${pools.map((p) => p.name).join(', ')}` });
      }
    }
    if (merged.minReplicas > merged.maxReplicas) {
      issues.push({ file, path: [...at, 'minReplicas'], message: `${merged.minReplicas} is above maxReplicas ${merged.maxReplicas}; lower minReplicas or raise maxReplicas` });
    }
    if (merged.pdbMaxUnavailable > merged.maxReplicas) {
      issues.push({ file, path: [...at, 'pdbMaxUnavailable'], message: `${merged.pdbMaxUnavailable} is above maxReplicas ${merged.maxReplicas}, so the disruption budget would protect nothing; lower it` });
    }
    tiers[tier] = merged;
  }
  const overhead = o.serverOverhead ?? base.serverOverhead!;
  for (const pool of pools) {
    const usable = shardCapacity(pool, overhead, 0);
    for (const key of ['memory', 'cpu'] as const) {
      if (usable[key] <= 0) {
        issues.push({ file, path: ['modelfleet:pools', pool.name, key], message: `leaves nothing for models after reserved and server overhead; raise it or lower reserved` });
      }
    }
  }
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
      routing: { ...base.routing!, ...(o.routing ?? {}) } as StackConfig['routing'],
    },
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


/**
 * The plan: which model copy runs in which shard. Produced by `packShards()`,
 * rendered by the constructs, written as `plan.json`.
 */
import type { Framework, ResourceVector, SlaTier } from '../spec/model-spec.ts';
import type { TritonModelSpec } from '../spec/triton-fields.ts';
import type { TrafficProfile } from '../spec/traffic-profile.ts';
import type { LatencyProfile } from '../spec/latency-profile.ts';
import type { PeakFloor, ShardServingPlan } from './shard-replicas.ts';

/** One loaded copy of a model: the model itself, or one tenant's copy of it. */
export interface ModelCopy {
  /** Stable identity for messages and diffs: `fraud/txn-scorer@acme` or `fraud/txn-scorer`. */
  readonly id: string;
  /** Name Triton loads the copy under (a model-repository directory): `txn-scorer.acme`. */
  readonly tritonName: string;
  readonly model: string;
  /** Tenant, or `undefined` for an untenanted model. */
  readonly tenant?: string;
  readonly team: string;
  readonly tier: SlaTier;
  readonly framework: Framework;
  /** Whether the copy needs GPU memory. */
  readonly gpu: boolean;
  readonly resources: ResourceVector;
  readonly peakQps?: number;
  /** When the copy's peak comes (the model's `traffic`); `undefined` when it may come at any hour. */
  readonly traffic?: TrafficProfile;
  /** The model's measured batch latencies per pool; `undefined` when none were declared. */
  readonly profile?: LatencyProfile;
  /** The model's declared latency target, when it gave `p99LatencyMs` instead of a tier. */
  readonly p99LatencyMs?: number;
  /** Artifact location with `{tenant}` substituted. */
  readonly artifact: string;
  /** The copy runs in a shard of its own. */
  readonly dedicated: boolean;
  /** Declaring file, for messages. */
  readonly file: string;
  /** Field path of the declaration inside its file (`[]` or `[i]`). */
  readonly pathPrefix: readonly (string | number)[];
  /** The model's Triton fields (shared by all its copies), compiled by `tritonModelConfig()`. */
  readonly triton: TritonModelSpec;
}

/** How messages name a copy: `model@tenant`, or `model` when untenanted. */
export function copyLabel(copy: Pick<ModelCopy, 'model' | 'tenant'>): string {
  return copy.tenant ? `${copy.model}@${copy.tenant}` : copy.model;
}

/** One Triton Deployment: a team's copies of one tier on one pool. */
export interface Shard {
  /** Object name of every Kubernetes object of the shard: `fraud-realtime-gpu-l4-1`. */
  readonly name: string;
  readonly namespace: string;
  readonly team: string;
  readonly tier: SlaTier;
  readonly pool: string;
  /** What the shard may hold for models (pool minus reserve, overhead and tier headroom). */
  readonly capacity: ResourceVector;
  /** Sum over its copies. */
  readonly used: ResourceVector;
  /** Copies, sorted by `id`. */
  readonly copies: readonly ModelCopy[];
  /** Replica floor at all hours: the tier's minimum, or more for the copies' `peakQps` (`shardReplicas()`). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** A higher floor during the copies' declared peak hours (KEDA cron triggers); absent when there is none. */
  readonly peak?: PeakFloor;
  /** The shard at its planned peak: replicas, utilisation, each copy's batch (in `copies` order). */
  readonly serving: ShardServingPlan;
  /** GPUs per replica (0 on CPU pools). */
  readonly gpusPerReplica: number;
}

/** Lower bounds and result for one (team, tier, pool) packing group. */
export interface PackingGroup {
  readonly team: string;
  readonly tier: SlaTier;
  readonly pool: string;
  readonly copies: number;
  readonly shards: number;
  /** Proven lower bound on the group's shard count (resources alone). */
  readonly lowerBound: number;
  /** Summed peak replicas of the group's shards. */
  readonly peakReplicas: number;
  /** Proven lower bound on the summed peak replicas (`servingLowerBound()`). */
  readonly peakReplicasLowerBound: number;
  /** GPUs per replica on the group's pool (0 on CPU pools). */
  readonly gpusPerReplica: number;
}

/** A locked copy the packer moved, and why (`packShards`). */
export interface PlanEviction {
  readonly id: string;
  readonly from: string;
  /** `resources`: its shard no longer holds it; `serving`: with it the shard would need more than `maxReplicas` at peak. */
  readonly reason: 'resources' | 'serving';
}

/** The packed fleet. */
export interface ShardPlan {
  /** Shards in (team, tier, pool, index) order. */
  readonly shards: readonly Shard[];
  readonly groups: readonly PackingGroup[];
  /** Proven lower bound on the number of shards the fleet needs under its placement rules. */
  readonly lowerBound: number;
  /** Proven lower bound on the GPUs the fleet's shards need at peak (Σ peak replicas × GPUs per replica). */
  readonly gpusAtPeakLowerBound: number;
  /** Locked copies the packer had to move, with the reason; empty without a lockfile. */
  readonly evictions: readonly PlanEviction[];
}

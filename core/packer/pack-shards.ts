/**
 * Packs model copies into Triton shards.
 *
 * Each copy is assigned a pool by its tier's preference list (the first
 * eligible pool of the copy's kind — GPU copies on GPU pools, CPU copies on
 * CPU pools — whose shard capacity holds it). Copies are then grouped by
 * (team, tier, pool), because a shard belongs to one team's namespace, never
 * mixes tiers and runs on one kind of node, and each group is vector-packed
 * on (GPU memory, host memory, CPU) against the pool's capacity minus the
 * tier's headroom.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { SourcedCopy } from '../plan/expand-copies.ts';
import { shardIndex, type PlacementLock } from '../plan/lockfile.ts';
import type { ModelCopy, PackingGroup, PlanEviction, Shard, ShardPlan } from '../plan/shard-plan.ts';
import { shardReplicasIn } from '../plan/shard-replicas.ts';
import { copyLoads, servingCopyIn, servingParams } from '../serving/serving-copy.ts';
import { replicasNeeded, shardServing } from '../serving/serving-model.ts';
import { packServingGroup, replicasFor, servingLowerBound, type ServingGroup, type ServingItem } from './pack-serving-group.ts';
import type { ResourceVector, SlaTier } from '../spec/model-spec.ts';
import { formatBytes, formatMillicores, readableBytes } from '../spec/quantity.ts';
import { loadedVersionCount } from '../spec/triton-fields.ts';
import { maxModelsPerShard, shardCapacity, type PoolSpec, type StackConfig } from '../stack/stack-config.ts';
import { vectorLowerBound } from './lower-bound.ts';
import { byKey, compareStrings } from '../util/compare.ts';

/** Resource dimensions in packing order. */
export const DIMENSIONS = ['gpuMemory', 'memory', 'cpu'] as const satisfies readonly (keyof ResourceVector)[];

const toVector = (r: ResourceVector) => DIMENSIONS.map((d) => r[d]);

function formatAmount(dimension: keyof ResourceVector, value: number): string {
  return dimension === 'cpu' ? formatMillicores(value) : readableBytes(value);
}

/** Options for `packShards`. */
export interface PackShardsOptions {
  /** The stack whose pools and tiers apply. */
  readonly stack: StackConfig;
  /** Namespace of each team. @default - the team name */
  readonly namespaceOf?: (team: string) => string;
  /**
   * The previous placement. Every copy it lists that still exists, with the
   * same tier, on a pool still eligible and still holding it, stays in its
   * shard; only new copies and copies that no longer fit are placed anew.
   *
   * @default - none: pack from scratch
   */
  readonly lock?: PlacementLock;
}

/** Result of `packShards`: a plan, or the copies that could not be placed. */
export interface PackShardsResult {
  readonly plan?: ShardPlan;
  readonly issues: SpecIssue[];
}

/** Builds the shard name of the `index`-th (1-based) shard of a group. */
export function shardName(team: string, tier: SlaTier, pool: string, index: number): string {
  return `${team}-${tier}-${pool}-${index}`;
}

/** Pools a copy may run on, in the tier's order of preference. */
export function eligiblePools(copy: Pick<ModelCopy, 'tier' | 'gpu'>, stack: StackConfig): PoolSpec[] {
  const tier = stack.tiers[copy.tier];
  return tier.pools
    .map((name) => stack.pools.find((p) => p.name === name)!)
    .filter((p) => (copy.gpu ? p.kind === 'gpu' : p.kind === 'cpu' || tier.cpuModelsOnGpuPools));
}

/**
 * The packing capacity of a shard of `tier` on `pool`: its resources plus a
 * last dimension counting model copies (`maxModelsPerShard`).
 */
export function capacityVector(stack: StackConfig, tier: SlaTier, pool: PoolSpec): number[] {
  const policy = stack.tiers[tier];
  return [...toVector(shardCapacity(pool, stack.serverOverhead, policy.headroomPercent)), maxModelsPerShard(policy, pool)];
}

/** A copy's size: its resources plus one slot, or every slot when it is dedicated. */
export function itemVector(copy: ModelCopy, capacity: readonly number[]): number[] {
  return [...toVector(copy.resources), copy.dedicated ? capacity[capacity.length - 1]! : 1];
}

const fitsIn = (load: readonly number[], item: readonly number[], capacity: readonly number[]) => item.every((x, d) => load[d]! + x <= capacity[d]!);

function explainNoFit(copy: SourcedCopy, stack: StackConfig, eligible: readonly PoolSpec[]): SpecIssue {
  const tier = stack.tiers[copy.tier];
  const kind = copy.gpu ? 'GPU' : 'CPU';
  if (eligible.length === 0) {
    return {
      file: copy.file,
      path: [...copy.pathPrefix, copy.gpu ? 'gpuMemory' : 'tier'],
      message: `tier ${copy.tier} has no ${kind} pool in stack ${stack.name} (its pools: ${tier.pools.join(', ')}); add a ${kind} pool to modelfleet:tiers.${copy.tier}.pools or choose another tier`,
    };
  }
  // Report the dimension that is furthest over the largest capacity any eligible pool offers.
  let worst: { dim: keyof ResourceVector; pool: PoolSpec; capacity: number; ratio: number } | undefined;
  for (const dim of DIMENSIONS) {
    const need = copy.resources[dim];
    let best: { pool: PoolSpec; capacity: number } | undefined;
    for (const pool of eligible) {
      const cap = shardCapacity(pool, stack.serverOverhead, tier.headroomPercent)[dim];
      if (!best || cap > best.capacity) best = { pool, capacity: cap };
    }
    if (best && need > best.capacity) {
      const ratio = best.capacity > 0 ? need / best.capacity : Infinity;
      if (!worst || ratio > worst.ratio) worst = { dim, ...best, ratio };
    }
  }
  // Memory and GPU memory count every loaded version (expandCopies); say so, or the sizes look wrong.
  const versions = loadedVersionCount(copy.triton);
  if (!worst) {
    // Fits each dimension of some pool, but no single pool in every dimension.
    return {
      file: copy.file,
      path: [...copy.fieldOf.memory],
      message: `${copy.id} (${formatBytes(copy.resources.gpuMemory)} GPU memory, ${formatBytes(copy.resources.memory)} memory, ${formatMillicores(copy.resources.cpu)} CPU${
        versions > 1 ? `; memory and GPU memory count its ${versions} loaded versions` : ''
      }) fits no single ${copy.tier} pool in every resource; shrink one of them${versions > 1 ? ', load fewer versions' : ''} or add a larger pool`,
    };
  }
  const what = worst.dim === 'gpuMemory' ? 'GPU memory' : worst.dim === 'cpu' ? 'CPU' : 'host memory';
  const node = worst.pool.node[worst.dim];
  const largest = kind === 'GPU' ? `largest GPU pool` : `largest CPU pool`;
  const perVersion = versions > 1 && worst.dim !== 'cpu';
  const counted = perVersion ? `${versions} loaded versions × ${formatAmount(worst.dim, copy.resources[worst.dim] / versions)}` : undefined;
  const about = [counted, copy.tenant ? `tenant ${copy.tenant}` : undefined].filter((x) => x !== undefined);
  return {
    file: copy.file,
    path: [...copy.fieldOf[worst.dim]],
    message: `${formatAmount(worst.dim, copy.resources[worst.dim])}${about.length ? ` (${about.join(', ')})` : ''} exceeds the ${largest} for ${copy.tier} (${worst.pool.name}: ${formatAmount(worst.dim, node)} ${what}, ${formatAmount(worst.dim, worst.capacity)} after server overhead and ${tier.headroomPercent}% headroom); ${
      worst.dim === 'gpuMemory' ? 'quantize or shard the model' : 'reduce it'
    }${perVersion ? ', load fewer versions' : ''} or add a larger pool to the stack`,
  };
}

/**
 * Places every copy into a shard. Copies that fit no eligible pool, or that
 * cannot meet their latency budget within the tier's `maxReplicas` even
 * alone, are reported as issues naming their file and field, all at once.
 *
 * Within each (team, tier, pool) group, shards hold their copies in every
 * resource and serve their peak within the tier's replica range (the serving
 * model, `core/serving/`); the packer minimises the summed peak replicas,
 * then the shard count (`pack-serving-group.ts`).
 *
 * With a `lock`, placement is incremental: locked copies stay put; a shard
 * that no longer holds its locked copies (a copy grew, the pool shrank) or
 * could no longer serve them within `maxReplicas` gives up the fewest copies
 * needed, largest first (each recorded in `evictions` with its reason); then
 * new and displaced copies go into the group's existing shards where their
 * peak replicas grow least (then best fit), and the rest are packed into new
 * shards named with the group's lowest free indices. Without a lock every
 * group is packed from scratch.
 */
export function packShards(copies: readonly SourcedCopy[], options: PackShardsOptions): PackShardsResult {
  const { stack, lock } = options;
  const namespaceOf = options.namespaceOf ?? ((team: string) => team);
  const issues: SpecIssue[] = [];
  const groups = new Map<string, { team: string; tier: SlaTier; pool: PoolSpec; copies: SourcedCopy[] }>();
  const lockedShardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(lock?.shards ?? {})) for (const id of shard.copies) lockedShardOf.set(id, name);

  for (const copy of copies) {
    const eligible = eligiblePools(copy, stack);
    const holds = (p: PoolSpec) => {
      const cap = capacityVector(stack, copy.tier, p);
      return fitsIn(cap.map(() => 0), itemVector(copy, cap), cap);
    };
    const serves = (p: PoolSpec) => shardServing([servingCopyIn(copy, p, stack)], servingParams(copy.tier, stack)) !== undefined;
    const fits = (p: PoolSpec) => holds(p) && serves(p);
    // A locked copy keeps its pool while that pool is still eligible and holds it.
    const locked = lockedShardOf.get(copy.id);
    const lockedShard = locked !== undefined ? lock!.shards[locked] : undefined;
    const lockedPool = lockedShard && lockedShard.tier === copy.tier ? eligible.find((p) => p.name === lockedShard.pool && fits(p)) : undefined;
    const pool = lockedPool ?? eligible.find(fits);
    if (!pool) {
      const held = eligible.find(holds);
      issues.push(held ? explainNoService(copy, stack, held) : explainNoFit(copy, stack, eligible));
      continue;
    }
    const key = `${copy.team}\u0000${copy.tier}\u0000${pool.name}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { team: copy.team, tier: copy.tier, pool, copies: [] }));
    group.copies.push(copy);
  }
  if (issues.length) return { issues };

  const shards: Shard[] = [];
  const packingGroups: PackingGroup[] = [];
  const evictions: PlanEviction[] = [];
  const keys = [...groups.keys()].sort();
  for (const key of keys) {
    const group = groups.get(key)!;
    const tier = stack.tiers[group.tier];
    const capacity = capacityVector(stack, group.tier, group.pool);
    const members = [...group.copies].sort(byKey((c) => c.id));
    const serving = servingGroupOf(stack, group.tier, capacity);
    const items = new Map(members.map((c) => [c.id, servingItem(c, group.pool, stack, capacity)]));
    const placed = placeGroup(group, members, capacity, lock, items, serving);
    evictions.push(...placed.evictions);
    const memberItems = members.map((c) => items.get(c.id)!);
    const lowerBound = vectorLowerBound(capacity, memberItems.map((i) => i.size));
    const peakReplicasLowerBound = servingLowerBound(memberItems, serving);
    const resources = shardCapacity(group.pool, stack.serverOverhead, tier.headroomPercent);
    let peakReplicas = 0;
    for (const bin of placed.bins) {
      const used = { memory: 0, gpuMemory: 0, cpu: 0 };
      for (const c of bin.copies) for (const d of DIMENSIONS) used[d] += c.resources[d];
      const sorted = bin.copies.sort(byKey((c) => c.id));
      const replicas = shardReplicasIn(stack, sorted, tier, group.pool);
      peakReplicas += replicas.serving.replicas;
      shards.push({
        name: shardName(group.team, group.tier, group.pool.name, bin.index),
        namespace: namespaceOf(group.team),
        team: group.team,
        tier: group.tier,
        pool: group.pool.name,
        capacity: resources,
        used,
        copies: sorted.map(stripSource),
        ...replicas,
        gpusPerReplica: group.pool.gpusPerReplica,
      });
    }
    packingGroups.push({
      team: group.team,
      tier: group.tier,
      pool: group.pool.name,
      copies: members.length,
      shards: placed.bins.length,
      lowerBound,
      peakReplicas,
      peakReplicasLowerBound,
      gpusPerReplica: group.pool.gpusPerReplica,
    });
  }
  // Shards are in (team, tier, pool, index) order: groups sorted by key, bins by index.
  return {
    issues: [],
    plan: {
      shards,
      groups: packingGroups,
      lowerBound: packingGroups.reduce((sum, g) => sum + g.lowerBound, 0),
      gpusAtPeakLowerBound: packingGroups.reduce((sum, g) => sum + g.peakReplicasLowerBound * g.gpusPerReplica, 0),
      evictions: evictions.sort(byKey((e) => e.id)),
    },
  };
}

/** The serving constants of a group's shards. */
export function servingGroupOf(stack: StackConfig, tier: SlaTier, capacity: readonly number[]): ServingGroup {
  const { minReplicas, maxReplicas, targetUtilization } = servingParams(tier, stack);
  return { capacity, minReplicas, maxReplicas, targetUtilization };
}

/** A copy as the group packer sees it: its size vector and its load at every replica count of the tier's range. */
export function servingItem(copy: ModelCopy, pool: PoolSpec, stack: StackConfig, capacity: readonly number[]): ServingItem {
  return { size: itemVector(copy, capacity), loads: copyLoads(copy, pool, stack) };
}

/** The issue for a copy that fits a pool's resources but cannot meet its latency budget there within `maxReplicas`. */
function explainNoService(copy: SourcedCopy, stack: StackConfig, pool: PoolSpec): SpecIssue {
  const tier = stack.tiers[copy.tier];
  const serving = servingCopyIn(copy, pool, stack);
  const overhead = stack.serving.overheadMs;
  const one = serving.curve.latencyMs(1);
  const ms = (x: number) => `${Number(x.toFixed(3))} ms`;
  if (one + overhead > serving.budgetMs) {
    const field = serving.curve.source === 'profile' ? [...copy.pathPrefix, 'profile', pool.name, 1] : [...copy.pathPrefix, 'tier'];
    return {
      file: copy.file,
      path: field,
      message: `${copy.id} cannot meet its ${ms(serving.budgetMs)} p99 budget on ${pool.name} even alone: a batch of 1 takes ${ms(one)}${
        serving.curve.source === 'profile' ? '' : ` (the stack's planning figure for ${pool.kind} pools)`
      }, plus ${ms(overhead)} of per-request overhead (modelfleet:serving.overheadMs), ${ms(one + overhead - serving.budgetMs)} over; use a faster pool, a looser tier, or a faster model`,
    };
  }
  const needed = replicasNeeded([serving], servingParams(copy.tier, stack));
  const per =
    serving.curve.source === 'profile'
      ? `each replica at most ${Math.round(tier.targetUtilization * 100)}% busy with its profile on ${pool.name}`
      : `${tier.autoscaling.replicaThroughputQps[pool.kind]} requests/s per ${pool.kind} replica, the stack's planning figure`;
  return {
    file: copy.file,
    path: [...copy.fieldOf.peakQps],
    message: `${copy.id} needs ${needed === undefined ? 'more than 10000' : needed} replicas at peak on its own (${serving.rate} requests/s, ${per}), above the ${copy.tier} tier's maxReplicas ${tier.maxReplicas}; raise modelfleet:tiers.${copy.tier}.maxReplicas in the stack, lower peakQps, or declare a profile that batches better`,
  };
}

interface Bin {
  readonly index: number;
  readonly copies: SourcedCopy[];
  readonly load: number[];
  /** Summed load per replica count of the tier's range. */
  readonly serving: Float64Array;
  replicas: number;
}

/** Places one group's copies into numbered bins, honouring the lock. Bins come back sorted by index. */
function placeGroup(
  group: { team: string; tier: SlaTier; pool: PoolSpec },
  members: readonly SourcedCopy[],
  capacity: readonly number[],
  lock: PlacementLock | undefined,
  items: ReadonlyMap<string, ServingItem>,
  serving: ServingGroup,
): { bins: Bin[]; evictions: PlanEviction[] } {
  const byId = new Map(members.map((c) => [c.id, c]));
  const bins: Bin[] = [];
  const evictions: PlanEviction[] = [];
  const placed = new Set<string>();
  const empty = (index: number): Bin => ({ index, copies: [], load: capacity.map(() => 0), serving: new Float64Array(serving.maxReplicas - serving.minReplicas + 1), replicas: serving.minReplicas });
  const replicasWith = (bin: Bin, item: ServingItem) => replicasFor(bin.serving.map((x, k) => x + item.loads[k]!), serving);
  const add = (bin: Bin, c: SourcedCopy) => {
    const item = items.get(c.id)!;
    item.size.forEach((x, d) => (bin.load[d]! += x));
    item.loads.forEach((x, k) => (bin.serving[k]! += x));
    bin.replicas = replicasFor(bin.serving, serving) ?? Infinity;
    bin.copies.push(c);
  };

  // 1. Locked shards of this group keep the copies they still hold and can still serve.
  const lockedNames = Object.keys(lock?.shards ?? {})
    .filter((name) => {
      const s = lock!.shards[name]!;
      return s.team === group.team && s.tier === group.tier && s.pool === group.pool.name;
    })
    .sort((a, b) => shardIndex(a)! - shardIndex(b)!);
  for (const name of lockedNames) {
    const kept = lock!.shards[name]!.copies.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
    const bin = empty(shardIndex(name)!);
    // Evict the fewest copies when the shard overflows: keep small copies first, so the copies
    // that leave are the largest ones (by their largest share of any dimension, load at maxReplicas included).
    const share = (c: SourcedCopy) => {
      const item = items.get(c.id)!;
      const load = item.loads[item.loads.length - 1]! / (serving.targetUtilization * serving.maxReplicas);
      return Math.max(load, ...item.size.map((x, d) => (capacity[d]! > 0 ? x / capacity[d]! : 0)));
    };
    const order = [...kept].sort((a, b) => share(a) - share(b) || compareStrings(a.id, b.id));
    for (const c of order) {
      const item = items.get(c.id)!;
      if (!fitsIn(bin.load, item.size, capacity)) {
        evictions.push({ id: c.id, from: name, reason: 'resources' });
        continue;
      }
      if (replicasWith(bin, item) === undefined) {
        evictions.push({ id: c.id, from: name, reason: 'serving' });
        continue;
      }
      add(bin, c);
      placed.add(c.id);
    }
    if (bin.copies.length) bins.push(bin);
  }

  // 2. New and displaced copies: into the existing shard whose peak replicas grow least, then best fit, largest first.
  const pending = members.filter((c) => !placed.has(c.id));
  const norm = (item: readonly number[]) => item.reduce((sum, x, d) => sum + (capacity[d]! > 0 ? x / capacity[d]! : 0), 0);
  const rest: SourcedCopy[] = [];
  if (bins.length) {
    pending.sort((a, b) => norm(items.get(b.id)!.size) - norm(items.get(a.id)!.size) || compareStrings(a.id, b.id));
    for (const c of pending) {
      const item = items.get(c.id)!;
      const alone = replicasFor(item.loads, serving) ?? Infinity;
      let best: Bin | undefined;
      let bestDelta = Infinity;
      let bestSlack = Infinity;
      for (const bin of bins) {
        if (!fitsIn(bin.load, item.size, capacity)) continue;
        const r = replicasWith(bin, item);
        if (r === undefined) continue;
        const delta = r - bin.replicas;
        const slack = norm(capacity.map((cap, d) => cap - bin.load[d]! - item.size[d]!));
        if (delta < bestDelta || (delta === bestDelta && slack < bestSlack)) {
          best = bin;
          bestDelta = delta;
          bestSlack = slack;
        }
      }
      if (!best || bestDelta > alone) {
        rest.push(c);
        continue;
      }
      add(best, c);
    }
  } else {
    rest.push(...pending);
  }

  // 3. What is left is packed into new shards with the group's lowest free indices.
  if (rest.length) {
    rest.sort(byKey((c) => c.id));
    const packing = packServingGroup(rest.map((c) => items.get(c.id)!), serving);
    const taken = new Set(bins.map((b) => b.index));
    const fresh: Bin[] = [];
    for (let next = 1; fresh.length < packing.bins; next++) {
      if (!taken.has(next)) fresh.push(empty(next));
    }
    packing.assignment.forEach((b, i) => add(fresh[b]!, rest[i]!));
    bins.push(...fresh);
  }
  return { bins: bins.sort((a, b) => a.index - b.index), evictions };
}

function stripSource(copy: SourcedCopy) {
  const { fieldOf: _fieldOf, ...rest } = copy;
  return rest;
}

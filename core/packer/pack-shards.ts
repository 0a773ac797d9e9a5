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
import type { ModelCopy, PackingGroup, Shard, ShardPlan } from '../plan/shard-plan.ts';
import { shardReplicasIn } from '../plan/shard-replicas.ts';
import type { ResourceVector, SlaTier } from '../spec/model-spec.ts';
import { formatBytes, formatMillicores, readableBytes } from '../spec/quantity.ts';
import { loadedVersionCount } from '../spec/triton-fields.ts';
import { maxModelsPerShard, shardCapacity, type PoolSpec, type StackConfig } from '../stack/stack-config.ts';
import { vectorLowerBound } from './lower-bound.ts';
import { packVectors } from './pack-vectors.ts';
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
 * Places every copy into a shard. Copies that fit no eligible pool are
 * reported as issues naming their file and field, all at once.
 *
 * With a `lock`, placement is incremental: locked copies stay put; a shard
 * that no longer holds its locked copies (a copy grew, the pool shrank) gives
 * up the fewest copies needed, largest first; then new and displaced copies
 * go into the group's existing shards where they fit (best fit), and the rest
 * are packed into new shards named with the group's lowest free indices.
 * Without a lock every group is packed from scratch.
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
    const fits = (p: PoolSpec) => {
      const cap = capacityVector(stack, copy.tier, p);
      return fitsIn(cap.map(() => 0), itemVector(copy, cap), cap);
    };
    // A locked copy keeps its pool while that pool is still eligible and holds it.
    const locked = lockedShardOf.get(copy.id);
    const lockedShard = locked !== undefined ? lock!.shards[locked] : undefined;
    const lockedPool = lockedShard && lockedShard.tier === copy.tier ? eligible.find((p) => p.name === lockedShard.pool && fits(p)) : undefined;
    const pool = lockedPool ?? eligible.find(fits);
    if (!pool) {
      issues.push(explainNoFit(copy, stack, eligible));
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
  const keys = [...groups.keys()].sort();
  for (const key of keys) {
    const group = groups.get(key)!;
    const tier = stack.tiers[group.tier];
    const capacity = capacityVector(stack, group.tier, group.pool);
    const members = [...group.copies].sort(byKey((c) => c.id));
    const bins = placeGroup(group, members, capacity, lock);
    const lowerBound = vectorLowerBound(capacity, members.map((c) => itemVector(c, capacity)));
    const resources = shardCapacity(group.pool, stack.serverOverhead, tier.headroomPercent);
    for (const bin of bins) {
      const used = { memory: 0, gpuMemory: 0, cpu: 0 };
      for (const c of bin.copies) for (const d of DIMENSIONS) used[d] += c.resources[d];
      shards.push({
        name: shardName(group.team, group.tier, group.pool.name, bin.index),
        namespace: namespaceOf(group.team),
        team: group.team,
        tier: group.tier,
        pool: group.pool.name,
        capacity: resources,
        used,
        copies: bin.copies.sort(byKey((c) => c.id)).map(stripSource),
        ...shardReplicasIn(stack, bin.copies, tier, group.pool),
        gpusPerReplica: group.pool.gpusPerReplica,
      });
    }
    packingGroups.push({ team: group.team, tier: group.tier, pool: group.pool.name, copies: members.length, shards: bins.length, lowerBound });
  }
  // Shards are in (team, tier, pool, index) order: groups sorted by key, bins by index.
  return {
    issues: [],
    plan: { shards, groups: packingGroups, lowerBound: packingGroups.reduce((sum, g) => sum + g.lowerBound, 0) },
  };
}

interface Bin {
  readonly index: number;
  readonly copies: SourcedCopy[];
  readonly load: number[];
}

/** Places one group's copies into numbered bins, honouring the lock. Bins come back sorted by index. */
function placeGroup(
  group: { team: string; tier: SlaTier; pool: PoolSpec },
  members: readonly SourcedCopy[],
  capacity: readonly number[],
  lock: PlacementLock | undefined,
): Bin[] {
  const size = new Map(members.map((c) => [c.id, itemVector(c, capacity)]));
  const byId = new Map(members.map((c) => [c.id, c]));
  const bins: Bin[] = [];
  const placed = new Set<string>();

  // 1. Locked shards of this group keep the copies they still hold.
  const lockedNames = Object.keys(lock?.shards ?? {})
    .filter((name) => {
      const s = lock!.shards[name]!;
      return s.team === group.team && s.tier === group.tier && s.pool === group.pool.name;
    })
    .sort((a, b) => shardIndex(a)! - shardIndex(b)!);
  for (const name of lockedNames) {
    const kept = lock!.shards[name]!.copies.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
    const bin: Bin = { index: shardIndex(name)!, copies: [], load: capacity.map(() => 0) };
    // Evict the fewest copies when the shard overflows: keep small copies first, so the copies
    // that leave are the largest ones (by their largest share of any dimension).
    const share = (c: SourcedCopy) => Math.max(...size.get(c.id)!.map((x, d) => (capacity[d]! > 0 ? x / capacity[d]! : 0)));
    const order = [...kept].sort((a, b) => share(a) - share(b) || compareStrings(a.id, b.id));
    for (const c of order) {
      const item = size.get(c.id)!;
      if (!fitsIn(bin.load, item, capacity)) continue;
      item.forEach((x, d) => (bin.load[d]! += x));
      bin.copies.push(c);
      placed.add(c.id);
    }
    if (bin.copies.length) bins.push(bin);
  }

  // 2. New and displaced copies: best fit into existing shards, largest first.
  const pending = members.filter((c) => !placed.has(c.id));
  const norm = (item: readonly number[]) => item.reduce((sum, x, d) => sum + (capacity[d]! > 0 ? x / capacity[d]! : 0), 0);
  const rest: SourcedCopy[] = [];
  if (bins.length) {
    pending.sort((a, b) => norm(size.get(b.id)!) - norm(size.get(a.id)!) || compareStrings(a.id, b.id));
    for (const c of pending) {
      const item = size.get(c.id)!;
      let best: Bin | undefined;
      let bestSlack = Infinity;
      for (const bin of bins) {
        if (!fitsIn(bin.load, item, capacity)) continue;
        const slack = norm(capacity.map((cap, d) => cap - bin.load[d]! - item[d]!));
        if (slack < bestSlack) {
          best = bin;
          bestSlack = slack;
        }
      }
      if (!best) {
        rest.push(c);
        continue;
      }
      item.forEach((x, d) => (best.load[d]! += x));
      best.copies.push(c);
    }
  } else {
    rest.push(...pending);
  }

  // 3. What is left is packed into new shards with the group's lowest free indices.
  if (rest.length) {
    rest.sort(byKey((c) => c.id));
    const packing = packVectors({ capacity, items: rest.map((c) => size.get(c.id)!) });
    const taken = new Set(bins.map((b) => b.index));
    const fresh: Bin[] = [];
    for (let next = 1; fresh.length < packing.bins; next++) {
      if (!taken.has(next)) fresh.push({ index: next, copies: [], load: capacity.map(() => 0) });
    }
    packing.assignment.forEach((b, i) => fresh[b]!.copies.push(rest[i]!));
    bins.push(...fresh);
  }
  return bins.sort((a, b) => a.index - b.index);
}

function stripSource(copy: SourcedCopy) {
  const { fieldOf: _fieldOf, ...rest } = copy;
  return rest;
}

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
import type { PackingGroup, Shard, ShardPlan } from '../plan/shard-plan.ts';
import type { ResourceVector, SlaTier } from '../spec/model-spec.ts';
import { formatBytes, formatMillicores, readableBytes } from '../spec/quantity.ts';
import { shardCapacity, type PoolSpec, type StackConfig } from '../stack/stack-config.ts';
import { vectorLowerBound } from './lower-bound.ts';
import { packVectors } from './pack-vectors.ts';
import { byKey } from '../util/compare.ts';

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
  if (!worst) {
    // Fits each dimension of some pool, but no single pool in every dimension.
    return {
      file: copy.file,
      path: [...copy.fieldOf.memory],
      message: `${copy.id} (${formatBytes(copy.resources.gpuMemory)} GPU memory, ${formatBytes(copy.resources.memory)} memory, ${formatMillicores(copy.resources.cpu)} CPU) fits no single ${copy.tier} pool in every resource; shrink one of them or add a larger pool`,
    };
  }
  const what = worst.dim === 'gpuMemory' ? 'GPU memory' : worst.dim === 'cpu' ? 'CPU' : 'host memory';
  const node = worst.pool.node[worst.dim];
  const largest = kind === 'GPU' ? `largest GPU pool` : `largest CPU pool`;
  return {
    file: copy.file,
    path: [...copy.fieldOf[worst.dim]],
    message: `${formatAmount(worst.dim, copy.resources[worst.dim])}${copy.tenant ? ` (tenant ${copy.tenant})` : ''} exceeds the ${largest} for ${copy.tier} (${worst.pool.name}: ${formatAmount(worst.dim, node)} ${what}, ${formatAmount(worst.dim, worst.capacity)} after server overhead and ${tier.headroomPercent}% headroom); ${
      worst.dim === 'gpuMemory' ? 'quantize or shard the model' : 'reduce it'
    } or add a larger pool to the stack`,
  };
}

/**
 * Places every copy into a shard. Copies that fit no eligible pool are
 * reported as issues naming their file and field, all at once.
 */
export function packShards(copies: readonly SourcedCopy[], options: PackShardsOptions): PackShardsResult {
  const { stack } = options;
  const namespaceOf = options.namespaceOf ?? ((team: string) => team);
  const poolByName = new Map(stack.pools.map((p) => [p.name, p]));
  const issues: SpecIssue[] = [];
  const groups = new Map<string, { team: string; tier: SlaTier; pool: PoolSpec; copies: SourcedCopy[] }>();

  for (const copy of copies) {
    const tier = stack.tiers[copy.tier];
    const eligible = tier.pools.map((name) => poolByName.get(name)!).filter((p) => p.kind === (copy.gpu ? 'gpu' : 'cpu'));
    const need = toVector(copy.resources);
    const pool = eligible.find((p) => {
      const cap = toVector(shardCapacity(p, stack.serverOverhead, tier.headroomPercent));
      return need.every((x, d) => x <= cap[d]!);
    });
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
    const capacity = shardCapacity(group.pool, stack.serverOverhead, tier.headroomPercent);
    const members = [...group.copies].sort(byKey((c) => c.id));
    const instance = { capacity: toVector(capacity), items: members.map((c) => toVector(c.resources)) };
    const packing = packVectors(instance);
    const lowerBound = vectorLowerBound(instance.capacity, instance.items);
    const bins: SourcedCopy[][] = Array.from({ length: packing.bins }, () => []);
    packing.assignment.forEach((bin, i) => bins[bin]!.push(members[i]!));
    bins.forEach((binCopies, index) => {
      const used = { memory: 0, gpuMemory: 0, cpu: 0 };
      for (const c of binCopies) for (const d of DIMENSIONS) used[d] += c.resources[d];
      shards.push({
        name: shardName(group.team, group.tier, group.pool.name, index + 1),
        namespace: namespaceOf(group.team),
        team: group.team,
        tier: group.tier,
        pool: group.pool.name,
        capacity,
        used,
        copies: binCopies.map(stripSource),
        minReplicas: tier.minReplicas,
        maxReplicas: tier.maxReplicas,
        gpusPerReplica: group.pool.gpusPerReplica,
      });
    });
    packingGroups.push({ team: group.team, tier: group.tier, pool: group.pool.name, copies: members.length, shards: packing.bins, lowerBound });
  }
  // Shards are already in (team, tier, pool, index) order: groups sorted by key, bins in packing order.
  return {
    issues: [],
    plan: { shards, groups: packingGroups, lowerBound: packingGroups.reduce((sum, g) => sum + g.lowerBound, 0) },
  };
}

function stripSource(copy: SourcedCopy) {
  const { fieldOf: _fieldOf, ...rest } = copy;
  return rest;
}

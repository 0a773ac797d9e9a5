/**
 * Rebalancing: move copies toward fewer shards within a move budget.
 *
 * `synth` never moves a locked copy that still fits, so over time a fleet
 * drifts away from the optimum (removed tenants leave holes). `rebalance`
 * is the deliberate, reviewable way back: per (team, tier, pool) group it
 * considers two ways to save shards:
 *
 * - **elimination**: empty the shards with the fewest copies, one at a time,
 *   moving their copies into the group's other shards (best fit) where the
 *   receiving shard can still serve its peak within `maxReplicas` and the
 *   group's summed peak replicas do not grow; each emptied shard saves one
 *   shard for as many moves as it had copies;
 * - **repack**: pack the group from scratch and match the new shards to the
 *   old ones by largest overlap, so only copies whose shard really changes move.
 *
 * Each group takes the option that saves the most shards (then needs the
 * fewest moves); groups are taken in order of shards saved per move while the
 * budget lasts, and a group whose full option does not fit the remaining
 * budget still takes as many elimination steps as fit.
 */
import { capacityVector, packShards, servingGroupOf, servingItem } from '../packer/pack-shards.ts';
import { replicasFor, type ServingGroup, type ServingItem } from '../packer/pack-serving-group.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { compareStrings } from '../util/compare.ts';
import type { SourcedCopy } from './expand-copies.ts';
import { shardIndex, type LockedShard, type PlacementLock } from './lockfile.ts';
import { diffPlacement, type CopyMove } from './placement-diff.ts';

/** Options for `rebalance`. */
export interface RebalanceOptions {
  readonly stack: StackConfig;
  /**
   * Most copies that may move.
   *
   * @default - no limit
   */
  readonly maxMoves?: number;
}

/** What `rebalance` proposes. */
export interface RebalanceResult {
  /** The placement after the moves. */
  readonly lock: PlacementLock;
  /** Every move, sorted by copy id. */
  readonly moves: readonly CopyMove[];
  readonly shardsBefore: number;
  readonly shardsAfter: number;
}

interface GroupShard {
  readonly name: string;
  readonly copies: string[];
  readonly load: number[];
  /** Summed serving load per replica count of the tier's range (`pack-serving-group.ts`). */
  readonly serving: number[];
}

interface Option {
  /** Elimination steps may be taken as a prefix; a repack is all or nothing. */
  readonly kind: 'eliminate' | 'repack';
  /** Shards of the group after each step, with the moves made so far. */
  readonly steps: { readonly shards: GroupShard[]; readonly moves: number }[];
}

/** Sum of a vector's shares of the capacity. */
const share = (v: readonly number[], cap: readonly number[]) => v.reduce((sum, x, d) => sum + (cap[d]! > 0 ? x / cap[d]! : 0), 0);

const fits = (load: readonly number[], item: readonly number[], cap: readonly number[]) => item.every((x, d) => load[d]! + x <= cap[d]!);

function cloneShards(shards: readonly GroupShard[]): GroupShard[] {
  return shards.map((s) => ({ name: s.name, copies: [...s.copies], load: [...s.load], serving: [...s.serving] }));
}

/** Peak replicas of a shard (`Infinity` when it cannot be served within the range). */
const peakOf = (s: GroupShard, group: ServingGroup) => replicasFor(s.serving, group) ?? Infinity;

/** Elimination steps for one group: each step empties one more shard without raising the group's peak replicas. */
function eliminate(shards: readonly GroupShard[], items: Map<string, ServingItem>, cap: readonly number[], group: ServingGroup): Option {
  const size = new Map([...items].map(([id, item]) => [id, [...item.size]]));
  const steps: Option['steps'] = [];
  let current = cloneShards(shards);
  let moves = 0;
  for (;;) {
    const candidates = [...current].sort((a, b) => a.copies.length - b.copies.length || share(a.load, cap) - share(b.load, cap) || compareStrings(a.name, b.name));
    let done = false;
    for (const victim of candidates) {
      const trial = cloneShards(current.filter((s) => s.name !== victim.name));
      const peakBefore = trial.reduce((sum, s) => sum + peakOf(s, group), 0) + peakOf(victim, group);
      const ordered = [...victim.copies].sort((a, b) => share(size.get(b)!, cap) - share(size.get(a)!, cap) || compareStrings(a, b));
      let ok = true;
      for (const id of ordered) {
        const item = size.get(id)!;
        let best: GroupShard | undefined;
        let bestSlack = Infinity;
        const loads = items.get(id)!.loads;
        for (const s of trial) {
          if (!fits(s.load, item, cap)) continue;
          if (replicasFor(s.serving.map((x, k) => x + loads[k]!), group) === undefined) continue;
          const slack = cap.reduce((sum, c, d) => sum + (c > 0 ? (c - s.load[d]! - item[d]!) / c : 0), 0);
          if (slack < bestSlack) {
            best = s;
            bestSlack = slack;
          }
        }
        if (!best) {
          ok = false;
          break;
        }
        best.copies.push(id);
        item.forEach((x, d) => (best.load[d]! += x));
        loads.forEach((x, k) => (best.serving[k]! += x));
      }
      if (!ok || trial.reduce((sum, s) => sum + peakOf(s, group), 0) > peakBefore) continue;
      moves += victim.copies.length;
      current = trial;
      steps.push({ shards: cloneShards(current), moves });
      done = true;
      break;
    }
    if (!done) return { kind: 'eliminate', steps };
  }
}

/** Full repack of one group, renamed to overlap the current shards as much as possible. */
function repack(shards: readonly GroupShard[], fresh: readonly { copies: readonly string[] }[], items: Map<string, ServingItem>, prefix: string): Option {
  const pairs: { old: string; fresh: number; overlap: number }[] = [];
  fresh.forEach((bin, j) => {
    const inBin = new Set(bin.copies);
    for (const s of shards) {
      const overlap = s.copies.filter((id) => inBin.has(id)).length;
      if (overlap > 0) pairs.push({ old: s.name, fresh: j, overlap });
    }
  });
  pairs.sort((a, b) => b.overlap - a.overlap || compareStrings(a.old, b.old) || a.fresh - b.fresh);
  const nameOf = new Map<number, string>();
  const usedOld = new Set<string>();
  for (const p of pairs) {
    if (nameOf.has(p.fresh) || usedOld.has(p.old)) continue;
    nameOf.set(p.fresh, p.old);
    usedOld.add(p.old);
  }
  const taken = new Set([...usedOld].map((n) => shardIndex(n)!));
  let next = 1;
  const result: GroupShard[] = fresh.map((bin, j) => {
    let name = nameOf.get(j);
    if (!name) {
      while (taken.has(next)) next++;
      taken.add(next);
      name = `${prefix}-${next}`;
    }
    const load = items.get(bin.copies[0]!)!.size.map(() => 0);
    const serving = Array.from(items.get(bin.copies[0]!)!.loads, () => 0);
    for (const id of bin.copies) {
      items.get(id)!.size.forEach((x, d) => (load[d]! += x));
      items.get(id)!.loads.forEach((x, k) => (serving[k]! += x));
    }
    return { name, copies: [...bin.copies], load, serving };
  });
  const before = new Map(shards.flatMap((s) => s.copies.map((id) => [id, s.name] as const)));
  const moves = result.reduce((n, s) => n + s.copies.filter((id) => before.get(id) !== s.name).length, 0);
  return { kind: 'repack', steps: [{ shards: result, moves }] };
}

/**
 * Proposes moves that reduce the shard count of `current` (the placement
 * `synth` would produce now) within the move budget.
 */
export function rebalance(copies: readonly SourcedCopy[], current: PlacementLock, options: RebalanceOptions): RebalanceResult {
  const { stack } = options;
  const budget = options.maxMoves ?? Infinity;
  const byId = new Map(copies.map((c) => [c.id, c]));
  const fresh = packShards(copies, { stack }).plan;
  if (!fresh) throw new Error('rebalance: the fleet does not pack; run synth first to see why');

  // Group the current shards by (team, tier, pool).
  const groups = new Map<string, { team: string; tier: LockedShard['tier']; pool: string; shards: [string, LockedShard][] }>();
  for (const [name, shard] of Object.entries(current.shards).sort(([a], [b]) => compareStrings(a, b))) {
    const key = `${shard.team}\u0000${shard.tier}\u0000${shard.pool}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { team: shard.team, tier: shard.tier, pool: shard.pool, shards: [] }));
    g.shards.push([name, shard]);
  }

  interface Choice {
    readonly key: string;
    readonly before: GroupShard[];
    readonly option: Option;
  }
  const choices: Choice[] = [];
  for (const [key, g] of groups) {
    const pool = stack.pools.find((p) => p.name === g.pool);
    if (!pool) continue;
    const cap = capacityVector(stack, g.tier, pool);
    const group = servingGroupOf(stack, g.tier, cap);
    const items = new Map<string, ServingItem>();
    const before: GroupShard[] = g.shards.map(([name, s]) => {
      const load = cap.map(() => 0);
      const serving = new Array<number>(group.maxReplicas - group.minReplicas + 1).fill(0);
      for (const id of s.copies) {
        const item = servingItem(byId.get(id)!, pool, stack, cap);
        items.set(id, item);
        item.size.forEach((x, d) => (load[d]! += x));
        item.loads.forEach((x, k) => (serving[k]! += x));
      }
      return { name, copies: [...s.copies], load, serving };
    });
    const elimination = eliminate(before, items, cap, group);
    const freshBins = fresh.shards.filter((s) => s.team === g.team && s.tier === g.tier && s.pool === g.pool).map((s) => ({ copies: s.copies.map((c) => c.id) }));
    const sameCopies = freshBins.reduce((n, b) => n + b.copies.length, 0) === items.size && freshBins.every((b) => b.copies.every((id) => items.has(id)));
    const repacked: Option = sameCopies && freshBins.length ? repack(before, freshBins, items, `${g.team}-${g.tier}-${g.pool}`) : { kind: 'repack', steps: [] };
    const saved = (o: Option) => (o.steps.length ? before.length - o.steps.at(-1)!.shards.length : 0);
    const cost = (o: Option) => (o.steps.length ? o.steps.at(-1)!.moves : 0);
    const best = saved(repacked) > saved(elimination) || (saved(repacked) === saved(elimination) && saved(repacked) > 0 && cost(repacked) < cost(elimination)) ? repacked : elimination;
    if (saved(best) > 0) choices.push({ key, before, option: best });
  }

  // Spend the budget on the groups that save the most shards per move.
  const efficiency = (c: Choice) => (c.before.length - c.option.steps.at(-1)!.shards.length) / Math.max(1, c.option.steps.at(-1)!.moves);
  choices.sort((a, b) => efficiency(b) - efficiency(a) || compareStrings(a.key, b.key));
  let left = budget;
  const after = new Map<string, GroupShard[]>();
  for (const choice of choices) {
    const last = choice.option.steps.at(-1)!;
    let step = last.moves <= left ? last : undefined;
    // Partial elimination: the longest prefix of steps that fits the budget.
    if (!step && choice.option.kind === 'eliminate') step = [...choice.option.steps].reverse().find((s) => s.moves <= left);
    if (!step) continue;
    left -= step.moves;
    after.set(choice.key, step.shards);
  }

  const shards: Record<string, LockedShard> = {};
  for (const [key, g] of groups) {
    const list = after.get(key) ?? g.shards.map(([name, s]) => ({ name, copies: [...s.copies], load: [], serving: [] }));
    for (const s of list) shards[s.name] = { team: g.team, tier: g.tier, pool: g.pool, copies: [...s.copies].sort(compareStrings) };
  }
  const lock: PlacementLock = { version: current.version, stack: current.stack, shards };
  const diff = diffPlacement(current, lock);
  return { lock, moves: diff.moved, shardsBefore: Object.keys(current.shards).length, shardsAfter: Object.keys(shards).length };
}

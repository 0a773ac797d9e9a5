/**
 * Packs one (team, tier, pool) group of copies into shards for the serving
 * model (`core/serving/serving-model.ts`): every shard fits its resources per
 * replica (memory binds on every replica, since every replica loads every
 * copy) and can serve its copies' peak within `[minReplicas, maxReplicas]`
 * replicas; the objective is the fewest replicas at peak summed over the
 * shards (what a platform pays for: GPUs at peak), then the fewest shards.
 *
 * Each item carries its load at every replica count of the tier's range
 * (`load_i(R)`, replicas of work; `Infinity` where it cannot meet its budget),
 * so a shard's peak replicas are the least `R` with `Σ load_i(R) ≤ ρ·R`.
 *
 * Candidates, all deterministic and counted in operations, never in time:
 * 1. memory first: the vector engine on the resources alone (the packing
 *    modelfleet made before load was modelled), shards that cannot be served
 *    split by greedy re-insertion;
 * 2. per replica count R* of the range: the vector engine's first-fit
 *    decreasing with the load at R* as one more dimension of capacity ρ·R*
 *    (every shard then needs at most R* replicas);
 * 3. cost-greedy: copies heaviest first, each into the shard whose peak
 *    replicas grow least (a new shard when that is cheaper).
 * The best is improved by moving single copies and emptying shards while the
 * total falls. Candidates 2 and 3 run only when the load matters (some copy
 * has load) and candidate 1 is above the lower bound.
 */
import { packVectors } from './pack-vectors.ts';
import { vectorLowerBound } from './lower-bound.ts';
import { loadFits } from '../serving/serving-model.ts';

/** One copy to pack. */
export interface ServingItem {
  /** Resources and slots, in the order of the group's `capacity`. */
  readonly size: readonly number[];
  /** `load(R)` for `R = minReplicas + k`, `k = 0 … maxReplicas − minReplicas`; `Infinity` when infeasible at that `R`. */
  readonly loads: Float64Array;
}

/** The group's shard shape and sizing constants. */
export interface ServingGroup {
  /** What one shard replica holds, per dimension of the items' `size`. */
  readonly capacity: readonly number[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** ρ. */
  readonly targetUtilization: number;
}

/** A packing: the bin of every item, and each bin's peak replicas. */
export interface ServingPacking {
  readonly bins: number;
  readonly assignment: readonly number[];
  readonly replicas: readonly number[];
}

/** Options for `packServingGroup`. */
export interface ServingPackOptions {
  /** Effort passed to the vector engine for the memory-first candidate. @default - the engine's default */
  readonly effort?: number;
}

/** Least replica count whose summed load fits, or `undefined` (none in the range). */
export function replicasFor(loads: ArrayLike<number>, group: ServingGroup): number | undefined {
  for (let k = 0; k < loads.length; k++) {
    const r = group.minReplicas + k;
    if (loadFits(loads[k]!, r, group.targetUtilization)) return r;
  }
  return undefined;
}

/**
 * A proven lower bound on the summed peak replicas of any feasible packing:
 * the largest of (a) `minReplicas` × the resource lower bound on the shard
 * count, (b) `⌈Σ_i load_i(R_i) / ρ⌉` with `R_i` the least replica count copy
 * i can be served at alone, and (c) the most replicas one copy needs alone.
 *
 * (b) holds because a shard of `R` replicas carries at most `ρ·R` of load;
 * a shard that holds copy i has at least `R_i` replicas (adding copies only
 * adds load, so it never makes fewer replicas feasible); and a copy's load
 * only grows with the shard's replicas (a lower rate per replica fills
 * smaller batches), so copy i brings at least `load_i(R_i)` wherever it is.
 */
export function servingLowerBound(items: readonly ServingItem[], group: ServingGroup): number {
  if (items.length === 0) return 0;
  const shards = vectorLowerBound(group.capacity, items.map((i) => i.size));
  let load = 0;
  let alone = group.minReplicas;
  for (const item of items) {
    const own = replicasFor(item.loads, group) ?? group.maxReplicas;
    load += item.loads[own - group.minReplicas]!;
    alone = Math.max(alone, own);
  }
  const byLoad = Math.ceil(load / group.targetUtilization - 1e-6);
  return Math.max(group.minReplicas * shards, byLoad, alone);
}

/** Mutable bins: summed sizes and loads, members, peak replicas. */
class Bins {
  readonly size: Float64Array[] = [];
  readonly loads: Float64Array[] = [];
  readonly members: number[][] = [];
  readonly replicas: number[] = [];
  ops = 0;

  constructor(
    private readonly items: readonly ServingItem[],
    readonly group: ServingGroup,
  ) {}

  get count(): number {
    return this.members.length;
  }

  open(): number {
    this.size.push(new Float64Array(this.group.capacity.length));
    this.loads.push(new Float64Array(this.group.maxReplicas - this.group.minReplicas + 1));
    this.members.push([]);
    this.replicas.push(this.group.minReplicas);
    return this.members.length - 1;
  }

  fits(bin: number, item: number): boolean {
    this.ops++;
    const s = this.size[bin]!;
    const x = this.items[item]!.size;
    for (let d = 0; d < x.length; d++) if (s[d]! + x[d]! > this.group.capacity[d]!) return false;
    return true;
  }

  /** Peak replicas of `bin` with `item` added, or `undefined`. */
  replicasWith(bin: number, item: number): number | undefined {
    const loads = this.loads[bin]!;
    const own = this.items[item]!.loads;
    const { minReplicas, targetUtilization } = this.group;
    for (let k = this.replicas[bin]! - minReplicas; k < loads.length; k++) {
      this.ops++;
      if (loadFits(loads[k]! + own[k]!, minReplicas + k, targetUtilization)) return minReplicas + k;
    }
    return undefined;
  }

  add(bin: number, item: number): void {
    const s = this.size[bin]!;
    const x = this.items[item]!.size;
    for (let d = 0; d < x.length; d++) s[d] = s[d]! + x[d]!;
    const loads = this.loads[bin]!;
    const own = this.items[item]!.loads;
    for (let k = 0; k < loads.length; k++) loads[k] = loads[k]! + own[k]!;
    this.members[bin]!.push(item);
    this.replicas[bin] = replicasFor(loads, this.group) ?? Infinity;
  }

  /** Removes `item` and recomputes the bin's sums from its members (no floating drift). */
  remove(bin: number, item: number): void {
    const members = this.members[bin]!;
    members.splice(members.indexOf(item), 1);
    this.recompute(bin);
  }

  /** Peak replicas of `bin` without `item` (`0` when it would be empty). */
  replicasWithout(bin: number, item: number): number {
    const members = this.members[bin]!;
    if (members.length === 1) return 0;
    const loads = new Float64Array(this.loads[bin]!.length);
    for (const m of members) {
      if (m === item) continue;
      const own = this.items[m]!.loads;
      for (let k = 0; k < loads.length; k++) loads[k] = loads[k]! + own[k]!;
      this.ops += loads.length;
    }
    return replicasFor(loads, this.group) ?? Infinity;
  }

  private recompute(bin: number): void {
    const s = this.size[bin]!.fill(0);
    const loads = this.loads[bin]!.fill(0);
    for (const m of this.members[bin]!) {
      const item = this.items[m]!;
      for (let d = 0; d < s.length; d++) s[d] = s[d]! + item.size[d]!;
      for (let k = 0; k < loads.length; k++) loads[k] = loads[k]! + item.loads[k]!;
    }
    this.replicas[bin] = this.members[bin]!.length ? (replicasFor(loads, this.group) ?? Infinity) : 0;
  }

  /** Remaining resources of `bin` after `item`, summed as shares of capacity (for best fit). */
  slackWith(bin: number, item: number): number {
    const s = this.size[bin]!;
    const x = this.items[item]!.size;
    let slack = 0;
    for (let d = 0; d < x.length; d++) {
      const cap = this.group.capacity[d]!;
      if (cap > 0) slack += (cap - s[d]! - x[d]!) / cap;
    }
    return slack;
  }

  total(): number {
    return this.replicas.reduce((a, b) => a + b, 0);
  }

  packing(n: number): ServingPacking {
    const live = this.members.map((m, b) => ({ m, b })).filter(({ m }) => m.length > 0);
    const assignment = new Array<number>(n).fill(-1);
    live.forEach(({ m }, i) => m.forEach((item) => (assignment[item] = i)));
    return { bins: live.length, assignment, replicas: live.map(({ b }) => this.replicas[b]!) };
  }
}

/** `order` sorted heaviest first: by load at `minReplicas`, then by summed resource share, then by index. */
function heaviestFirst(items: readonly ServingItem[], group: ServingGroup, order: readonly number[]): number[] {
  const share = (i: number) => items[i]!.size.reduce((s, x, d) => s + x / (group.capacity[d]! || 1), 0);
  return [...order].sort((a, b) => items[b]!.loads[0]! - items[a]!.loads[0]! || share(b) - share(a) || a - b);
}

/**
 * Builds bins from an assignment (`-1`: unassigned); bins that cannot be
 * served give up copies (heaviest first), which go, with `rest`, to greedy
 * re-insertion.
 */
function fromAssignment(items: readonly ServingItem[], group: ServingGroup, assignment: readonly number[], bins: number, rest: readonly number[] = []): Bins {
  const state = new Bins(items, group);
  for (let b = 0; b < bins; b++) state.open();
  const evicted: number[] = [];
  const byBin: number[][] = Array.from({ length: bins }, () => []);
  assignment.forEach((b, i) => b >= 0 && byBin[b]!.push(i));
  const heaviness = (i: number) => items[i]!.loads[items[i]!.loads.length - 1]!;
  for (let b = 0; b < bins; b++) {
    // Lightest first, so the copies that leave an overloaded shard are the heaviest.
    const order = byBin[b]!.sort((x, y) => heaviness(x) - heaviness(y) || x - y);
    for (const i of order) {
      if (state.replicasWith(b, i) === undefined) evicted.push(i);
      else state.add(b, i);
    }
  }
  insertGreedy(state, items, group, [...evicted, ...rest]);
  return state;
}

/** Peak replicas of an item alone (`Infinity` when it cannot be served in the range). */
function aloneReplicas(item: ServingItem, group: ServingGroup): number {
  return replicasFor(item.loads, group) ?? Infinity;
}

/**
 * Inserts `order` one by one: into the open bin whose peak replicas grow
 * least (then the tightest fit, then the lowest index), or into a new bin
 * when that grows them less.
 */
function insertGreedy(state: Bins, items: readonly ServingItem[], group: ServingGroup, order: readonly number[]): void {
  for (const i of order) {
    let best = -1;
    let bestDelta = Infinity;
    let bestSlack = Infinity;
    for (let b = 0; b < state.count; b++) {
      if (state.members[b]!.length === 0 || !state.fits(b, i)) continue;
      const r = state.replicasWith(b, i);
      if (r === undefined) continue;
      const delta = r - state.replicas[b]!;
      if (delta > bestDelta) continue;
      const slack = state.slackWith(b, i);
      if (delta < bestDelta || slack < bestSlack) {
        best = b;
        bestDelta = delta;
        bestSlack = slack;
      }
    }
    if (best < 0 || bestDelta > aloneReplicas(items[i]!, group)) best = state.open();
    state.add(best, i);
  }
}

/** The open bin other than `except` whose peak replicas grow least with `item` (the lowest index on a tie); `bin` is -1 when none can take it. */
function cheapestBin(state: Bins, item: number, except: number): { bin: number; delta: number } {
  let bin = -1;
  let delta = Infinity;
  for (let b = 0; b < state.count; b++) {
    if (b === except || state.members[b]!.length === 0 || !state.fits(b, item)) continue;
    const r = state.replicasWith(b, item);
    if (r !== undefined && r - state.replicas[b]! < delta) {
      bin = b;
      delta = r - state.replicas[b]!;
    }
  }
  return { bin, delta };
}

/** Moves single copies between bins, and empties bins, while the summed replicas fall (then the bin count). */
function improve(state: Bins, budget: number): void {
  let improved = true;
  while (improved && state.ops < budget) {
    improved = false;
    // Empty whole bins, smallest total resource share first: every copy to the cheapest other bin.
    const order = [...state.members.keys()].filter((b) => state.members[b]!.length > 0);
    order.sort((a, b) => fill(state, a) - fill(state, b) || a - b);
    for (const a of order) {
      if (state.ops >= budget) return;
      if (state.members[a]!.length === 0) continue;
      const moves: [number, number][] = [];
      const trial = new Map<number, number[]>();
      let cost = 0;
      for (const i of [...state.members[a]!]) {
        const { bin: best, delta: bestDelta } = cheapestBin(state, i, a);
        if (best < 0) break;
        moves.push([i, best]);
        cost += bestDelta;
        state.add(best, i); // tentatively: later copies see the load
        trial.set(best, [...(trial.get(best) ?? []), i]);
      }
      const saved = state.replicas[a]!;
      if (moves.length === state.members[a]!.length && cost <= saved) {
        // Keep: bin `a` empties; the total falls by `saved − cost` (or the bin count by one at equal cost).
        for (const [i] of moves) state.remove(a, i);
        improved = true;
      } else {
        for (const [b, list] of trial) for (const i of list) state.remove(b, i);
      }
    }
    // Single moves that lower a bin's replicas by more than they raise another's.
    for (let a = 0; a < state.count && state.ops < budget; a++) {
      for (const i of [...state.members[a]!]) {
        if (state.members[a]!.length <= 1) break;
        const gain = state.replicas[a]! - state.replicasWithout(a, i);
        if (gain <= 0) continue;
        const { bin: best, delta: bestDelta } = cheapestBin(state, i, a);
        if (best >= 0 && bestDelta < gain) {
          state.remove(a, i);
          state.add(best, i);
          improved = true;
        }
      }
    }
  }
}

/** A bin's resources in use, as summed shares of capacity. */
function fill(state: Bins, bin: number): number {
  const capacity = state.group.capacity;
  return state.size[bin]!.reduce((sum, x, d) => sum + (capacity[d]! > 0 ? x / capacity[d]! : 0), 0);
}

/** Integer load dimension for the vector engine: micro-replicas, rounded so that the engine's fit implies the model's. */
const MICRO = 1e6;

/**
 * Packs a group. Throws when an item cannot be served alone in the tier's
 * range (the caller reports such copies before packing).
 */
export function packServingGroup(items: readonly ServingItem[], group: ServingGroup, options: ServingPackOptions = {}): ServingPacking {
  const n = items.length;
  if (n === 0) return { bins: 0, assignment: [], replicas: [] };
  for (const item of items) if (!Number.isFinite(aloneReplicas(item, group))) throw new Error('packServingGroup: an item cannot be served alone within maxReplicas');
  const sizes = items.map((i) => [...i.size]);
  const memory = packVectors({ capacity: group.capacity, items: sizes }, options.effort !== undefined ? { effort: options.effort } : {});
  const memoryFirst = fromAssignment(items, group, memory.assignment, memory.bins);
  const bound = servingLowerBound(items, group);
  const loaded = items.some((i) => i.loads[i.loads.length - 1]! > 0);
  let best = memoryFirst;
  const better = (a: Bins, b: Bins) => {
    const [ta, tb] = [a.total(), b.total()];
    return ta < tb || (ta === tb && a.packing(n).bins < b.packing(n).bins);
  };
  if (loaded && best.total() > bound) {
    const budget = 2_000_000 + 2_000 * n;
    // 2. One replica count R* for the shards, load as a dimension of capacity ρ·R*: the copies that fit a
    // shard of R* alone are packed so; the others (they need more replicas, or, since fewer replicas fill
    // larger batches, a different count) then go in one by one where they cost least.
    for (let r = group.minReplicas; r <= group.maxReplicas; r++) {
      const k = r - group.minReplicas;
      const cap = Math.floor(group.targetUtilization * r * MICRO);
      const fitting: number[] = [];
      const others: number[] = [];
      items.forEach((item, i) => (Math.ceil(item.loads[k]! * MICRO) <= cap ? fitting : others).push(i));
      if (fitting.length === 0) continue;
      const uniform = packVectors({ capacity: [...group.capacity, cap], items: fitting.map((i) => [...items[i]!.size, Math.ceil(items[i]!.loads[k]! * MICRO)]) }, { effort: 0 });
      const assignment = new Array<number>(n).fill(-1);
      fitting.forEach((i, j) => (assignment[i] = uniform.assignment[j]!));
      const candidate = fromAssignment(items, group, assignment, uniform.bins, heaviestFirst(items, group, others));
      if (better(candidate, best)) best = candidate;
    }
    // 3. Heaviest first into the cheapest shard.
    const greedy = new Bins(items, group);
    insertGreedy(greedy, items, group, heaviestFirst(items, group, [...items.keys()]));
    if (better(greedy, best)) best = greedy;
    if (best.total() > bound) improve(best, best.ops + budget);
  }
  return best.packing(n);
}

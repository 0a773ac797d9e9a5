/**
 * Improvement phase: consistent neighbourhood search on partial packings,
 * after Buljubašić & Vasquez, "Consistent neighborhood search for
 * one-dimensional bin packing and two-dimensional vector packing", Computers &
 * Operations Research 76 (2016).
 *
 * To go from a packing with m bins to one with m − 1, keep the m − 3 fullest
 * bins and put the items of the other three into a pool of unassigned items.
 * The kept bins always stay feasible ("consistent"); the search moves items
 * between one bin and the pool to minimise the weight left in the pool, in
 * two alternating phases:
 *
 * - descent: "pack" a bin — refill it with the heaviest subset of its own and
 *   the pool's items that fits (node-limited depth-first search);
 * - tabu search: the best swap of up to two bin items against up to two pool
 *   items (even a worsening one), among a window of bins, with a short memory
 *   that forbids re-inserting a just-removed item type into the same bin; when
 *   the pool weight has not improved for a while, a random bin is emptied into
 *   the pool (a kick).
 *
 * Whenever the pool fits into two bins (an exact, node-limited split test) a
 * packing with m − 1 bins has been found and the search moves on to m − 2,
 * until the lower bound is reached or the operation budget is spent.
 *
 * Deterministic: ties are broken on canonical item indices, randomness comes
 * from a fixed-seed generator, and the budget counts elementary operations
 * (move evaluations, search nodes), never time.
 */
import { normalizeSolution, type Solution } from './packing-state.ts';
import type { Problem } from './problem.ts';
import { mulberry32 } from './random.ts';
import { splitTwo } from './split-two.ts';

/** Limits of the search. */
export interface CnsOptions {
  /** Stop after about this many elementary operations. */
  readonly budget: number;
  /** Stop as soon as a packing with this many bins is found. */
  readonly lowerBound: number;
}

const EPS = 1e-9;
/** Bins examined per tabu iteration. */
const MOVE_WINDOW = 30;
/** Bins packed per descent round. */
const DESCENT_WINDOW = 64;
/** Node limit of one pack (bin refill) search. */
const PACK_NODES = 500;
/** Tabu iterations without a better pool weight before a kick. */
const STALL = 200;
/**
 * Cost of one move evaluation or search node, in operations: one per
 * dimension checked plus a fixed overhead (calibrated so that an operation
 * takes roughly the same time whatever the number of dimensions).
 */
const OP_OVERHEAD = 8;

/** A swap between bin `bin` and the pool: items out of the bin (or −1), items in from the pool (or −1). */
interface Move {
  bin: number;
  out1: number;
  out2: number;
  in1: number;
  in2: number;
}

/** A partial packing: kept bins (always feasible) and a pool of unassigned items. */
class PartialPacking {
  readonly problem: Problem;
  readonly dims: number;
  /** Items of each kept bin. */
  bins: number[][] = [];
  /** Raw load per kept bin, row-major. */
  load = new Float64Array(0);
  /** Unassigned items, by decreasing weight then canonical index. */
  readonly pool: number[] = [];
  readonly poolLoad: Float64Array;
  poolWeight = 0;
  /** Bin of each item, −1 = pool. */
  readonly binOf: Int32Array;
  /** Tabu memory per item type (identical items are interchangeable): type t may not enter bin removedFrom[t] before iteration removedUntil[t]. */
  private readonly removedFrom: Int32Array;
  private readonly removedUntil: Float64Array;
  /** Item i may not leave its bin before iteration keepUntil[i]. */
  private readonly keepUntil: Float64Array;
  iteration = 0;
  /** Elementary operations spent so far. */
  ops = 0;
  readonly random = mulberry32(0x5eed);
  // Scratch space of `pack`.
  private readonly candidates: Int32Array;
  private readonly suffix: Float64Array;
  private readonly packLoad: Float64Array;
  private readonly chosen: Int32Array;
  private readonly bestChosen: Int32Array;
  private chosenCount = 0;
  private bestCount = 0;
  private bestWeight = 0;
  private nodes = 0;
  private nodeLimit = 0;
  private candidateCount = 0;

  constructor(problem: Problem) {
    this.problem = problem;
    this.dims = problem.dims;
    const n = problem.n;
    this.poolLoad = new Float64Array(problem.dims);
    this.binOf = new Int32Array(n);
    this.removedFrom = new Int32Array(n).fill(-1);
    this.removedUntil = new Float64Array(n);
    this.keepUntil = new Float64Array(n);
    this.candidates = new Int32Array(n);
    this.suffix = new Float64Array(n + 1);
    this.packLoad = new Float64Array(problem.dims);
    this.chosen = new Int32Array(n);
    this.bestChosen = new Int32Array(n);
  }

  /** Starts over with the `keep` fullest bins of `from`; everything else goes to the pool. */
  reset(from: Solution, keep: number): void {
    const { problem, dims } = this;
    const weightOf = new Float64Array(from.bins);
    for (let i = 0; i < problem.n; i++) weightOf[from.binOf[i]!] = weightOf[from.binOf[i]!]! + problem.weight[i]!;
    const ranked = Array.from({ length: from.bins }, (_, b) => b).sort((a, b) => weightOf[b]! - weightOf[a]! || a - b);
    const newIndex = new Int32Array(from.bins).fill(-1);
    for (let r = 0; r < keep && r < ranked.length; r++) newIndex[ranked[r]!] = r;
    this.bins = Array.from({ length: keep }, () => []);
    this.load = new Float64Array(keep * dims);
    this.pool.length = 0;
    this.poolLoad.fill(0);
    this.poolWeight = 0;
    for (let i = 0; i < problem.n; i++) {
      const b = newIndex[from.binOf[i]!]!;
      this.binOf[i] = b;
      if (b >= 0) {
        this.bins[b]!.push(i);
        for (let d = 0; d < dims; d++) this.load[b * dims + d] = this.load[b * dims + d]! + problem.size[i * dims + d]!;
      } else {
        this.pool.push(i);
        for (let d = 0; d < dims; d++) this.poolLoad[d] = this.poolLoad[d]! + problem.size[i * dims + d]!;
        this.poolWeight += problem.weight[i]!;
      }
    }
    const w = problem.weight;
    this.pool.sort((a, b) => w[b]! - w[a]! || a - b);
    this.removedFrom.fill(-1);
    this.removedUntil.fill(0);
    this.keepUntil.fill(0);
  }

  private poolInsert(i: number): void {
    const { dims, problem, pool } = this;
    const w = problem.weight;
    let lo = 0;
    let hi = pool.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const j = pool[mid]!;
      if (w[j]! > w[i]! || (w[j] === w[i] && j < i)) lo = mid + 1;
      else hi = mid;
    }
    pool.splice(lo, 0, i);
    for (let d = 0; d < dims; d++) this.poolLoad[d] = this.poolLoad[d]! + problem.size[i * dims + d]!;
    this.poolWeight += w[i]!;
    this.binOf[i] = -1;
  }

  private poolRemove(i: number): void {
    const { dims, problem, pool } = this;
    pool.splice(pool.indexOf(i), 1);
    for (let d = 0; d < dims; d++) this.poolLoad[d] = this.poolLoad[d]! - problem.size[i * dims + d]!;
    this.poolWeight -= problem.weight[i]!;
  }

  private binAdd(b: number, i: number): void {
    const { dims, problem } = this;
    this.bins[b]!.push(i);
    for (let d = 0; d < dims; d++) this.load[b * dims + d] = this.load[b * dims + d]! + problem.size[i * dims + d]!;
    this.binOf[i] = b;
  }

  private binRemove(b: number, i: number): void {
    const { dims, problem } = this;
    const items = this.bins[b]!;
    items.splice(items.indexOf(i), 1);
    for (let d = 0; d < dims; d++) this.load[b * dims + d] = this.load[b * dims + d]! - problem.size[i * dims + d]!;
  }

  private isTabuFor(j: number, b: number): boolean {
    const t = this.problem.type[j]!;
    return this.removedFrom[t] === b && this.removedUntil[t]! > this.iteration;
  }

  /**
   * The best non-tabu swap of ≤ 2 bin items against 1–2 pool items over a
   * window of bins: most pool weight removed first; on ties, the one that
   * leaves lighter items in the pool (larger Σw² moved into the bin).
   */
  bestMove(): Move | undefined {
    const { problem, dims, pool, iteration } = this;
    const { size, capacity, type, weight } = problem;
    const m = pool.length;
    const k = this.bins.length;
    if (m === 0 || k === 0) return undefined;
    const room = new Float64Array(dims);
    let best: Move | undefined;
    let bestDelta = -Infinity;
    let bestSecond = -Infinity;
    const top2 = weight[pool[0]!]! + (m > 1 ? weight[pool[1]!]! : 0);
    const start = Math.floor(this.random() * k);
    const window = Math.min(k, MOVE_WINDOW);
    let ops = 0;
    for (let bb = 0; bb < window; bb++) {
      const b = (start + bb) % k;
      const items = this.bins[b]!;
      const cnt = items.length;
      // Removal sets R: none (x = −1), {x}, {x, y}.
      for (let x = -1; x < cnt; x++) {
        const ox = x >= 0 ? items[x]! : -1;
        if (ox >= 0 && this.keepUntil[ox]! > iteration) continue;
        for (let y = x; y < cnt; y++) {
          let oy = -1;
          if (y > x) {
            if (x < 0) break;
            oy = items[y]!;
            if (this.keepUntil[oy]! > iteration) continue;
          }
          ops++;
          const wx = ox >= 0 ? weight[ox]! : 0;
          const wy = oy >= 0 ? weight[oy]! : 0;
          const outW = wx + wy;
          if (top2 - outW < bestDelta - EPS) continue;
          const outSq = wx * wx + wy * wy;
          for (let d = 0; d < dims; d++) {
            let r = capacity[d]! - this.load[b * dims + d]!;
            if (ox >= 0) r += size[ox * dims + d]!;
            if (oy >= 0) r += size[oy * dims + d]!;
            room[d] = r;
          }
          // One pool item in: the heaviest that fits.
          for (let p = 0; p < m; p++) {
            const j = pool[p]!;
            const delta = weight[j]! - outW;
            if (delta < bestDelta - EPS) break;
            ops++;
            if (this.isTabuFor(j, b)) continue;
            if (oy < 0 && ox >= 0 && type[ox] === type[j]) continue; // swaps identical items
            let fits = true;
            for (let d = 0; d < dims; d++) {
              if (size[j * dims + d]! > room[d]!) {
                fits = false;
                break;
              }
            }
            if (!fits) continue;
            const second = weight[j]! * weight[j]! - outSq;
            if (delta > bestDelta + EPS || (delta > bestDelta - EPS && second > bestSecond + EPS)) {
              bestDelta = delta;
              bestSecond = second;
              best = { bin: b, out1: ox, out2: oy, in1: j, in2: -1 };
            }
            break;
          }
          // Two pool items in.
          for (let p = 0; p + 1 < m; p++) {
            const j = pool[p]!;
            const wj = weight[j]!;
            if (wj + weight[pool[p + 1]!]! - outW < bestDelta - EPS) break;
            ops++;
            if (this.isTabuFor(j, b)) continue;
            let fits = true;
            for (let d = 0; d < dims; d++) {
              if (size[j * dims + d]! > room[d]!) {
                fits = false;
                break;
              }
            }
            if (!fits) continue;
            for (let q = p + 1; q < m; q++) {
              const l = pool[q]!;
              const delta = wj + weight[l]! - outW;
              if (delta < bestDelta - EPS) break;
              ops++;
              if (this.isTabuFor(l, b)) continue;
              if (oy >= 0 && ((type[ox] === type[j] && type[oy] === type[l]) || (type[ox] === type[l] && type[oy] === type[j]))) continue;
              let ok = true;
              for (let d = 0; d < dims; d++) {
                if (size[j * dims + d]! + size[l * dims + d]! > room[d]!) {
                  ok = false;
                  break;
                }
              }
              if (!ok) continue;
              const second = wj * wj + weight[l]! * weight[l]! - outSq;
              if (delta > bestDelta + EPS || (delta > bestDelta - EPS && second > bestSecond + EPS)) {
                bestDelta = delta;
                bestSecond = second;
                best = { bin: b, out1: ox, out2: oy, in1: j, in2: l };
              }
              break;
            }
          }
        }
      }
    }
    this.ops += ops * (dims + OP_OVERHEAD);
    return best;
  }

  /** Applies a swap; the removed item types may not re-enter that bin for `tenure` iterations. */
  apply(move: Move, tenure: number): void {
    const { type } = this.problem;
    const it = this.iteration;
    for (const o of [move.out1, move.out2]) {
      if (o < 0) continue;
      this.binRemove(move.bin, o);
      this.poolInsert(o);
      this.removedFrom[type[o]!] = move.bin;
      this.removedUntil[type[o]!] = it + tenure;
    }
    for (const i of [move.in1, move.in2]) {
      if (i < 0) continue;
      this.poolRemove(i);
      this.binAdd(move.bin, i);
      this.keepUntil[i] = it + tenure;
    }
  }

  /** Empties bin `b` into the pool. */
  kick(b: number, tenure: number): void {
    const { type } = this.problem;
    for (const i of [...this.bins[b]!]) {
      this.binRemove(b, i);
      this.poolInsert(i);
      this.removedFrom[type[i]!] = b;
      this.removedUntil[type[i]!] = this.iteration + tenure;
    }
    this.ops += 1;
  }

  /**
   * Pack move (general add/drop): refills bin `b` with the heaviest subset of
   * its items and the pool that fits. Applied only when it strictly lowers
   * the pool weight; returns whether it did.
   */
  pack(b: number): boolean {
    const { problem, candidates, pool } = this;
    const weight = problem.weight;
    const current = this.bins[b]!;
    // Merge the bin's items (few, sorted here) into the pool's weight order.
    const mine = [...current].sort((x, y) => weight[y]! - weight[x]! || x - y);
    let currentWeight = 0;
    for (const i of mine) currentWeight += weight[i]!;
    let m = 0;
    for (let p = 0, q = 0; p < mine.length || q < pool.length; ) {
      const a = mine[p];
      const c = pool[q];
      if (c === undefined || (a !== undefined && (weight[a]! > weight[c]! || (weight[a] === weight[c] && a < c)))) {
        candidates[m++] = a!;
        p++;
      } else {
        candidates[m++] = c;
        q++;
      }
    }
    this.candidateCount = m;
    this.suffix[m] = 0;
    for (let k = m - 1; k >= 0; k--) this.suffix[k] = this.suffix[k + 1]! + weight[candidates[k]!]!;
    this.packLoad.fill(0);
    this.chosenCount = 0;
    this.bestCount = -1;
    this.bestWeight = currentWeight + EPS;
    this.nodes = 0;
    this.nodeLimit = PACK_NODES;
    this.packSearch(0, 0);
    this.ops += this.nodes * (this.dims + OP_OVERHEAD) + m;
    if (this.bestCount < 0) return false;
    const keep = new Set(this.bestChosen.subarray(0, this.bestCount));
    for (const i of mine) {
      if (keep.has(i)) continue;
      this.binRemove(b, i);
      this.poolInsert(i);
    }
    for (const i of keep) {
      if (this.binOf[i] === b) continue;
      this.poolRemove(i);
      this.binAdd(b, i);
    }
    return true;
  }

  private packSearch(k: number, w: number): void {
    if (w > this.bestWeight) {
      this.bestWeight = w;
      this.bestCount = this.chosenCount;
      this.bestChosen.set(this.chosen.subarray(0, this.chosenCount));
    }
    if (k === this.candidateCount || this.nodes >= this.nodeLimit || w + this.suffix[k]! <= this.bestWeight) return;
    this.nodes++;
    const { dims, packLoad } = this;
    const { size, capacity, weight } = this.problem;
    const i = this.candidates[k]!;
    let fits = true;
    for (let d = 0; d < dims; d++) {
      if (packLoad[d]! + size[i * dims + d]! > capacity[d]!) {
        fits = false;
        break;
      }
    }
    if (fits) {
      for (let d = 0; d < dims; d++) packLoad[d] = packLoad[d]! + size[i * dims + d]!;
      this.chosen[this.chosenCount++] = i;
      this.packSearch(k + 1, w + weight[i]!);
      this.chosenCount--;
      for (let d = 0; d < dims; d++) packLoad[d] = packLoad[d]! - size[i * dims + d]!;
    }
    this.packSearch(k + 1, w);
  }

  /** If the pool fits into at most two more bins, the complete solution. */
  tryComplete(): Solution | undefined {
    const { problem, dims, pool } = this;
    const cap = problem.capacity;
    let fitsTwo = true;
    let fitsOne = true;
    for (let d = 0; d < dims; d++) {
      const l = this.poolLoad[d]!;
      if (l > 2 * cap[d]!) fitsTwo = false;
      if (l > cap[d]!) fitsOne = false;
    }
    if (!fitsTwo) return undefined;
    const k = this.bins.length;
    if (fitsOne) {
      // Sums are re-checked exactly: poolLoad was maintained incrementally.
      const binOf = this.binOf.slice();
      for (const i of pool) binOf[i] = k;
      return normalizeSolution(binOf);
    }
    const split = splitTwo(problem, pool, 64 + 16 * pool.length);
    this.ops += split.nodes * (dims + OP_OVERHEAD);
    if (!split.first) return undefined;
    const binOf = this.binOf.slice();
    for (const i of pool) binOf[i] = k + 1;
    for (const i of split.first) binOf[i] = k;
    return normalizeSolution(binOf);
  }
}

/**
 * Tries to reduce the bin count of `start` down to `options.lowerBound`,
 * spending about `options.budget` operations at most. Returns the best
 * packing found (never more bins than `start`).
 */
export function improveByCns(problem: Problem, start: Solution, options: CnsOptions): Solution {
  let best = start;
  if (problem.dims === 0 || best.bins <= Math.max(1, options.lowerBound)) return best;
  const state = new PartialPacking(problem);
  while (best.bins > options.lowerBound && state.ops < options.budget) {
    const keep = Math.max(0, best.bins - 3);
    state.reset(best, keep);
    const found = searchTarget(state, keep, options.budget);
    // With three bins or fewer the pool may hold everything: a "completion"
    // then need not be smaller than what we started from.
    if (!found || found.bins >= best.bins) break;
    best = found;
  }
  return best;
}

/** Alternates descent and tabu phases until the pool fits two bins or the budget is spent. */
function searchTarget(state: PartialPacking, keep: number, budget: number): Solution | undefined {
  const immediate = state.tryComplete();
  if (immediate || keep === 0) return immediate;
  const tabuIterations = 20 + Math.min(keep, 100);
  let bestPoolWeight = state.poolWeight;
  let lastImprovement = state.iteration;
  for (;;) {
    // Descent: pack a window of bins, again while that changes something.
    const window = Math.min(keep, DESCENT_WINDOW);
    for (let changed = true; changed; ) {
      changed = false;
      const start = Math.floor(state.random() * keep);
      for (let bb = 0; bb < window; bb++) {
        if (state.ops >= budget) return undefined;
        if (state.pack((start + bb) % keep)) {
          changed = true;
          const found = state.tryComplete();
          if (found) return found;
        }
      }
    }
    // Tabu phase.
    for (let t = 0; t < tabuIterations; t++) {
      if (state.ops >= budget) return undefined;
      const tenure = 3 + Math.floor(state.random() * 8);
      if (state.poolWeight < bestPoolWeight - EPS) {
        bestPoolWeight = state.poolWeight;
        lastImprovement = state.iteration;
      }
      const move = state.iteration - lastImprovement > STALL ? undefined : state.bestMove();
      if (move) {
        state.apply(move, tenure);
      } else {
        state.kick(Math.floor(state.random() * keep), tenure);
        lastImprovement = state.iteration;
        bestPoolWeight = Infinity;
      }
      state.iteration++;
      const found = state.tryComplete();
      if (found) return found;
    }
  }
}

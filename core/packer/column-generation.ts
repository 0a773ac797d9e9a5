/**
 * Column generation for the one-dimensional cutting-stock relaxation
 * (Gilmore–Gomory): min Σ x_p subject to Σ_p a_ip x_p ≥ d_i, x ≥ 0, where a
 * pattern p packs a_ip items of size type i into one bin. The restricted
 * master LP is solved by a revised primal simplex with a dense basis inverse
 * (the number of rows is the number of distinct sizes); new patterns come from
 * a bounded knapsack (depth-first branch and bound with the Dantzig bound) on
 * the duals.
 *
 * Used as a primal heuristic ("diving", `diveCuttingStock`): solve the LP,
 * fix patterns the LP uses at value ≥ 1 (at least the largest one), reduce the
 * demands, solve again, until few items are left; the caller packs those
 * residual items. Everything is counted in operations, never time, and every
 * tie is broken on indices, so the result is deterministic.
 */

/** A pattern: counts per size type, sparse. */
export interface Pattern {
  readonly types: Int32Array;
  readonly counts: Int32Array;
}

const EPS = 1e-9;
/** Pivots between recomputations of the duals from the basis inverse. */
const REFRESH_DUALS = 50;
/** In a dive without integral values, patterns used at least this much are rounded up together. */
const ROUND_UP = 0.75;

/** A cutting-stock instance over size types. */
export interface StockProblem {
  /** Size of each type, decreasing. */
  readonly size: Float64Array;
  /** Capacity of a bin. */
  readonly capacity: number;
}

/** Operation counter shared by the phases. */
export interface OpCounter {
  ops: number;
  readonly budget: number;
}

interface LpResult {
  /** Objective value. */
  value: number;
  /** Patterns with positive value, and their values. */
  patterns: Pattern[];
  x: number[];
  /** True when pricing proved the LP optimal (no improving pattern exists). */
  optimal: boolean;
}

/**
 * Solves the cutting-stock LP for `demand` (0 = type absent), starting from
 * the patterns in `pool` (which grows with generated patterns).
 */
export function solveCuttingStockLp(problem: StockProblem, demand: Int32Array, pool: Pattern[], counter: OpCounter): LpResult | undefined {
  const { size, capacity } = problem;
  const rowsOf: number[] = [];
  const rowOfType = new Int32Array(size.length).fill(-1);
  for (let t = 0; t < size.length; t++) {
    if (demand[t]! > 0) {
      rowOfType[t] = rowsOf.length;
      rowsOf.push(t);
    }
  }
  const m = rowsOf.length;
  if (m === 0) return { value: 0, patterns: [], x: [], optimal: true };
  // Columns of this LP: patterns clipped to the demand, as (row, count) lists.
  const colRows: Int32Array[] = [];
  const colCounts: Float64Array[] = [];
  const colPattern: Pattern[] = [];
  const seen = new Set<string>();
  const addColumn = (p: Pattern): number => {
    const rows: number[] = [];
    const counts: number[] = [];
    for (let k = 0; k < p.types.length; k++) {
      const t = p.types[k]!;
      const r = rowOfType[t]!;
      if (r < 0) continue;
      rows.push(r);
      counts.push(Math.min(p.counts[k]!, demand[t]!));
    }
    if (rows.length === 0) return -1;
    const key = rows.map((r, k) => `${r}:${counts[k]}`).join(',');
    if (seen.has(key)) return -1;
    seen.add(key);
    colRows.push(Int32Array.from(rows));
    colCounts.push(Float64Array.from(counts));
    colPattern.push({ types: Int32Array.from(rows, (r) => rowsOf[r]!), counts: Int32Array.from(counts) });
    return colRows.length - 1;
  };
  // Initial basis: one homogeneous pattern per row.
  const basis = new Int32Array(m);
  const binv = new Float64Array(m * m);
  const xb = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const t = rowsOf[r]!;
    const k = Math.max(1, Math.min(Math.floor(capacity / size[t]! + EPS), demand[t]!));
    const c = addColumn({ types: Int32Array.of(t), counts: Int32Array.of(k) });
    basis[r] = c;
    binv[r * m + r] = 1 / k;
    xb[r] = demand[t]! / k;
  }
  for (const p of pool) addColumn(p);
  const y = new Float64Array(m);
  const u = new Float64Array(m);
  const maxPivots = 50 * m + 1000;
  // Columns: the ones so far plus at most one new pattern per pivot.
  const inBasis = new Uint8Array(colRows.length + maxPivots + 1);
  for (let r = 0; r < m; r++) inBasis[basis[r]!] = 1;
  let optimal = false;
  let bestObj = Infinity;
  let lastGain = 0;
  for (let pivot = 0; pivot < maxPivots; pivot++) {
    if (counter.ops >= counter.budget) return undefined;
    // Duals: y = c_B B⁻¹ (every basic column is a pattern, cost 1, or a
    // surplus, cost 0), from scratch now and then, else updated per pivot.
    if (pivot % REFRESH_DUALS === 0) {
      y.fill(0);
      for (let r = 0; r < m; r++) {
        if (basis[r]! < 0) continue;
        const row = r * m;
        for (let j = 0; j < m; j++) y[j] = y[j]! + binv[row + j]!;
      }
      counter.ops += m * m;
    }
    // Entering column: a surplus with negative dual, else the best pool column, else a new pattern.
    let enter = -1;
    let surplus = -1;
    let bestRc = -1e-9;
    for (let r = 0; r < m; r++) {
      if (y[r]! < bestRc) {
        bestRc = y[r]!;
        surplus = r;
      }
    }
    if (surplus < 0) {
      for (let c = 0; c < colRows.length; c++) {
        if (inBasis[c]) continue;
        const rows = colRows[c]!;
        const counts = colCounts[c]!;
        let v = 1;
        for (let k = 0; k < rows.length; k++) v -= y[rows[k]!]! * counts[k]!;
        if (v < bestRc) {
          bestRc = v;
          enter = c;
        }
      }
      counter.ops += colRows.length * 4;
      if (enter < 0) {
        const p = priceKnapsack(problem, rowsOf, y, demand, counter);
        if (p) {
          enter = addColumn(p);
          if (enter >= 0) {
            pool.push(p);
            const rows = colRows[enter]!;
            const counts = colCounts[enter]!;
            bestRc = 1;
            for (let k = 0; k < rows.length; k++) bestRc -= y[rows[k]!]! * counts[k]!;
            // Early stop: Farley's bound obj / z (z = the best pattern's dual
            // value) already rounds up to the same bin count as the current
            // objective, or the objective has stalled.
            let obj = 0;
            for (let r = 0; r < m; r++) if (basis[r]! >= 0) obj += xb[r]!;
            if (Math.ceil(obj / (1 - bestRc) - 1e-6) >= Math.ceil(obj - 1e-6)) break;
            if (obj < bestObj - 0.01) {
              bestObj = obj;
              lastGain = pivot;
            } else if (pivot - lastGain > 3 * m + 300) break;
          }
        }
        if (enter < 0) {
          optimal = p === undefined;
          break;
        }
      }
    }
    // u = B⁻¹ a_q.
    u.fill(0);
    if (surplus >= 0) {
      for (let i = 0; i < m; i++) u[i] = -binv[i * m + surplus]!;
    } else {
      const rows = colRows[enter]!;
      const counts = colCounts[enter]!;
      for (let k = 0; k < rows.length; k++) {
        const col = rows[k]!;
        const a = counts[k]!;
        for (let i = 0; i < m; i++) u[i] = u[i]! + binv[i * m + col]! * a;
      }
      counter.ops += m * rows.length;
    }
    counter.ops += m * 2;
    // Ratio test (ties: largest pivot element, then lowest row).
    let leave = -1;
    let theta = Infinity;
    let pivotAbs = 0;
    for (let i = 0; i < m; i++) {
      const ui = u[i]!;
      if (ui <= 1e-9) continue;
      const ratio = Math.max(0, xb[i]!) / ui;
      if (ratio < theta - 1e-12 || (ratio <= theta + 1e-12 && ui > pivotAbs)) {
        theta = ratio;
        leave = i;
        pivotAbs = ui;
      }
    }
    if (leave < 0) return undefined; // unbounded: cannot happen for a covering LP
    for (let i = 0; i < m; i++) xb[i] = xb[i]! - theta * u[i]!;
    xb[leave] = theta;
    const old = basis[leave]!;
    if (old >= 0) inBasis[old] = 0;
    basis[leave] = surplus >= 0 ? -1 - surplus : enter;
    if (surplus < 0) inBasis[enter] = 1;
    // B⁻¹ update, and the duals: y' = y + d_q · (new row of B⁻¹).
    const pr = leave * m;
    const piv = u[leave]!;
    for (let j = 0; j < m; j++) binv[pr + j] = binv[pr + j]! / piv;
    for (let j = 0; j < m; j++) y[j] = y[j]! + bestRc * binv[pr + j]!;
    for (let i = 0; i < m; i++) {
      if (i === leave) continue;
      const f = u[i]!;
      if (f === 0) continue;
      const row = i * m;
      for (let j = 0; j < m; j++) binv[row + j] = binv[row + j]! - f * binv[pr + j]!;
    }
    counter.ops += m * m;
  }
  const patterns: Pattern[] = [];
  const x: number[] = [];
  let value = 0;
  for (let r = 0; r < m; r++) {
    const c = basis[r]!;
    if (c < 0 || xb[r]! <= EPS) continue;
    patterns.push(colPattern[c]!);
    x.push(xb[r]!);
    value += xb[r]!;
  }
  return { value, patterns, x, optimal };
}

/** Knapsack node limit per pricing call. */
const KNAPSACK_NODES = 20_000;

/**
 * Best pattern for duals `y` (by row): max Σ y a subject to Σ size·a ≤ C,
 * a ≤ demand. Returns it when its value exceeds 1 (an improving column),
 * undefined when none exists or the search found none.
 */
function priceKnapsack(problem: StockProblem, rowsOf: number[], y: Float64Array, demand: Int32Array, counter: OpCounter): Pattern | undefined {
  const { size, capacity } = problem;
  const cand: number[] = [];
  for (let r = 0; r < rowsOf.length; r++) if (y[r]! > EPS) cand.push(r);
  const dp = priceByDp(problem, rowsOf, cand, y, demand, counter);
  if (dp !== null) return dp;
  cand.sort((a, b) => y[b]! / size[rowsOf[b]!]! - y[a]! / size[rowsOf[a]!]! || a - b);
  const k = cand.length;
  const w = Float64Array.from(cand, (r) => size[rowsOf[r]!]!);
  const v = Float64Array.from(cand, (r) => y[r]!);
  const maxCount = Int32Array.from(cand, (r, i) => Math.min(demand[rowsOf[r]!]!, Math.floor(capacity / w[i]! + EPS)));
  const count = new Int32Array(k);
  const best = new Int32Array(k);
  let bestValue = 1 + 1e-9;
  let found = false;
  let nodes = 0;
  const bound = (from: number, room: number): number => {
    let b = 0;
    for (let i = from; i < k && room > EPS; i++) {
      const take = Math.min(maxCount[i]!, room / w[i]!);
      b += take * v[i]!;
      room -= take * w[i]!;
    }
    return b;
  };
  const dfs = (i: number, room: number, value: number): void => {
    if (++nodes > KNAPSACK_NODES) return;
    counter.ops += 4 + k - i;
    if (value > bestValue) {
      bestValue = value;
      best.set(count);
      found = true;
    }
    if (i >= k) return;
    if (value + bound(i, room) <= bestValue + 1e-12) return;
    const most = Math.min(maxCount[i]!, Math.floor(room / w[i]! + EPS));
    for (let c = most; c >= 0; c--) {
      count[i] = c;
      dfs(i + 1, room - c * w[i]!, value + c * v[i]!);
      if (nodes > KNAPSACK_NODES) break;
    }
    count[i] = 0;
  };
  dfs(0, capacity, 0);
  if (!found) return undefined;
  const types: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < k; i++) {
    if (best[i]! > 0) {
      types.push(rowsOf[cand[i]!]!);
      counts.push(best[i]!);
    }
  }
  // Canonical order: by type.
  const order = types.map((_, i) => i).sort((a, b) => types[a]! - types[b]!);
  return { types: Int32Array.from(order, (i) => types[i]!), counts: Int32Array.from(order, (i) => counts[i]!) };
}

/** Largest DP table (groups × capacity cells) for exact pricing. */
const DP_CELLS = 30_000_000;

/**
 * Exact pricing by dynamic programming over the capacity (integer sizes
 * only): each type's copies are split into binary groups, then a 0/1
 * knapsack. Returns null when the table would be too large.
 */
function priceByDp(problem: StockProblem, rowsOf: number[], cand: number[], y: Float64Array, demand: Int32Array, counter: OpCounter): Pattern | undefined | null {
  const { size, capacity } = problem;
  if (!Number.isSafeInteger(capacity)) return null;
  const gType: number[] = [];
  const gCount: number[] = [];
  for (const r of cand) {
    const t = rowsOf[r]!;
    if (!Number.isSafeInteger(size[t]!)) return null;
    let left = Math.min(demand[t]!, Math.floor(capacity / size[t]!));
    for (let q = 1; left > 0; q *= 2) {
      const take = Math.min(q, left);
      gType.push(r);
      gCount.push(take);
      left -= take;
    }
  }
  const G = gType.length;
  if (G * (capacity + 1) > DP_CELLS) return null;
  const best = new Float64Array(capacity + 1);
  const took = new Uint8Array(G * (capacity + 1));
  for (let g = 0; g < G; g++) {
    const r = gType[g]!;
    const w = size[rowsOf[r]!]! * gCount[g]!;
    const v = y[r]! * gCount[g]!;
    const base = g * (capacity + 1);
    for (let c = capacity; c >= w; c--) {
      const cand2 = best[c - w]! + v;
      if (cand2 > best[c]! + 1e-12) {
        best[c] = cand2;
        took[base + c] = 1;
      }
    }
    counter.ops += 2 * (capacity + 1);
  }
  if (best[capacity]! <= 1 + 1e-9) return undefined;
  const countOf = new Map<number, number>();
  let c = capacity;
  for (let g = G - 1; g >= 0; g--) {
    if (took[g * (capacity + 1) + c]) {
      const r = gType[g]!;
      countOf.set(r, (countOf.get(r) ?? 0) + gCount[g]!);
      c -= size[rowsOf[r]!]! * gCount[g]!;
    }
  }
  const types = [...countOf.keys()].map((r) => rowsOf[r]!).sort((a, b) => a - b);
  const byType = new Map([...countOf].map(([r, n]) => [rowsOf[r]!, n]));
  return { types: Int32Array.from(types), counts: Int32Array.from(types, (t) => byType.get(t)!) };
}

/**
 * Diving: repeatedly solves the LP and fixes the patterns it uses at value
 * ≥ 1 (or else the one with the largest value), until the residual demand's
 * LP value drops to `stopAt` or below or the budget is spent.
 *
 * @returns the fixed patterns (with multiplicity) and the residual demand
 */
export function diveCuttingStock(problem: StockProblem, demand: Int32Array, counter: OpCounter, stopAt = 0, seed: readonly Pattern[] = []): { fixed: Pattern[]; residual: Int32Array } | undefined {
  const residual = Int32Array.from(demand);
  const fixed: Pattern[] = [];
  const pool: Pattern[] = [...seed];
  for (;;) {
    const lp = solveCuttingStockLp(problem, residual, pool, counter);
    if (!lp) break; // out of budget: the caller packs what is left
    if (lp.value <= stopAt + EPS) break;
    let any = false;
    let largest = -1;
    for (let j = 0; j < lp.patterns.length; j++) {
      if (largest < 0 || lp.x[j]! > lp.x[largest]! + 1e-12) largest = j;
    }
    const take = (p: Pattern, times: number) => {
      for (let c = 0; c < times; c++) {
        // Clip to what is still needed.
        const types: number[] = [];
        const counts: number[] = [];
        for (let k = 0; k < p.types.length; k++) {
          const t = p.types[k]!;
          const n = Math.min(p.counts[k]!, residual[t]!);
          if (n > 0) {
            types.push(t);
            counts.push(n);
            residual[t] = residual[t]! - n;
          }
        }
        if (types.length === 0) return;
        fixed.push({ types: Int32Array.from(types), counts: Int32Array.from(counts) });
        any = true;
      }
    };
    for (let j = 0; j < lp.patterns.length; j++) {
      const times = Math.floor(lp.x[j]! + 1e-6);
      if (times > 0) take(lp.patterns[j]!, times);
    }
    if (!any) {
      // All fractional: round up the patterns used at ≥ ROUND_UP, largest first, else the largest one.
      const order = lp.x.map((_, j) => j).filter((j) => lp.x[j]! >= ROUND_UP).sort((a, b) => lp.x[b]! - lp.x[a]! || a - b);
      for (const j of order) take(lp.patterns[j]!, 1);
      if (!any && largest >= 0) take(lp.patterns[largest]!, 1);
    }
    if (!any) break;
  }
  return { fixed, residual };
}

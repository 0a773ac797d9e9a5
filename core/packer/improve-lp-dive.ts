/**
 * One-dimensional improvement guided by the cutting-stock LP: column
 * generation seeded with the patterns (bins) of the best packing so far, then
 * a dive that fixes the patterns the LP uses at integer values until a small
 * residual is left, which consistent neighbourhood search packs. Helps most
 * where local search stalls one bin above the bound on instances with many
 * items of few sizes (cutting-stock-like fleets: many copies of each model).
 */
import { diveCuttingStock, type Pattern, type StockProblem } from './column-generation.ts';
import { firstFitDecreasing } from './construct-ffd.ts';
import { improveByCns } from './improve-cns.ts';
import { normalizeSolution, type Solution } from './packing-state.ts';
import { canonicalProblem, type Problem } from './problem.ts';

/** Limits of the LP-guided improvement. */
export interface LpDiveOptions {
  readonly lowerBound: number;
  /** Operation budget (LP, pricing and the residual search together). */
  readonly budget: number;
  /** Stop diving when the residual LP value is at most this many bins. */
  readonly residualBins?: number;
}

/** Returns a packing with fewer bins than `start`, or `start`. */
export function improveByLpDive(problem: Problem, start: Solution, options: LpDiveOptions): Solution {
  if (problem.dims !== 1 || start.bins <= options.lowerBound) return start;
  const { n, type, size } = problem;
  const types = n ? type[n - 1]! + 1 : 0;
  const typeSize = new Float64Array(types);
  const demand = new Int32Array(types);
  const itemsOfType: number[][] = Array.from({ length: types }, () => []);
  for (let i = 0; i < n; i++) {
    typeSize[type[i]!] = size[i]!;
    demand[type[i]!]!++;
    itemsOfType[type[i]!]!.push(i);
  }
  const stock: StockProblem = { size: typeSize, capacity: problem.capacity[0]! };
  // Seed: the patterns of the start packing.
  const byBin: Map<number, number>[] = Array.from({ length: start.bins }, () => new Map());
  for (let i = 0; i < n; i++) {
    const m = byBin[start.binOf[i]!]!;
    m.set(type[i]!, (m.get(type[i]!) ?? 0) + 1);
  }
  const pool: Pattern[] = byBin.map((m) => {
    const ts = [...m.keys()].sort((a, b) => a - b);
    return { types: Int32Array.from(ts), counts: Int32Array.from(ts, (t) => m.get(t)!) };
  });
  const counter = { ops: 0, budget: options.budget * 0.7 };
  const dive = diveCuttingStock(stock, demand, counter, options.residualBins ?? 12, pool);
  if (!dive) return start;
  if (dive.fixed.length >= start.bins) return start;
  // Fixed bins get concrete items; the rest is packed by local search.
  const binOf = new Int32Array(n).fill(-1);
  const next = new Int32Array(types);
  dive.fixed.forEach((p, b) => {
    for (let k = 0; k < p.types.length; k++) {
      const t = p.types[k]!;
      for (let c = 0; c < p.counts[k]!; c++) binOf[itemsOfType[t]![next[t]!++]!] = b;
    }
  });
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (binOf[i]! < 0) rest.push(i);
  const fixedBins = dive.fixed.length;
  if (rest.length) {
    const sub = canonicalProblem([stock.capacity], rest.map((i) => [size[i]!]));
    let subSolution = firstFitDecreasing(sub, 'max');
    const target = Math.max(1, options.lowerBound - fixedBins);
    subSolution = improveByCns(sub, subSolution, { lowerBound: target, budget: Math.max(0, options.budget - counter.ops) });
    for (let k = 0; k < sub.n; k++) binOf[rest[sub.original[k]!]!] = fixedBins + subSolution.binOf[k]!;
  }
  const result = normalizeSolution(binOf);
  return result.bins < start.bins ? result : start;
}

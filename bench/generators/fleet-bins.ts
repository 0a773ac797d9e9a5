/**
 * Fleet-shaped perfect packings: many copies of few distinct model vectors,
 * every bin filled exactly in one chosen dimension.
 */
import { randomInt } from './draws.ts';

/**
 * How a model's size in one dimension is drawn.
 *
 * - `{ fixed }`: always that value (a slot count of 1, no GPU memory on a CPU pool);
 * - `{ between, step }`: a uniform multiple of `step` in the range;
 * - `{ ratioOf, ratio, step }`: the size in dimension `ratioOf` times a
 *   uniform factor in `ratio`, rounded to a multiple of `step` (at least
 *   `step`); `ratioOf` is the binding dimension or a lower index.
 */
export type DimensionRule =
  | { readonly fixed: number }
  | { readonly between: readonly [number, number]; readonly step: number }
  | { readonly ratioOf: number; readonly ratio: readonly [number, number]; readonly step: number };

/** Options for `fleetBins`. */
export interface FleetBinsOptions {
  /** Capacity per dimension. */
  readonly capacity: readonly number[];
  /** The dimension every bin fills exactly. */
  readonly binding: number;
  /** Number of bins (the optimum). */
  readonly bins: number;
  /** Distinct models drawn up front. */
  readonly models: number;
  /**
   * Extra models the generator may add to close a bin exactly (a model whose
   * binding size is the gap left), when no existing model fits the gap.
   */
  readonly closers: number;
  /** Smallest and largest binding size of such a closing model. */
  readonly closerRange: readonly [number, number];
  /** Fewest and most copies per bin, closing copy included; each bin draws its count uniformly. */
  readonly copiesPerBin: readonly [number, number];
  /** How each dimension of a model is drawn, one rule per dimension. */
  readonly rules: readonly DimensionRule[];
}

function draw(random: () => number, rule: DimensionRule, model: readonly number[]): number {
  if ('fixed' in rule) return rule.fixed;
  if ('between' in rule) return rule.step * randomInt(random, Math.ceil(rule.between[0] / rule.step), Math.floor(rule.between[1] / rule.step));
  const factor = rule.ratio[0] + random() * (rule.ratio[1] - rule.ratio[0]);
  return rule.step * Math.max(1, Math.round((factor * model[rule.ratioOf]!) / rule.step));
}

/** A model vector by the rules, with the binding size given or drawn by its rule. */
function drawModel(random: () => number, options: FleetBinsOptions, bindingSize?: number): number[] {
  const model = options.capacity.map(() => 0);
  model[options.binding] = bindingSize ?? draw(random, options.rules[options.binding]!, model);
  for (let d = 0; d < model.length; d++) if (d !== options.binding) model[d] = draw(random, options.rules[d]!, model);
  return model;
}

const MAX_ATTEMPTS = 1_000_000;

/**
 * `bins` bins of model copies, every bin filled exactly to the capacity in
 * dimension `binding` and within capacity in the others.
 *
 * First `models` distinct model vectors are drawn by the rules, each with a
 * popularity weight uniform in 1 … 8 (some models have many tenants, some
 * few). Each bin then draws its copy count k, k − 1 copies by popularity
 * (redrawn when one does not fit), and closes with a copy whose binding size
 * is exactly the gap left: an existing model when one has that size and fits,
 * otherwise a new closing model (at most `closers` of them, binding size in
 * `closerRange`); failing both, the bin is drawn again.
 *
 * @throws Error when a bin cannot be closed in a million attempts (the rules do not suit the capacity)
 */
export function fleetBins(random: () => number, options: FleetBinsOptions): number[][][] {
  const { capacity, binding } = options;
  const pool: { vector: number[]; weight: number }[] = [];
  const key = (v: readonly number[]) => v.join(',');
  const known = new Set<string>();
  const add = (vector: number[]) => {
    known.add(key(vector));
    pool.push({ vector, weight: randomInt(random, 1, 8) });
  };
  for (let tries = 0; pool.length < options.models; tries++) {
    if (tries > 100 * options.models) throw new Error(`cannot draw ${options.models} distinct models from the rules`);
    const model = drawModel(random, options);
    if (!known.has(key(model)) && model.every((s, d) => s <= capacity[d]!)) add(model);
  }
  let closersAdded = 0;
  const pick = () => {
    const total = pool.reduce((a, m) => a + m.weight, 0);
    let r = random() * total;
    for (const m of pool) if ((r -= m.weight) < 0) return m.vector;
    return pool[pool.length - 1]!.vector;
  };
  const fits = (load: readonly number[], v: readonly number[]) => v.every((s, d) => load[d]! + s <= capacity[d]!);
  const out: number[][][] = [];
  for (let b = 0; b < options.bins; b++) {
    let bin: number[][] | undefined;
    for (let attempt = 0; !bin; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`cannot close bin ${b} exactly in dimension ${binding}; loosen the rules`);
      const k = randomInt(random, options.copiesPerBin[0], options.copiesPerBin[1]);
      const load = capacity.map(() => 0);
      const copies: number[][] = [];
      for (let j = 0; j < k - 1; j++) {
        let copy: number[] | undefined;
        for (let t = 0; t < 20 && !copy; t++) {
          const v = pick();
          if (fits(load, v) && load[binding]! + v[binding]! < capacity[binding]!) copy = v;
        }
        if (!copy) break;
        copies.push(copy);
        copy.forEach((s, d) => (load[d]! += s));
      }
      if (copies.length !== k - 1) continue;
      const gap = capacity[binding]! - load[binding]!;
      const closing = pool.filter((m) => m.vector[binding] === gap && fits(load, m.vector));
      if (closing.length > 0) {
        bin = [...copies, closing[Math.floor(random() * closing.length)]!.vector];
      } else if (closersAdded < options.closers && gap >= options.closerRange[0] && gap <= options.closerRange[1]) {
        for (let t = 0; t < 20 && !bin; t++) {
          const model = drawModel(random, options, gap);
          if (fits(load, model) && !known.has(key(model))) {
            add(model);
            closersAdded++;
            bin = [...copies, model];
          }
        }
      }
    }
    out.push(bin);
  }
  return out;
}

/**
 * The reference first-fit-decreasing the benchmark compares against: the
 * packer's original v1 algorithm (items by largest normalised dimension, then
 * by the sum of normalised dimensions, each into the first bin with room in
 * every dimension; ties broken on the item vectors, larger first, so the bin
 * count does not depend on the input order), kept here independently of the
 * engine so that "never worse than FFD" is measured against a fixed yardstick.
 */

/** Number of bins vector FFD uses on the instance. */
export function ffdBins(capacity: readonly number[], items: readonly (readonly number[])[]): number {
  const dims = capacity.length;
  const key = items.map((item) => {
    let max = 0;
    let sum = 0;
    for (let d = 0; d < dims; d++) {
      const c = capacity[d]!;
      const x = c > 0 ? item[d]! / c : 0;
      if (x > max) max = x;
      sum += x;
    }
    return { max, sum };
  });
  const order = items.map((_, i) => i);
  const byVector = (a: number, b: number) => {
    const x = items[a]!;
    const y = items[b]!;
    for (let d = 0; d < dims; d++) if (x[d] !== y[d]) return y[d]! - x[d]!;
    return 0;
  };
  order.sort((a, b) => key[b]!.max - key[a]!.max || key[b]!.sum - key[a]!.sum || byVector(a, b) || a - b);
  const loads: number[][] = [];
  for (const i of order) {
    const item = items[i]!;
    let target = loads.findIndex((load) => load.every((l, d) => l + item[d]! <= capacity[d]!));
    if (target === -1) {
      target = loads.length;
      loads.push(capacity.map(() => 0));
    }
    const load = loads[target]!;
    for (let d = 0; d < dims; d++) load[d]! += item[d]!;
  }
  return loads.length;
}

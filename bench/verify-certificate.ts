/**
 * Independent proof of a generated instance's optimum.
 */
import type { BenchmarkInstance } from './benchmark-instance.ts';
import { verifyPacking } from './verify-packing.ts';

/**
 * Dimensions in which the items' total is exactly `bins` × capacity: in each
 * of them the continuous (L1) lower bound ⌈Σs / c⌉ is `bins`, so no packing
 * uses fewer bins.
 */
export function fullDimensions(capacity: readonly number[], items: readonly (readonly number[])[], bins: number): number[] {
  const full: number[] = [];
  for (let d = 0; d < capacity.length; d++) {
    if (capacity[d]! <= 0) continue;
    let total = 0;
    for (const item of items) total += item[d]!;
    if (total === bins * capacity[d]!) full.push(d);
  }
  return full;
}

/**
 * Checks that a generated instance proves its own optimum: its
 * `certificate` is a feasible packing (every item exactly once, no bin over
 * capacity) into exactly `optimum` bins, and in some dimension the items'
 * total is exactly `optimum` × capacity, so the L1 lower bound equals the
 * certificate's bin count. Also checks the bookkeeping fields (`proven`,
 * `lower_bound`, `dims`, `n_items`) agree.
 *
 * @returns a reason when the instance does not prove its optimum, `undefined` when it does
 */
export function verifyCertificate(instance: BenchmarkInstance): string | undefined {
  const { capacity, items, optimum, certificate } = instance;
  if (!certificate) return 'no certificate';
  if (!instance.proven) return 'not marked proven';
  if (instance.dims !== capacity.length) return `dims is ${instance.dims}, the capacity has ${capacity.length} entries`;
  if (instance.n_items !== items.length) return `n_items is ${instance.n_items}, there are ${items.length} items`;
  if (instance.lower_bound !== optimum) return `lower_bound ${instance.lower_bound} differs from optimum ${optimum}`;
  for (const item of items) if (item.some((s) => !Number.isInteger(s) || s < 0)) return `item sizes must be non-negative integers, got [${item.join(', ')}]`;
  const infeasible = verifyPacking(capacity, items, optimum, certificate);
  if (infeasible) return `certificate: ${infeasible}`;
  if (fullDimensions(capacity, items, optimum).length === 0) return `no dimension has a total of exactly ${optimum} × capacity, so the L1 bound does not prove the optimum`;
  return undefined;
}

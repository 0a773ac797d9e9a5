/**
 * Reads a directory of benchmark instances (the shipped `bench/instances/`
 * or an external BPPLIB-style set).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkInstance } from './benchmark-instance.ts';

/** Every `.json` file under `dir`, recursively, in sorted path order. */
export function listInstanceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listInstanceFiles(path));
    else if (entry.endsWith('.json') && entry !== 'optima.json') out.push(path);
  }
  return out;
}

/**
 * Parses every instance under `dir` (skipping an `optima.json` index), in
 * sorted path order.
 *
 * @throws Error naming the file when one is not an instance (no `capacity` or `items`)
 */
export function readInstances(dir: string): BenchmarkInstance[] {
  return listInstanceFiles(dir).map((file) => {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as BenchmarkInstance;
    if (!Array.isArray(raw.capacity) || !Array.isArray(raw.items)) throw new Error(`${file}: not a benchmark instance (no "capacity" or "items")`);
    return {
      ...raw,
      class: raw.class ?? 'unclassified',
      dims: raw.dims ?? raw.capacity.length,
      n_items: raw.n_items ?? raw.items.length,
      proven: raw.proven ?? false,
    };
  });
}

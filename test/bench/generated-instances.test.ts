/**
 * The shipped packing-benchmark set (`bench/instances/`): the committed
 * files are exactly what the seeded generator produces, and every instance
 * proves its own optimum with its certificate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeInstance, type BenchmarkInstance } from '../../bench/benchmark-instance.ts';
import { generateInstance, generatedSetSpecs, instancePath } from '../../bench/generated-set.ts';
import { quickSubset } from '../../bench/quick-subset.ts';
import { listInstanceFiles, readInstances } from '../../bench/read-instances.ts';
import { fullDimensions, verifyCertificate } from '../../bench/verify-certificate.ts';

const INSTANCES_DIR = fileURLToPath(new URL('../../bench/instances/', import.meta.url));

let generated: BenchmarkInstance[];
let committed: BenchmarkInstance[];
beforeAll(() => {
  generated = generatedSetSpecs().map(generateInstance);
  committed = readInstances(INSTANCES_DIR);
});

describe('bench/instances', () => {
  it('holds exactly the files the generator writes, byte for byte (run npm run gen:bench-instances after changing a generator)', () => {
    const expected = new Map(generated.map((i) => [instancePath(i), serializeInstance(i)]));
    const onDisk = listInstanceFiles(INSTANCES_DIR).map((file) => relative(INSTANCES_DIR, file).split('\\').join('/'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    const differing = [...expected].filter(([path, text]) => readFileSync(join(INSTANCES_DIR, path), 'utf8') !== text).map(([path]) => path);
    expect(differing).toEqual([]);
  });

  it('is deterministic: generating twice gives the same text', () => {
    const again = generatedSetSpecs().map((spec) => serializeInstance(generateInstance(spec)));
    expect(again).toEqual(generated.map(serializeInstance));
  });

  it('has one seed per instance and covers every class with several sizes', () => {
    const specs = generatedSetSpecs();
    expect(new Set(specs.map((s) => s.seed)).size).toBe(specs.length);
    const classes = new Map<string, Set<number>>();
    for (const i of committed) classes.set(i.class, (classes.get(i.class) ?? new Set()).add(i.n_items));
    expect([...classes.keys()].sort()).toEqual(['fleet_1d', 'fleet_3d', 'perfect_1d_ai', 'perfect_1d_cut', 'shard_4d', 'triplets_1d', 'triplets_vec']);
    for (const sizes of classes.values()) expect(sizes.size).toBeGreaterThan(1);
  });

  it('every certificate is a feasible packing into exactly `optimum` bins and the L1 bound proves it', () => {
    const problems = committed.flatMap((i) => {
      const problem = verifyCertificate(i);
      return problem ? [`${i.name}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
    for (const i of committed) {
      // L1 recomputed here: the largest ⌈Σs/c⌉ over the dimensions equals the optimum.
      const l1 = Math.max(...i.capacity.map((c, d) => (c > 0 ? Math.ceil(i.items.reduce((a, item) => a + item[d]!, 0) / c) : 0)));
      expect(l1, i.name).toBe(i.optimum);
      expect(i.source, i.name).toMatch(/^generated: bench\/generators\/[a-z-]+\.ts seed \d+$/);
    }
  });

  it('lists the items shuffled, not bin by bin', () => {
    for (const i of committed) {
      const binByBin = i.certificate!.every((b, k, all) => k === 0 || all[k - 1]! <= b);
      expect(binByBin, i.name).toBe(false);
    }
  });

  it('shard-shaped instances are full in one dimension of a modelfleet shard', () => {
    for (const i of committed.filter((x) => x.class === 'shard_4d')) {
      expect(i.dims).toBe(4);
      expect(i.items.every((item) => item[3] === 1)).toBe(true);
      expect(fullDimensions(i.capacity, i.items, i.optimum).length).toBeGreaterThan(0);
    }
  });
});

describe('verifyCertificate', () => {
  const base = (): BenchmarkInstance => generated.find((i) => i.class === 'triplets_1d')!;

  it('rejects a certificate that overfills a bin', () => {
    const i = base();
    const certificate = [...i.certificate!];
    const other = certificate.findIndex((b) => b !== certificate[0]);
    certificate[other] = certificate[0]!;
    expect(verifyCertificate({ ...i, certificate })).toMatch(/certificate: (bin \d+ exceeds capacity|bin \d+ is empty)/);
  });

  it('rejects an optimum the L1 bound does not prove', () => {
    const i = base();
    const items = i.items.map((item, k) => (k === 0 ? [item[0]! - 1] : item));
    expect(verifyCertificate({ ...i, items })).toMatch(/L1 bound does not prove the optimum/);
  });

  it('rejects a certificate with fewer or more bins than the optimum', () => {
    const i = base();
    expect(verifyCertificate({ ...i, optimum: i.optimum + 1, lower_bound: i.optimum + 1 })).toMatch(/is empty/);
  });
});

describe('quickSubset', () => {
  it('keeps every class, at most three instances each, from the smaller half', () => {
    const quick = quickSubset(committed);
    const classes = new Set(committed.map((i) => i.class));
    expect(new Set(quick.map((i) => i.class))).toEqual(classes);
    for (const c of classes) {
      const members = committed.filter((i) => i.class === c).map((i) => i.n_items).sort((a, b) => a - b);
      const median = members[Math.ceil(members.length / 2) - 1]!;
      const kept = quick.filter((i) => i.class === c);
      expect(kept.length).toBeLessThanOrEqual(3);
      expect(kept.every((i) => i.n_items <= median)).toBe(true);
    }
  });

  it('does not depend on the input order', () => {
    const names = (list: BenchmarkInstance[]) => list.map((i) => i.name).sort();
    expect(names(quickSubset([...committed].reverse()))).toEqual(names(quickSubset(committed)));
  });
});

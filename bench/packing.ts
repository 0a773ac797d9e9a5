/**
 * Packing-quality benchmark: `npm run bench:packing [-- options]`.
 *
 * Packs every instance of the shared bin-packing set (default
 * `../shared/bench/binpacking/instances`, relative to the project root),
 * verifies each packing independently (every item exactly once, every bin
 * re-summed against the capacity), and prints per class: instances, mean
 * bins / optimum-or-best-known, % optimal, worst ratio, mean bins / FFD, how
 * often the engine is worse than FFD (must be 0), and time. Then totals for
 * 1-D and vector instances (proven and unproven optima apart), and a timing
 * section on generated instances.
 *
 * Options: `--dir DIR`, `--filter REGEX` (class or name), `--limit N`,
 * `--effort X` (passed to the engine), `--no-timing`, `--timing-only`,
 * `--verbose` (one line per instance).
 *
 * Prints figures only: nothing here passes or fails.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { vectorLowerBound } from '../core/packer/lower-bound.ts';
import { packVectors, type PackOptions } from '../core/packer/pack-vectors.ts';
import { ffdBins } from './ffd-baseline.ts';
import { randomInstance } from './random-instance.ts';

interface Instance {
  name: string;
  class: string;
  dims: number;
  capacity: number[];
  items: number[][];
  optimum: number;
  proven: boolean;
}

interface Result {
  name: string;
  class: string;
  dims: number;
  n: number;
  proven: boolean;
  optimum: number;
  bins: number;
  ffd: number;
  ms: number;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: string[]) {
  const args = { dir: resolve(root, '../shared/bench/binpacking/instances'), filter: undefined as RegExp | undefined, limit: Infinity, effort: undefined as number | undefined, timing: true, instances: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--dir') args.dir = resolve(process.cwd(), value());
    else if (a === '--filter') args.filter = new RegExp(value());
    else if (a === '--limit') args.limit = Number(value());
    else if (a === '--effort') args.effort = Number(value());
    else if (a === '--no-timing') args.timing = false;
    else if (a === '--timing-only') args.instances = false;
    else if (a === '--verbose') args.verbose = true;
    else if (a === '--') continue;
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else if (entry.endsWith('.json')) out.push(path);
  }
  return out;
}

/** Independent feasibility check; returns a reason when the packing is invalid. */
function verify(capacity: readonly number[], items: readonly (readonly number[])[], bins: number, assignment: readonly number[]): string | undefined {
  if (assignment.length !== items.length) return `assignment has ${assignment.length} entries for ${items.length} items`;
  const loads = Array.from({ length: bins }, () => capacity.map(() => 0));
  const used = new Array<boolean>(bins).fill(false);
  for (let i = 0; i < items.length; i++) {
    const b = assignment[i]!;
    if (!Number.isInteger(b) || b < 0 || b >= bins) return `item ${i} in bin ${b} of ${bins}`;
    used[b] = true;
    items[i]!.forEach((s, d) => (loads[b]![d]! += s));
  }
  for (let b = 0; b < bins; b++) {
    if (!used[b]) return `bin ${b} is empty`;
    for (let d = 0; d < capacity.length; d++) if (loads[b]![d]! > capacity[d]!) return `bin ${b} exceeds capacity in dimension ${d}: ${loads[b]![d]} > ${capacity[d]}`;
  }
  return undefined;
}

const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pad = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
const padEnd = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

function summarize(label: string, rs: readonly Result[]): string {
  const n = rs.length;
  if (n === 0) return `${padEnd(label, 20)} ${pad('0', 5)}`;
  const ratios = rs.map((r) => r.bins / r.optimum);
  const mean = ratios.reduce((a, b) => a + b, 0) / n;
  const optimal = rs.filter((r) => r.bins <= r.optimum).length;
  const better = rs.filter((r) => r.bins < r.optimum).length;
  const worst = Math.max(...ratios);
  const vsFfd = rs.reduce((a, r) => a + r.bins / r.ffd, 0) / n;
  const worse = rs.filter((r) => r.bins > r.ffd).length;
  const ffdRatio = rs.reduce((a, r) => a + r.ffd / r.optimum, 0) / n;
  const ms = rs.reduce((a, r) => a + r.ms, 0) / n;
  const maxMs = Math.max(...rs.map((r) => r.ms));
  const excess = rs.reduce((a, r) => a + (r.bins - r.optimum), 0);
  return [
    padEnd(label, 20),
    pad(String(n), 5),
    pad(fmt(mean), 9),
    pad(`${((100 * optimal) / n).toFixed(1)}%`, 7),
    pad(fmt(worst), 7),
    pad(String(excess), 6),
    pad(fmt(ffdRatio), 9),
    pad(fmt(vsFfd), 8),
    pad(String(worse), 6),
    pad(better ? String(better) : '', 5),
    pad(ms.toFixed(1), 8),
    pad(maxMs.toFixed(0), 7),
  ].join(' ');
}

const header = [
  padEnd('class', 20),
  pad('inst', 5),
  pad('bins/opt', 9),
  pad('%opt', 7),
  pad('worst', 7),
  pad('+bins', 6),
  pad('ffd/opt', 9),
  pad('vs FFD', 8),
  pad('>FFD', 6),
  pad('<opt', 5),
  pad('mean ms', 8),
  pad('max ms', 7),
].join(' ');

function runInstances(args: ReturnType<typeof parseArgs>, options: PackOptions): void {
  const files = listFiles(args.dir);
  const results: Result[] = [];
  let failures = 0;
  const started = performance.now();
  for (const file of files) {
    if (results.length >= args.limit) break;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Instance;
    if (args.filter && !args.filter.test(raw.class) && !args.filter.test(raw.name)) continue;
    const t0 = performance.now();
    const packing = packVectors({ capacity: raw.capacity, items: raw.items }, options);
    const ms = performance.now() - t0;
    const problem = verify(raw.capacity, raw.items, packing.bins, packing.assignment);
    if (problem) {
      failures++;
      console.log(`INFEASIBLE ${raw.name}: ${problem}`);
      continue;
    }
    const r: Result = { name: raw.name, class: raw.class, dims: raw.dims, n: raw.items.length, proven: raw.proven, optimum: raw.optimum, bins: packing.bins, ffd: ffdBins(raw.capacity, raw.items), ms };
    results.push(r);
    if (args.verbose) {
      const lb = vectorLowerBound(raw.capacity, raw.items);
      console.log(`${padEnd(r.class, 16)} ${padEnd(r.name, 28)} d=${r.dims} n=${pad(String(r.n), 5)} opt=${pad(String(r.optimum), 4)}${r.proven ? ' ' : '*'} lb=${pad(String(lb), 4)} bins=${pad(String(r.bins), 4)} ffd=${pad(String(r.ffd), 4)} ${pad(r.ms.toFixed(0), 6)} ms`);
    }
  }
  const classes = [...new Set(results.map((r) => r.class))].sort((a, b) => {
    const da = results.find((r) => r.class === a)!.dims > 1 ? 1 : 0;
    const db = results.find((r) => r.class === b)!.dims > 1 ? 1 : 0;
    return da - db || (a < b ? -1 : a > b ? 1 : 0);
  });
  console.log(`\nPacking benchmark: ${results.length} instances from ${args.dir}${options.effort !== undefined ? `, effort ${options.effort}` : ''}`);
  console.log('(bins/opt: mean of bins / optimum-or-best-known; %opt: bins <= that; +bins: total excess bins; ffd/opt: the FFD baseline; vs FFD: mean bins / FFD bins; >FFD: instances worse than FFD; <opt: below the best known)\n');
  console.log(header);
  for (const c of classes) console.log(summarize(c, results.filter((r) => r.class === c)));
  console.log('');
  const one = results.filter((r) => r.dims === 1);
  const vec = results.filter((r) => r.dims > 1);
  console.log(header);
  console.log(summarize('1-D all', one));
  console.log(summarize('1-D proven', one.filter((r) => r.proven)));
  console.log(summarize('1-D unproven', one.filter((r) => !r.proven)));
  console.log(summarize('vector all', vec));
  console.log(summarize('vector proven', vec.filter((r) => r.proven)));
  console.log(summarize('vector unproven', vec.filter((r) => !r.proven)));
  console.log(summarize('all', results));
  console.log(`\ninfeasible packings: ${failures}; wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function time(fn: () => void, runs: number): { median: number; min: number } {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

function runTiming(options: PackOptions): void {
  console.log('\nTiming (generated instances, seeded PRNG; median of 5 runs after a warm-up)');
  const cases: { label: string; instance: { capacity: number[]; items: number[][] }; options: PackOptions }[] = [
    { label: '10,000 items, 3-D, uniform [1%, 40%], fast path (effort 0)', instance: randomInstance(1, 10_000, 3, 1_000_000, 0.01, 0.4), options: { effort: 0 } },
    { label: '10,000 items, 1-D, uniform [1%, 40%], fast path (effort 0)', instance: randomInstance(2, 10_000, 1, 1_000_000, 0.01, 0.4), options: { effort: 0 } },
    { label: '10,000 items, 3-D, uniform [1%, 40%], default options', instance: randomInstance(1, 10_000, 3, 1_000_000, 0.01, 0.4), options },
    { label: '1,000 items, 1-D, uniform [20, 100] / 150, default options', instance: randomInstance(3, 1_000, 1, 150, 20 / 150, 100 / 150), options },
    { label: '1,000 items, 3-D, uniform [10%, 50%], default options', instance: randomInstance(4, 1_000, 3, 1_000, 0.1, 0.5), options },
    { label: '1,000 items, 10-D, uniform [5%, 40%], default options', instance: randomInstance(5, 1_000, 10, 1_000, 0.05, 0.4), options },
  ];
  for (const c of cases) {
    let bins = 0;
    const t = time(() => {
      const p = packVectors(c.instance, c.options);
      bins = p.bins;
    }, 5);
    const lb = vectorLowerBound(c.instance.capacity, c.instance.items);
    const ffd = ffdBins(c.instance.capacity, c.instance.items);
    console.log(`${padEnd(c.label, 62)} ${pad(t.median.toFixed(1), 8)} ms (min ${t.min.toFixed(1)})  bins ${bins}, FFD ${ffd}, lower bound ${lb}`);
  }
}

const args = parseArgs(process.argv.slice(2));
const options: PackOptions = args.effort === undefined ? {} : { effort: args.effort };
if (args.instances) runInstances(args, options);
if (args.timing) runTiming(options);

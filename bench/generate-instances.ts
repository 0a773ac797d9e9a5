/**
 * Writes the generated packing-benchmark set: `npm run gen:bench-instances`.
 *
 * Regenerates every instance of `generatedSetSpecs()` into
 * `bench/instances/<class>/<name>.json` (deterministic: the same seeds give
 * byte-identical files), removes `.json` files there that the set no longer
 * has (and class folders left empty), checks each instance's certificate,
 * and prints per class the instances, item counts and bytes.
 *
 *   npm run gen:bench-instances [-- --check]
 *
 * `--check` writes nothing and exits 1 when the files on disk differ.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeInstance } from './benchmark-instance.ts';
import { generateInstance, generatedSetSpecs, instancePath } from './generated-set.ts';
import { verifyCertificate } from './verify-certificate.ts';

const INSTANCES_DIR = fileURLToPath(new URL('./instances/', import.meta.url));
const check = process.argv.includes('--check');

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? jsonFiles(path) : entry.endsWith('.json') ? [path] : [];
  });
}

const wanted = new Map<string, string>();
const perClass = new Map<string, { instances: number; minN: number; maxN: number; bytes: number }>();
for (const spec of generatedSetSpecs()) {
  const instance = generateInstance(spec);
  const problem = verifyCertificate(instance);
  if (problem) throw new Error(`${instance.name}: ${problem}`);
  const path = join(INSTANCES_DIR, instancePath(instance));
  if (wanted.has(path)) throw new Error(`two instances named ${instance.name}`);
  const text = serializeInstance(instance);
  wanted.set(path, text);
  const row = perClass.get(instance.class) ?? { instances: 0, minN: Infinity, maxN: 0, bytes: 0 };
  row.instances++;
  row.minN = Math.min(row.minN, instance.n_items);
  row.maxN = Math.max(row.maxN, instance.n_items);
  row.bytes += Buffer.byteLength(text);
  perClass.set(instance.class, row);
}

let drift = 0;
for (const file of jsonFiles(INSTANCES_DIR)) {
  if (wanted.has(file)) continue;
  drift++;
  if (check) console.log(`not in the set: ${relative(process.cwd(), file)}`);
  else rmSync(file);
}
for (const [path, text] of wanted) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  drift++;
  if (check) console.log(`${current === undefined ? 'missing' : 'differs'}: ${relative(process.cwd(), path)}`);
  else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

if (!check) {
  // Class folders the set no longer has.
  for (const entry of readdirSync(INSTANCES_DIR)) {
    const path = join(INSTANCES_DIR, entry);
    if (statSync(path).isDirectory() && readdirSync(path).length === 0) rmSync(path, { recursive: true });
  }
}

let total = 0;
console.log(`${'class'.padEnd(16)} ${'inst'.padStart(5)} ${'items'.padStart(11)} ${'bytes'.padStart(10)}`);
for (const [cls, row] of [...perClass].sort(([a], [b]) => (a < b ? -1 : 1))) {
  total += row.bytes;
  console.log(`${cls.padEnd(16)} ${String(row.instances).padStart(5)} ${`${row.minN}-${row.maxN}`.padStart(11)} ${String(row.bytes).padStart(10)}`);
}
console.log(`${'total'.padEnd(16)} ${String(wanted.size).padStart(5)} ${''.padStart(11)} ${String(total).padStart(10)}`);
if (check) {
  console.log(drift ? `${drift} file(s) differ from the generator; run npm run gen:bench-instances` : 'bench/instances is up to date');
  process.exitCode = drift ? 1 : 0;
} else console.log(drift ? `${drift} file(s) written or removed` : 'bench/instances was already up to date');

/**
 * Synth at scale: `npm run bench:synth [-- --sizes 10000,20000,50000] [--repeat N] [--seed N] [--stack NAME] [--no-floor]`.
 *
 * For each size it generates a fleet shaped like the example fleet
 * (`bench/generated-fleet.ts`: 5 teams per 2,000 copies, tenanted models with
 * many tenants, a few untenanted, the example's tiers and sizes; seeded),
 * writes it under `.tmp-fleet-copy/`, and runs the whole synth pipeline
 * (`synthFleet`: load, validate, pack, render, size checks, schema
 * validation, platform rules, plan.json, summary.md, report.html, lockfile)
 * in a child process of its own, so that each size's peak RSS is its own.
 * The stack is the embedded default stack (or `--stack`'s
 * `Pulumi.<name>.yaml`) with a gateway and host per team
 * (`modelfleet:routing.gateways`), as a fleet of this size needs: one
 * gateway carrying every tenant's routes would exceed what Envoy accepts.
 *
 * Per size it prints the objects, the output bytes (every file synth
 * returns, and the lockfile) and bytes per copy, synth's wall time and CPU
 * time, the child's peak RSS (the declaration evaluator, a separate process
 * that loads the models, is not included), and the "floor": the time the
 * `yaml` library alone takes to write the same objects (one `stringify` per
 * object with synth's options, measured in the same child after synth), with
 * synth/floor, and the time `JSON.stringify` takes. With `--repeat N` each
 * size runs N times, each in a fresh child, and the run with the shortest
 * synth time is shown (the machine is shared; the minimum is the least
 * disturbed run). Last, synth's growth from 10,000 to 50,000 copies (or from
 * the smallest to the largest size).
 *
 * Prints figures only: nothing here passes or fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { gatewayPerTeam, generatedFleet, parseSizes, writeGeneratedFleet } from './generated-fleet.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,20000,50000' },
    repeat: { type: 'string', default: '1' },
    seed: { type: 'string', default: '17' },
    stack: { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

/** The `modelfleet:*` values of a `Pulumi.<stack>.yaml`, keyed without the prefix. */
function stackValues(text: string): Record<string, unknown> {
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
  return Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith('modelfleet:') ? [[k.slice('modelfleet:'.length), v]] : [])));
}

/** What one child reports. */
interface SizeResult {
  readonly copies: number;
  readonly teams: number;
  readonly models: number;
  readonly shards: number;
  readonly objects: number;
  readonly bytes: number;
  readonly synthMs: number;
  /** CPU time (user + system) of the child during synth: the main thread and V8's helper threads (GC) together. */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  readonly floorMs?: number;
  readonly jsonMs?: number;
}

/** Runs one size in this process and prints its result as one JSON line. */
async function runChild(copies: number): Promise<void> {
  const seed = Number(values.seed) + copies;
  const fleet = generatedFleet(copies, seed);
  const dir = writeGeneratedFleet(fleet, ROOT, `bench-synth-${copies}`);
  try {
    const { synthFleet } = await import('../constructs/synth-fleet.ts');
    const name = values.stack ?? 'bench';
    const base = values.stack ? stackValues(readFileSync(join(ROOT, `Pulumi.${values.stack}.yaml`), 'utf8')) : {};
    const routing = {
      ...((base.routing as object | undefined) ?? {}),
      gateways: gatewayPerTeam(fleet.teams),
    };
    const stackConfig = { name, source: `Pulumi.${name}.yaml`, values: { ...base, routing } };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await synthFleet({ modelsDir: join(dir, 'models'), cwd: dir, stackConfig, today: new Date('2026-07-21T00:00:00Z') });
    const synthMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const bytes = result.files.reduce((n, f) => n + Buffer.byteLength(f.content), 0) + Buffer.byteLength(result.lockfile.text);
    let floor: { floorMs: number; jsonMs: number } | undefined;
    if (!values['no-floor']) {
      // What the yaml library takes to write the same objects, as synth wrote them before its own writer.
      const options = { lineWidth: 0, aliasDuplicateObjects: false } as const;
      let t = performance.now();
      let length = 0;
      for (const m of result.manifests) length += m.objects.map((o) => `---\n${stringify(o, options)}`).join('').length;
      const floorMs = performance.now() - t;
      t = performance.now();
      for (const m of result.manifests) length += m.objects.map((o) => JSON.stringify(o)).join('\n').length;
      const jsonMs = performance.now() - t;
      if (!length) throw new Error('nothing written');
      floor = { floorMs, jsonMs };
    }
    const out: SizeResult = {
      copies: result.planned.plan.shards.reduce((n, s) => n + s.copies.length, 0),
      teams: fleet.teams.length,
      models: fleet.models,
      shards: result.planned.plan.shards.length,
      objects: result.objectCount,
      bytes,
      synthMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb,
      ...floor,
    };
    console.log(JSON.stringify(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child !== undefined) {
  await runChild(Number(values.child));
  // The declaration evaluator is unref()ed; exit without waiting for it.
  process.exit(0);
}

const sizes = parseSizes(values.sizes!);
const repeat = Math.max(1, Number(values.repeat));

/** One run of `copies` in a fresh child; undefined when it failed (its stderr is shown). */
function runOnce(copies: number): SizeResult | undefined {
  const child = spawnSync(
    process.execPath,
    [
      // Room for the largest fleets: the table shows what synth uses, not what a default heap limit allows.
      '--max-old-space-size=16384',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      String(copies),
      '--seed',
      values.seed!,
      ...(values.stack ? ['--stack', values.stack] : []),
      ...(values['no-floor'] ? ['--no-floor'] : []),
    ],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return child.status === 0 && line.startsWith('{') ? (JSON.parse(line) as SizeResult) : undefined;
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const columns: [string, number, (r: SizeResult) => string][] = [
  ['copies', 8, (r) => fmt(r.copies)],
  ['teams', 6, (r) => fmt(r.teams)],
  ['shards', 7, (r) => fmt(r.shards)],
  ['objects', 8, (r) => fmt(r.objects)],
  ['output MB', 10, (r) => (r.bytes / 1e6).toFixed(1)],
  ['B/copy', 7, (r) => fmt(r.bytes / r.copies)],
  ['synth s', 8, (r) => seconds(r.synthMs)],
  ['CPU s', 7, (r) => seconds(r.cpuMs)],
  ['peak RSS MB', 12, (r) => fmt(r.peakRssMb)],
  ['yaml floor s', 13, (r) => (r.floorMs !== undefined ? seconds(r.floorMs) : '—')],
  ['synth/floor', 12, (r) => (r.floorMs !== undefined ? (r.synthMs / r.floorMs).toFixed(2) : '—')],
  ['JSON s', 7, (r) => (r.jsonMs !== undefined ? seconds(r.jsonMs) : '—')],
];

console.log(
  `Synth at scale (seed ${values.seed}, stack ${values.stack ?? 'default'} with a gateway per team; one child process per run, ${repeat === 1 ? 'one run' : `fastest of ${repeat} runs`} per size; node ${process.version})\n`,
);
console.log(columns.map(([h, w]) => pad(h, w)).join(' '));
const results: SizeResult[] = [];
for (const n of sizes) {
  const runs = Array.from({ length: repeat }, () => runOnce(n)).filter((r): r is SizeResult => r !== undefined);
  if (!runs.length) {
    console.log(`${pad(fmt(n), 8)}  failed`);
    continue;
  }
  const best = runs.reduce((a, b) => (b.synthMs < a.synthMs ? b : a));
  results.push(best);
  console.log(columns.map(([, w, cell]) => pad(cell(best), w)).join(' '));
}
const at = (copies: number) => results.find((r) => r.copies === copies);
const [from, to] = at(10_000) && at(50_000) ? [at(10_000)!, at(50_000)!] : [results[0], results.at(-1)];
if (from && to && from !== to) {
  console.log(
    `\ngrowth ${fmt(from.copies)} → ${fmt(to.copies)} copies (×${(to.copies / from.copies).toFixed(1)}): synth time ×${(to.synthMs / from.synthMs).toFixed(2)}, CPU time ×${(to.cpuMs / from.cpuMs).toFixed(2)}, objects ×${(to.objects / from.objects).toFixed(2)}, peak RSS ×${(to.peakRssMb / from.peakRssMb).toFixed(2)}`,
  );
}

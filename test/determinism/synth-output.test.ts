/**
 * `modelfleet synth` output is a function of the fleet alone: every file in
 * `--out` and the lockfile are byte-identical across runs, working
 * directories (absolute and relative paths), file orders on disk, time zones
 * and locales, the wall clock and `Math.random`, and the checkout directory's
 * name. The outputs carry no timestamps, and their key orders are fixed.
 *
 * Each scenario spawns the real CLI on the example fleet (`models/`, 600
 * copies), writing its lockfile to a scratch directory (a fresh lockfile per
 * run, so every run starts from the same state).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_COPIES, freshFleetDir, readTree, ROOT } from '../support/fleet-dir.ts';

const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-determinism-'));
const copies: string[] = [];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const c of copies) rmSync(c, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every file of `--out`, then `placement.lock.json` (the lockfile the run wrote). */
  readonly files: Record<string, string>;
}

/** Runs `synth` with the CLI at `cli`, writing `--out` and the lockfile under `scratch/<name>`. */
function synth(name: string, options: { cwd?: string; models?: string; cli?: string; env?: NodeJS.ProcessEnv; node?: string[]; relativePaths?: boolean } = {}): Promise<Run> {
  const cwd = options.cwd ?? ROOT;
  const dir = join(scratch, name);
  mkdirSync(dir);
  const path = (p: string) => (options.relativePaths ? relative(cwd, p) : p);
  const args = [
    ...(options.node ?? []),
    options.cli ?? join(ROOT, 'cli/modelfleet.mjs'),
    'synth',
    '--models',
    options.models ?? path(join(ROOT, 'models')),
    '--out',
    path(join(dir, 'out')),
    '--lockfile',
    path(join(dir, 'placement.lock.json')),
  ];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const files = code === 0 ? { ...readTree(join(dir, 'out')), 'placement.lock.json': readFileSync(join(dir, 'placement.lock.json'), 'utf8') } : {};
      done({ code, stdout, stderr, files });
    });
  });
}

/** Fails with the first differing file, rather than a diff of 600 copies' worth of YAML. */
/** `env` without `SOURCE_DATE_EPOCH`. */
function withoutSourceDate(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SOURCE_DATE_EPOCH: _pinned, ...rest } = env;
  return rest;
}

function expectSameFiles(actual: Run, expected: Run, stderr = ''): void {
  expect(actual.stderr).toBe(stderr);
  expect(actual.code).toBe(0);
  expect(Object.keys(actual.files)).toEqual(Object.keys(expected.files));
  for (const [path, content] of Object.entries(expected.files)) {
    if (actual.files[path] !== content) expect.soft(actual.files[path], `${path} differs`).toBe(content);
  }
}

/** A copy of the repository under another name, outside it, sharing node_modules through a symlink. */
function renamedCheckout(): string {
  const parent = mkdtempSync(join(tmpdir(), 'modelfleet-renamed-'));
  copies.push(parent);
  const checkout = join(parent, 'some-other-checkout-name');
  const skip = new Set(['node_modules', '.git', 'dist', '.tmp', '.tmp-fleet-copy', 'placement.lock.json', 'placement.dev.lock.json', 'placement.prod.lock.json']);
  cpSync(ROOT, checkout, { recursive: true, filter: (src) => src === ROOT || !(skip.has(relative(ROOT, src)) || relative(ROOT, src).startsWith('.scratch')) });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  return checkout;
}

/**
 * Copies the example fleet file by file in a given order, creating the
 * folders in another order first: teams.ts last, files in reverse.
 */
function reorderedFleet(): string {
  const dir = freshFleetDir('determinism-reordered');
  copies.push(dir);
  const source = join(ROOT, 'models');
  const files = [...Object.keys(readTree(source)).filter((f) => f !== 'teams.ts').sort().reverse(), 'teams.ts'];
  const folders = readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const folder of [...folders.slice(1), folders[0]!]) mkdirSync(join(dir, folder), { recursive: true });
  for (const f of files) cpSync(join(source, f), join(dir, f));
  return dir;
}

/** Preloaded into the CLI: a clock stuck at 2100-01-01 and a Math.random unlike the real one. */
const PERTURB = `
const FIXED = Date.UTC(2100, 0, 1, 12, 34, 56);
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) { if (args.length === 0) super(FIXED); else super(...args); }
  static now() { return FIXED; }
};
let state = 42;
Math.random = () => { state = (state * 16807) % 2147483647; return state / 2147483647; };
`;

describe('synth output is byte-identical', () => {
  let baseline: Run;
  let runs: Record<string, Run>;

  beforeAll(async () => {
    const perturb = join(scratch, 'perturb.mjs');
    writeFileSync(perturb, PERTURB);
    const checkout = renamedCheckout();
    const reordered = reorderedFleet();
    // Two at a time: the machine has two cores, and other test files run beside this one.
    const plan: [string, () => Promise<Run>][] = [
      ['baseline', () => synth('baseline')],
      ['again', () => synth('again')],
      ['outside-cwd-absolute', () => synth('outside-cwd-absolute', { cwd: tmpdir() })],
      ['subdir-cwd-relative', () => synth('subdir-cwd-relative', { cwd: join(ROOT, 'test'), relativePaths: true })],
      [
        'tz-locale-clock',
        () =>
          synth('tz-locale-clock', {
            // Without the suite's pinned SOURCE_DATE_EPOCH, so prices are judged by the (perturbed) clock.
            env: { ...withoutSourceDate(process.env), TZ: 'Pacific/Kiritimati', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8', LANGUAGE: 'tr' },
            node: ['--import', perturb],
          }),
      ],
      ['renamed-checkout', () => synth('renamed-checkout', { cwd: checkout, cli: join(checkout, 'cli/modelfleet.mjs'), models: 'models' })],
      ['reordered', () => synth('reordered', { models: reordered })],
    ];
    runs = {};
    for (let i = 0; i < plan.length; i += 2) {
      const batch = plan.slice(i, i + 2);
      const results = await Promise.all(batch.map(([, run]) => run()));
      batch.forEach(([name], j) => (runs[name] = results[j]!));
    }
    baseline = runs.baseline!;
  }, 240_000);

  it('the baseline run succeeds and writes manifests, plan.json, summary.md, kustomization.yaml and the lockfile', () => {
    expect(baseline.stderr).toBe('');
    expect(baseline.code).toBe(0);
    expect(Object.keys(baseline.files)).toEqual(expect.arrayContaining(['plan.json', 'summary.md', 'kustomization.yaml', 'manifests/_cluster.yaml', 'manifests/fraud.yaml', 'placement.lock.json', '.modelfleet-output']));
  });

  it('(a) across two runs', () => expectSameFiles(runs.again!, baseline));

  it('(c) from another working directory with absolute paths', () => expectSameFiles(runs['outside-cwd-absolute']!, baseline));

  it('(c) from a subdirectory with relative paths', () => expectSameFiles(runs['subdir-cwd-relative']!, baseline));

  it('(b) with the files written in another order (teams.ts last, folders created in another order)', () => expectSameFiles(runs.reordered!, baseline));

  it('(d) under another time zone and locale (TZ=Pacific/Kiritimati, LC_ALL=tr_TR.UTF-8), a clock in 2100 and another Math.random', () => {
    // In 2100 every price of the stack is stale: synth says so on stderr, and writes the same bytes.
    const stale = runs['tz-locale-clock']!.stderr;
    expect(stale).toMatch(/^(warning: \(embedded default stack\): modelfleet:pools\.[\w-]+\.price\.asOf: 2026-07-20 is \d+ days old .*\n){3}modelfleet: 3 warnings about the stack\n$/);
    expectSameFiles(runs['tz-locale-clock']!, baseline, stale);
    // The printed summary does not depend on them either.
    expect(runs['tz-locale-clock']!.stdout.replace(/tz-locale-clock/g, 'baseline')).toBe(baseline.stdout);
  });

  it('from a checkout under another directory name (names come from the fleet only, no random suffixes)', () => {
    expectSameFiles(runs['renamed-checkout']!, baseline);
  });

  it('and the lockfile is a fixed point: a run that reads it rewrites nothing and places every copy where it was', async () => {
    const dir = join(scratch, 'relock');
    mkdirSync(dir);
    writeFileSync(join(dir, 'placement.lock.json'), baseline.files['placement.lock.json']!);
    const again = await new Promise<Run>((done) => {
      execFile(process.execPath, [join(ROOT, 'cli/modelfleet.mjs'), 'synth', '--out', join(dir, 'out'), '--lockfile', join(dir, 'placement.lock.json'), '--frozen-lockfile'], { cwd: ROOT, encoding: 'utf8' }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stdout, stderr, files: error ? {} : { ...readTree(join(dir, 'out')), 'placement.lock.json': readFileSync(join(dir, 'placement.lock.json'), 'utf8') } }),
      );
    });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('placement: unchanged');
    // Only the placement sections of summary.md and report.html differ ("unchanged" instead of "no lockfile yet").
    const placement = /<section id="placement"[\s\S]*?<\/section>/;
    for (const [path, content] of Object.entries(baseline.files)) {
      if (path === 'report.html') expect(again.files[path]!.replace(placement, '')).toBe(content.replace(placement, ''));
      else if (path !== 'summary.md') expect(again.files[path], path).toBe(content);
    }
  });
});

describe('synth output carries no time, no randomness and fixed key orders', () => {
  let files: Record<string, string>;
  beforeAll(async () => {
    const run = await synth('scan');
    expect(run.code).toBe(0);
    files = run.files;
  }, 120_000);

  it('holds no timestamps: no ISO dates or times, no date of today or of this year, no epoch seconds or milliseconds near now', () => {
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const year = String(now.getUTCFullYear());
    const [y, m, d] = today.split('-');
    for (const [path, content] of Object.entries(files)) {
      expect(content, path).not.toMatch(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/); // ISO 8601 date-times
      expect(content, path).not.toMatch(/\b(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b/); // ISO dates
      expect(content, path).not.toContain(today);
      expect(content, path).not.toContain(`${d}/${m}/${y}`);
      expect(content, path).not.toContain(`${m}/${d}/${y}`);
      expect(content, path).not.toMatch(new RegExp(`(^|[^0-9])${year}([^0-9]|$)`));
      expect(content, path).not.toMatch(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/); // RFC 1123
      for (const match of content.matchAll(/\b\d{10}(\d{3})?\b/g)) {
        const n = Number(match[0]);
        const ms = match[1] ? n : n * 1000;
        expect(Math.abs(ms - now.getTime()), `${path}: ${match[0]} looks like the current time`).toBeGreaterThan(400 * 24 * 3600 * 1000);
      }
    }
  });

  it('holds no paths of the machine: no checkout, fleet copy, home or scratch directory', () => {
    for (const [path, content] of Object.entries(files)) {
      expect(content, path).not.toContain(ROOT);
      expect(content, path).not.toContain(scratch);
      expect(content, path).not.toContain('modelfleet-determinism-');
      expect(content, path).not.toContain(FLEET_COPIES);
      if (process.env.HOME) expect(content, path).not.toContain(process.env.HOME);
    }
  });

  it('plan.json: keys in the documented order, shards sorted by team, tier, pool (names) and index (number)', () => {
    const plan = JSON.parse(files['plan.json']!) as {
      shards: { name: string; team: string; tier: string; pool: string; capacity: object; used: object; replicas: object; serving: object; models: object[] }[];
    };
    expect(Object.keys(plan)).toEqual(['shards', 'lowerBound', 'gpusAtPeakLowerBound', 'cost']);
    expect(Object.keys((plan as unknown as { cost: object }).cost)).toEqual(['currency', 'hoursPerMonth', 'monthlyUsd', 'byTeam', 'byPool', 'pools', 'budgets', 'warnIncrease']);
    for (const s of plan.shards) {
      expect(Object.keys(s)).toEqual(['name', 'namespace', 'team', 'tier', 'pool', 'capacity', 'used', 'replicas', 'serving', 'cost', 'models']);
      expect(Object.keys(s.serving)).toEqual(['replicas', 'utilization']);
      expect(Object.keys(s.capacity)).toEqual(['memory', 'gpuMemory', 'cpu']);
      expect(Object.keys(s.used)).toEqual(['memory', 'gpuMemory', 'cpu']);
      expect(Object.keys(s.replicas).slice(0, 2)).toEqual(['min', 'max']);
      for (const m of s.models) expect(Object.keys(m)).toEqual(['model', 'tenant', 'team', 'peakQps', 'batch', 'monthlyUsd']);
    }
    const index = (name: string) => Number(/-(\d+)$/.exec(name)![1]);
    const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    for (let i = 1; i < plan.shards.length; i++) {
      const [a, b] = [plan.shards[i - 1]!, plan.shards[i]!];
      const order = compare(a.team, b.team) || compare(a.tier, b.tier) || compare(a.pool, b.pool) || index(a.name) - index(b.name);
      expect(order, `${a.name} before ${b.name}`).toBeLessThan(0);
    }
  });

  it('the lockfile: keys version, stack, shards; shard names sorted; copy ids sorted', () => {
    const lock = JSON.parse(files['placement.lock.json']!) as { shards: Record<string, { copies: string[] }> };
    expect(Object.keys(lock)).toEqual(['version', 'stack', 'shards']);
    const names = Object.keys(lock.shards);
    expect(names).toEqual([...names].sort());
    for (const s of Object.values(lock.shards)) {
      expect(Object.keys(s)).toEqual(['team', 'tier', 'pool', 'copies']);
      expect(s.copies).toEqual([...s.copies].sort());
    }
    expect(files['placement.lock.json']!.endsWith('}\n')).toBe(true);
  });

  it('kustomization.yaml lists the manifests sorted; every file ends with one newline', () => {
    const resources = [...files['kustomization.yaml']!.matchAll(/^ {2}- (.+)$/gm)].map((m) => m[1]!);
    expect(resources.length).toBeGreaterThan(1);
    expect(resources).toEqual([...resources].sort());
    for (const [path, content] of Object.entries(files)) expect(content.endsWith('\n') && !content.endsWith('\n\n'), path).toBe(true);
  });
});

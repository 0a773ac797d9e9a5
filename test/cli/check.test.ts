/**
 * `modelfleet check`: synth's checks short of rendering. On every broken fleet
 * it prints exactly what synth prints (the same problems, the same count
 * line, exit 1); on the example fleet the plan lines of synth's summary and
 * whether the lockfile would change; it writes nothing; `--frozen-lockfile`
 * fails as synth's does; `--json` carries the same problems and warnings;
 * and its process never loads cdk8s or the constructs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCliInProcess, runCliProcess, type CliRun } from '../support/run-cli.ts';
import type { CheckJson } from '../../cli/check-command.ts';
import { displayPath } from '../../core/util/display-path.ts';

const BROKEN = 'test/fixtures/broken';
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file under `dir` (relative path → size and mtime), to prove a run wrote nothing there. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out[relative(dir, p)] = `${s.size} ${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** The lines of stdout up to the placement diff: synth's summary without "wrote …" and "created …/updated …". */
const planLines = (stdout: string) => stdout.split('\n').filter((l) => l && !/^(wrote |created |updated |lockfile: |no problems found)/.test(l));

const THE_FINAL_LINE = 'no problems found; nothing was written (synth also renders the manifests, validates them and runs the platform rules on them)';

describe('check on the example fleet', () => {
  let synth: CliRun;
  beforeAll(async () => {
    // Synth with a copy of the committed lockfile, so the repository's stays as it is.
    const lock = join(scratch, 'example.lock.json');
    copyFileSync(join(ROOT, 'placement.lock.json'), lock);
    synth = await runCliInProcess(['synth', '--out', join(scratch, 'example-out'), '--lockfile', lock]);
    expect(synth.code).toBe(0);
  });

  it('exits 0 and prints synth\'s plan lines, that the lockfile is up to date, and writes nothing', async () => {
    const cwd = mkdtempSync(join(scratch, 'cwd-'));
    const lockBefore = readFileSync(join(ROOT, 'placement.lock.json'), 'utf8');
    const result = await runCliInProcess(['check', '--models', join(ROOT, 'models'), '--lockfile', join(ROOT, 'placement.lock.json')], cwd);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(planLines(result.stdout)).toEqual(planLines(synth.stdout));
    expect(result.stdout).toMatch(/^stack default: 5 teams, 17 models, 600 model copies\npacked into \d+ shards/);
    expect(result.stdout).toContain(`\nplacement: unchanged\nlockfile: ${displayPath(join(ROOT, 'placement.lock.json'), cwd)} is up to date\n${THE_FINAL_LINE}\n`);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readFileSync(join(ROOT, 'placement.lock.json'), 'utf8')).toBe(lockBefore);
  });

  it('takes the same flags as synth: the default models directory and lockfile, --stack', async () => {
    const result = await runCliInProcess(['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('lockfile: placement.lock.json is up to date\n');
    const dev = await runCliInProcess(['check', '--stack', 'dev']);
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/^stack dev: /);
    expect(dev.stdout).toContain('lockfile: placement.dev.lock.json ');
    expect((await runCliInProcess(['check', '--out', 'dist'])).code).toBe(2); // check writes nothing, so it has no --out
  });

  it('says when synth would create the lockfile, and creates nothing', async () => {
    const lock = join(scratch, 'none', 'placement.lock.json');
    const result = await runCliInProcess(['check', '--lockfile', lock]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('placement: no lockfile yet; 600 copies placed in');
    expect(result.stdout).toContain(`lockfile: synth would create ${displayPath(lock, ROOT)}; run \`npx modelfleet synth\` and commit it (--frozen-lockfile makes this an error)\n`);
    expect(existsSync(join(scratch, 'none'))).toBe(false);
  });

  it('prints stale-price warnings as synth does, on stderr, and still exits 0', async () => {
    const pinned = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = String(Date.UTC(2027, 1, 1) / 1000); // the stack's prices of 2026-07-20 are then 196 days old, over 180
    try {
      const lock = join(scratch, 'stale.lock.json');
      copyFileSync(join(ROOT, 'placement.lock.json'), lock);
      const staleSynth = await runCliInProcess(['synth', '--out', join(scratch, 'stale-out'), '--lockfile', lock]);
      const check = await runCliInProcess(['check', '--lockfile', lock]);
      expect(check.code).toBe(0);
      expect(check.stderr).toMatch(/^warning: \(embedded default stack\): modelfleet:pools\./);
      expect(check.stderr).toContain('modelfleet: 3 warnings about the stack\n');
      expect(check.stderr).toBe(staleSynth.stderr);
      const json = JSON.parse((await runCliInProcess(['check', '--json', '--lockfile', lock])).stdout) as CheckJson;
      expect(json.ok).toBe(true);
      expect(json.warnings.map((w) => `warning: ${w.file}: ${w.path}: ${w.message}`)).toEqual(check.stderr.split('\n').slice(0, 3));
    } finally {
      process.env.SOURCE_DATE_EPOCH = pinned;
    }
  });

  it('--json: one document on stdout with ok, problems, warnings, the lockfile status and the summary', async () => {
    const text = await runCliInProcess(['check']);
    const result = await runCliInProcess(['check', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as CheckJson;
    expect(json).toEqual({ ok: true, problems: [], warnings: [], lockfile: { file: 'placement.lock.json', status: 'unchanged' }, summary: planLines(text.stdout).join('\n') });
  });
});

describe('check and the lockfile', () => {
  /** The committed lockfile without one of its copies: synth would place that copy again (1 added). */
  function lockWithoutOneCopy(name: string): string {
    const lock = JSON.parse(readFileSync(join(ROOT, 'placement.lock.json'), 'utf8')) as { shards: Record<string, { copies: string[] }> };
    const shard = Object.values(lock.shards).find((s) => s.copies.length > 1)!;
    shard.copies.pop();
    const path = join(scratch, name);
    writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
    return path;
  }

  it('says when synth would update the lockfile, and leaves it as it was', async () => {
    const lock = lockWithoutOneCopy('moved.lock.json');
    const before = readFileSync(lock, 'utf8');
    const result = await runCliInProcess(['check', '--lockfile', lock]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`lockfile: synth would update ${displayPath(lock, ROOT)}; run \`npx modelfleet synth\` and commit it (--frozen-lockfile makes this an error)\n`);
    expect(result.stdout).toMatch(/\nplacement: 1 added, 0 removed, 0 moved; /);
    expect(readFileSync(lock, 'utf8')).toBe(before);
  });

  it('--frozen-lockfile: a lockfile synth would rewrite or create fails with synth\'s line; an up-to-date one passes', async () => {
    const lock = lockWithoutOneCopy('frozen.lock.json');
    const before = readFileSync(lock, 'utf8');
    const check = await runCliInProcess(['check', '--frozen-lockfile', '--lockfile', lock]);
    const synth = await runCliInProcess(['synth', '--frozen-lockfile', '--lockfile', lock, '--out', join(scratch, 'frozen-out')]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe('');
    expect(check.stderr).toMatch(/^\S+: -: placement would change \(1 added, 0 removed, 0 moved\) and --frozen-lockfile is set; run `npx modelfleet synth` and commit the lockfile\nmodelfleet: 1 problem found; nothing was written\n$/);
    expect(check).toEqual(synth);
    expect(readFileSync(lock, 'utf8')).toBe(before);

    const missing = join(scratch, 'missing.lock.json');
    const noLock = await runCliInProcess(['check', '--frozen-lockfile', '--lockfile', missing]);
    expect(noLock.code).toBe(1);
    expect(noLock.stderr).toBe(`${displayPath(missing, ROOT)}: -: does not exist and --frozen-lockfile is set; run \`npx modelfleet synth\` and commit the lockfile\nmodelfleet: 1 problem found; nothing was written\n`);
    expect(existsSync(missing)).toBe(false);

    const json = await runCliInProcess(['check', '--frozen-lockfile', '--json', '--lockfile', lock]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as CheckJson).problems).toEqual([expect.objectContaining({ file: displayPath(lock, ROOT), path: '-' })]);

    expect((await runCliInProcess(['check', '--frozen-lockfile'])).code).toBe(0);
  });
});

/** Broken fleets: `models/` in test/fixtures/broken/NAME (with `placement.lock.json` for lockfile cases); unknown-pool is a broken stack. */
const fixtures = readdirSync(join(ROOT, BROKEN)).filter((name) => name !== 'unknown-pool').sort();

describe('check on broken fleets prints what synth prints', () => {
  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(70);
  });

  it.for(fixtures)('%s: the same problems and count line, exit 1, nothing written', async (name) => {
    const dir = join(ROOT, BROKEN, name);
    const before = listing(dir);
    const out = join(scratch, `broken-${name}`);
    const synth = await runCliInProcess(['synth', '--models', `${BROKEN}/${name}/models`, '--out', out]);
    expect(synth.code).toBe(1); // the fixture is broken for synth
    const check = await runCliInProcess(['check', '--models', `${BROKEN}/${name}/models`]);
    expect(check).toEqual(synth);
    expect(listing(dir)).toEqual(before);

    // --json: the same problems as fields, in the same order.
    const json = await runCliInProcess(['check', '--json', '--models', `${BROKEN}/${name}/models`]);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const doc = JSON.parse(json.stdout) as CheckJson;
    expect(doc.ok).toBe(false);
    expect(doc.warnings).toEqual([]);
    expect(doc.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual(synth.stderr.split('\n').slice(0, -2));
  });

  it('unknown-pool: a broken stack file, read from the working directory', async () => {
    const cwd = join(ROOT, BROKEN, 'unknown-pool');
    const before = listing(cwd);
    const synth = await runCliInProcess(['synth', '--stack', 'broken', '--out', join(scratch, 'unknown-pool-out')], cwd);
    const check = await runCliInProcess(['check', '--stack', 'broken'], cwd);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^Pulumi\.broken\.yaml: modelfleet:tiers\.realtime\.pools\[0\]: pool "gpu-l4x" is not defined/);
    expect(check).toEqual(synth);
    expect(listing(cwd)).toEqual(before);
  });

  it('a missing stack file', async () => {
    const check = await runCliInProcess(['check', '--stack', 'nope']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('Pulumi.nope.yaml: -: stack file not found');
  });
});

/**
 * Runs `main(args)` in a fresh Node process with tsx, as the binary does, and
 * returns every module URL the process resolved (an ESM resolve hook sees each
 * import, including the CommonJS packages imported from TypeScript) and the
 * CommonJS modules it loaded (`require.cache`).
 */
function loadedModules(args: readonly string[], preload?: string): { code: number | null; stderr: string; urls: string[] } {
  const hook = `data:text/javascript,${encodeURIComponent(`
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      port.postMessage(result.url);
      return result;
    }
  `)}`;
  const script = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    import { pathToFileURL } from 'node:url';
    import { register as registerTsx } from 'tsx/esm/api';
    registerTsx();
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    port1.on('message', (url) => urls.push(url));
    register(${JSON.stringify(hook)}, { data: { port: port2 }, transferList: [port2] });
    ${preload ? `await import(pathToFileURL(${JSON.stringify(preload)}).href);` : ''}
    const { main } = await import(pathToFileURL(${JSON.stringify(join(ROOT, 'cli/main.ts'))}).href);
    const code = await main(${JSON.stringify(args)}, { out: () => {}, err: (t) => process.stderr.write(t + '\\n') });
    await new Promise((r) => setTimeout(r, 100));
    port1.close();
    const cjs = Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href);
    process.stdout.write(JSON.stringify({ code, urls: [...new Set([...urls, ...cjs])] }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (child.status !== 0) throw new Error(`harness failed (${child.status}): ${child.stderr}`);
  const { code, urls } = JSON.parse(child.stdout) as { code: number; urls: string[] };
  return { code, stderr: child.stderr, urls };
}

/** A module of cdk8s, cdk8s-plus, the constructs package or this repository's constructs/. */
const CONSTRUCTS_DIR = `${pathToFileURL(join(ROOT, 'constructs')).href}/`;
const isRendering = (url: string) => /\/node_modules\/(cdk8s|cdk8s-plus-27|constructs)\//.test(url) || url.startsWith(CONSTRUCTS_DIR);

describe('check never loads cdk8s', () => {
  it('its process resolves no module of cdk8s, cdk8s-plus, constructs or constructs/ while checking the example fleet', () => {
    const check = loadedModules(['check']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.urls.some((u) => u.endsWith('/cli/check-command.ts'))).toBe(true);
    expect(check.urls.some((u) => u.endsWith('/core/plan/plan-fleet.ts'))).toBe(true);
    expect(check.urls.filter(isRendering)).toEqual([]);
    // The same on a broken fleet (the failure path imports nothing more).
    const broken = loadedModules(['check', '--models', `${BROKEN}/many-problems/models`]);
    expect(broken.code).toBe(1);
    expect(broken.urls.filter(isRendering)).toEqual([]);
  });

  it('the detector sees cdk8s when it is loaded (a control: the same harness, with synth\'s module imported first)', () => {
    const control = loadedModules(['check', '--help'], join(ROOT, 'constructs/synth-fleet.ts'));
    expect(control.urls.some((u) => /\/node_modules\/cdk8s\//.test(u))).toBe(true);
    expect(control.urls.some((u) => u.startsWith(CONSTRUCTS_DIR))).toBe(true);
  });
});

describe('check through the binary', () => {
  it('prints the same as in process, exit 0', () => {
    const result = runCliProcess(['check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`lockfile: placement.lock.json is up to date\n${THE_FINAL_LINE}\n`);
  });
});

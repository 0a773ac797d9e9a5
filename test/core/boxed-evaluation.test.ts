/**
 * Declarations run boxed (`core/loader/declaration-evaluator.ts`): a child
 * process with an empty environment, a time limit per fleet and a memory
 * limit, from which only data comes back.
 *
 * Each case writes a small fleet (teams.ts, then fraud/a.ts, the case's file
 * fraud/m.ts and fraud/z.ts, loaded in that order) and loads it with
 * `collectFleet` or `planFleet`, as the CLI and the Pulumi program do.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { decodeValue, DeclarationDataError, encodeValue } from '../../core/loader/declaration-data.ts';
import { DEFAULT_DECLARATION_LIMITS } from '../../core/loader/declaration-limits.ts';
import { collectFleet, type LoadFleetOptions } from '../../core/loader/load-fleet.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { ROOT, withFleet, type FleetFile } from '../support/fleet-dir.ts';

const TEAMS: FleetFile = {
  path: 'teams.ts',
  content: `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'fraud', quota: { gpu: 64, cpu: '256', memory: '1Ti' } })];\n`,
};

const model = (name: string, fields = ''): string =>
  `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: '${name}', framework: 'onnx', tier: 'batch', memory: '1Gi', artifact: 's3://ml-models/${name}'${fields ? `, ${fields}` : ''} });\n`;

/** The fleet of a case: teams.ts, fraud/a.ts, `content` as fraud/m.ts, fraud/z.ts. */
const fleetWith = (content: string): FleetFile[] => [TEAMS, { path: 'fraud/a.ts', content: model('a') }, { path: 'fraud/m.ts', content }, { path: 'fraud/z.ts', content: model('z') }];

/** Loads the fleet of a case: its problems as printed, the models loaded, and how long it took. */
async function load(content: string, options: Omit<LoadFleetOptions, 'cwd'> = {}): Promise<{ problems: string; models: string[]; seconds: number }> {
  return withFleet('boxed', fleetWith(content), async (dir) => {
    const started = performance.now();
    const { fleet, issues } = await collectFleet('models', { cwd: dir, ...options });
    return { problems: formatIssues(issues), models: fleet.models.map((m) => m.name), seconds: (performance.now() - started) / 1000 };
  });
}

const SECRETS = { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-secret', PULUMI_ACCESS_TOKEN: 'pul-0123456789-token', KUBECONFIG: '/home/ci/.kube/config-secret' };

describe('declarations run boxed', () => {
  describe('the environment', () => {
    it('is empty: a declaration that reads process.env sees none of the parent\'s variables', async () => {
      const saved = { ...process.env };
      Object.assign(process.env, SECRETS);
      try {
        const { problems, models } = await load(
          `import { defineModel } from 'modelfleet';\nexport default [\n` +
            `  defineModel({ name: Object.keys(process.env).length === 0 ? 'saw-nothing' : 'saw-something', framework: 'onnx', tier: 'batch', memory: '1Gi', artifact: 's3://ml-models/m' }),\n` +
            `  defineModel({ name: 'env', framework: 'onnx', tier: 'batch', memory: '1Gi', artifact: JSON.stringify({ ...process.env }) }),\n];\n`,
        );
        // What the declaration saw comes back as data: the names of the models it declared, and the
        // artifact it built from every variable, quoted in the problem.
        expect(models).toEqual(['a', 'saw-nothing', 'z']);
        expect(problems).toBe(
          'models/fraud/m.ts: [1].artifact: "{}" is not a model location Triton can load; use s3://bucket/path, gs://bucket/path, as://account/container/path or pvc://claim/path (a PersistentVolumeClaim in the team\'s namespace)',
        );
        for (const value of Object.values(SECRETS)) expect(problems).not.toContain(value);
      } finally {
        for (const key of Object.keys(SECRETS)) if (!(key in saved)) delete process.env[key];
      }
    });

  });

  describe('the time limit', () => {
    it('a declaration that loops forever fails within the limit, naming its file; the files after it are not loaded', async () => {
      const { problems, models, seconds } = await load('while (true) {}\n', { timeoutSeconds: 2 });
      expect(problems).toBe(
        'models/fraud/m.ts: -: did not finish loading within 2 s (modelfleet:declarations.timeoutSeconds, the time the whole fleet may take); a declaration must compute its values and return: look for a loop that never ends or a wait that never resolves, or raise the limit in the stack (1 file was not loaded after it)',
      );
      expect(models).toEqual(['a']);
      expect(seconds).toBeGreaterThanOrEqual(2);
      expect(seconds).toBeLessThan(10);
    });

    it('so does one that waits forever, and the next load gets a fresh evaluator', async () => {
      const { problems } = await load('await new Promise(() => {});\n', { timeoutSeconds: 2 });
      expect(problems).toMatch(/^models\/fraud\/m\.ts: -: did not finish loading within 2 s /);
      expect((await load(model('m'))).models).toEqual(['a', 'm', 'z']);
    });

    it('comes from the stack, modelfleet:declarations.timeoutSeconds, through planFleet', async () => {
      const stack = resolvePlatformStack('boxed', { declarations: { timeoutSeconds: 2 } });
      await withFleet('boxed', fleetWith('while (true) {}\n'), async (dir) => {
        const error = await planFleet({ modelsDir: 'models', cwd: dir, stack }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SpecError);
        expect(formatIssues((error as SpecError).issues)).toMatch(/^models\/fraud\/m\.ts: -: did not finish loading within 2 s \(modelfleet:declarations\.timeoutSeconds/);
      });
    });

    it('kills what a declaration started, with the evaluator', async () => {
      await withFleet('boxed', fleetWith(''), async (dir) => {
        const pidFile = join(dir, 'sleep.pid');
        writeFileSync(
          join(dir, 'models/fraud/m.ts'),
          `import { spawn } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(spawn('sleep', ['600'], { stdio: 'ignore' }).pid));\nwhile (true) {}\n`,
        );
        const { issues } = await collectFleet('models', { cwd: dir, timeoutSeconds: 2 });
        expect(issues.map((i) => i.file)).toEqual(['models/fraud/m.ts']);
        await expectGone(Number(readFileSync(pidFile, 'utf8')));
      });
    });
  });

  describe('the memory limit', () => {
    it('a declaration that allocates without end fails, naming its file and the limit', async () => {
      const { problems, models } = await load('const kept: number[][] = [];\nwhile (true) kept.push(new Array(100_000).fill(1));\n', { memoryMb: 128 });
      expect(problems).toBe(
        'models/fraud/m.ts: -: ran out of memory while loading: the declarations may use 128 MiB (modelfleet:declarations.memoryMb); look for a loop that keeps adding data, or raise the limit in the stack (1 file was not loaded after it)',
      );
      expect(models).toEqual(['a']);
    });

    it('buffers outside the JavaScript heap count too', async () => {
      const { problems } = await load('const kept: Buffer[] = [];\nwhile (true) kept.push(Buffer.alloc(32 * 2 ** 20, 1));\n', { memoryMb: 128 });
      expect(problems).toMatch(/^models\/fraud\/m\.ts: -: ran out of memory while loading: the declarations may use 128 MiB \(modelfleet:declarations\.memoryMb\)/);
    });

    it('deep recursion is an ordinary load failure with its line', async () => {
      const { problems, models } = await load('function down(n: number): number {\n  return down(n + 1) + 1;\n}\ndown(0);\n');
      expect(problems).toBe('models/fraud/m.ts: -: failed to load: it threw RangeError at line 2: Maximum call stack size exceeded; make the file load without throwing');
      expect(models).toEqual(['a', 'z']);
    });
  });

  describe('a declaration that ends its process', () => {
    it.each([
      ['process.exit(3)', 'exited with code 3'],
      ['process.kill(process.pid)', 'was killed by SIGTERM'],
    ])('%s is a clear error naming the file, and the next load works', async (call, what) => {
      const { problems, models } = await load(`${call};\n`);
      expect(problems).toBe(
        `models/fraud/m.ts: -: ended the declaration evaluator while loading (it ${what}); a declaration must not end its process: look for process.exit(), process.kill() or process.abort(), and for an error thrown in a timer or a rejected promise nobody awaits (1 file was not loaded after it)`,
      );
      expect(models).toEqual(['a']);
      expect((await load(model('m'))).models).toEqual(['a', 'm', 'z']);
    });
  });

  describe('the channel back to the parent', () => {
    it('has no process.send in a declaration', async () => {
      const { problems } = await load('export default typeof process.send;\n');
      expect(problems).toBe('models/fraud/m.ts: -: expected a model declaration made with defineModel({...}), got "undefined"; end the file with `export default defineModel({...})`');
    });

    /** A declaration that writes `chunks` to fd 3, the evaluator's channel, and then exports a value. */
    const writer = (chunks: string) =>
      `import { writeSync } from 'node:fs';\nfor (const chunk of ${chunks}) {\n  const bytes = Buffer.from(chunk);\n  let at = 0;\n  while (at < bytes.length) at += writeSync(3, bytes, at);\n}\nexport default 1;\n`;

    it.each([
      ['a line that is not JSON', '["not json\\n"]', 'a line that is not JSON'],
      ['an answer to another load', '[JSON.stringify({ t: "done", id: -1, heapBytes: 1 }) + "\\n"]', 'a message that is not an answer to the current load'],
      ['a line over the size limit', 'Array.from({ length: 65 }, () => "x".repeat(2 ** 20))', 'a message larger than 64 MiB'],
    ])('refuses %s written to it, naming the file', async (_, chunks, what) => {
      const { problems, models } = await load(writer(chunks));
      expect(problems).toBe(
        `models/fraud/m.ts: -: the declaration evaluator sent ${what} while loading this file; a declaration must not write to the evaluator's channel (fd 3) (1 file was not loaded after it)`,
      );
      expect(models).toEqual(['a']);
    });
  });

  describe('what comes back is data, read as before', () => {
    it('functions, throwing getters, NaN, bigints and named exports give the messages of an in-process import', async () => {
      const cases: [string, string][] = [
        ['export default () => 1;\n', 'models/fraud/m.ts: -: expected a model declaration made with defineModel({...}), got a function; export the result of defineModel({...}), not a function that returns it'],
        ['export default { get name() { throw new TypeError("lazy"); } };\n', 'models/fraud/m.ts: -: reading the declaration threw TypeError: lazy; declare plain values (no getter or proxy that throws)'],
        ['export default new Proxy([], { get() { throw new Error("trap"); } });\n', 'models/fraud/m.ts: -: reading the declaration threw Error: trap; declare plain values (no getter or proxy that throws)'],
        [model('m', 'peakQps: NaN'), 'models/fraud/m.ts: peakQps: expected a finite number, got NaN; give the number itself (NaN and Infinity usually come from arithmetic on a missing value)'],
        [model('m', 'cpu: 10n'), 'models/fraud/m.ts: cpu: expected a quantity such as "2Gi", "500m" or a number, got bigint 10n'],
        ['export const b = 1;\nexport function a() {}\n', 'models/fraud/m.ts: -: has no default export (found named exports a, b); end it with `export default defineModel({...})`'],
      ];
      for (const [content, line] of cases) expect((await load(content)).problems).toBe(line);
    });

    it('a class instance declares through its getters, as the schemas read it in process', async () => {
      const { problems, models } = await load(
        "class Scorer {\n  get name() { return 'm'; }\n  get framework() { return 'onnx'; }\n  tier = 'batch';\n  memory = '1Gi';\n  artifact = 's3://ml-models/m';\n}\nexport default new Scorer();\n",
      );
      expect(problems).toBe('');
      expect(models).toEqual(['a', 'm', 'z']);
    });

    it('the line of a throw is the line in the file, in process too', async () => {
      const fixture = readFileSync(join(ROOT, 'test/fixtures/broken/throws-error/models/fraud/txn-scorer.ts'), 'utf8');
      expect((await load(fixture)).problems).toBe('models/fraud/m.ts: -: failed to load: it threw Error at line 4: tenant registry is empty; make the file load without throwing');
    });

    it('a reload sees edited files and the limits apply per load', async () => {
      await withFleet('boxed', fleetWith(model('m', "cpu: '250m'")), async (dir) => {
        const first = await collectFleet('models', { cwd: dir });
        writeFileSync(join(dir, 'models/fraud/m.ts'), model('m', "cpu: '500m'"));
        const second = await collectFleet('models', { cwd: dir, timeoutSeconds: 5, memoryMb: 256 });
        expect([first, second].map((r) => r.fleet.models.find((m) => m.name === 'm')?.resources.cpu)).toEqual([250, 500]);
      });
    });
  });

  describe('the evaluator process', () => {
    it('never keeps its parent alive, and dies with it', async () => {
      await withFleet('boxed', [TEAMS, { path: 'fraud/m.ts', content: model('m') }], async (dir) => {
        // A parent that loads a fleet and returns: it exits on its own, with an idle evaluator.
        const script = join(dir, 'load.mts');
        writeFileSync(script, `import { collectFleet } from ${JSON.stringify(join(ROOT, 'core/loader/load-fleet.ts'))};\nconst { fleet } = await collectFleet('models', { cwd: ${JSON.stringify(dir)} });\nconsole.log(fleet.models.length);\n`);
        const done = await runNode(['--import', 'tsx', script], 30_000);
        expect(done).toEqual({ code: 0, stdout: '1\n' });

        // A parent killed while a declaration loops: the evaluator (and the loop) end with it.
        const pidFile = join(dir, 'evaluator.pid');
        writeFileSync(join(dir, 'models/fraud/m.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nwhile (true) {}\n`);
        const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'ignore' });
        const evaluator = await waitForPid(pidFile);
        parent.kill('SIGKILL');
        await expectGone(evaluator);
      });
    });
  });
});

describe('declaration data', () => {
  const roundTrip = (value: unknown) => decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));

  it('keeps what JSON cannot: undefined, NaN, ±Infinity, -0, bigints, holes, symbols, shared and cyclic references', () => {
    const shared = { memory: '2Gi' };
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    // eslint-disable-next-line no-sparse-arrays
    const back = roundTrip({ u: undefined, nan: NaN, inf: -Infinity, zero: -0, big: 2n ** 70n, holes: [1, , 3], a: shared, b: shared, cyclic, sym: Symbol('s') }) as Record<string, unknown>;
    expect(back).toMatchObject({ u: undefined, inf: -Infinity, big: 2n ** 70n });
    expect(Number.isNaN(back.nan)).toBe(true);
    expect(Object.is(back.zero, -0)).toBe(true);
    expect(1 in (back.holes as unknown[])).toBe(false);
    expect(back.a).toBe(back.b);
    expect((back.cyclic as Record<string, unknown>).self).toBe(back.cyclic);
    expect(String(back.sym)).toBe('Symbol(s)');
  });

  it('rebuilds what is not data as equivalents: function stubs, dates, non-plain objects, getters and proxies that throw', () => {
    class Instance {
      field = 1;
    }
    const back = roundTrip({
      fn: function lazy() {},
      arrow: () => 1,
      date: new Date(0),
      instance: new Instance(),
      nullProto: Object.create(null) as object,
      get broken(): never {
        throw new RangeError('no');
      },
      proxy: new Proxy({}, { ownKeys: () => { throw new Error('keys'); } }),
    }) as Record<string, unknown>;
    expect(typeof back.fn).toBe('function');
    expect((back.fn as () => void).name).toBe('lazy');
    expect(Object.hasOwn(back.arrow as object, 'prototype')).toBe(false);
    expect((back.date as Date).getTime()).toBe(0);
    expect(back.instance).toMatchObject({ field: 1 });
    expect(Object.getPrototypeOf(back.instance)).not.toBe(Object.prototype);
    expect(Object.getPrototypeOf(back.nullProto)).toBeNull();
    expect(() => back.broken).toThrow(expect.objectContaining({ name: 'RangeError', message: 'no' }));
    expect(() => Object.keys(back.proxy as object)).toThrow('keys');
  });

  it('refuses what the evaluator does not produce', () => {
    const bad: unknown[] = [
      { $: 'eval', v: 'process.exit()' },
      { $: 'r', i: 0 },
      { $: 'o', i: 1, k: 'plain', p: [] },
      { $: 'o', i: 0, k: 'plain', p: [[1, 2]] },
      { $: 'a', i: 0, n: 5, v: [] },
      { $: 'b', v: '1e9' },
      1e400,
      Array.from({ length: 100 }).reduce<unknown>((inner, _, i) => ({ $: 'a', i: 99 - i, n: 1, v: [inner] }), 1),
    ];
    for (const value of bad) expect(() => decodeValue(value)).toThrow(DeclarationDataError);
  });

  it('counts what a file exports, so a huge value fails in the box rather than in the parent', () => {
    expect(() => encodeValue(new Array(2 ** 32 - 1))).toThrow('exports more than 5,000,000 values');
  });
});

describe('declaration limits in the stack', () => {
  it('default to 60 s and 2048 MiB, and take modelfleet:declarations', () => {
    expect(resolvePlatformStack().declarations).toEqual(DEFAULT_DECLARATION_LIMITS);
    expect(DEFAULT_DECLARATION_LIMITS).toEqual({ timeoutSeconds: 60, memoryMb: 2048 });
    expect(resolvePlatformStack('boxed', { declarations: { memoryMb: 512 } }).declarations).toEqual({ timeoutSeconds: 60, memoryMb: 512 });
  });

  it('rejects unknown fields and values out of range, naming the key', () => {
    const problems = (overrides: unknown) => {
      try {
        resolvePlatformStack('boxed', overrides);
        return '';
      } catch (error) {
        return formatIssues((error as SpecError).issues);
      }
    };
    expect(problems({ declarations: { timeoutSecs: 5 } })).toBe('Pulumi.boxed.yaml: modelfleet:declarations.timeoutSecs: unknown field "timeoutSecs"; did you mean "timeoutSeconds"?');
    expect(problems({ declarations: { timeoutSeconds: 0, memoryMb: 16 } })).toBe(
      ['Pulumi.boxed.yaml: modelfleet:declarations.timeoutSeconds: must be at least 1, got 0', 'Pulumi.boxed.yaml: modelfleet:declarations.memoryMb: must be at least 64, got 16'].join('\n'),
    );
    expect(problems({ declaration: {} })).toBe('Pulumi.boxed.yaml: modelfleet:declaration: unknown field "declaration"; did you mean "declarations"?');
  });
});

/** Runs node with `args` from the repository root; resolves with its exit code and stdout, or rejects after `ms`. */
function runNode(args: readonly string[], ms: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not exit within ${ms} ms`));
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** The pid a declaration wrote to `file`, once it has. */
async function waitForPid(file: string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    try {
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid > 0) return pid;
    } catch {
      // Not written yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} was never written`);
}

/** Waits until process `pid` no longer exists (killed processes are reaped by their parent or init). */
async function expectGone(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(), `process ${pid} is still running`).toBe(false);
}

/**
 * `modelfleet synth` on broken fleets: exit code 1, every problem as
 * `FILE: FIELD: message`, and `--out` left exactly as it was.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'cli/modelfleet.mjs');
const BROKEN = 'test/fixtures/broken';
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

export function runCli(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A previous output directory with known contents, to prove it is untouched. */
function previousOutput(name: string): { dir: string; snapshot: () => Record<string, string> } {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeFileSync(join(dir, '.modelfleet-output'), 'previous run\n');
  writeFileSync(join(dir, 'plan.json'), '{"previous": true}\n');
  writeFileSync(join(dir, 'manifests', 'fraud.yaml'), 'kind: Previous\n');
  const snapshot = () => {
    const out: Record<string, string> = {};
    const walk = (d: string, prefix: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
        else out[`${prefix}${e.name}`] = readFileSync(join(d, e.name), 'utf8');
      }
    };
    walk(dir, '');
    return out;
  };
  return { dir, snapshot };
}

const cases: [string, string[]][] = [
  ['bad-quantity', ['models/fraud/txn-scorer.ts: memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "3 gigs"']],
  ['unknown-tier', ['models/fraud/txn-scorer.ts: tier: "ultra-fast" is not allowed; use one of "realtime", "interactive", "batch"']],
  ['unknown-team', ['models/fruad/ato-detector.ts: team: folder "fruad" is not a team declared in', '(did you mean "fraud"?)']],
  ['duplicate-model', ['models/search/txn-scorer-copy.ts: name: model "txn-scorer" is already declared in', 'models/fraud/txn-scorer.ts']],
  ['bad-dns-name', ['models/fraud/txn-scorer.ts: name: "Txn_Scorer" is not a DNS label', 'try "txn-scorer"']],
  ['too-large', ['models/search/llm.ts: gpuMemory: 90Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom)']],
  ['syntax-error', ['models/fraud/txn-scorer.ts: -: failed to load: syntax error at line 6, column 2: Expected "}" but found "tier"']],
  ['throws-on-import', ['models/fraud/txn-scorer.ts: -: failed to load: it threw SyntaxError at line 3: Unexpected token']],
  ['no-default-export', ['models/fraud/txn-scorer.ts: -: has no default export (found named export txnScorer)']],
  ['empty-fleet', ['empty-fleet/models: -: the fleet declares no models']],
  ['team-over-quota', ['models/teams.ts: [0].quota.gpu: team fraud requests 8 GPUs at max replicas, quota is 4 GPUs (txn-scorer@acme, txn-scorer@globex)']],
  ['unknown-field', ['models/fraud/txn-scorer.ts: gpuMemroy: unknown field "gpuMemroy"; did you mean "gpuMemory"?']],
  ['missing-teams', ['models/teams.ts: -: not found; declare the fleet\'s teams']],
  ['bad-team-quota', ['models/teams.ts: [0].quota.gpu: must be at least 0, got -1', 'models/teams.ts: [0].quota.cpu: expected a quantity']],
  ['team-mismatch', ['models/fraud/txn-scorer.ts: team: is "search" but the file is in the folder of team "fraud"']],
];

describe('synth on broken fleets', () => {
  it.each(cases)('%s: exit 1, names file and field, leaves --out untouched', (name, expected) => {
    const out = previousOutput(name);
    const before = out.snapshot();
    const { code, stdout, stderr } = runCli(['synth', '--models', `${BROKEN}/${name}/models`, '--out', out.dir]);
    expect(code).toBe(1);
    for (const text of expected) expect(stderr).toContain(text);
    // Every problem line is FILE: FIELD: message, with the file inside the fleet.
    const lines = stderr.trim().split('\n');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(new RegExp(`^${BROKEN}/${name}/models\\S*: \\S.*: .+`));
    expect(lines.at(-1)).toMatch(/^modelfleet: \d+ problems? found; nothing was written$/);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack traces
    expect(out.snapshot()).toEqual(before);
  });

  it('reports every problem of every file together, packing problems of valid models included', () => {
    const { code, stderr } = runCli(['synth', '--models', `${BROKEN}/many-problems/models`, '--out', join(scratch, 'many')]);
    expect(code).toBe(1);
    const p = `${BROKEN}/many-problems/models`;
    expect(stderr).toBe(
      [
        `${p}/fraud/ato-detector.ts: gpuMemory: 200Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack`,
        `${p}/fraud/txn-scorer.ts: tier: "fast" is not allowed; use one of "realtime", "interactive", "batch"`,
        `${p}/fraud/txn-scorer.ts: memory: must not be negative, got -5`,
        `${p}/search/ranker.ts: tenants[0]: "acme\\nx-tenant: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-x-tenant-evil"`,
        `${p}/search/ranker.ts: tenants[1]: "../etc" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "etc"`,
        'modelfleet: 5 problems found; nothing was written',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 on usage errors', () => {
    expect(runCli(['synth', '--no-such-flag']).code).toBe(2);
    expect(runCli(['frobnicate']).code).toBe(2);
    expect(runCli([]).code).toBe(2);
  });

  it('refuses to replace a directory it did not write, and exits 2', () => {
    const dir = join(scratch, 'precious');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'keep me\n');
    const { code, stderr } = runCli(['synth', '--models', 'models', '--out', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to replace it');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me\n');
  });

  it('reports a missing stack file', () => {
    const { code, stderr } = runCli(['synth', '--stack', 'nope', '--out', join(scratch, 'nope')]);
    expect(code).toBe(1);
    expect(stderr).toContain('Pulumi.nope.yaml: -: stack file not found');
  });

  it('prints help', () => {
    const { code, stdout } = runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('synth');
    expect(stdout).toContain('pack');
  });
});

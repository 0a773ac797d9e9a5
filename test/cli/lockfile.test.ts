/**
 * The placement lockfile through the CLI: created on the first synth, honoured
 * after, the diff printed and put in summary.md, `--frozen-lockfile` for CI,
 * and `rebalance` within a move budget.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCliInProcess as runCli } from '../support/run-cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-lock-'));
// The fleet copy must live inside the package so its `import … from "modelfleet"` resolves.
mkdirSync(join(ROOT, '.tmp-fleet-copy'), { recursive: true });
const fleet = mkdtempSync(join(ROOT, '.tmp-fleet-copy', 'lockfile-test-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(fleet, { recursive: true, force: true });
});

const models = join(fleet, 'models');
const lockfile = join(fleet, 'placement.lock.json');
const synth = (...extra: string[]) => runCli(['synth', '--models', models, '--out', join(scratch, 'out'), ...extra]);

function writeModel(name: string, tenants: string[], gpuMemory = '4Gi') {
  writeFileSync(
    join(models, 'payments', `${name}.ts`),
    `import { defineModel } from 'modelfleet';\n\nexport default defineModel(${JSON.stringify({
      name,
      framework: 'onnx',
      tier: 'realtime',
      artifact: `s3://ml-models/payments/${name}/{tenant}`,
      memory: '1Gi',
      gpuMemory,
      tenants,
    })});\n`,
  );
}

describe('lockfile workflow', () => {
  rmSync(fleet, { recursive: true, force: true });
  cpSync(join(ROOT, 'test/golden/small/models'), models, { recursive: true });
  // Room in the GPU quota for the shards these tests add.
  writeFileSync(join(models, 'teams.ts'), readFileSync(join(models, 'teams.ts'), 'utf8').replace("gpu: 16", 'gpu: 64'));

  it('creates the lockfile beside the models directory, then reports no change', async () => {
    const first = await synth();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('placement: no lockfile yet; 6 copies placed in 4 shards');
    expect(first.stdout).toContain('created ');
    expect(existsSync(lockfile)).toBe(true);
    const again = await synth();
    expect(again.stdout).toContain('placement: unchanged');
    expect(again.stdout).not.toContain('updated ');
    expect(readFileSync(join(scratch, 'out', 'summary.md'), 'utf8')).toContain('No copy moves; no shard is created or deleted.');
  });

  it('places a new model without moving any copy, and shows the diff', async () => {
    writeModel('refund-risk', ['acme', 'globex']);
    const before = readFileSync(lockfile, 'utf8');
    const frozen = await synth('--frozen-lockfile');
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toContain('placement.lock.json: -: placement would change (2 added, 0 removed, 0 moved) and --frozen-lockfile is set');
    expect(readFileSync(lockfile, 'utf8')).toBe(before);

    const result = await synth();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/placement: 2 added, 0 removed, 0 moved; shards: \d created, 0 deleted, \d changed/);
    expect(result.stdout).toContain('updated ');
    const summary = readFileSync(join(scratch, 'out', 'summary.md'), 'utf8');
    expect(summary).toContain('## Placement changes');
    expect(summary).toContain('`payments/refund-risk@acme` → payments-realtime-gpu-l4-');
    expect((await synth('--frozen-lockfile')).code).toBe(0);
  });

  it('rebalances within a move budget and prints every move', async () => {
    // Tenants leave: the lock keeps the holes, so shards can be saved.
    writeModel('refund-risk', ['acme', 'globex', 'hooli', 'initech', 'umbrella', 'vandelay', 'wayne', 'wonka']);
    expect((await synth()).code).toBe(0);
    writeModel('refund-risk', ['acme', 'hooli', 'umbrella', 'wayne']);
    expect((await synth()).stdout).toMatch(/placement: 0 added, 4 removed, 0 moved/);
    const shardsBefore = Object.keys(JSON.parse(readFileSync(lockfile, 'utf8')).shards).length;

    const none = await runCli(['rebalance', '--models', models, '--max-moves', '0']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^no shard can be saved within --max-moves 0/);

    const result = await runCli(['rebalance', '--models', models]);
    expect(result.code).toBe(0);
    const moves = result.stdout.split('\n').filter((l) => l.startsWith('payments/'));
    expect(moves.length).toBeGreaterThan(0);
    for (const line of moves) expect(line).toMatch(/^payments\/[a-z-]+@[a-z]+: payments-realtime-gpu-l4-\d+ → payments-realtime-gpu-l4-\d+$/);
    expect(result.stdout).toMatch(new RegExp(`shards: ${shardsBefore} → ${shardsBefore - 1} \\(1 saved\\) with ${moves.length} moves? \\(no move limit\\)`));
    // synth honours the rebalanced lock: nothing else moves.
    expect((await synth()).stdout).toContain('placement: unchanged');
  });

  it('reports a corrupt lockfile with exit 1', async () => {
    writeFileSync(lockfile, '{ "version": 1, ');
    const result = await synth();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/placement\.lock\.json: -: is not valid JSON at line 1, column 17 .*; fix it by hand, or delete the file and run synth to re-create it/);
  });
});

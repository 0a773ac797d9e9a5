/**
 * The platform rules inside `modelfleet synth`, end to end on the tiny fleet
 * of test/fixtures/rules with its stack files: a mandatory violation fails
 * synth (exit 1, the offending object named, nothing written); an advisory
 * one is printed as a warning and listed under "Rule results" in summary.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { ROOT, runCliInProcess } from '../support/run-cli.ts';

const FIXTURE = join(ROOT, 'test/fixtures/rules');
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `modelfleet synth` on the fixture fleet with stack `stack`, output and lockfile in the scratch directory. */
async function synth(stack: string) {
  const out = join(scratch, stack);
  const result = await runCliInProcess(['synth', '--models', 'models', '--stack', stack, '--out', out, '--lockfile', join(scratch, `${stack}.lock.json`)], FIXTURE);
  return { ...result, out };
}

describe('platform rules in synth', () => {
  it('fails on a mandatory violation, naming the manifest, the object and the field, and writes nothing', async () => {
    const { code, stdout, stderr, out } = await synth('foreign-image');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        'manifests/fraud.yaml: ["Deployment/fraud-realtime-gpu-l4-1"].spec.template.spec.containers[0].image: container "triton" uses image "ghcr.io/acme/tritonserver:24.08-py3" (ghcr.io/acme/tritonserver), which is not from an allowed registry (nvcr.io/nvidia, docker.io/rclone); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries (rule image-registry)',
        'modelfleet: 1 problem found; nothing was written',
        '',
      ].join('\n'),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('prints an advisory violation as a warning and lists it in summary.md', async () => {
    const { code, stderr, out } = await synth('one-replica');
    expect(code).toBe(0);
    const warning =
      'manifests/fraud.yaml: ["ScaledObject/fraud-realtime-gpu-l4-1"].spec.minReplicaCount: Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but may run 1 replica (ScaledObject/fraud-realtime-gpu-l4-1 spec.minReplicaCount); realtime needs at least 2, so a drain or a crash never takes the only server away (rule realtime-min-replicas)';
    expect(stderr).toBe(`warning: ${warning}\nmodelfleet: 1 warning from advisory rules (see "Rule results" in summary.md)\n`);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary.slice(summary.indexOf('## Rule results'))).toBe(
      [
        '## Rule results',
        '',
        '| rule | level | result |',
        '|---|---|---|',
        '| `team-quota` | mandatory | pass |',
        '| `team-budget` | mandatory | pass |',
        '| `gpu-pool-placement` | mandatory | pass |',
        '| `container-resources` | mandatory | pass |',
        '| `image-registry` | mandatory | pass |',
        '| `pod-security-restricted` | mandatory | pass |',
        '| `virtualservice-namespace` | mandatory | pass |',
        '| `shard-isolation` | mandatory | pass |',
        '| `realtime-min-replicas` | advisory | 1 warning |',
        '| `realtime-disruption-budget` | mandatory | pass |',
        '',
        '<details><summary>Warnings (1)</summary>',
        '',
        `- \`manifests/fraud.yaml\` \`["ScaledObject/fraud-realtime-gpu-l4-1"].spec.minReplicaCount\`: ${warning.slice(warning.indexOf(': Deployment') + 2)}`,
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });

  it('fails a fleet over its team quota, naming teams.ts, while team-quota is mandatory', async () => {
    const { code, stderr } = await synth('over-quota');
    expect(code).toBe(1);
    expect(stderr).toBe(
      [
        "models/teams.ts: [0].quota.gpu: team fraud requests 10 GPUs at max replicas, quota is 8 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the tiers' maxReplicas",
        'modelfleet: 1 problem found; nothing was written',
        '',
      ].join('\n'),
    );
  });

  it('warns about the same excess on the ResourceQuota when the stack makes team-quota advisory', async () => {
    const { code, stderr, out } = await synth('over-quota-advisory');
    expect(code).toBe(0);
    expect(stderr.split('\n')[0]).toBe(
      'warning: manifests/fraud.yaml: ["ResourceQuota/fraud-quota"].spec.hard["requests.nvidia.com/gpu"]: team fraud requests 10 GPUs at max replicas, quota is 8 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the max replicas (rule team-quota)',
    );
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| `team-quota` | advisory | 1 warning |');
  });

  it('throws the same issues in process, as data', async () => {
    const failure = await synthFleet({ modelsDir: 'models', stackName: 'foreign-image', cwd: FIXTURE, lockfile: join(scratch, 'in-process.lock.json') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SpecError);
    expect((failure as SpecError).issues.map((i) => [i.file, i.path])).toEqual([
      ['manifests/fraud.yaml', ['Deployment/fraud-realtime-gpu-l4-1', 'spec', 'template', 'spec', 'containers', 0, 'image']],
    ]);
  });
});

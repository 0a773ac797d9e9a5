/**
 * `synth` validates every rendered object strictly before anything is
 * written (`core/validate/`): the example fleet validates on every stack, and
 * an object that does not — injected here by wrapping `renderFleet`, as a bug
 * in a construct would produce it — is reported as an internal error, exits
 * 1 and leaves `--out` and the lockfile exactly as they were. The Pulumi
 * program, which runs the same pipeline, fails the same way.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { FleetManifest } from '../../constructs/render-fleet.ts';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { runSynth } from '../../cli/synth-command.ts';
import { MAX_INTERNAL_ERROR_LINES } from '../../cli/report-failure.ts';
import { OUTPUT_MARKER } from '../../cli/write-output.ts';
import { findManifestIssues } from '../../core/validate/find-manifest-issues.ts';
import { ManifestValidationError } from '../../core/validate/manifest-issue.ts';
import { readTree } from '../support/fleet-dir.ts';

/** The seam: when set, called with the rendered manifests before synth validates them. */
const hook = vi.hoisted(() => ({ corrupt: undefined as ((manifests: FleetManifest[]) => void) | undefined }));

vi.mock('../../constructs/render-fleet.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../constructs/render-fleet.ts')>();
  return {
    ...actual,
    renderFleet: (input: Parameters<typeof actual.renderFleet>[0]) => {
      const rendered = actual.renderFleet(input);
      hook.corrupt?.(rendered.manifests as FleetManifest[]);
      return rendered;
    },
  };
});

const ROOT = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-synth-validation-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  hook.corrupt = undefined;
});

type Json = Record<string, any>;

/** Every Deployment of the rendered manifests, with its file. */
function deployments(manifests: FleetManifest[]): { file: string; object: Json }[] {
  return manifests.flatMap((m) => m.objects.filter((o) => o.kind === 'Deployment').map((o) => ({ file: m.path, object: o as Json })));
}

/** An `--out` holding a previous run's output. */
function previousOutput(name: string): string {
  const out = join(scratch, name);
  mkdirSync(join(out, 'manifests'), { recursive: true });
  writeFileSync(join(out, OUTPUT_MARKER), 'Written by `modelfleet synth`; this directory is replaced on every run.\n');
  writeFileSync(join(out, 'manifests', 'fraud.yaml'), '# the previous run\n');
  writeFileSync(join(out, 'plan.json'), '{"shards": [], "lowerBound": 0}\n');
  return out;
}

async function synthCli(outDir: string, lockfile: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSynth({ modelsDir: 'models', outDir, lockfile }, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n').split('\n') };
}

describe('every object of the example fleet validates strictly', () => {
  it.each([['default (embedded)', undefined], ['dev (Pulumi.dev.yaml)', 'dev'], ['prod (Pulumi.prod.yaml)', 'prod']])('stack %s', async (_, stackName) => {
    const result = await synthFleet({ modelsDir: 'models', cwd: ROOT, ...(stackName ? { stackName } : {}) });
    const objects = result.manifests.flatMap((m) => m.objects);
    expect(objects.length).toBe(result.objectCount);
    expect(objects.length).toBeGreaterThan(200);
    expect([...new Set(objects.map((o) => o.kind))]).toEqual(expect.arrayContaining(['Namespace', 'PriorityClass', 'Deployment', 'Service', 'VirtualService']));
    expect(findManifestIssues(result.manifests)).toEqual([]);
  });
});

describe('an object that fails validation', () => {
  it('is an internal error: nothing is written, the lockfile is untouched, exit 1', async () => {
    let broken: { file: string; name: string } | undefined;
    hook.corrupt = (manifests) => {
      const [first] = deployments(manifests);
      first!.object.spec.template.spec.containers[0].foo = 'bar';
      broken = { file: first!.file, name: first!.object.metadata.name };
    };
    const out = previousOutput('one');
    const before = readTree(out);
    const lockfile = join(scratch, 'one.lock.json');

    const { code, stdout, stderr } = await synthCli(out, lockfile);

    expect(broken).toBeDefined();
    expect(stderr).toEqual([
      `modelfleet: internal error: ${broken!.file}: Deployment/${broken!.name}: spec.template.spec.containers[0].foo: unknown field; this is a bug in modelfleet, please report it`,
      'modelfleet: 1 problem in the rendered manifests; nothing was written',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(readTree(out)).toEqual(before);
    expect(existsSync(lockfile)).toBe(false);
    expect(readdirSync(scratch).filter((f) => f.includes('.new-') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('lists at most the first problems when a bug breaks every shard alike', async () => {
    let count = 0;
    hook.corrupt = (manifests) => {
      for (const { object } of deployments(manifests)) {
        object.spec.replicas = String(object.spec.replicas ?? 1);
        count++;
      }
    };
    const out = previousOutput('many');
    const before = readTree(out);
    const { code, stderr } = await synthCli(out, join(scratch, 'many.lock.json'));

    expect(count).toBeGreaterThan(MAX_INTERNAL_ERROR_LINES);
    expect(code).toBe(1);
    expect(stderr).toHaveLength(MAX_INTERNAL_ERROR_LINES + 1);
    for (const line of stderr.slice(0, -1)) expect(line).toMatch(/^modelfleet: internal error: manifests\/\S+\.yaml: Deployment\/\S+: spec\.replicas: expected integer, got "\d+"; this is a bug in modelfleet, please report it$/);
    expect(stderr.at(-1)).toBe(`modelfleet: ${count} problems in the rendered manifests (${count - MAX_INTERNAL_ERROR_LINES} more not shown); nothing was written`);
    expect(readTree(out)).toEqual(before);
  });

  it('fails synthFleet, and so the Pulumi program, with ManifestValidationError', async () => {
    hook.corrupt = (manifests) => {
      const scaled = manifests.flatMap((m) => m.objects.filter((o) => o.kind === 'ScaledObject').map((o) => ({ file: m.path, object: o as Json })))[0]!;
      scaled.object.spec.triggers[0].metadta = {};
    };
    const error = await synthFleet({ modelsDir: 'models', cwd: ROOT, stackName: 'prod' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect((error as ManifestValidationError).issues).toEqual([
      expect.objectContaining({ object: expect.stringMatching(/^ScaledObject\//), path: ['spec', 'triggers', 0, 'metadta'], message: 'unknown field' }),
    ]);

    const { deployFleet } = await import('../../stacks/deploy-fleet.ts');
    await expect(deployFleet({ modelsDir: 'models', cwd: ROOT, stackName: 'prod' })).rejects.toThrow(
      /^internal error: manifests\/\S+\.yaml: ScaledObject\/\S+: spec\.triggers\[0\]\.metadta: unknown field; this is a bug in modelfleet, please report it$/,
    );
  });
});

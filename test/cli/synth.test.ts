/**
 * `modelfleet synth` on the example fleet, end to end: what it prints, what it
 * writes and that `kubectl kustomize` renders it. That the output is
 * byte-identical across runs, working directories, file orders and
 * environments is proved in `test/determinism/`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateManifests } from '../support/validate-manifests.ts';
import { readTree } from '../support/fleet-dir.ts';
import { ROOT, runCliInProcess, runCliProcess } from '../support/run-cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('synth on the example fleet', () => {
  const out = join(scratch, 'dist');
  let first: ReturnType<typeof runCliProcess>;
  // Lockfiles go to the scratch directory: tests never touch the repository's placement.lock.json.
  const lock = (name: string) => ['--lockfile', join(scratch, `${name}.lock.json`)];
  beforeAll(() => {
    // The one run of the real binary on the example fleet; the others run main() in process.
    first = runCliProcess(['synth', '--out', out, ...lock('first')]);
  });

  it('succeeds and prints a short summary', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^stack default: 5 teams, 17 models, 600 model copies\npacked into \d+ shards \(lower bound \d+(, optimal)?\)\nGPUs requested: \d+ at min replicas, \d+ at max replicas; \d+ at the planned peak \(lower bound \d+\)\nmonthly estimate: \$[\d,]+ planned, range \$[\d,]+–\$[\d,]+ \(730 h a month at the stack's node prices\)\nplacement: no lockfile yet; 600 copies placed in \d+ shards\nwrote \d+ files to .+\/ \(kubectl kustomize .+ renders \d+ objects\)\ncreated .+first\.lock\.json; commit it with the fleet\n$/,
    );
  });

  it('writes plan.json in the documented shape, every copy placed exactly once', () => {
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(Object.keys(plan).sort()).toEqual(['cost', 'gpusAtPeakLowerBound', 'lowerBound', 'shards']);
    const ids = plan.shards.flatMap((s: { models: { team: string; model: string; tenant: string | null }[] }) => s.models.map((m) => `${m.team}/${m.model}@${m.tenant}`));
    expect(ids).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    for (const s of plan.shards) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'namespace', 'team', 'tier', 'pool', 'capacity', 'used', 'serving', 'models']));
      expect(s.serving.replicas).toBeGreaterThanOrEqual(s.replicas.min);
      for (const k of ['memory', 'gpuMemory', 'cpu']) expect(s.used[k]).toBeLessThanOrEqual(s.capacity[k]);
      expect(s.name.length).toBeLessThanOrEqual(63);
    }
    expect(plan.shards.length).toBeGreaterThanOrEqual(plan.lowerBound);
    expect(plan.lowerBound).toBeGreaterThan(0);
  });

  it('writes summary.md and a kustomization that kubectl renders completely', () => {
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('# modelfleet plan');
    const kustomization = readFileSync(join(out, 'kustomization.yaml'), 'utf8');
    const files = readTree(out);
    const manifestObjects = Object.entries(files)
      .filter(([p]) => p.startsWith('manifests/'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()))
      .filter(Boolean);
    for (const p of Object.keys(files).filter((f) => f.startsWith('manifests/'))) expect(kustomization).toContain(p);
    const rendered = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(rendered.error).toBeUndefined();
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    const objects = parseAllDocuments(rendered.stdout).map((d) => d.toJS()).filter(Boolean);
    expect(objects.length).toBe(manifestObjects.length);
    const kinds = new Set(objects.map((o: { kind: string }) => o.kind));
    for (const kind of ['Namespace', 'ResourceQuota', 'LimitRange', 'Deployment', 'Service', 'ConfigMap', 'ScaledObject', 'ServiceMonitor', 'VirtualService']) expect(kinds).toContain(kind);
    expect(first.stdout).toContain(`renders ${objects.length} objects`);
  });

  it('emits only objects that validate strictly (Kubernetes 1.27 schemas, Istio CRDs; unknown fields rejected)', () => {
    const objects = Object.entries(readTree(out))
      .filter(([p]) => p.startsWith('manifests/'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()))
      .filter(Boolean);
    expect(objects.length).toBeGreaterThan(200);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('replaces its own previous output atomically and keeps no staging directories', async () => {
    writeFileSync(join(out, 'stale.txt'), 'from an older run\n');
    expect((await runCliInProcess(['synth', '--out', out, ...lock('first')])).code).toBe(0);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(readdirSync(scratch).filter((n) => n.includes('.new-'))).toEqual([]);
  });

  it('synthesizes with a stack from Pulumi.<name>.yaml', async () => {
    const dev = join(scratch, 'dev');
    const { code, stdout } = await runCliInProcess(['synth', '--stack', 'dev', '--out', dev, ...lock('dev')]);
    expect(code).toBe(0);
    expect(stdout).toContain('stack dev:');
    expect(readFileSync(join(dev, 'manifests', 'fraud.yaml'), 'utf8')).toContain('inference.dev.modelfleet.internal');
  });

  it('synthesizes the shipped prod stack against its committed placement.prod.lock.json', async () => {
    // --frozen-lockfile: fails instead of rewriting the repository's lockfile when placement would change.
    const prod = join(scratch, 'prod');
    const { code, stdout, stderr } = await runCliInProcess(['synth', '--stack', 'prod', '--out', prod, '--frozen-lockfile']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('stack prod:');
    expect(stdout).toContain('placement: unchanged');
    expect(readFileSync(join(prod, 'manifests', 'fraud.yaml'), 'utf8')).toContain('inference.prod.modelfleet.internal');
  });
});

describe('pack', () => {
  it('packs a vector instance and prints bins and assignment', async () => {
    const file = join(scratch, 'instance.json');
    writeFileSync(file, JSON.stringify({ capacity: [10, 10], items: [[6, 1], [5, 5], [4, 4], [1, 9]] }));
    const { code, stdout } = await runCliInProcess(['pack', file]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.bins).toBe(2); // {1,9}+{6,1} and {5,5}+{4,4}
    expect(result.assignment).toHaveLength(4);
  });

  it('rejects malformed instances with exit 1', async () => {
    const file = join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify({ capacity: [10], items: [[11]] }));
    const { code, stderr } = await runCliInProcess(['pack', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('items: item 0 exceeds the bin capacity');
  });
});

/**
 * The Pulumi program (`stacks/index.ts`) under mocks, as Pulumi runs it: the
 * stack is `dev`, and its config arrives the way the Pulumi CLI hands it
 * over — `pulumi.runtime.setAllConfig` with the keys of `Pulumi.dev.yaml`
 * (structured values as JSON text) — plus `modelfleet:models` pointing at
 * the small test fleet. The working directory is `stacks/` (Pulumi runs a
 * program in its `main` folder), so paths must resolve against the project
 * root. The program registers exactly the objects
 * `modelfleet synth --stack dev` writes and returns the stack outputs; the
 * stack comes from Pulumi's config, never from reading the file again; a
 * broken fleet or stack config fails it with synth's `FILE: FIELD: message`
 * lines.
 */
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../constructs/render-fleet.ts';
import type { FleetOutputs } from '../../stacks/fleet-outputs.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { expectRegisteredAsSynthesized } from './expect-wiring.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';
const GI = 1024 ** 3;
const MI = 1024 ** 2;

const recorder = await setRecordingMocks('modelfleet', 'dev');
const { default: main } = await import('../../stacks/index.ts');

/** Pulumi's config for the dev stack: `Pulumi.dev.yaml` as the CLI passes it, the test fleet, and `extra` on top. */
function setDevConfig(extra: Record<string, string> = {}): void {
  pulumi.runtime.setAllConfig({ ...stackFileConfig(join(ROOT, 'Pulumi.dev.yaml')), 'modelfleet:models': FLEET, ...extra });
}

/** Runs the program expecting a failure; returns the error. */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** The objects of synth's manifest files. */
function writtenObjects(synth: SynthResult): KubeObject[] {
  return synth.files
    .filter((f) => f.path.startsWith('manifests/'))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as KubeObject))
    .filter(Boolean);
}

describe('the program on the dev stack', () => {
  let outputs: FleetOutputs;
  let synth: SynthResult;
  let registrations: Registration[];

  const cwd = process.cwd();
  afterAll(() => process.chdir(cwd));

  const warnings: string[] = [];

  beforeAll(async () => {
    setDevConfig();
    // What the CLI does: read Pulumi.dev.yaml itself.
    synth = await synthFleet({ modelsDir: FLEET, stackName: 'dev', cwd: ROOT });
    process.chdir(join(ROOT, 'stacks'));
    const warn = vi.spyOn(pulumi.log, 'warn').mockImplementation(async (message: string) => {
      warnings.push(message);
    });
    try {
      outputs = (await main()) as FleetOutputs;
    } finally {
      warn.mockRestore();
    }
    registrations = [...(await recorder.waitFor(synth.objectCount))];
  });

  it('shows advisory rule violations as preview warnings, the ones synth prints', () => {
    // Pulumi.dev.yaml runs realtime shards with one replica; realtime-min-replicas is advisory by default.
    const expected = synth.rules.filter((r) => r.level === 'advisory').flatMap((r) => r.violations);
    expect(expected.length).toBeGreaterThan(0);
    expect(warnings).toHaveLength(expected.length);
    for (const w of warnings) expect(w).toMatch(/^advisory rule: manifests\/[a-z0-9-]+\.yaml: .*\(rule realtime-min-replicas\)$/);
  });

  it('exports shards, GPUs and quota use per team, and the lower bound for the dev stack', () => {
    // Pulumi.dev.yaml: realtime 1–2 replicas, interactive 1–2, batch 1–1; gpu-l4 gives 1 GPU per replica.
    // Requests per replica: fraud batch 3Gi / 600m, fraud realtime 4024Mi / 1000m, search 2Gi / 1000m (see fleet-outputs.test.ts),
    // each plus the tier's Istio sidecar: batch 128Mi / 200m, realtime 256Mi / 500m, interactive 192Mi / 300m.
    expect(outputs).toEqual({
      // Without modelfleet:teams: every team and the platform objects.
      teams: ['docai', 'fraud', 'search'],
      platformObjects: true,
      shards: {
        'fraud-batch-gpu-l4-1': { team: 'fraud', tier: 'batch', pool: 'gpu-l4', copies: 1 },
        'fraud-realtime-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: 2 },
        'search-interactive-cpu-std-1': { team: 'search', tier: 'interactive', pool: 'cpu-std', copies: 1 },
      },
      gpusRequested: { docai: { atMin: 0, atMax: 0, atPeak: 0 }, fraud: { atMin: 2, atMax: 3, atPeak: 2 }, search: { atMin: 0, atMax: 0, atPeak: 0 } },
      quotaUse: {
        docai: {
          gpu: { requested: 0, quota: 4, percent: 0 },
          cpu: { requested: 0, quota: 16_000, percent: 0 },
          memory: { requested: 0, quota: 64 * GI, percent: 0 },
        },
        fraud: {
          gpu: { requested: 1 + 2, quota: 16, percent: 18.8 }, // 18.75%
          cpu: { requested: 1 * (600 + 200) + 2 * (1000 + 500), quota: 64_000, percent: 5.9 }, // 3800m: 5.9375%
          memory: { requested: (1 * (3 * 1024 + 128) + 2 * (4024 + 256)) * MI, quota: 256 * GI, percent: 4.5 }, // 11760Mi / 262144Mi = 4.486%
        },
        search: {
          gpu: { requested: 0, quota: 0, percent: 0 },
          cpu: { requested: 2 * (1000 + 300), quota: 64_000, percent: 4.1 }, // 2600m: 4.0625%
          memory: { requested: 2 * (2 * 1024 + 192) * MI, quota: 256 * GI, percent: 1.7 }, // 4480Mi: 1.709%
        },
      },
      lowerBound: 3,
      // HPA (no scale to zero, no peak windows): min = planned. gpu-l4 $0.9776, cpu-std $0.8064 a node-hour, 730 h.
      monthlyCostUsd: {
        total: { min: 2015.97, planned: 2015.97, max: 3318.29 }, // the teams' sums, in cents
        byTeam: {
          docai: { min: 0, planned: 0, max: 0, budget: null },
          fraud: { min: 1427.3 /* 2 × 730 × 0.9776 */, planned: 1427.3, max: 2140.95 /* per shard, rounded: batch 1 × … $713.65, realtime 2 × … $1,427.30 */, budget: null },
          search: { min: 588.67 /* 1 × 730 × 0.8064 */, planned: 588.67, max: 1177.34, budget: null },
        },
      },
      placement: {
        'merchant-risk': 'fraud/fraud-batch-gpu-l4-1',
        'query-intent': 'search/search-interactive-cpu-std-1',
        'txn-scorer.acme': 'fraud/fraud-realtime-gpu-l4-1',
        'txn-scorer.globex': 'fraud/fraud-realtime-gpu-l4-1',
      },
    });
  });

  it('registers exactly the objects synth writes to manifests/, each once, typed, namespaced and depending on its Namespace', () => {
    const written = writtenObjects(synth);
    expect(written).toHaveLength(synth.objectCount);
    // With no previous placement to read, every route also waits for every shard it routes to (checked there).
    expectRegisteredAsSynthesized(registrations, written, '');
  });

  it('reads no previous placement under mocks without an organization: no StackReference to itself', () => {
    expect(registrations.filter((r) => r.type === 'pulumi:pulumi:StackReference')).toEqual([]);
  });

  it('uses the default provider, configured by the kubernetes:* keys', () => {
    expect(registrations.filter((r) => r.type === 'pulumi:providers:kubernetes')).toEqual([]);
    for (const r of registrations) expect(r.provider, r.name).toBe('');
    const hpa = registrations.find((r) => r.name === 'fraud/HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1');
    expect(hpa?.inputs.spec as { minReplicas: number; maxReplicas: number }).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
  });

  it("takes the stack from Pulumi's config, not from Pulumi.dev.yaml: a value set with `pulumi config set`, --config or ESC wins", async () => {
    const before = recorder.registrations.length;
    const dev = stackFileConfig(join(ROOT, 'Pulumi.dev.yaml'));
    const tiers = JSON.parse(dev['modelfleet:tiers']!) as Record<string, Record<string, unknown>>;
    // Pulumi.dev.yaml says realtime maxReplicas 2 and host inference.dev.modelfleet.internal; Pulumi's config says otherwise.
    setDevConfig({
      'modelfleet:tiers': JSON.stringify({ ...tiers, realtime: { ...tiers.realtime, maxReplicas: 3 } }),
      'modelfleet:routing': JSON.stringify({ host: 'inference.esc.example.com' }),
    });
    const result = (await main()) as FleetOutputs;
    const again = (await recorder.waitFor(before + synth.objectCount)).slice(before);
    const hpa = again.find((r) => r.name === 'fraud/HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1');
    expect(hpa?.inputs.spec as { maxReplicas: number }).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    const route = again.find((r) => r.name === 'fraud/VirtualService/txn-scorer');
    expect((route?.inputs.spec as { hosts: string[] }).hosts).toEqual(['inference.esc.example.com']);
    expect(result.gpusRequested.fraud).toEqual({ atMin: 2, atMax: 1 + 3, atPeak: 2 });
  });

  it('reports invalid stack config as FILE: FIELD: message lines naming the stack config, registering nothing', async () => {
    const before = recorder.registrations.length;
    const pools = JSON.parse(stackFileConfig(join(ROOT, 'Pulumi.dev.yaml'))['modelfleet:pools']!) as Record<string, Record<string, unknown>>;
    setDevConfig({
      'modelfleet:pools': JSON.stringify({ ...pools, 'gpu-l4': { ...pools['gpu-l4'], memory: '32 gigs' } }),
      'modelfleet:imagee': 'nvcr.io/nvidia/tritonserver:24.08-py3',
    });
    const failure = await failureOf(main);
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatchInlineSnapshot(`
      "Pulumi.dev.yaml: modelfleet:pools.gpu-l4.memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "32 gigs"
      Pulumi.dev.yaml: modelfleet:imagee: unknown field "imagee"; did you mean "image"?
      modelfleet: 2 problems found; nothing was applied"
    `);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });

  it('reports an empty program key the same way', async () => {
    setDevConfig({ 'modelfleet:renderYamlToDirectory': ' ' });
    const failure = await failureOf(main);
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toBe(
      'Pulumi.dev.yaml: modelfleet:renderYamlToDirectory: is empty; give a directory, e.g. "rendered", or remove the key to apply to the cluster\nmodelfleet: 1 problem found; nothing was applied',
    );
  });

  it('fails with the FILE: FIELD: message lines on a broken fleet, registering nothing', async () => {
    const before = recorder.registrations.length;
    setDevConfig({ 'modelfleet:models': 'test/fixtures/broken/bad-quantity/models' });
    const failure = await failureOf(main);
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatchInlineSnapshot(`
      "test/fixtures/broken/bad-quantity/models/fraud/txn-scorer.ts: memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "3 gigs"
      modelfleet: 1 problem found; nothing was applied"
    `);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });

  it('applies only a reviewed placement: a missing lockfile fails, registering nothing', async () => {
    const before = recorder.registrations.length;
    // The golden fleet has no committed placement.dev.lock.json.
    setDevConfig({ 'modelfleet:models': 'test/golden/small/models' });
    const failure = await failureOf(main);
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toBe(
      'test/golden/small/placement.dev.lock.json: -: not found; run `npx modelfleet synth --stack dev` and commit the lockfile, so that what is applied is what was reviewed',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });
});

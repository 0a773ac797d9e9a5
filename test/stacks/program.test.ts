/**
 * The Pulumi program (`stacks/index.ts`) under mocks, as Pulumi runs it: the
 * stack is `dev`, so `Pulumi.dev.yaml` configures the fleet; config
 * `modelfleet:models` points at the small test fleet; the working directory
 * is `stacks/` (Pulumi runs a program in its `main` folder), so paths must
 * resolve against the project root. The program registers
 * exactly the objects `modelfleet synth --stack dev` writes and returns the
 * stack outputs; a broken fleet fails it with synth's `FILE: FIELD: message`
 * lines.
 */
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { setRecordingMocks, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';

const recorder = await setRecordingMocks('modelfleet', 'dev');
const { default: main } = await import('../../stacks/index.ts');

describe('the program on the dev stack', () => {
  let outputs: Awaited<ReturnType<typeof main>>;
  let synth: SynthResult;
  let registrations: Registration[];

  const cwd = process.cwd();
  afterAll(() => process.chdir(cwd));

  beforeAll(async () => {
    pulumi.runtime.setConfig('modelfleet:models', FLEET);
    synth = await synthFleet({ modelsDir: FLEET, stackName: 'dev', cwd: ROOT });
    process.chdir(join(ROOT, 'stacks'));
    outputs = await main();
    registrations = [...(await recorder.waitFor(synth.objectCount))];
  });

  it('exports shards, GPUs per team and the lower bound for the dev stack', () => {
    // Pulumi.dev.yaml: realtime 1–2 replicas, batch 1–1; gpu-l4 gives 1 GPU per replica.
    expect(outputs).toEqual({
      shards: {
        'fraud-batch-gpu-l4-1': { team: 'fraud', tier: 'batch', pool: 'gpu-l4', copies: 1 },
        'fraud-realtime-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: 2 },
        'search-interactive-cpu-std-1': { team: 'search', tier: 'interactive', pool: 'cpu-std', copies: 1 },
      },
      gpusRequested: { docai: { atMin: 0, atMax: 0 }, fraud: { atMin: 2, atMax: 3 }, search: { atMin: 0, atMax: 0 } },
      lowerBound: 3,
    });
  });

  it('registers exactly the objects synth writes to manifests/', () => {
    const written = synth.files
      .filter((f) => f.path.startsWith('manifests/'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
      .filter(Boolean);
    expect(written).toHaveLength(synth.objectCount);
    expect(registrations).toHaveLength(written.length);
    expect(registrations.map((r) => r.inputs)).toEqual(expect.arrayContaining(written));
    expect(written).toEqual(expect.arrayContaining(registrations.map((r) => r.inputs)));
  });

  it('uses the default provider and the dev stack file', () => {
    for (const r of registrations) expect(r.provider, r.name).toBe('');
    const hpa = registrations.find((r) => r.name === 'fraud/HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1');
    expect((hpa?.inputs.spec as { minReplicas: number; maxReplicas: number })).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
  });

  it('fails with the FILE: FIELD: message lines on a broken fleet, registering nothing', async () => {
    const before = recorder.registrations.length;
    pulumi.runtime.setConfig('modelfleet:models', 'test/fixtures/broken/bad-quantity/models');
    const failure = await main().then(
      () => undefined,
      (e: unknown) => e,
    );
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
    pulumi.runtime.setConfig('modelfleet:models', 'test/golden/small/models');
    const failure = await main().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toBe(
      'test/golden/small/placement.dev.lock.json: -: not found; run `npx modelfleet synth --stack dev` and commit the lockfile, so that what is applied is what was reviewed',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });
});

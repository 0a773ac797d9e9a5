/**
 * The Pulumi program in render-to-directory mode, under mocks: with
 * `modelfleet:renderYamlToDirectory` set, the program creates exactly one
 * explicit Kubernetes provider with `renderYamlToDirectory` and registers
 * every object with it. Mocks do not run the provider, so what it writes is
 * not checked here (see docs/stack-config.md for the caveats).
 */
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../constructs/render-fleet.ts';
import type { FleetOutputs } from '../../stacks/fleet-outputs.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { RENDER_PROVIDER_NAME, renderDirectoryForProvider } from '../../stacks/render-provider.ts';
import { expectRegisteredAsSynthesized, PROVIDER_TYPE } from './expect-wiring.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';

const recorder = await setRecordingMocks('modelfleet', 'dev');
const { default: main } = await import('../../stacks/index.ts');

function setConfig(extra: Record<string, string>): void {
  pulumi.runtime.setAllConfig({ ...stackFileConfig(join(ROOT, 'Pulumi.dev.yaml')), 'modelfleet:models': FLEET, ...extra });
}

describe('the program with modelfleet:renderYamlToDirectory', () => {
  let synth: SynthResult;
  let registrations: Registration[];
  let outputs: FleetOutputs;

  const cwd = process.cwd();
  afterAll(() => process.chdir(cwd));

  beforeAll(async () => {
    synth = await synthFleet({ modelsDir: FLEET, stackName: 'dev', cwd: ROOT });
    process.chdir(join(ROOT, 'stacks'));
    setConfig({ 'modelfleet:renderYamlToDirectory': 'rendered' });
    outputs = (await main()) as FleetOutputs;
    registrations = [...(await recorder.waitFor(synth.objectCount + 1))];
  });

  it('creates exactly one provider, with renderYamlToDirectory relative to the program folder and no kubeconfig', () => {
    const providers = registrations.filter((r) => r.type === PROVIDER_TYPE);
    expect(providers).toHaveLength(1);
    const [provider] = providers;
    expect(provider!.name).toBe(RENDER_PROVIDER_NAME);
    // `rendered` is relative to the project root; the provider runs in stacks/, like the program.
    expect(provider!.inputs).toMatchObject({ renderYamlToDirectory: '../rendered', kubeconfig: '' });
    for (const key of ['context', 'cluster']) expect(provider!.inputs[key], key).toBeUndefined();
  });

  it('registers every synthesized object once, typed and wired, with that provider', () => {
    const provider = registrations.find((r) => r.type === PROVIDER_TYPE)!;
    const written = synth.files
      .filter((f) => f.path.startsWith('manifests/'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as KubeObject))
      .filter(Boolean);
    expectRegisteredAsSynthesized(registrations, written, `${provider.urn}::${provider.urn.split('::').at(-1)}_id`);
  });

  it('returns the same outputs as applying does', () => {
    expect(outputs.gpusRequested).toEqual({ docai: { atMin: 0, atMax: 0, atPeak: 0 }, fraud: { atMin: 2, atMax: 3, atPeak: 2 }, search: { atMin: 0, atMax: 0, atPeak: 0 } });
  });

  it('registers nothing, not even the provider, when synth fails', async () => {
    const before = recorder.registrations.length;
    setConfig({ 'modelfleet:renderYamlToDirectory': 'rendered', 'modelfleet:models': 'test/fixtures/broken/bad-quantity/models' });
    const failure = await main().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });
});

describe('renderDirectoryForProvider', () => {
  it('passes a project-relative directory relative to the working directory, and an absolute one unchanged', () => {
    expect(renderDirectoryForProvider('rendered', '/repo', '/repo/stacks')).toBe('../rendered');
    expect(renderDirectoryForProvider('out/prod/', '/repo', '/repo/stacks')).toBe('../out/prod');
    expect(renderDirectoryForProvider('rendered', '/repo', '/repo')).toBe('rendered');
    expect(renderDirectoryForProvider('stacks', '/repo', '/repo/stacks')).toBe('.');
    expect(renderDirectoryForProvider('/srv/manifests', '/repo', '/repo/stacks')).toBe('/srv/manifests');
  });
});

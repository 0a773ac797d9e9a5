/**
 * Make before break through the whole program: the program reads the
 * placement its last apply exported (a StackReference to its own stack),
 * and a copy that moved since then gets the apply order of
 * `routeSwitchOrder()`: its route waits for the new shard, the old shard
 * waits for the route.
 */
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';
const OLD = 'fraud/fraud-batch-gpu-l4-1';
const NEW = 'fraud/fraud-realtime-gpu-l4-1';

// The last apply served txn-scorer.acme from the batch shard; the plan now has it on the realtime shard.
const previousPlacement = {
  'merchant-risk': OLD,
  'query-intent': 'search/search-interactive-cpu-std-1',
  'txn-scorer.acme': OLD,
  'txn-scorer.globex': NEW,
};
const stackReferencesRead: string[] = [];
const recorder = await setRecordingMocks('modelfleet', 'dev', { organization: 'acme', stackReferenceOutputs: { placement: previousPlacement }, stackReferencesRead });
const { default: main } = await import('../../stacks/index.ts');

describe('the program with a previous placement', () => {
  let outputs: Awaited<ReturnType<typeof main>>;
  let registrations: Registration[];
  const urnOf = (name: string) => registrations.find((r) => r.name === name)?.urn;
  const depsOf = (name: string) => new Set(registrations.find((r) => r.name === name)!.dependencies);
  const cwd = process.cwd();
  afterAll(() => process.chdir(cwd));

  beforeAll(async () => {
    const { objectCount } = await synthFleet({ modelsDir: FLEET, cwd: ROOT, stackName: 'dev' });
    pulumi.runtime.setAllConfig({ ...stackFileConfig(join(ROOT, 'Pulumi.dev.yaml')), 'modelfleet:models': FLEET });
    process.chdir(join(ROOT, 'stacks'));
    outputs = await main();
    // Every object synth writes for the dev stack (the StackReference is a read, not a registration).
    registrations = [...(await recorder.waitFor(objectCount))];
  });

  it('reads its own stack through a StackReference', () => {
    expect(stackReferencesRead).toEqual(['acme/modelfleet/dev']);
  });

  it('exports the placement the next apply reads', () => {
    expect(outputs.placement).toEqual({ ...previousPlacement, 'txn-scorer.acme': NEW });
  });

  it("orders the moved copy's route after its new shard and its old shard after the route", () => {
    const route = urnOf('fraud/VirtualService/txn-scorer')!;
    expect(route).toBeDefined();
    const routeDeps = depsOf('fraud/VirtualService/txn-scorer');
    for (const kind of ['Deployment', 'DestinationRule', 'AuthorizationPolicy']) expect(routeDeps.has(urnOf(`fraud/${kind}/fraud-realtime-gpu-l4-1`)!), kind).toBe(true);
    expect(routeDeps.has(urnOf('fraud/Deployment/fraud-batch-gpu-l4-1')!)).toBe(false);
    for (const kind of ['ConfigMap', 'Deployment', 'AuthorizationPolicy']) expect(depsOf(`fraud/${kind}/fraud-batch-gpu-l4-1`).has(route), kind).toBe(true);
    expect(depsOf('fraud/Service/fraud-batch-gpu-l4-1').has(route)).toBe(false);
  });

  it('lets routes of copies that did not move wait for nothing but their namespace', () => {
    expect([...depsOf('fraud/VirtualService/merchant-risk')]).toEqual([urnOf('Namespace/fraud')]);
    expect([...depsOf('search/VirtualService/query-intent')]).toEqual([urnOf('Namespace/search')]);
  });
});

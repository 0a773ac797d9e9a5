/**
 * The shipped production stack: `Pulumi.prod.yaml` over the example fleet
 * (`models/`). The program, under mocks with the stack's config as the
 * Pulumi CLI hands it over, registers exactly what
 * `modelfleet synth --stack prod` renders against the committed
 * `placement.prod.lock.json`, and every object passes strict schema
 * validation.
 */
import { join, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../constructs/render-fleet.ts';
import type { FleetOutputs } from '../../stacks/fleet-outputs.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { expectRegisteredAsSynthesized } from './expect-wiring.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const recorder = await setRecordingMocks('modelfleet', 'prod');
const { default: main } = await import('../../stacks/index.ts');

describe('the prod stack on the example fleet', () => {
  let synth: SynthResult;
  let objects: KubeObject[];
  let registrations: Registration[];
  let outputs: FleetOutputs;

  const cwd = process.cwd();
  afterAll(() => process.chdir(cwd));

  beforeAll(async () => {
    // What `npx modelfleet synth --stack prod` does.
    synth = await synthFleet({ modelsDir: 'models', stackName: 'prod', cwd: ROOT });
    objects = synth.files
      .filter((f) => f.path.startsWith('manifests/'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as KubeObject))
      .filter(Boolean);
    // What `pulumi up --stack prod` does: Pulumi's config, the default fleet directory.
    pulumi.runtime.setAllConfig(stackFileConfig(join(ROOT, 'Pulumi.prod.yaml')));
    process.chdir(join(ROOT, 'stacks'));
    outputs = (await main()) as FleetOutputs;
    registrations = [...(await recorder.waitFor(synth.objectCount))];
  });

  it('synthesizes cleanly against the committed placement.prod.lock.json', () => {
    expect(synth.planned.stack.name).toBe('prod');
    expect(synth.lockfile.shownAs).toBe('placement.prod.lock.json');
    expect(synth.lockfile.previous?.text, 'run `npx modelfleet synth --stack prod` and commit placement.prod.lock.json').toBe(synth.lockfile.text);
    expect(objects).toHaveLength(synth.objectCount);
  });

  it('renders objects that pass strict validation', () => {
    expect(validateManifests(objects)).toEqual([]);
  });

  it('uses every pool, KEDA, ServiceMonitors, IRSA and the production host', () => {
    expect(new Set(synth.planned.plan.shards.map((s) => s.pool))).toEqual(new Set(['gpu-l4', 'gpu-l4-spot', 'gpu-a100-80g', 'cpu-std']));
    const kinds = new Set(objects.map((o) => o.kind));
    expect(kinds).toContain('ScaledObject');
    expect(kinds).toContain('ServiceMonitor');
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      expect((d.spec as { template: { spec: { serviceAccountName?: string } } }).template.spec.serviceAccountName, d.metadata.name).toBe('triton-model-reader');
    }
    for (const v of objects.filter((o) => o.kind === 'VirtualService')) {
      expect(v.spec).toMatchObject({ hosts: ['inference.prod.modelfleet.internal'], gateways: ['istio-ingress/inference-gateway'] });
    }
    for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) expect(m.metadata.labels, m.metadata.name).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  it('registers every object once, typed and wired, with the default provider', () => {
    expectRegisteredAsSynthesized(registrations, objects, '');
  });

  it('keeps every team within its quota at max replicas', () => {
    expect(Object.keys(outputs.quotaUse).sort()).toEqual(['docai', 'forecasting', 'fraud', 'recsys', 'search']);
    for (const [team, use] of Object.entries(outputs.quotaUse)) {
      for (const [resource, u] of Object.entries(use)) {
        expect(u.requested, `${team} ${resource}`).toBeLessThanOrEqual(u.quota);
        expect(u.percent, `${team} ${resource}`).toBeLessThanOrEqual(100);
      }
    }
    expect(Object.keys(outputs.shards)).toHaveLength(synth.planned.plan.shards.length);
  });
});

/**
 * The copies behind a shard's pods, read back from the `models.json` of the
 * ConfigMaps its pod template mounts: as synth renders them (through a
 * projected volume, beside the namespace's fetch script) and as older renders
 * and hand-written objects mount them (a plain `configMap` volume).
 */
import { describe, expect, it } from 'vitest';
import { renderFleetObjects } from '../../constructs/render-fleet.ts';
import { podTemplateOf } from '../../policies/rules/pod-templates.ts';
import { mountedConfigMapNames, shardCopyEntries } from '../../policies/rules/shard-copies.ts';
import type { KubeObject } from '../../policies/rules/kube-object.ts';
import { defaultStack, plan, teams } from '../constructs/small-fleet.ts';

const objects = renderFleetObjects({ stack: defaultStack(), teams, plan }).flatMap((m) => m.objects) as unknown as KubeObject[];
const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'fraud-realtime-gpu-l4-1')!;

describe('shard copies', () => {
  it('names the ConfigMaps of configMap volumes and of projected volumes, in order', () => {
    expect(
      mountedConfigMapNames({
        volumes: [
          { name: 'a', configMap: { name: 'plain' } },
          { name: 'b', projected: { sources: [{ configMap: { name: 'script' } }, { secret: { name: 's' } }, { configMap: { name: 'shard' } }] } },
          { name: 'c', emptyDir: {} },
          { name: 'd', projected: 'not a volume' },
        ],
      }),
    ).toEqual(['plain', 'script', 'shard']);
    expect(mountedConfigMapNames({})).toEqual([]);
  });

  it('reads the copies of a rendered shard through its projected volume', () => {
    const template = podTemplateOf(deployment)!;
    expect(mountedConfigMapNames(template.spec)).toEqual(['fraud-fetch-models', 'fraud-realtime-gpu-l4-1']);
    expect(shardCopyEntries(template, objects)).toEqual([{ model: 'embedder' }, { model: 'txn-scorer', tenant: 'acme' }, { model: 'txn-scorer', tenant: 'globex' }]);
  });

  it('reads them through a plain configMap volume too', () => {
    const spec = (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    const plain = { ...deployment, spec: { ...(deployment.spec as object), template: { ...(deployment.spec as { template: object }).template, spec: { ...spec, volumes: [{ name: 'config', configMap: { name: 'fraud-realtime-gpu-l4-1' } }] } } } };
    expect(shardCopyEntries(podTemplateOf(plain)!, objects).map((e) => e.tenant ?? '-')).toEqual(['-', 'acme', 'globex']);
  });
});

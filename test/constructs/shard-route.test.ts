import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ShardRoute } from '../../constructs/shard-route.ts';
import { validateManifest } from '../support/validate-manifests.ts';
import { defaultStack, gpuShard, cpuShard } from './small-fleet.ts';

const stack = defaultStack();

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(shard = gpuShard) {
  const chart = Testing.chart();
  new ShardRoute(chart, 'Route', { shard, stack });
  return Testing.synth(chart) as any[];
}

describe('ShardRoute', () => {
  it('binds one VirtualService to the stack gateway and host', () => {
    const [vs, ...rest] = synth();
    expect(rest).toEqual([]);
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.kind).toBe('VirtualService');
    expect(vs.metadata).toMatchObject({ name: gpuShard.name, namespace: 'fraud' });
    expect(vs.spec.gateways).toEqual(['istio-system/modelfleet-gateway']);
    expect(vs.spec.hosts).toEqual(['inference.modelfleet.internal']);
    expect(validateManifest(vs)).toEqual([]);
  });

  it('routes each model path, exact and with a trailing slash prefix, to the shard Service', () => {
    const [vs] = synth();
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['embedder', 'txn-scorer.acme', 'txn-scorer.globex']);
    expect(vs.spec.http[1]).toEqual({
      name: 'txn-scorer.acme',
      match: [{ uri: { exact: '/v2/models/txn-scorer.acme' } }, { uri: { prefix: '/v2/models/txn-scorer.acme/' } }],
      route: [{ destination: { host: 'fraud-realtime-gpu-l4-1.fraud.svc.cluster.local', port: { number: 8000 } } }],
    });
  });

  it('gives different shards disjoint paths', () => {
    const paths = (shard: typeof gpuShard) =>
      new Set(synth(shard)[0].spec.http.flatMap((r: any) => r.match.map((m: any) => m.uri.exact ?? m.uri.prefix)));
    const a = paths(gpuShard);
    for (const p of paths(cpuShard)) expect(a.has(p)).toBe(false);
  });
});

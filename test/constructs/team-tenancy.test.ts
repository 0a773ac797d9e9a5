import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TeamTenancy } from '../../constructs/team-tenancy.ts';
import { defaultStack, teams } from './small-fleet.ts';

const stack = defaultStack();
const fraud = teams[0]!;

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(props: Partial<ConstructorParameters<typeof TeamTenancy>[2]> = {}) {
  const chart = Testing.chart();
  new TeamTenancy(chart, 'Tenancy', { team: fraud, stack, ...props });
  const objects = Testing.synth(chart) as any[];
  return { objects, byKind: (kind: string) => objects.find((o) => o.kind === kind) };
}

describe('TeamTenancy', () => {
  it('renders a Namespace without a namespace, and namespaced objects inside it', () => {
    const { objects, byKind } = synth();
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange']);
    const ns = byKind('Namespace');
    expect(ns.metadata.name).toBe('fraud');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({ 'modelfleet.io/team': 'fraud', 'pod-security.kubernetes.io/enforce': 'restricted' });
    // Every pod of the team gets the Istio sidecar (needs the Istio CNI node agent under "restricted").
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
    expect(ns.metadata.labels['istio.io/rev']).toBeUndefined();
    expect(byKind('ResourceQuota').metadata.namespace).toBe('fraud');
    expect(byKind('LimitRange').metadata.namespace).toBe('fraud');
  });

  it('labels a revision instead with modelfleet:isolation.sidecarInjection', () => {
    const chart = Testing.chart();
    new TeamTenancy(chart, 'Tenancy', { team: teams[0]!, stack: { ...stack, isolation: { ...stack.isolation, sidecarInjection: 'canary' } } });
    const ns = (Testing.synth(chart) as { kind: string; metadata: { labels: Record<string, string> } }[]).find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels['istio.io/rev']).toBe('canary');
    expect(ns.metadata.labels['istio-injection']).toBeUndefined();
  });

  it('caps requests, with the GPU quota on requests.<gpu resource>', () => {
    expect(synth().byKind('ResourceQuota').spec).toEqual({
      hard: { 'requests.cpu': '32', 'requests.memory': '128Gi', 'requests.nvidia.com/gpu': 4 },
    });
  });

  it('caps every GPU resource name the stack pools use', () => {
    const mig = { ...stack, pools: [...stack.pools, { ...stack.pools[0]!, name: 'gpu-mig', gpuResource: 'nvidia.com/mig-1g.10gb' }] };
    const hard = synth({ stack: mig }).byKind('ResourceQuota').spec.hard;
    expect(Object.keys(hard).sort()).toEqual(['requests.cpu', 'requests.memory', 'requests.nvidia.com/gpu', 'requests.nvidia.com/mig-1g.10gb']);
  });

  it('bounds containers that declare no resources', () => {
    expect(synth().byKind('LimitRange').spec).toEqual({
      limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '1', memory: '1Gi' } }],
    });
  });

  it('names the construct path when the defaults contradict each other', () => {
    expect(() => synth({ defaultRequest: { cpuMillicores: 2000, memoryBytes: 2 ** 20 } })).toThrow(/^\[test\/Tenancy\] defaultRequest \(2 CPU, 1Mi\) exceeds defaultLimit/);
  });
});

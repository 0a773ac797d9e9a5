import { describe, expect, it } from 'vitest';
import { SLA_TIERS } from '../../core/spec/model-spec.ts';
import {
  ISTIO_DEFAULT_SIDECAR_RESOURCES,
  EXCLUDE_OUTBOUND_PORTS_ANNOTATION,
  NATIVE_SIDECAR_ANNOTATION,
  objectStorePorts,
  SIDECAR_RESOURCE_ANNOTATIONS,
  sidecarInjectionLabels,
  SIDECAR_RESOURCES,
  sidecarPodAnnotations,
  sidecarResources,
} from '../../core/plan/sidecar-resources.ts';
import { shardResources } from '../../core/plan/shard-resources.ts';
import { teamUsage } from '../../core/plan/team-usage.ts';
import { cpuShard, defaultStack, gpuShard } from '../constructs/small-fleet.ts';

const Mi = 2 ** 20;
const stack = defaultStack();

describe('SIDECAR_RESOURCES', () => {
  it('has a row per tier whose requests fit its limits (else the API server rejects the pod)', () => {
    expect(Object.keys(SIDECAR_RESOURCES).sort()).toEqual([...SLA_TIERS].sort());
    for (const tier of SLA_TIERS) {
      const r = SIDECAR_RESOURCES[tier];
      expect(r.cpu, tier).toBeLessThanOrEqual(r.cpuLimit);
      expect(r.memory, tier).toBeLessThanOrEqual(r.memoryLimit);
      // Never below what Istio would give the proxy anyway.
      expect(r.cpu, tier).toBeGreaterThanOrEqual(ISTIO_DEFAULT_SIDECAR_RESOURCES.cpu);
      expect(r.memory, tier).toBeGreaterThanOrEqual(ISTIO_DEFAULT_SIDECAR_RESOURCES.memory);
    }
  });

  it('gives realtime the most proxy CPU: its request covers the planned peak rate', () => {
    expect(SIDECAR_RESOURCES.realtime.cpu).toBeGreaterThan(SIDECAR_RESOURCES.interactive.cpu);
    expect(SIDECAR_RESOURCES.interactive.cpu).toBeGreaterThan(SIDECAR_RESOURCES.batch.cpu);
  });
});

describe('sidecarPodAnnotations', () => {
  it("writes Istio's resource annotations as Kubernetes quantities and asks for a native sidecar", () => {
    expect(sidecarPodAnnotations({ tier: 'realtime' })).toEqual({
      'sidecar.istio.io/nativeSidecar': 'true',
      'sidecar.istio.io/proxyCPU': '500m',
      'sidecar.istio.io/proxyCPULimit': '2',
      'sidecar.istio.io/proxyMemory': '256Mi',
      'sidecar.istio.io/proxyMemoryLimit': '1Gi',
    });
    expect(Object.keys(sidecarPodAnnotations({ tier: 'batch' })).sort()).toEqual([NATIVE_SIDECAR_ANNOTATION, ...Object.values(SIDECAR_RESOURCE_ANNOTATIONS)].sort());
  });

  it('with fetcherEgress bypass-mesh asks for a classic sidecar and leaves the object store ports alone', () => {
    const bypass = (s3Endpoint?: string) =>
      sidecarPodAnnotations({ tier: 'batch' }, { isolation: { fetcherEgress: 'bypass-mesh' }, modelRepository: s3Endpoint === undefined ? {} : { s3Endpoint } });
    expect(bypass()).toMatchObject({ [NATIVE_SIDECAR_ANNOTATION]: 'false', [EXCLUDE_OUTBOUND_PORTS_ANNOTATION]: '443' });
    expect(bypass('http://minio.storage.svc:9000')[EXCLUDE_OUTBOUND_PORTS_ANNOTATION]).toBe('443,9000');
    expect(bypass('http://minio.storage.svc')[EXCLUDE_OUTBOUND_PORTS_ANNOTATION]).toBe('80,443');
    expect(bypass('https://s3.vpce.example.com')[EXCLUDE_OUTBOUND_PORTS_ANNOTATION]).toBe('443');
    expect(objectStorePorts({})).toEqual([443]);
  });
});

describe('sidecarInjectionLabels', () => {
  it('labels istio-injection for the default injector, istio.io/rev for a revision, never both', () => {
    expect(sidecarInjectionLabels({ sidecarInjection: 'enabled' })).toEqual({ 'istio-injection': 'enabled' });
    expect(sidecarInjectionLabels({ sidecarInjection: '1-24-2' })).toEqual({ 'istio.io/rev': '1-24-2' });
  });
});

describe('teamUsage', () => {
  it("adds each pod's sidecar requests to its Triton requests, at max replicas", () => {
    const usage = teamUsage([gpuShard, cpuShard], (s) => shardResources(stack, s));
    const fraud = usage.get('fraud')!;
    const triton = shardResources(stack, gpuShard).requests;
    const sidecar = sidecarResources(gpuShard);
    expect(fraud.sidecarCpu).toBe(sidecar.cpu * gpuShard.maxReplicas);
    expect(fraud.sidecarMemory).toBe(sidecar.memory * gpuShard.maxReplicas);
    expect(fraud.cpu).toBe((triton.cpu + sidecar.cpu) * gpuShard.maxReplicas);
    expect(fraud.memory).toBe((triton.memory + sidecar.memory) * gpuShard.maxReplicas);
    expect(usage.get('search')!.sidecarMemory).toBe(128 * Mi * cpuShard.maxReplicas);
  });

  it('counts Triton alone for pods without a sidecar', () => {
    const fraud = teamUsage([gpuShard], (s) => shardResources(stack, s), () => undefined).get('fraud')!;
    expect(fraud).toMatchObject({ sidecarCpu: 0, sidecarMemory: 0, cpu: shardResources(stack, gpuShard).requests.cpu * gpuShard.maxReplicas });
  });
});

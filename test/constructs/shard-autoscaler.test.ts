import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ShardAutoscaler } from '../../constructs/shard-autoscaler.ts';
import { metricsPodAnnotations, ShardMetrics } from '../../constructs/shard-metrics.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { cpuShard, gpuShard } from './small-fleet.ts';

const keda = resolvePlatformStack('default', {});
const hpa = resolvePlatformStack('hpa', { autoscaler: { kind: 'hpa' }, metrics: { exposure: 'annotations' } });

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(shard: Shard, stack = keda): any[] {
  const chart = Testing.chart();
  new ShardAutoscaler(chart, 'Autoscaler', { shard, stack });
  new ShardMetrics(chart, 'Metrics', { shard, stack });
  return Testing.synth(chart) as any[];
}

const batchShard: Shard = { ...cpuShard, name: 'fraud-batch-cpu-std-1', tier: 'batch', minReplicas: 1, maxReplicas: 4 };
const peakShard: Shard = { ...gpuShard, minReplicas: 2, peak: { replicas: 5, windowsUtc: [{ startHourUtc: 13, endHourUtc: 23 }, { startHourUtc: 22, endHourUtc: 2 }] } };

describe('ShardAutoscaler with KEDA', () => {
  it('scales on queue time, CPU and GPU with the tier targets and behavior', () => {
    const [so, sm] = synth(gpuShard);
    expect(so).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: gpuShard.name, namespace: 'fraud' } });
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: gpuShard.name });
    expect(so.spec.triggers.map((t: any) => [t.name, t.type, t.metricType, t.metadata.threshold ?? t.metadata.value])).toEqual([
      ['queue-time', 'prometheus', 'Value', '2000'],
      ['cpu', 'cpu', 'Utilization', '50'],
      ['gpu', 'prometheus', 'Value', '60'],
    ]);
    expect(so.spec.idleReplicaCount).toBeUndefined();
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    expect(sm).toMatchObject({ kind: 'ServiceMonitor', spec: { endpoints: [{ port: 'metrics', interval: '15s' }] } });
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(validateManifests([so, sm])).toEqual([]);
  });

  it('holds the peak floor with one UTC cron trigger per window', () => {
    const [so] = synth(peakShard);
    expect(so.spec.minReplicaCount).toBe(2);
    expect(so.spec.triggers.filter((t: any) => t.type === 'cron')).toEqual([
      { type: 'cron', name: 'peak-13-23', metadata: { timezone: 'Etc/UTC', start: '0 13 * * *', end: '0 23 * * *', desiredReplicas: '5' } },
      { type: 'cron', name: 'peak-22-02', metadata: { timezone: 'Etc/UTC', start: '0 22 * * *', end: '0 2 * * *', desiredReplicas: '5' } },
    ]);
    expect(validateManifests([so])).toEqual([]);
  });

  it('lets only batch idle at zero, woken by the mesh request rate', () => {
    const [so] = synth(batchShard);
    expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4, idleReplicaCount: 0, cooldownPeriod: 900 });
    expect(so.spec.triggers.find((t: any) => t.name === 'requests')).toMatchObject({ metricType: 'AverageValue', metadata: { threshold: '1200', activationThreshold: '0' } });
    expect(validateManifests([so])).toEqual([]);
    expect(so).toMatchSnapshot();
  });
});

describe('ShardAutoscaler with the HPA', () => {
  it("scales on the prometheus-adapter Pods metric and the Triton container's CPU, and annotates pods instead of a ServiceMonitor", () => {
    const objects = synth(peakShard, hpa);
    expect(objects).toHaveLength(1);
    const [h] = objects;
    expect(h).toMatchObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { minReplicas: 2, maxReplicas: 8 } });
    expect(h.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'triton_queue_time_per_request_us' }, target: { type: 'AverageValue', averageValue: 2000 } } },
      // The Triton container's CPU, not the pod's: the injected Istio proxy would dilute it.
      { type: 'ContainerResource', containerResource: { container: 'triton', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
    expect(metricsPodAnnotations(hpa)).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8002', 'prometheus.io/path': '/metrics' });
    expect(metricsPodAnnotations(keda)).toEqual({});
    expect(validateManifests([h])).toEqual([]);
    expect(h).toMatchSnapshot();
  });
});

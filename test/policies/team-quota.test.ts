/**
 * `team-quota` on rendered objects: the Pulumi test fleet's fraud team runs a
 * batch shard (1 GPU, 600m CPU, 3Gi per replica, up to 4 replicas) and a
 * realtime shard (1 GPU, 1 CPU, 4024Mi, up to 8), against a quota of 16 GPUs,
 * 64 CPU and 256Gi. The fraud namespace injects Istio sidecars: each batch pod
 * adds 200m / 128Mi (limits 1500m / 1Gi), each realtime pod 500m / 256Mi
 * (limits 2 / 1Gi), so at max replicas the shards request 10400m + 4800m CPU
 * and 44480Mi + 2560Mi. Quotas are lowered, and hand-written workloads added,
 * to break it; a fleet over quota gives the same message as the plan-level check.
 */
import { describe, expect, it } from 'vitest';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { shardResources } from '../../core/plan/shard-resources.ts';
import { teamUsage } from '../../core/plan/team-usage.ts';
import { renderFleetObjects } from '../../constructs/render-fleet.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { collectViolations, teamQuotaRule, type KubeObject } from '../../policies/rules/index.ts';
import { checkTeamQuotas } from '../../policies/team-quota.ts';
import { objectsOf, synthOnce } from './policy-harness.ts';

const stack = loadPlatformStack();
const config = { gpuResources: ['nvidia.com/gpu'] };
const fleet = objectsOf(await synthOnce('test/stacks/fleet/models'));
const SHARDS = 'merchant-risk, txn-scorer@acme, txn-scorer@globex';

/** The fleet's objects with the fraud quota's `hard` replaced. */
function withFraudQuota(hard: Record<string, unknown>, objects: readonly KubeObject[] = fleet): KubeObject[] {
  return objects.map((o) => (o.kind === 'ResourceQuota' && o.metadata?.name === 'fraud-quota' ? { ...o, spec: { hard } } : o));
}

const messages = (objects: readonly KubeObject[]) => collectViolations(teamQuotaRule, objects, config).map((v) => v.message);

/** A hand-written Deployment in the fraud namespace. */
function deployment(name: string, resources: Record<string, unknown> | undefined, replicas?: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'fraud' },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nvcr.io/nvidia/app:1', ...(resources ? { resources } : {}) }] } },
    },
  };
}

describe('team-quota', () => {
  it('passes the fleet as synthesized', () => {
    expect(messages(fleet)).toEqual([]);
  });

  it('names the team, the totals at max replicas and the copies, on the quota field', () => {
    const objects = withFraudQuota({ 'requests.cpu': '64', 'requests.memory': '256Gi', 'requests.nvidia.com/gpu': 10 });
    const [violation, ...rest] = collectViolations(teamQuotaRule, objects, config);
    expect(rest).toEqual([]);
    expect(violation!.object).toMatchObject({ kind: 'ResourceQuota', metadata: { name: 'fraud-quota' } });
    expect(violation!.path).toEqual(['spec', 'hard', 'requests.nvidia.com/gpu']);
    expect(violation!.message).toBe(`team fraud requests 12 GPUs at max replicas, quota is 10 GPUs (${SHARDS}); raise the quota or lower the max replicas`);
  });

  it('checks CPU and memory requests, limits and pods', () => {
    expect(messages(withFraudQuota({ 'requests.cpu': '10', 'requests.memory': '40Gi', pods: 10, 'limits.cpu': '80' }))).toEqual([
      `team fraud requests 15200m CPU at max replicas, quota is 10 CPU (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud requests 47040Mi memory at max replicas, quota is 40Gi memory (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud runs 12 pods at max replicas, quota is 10 pods (${SHARDS}); raise the quota or lower the max replicas`,
      // 90 CPU of Triton limits + 4 × 1500m + 8 × 2 of sidecar limits.
      `team fraud sets limits of 112 CPU at max replicas, quota is 80 CPU (${SHARDS}); raise the quota or lower the max replicas`,
    ]);
  });

  it('counts a hand-written Deployment and its HorizontalPodAutoscaler', () => {
    const objects = [
      ...withFraudQuota({ 'requests.nvidia.com/gpu': 14 }),
      deployment('feature-store', { requests: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': 1 }, limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': 1 } }),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'feature-store', namespace: 'fraud' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'feature-store' }, minReplicas: 1, maxReplicas: 3 },
      },
    ];
    expect(messages(objects)).toEqual([`team fraud requests 15 GPUs at max replicas, quota is 14 GPUs (Deployment/feature-store, ${SHARDS}); raise the quota or lower the max replicas`]);
  });

  it("counts a container without requests at the namespace LimitRange's defaults, times spec.replicas", () => {
    // 15200m of the shards + 3 × (100m LimitRange defaultRequest + 100m of Istio's default sidecar request).
    const objects = [...withFraudQuota({ 'requests.cpu': '15600m' }), deployment('no-resources', undefined, 3)];
    expect(messages(objects)).toEqual([`team fraud requests 15800m CPU at max replicas, quota is 15600m CPU (Deployment/no-resources, ${SHARDS}); raise the quota or lower the max replicas`]);
  });

  it("takes KEDA's default maxReplicaCount (100) when a ScaledObject gives none", () => {
    const objects = fleet.map((o) => {
      if (o.kind !== 'ScaledObject' || o.metadata?.name !== 'fraud-realtime-gpu-l4-1') return o;
      const { maxReplicaCount: _, ...spec } = o.spec as Record<string, unknown>;
      return { ...o, spec };
    });
    // 4 batch replicas + 100 realtime ones: (600m + 200m) × 4 + 1500m × 100 CPU, (3Gi + 128Mi) × 4 + (4024Mi + 256Mi) × 100,
    // 1 GPU each.
    expect(messages(objects)).toEqual([
      `team fraud requests 153200m CPU at max replicas, quota is 64 CPU (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud requests 440800Mi memory at max replicas, quota is 256Gi memory (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud requests 104 GPUs at max replicas, quota is 16 GPUs (${SHARDS}); raise the quota or lower the max replicas`,
    ]);
  });

  it('applies a quota scoped to a PriorityClass to the pods of that class only', () => {
    const realtimeOnly: KubeObject = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'fraud-realtime', namespace: 'fraud' },
      spec: { hard: { 'requests.nvidia.com/gpu': 4 }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['modelfleet-realtime'] }] } },
    };
    expect(messages([...fleet, realtimeOnly])).toEqual([
      'team fraud requests 8 GPUs at max replicas, quota is 4 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the max replicas',
    ]);
  });

  it('leaves DaemonSets out, and names an unlabelled namespace by its name', () => {
    const daemonSet: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'dcgm-exporter', namespace: 'fraud' },
      spec: { template: { spec: { containers: [{ name: 'x', resources: { requests: { 'nvidia.com/gpu': 1 } } }] } } },
    };
    expect(messages([...fleet, daemonSet])).toEqual([]);
    const quota: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'sandbox' }, spec: { hard: { pods: '1' } } };
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'sandbox' }, spec: { containers: [{ name: 'c' }] } };
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'sandbox' }, spec: { parallelism: 2, template: { spec: { containers: [{ name: 'c' }] } } } };
    expect(messages([quota, pod, job])).toEqual(['team sandbox runs 3 pods at max replicas, quota is 1 pods (Job/j, Pod/p); raise the quota or lower the max replicas']);
  });

  it('says what the plan-level check says about a fleet over its quota', async () => {
    const planned = await planFleet({ modelsDir: 'test/fixtures/broken/team-over-quota/models', stack });
    const objects = renderFleetObjects({ stack, teams: planned.fleet.teams, plan: planned.plan }).flatMap((m) => m.objects);
    const manifest = messages(objects);
    const plan = checkTeamQuotas(planned.fleet.teams, planned.plan.shards, (s) => shardResources(stack, s)).map((i) => i.message);
    expect(manifest).toEqual(['team fraud requests 8 GPUs at max replicas, quota is 4 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the max replicas']);
    expect(plan).toEqual(["team fraud requests 8 GPUs at max replicas, quota is 4 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the tiers' maxReplicas"]);
    expect(manifest[0]!.split(';')[0]).toBe(plan[0]!.split(';')[0]);
  });

  it('lists at most five contributors', async () => {
    const objects = objectsOf(await synthOnce('models')).map((o) =>
      o.kind === 'ResourceQuota' && o.metadata?.name === 'fraud-quota' ? { ...o, spec: { hard: { 'requests.nvidia.com/gpu': 8 } } } : o,
    );
    expect(messages(objects)).toEqual([
      'team fraud requests 56 GPUs at max replicas, quota is 8 GPUs (ato-detector, txn-scorer@acme-bank, txn-scorer@atlantic-bancorp, txn-scorer@atlantic-pay, txn-scorer@bayview-fcu, … 92 more); raise the quota or lower the max replicas',
    ]);
  });
});

describe('team-quota: the Istio sidecar the injector adds', () => {
  /** A namespace `sandbox` with the given labels, its CPU quota and one workload. */
  function sandbox(namespaceLabels: Record<string, string>, workload: KubeObject, quotaCpu = '1'): KubeObject[] {
    return [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sandbox', labels: namespaceLabels } },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'sandbox' }, spec: { hard: { 'requests.cpu': quotaCpu } } },
      workload,
    ];
  }

  /** A Deployment in `sandbox`: 2 replicas of one 400m container, with pod labels and annotations. */
  function app(labels: Record<string, string> = {}, annotations: Record<string, string> = {}, initContainers: unknown[] = []): KubeObject {
    const resources = { requests: { cpu: '400m', memory: '1Gi' }, limits: { cpu: '400m', memory: '1Gi' } };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'sandbox' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app', ...labels }, annotations },
          spec: { initContainers, containers: [{ name: 'app', image: 'nvcr.io/nvidia/app:1', resources }] },
        },
      },
    };
  }

  const cpu = (objects: KubeObject[]) => messages(objects).map((m) => m.replace(/ at max replicas.*/, ''));

  it("counts each shard pod's sidecar at its annotated size: a quota that fits the Triton containers alone fails", () => {
    expect(cpu(withFraudQuota({ 'requests.cpu': '12' }))).toEqual(['team fraud requests 15200m CPU']);
    // The same fleet without the namespace's injection label: Triton alone, 10400m.
    const meshless = withFraudQuota({ 'requests.cpu': '12' }).map((o) =>
      o.kind === 'Namespace' && o.metadata?.name === 'fraud' ? { ...o, metadata: { ...o.metadata, labels: { 'modelfleet.io/team': 'fraud' } } } : o,
    );
    expect(messages(meshless)).toEqual([]);
  });

  it("gives a pod without resource annotations Istio's default proxy (100m), where the injector adds one", () => {
    // 2 × (400m + 100m) against 900m; without the sidecar 800m would fit.
    expect(cpu(sandbox({ 'istio-injection': 'enabled' }, app(), '900m'))).toEqual(['team sandbox requests 1 CPU']);
    expect(cpu(sandbox({}, app(), '900m'))).toEqual([]);
    // With a proxyCPU annotation of 200m: 2 × 600m against 1 CPU.
    const over = (labels: Record<string, string>, pod: Record<string, string> = {}) =>
      cpu(sandbox(labels, app(pod, { 'sidecar.istio.io/proxyCPU': '200m' })));
    expect(over({ 'istio-injection': 'enabled' })).toEqual(['team sandbox requests 1200m CPU']);
    expect(over({ 'istio.io/rev': 'stable' })).toEqual(['team sandbox requests 1200m CPU']);
    expect(over({}, { 'sidecar.istio.io/inject': 'true' })).toEqual(['team sandbox requests 1200m CPU']);
    // No injection: the pod opts out, the namespace disables it (whatever the pod says), or nothing asks for it.
    expect(over({ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' })).toEqual([]);
    expect(over({ 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' })).toEqual([]);
    expect(over({})).toEqual([]);
  });

  it('counts the proxy beside every init container (native sidecar) unless the pod asks for a regular container', () => {
    const fetcher = { name: 'fetch', image: 'rclone/rclone:1', resources: { requests: { cpu: '800m' }, limits: { cpu: '800m' } } };
    const annotations = { 'sidecar.istio.io/proxyCPU': '150m' };
    // Native: max(400m + 150m, 150m + 800m) = 950m per pod; regular: max(400m + 150m, 800m) = 800m.
    expect(cpu(sandbox({ 'istio-injection': 'enabled' }, app({}, annotations, [fetcher])))).toEqual(['team sandbox requests 1900m CPU']);
    expect(cpu(sandbox({ 'istio-injection': 'enabled' }, app({}, { ...annotations, 'sidecar.istio.io/nativeSidecar': 'false' }, [fetcher])))).toEqual([
      'team sandbox requests 1600m CPU',
    ]);
  });

  it('agrees with teamUsage (plan, summary, stack outputs) on CPU and memory, sidecars included', async () => {
    const planned = await planFleet({ modelsDir: 'test/stacks/fleet/models', stack });
    const usage = teamUsage(planned.plan.shards, (s) => shardResources(stack, s)).get('fraud')!;
    expect({ sidecarCpu: usage.sidecarCpu, sidecarMemory: usage.sidecarMemory / 2 ** 20 }).toEqual({ sidecarCpu: 4800, sidecarMemory: 2560 });
    const teams = planned.fleet.teams.map((t) => (t.name === 'fraud' ? { ...t, quota: { ...t.quota, cpu: 10_000, memory: 40 * 2 ** 30 } } : t));
    const objects = renderFleetObjects({ stack, teams, plan: planned.plan }).flatMap((m) => m.objects);
    const plan = checkTeamQuotas(teams, planned.plan.shards, (s) => shardResources(stack, s)).map((i) => i.message.split(';')[0]);
    expect(messages(objects).map((m) => m.split(';')[0])).toEqual(plan);
    expect(plan).toEqual([
      `team fraud requests 15200m CPU at max replicas, quota is 10 CPU (${SHARDS})`,
      `team fraud requests 47040Mi memory at max replicas, quota is 40Gi memory (${SHARDS})`,
    ]);
  });

  it('counts the same with fetcherEgress bypass-mesh (a classic sidecar container instead of a native one)', async () => {
    const bypass = { ...stack, isolation: { ...stack.isolation, fetcherEgress: 'bypass-mesh' as const } };
    const planned = await planFleet({ modelsDir: 'test/stacks/fleet/models', stack: bypass });
    const teams = planned.fleet.teams.map((t) => (t.name === 'fraud' ? { ...t, quota: { ...t.quota, cpu: 10_000, memory: 40 * 2 ** 30 } } : t));
    const objects = renderFleetObjects({ stack: bypass, teams, plan: planned.plan }).flatMap((m) => m.objects);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'sidecar.istio.io/nativeSidecar': 'false', 'traffic.sidecar.istio.io/excludeOutboundPorts': '443' });
    expect(messages(objects).map((m) => m.split(';')[0])).toEqual([
      `team fraud requests 15200m CPU at max replicas, quota is 10 CPU (${SHARDS})`,
      `team fraud requests 47040Mi memory at max replicas, quota is 40Gi memory (${SHARDS})`,
    ]);
  });
});

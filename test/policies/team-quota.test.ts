/**
 * `team-quota` on rendered objects: the Pulumi test fleet's fraud team runs a
 * batch shard (1 GPU, 600m CPU, 3Gi per replica, up to 4 replicas) and a
 * realtime shard (1 GPU, 1 CPU, 4024Mi, up to 8), against a quota of 16 GPUs,
 * 64 CPU and 256Gi. Quotas are lowered, and hand-written workloads added, to
 * break it; a fleet over quota gives the same message as the plan-level check.
 */
import { describe, expect, it } from 'vitest';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { shardResources } from '../../core/plan/shard-resources.ts';
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
      `team fraud requests 10400m CPU at max replicas, quota is 10 CPU (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud requests 44480Mi memory at max replicas, quota is 40Gi memory (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud runs 12 pods at max replicas, quota is 10 pods (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud sets limits of 90 CPU at max replicas, quota is 80 CPU (${SHARDS}); raise the quota or lower the max replicas`,
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
    // 10400m of the shards + 3 × 100m (LimitRange defaultRequest).
    const objects = [...withFraudQuota({ 'requests.cpu': '10600m' }), deployment('no-resources', undefined, 3)];
    expect(messages(objects)).toEqual([`team fraud requests 10700m CPU at max replicas, quota is 10600m CPU (Deployment/no-resources, ${SHARDS}); raise the quota or lower the max replicas`]);
  });

  it("takes KEDA's default maxReplicaCount (100) when a ScaledObject gives none", () => {
    const objects = fleet.map((o) => {
      if (o.kind !== 'ScaledObject' || o.metadata?.name !== 'fraud-realtime-gpu-l4-1') return o;
      const { maxReplicaCount: _, ...spec } = o.spec as Record<string, unknown>;
      return { ...o, spec };
    });
    // 4 batch replicas + 100 realtime ones: 600m × 4 + 1 × 100 CPU, 3Gi × 4 + 4024Mi × 100, 1 GPU each.
    expect(messages(objects)).toEqual([
      `team fraud requests 102400m CPU at max replicas, quota is 64 CPU (${SHARDS}); raise the quota or lower the max replicas`,
      `team fraud requests 414688Mi memory at max replicas, quota is 256Gi memory (${SHARDS}); raise the quota or lower the max replicas`,
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

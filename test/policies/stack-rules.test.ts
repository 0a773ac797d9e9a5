/**
 * The rules that need the whole set of objects, on violating fixtures:
 * VirtualService destinations, and the realtime invariants (replicas from
 * the autoscaler targeting a workload, a PodDisruptionBudget selecting it).
 */
import { describe, expect, it } from 'vitest';
import {
  collectViolations,
  describeObject,
  realtimeDisruptionBudgetRule,
  realtimeMinReplicasRule,
  virtualServiceNamespaceRule,
  type KubeObject,
} from '../../policies/rules/index.ts';
import { copyOf, objectsOf, synthOnce } from './policy-harness.ts';

const fleet = objectsOf(await synthOnce('test/stacks/fleet/models'));
const at = (v: { path: readonly (string | number)[] }) => v.path.join('.');
const vs = (objects: readonly KubeObject[]) => collectViolations(virtualServiceNamespaceRule, objects, { clusterDomain: 'cluster.local' });
const minReplicas = (objects: readonly KubeObject[]) => collectViolations(realtimeMinReplicasRule, objects, { minReplicas: 2 });
const budget = (objects: readonly KubeObject[]) => collectViolations(realtimeDisruptionBudgetRule, objects, {});
const without = (kind: string, name: string) => fleet.filter((o) => !(o.kind === kind && o.metadata?.name === name));

describe('virtualservice-namespace', () => {
  it('passes the synthesized routes (FQDNs of Services in their own namespace)', () => {
    expect(fleet.some((o) => o.kind === 'VirtualService')).toBe(true);
    expect(vs(fleet)).toEqual([]);
  });

  it('reports routes to another namespace, to external hosts and mirrors, and accepts short names', () => {
    const route = copyOf(fleet, 'VirtualService', 'txn-scorer');
    route.spec.http[0].route[0].destination.host = 'search-interactive-cpu-std-1.search.svc.cluster.local';
    route.spec.http[0].mirror = { host: 'collector.example.com' };
    route.spec.http.push({ name: 'short', route: [{ destination: { host: 'fraud-batch-gpu-l4-1' } }] });
    route.spec.tcp = [{ route: [{ destination: { host: 'db.fraud' } }] }];
    expect(vs([route as KubeObject]).map((v) => [at(v), v.message])).toEqual([
      [
        'spec.http.0.route.0.destination.host',
        'VirtualService/txn-scorer in namespace fraud routes to "search-interactive-cpu-std-1.search.svc.cluster.local", a Service in namespace search; a VirtualService may route only to Services in its own namespace',
      ],
      [
        'spec.http.0.mirror.host',
        'VirtualService/txn-scorer in namespace fraud routes to "collector.example.com", not a Service of this cluster (expected a short name or <service>.fraud.svc.cluster.local); a VirtualService may route only to Services in its own namespace',
      ],
      [
        'spec.tcp.0.route.0.destination.host',
        'VirtualService/txn-scorer in namespace fraud routes to "db.fraud", not a Service of this cluster (expected a short name or <service>.fraud.svc.cluster.local); a VirtualService may route only to Services in its own namespace',
      ],
    ]);
  });

  it('checks hand-written VirtualServices of any API version', () => {
    const handWritten: KubeObject = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'canary', namespace: 'search' },
      spec: { hosts: ['x'], http: [{ route: [{ destination: { host: 'ranker.recsys.svc.cluster.local' } }, { destination: { host: 'ranker' } }] }] },
    };
    expect(vs([handWritten]).map((v) => v.message)).toEqual([
      'VirtualService/canary in namespace search routes to "ranker.recsys.svc.cluster.local", a Service in namespace recsys; a VirtualService may route only to Services in its own namespace',
    ]);
  });
});

describe('realtime-min-replicas', () => {
  it('passes realtime shards scaled by KEDA from 2 replicas', () => {
    expect(minReplicas(fleet)).toEqual([]);
  });

  it('reports the autoscaler field that lets a realtime shard run one replica', () => {
    const scaler = copyOf(fleet, 'ScaledObject', 'fraud-realtime-gpu-l4-1');
    scaler.spec.minReplicaCount = 1;
    const objects = [...without('ScaledObject', 'fraud-realtime-gpu-l4-1'), scaler as KubeObject];
    const [v, ...rest] = minReplicas(objects);
    expect(rest).toEqual([]);
    expect(describeObject(v!.object)).toBe('ScaledObject/fraud-realtime-gpu-l4-1');
    expect(at(v!)).toBe('spec.minReplicaCount');
    expect(v!.message).toBe(
      'Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but may run 1 replica (ScaledObject/fraud-realtime-gpu-l4-1 spec.minReplicaCount); realtime needs at least 2, so a drain or a crash never takes the only server away',
    );
  });

  it('reports a KEDA idleReplicaCount below the minimum, and a realtime Deployment without autoscaler', () => {
    const scaler = copyOf(fleet, 'ScaledObject', 'fraud-realtime-gpu-l4-1');
    scaler.spec.idleReplicaCount = 0;
    const handWritten: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'rules-engine', namespace: 'fraud', labels: { 'modelfleet.io/tier': 'realtime' } },
      spec: { selector: { matchLabels: { app: 'rules-engine' } }, template: { metadata: { labels: { app: 'rules-engine' } }, spec: { containers: [] } } },
    };
    expect(minReplicas([...without('ScaledObject', 'fraud-realtime-gpu-l4-1'), scaler as KubeObject, handWritten]).map((v) => [describeObject(v.object), at(v), v.message])).toEqual([
      [
        'ScaledObject/fraud-realtime-gpu-l4-1',
        'spec.idleReplicaCount',
        'Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but may run 0 replicas (ScaledObject/fraud-realtime-gpu-l4-1 spec.idleReplicaCount); realtime needs at least 2, so a drain or a crash never takes the only server away',
      ],
      [
        'Deployment/rules-engine',
        'spec.replicas',
        'Deployment/rules-engine is realtime (modelfleet.io/tier) but may run 1 replica (spec.replicas is unset); realtime needs at least 2, so a drain or a crash never takes the only server away',
      ],
    ]);
  });
});

describe('realtime-disruption-budget', () => {
  it('passes realtime shards with their PodDisruptionBudget', () => {
    expect(budget(fleet)).toEqual([]);
  });

  it('reports a realtime shard whose budget is gone, or selects other pods', () => {
    const other = copyOf(fleet, 'PodDisruptionBudget', 'fraud-realtime-gpu-l4-1');
    other.spec.selector = { matchLabels: { 'app.kubernetes.io/instance': 'fraud-batch-gpu-l4-1' } };
    for (const objects of [without('PodDisruptionBudget', 'fraud-realtime-gpu-l4-1'), [...without('PodDisruptionBudget', 'fraud-realtime-gpu-l4-1'), other as KubeObject]]) {
      expect(budget(objects).map((v) => [describeObject(v.object), v.message])).toEqual([
        [
          'Deployment/fraud-realtime-gpu-l4-1',
          'Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but no PodDisruptionBudget in its namespace selects its pods; add one (maxUnavailable: 1) whose selector matches the pod labels',
        ],
      ]);
    }
  });

  it('accepts a budget selecting by matchExpressions, and ignores budgets of other namespaces', () => {
    const expressions: KubeObject = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'all-triton', namespace: 'fraud' },
      spec: { maxUnavailable: 1, selector: { matchExpressions: [{ key: 'modelfleet.io/tier', operator: 'In', values: ['realtime'] }] } },
    };
    const elsewhere = { ...expressions, metadata: { name: 'all-triton', namespace: 'search' } };
    const base = without('PodDisruptionBudget', 'fraud-realtime-gpu-l4-1');
    expect(budget([...base, expressions])).toEqual([]);
    expect(budget([...base, elsewhere])).toHaveLength(1);
  });
});

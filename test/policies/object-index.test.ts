/**
 * `ObjectIndex`: every lookup gives exactly what scanning the objects gives,
 * in the same order, on generated object sets with the shapes the rules meet
 * (several kinds, API groups and versions, namespaced and cluster-scoped or
 * namespace-less objects, duplicate names, selectors, autoscaler targets,
 * malformed metadata).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { apiGroupOf, asRecord, asString, asStringMap, isKind as isKindOf, nameOf, namespaceOf, sameNamespace, selectorMatches, type KubeObject } from '../../policies/rules/kube-object.ts';
import { ObjectIndex, type MissingNamespace } from '../../policies/rules/object-index.ts';
import { podTemplatesIn } from '../../policies/rules/pod-templates.ts';
import { autoscalersOf } from '../../policies/rules/replica-bounds.ts';

const KINDS = [
  ['v1', 'ConfigMap'],
  ['v1', 'Namespace'],
  ['v1', 'LimitRange'],
  ['apps/v1', 'Deployment'],
  ['apps/v1beta1', 'Deployment'],
  ['extensions/v1beta1', 'Deployment'],
  ['keda.sh/v1alpha1', 'ScaledObject'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['security.istio.io/v1', 'AuthorizationPolicy'],
  ['security.istio.io/v1beta1', 'AuthorizationPolicy'],
  ['networking.istio.io/v1alpha3', 'EnvoyFilter'],
] as const;

const name = fc.constantFrom('a', 'b', 'c', 'shard-1', 'shard-2');
const labels = fc.dictionary(fc.constantFrom('app', 'shard', 'tier', 'team'), fc.constantFrom('x', 'y', 'shard-1', 'shard-2'), { maxKeys: 3 });
const selector = fc.oneof(
  fc.constant(undefined),
  fc.record({ matchLabels: labels }),
  fc.record({ matchLabels: labels, matchExpressions: fc.constant([{ key: 'app', operator: 'Exists' }]) }),
  fc.constant({}),
  fc.constant({ matchLabels: { app: 7 } }),
  fc.constant('not a selector'),
);
const metadata = fc.oneof(
  fc.record({ name, namespace: fc.constantFrom('default', 'fraud', 'search') }, { requiredKeys: [] }),
  fc.record({ name, labels }),
  fc.constant(undefined),
  fc.constant('broken'),
);
const object: fc.Arbitrary<KubeObject> = fc
  .record({
    kind: fc.oneof(fc.constantFrom(...KINDS), fc.constant([7, 'ConfigMap'] as const), fc.constant(['v1', 7] as const)),
    metadata,
    selector,
    target: fc.oneof(fc.constant(undefined), fc.record({ name, kind: fc.constantFrom('Deployment', 'StatefulSet', undefined), apiVersion: fc.constantFrom('apps/v1', 'v1', undefined) }, { requiredKeys: ['name'] })),
    podLabels: labels,
  })
  .map(({ kind: pair, metadata, selector, target, podLabels }) => ({
    apiVersion: (pair as readonly unknown[])[0] as never,
    kind: (pair as readonly unknown[])[1] as never,
    metadata: metadata as never,
    spec: {
      ...(selector !== undefined ? { selector } : {}),
      workloadSelector: { labels: asRecord(selector)?.matchLabels },
      ...(target ? { scaleTargetRef: target } : {}),
      template: { metadata: { labels: podLabels }, spec: { containers: [] } },
    },
  }));
const objects = fc.array(object, { maxLength: 40 }).chain((list) =>
  // Now and then the same object twice, as a careless caller may pass it.
  fc.boolean().map((twice) => (twice && list.length ? [...list, list[0]!] : list)),
);

/** `isKind`, for the malformed objects too: an apiVersion that is not a string gives no API group (`isKind` would throw on it; the index gives such an object no kind). */
const isKind = (o: KubeObject, group: string, kind: string) => (o.apiVersion === undefined || typeof o.apiVersion === 'string') && isKindOf(o, group, kind);

const groupKinds = KINDS.map(([v, k]) => [apiGroupOf(v), k] as const);
const NAMESPACES = ['', 'default', 'fraud', 'search', 'nowhere'];
const MISSING: MissingNamespace[] = ['', 'default'];

describe('ObjectIndex', () => {
  test.prop([objects])('ofKind and inNamespace return what filtering returns, in order', (list) => {
    const index = new ObjectIndex(list);
    for (const [group, kind] of groupKinds) {
      expect(index.ofKind(group, kind)).toEqual(list.filter((o) => isKind(o, group, kind)));
      for (const missing of MISSING) {
        for (const ns of NAMESPACES) {
          expect(index.inNamespace(group, kind, ns, missing)).toEqual(list.filter((o) => isKind(o, group, kind) && (namespaceOf(o) ?? missing) === ns));
        }
      }
    }
  });

  test.prop([objects])('named returns what find returns', (list) => {
    const index = new ObjectIndex(list);
    for (const [group, kind] of groupKinds) {
      for (const n of ['a', 'b', 'shard-1', 'zzz', '']) {
        expect(index.named(group, kind, n)).toBe(list.find((o) => isKind(o, group, kind) && nameOf(o) === n));
        for (const missing of MISSING) {
          for (const ns of NAMESPACES) {
            expect(index.named(group, kind, n, ns, missing)).toBe(list.find((o) => isKind(o, group, kind) && nameOf(o) === n && (namespaceOf(o) ?? missing) === ns));
          }
        }
      }
    }
  });

  test.prop([objects])('podTemplates and podTemplatesIn return what podTemplatesIn of the objects returns', (objects) => {
    // podTemplateOf, like isKind, throws on an apiVersion that is not a string.
    const list = objects.filter((o) => o.apiVersion === undefined || typeof o.apiVersion === 'string');
    const index = new ObjectIndex(list);
    const all = podTemplatesIn(list);
    expect(index.podTemplates()).toEqual(all);
    for (const missing of MISSING) {
      for (const ns of NAMESPACES) expect(index.podTemplatesIn(ns, missing)).toEqual(all.filter((t) => (namespaceOf(t.object) ?? missing) === ns));
    }
  });

  test.prop([objects])('autoscalersOf finds what a scan of every object finds', (list) => {
    const index = new ObjectIndex(list);
    // The scan autoscalersOf did before the index: every object of the namespace that targets the workload.
    const targets = (ref: Readonly<Record<string, unknown>> | undefined, w: KubeObject, defaults: { kind?: string; apiVersion?: string }) => {
      if (!ref) return false;
      const kind = asString(ref.kind) ?? defaults.kind;
      const apiVersion = asString(ref.apiVersion) ?? defaults.apiVersion;
      if (kind !== w.kind || asString(ref.name) !== nameOf(w)) return false;
      return apiVersion === undefined || apiGroupOf(apiVersion) === apiGroupOf(w.apiVersion);
    };
    const scan = (w: KubeObject) =>
      list.filter((o) => {
        if (!sameNamespace(o, w)) return false;
        const ref = asRecord(asRecord(o.spec)?.scaleTargetRef);
        if (isKind(o, 'keda.sh', 'ScaledObject')) return targets(ref, w, { kind: 'Deployment', apiVersion: 'apps/v1' });
        if (isKind(o, 'autoscaling', 'HorizontalPodAutoscaler')) return targets(ref, w, {});
        return false;
      });
    for (const workload of list.filter((o) => typeof o.kind === 'string' && (o.apiVersion === undefined || typeof o.apiVersion === 'string'))) {
      expect(autoscalersOf(workload, index)).toEqual(scan(workload));
      expect(autoscalersOf(workload, list)).toEqual(scan(workload));
    }
  });

  test.prop([objects, labels])('selectorCandidates keeps every object whose selector selects the labels, in order', (list, podLabels) => {
    const index = new ObjectIndex(list);
    // The two tests the rules apply to candidates: non-empty matchLabels carried by the labels, and a full label selector.
    const selects = (o: KubeObject) => {
      const wanted = Object.entries(asStringMap(asRecord(asRecord(o.spec)?.selector)?.matchLabels));
      return wanted.length > 0 && wanted.every(([k, v]) => podLabels[k] === v);
    };
    const matches = (o: KubeObject) => selectorMatches(asRecord(o.spec)?.selector, podLabels);
    for (const [group, kind] of groupKinds) {
      for (const missing of MISSING) {
        for (const ns of NAMESPACES) {
          const inNs = list.filter((o) => isKind(o, group, kind) && (namespaceOf(o) ?? missing) === ns);
          const candidates = index.selectorCandidates(group, kind, ns, missing, ['spec', 'selector', 'matchLabels'], podLabels);
          expect(candidates.filter(selects)).toEqual(inNs.filter(selects));
          expect(candidates.filter(matches)).toEqual(inNs.filter(matches));
          const workloadCandidates = index.selectorCandidates(group, kind, ns, missing, ['spec', 'workloadSelector', 'labels'], podLabels);
          const workloadSelects = (o: KubeObject) => {
            const wanted = Object.entries(asStringMap(asRecord(asRecord(o.spec)?.workloadSelector)?.labels));
            return wanted.length > 0 && wanted.every(([k, v]) => podLabels[k] === v);
          };
          expect(workloadCandidates.filter(workloadSelects)).toEqual(inNs.filter(workloadSelects));
        }
      }
    }
  });

  it('of() reuses an index and indexes an array', () => {
    const list: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fraud' } }];
    const index = new ObjectIndex(list);
    expect(ObjectIndex.of(index)).toBe(index);
    expect(ObjectIndex.of(list).ofKind('', 'Namespace')).toEqual(list);
  });

  it('looks objects up without scanning them: 2,000 shards among 20,000 objects read each object a few times, not once per lookup', () => {
    const list: KubeObject[] = [];
    for (let i = 0; i < 2000; i++) {
      const labels = { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': `shard-${i}` };
      list.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `shard-${i}`, namespace: 'fraud' }, spec: { template: { metadata: { labels }, spec: {} } } });
      list.push({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: `shard-${i}`, namespace: 'fraud' }, spec: { scaleTargetRef: { name: `shard-${i}` } } });
      for (const suffix of ['', '-tenant-guard']) list.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `shard-${i}${suffix}`, namespace: 'fraud' }, spec: { selector: { matchLabels: labels } } });
      for (let j = 0; j < 6; j++) list.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `shard-${i}-${j}`, namespace: 'fraud' } });
    }
    // Count every read of an element of the list.
    let reads = 0;
    const counted = new Proxy(list, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const index = new ObjectIndex(counted);
    for (const w of index.ofKind('apps', 'Deployment')) {
      expect(autoscalersOf(w, index)).toHaveLength(1);
      const podLabels = asStringMap(asRecord(asRecord(asRecord(w.spec)?.template)?.metadata)?.labels);
      expect(index.selectorCandidates('security.istio.io', 'AuthorizationPolicy', 'fraud', 'default', ['spec', 'selector', 'matchLabels'], podLabels)).toHaveLength(2);
      expect(index.named('', 'ConfigMap', `${nameOf(w)}-5`, 'fraud')).toBeDefined();
    }
    // A scan per lookup would read 2,000 × 20,000 × 3 elements; the index reads the list once to build, once more for the autoscalers.
    expect(reads).toBeLessThanOrEqual(2 * list.length);
  });
});

/**
 * What every test of the program checks about its registrations: each
 * synthesized object registered exactly once, as its typed resource, with
 * the object as input, in its namespace, depending on its Namespace (and a
 * workload on its pods' PriorityClass), with the expected provider.
 */
import { expect } from 'vitest';
import type { KubeObject } from '../../constructs/render-fleet.ts';
import type { Registration } from './pulumi-mocks.ts';

/** The type token each rendered (apiVersion, kind) must be registered as. */
export const TYPE_TOKENS: Readonly<Record<string, string>> = {
  'v1 Namespace': 'kubernetes:core/v1:Namespace',
  'v1 ResourceQuota': 'kubernetes:core/v1:ResourceQuota',
  'v1 LimitRange': 'kubernetes:core/v1:LimitRange',
  'v1 ConfigMap': 'kubernetes:core/v1:ConfigMap',
  'v1 Service': 'kubernetes:core/v1:Service',
  'apps/v1 Deployment': 'kubernetes:apps/v1:Deployment',
  'autoscaling/v2 HorizontalPodAutoscaler': 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
  'policy/v1 PodDisruptionBudget': 'kubernetes:policy/v1:PodDisruptionBudget',
  'scheduling.k8s.io/v1 PriorityClass': 'kubernetes:scheduling.k8s.io/v1:PriorityClass',
  'networking.istio.io/v1 VirtualService': 'kubernetes:networking.istio.io/v1:VirtualService',
  'keda.sh/v1alpha1 ScaledObject': 'kubernetes:keda.sh/v1alpha1:ScaledObject',
  'monitoring.coreos.com/v1 ServiceMonitor': 'kubernetes:monitoring.coreos.com/v1:ServiceMonitor',
};

/** Type token of provider resources. */
export const PROVIDER_TYPE = 'pulumi:providers:kubernetes';

/**
 * Asserts that `registrations` (provider resources excluded) are exactly
 * `objects`, each once and wired as `registerFleet` promises.
 *
 * @param provider - the provider reference every resource must carry (`''` for the default provider)
 */
export function expectRegisteredAsSynthesized(registrations: readonly Registration[], objects: readonly KubeObject[], provider: string): void {
  const resources = registrations.filter((r) => r.type !== PROVIDER_TYPE);
  expect(resources).toHaveLength(objects.length);
  expect(new Set(resources.map((r) => r.urn)).size).toBe(objects.length);
  const urnOf = (type: string, name: string) => resources.find((r) => r.type === type && (r.inputs.metadata as { name: string }).name === name)?.urn;
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const name = ns === undefined ? `${o.kind}/${o.metadata.name}` : `${ns}/${o.kind}/${o.metadata.name}`;
    const matches = resources.filter((r) => r.name === name);
    expect(matches, name).toHaveLength(1);
    const r = matches[0]!;
    expect(r.type, name).toBe(TYPE_TOKENS[`${o.apiVersion} ${o.kind}`]);
    expect(r.inputs, name).toEqual(o);
    expect(r.provider, name).toBe(provider);
    if (o.kind === 'Namespace' || o.kind === 'PriorityClass') {
      expect(ns, name).toBeUndefined();
      expect(r.dependencies, name).toEqual([]);
      continue;
    }
    expect(ns, name).toBe((o.metadata.labels as Record<string, string> | undefined)?.['modelfleet.io/team']);
    const priority = (o as { spec?: { template?: { spec?: { priorityClassName?: string } } } }).spec?.template?.spec?.priorityClassName;
    const expected = [urnOf(TYPE_TOKENS['v1 Namespace']!, ns!), ...(priority === undefined ? [] : [urnOf(TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass']!, priority)])];
    expect(expected.every(Boolean), name).toBe(true);
    expect(r.dependencies, name).toEqual(expected);
  }
}

/**
 * What every test of the program checks about its registrations: each
 * synthesized object registered exactly once, as its typed resource, with
 * the object as input, in its namespace, depending on its Namespace (and a
 * workload on its pods' PriorityClass; a VirtualService on the Deployment,
 * DestinationRule and AuthorizationPolicies of every shard it routes to, and
 * the namespace's gRPC guard EnvoyFilter that selects the shard's pods), with
 * the expected provider.
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
  'networking.k8s.io/v1 NetworkPolicy': 'kubernetes:networking.k8s.io/v1:NetworkPolicy',
  'autoscaling/v2 HorizontalPodAutoscaler': 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
  'policy/v1 PodDisruptionBudget': 'kubernetes:policy/v1:PodDisruptionBudget',
  'scheduling.k8s.io/v1 PriorityClass': 'kubernetes:scheduling.k8s.io/v1:PriorityClass',
  'networking.istio.io/v1 VirtualService': 'kubernetes:networking.istio.io/v1:VirtualService',
  'networking.istio.io/v1 DestinationRule': 'kubernetes:networking.istio.io/v1:DestinationRule',
  'security.istio.io/v1 AuthorizationPolicy': 'kubernetes:security.istio.io/v1:AuthorizationPolicy',
  'networking.istio.io/v1alpha3 EnvoyFilter': 'kubernetes:networking.istio.io/v1alpha3:EnvoyFilter',
  'keda.sh/v1alpha1 ScaledObject': 'kubernetes:keda.sh/v1alpha1:ScaledObject',
  'monitoring.coreos.com/v1 ServiceMonitor': 'kubernetes:monitoring.coreos.com/v1:ServiceMonitor',
  'security.istio.io/v1 RequestAuthentication': 'kubernetes:security.istio.io/v1:RequestAuthentication',
  'security.istio.io/v1 PeerAuthentication': 'kubernetes:security.istio.io/v1:PeerAuthentication',
};

/** Type token of provider resources. */
export const PROVIDER_TYPE = 'pulumi:providers:kubernetes';

/** The shard label every object of a shard carries (`shardLabels()`). */
const SHARD_LABEL = 'modelfleet.io/shard';
/** The pod-template label that picks the namespace's gRPC guard (`GRPC_STREAM_LABEL`). */
const GRPC_STREAM_LABEL = 'modelfleet.io/grpc-stream';

/**
 * `namespace/name` of every Service a VirtualService sends traffic to, read
 * from its destination hosts (`<service>.<namespace>.svc.cluster.local`).
 */
export function routedServices(route: KubeObject): string[] {
  const http = (route.spec as { http?: { route?: { destination: { host: string } }[] }[] }).http ?? [];
  const hosts = http.flatMap((h) => (h.route ?? []).map((d) => d.destination.host));
  return [...new Set(hosts.map((host) => host.split('.')).map(([service, namespace = route.metadata.namespace]) => `${namespace}/${service}`))].sort();
}

/**
 * Asserts that `registrations` (provider resources excluded) are exactly
 * `objects`, each once and wired as `registerFleet` promises without a
 * previous placement: every object depends on its Namespace, a workload also
 * on its pods' PriorityClass, and a VirtualService also on the Deployment,
 * DestinationRule and AuthorizationPolicies (ALLOW and tenant guard) of every
 * shard it routes to and the one gRPC guard EnvoyFilter of the namespace that
 * selects the shard's pods (`<team>-grpc-guard`, or `<team>-grpc-guard-stream`
 * for a shard without tenanted copies), nothing else.
 *
 * @param provider - the provider reference every resource must carry (`''` for the default provider)
 */
export function expectRegisteredAsSynthesized(registrations: readonly Registration[], objects: readonly KubeObject[], provider: string): void {
  const resources = registrations.filter((r) => r.type !== PROVIDER_TYPE);
  expect(resources).toHaveLength(objects.length);
  expect(new Set(resources.map((r) => r.urn)).size).toBe(objects.length);
  const urnOf = (type: string, name: string) => resources.find((r) => r.type === type && (r.inputs.metadata as { name: string }).name === name)?.urn;
  /** A shard's registered objects of `kind` (`apiVersion kind`), found by the shard label. */
  const shardObjects = (shard: string, kind: string) => {
    const [namespace, name] = shard.split('/');
    return resources.filter((r) => {
      const metadata = r.inputs.metadata as { namespace?: string; labels?: Record<string, string> };
      return r.type === TYPE_TOKENS[kind] && metadata.namespace === namespace && metadata.labels?.[SHARD_LABEL] === name;
    });
  };
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
    const team = (o.metadata.labels as Record<string, string> | undefined)?.['modelfleet.io/team'];
    if (team === undefined) {
      // The ingress gateway's authentication: in the platform's namespace, which the fleet does not render, so it depends on nothing.
      expect(['RequestAuthentication', 'AuthorizationPolicy'], name).toContain(o.kind);
      expect(objects.some((n) => n.kind === 'Namespace' && n.metadata.name === ns), name).toBe(false);
      expect(r.dependencies, name).toEqual([]);
      continue;
    }
    expect(ns, name).toBe(team);
    const priority = (o as { spec?: { template?: { spec?: { priorityClassName?: string } } } }).spec?.template?.spec?.priorityClassName;
    const expected = [urnOf(TYPE_TOKENS['v1 Namespace']!, ns!), ...(priority === undefined ? [] : [urnOf(TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass']!, priority)])];
    if (o.kind === 'VirtualService') {
      const shards = routedServices(o);
      expect(shards.length, name).toBeGreaterThan(0);
      for (const shard of shards) {
        const shardName = shard.split('/')[1]!;
        const deployments = shardObjects(shard, 'apps/v1 Deployment');
        const rules = shardObjects(shard, 'networking.istio.io/v1 DestinationRule');
        const policies = shardObjects(shard, 'security.istio.io/v1 AuthorizationPolicy');
        const podLabels = ((deployments[0]?.inputs.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels ?? {}) as Record<string, string>;
        // The namespace's EnvoyFilters (no shard label) whose workloadSelector the shard's pod labels carry.
        const guards = resources.filter((r) => {
          const metadata = r.inputs.metadata as { namespace?: string; labels?: Record<string, string> };
          const selector = Object.entries((r.inputs.spec as { workloadSelector?: { labels?: Record<string, string> } } | undefined)?.workloadSelector?.labels ?? {});
          return r.type === TYPE_TOKENS['networking.istio.io/v1alpha3 EnvoyFilter'] && metadata.namespace === shard.split('/')[0] && metadata.labels?.[SHARD_LABEL] === undefined && selector.length > 0 && selector.every(([k, v]) => podLabels[k] === v);
        });
        // Every shard a route sends traffic to is rendered: its Deployment, its DestinationRule, the ALLOW `<shard>` and
        // the DENY `<shard>-tenant-guard` (and their `-partN` when the rules did not fit one policy).
        expect(deployments.map((d) => (d.inputs.metadata as { name: string }).name), `${name} → ${shard}`).toEqual([shardName]);
        expect(rules.map((d) => (d.inputs.metadata as { name: string }).name), `${name} → ${shard}`).toEqual([shardName]);
        const actions = new Map(policies.map((p) => [(p.inputs.metadata as { name: string }).name, (p.inputs.spec as { action: string }).action]));
        expect(actions.get(shardName), `${name} → ${shard}`).toBe('ALLOW');
        expect(actions.get(`${shardName}-tenant-guard`), `${name} → ${shard}`).toBe('DENY');
        const stream = podLabels[GRPC_STREAM_LABEL];
        expect(['refused', 'allowed'], `${name} → ${shard}`).toContain(stream);
        expect(guards.map((d) => (d.inputs.metadata as { name: string }).name), `${name} → ${shard}`).toEqual([`${team}-grpc-guard${stream === 'allowed' ? '-stream' : ''}`]);
        expected.push(...[...deployments, ...rules, ...policies, ...guards].map((d) => d.urn));
      }
    }
    expect(expected.every(Boolean), name).toBe(true);
    // A route to several shards of one namespace waits for each guard once.
    expect([...r.dependencies].sort(), name).toEqual([...new Set(expected)].sort());
  }
}

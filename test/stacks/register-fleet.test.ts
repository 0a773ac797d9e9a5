/**
 * `registerFleet` under Pulumi mocks: every synthesized object of a small
 * fleet becomes exactly one typed @pulumi/kubernetes resource with the
 * object as its input, in its namespace, depending on its Namespace, with the
 * given provider; without a previous placement, every VirtualService also
 * waits for the shards it routes to (make before break; the order from a
 * previous placement is in `route-switch.test.ts`). Dependencies are observed
 * where the engine would see them: in the RegisterResource requests the SDK
 * sends (see `pulumi-mocks.ts`).
 */
import { resolve } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFleetObjects, type FleetManifest, type KubeObject } from '../../constructs/render-fleet.ts';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { KUBE_KINDS } from '../../stacks/kube-kinds.ts';
import { FleetRegistrationError, registerFleet, resourceName, type RegisteredObject } from '../../stacks/register-fleet.ts';
import { PROVIDER_TYPE, TYPE_TOKENS } from './expect-wiring.ts';
import { setRecordingMocks, valueOf, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';

const recorder = await setRecordingMocks('modelfleet', 'test');

describe('registerFleet on a synthesized fleet', () => {
  let objects: KubeObject[];
  let registered: RegisteredObject[];
  let resources: Registration[];
  let providerUrn: string;

  beforeAll(async () => {
    const { planned } = await synthFleet({ modelsDir: FLEET, cwd: ROOT });
    const rendered = renderFleetObjects({ stack: planned.stack, teams: planned.fleet.teams, plan: planned.plan });
    // The default stack scales with KEDA; an HPA stack's autoscalers join the same fleet so every mapped kind is covered.
    const hpaStack = resolvePlatformStack('hpa', { autoscaler: { kind: 'hpa' }, metrics: { exposure: 'annotations' } });
    const hpas = renderFleetObjects({ stack: hpaStack, teams: planned.fleet.teams, plan: planned.plan }).map((m) => m.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler'));
    // So are the RequestAuthentications of a stack that authenticates tenants: the shards' in each team namespace, and
    // the ingress gateway's, with its AuthorizationPolicy, in the gateway's namespace (which the fleet does not render).
    const authStack = resolvePlatformStack('auth', { auth: { jwt: { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'tenant' } } });
    const auth = renderFleetObjects({ stack: authStack, teams: planned.fleet.teams, plan: planned.plan }).map((m) =>
      m.objects.filter((o) => o.kind === 'RequestAuthentication' || (m.team === '' && o.metadata.namespace !== undefined)),
    );
    const manifests = rendered.map((m, i) => ({ ...m, objects: [...m.objects, ...hpas[i]!, ...auth[i]!] }));
    objects = manifests.flatMap((m) => m.objects);
    const provider = new k8s.Provider('test-cluster', { context: 'test-cluster' });
    registered = registerFleet(manifests, { provider, externalNamespaces: ['istio-system'] });
    providerUrn = await valueOf(provider.urn);
    await Promise.all(registered.map((r) => valueOf(r.resource.urn)));
    await recorder.waitFor(objects.length + 1);
    resources = recorder.registrations.filter((r) => r.type !== PROVIDER_TYPE);
  });

  it('renders every mapped kind, so the test covers the whole table', () => {
    // 3 PriorityClasses; per team (docai, fraud, search) a Namespace, ResourceQuota, LimitRange and 3 NetworkPolicies;
    // per shard (2 fraud, 1 search) a ConfigMap, Deployment, Service, ScaledObject, ServiceMonitor, PodDisruptionBudget,
    // DestinationRule, 2 AuthorizationPolicies and the HPA stack's HorizontalPodAutoscaler; per team with shards (fraud,
    // search) the 2 gRPC guard EnvoyFilters and the fetch-script ConfigMap; a VirtualService per model (3); per team 2
    // PeerAuthentications and the auth stack's RequestAuthentication; the gateway's RequestAuthentication and
    // AuthorizationPolicy.
    expect(objects).toHaveLength(3 + 3 * 9 + 3 * 10 + 2 * 3 + 3 + 2);
    expect(new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`))).toEqual(new Set(Object.keys(TYPE_TOKENS)));
    expect(KUBE_KINDS.map((k) => `${k.apiVersion} ${k.kind}`).sort()).toEqual(Object.keys(TYPE_TOKENS).sort());
  });

  it('registers every object exactly once, as its typed resource, with the object as input', () => {
    expect(resources).toHaveLength(objects.length);
    expect(new Set(resources.map((r) => r.urn)).size).toBe(objects.length);
    for (const o of objects) {
      const ns = o.metadata.namespace;
      const name = ns === undefined ? `${o.kind}/${o.metadata.name}` : `${ns}/${o.kind}/${o.metadata.name}`;
      const matches = resources.filter((r) => r.name === name);
      expect(matches, name).toHaveLength(1);
      expect(matches[0]!.type, name).toBe(TYPE_TOKENS[`${o.apiVersion} ${o.kind}`]);
      expect(matches[0]!.inputs, name).toEqual(o);
    }
  });

  it('puts every namespaced object in its team namespace and namespaces in none', () => {
    for (const r of resources) {
      const metadata = r.inputs.metadata as { name: string; namespace?: string; labels: Record<string, string> };
      if (r.type === TYPE_TOKENS['v1 Namespace'] || r.type === TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass']) expect(metadata.namespace).toBeUndefined();
      else if (metadata.labels['modelfleet.io/team'] === undefined) expect(metadata.namespace, r.name).toBe('istio-system');
      else expect(metadata.namespace, r.name).toBe(metadata.labels['modelfleet.io/team']);
    }
  });

  it('makes every namespaced object depend on its Namespace, Deployments on their PriorityClass, and cluster objects on nothing', () => {
    const urnsOf = (type: string) => new Map(resources.filter((r) => r.type === type).map((r) => [(r.inputs.metadata as { name: string }).name, r.urn]));
    const namespaceUrns = urnsOf(TYPE_TOKENS['v1 Namespace']!);
    const classUrns = urnsOf(TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass']!);
    expect([...namespaceUrns.keys()].sort()).toEqual(['docai', 'fraud', 'search']);
    expect([...classUrns.keys()].sort()).toEqual(['modelfleet-batch', 'modelfleet-interactive', 'modelfleet-realtime']);
    for (const r of resources.filter((r) => r.type !== TYPE_TOKENS['networking.istio.io/v1 VirtualService'])) {
      const ns = (r.inputs.metadata as { namespace?: string }).namespace;
      const priority = (r.inputs as { spec?: { template?: { spec?: { priorityClassName?: string } } } }).spec?.template?.spec?.priorityClassName;
      const expected = [...(ns === undefined || ns === 'istio-system' ? [] : [namespaceUrns.get(ns)]), ...(priority === undefined ? [] : [classUrns.get(priority)])];
      expect(r.dependencies, r.name).toEqual(expected);
      if (r.type === TYPE_TOKENS['apps/v1 Deployment']) expect(priority, r.name).toMatch(/^modelfleet-/);
    }
  });

  it("makes every VirtualService wait for its Namespace, the Deployment, DestinationRule and AuthorizationPolicies of each shard it routes to, and the namespace's gRPC guard that selects the shard's pods", () => {
    const urnOf = (name: string) => resources.find((r) => r.name === name)?.urn;
    const shard = (ns: string, name: string, guard: string) => [
      `${ns}/Deployment/${name}`,
      `${ns}/DestinationRule/${name}`,
      `${ns}/AuthorizationPolicy/${name}`,
      `${ns}/AuthorizationPolicy/${name}-tenant-guard`,
      `${ns}/EnvoyFilter/${guard}`,
    ];
    // No previous placement: a route waits for every shard it sends traffic to, so a first apply never routes to a missing
    // Service, an unconfigured subset or a pod that would reject the request. The shards' other objects are not waited for.
    // The guard is the team's: `-grpc-guard` for a shard with tenanted copies (txn-scorer), `-grpc-guard-stream` otherwise.
    const expected: Record<string, string[]> = {
      'fraud/VirtualService/merchant-risk': ['Namespace/fraud', ...shard('fraud', 'fraud-batch-gpu-l4-1', 'fraud-grpc-guard-stream')],
      'fraud/VirtualService/txn-scorer': ['Namespace/fraud', ...shard('fraud', 'fraud-realtime-gpu-l4-1', 'fraud-grpc-guard')],
      'search/VirtualService/query-intent': ['Namespace/search', ...shard('search', 'search-interactive-cpu-std-1', 'search-grpc-guard-stream')],
    };
    const routes = resources.filter((r) => r.type === TYPE_TOKENS['networking.istio.io/v1 VirtualService']);
    expect(routes.map((r) => r.name).sort()).toEqual(Object.keys(expected));
    for (const r of routes) {
      const urns = expected[r.name]!.map(urnOf);
      expect(urns.every(Boolean), r.name).toBe(true);
      expect([...r.dependencies].sort(), r.name).toEqual(urns.sort());
    }
  });

  it('returns each resource with the dependsOn it was given', async () => {
    for (const r of registered) {
      const ns = r.object.metadata.namespace;
      expect(r.name).toBe(resourceName(r.object));
      // Exactly what the engine was sent, in order.
      const sent = resources.find((s) => s.name === r.name && s.type === TYPE_TOKENS[`${r.object.apiVersion} ${r.object.kind}`])!;
      expect(await Promise.all(r.dependsOn.map((d) => valueOf(d.urn))), r.name).toEqual(sent.dependencies);
      if (ns === undefined || ns === 'istio-system') expect(r.dependsOn).toEqual([]);
      else {
        expect(r.dependsOn, r.name).toHaveLength(r.object.kind === 'Deployment' ? 2 : r.object.kind === 'VirtualService' ? 6 : 1);
        expect(await valueOf(r.dependsOn[0]!.urn)).toMatch(new RegExp(`::kubernetes:core/v1:Namespace::Namespace/${ns}$`));
        if (r.object.kind === 'Deployment') expect(await valueOf(r.dependsOn[1]!.urn)).toMatch(/::kubernetes:scheduling.k8s.io\/v1:PriorityClass::PriorityClass\/modelfleet-/);
      }
    }
  });

  it('registers make before break: Namespaces, PriorityClasses, the teams\' other objects, then each shard, then the routes', () => {
    const group = (o: KubeObject) => {
      if (o.kind === 'Namespace' || o.kind === 'PriorityClass') return o.kind;
      if (o.kind === 'VirtualService') return 'routes';
      const shard = (o.metadata.labels as Record<string, string> | undefined)?.['modelfleet.io/shard'];
      return shard === undefined ? 'team objects' : `shard ${o.metadata.namespace}/${shard}`;
    };
    const groups = registered.map((r) => group(r.object));
    // Each group is registered in one run, in this order.
    expect(groups.filter((g, i) => g !== groups[i - 1])).toEqual([
      'Namespace',
      'PriorityClass',
      'team objects',
      'shard fraud/fraud-batch-gpu-l4-1',
      'shard fraud/fraud-realtime-gpu-l4-1',
      'shard search/search-interactive-cpu-std-1',
      'routes',
    ]);
    // The gateway's authentication (manifests/_cluster.yaml) first, then each team's, in manifest order.
    expect(registered.filter((r) => group(r.object) === 'team objects').map((r) => r.object.kind)).toEqual([
      'RequestAuthentication',
      'AuthorizationPolicy',
      ...['docai', 'fraud', 'search'].flatMap((team) => [
        ...['ResourceQuota', 'LimitRange', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'PeerAuthentication', 'PeerAuthentication'],
        // The gRPC guard and the fetch script, in a namespace with shards.
        ...(team === 'docai' ? [] : ['EnvoyFilter', 'EnvoyFilter', 'ConfigMap']),
        'RequestAuthentication',
      ]),
    ]);
  });

  it('registers every resource with the given provider', () => {
    for (const r of resources) expect(r.provider, r.name).toBe(`${providerUrn}::test-cluster_id`);
  });

  it('names resources after the Kubernetes identity only', () => {
    expect(resources.map((r) => r.name).sort()).toMatchInlineSnapshot(`
      [
        "Namespace/docai",
        "Namespace/fraud",
        "Namespace/search",
        "PriorityClass/modelfleet-batch",
        "PriorityClass/modelfleet-interactive",
        "PriorityClass/modelfleet-realtime",
        "docai/LimitRange/docai-defaults",
        "docai/NetworkPolicy/docai-allow-inference",
        "docai/NetworkPolicy/docai-allow-metrics",
        "docai/NetworkPolicy/docai-default-deny-ingress",
        "docai/PeerAuthentication/docai-mtls",
        "docai/PeerAuthentication/docai-shard-metrics",
        "docai/RequestAuthentication/docai-jwt",
        "docai/ResourceQuota/docai-quota",
        "fraud/AuthorizationPolicy/fraud-batch-gpu-l4-1",
        "fraud/AuthorizationPolicy/fraud-batch-gpu-l4-1-tenant-guard",
        "fraud/AuthorizationPolicy/fraud-realtime-gpu-l4-1",
        "fraud/AuthorizationPolicy/fraud-realtime-gpu-l4-1-tenant-guard",
        "fraud/ConfigMap/fraud-batch-gpu-l4-1",
        "fraud/ConfigMap/fraud-fetch-models",
        "fraud/ConfigMap/fraud-realtime-gpu-l4-1",
        "fraud/Deployment/fraud-batch-gpu-l4-1",
        "fraud/Deployment/fraud-realtime-gpu-l4-1",
        "fraud/DestinationRule/fraud-batch-gpu-l4-1",
        "fraud/DestinationRule/fraud-realtime-gpu-l4-1",
        "fraud/EnvoyFilter/fraud-grpc-guard",
        "fraud/EnvoyFilter/fraud-grpc-guard-stream",
        "fraud/HorizontalPodAutoscaler/fraud-batch-gpu-l4-1",
        "fraud/HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1",
        "fraud/LimitRange/fraud-defaults",
        "fraud/NetworkPolicy/fraud-allow-inference",
        "fraud/NetworkPolicy/fraud-allow-metrics",
        "fraud/NetworkPolicy/fraud-default-deny-ingress",
        "fraud/PeerAuthentication/fraud-mtls",
        "fraud/PeerAuthentication/fraud-shard-metrics",
        "fraud/PodDisruptionBudget/fraud-batch-gpu-l4-1",
        "fraud/PodDisruptionBudget/fraud-realtime-gpu-l4-1",
        "fraud/RequestAuthentication/fraud-jwt",
        "fraud/ResourceQuota/fraud-quota",
        "fraud/ScaledObject/fraud-batch-gpu-l4-1",
        "fraud/ScaledObject/fraud-realtime-gpu-l4-1",
        "fraud/Service/fraud-batch-gpu-l4-1",
        "fraud/Service/fraud-realtime-gpu-l4-1",
        "fraud/ServiceMonitor/fraud-batch-gpu-l4-1",
        "fraud/ServiceMonitor/fraud-realtime-gpu-l4-1",
        "fraud/VirtualService/merchant-risk",
        "fraud/VirtualService/txn-scorer",
        "istio-system/AuthorizationPolicy/modelfleet-gateway-require-jwt",
        "istio-system/RequestAuthentication/modelfleet-gateway-jwt",
        "search/AuthorizationPolicy/search-interactive-cpu-std-1",
        "search/AuthorizationPolicy/search-interactive-cpu-std-1-tenant-guard",
        "search/ConfigMap/search-fetch-models",
        "search/ConfigMap/search-interactive-cpu-std-1",
        "search/Deployment/search-interactive-cpu-std-1",
        "search/DestinationRule/search-interactive-cpu-std-1",
        "search/EnvoyFilter/search-grpc-guard",
        "search/EnvoyFilter/search-grpc-guard-stream",
        "search/HorizontalPodAutoscaler/search-interactive-cpu-std-1",
        "search/LimitRange/search-defaults",
        "search/NetworkPolicy/search-allow-inference",
        "search/NetworkPolicy/search-allow-metrics",
        "search/NetworkPolicy/search-default-deny-ingress",
        "search/PeerAuthentication/search-mtls",
        "search/PeerAuthentication/search-shard-metrics",
        "search/PodDisruptionBudget/search-interactive-cpu-std-1",
        "search/RequestAuthentication/search-jwt",
        "search/ResourceQuota/search-quota",
        "search/ScaledObject/search-interactive-cpu-std-1",
        "search/Service/search-interactive-cpu-std-1",
        "search/ServiceMonitor/search-interactive-cpu-std-1",
        "search/VirtualService/query-intent",
      ]
    `);
  });
});

describe('resourceName', () => {
  it('depends on kind, namespace and name only', () => {
    const a = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fraud-realtime-gpu-l4-1', namespace: 'fraud', labels: { a: '1' } }, spec: { replicas: 2 } };
    const b = { ...a, metadata: { ...a.metadata, labels: { a: '2' } }, spec: { replicas: 5 } };
    expect(resourceName(a)).toBe('fraud/Deployment/fraud-realtime-gpu-l4-1');
    expect(resourceName(b)).toBe(resourceName(a));
    expect(resourceName({ kind: 'Namespace', metadata: { name: 'fraud' } })).toBe('Namespace/fraud');
  });
});

describe('registerFleet on objects it cannot apply as they are', () => {
  const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const manifest = (objects: KubeObject[]): FleetManifest => ({ team: 'fraud', path: 'manifests/fraud.yaml', objects });

  it('lists every problem at once and registers nothing', async () => {
    const before = recorder.registrations.length;
    const bad = manifest([
      ns('fraud'),
      { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'fraud' }, spec: {} },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'fraud' }, spec: { template: { spec: { priorityClassName: 'missing' } } } },
      { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hpa', namespace: 'fraud' }, spec: {} },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'fraud' }, data: {}, stringData: { a: 'b' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'other' }, data: {} },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fraud', namespace: 'fraud' } },
      ns('fraud'),
    ]);
    let error: unknown;
    try {
      registerFleet([bad]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetRegistrationError);
    expect((error as FleetRegistrationError).problems).toMatchInlineSnapshot(`
      [
        "manifests/fraud.yaml: policy/v1beta1 PodDisruptionBudget fraud/pdb: no typed @pulumi/kubernetes resource is mapped to apiVersion policy/v1beta1, kind PodDisruptionBudget; map it in stacks/kube-kinds.ts",
        "manifests/fraud.yaml: autoscaling/v1 HorizontalPodAutoscaler fraud/hpa: no typed @pulumi/kubernetes resource is mapped to apiVersion autoscaling/v1, kind HorizontalPodAutoscaler; map it in stacks/kube-kinds.ts",
        "manifests/fraud.yaml: v1 Service svc: metadata.namespace is missing; the object would land in the provider's default namespace",
        "manifests/fraud.yaml: v1 ConfigMap fraud/cm: field(s) stringData would be dropped by the typed resource, which passes only metadata, data, binaryData, immutable",
        "manifests/fraud.yaml: v1 Namespace fraud/fraud: metadata.namespace is set on a cluster-scoped Namespace; remove it",
        "manifests/fraud.yaml: v1 Namespace fraud: rendered twice (also in manifests/fraud.yaml); Kubernetes would keep only one",
        "manifests/fraud.yaml: v1 ConfigMap other/cm: namespace other is not among the rendered objects; render its Namespace so the object can depend on it",
        "manifests/fraud.yaml: apps/v1 Deployment fraud/d: PriorityClass missing is not among the rendered objects; render it so the pods can depend on it",
      ]
    `);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.registrations.length).toBe(before);
  });
});

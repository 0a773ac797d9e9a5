/**
 * `shard-isolation` on the synthesized fleets and on violating fixtures: a
 * Namespace without the sidecar injection label, pods opting out of the
 * sidecar, and shards no ALLOW or DENY AuthorizationPolicy, or (with tenanted
 * copies) no gRPC guard EnvoyFilter, selects. In the Pulumi test fleet,
 * `fraud-realtime-gpu-l4-1` holds txn-scorer's copies for acme and globex;
 * `fraud-batch-gpu-l4-1` holds the untenanted merchant-risk.
 */
import type { StackValidationPolicy } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { platformPolicies } from '../../policies/pack/policies.ts';
import { collectViolations, describeObject, shardIsolationRule, type KubeObject } from '../../policies/rules/index.ts';
import { copyOf, objectsOf, stackArgs, synthOnce, urnOf, violationSpy } from './policy-harness.ts';

const fleet = objectsOf(await synthOnce('test/stacks/fleet/models'));
const check = (objects: readonly KubeObject[]) => collectViolations(shardIsolationRule, objects, {}).map((v): [string, string, string] => [describeObject(v.object), v.path.join('.'), v.message]);
const without = (objects: readonly KubeObject[], kind: string, name: string) => objects.filter((o) => !(o.kind === kind && o.metadata?.name === name));
/** `objects` with the object of `kind`/`name` replaced by `changed` (or dropped when `changed` is undefined). */
const replace = (kind: string, name: string, changed?: Record<string, any>) => {
  const i = fleet.findIndex((o) => o.kind === kind && o.metadata?.name === name);
  return [...fleet.slice(0, i), ...(changed ? [changed as KubeObject] : []), ...fleet.slice(i + 1)];
};

const NO_SIDECAR = "without the sidecar nothing enforces the shard's AuthorizationPolicies and gRPC guard, and a tenant could reach another tenant's copy";
const REALTIME_LABELS = 'app.kubernetes.io/instance=fraud-realtime-gpu-l4-1, app.kubernetes.io/name=triton';
const noAllow = (shard: string, namespace: string, labels: string) =>
  `Deployment/${shard} is a shard but no ALLOW AuthorizationPolicy in namespace ${namespace} selects its pods; Istio then admits every caller in the mesh to every copy on the shard, not just the gateway and the team's callers, and only the tenant guard keeps a tenant from another tenant's copy; add one whose spec.selector.matchLabels the pod labels carry (${labels})`;
const noDeny = (shard: string, namespace: string, labels: string) =>
  `Deployment/${shard} is a shard but no DENY AuthorizationPolicy (the tenant guard) in namespace ${namespace} selects its pods; without it, any ALLOW policy that admits a request (a namespace-wide allow-all, say) lets a tenant reach another tenant's copy and Triton's model-control APIs; add one whose spec.selector.matchLabels the pod labels carry (${labels})`;
const noGrpcGuard = `Deployment/fraud-realtime-gpu-l4-1 is a shard with tenanted copies (txn-scorer@acme, txn-scorer@globex) but no EnvoyFilter (the gRPC guard) in namespace fraud selects its pods; without it, a client admitted for one tenant can name another tenant's copy inside a gRPC message and be served it; add one whose spec.workloadSelector.labels the pod labels carry (${REALTIME_LABELS})`;

describe('shard-isolation', () => {
  it.each([
    ['the example fleet', 'models'],
    ['the Pulumi test fleet', 'test/stacks/fleet/models'],
  ])('passes %s', async (_, modelsDir) => {
    const objects = objectsOf(await synthOnce(modelsDir));
    expect(objects.some((o) => o.kind === 'EnvoyFilter')).toBe(true);
    expect(check(objects)).toEqual([]);
  });

  it('reports a Namespace whose injection label was removed or turned off, once, naming its shards', () => {
    const unlabelled = copyOf(fleet, 'Namespace', 'fraud');
    delete unlabelled.metadata.labels['istio-injection'];
    expect(check(replace('Namespace', 'fraud', unlabelled))).toEqual([
      [
        'Namespace/fraud',
        'metadata.labels',
        `Namespace/fraud has no sidecar injection label (istio-injection=enabled or istio.io/rev=<revision>), so Istio injects no sidecar into the pods of its shards (Deployment/fraud-batch-gpu-l4-1, Deployment/fraud-realtime-gpu-l4-1); ${NO_SIDECAR}; label it istio-injection=enabled (or istio.io/rev=<revision>)`,
      ],
    ]);
    const disabled = copyOf(fleet, 'Namespace', 'fraud');
    disabled.metadata.labels['istio-injection'] = 'disabled';
    disabled.metadata.labels['istio.io/rev'] = 'stable';
    expect(check(replace('Namespace', 'fraud', disabled))).toEqual([
      [
        'Namespace/fraud',
        'metadata.labels.istio-injection',
        `Namespace/fraud is labelled istio-injection=disabled, so Istio injects no sidecar into the pods of its shards (Deployment/fraud-batch-gpu-l4-1, Deployment/fraud-realtime-gpu-l4-1); ${NO_SIDECAR}; label it istio-injection=enabled (or istio.io/rev=<revision>)`,
      ],
    ]);
  });

  it('accepts a revision label on the Namespace, and pods that opt in where the Namespace has no label', () => {
    const revision = copyOf(fleet, 'Namespace', 'fraud');
    delete revision.metadata.labels['istio-injection'];
    revision.metadata.labels['istio.io/rev'] = 'stable';
    expect(check(replace('Namespace', 'fraud', revision))).toEqual([]);

    const unlabelled = copyOf(fleet, 'Namespace', 'fraud');
    delete unlabelled.metadata.labels['istio-injection'];
    const optIn = copyOf(fleet, 'Deployment', 'fraud-batch-gpu-l4-1');
    optIn.spec.template.metadata.labels['sidecar.istio.io/inject'] = 'true';
    const objects = [...without(replace('Namespace', 'fraud', unlabelled), 'Deployment', 'fraud-batch-gpu-l4-1'), optIn as KubeObject];
    expect(check(objects).map(([object, , message]) => [object, message.slice(message.indexOf('(Deployment/'), message.indexOf(');') + 1)])).toEqual([
      ['Namespace/fraud', '(Deployment/fraud-realtime-gpu-l4-1)'],
    ]);
  });

  it('reports pods that opt out of the sidecar by label, by annotation or on the host network', () => {
    const byLabel = copyOf(fleet, 'Deployment', 'fraud-realtime-gpu-l4-1');
    byLabel.spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
    const byAnnotation = copyOf(fleet, 'Deployment', 'fraud-batch-gpu-l4-1');
    byAnnotation.spec.template.metadata.annotations['sidecar.istio.io/inject'] = 'false';
    const hostNetwork = copyOf(fleet, 'Deployment', 'search-interactive-cpu-std-1');
    hostNetwork.spec.template.spec.hostNetwork = true;
    const objects = [
      ...fleet.filter((o) => !(o.kind === 'Deployment' && ['fraud-realtime-gpu-l4-1', 'fraud-batch-gpu-l4-1', 'search-interactive-cpu-std-1'].includes(o.metadata?.name ?? ''))),
      byLabel as KubeObject,
      byAnnotation as KubeObject,
      hostNetwork as KubeObject,
    ];
    expect(check(objects)).toEqual([
      [
        'Deployment/fraud-realtime-gpu-l4-1',
        'spec.template.metadata.labels.sidecar.istio.io/inject',
        `Deployment/fraud-realtime-gpu-l4-1 is a shard but opts its pods out of the Istio sidecar (pod template label sidecar.istio.io/inject: "false"); ${NO_SIDECAR}; remove the label`,
      ],
      [
        'Deployment/fraud-batch-gpu-l4-1',
        'spec.template.metadata.annotations.sidecar.istio.io/inject',
        `Deployment/fraud-batch-gpu-l4-1 is a shard but opts its pods out of the Istio sidecar (pod template annotation sidecar.istio.io/inject: "false"); ${NO_SIDECAR}; remove the annotation`,
      ],
      [
        'Deployment/search-interactive-cpu-std-1',
        'spec.template.spec.hostNetwork',
        `Deployment/search-interactive-cpu-std-1 is a shard but runs its pods on the host network (hostNetwork: true), where Istio injects no sidecar; ${NO_SIDECAR}; remove hostNetwork`,
      ],
    ]);
  });

  it('reports a shard without its ALLOW policy, and one without its DENY guard', () => {
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1'))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noAllow('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard'))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noDeny('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);
  });

  it('requires the gRPC guard EnvoyFilter for a tenanted shard only', () => {
    expect(check(replace('EnvoyFilter', 'fraud-realtime-gpu-l4-1-grpc-guard'))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);
    expect(check(replace('EnvoyFilter', 'fraud-batch-gpu-l4-1-grpc-guard'))).toEqual([]);
  });

  it('does not count policies whose selector misses the pods, selects nothing, or lives in another namespace', () => {
    const otherShard = copyOf(fleet, 'AuthorizationPolicy', 'fraud-realtime-gpu-l4-1');
    otherShard.spec.selector.matchLabels['app.kubernetes.io/instance'] = 'fraud-realtime-gpu-l4-2';
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1', otherShard))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noAllow('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);

    const namespaceWide = copyOf(fleet, 'AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard');
    delete namespaceWide.spec.selector;
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard', namespaceWide))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noDeny('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);

    const elsewhere = copyOf(fleet, 'EnvoyFilter', 'fraud-realtime-gpu-l4-1-grpc-guard');
    elsewhere.metadata.namespace = 'istio-system';
    expect(check(replace('EnvoyFilter', 'fraud-realtime-gpu-l4-1-grpc-guard', elsewhere))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);

    const wrongLabels = copyOf(fleet, 'EnvoyFilter', 'fraud-realtime-gpu-l4-1-grpc-guard');
    wrongLabels.spec.workloadSelector.labels = { app: 'triton' };
    expect(check(replace('EnvoyFilter', 'fraud-realtime-gpu-l4-1-grpc-guard', wrongLabels))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);
  });

  it('accepts an ALLOW policy without an explicit action, and hand-written policies that select the pods', () => {
    const implicit = copyOf(fleet, 'AuthorizationPolicy', 'fraud-realtime-gpu-l4-1');
    delete implicit.spec.action;
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1', implicit))).toEqual([]);
    const byTier: KubeObject = {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'realtime-guard', namespace: 'fraud' },
      spec: { action: 'DENY', selector: { matchLabels: { 'modelfleet.io/tier': 'realtime' } }, rules: [{ to: [{ operation: { paths: ['/v2/repository/*'] } }] }] },
    };
    expect(check([...replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard'), byTier])).toEqual([]);
  });

  it('reports a hand-written shard Deployment added without policies, and one whose Namespace is not among the objects', () => {
    const handWritten: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'triton-canary', namespace: 'fraud', labels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/managed-by': 'modelfleet' } },
      spec: { selector: { matchLabels: { app: 'triton-canary' } }, template: { metadata: { labels: { app: 'triton-canary' } }, spec: { containers: [{ name: 'triton' }] } } },
    };
    const unrelated: KubeObject = { ...handWritten, metadata: { name: 'triton-lab', namespace: 'fraud', labels: { 'app.kubernetes.io/name': 'triton' } } };
    expect(check([...fleet, handWritten, unrelated])).toEqual([
      ['Deployment/triton-canary', '', noAllow('triton-canary', 'fraud', 'app=triton-canary')],
      ['Deployment/triton-canary', '', noDeny('triton-canary', 'fraud', 'app=triton-canary')],
    ]);
    const stray = { ...handWritten, metadata: { ...handWritten.metadata, namespace: 'lab' } };
    expect(check([stray])).toEqual([
      [
        'Deployment/triton-canary',
        'metadata.namespace',
        `Deployment/triton-canary is a shard in namespace lab, but no Namespace lab is among the objects, so nothing shows Istio injects its sidecar; ${NO_SIDECAR}; declare the Namespace labelled istio-injection=enabled (or istio.io/rev=<revision>)`,
      ],
      ['Deployment/triton-canary', '', noAllow('triton-canary', 'lab', 'app=triton-canary')],
      ['Deployment/triton-canary', '', noDeny('triton-canary', 'lab', 'app=triton-canary')],
    ]);
  });

  it('is a stack policy in the pack that reports on the Namespace whose label was removed', async () => {
    const policy = platformPolicies(loadPlatformStack()).find((p) => p.name === 'shard-isolation') as StackValidationPolicy;
    expect(policy.enforcementLevel).toBe('mandatory');
    const unlabelled = copyOf(fleet, 'Namespace', 'fraud');
    delete unlabelled.metadata.labels['istio-injection'];
    const { report, reported } = violationSpy();
    await policy.validateStack(stackArgs(replace('Namespace', 'fraud', unlabelled)), report);
    expect(reported).toEqual([
      {
        message: `Namespace/fraud metadata.labels: Namespace/fraud has no sidecar injection label (istio-injection=enabled or istio.io/rev=<revision>), so Istio injects no sidecar into the pods of its shards (Deployment/fraud-batch-gpu-l4-1, Deployment/fraud-realtime-gpu-l4-1); ${NO_SIDECAR}; label it istio-injection=enabled (or istio.io/rev=<revision>)`,
        urn: urnOf(unlabelled as KubeObject),
      },
    ]);
  });
});

/**
 * `shard-isolation` on the synthesized fleets and on violating fixtures: a
 * Namespace without the sidecar injection label, pods opting out of the
 * sidecar, and shards no ALLOW or DENY AuthorizationPolicy, or (with tenanted
 * copies) no gRPC guard EnvoyFilter, or one that lets streamed calls through,
 * selects; with a stack that sets
 * `modelfleet:auth`, shards no RequestAuthentication (for every issuer)
 * selects; and shards whose PeerAuthentications leave a Triton port short of
 * STRICT mutual TLS. In the Pulumi test fleet,
 * `fraud-realtime-gpu-l4-1` holds txn-scorer's copies for acme and globex;
 * `fraud-batch-gpu-l4-1` holds the untenanted merchant-risk.
 */
import type { StackValidationPolicy } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { loadPlatformStack, resolvePlatformStack } from '../../policies/default-stack.ts';
import { platformPolicies } from '../../policies/pack/policies.ts';
import { collectViolations, describeObject, ruleConfigsFromStack, shardIsolationRule, type KubeObject } from '../../policies/rules/index.ts';
import { copyOf, objectsOf, stackArgs, synthOnce, urnOf, violationSpy } from './policy-harness.ts';

const FLEET = 'test/stacks/fleet/models';
const fleet = objectsOf(await synthOnce(FLEET));
/** The rule's violations on `objects`, configured from `stack` (the default stack: no auth, mtls strict-except-metrics). */
const checkWith = (stack: StackConfig, objects: readonly KubeObject[]) =>
  collectViolations(shardIsolationRule, objects, ruleConfigsFromStack(stack)['shard-isolation']).map((v): [string, string, string] => [describeObject(v.object), v.path.join('.'), v.message]);
const check = (objects: readonly KubeObject[]) => checkWith(loadPlatformStack(), objects);
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

const BATCH_LABELS = 'app.kubernetes.io/instance=fraud-batch-gpu-l4-1, app.kubernetes.io/name=triton';
const SEARCH_LABELS = 'app.kubernetes.io/instance=search-interactive-cpu-std-1, app.kubernetes.io/name=triton';
/** The shards of namespace fraud, in object order. */
const FRAUD_SHARDS = [
  ['fraud-batch-gpu-l4-1', BATCH_LABELS],
  ['fraud-realtime-gpu-l4-1', REALTIME_LABELS],
] as const;

const NO_MTLS = "the sidecar then also accepts plain text there: a caller outside the mesh connects without a certificate that names it, and tenants' requests and tokens cross the network unencrypted";
const noMtlsMode = (shard: string, namespace: string, labels: string) =>
  `Deployment/${shard} is a shard but Istio does not require mutual TLS on ports 8000 (HTTP) and 8001 (gRPC) of its pods: no PeerAuthentication in namespace ${namespace} sets their mode (none that is namespace-wide or selects the pods has one other than UNSET), so the mesh-wide setting applies, which is PERMISSIVE unless the Istio root namespace sets STRICT; ${NO_MTLS}; set spec.mtls.mode STRICT on a PeerAuthentication in namespace ${namespace}, namespace-wide or one whose spec.selector.matchLabels the pod labels carry (${labels})`;

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
    // fraud-grpc-guard selects the pods labelled modelfleet.io/grpc-stream=refused (the tenanted realtime shard),
    // fraud-grpc-guard-stream those labelled allowed (the untenanted batch shard).
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard'))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard-stream'))).toEqual([]);
    // Without the label, neither guard selects the pods.
    const unlabelled = copyOf(fleet, 'Deployment', 'fraud-realtime-gpu-l4-1');
    delete unlabelled.spec.template.metadata.labels['modelfleet.io/grpc-stream'];
    expect(check(replace('Deployment', 'fraud-realtime-gpu-l4-1', unlabelled))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);
  });

  it('refuses a tenanted shard labelled to get the guard that lets streamed calls through', () => {
    // The attack: a tenanted shard's pods labelled modelfleet.io/grpc-stream=allowed are selected by fraud-grpc-guard-stream
    // only, which lets ModelStreamInfer without a tenant header through, and a streamed message may name any copy.
    const allowed = copyOf(fleet, 'Deployment', 'fraud-realtime-gpu-l4-1');
    expect(allowed.spec.template.metadata.labels['modelfleet.io/grpc-stream']).toBe('refused');
    expect(allowed.spec.selector.matchLabels['modelfleet.io/grpc-stream']).toBeUndefined();
    allowed.spec.template.metadata.labels['modelfleet.io/grpc-stream'] = 'allowed';
    expect(check(replace('Deployment', 'fraud-realtime-gpu-l4-1', allowed))).toEqual([
      [
        'Deployment/fraud-realtime-gpu-l4-1',
        'spec.template.metadata.labels.modelfleet.io/grpc-stream',
        "Deployment/fraud-realtime-gpu-l4-1 is a shard with tenanted copies (txn-scorer@acme, txn-scorer@globex) but EnvoyFilter/fraud-grpc-guard-stream (STREAM_ALLOWED = true) in namespace fraud, which selects its pods, lets gRPC ModelStreamInfer calls without a tenant header through unchecked; a client admitted for one tenant can name another tenant's copy in a streamed message and be served it; label the pod template modelfleet.io/grpc-stream=refused, which the namespace's guard that refuses streams selects",
      ],
    ]);
    // An untenanted shard may carry either label: there is no tenant to protect.
    const refused = copyOf(fleet, 'Deployment', 'fraud-batch-gpu-l4-1');
    expect(refused.spec.template.metadata.labels['modelfleet.io/grpc-stream']).toBe('allowed');
    refused.spec.template.metadata.labels['modelfleet.io/grpc-stream'] = 'refused';
    expect(check(replace('Deployment', 'fraud-batch-gpu-l4-1', refused))).toEqual([]);
  });

  it("reads STREAM_ALLOWED from the Lua of every guard that selects a tenanted shard's pods", () => {
    const lua = (filter: Record<string, any>) => filter.spec.configPatches[0].patch.value.typed_config.default_source_code;
    const guard = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    expect(lua(guard).inline_string).toContain('\nlocal STREAM_ALLOWED = false\n');
    const streaming = (value: string) => {
      const edited = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
      lua(edited).inline_string = lua(edited).inline_string.replace('local STREAM_ALLOWED = false', `local STREAM_ALLOWED = ${value}`);
      return check(replace('EnvoyFilter', 'fraud-grpc-guard', edited));
    };
    const message = (value: string) =>
      `Deployment/fraud-realtime-gpu-l4-1 is a shard with tenanted copies (txn-scorer@acme, txn-scorer@globex) but EnvoyFilter/fraud-grpc-guard (STREAM_ALLOWED = ${value}) in namespace fraud, which selects its pods, lets gRPC ModelStreamInfer calls without a tenant header through unchecked; a client admitted for one tenant can name another tenant's copy in a streamed message and be served it; set STREAM_ALLOWED = false in its Lua, or change its spec.workloadSelector.labels so that it selects only shards without tenanted copies`;
    expect(streaming('true')).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', message('true')]]);
    expect(streaming('1')).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', message('1')]]);
    expect(streaming('false or true')).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', message('false or true')]]);
    expect(streaming('nil')).toEqual([]);
    // A later assignment counts too.
    const reassigned = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    lua(reassigned).inline_string = lua(reassigned).inline_string.replace('local UNTENANTED', 'STREAM_ALLOWED = true\nlocal UNTENANTED');
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard', reassigned))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', message('true')]]);
    // A hand-written guard whose Lua assigns no STREAM_ALLOWED is not judged on it.
    const handWritten = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    lua(handWritten).inline_string = 'function envoy_on_request(handle) end';
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard', handWritten))).toEqual([]);
  });

  it('does not count policies whose selector misses the pods, selects nothing, or lives in another namespace', () => {
    const otherShard = copyOf(fleet, 'AuthorizationPolicy', 'fraud-realtime-gpu-l4-1');
    otherShard.spec.selector.matchLabels['app.kubernetes.io/instance'] = 'fraud-realtime-gpu-l4-2';
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1', otherShard))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noAllow('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);

    const namespaceWide = copyOf(fleet, 'AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard');
    delete namespaceWide.spec.selector;
    expect(check(replace('AuthorizationPolicy', 'fraud-realtime-gpu-l4-1-tenant-guard', namespaceWide))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noDeny('fraud-realtime-gpu-l4-1', 'fraud', REALTIME_LABELS)]]);

    const elsewhere = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    elsewhere.metadata.namespace = 'istio-system';
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard', elsewhere))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);

    const wrongLabels = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    wrongLabels.spec.workloadSelector.labels = { app: 'triton' };
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard', wrongLabels))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);

    const selectsNothing = copyOf(fleet, 'EnvoyFilter', 'fraud-grpc-guard');
    delete selectsNothing.spec.workloadSelector;
    expect(check(replace('EnvoyFilter', 'fraud-grpc-guard', selectsNothing))).toEqual([['Deployment/fraud-realtime-gpu-l4-1', '', noGrpcGuard]]);
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
      ['Deployment/triton-canary', '', noMtlsMode('triton-canary', 'lab', 'app=triton-canary')],
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

const ISSUER = 'https://login.example.com/';
const OTHER_ISSUER = 'https://partners.example.com/';
const jwt = (issuer: string) => ({ issuer, jwksUri: `${issuer}jwks.json`, tenantClaim: 'tenant' });
/** The Pulumi test fleet synthesized (platform rules included) with a stack of the given `modelfleet:*` values. */
const synthWith = async (name: string, values: Record<string, unknown>) => {
  const result = await synthFleet({ modelsDir: FLEET, stackConfig: { name, source: `Pulumi.${name}.yaml`, values } });
  return { stack: result.planned.stack, objects: objectsOf(result) };
};
const auth = await synthWith('auth', { auth: { jwt: jwt(ISSUER) } });
const twoIssuers = await synthWith('partners', { auth: { jwt: [jwt(ISSUER), jwt(OTHER_ISSUER)] } });
const strict = await synthWith('strict', { isolation: { mtls: 'strict' } });
const unmanaged = await synthWith('unmanaged', { isolation: { mtls: 'unmanaged' } });

/** `objects` with the object of `kind`/`name` replaced by `changed` (or dropped when `changed` is undefined). */
const replaceIn = (objects: readonly KubeObject[], kind: string, name: string, changed?: Record<string, any>) => {
  const i = objects.findIndex((o) => o.kind === kind && o.metadata?.name === name);
  if (i < 0) throw new Error(`no ${kind} ${name} among the objects`);
  return [...objects.slice(0, i), ...(changed ? [changed as KubeObject] : []), ...objects.slice(i + 1)];
};

const noRequestAuthentication = (shard: string, namespace: string, labels: string, issuers = ISSUER, each = 'the issuer') =>
  `Deployment/${shard} is a shard but no RequestAuthentication in namespace ${namespace} selects its pods, though the stack authenticates tenants (modelfleet:auth); its sidecar then validates no token and reads no claims, so the shard's AuthorizationPolicies that require request.auth.claims[tenant] never match, and a namespace-wide allow would admit requests whatever their token; add one whose spec.selector.matchLabels the pod labels carry (${labels}), with a jwtRule for ${each} of modelfleet:auth (${issuers})`;

describe('shard-isolation: token validation (modelfleet:auth)', () => {
  it('passes the fleets of stacks that authenticate tenants, with one issuer or two', () => {
    expect(auth.objects.filter((o) => o.kind === 'RequestAuthentication').map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'istio-system/modelfleet-gateway-jwt',
      'docai/docai-jwt',
      'fraud/fraud-jwt',
      'search/search-jwt',
    ]);
    expect(checkWith(auth.stack, auth.objects)).toEqual([]);
    expect(checkWith(twoIssuers.stack, twoIssuers.objects)).toEqual([]);
  });

  it("reports every shard of a namespace whose RequestAuthentication is missing, selects other pods or none, or is another namespace's", () => {
    const expected = FRAUD_SHARDS.map(([shard, labels]) => [`Deployment/${shard}`, '', noRequestAuthentication(shard, 'fraud', labels)]);
    expect(checkWith(auth.stack, replaceIn(auth.objects, 'RequestAuthentication', 'fraud-jwt'))).toEqual(expected);

    const otherPods = copyOf(auth.objects, 'RequestAuthentication', 'fraud-jwt');
    otherPods.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'feature-store' };
    expect(checkWith(auth.stack, replaceIn(auth.objects, 'RequestAuthentication', 'fraud-jwt', otherPods))).toEqual(expected);

    const namespaceWide = copyOf(auth.objects, 'RequestAuthentication', 'fraud-jwt');
    delete namespaceWide.spec.selector;
    expect(checkWith(auth.stack, replaceIn(auth.objects, 'RequestAuthentication', 'fraud-jwt', namespaceWide))).toEqual(expected);

    // The gateway's RequestAuthentication, in istio-system, does not stand in for the shards' own.
    const elsewhere = copyOf(auth.objects, 'RequestAuthentication', 'fraud-jwt');
    elsewhere.metadata.namespace = 'istio-system';
    expect(checkWith(auth.stack, replaceIn(auth.objects, 'RequestAuthentication', 'fraud-jwt', elsewhere))).toEqual(expected);
  });

  it('names every issuer of the stack in the fix', () => {
    expect(checkWith(twoIssuers.stack, replaceIn(twoIssuers.objects, 'RequestAuthentication', 'search-jwt'))).toEqual([
      [
        'Deployment/search-interactive-cpu-std-1',
        '',
        noRequestAuthentication('search-interactive-cpu-std-1', 'search', SEARCH_LABELS, `${ISSUER}, ${OTHER_ISSUER}`, 'each issuer'),
      ],
    ]);
  });

  it('reports the issuers no selecting RequestAuthentication has a jwtRule for, and accepts them spread over several', () => {
    const oneRule = copyOf(twoIssuers.objects, 'RequestAuthentication', 'fraud-jwt');
    const [first, second] = oneRule.spec.jwtRules;
    expect([first.issuer, second.issuer]).toEqual([ISSUER, OTHER_ISSUER]);
    oneRule.spec.jwtRules = [first];
    expect(checkWith(twoIssuers.stack, replaceIn(twoIssuers.objects, 'RequestAuthentication', 'fraud-jwt', oneRule))).toEqual(
      FRAUD_SHARDS.map(([shard]) => [
        `Deployment/${shard}`,
        '',
        `Deployment/${shard} is a shard but no RequestAuthentication in namespace fraud that selects its pods (RequestAuthentication/fraud-jwt) has a jwtRule for issuer ${OTHER_ISSUER} of modelfleet:auth; its sidecar rejects that issuer's tokens, so its tenants are refused at the shard after the gateway admitted them; add a jwtRule (issuer, jwksUri) for it to RequestAuthentication/fraud-jwt`,
      ]),
    );

    // The second issuer's rule in a RequestAuthentication of its own, selecting the realtime shard only.
    const realtimeOnly: KubeObject = {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'RequestAuthentication',
      metadata: { name: 'partners-jwt', namespace: 'fraud' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/instance': 'fraud-realtime-gpu-l4-1' } }, jwtRules: [second] },
    };
    const noRules = { ...oneRule, spec: { ...oneRule.spec, jwtRules: [] } };
    expect(checkWith(twoIssuers.stack, [...replaceIn(twoIssuers.objects, 'RequestAuthentication', 'fraud-jwt', noRules), realtimeOnly])).toEqual([
      [
        'Deployment/fraud-batch-gpu-l4-1',
        '',
        `Deployment/fraud-batch-gpu-l4-1 is a shard but no RequestAuthentication in namespace fraud that selects its pods (RequestAuthentication/fraud-jwt) has a jwtRule for issuers ${ISSUER}, ${OTHER_ISSUER} of modelfleet:auth; its sidecar rejects those issuers' tokens, so their tenants are refused at the shard after the gateway admitted them; add a jwtRule (issuer, jwksUri) for each to RequestAuthentication/fraud-jwt`,
      ],
      [
        'Deployment/fraud-realtime-gpu-l4-1',
        '',
        `Deployment/fraud-realtime-gpu-l4-1 is a shard but no RequestAuthentication in namespace fraud that selects its pods (RequestAuthentication/fraud-jwt, RequestAuthentication/partners-jwt) has a jwtRule for issuer ${ISSUER} of modelfleet:auth; its sidecar rejects that issuer's tokens, so its tenants are refused at the shard after the gateway admitted them; add a jwtRule (issuer, jwksUri) for it to one of them`,
      ],
    ]);
    oneRule.spec.jwtRules = [first];
    expect(checkWith(twoIssuers.stack, [...replaceIn(twoIssuers.objects, 'RequestAuthentication', 'fraud-jwt', oneRule), realtimeOnly]).map(([object]) => object)).toEqual(['Deployment/fraud-batch-gpu-l4-1']);
  });

  it('requires no RequestAuthentication when the stack does not authenticate tenants', () => {
    expect(fleet.some((o) => o.kind === 'RequestAuthentication')).toBe(false);
    expect(check(replaceIn(auth.objects, 'RequestAuthentication', 'fraud-jwt'))).toEqual([]);
  });

  it('is checked by the pack with the issuers of the stack it enforces', async () => {
    const policy = platformPolicies(auth.stack).find((p) => p.name === 'shard-isolation') as StackValidationPolicy;
    const objects = replaceIn(auth.objects, 'RequestAuthentication', 'search-jwt');
    const { report, reported } = violationSpy();
    await policy.validateStack(stackArgs(objects), report);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'search-interactive-cpu-std-1')!;
    expect(reported).toEqual([
      { message: `Deployment/search-interactive-cpu-std-1: ${noRequestAuthentication('search-interactive-cpu-std-1', 'search', SEARCH_LABELS)}`, urn: urnOf(deployment) },
    ]);
    const { report: quiet, reported: none } = violationSpy();
    await (platformPolicies(loadPlatformStack()).find((p) => p.name === 'shard-isolation') as StackValidationPolicy).validateStack(stackArgs(objects), quiet);
    expect(none).toEqual([]);
  });
});

describe('shard-isolation: mutual TLS (modelfleet:isolation.mtls)', () => {
  const peer = (name: string) => copyOf(fleet, 'PeerAuthentication', name);
  const inFraud = (message: (shard: string, labels: string) => string) => FRAUD_SHARDS.map(([shard, labels]) => [`Deployment/${shard}`, '', message(shard, labels)]);

  it('passes with either PeerAuthentication of the namespace alone: the selecting one is STRICT, and so is the namespace-wide one', () => {
    expect(fleet.filter((o) => o.kind === 'PeerAuthentication').map((o) => o.metadata?.name)).toEqual(['docai-mtls', 'docai-shard-metrics', 'fraud-mtls', 'fraud-shard-metrics', 'search-mtls', 'search-shard-metrics']);
    expect(check(replace('PeerAuthentication', 'fraud-mtls'))).toEqual([]);
    expect(check(replace('PeerAuthentication', 'fraud-shard-metrics'))).toEqual([]);
  });

  it('reports every shard of a namespace without a PeerAuthentication that sets a mode', () => {
    const neither = without(without(fleet, 'PeerAuthentication', 'fraud-mtls'), 'PeerAuthentication', 'fraud-shard-metrics');
    expect(check(neither)).toEqual(inFraud((shard, labels) => noMtlsMode(shard, 'fraud', labels)));

    // UNSET inherits: from the namespace-wide policy, and from nothing when that is gone too.
    const unset = peer('fraud-shard-metrics');
    unset.spec.mtls.mode = 'UNSET';
    expect(check(replace('PeerAuthentication', 'fraud-shard-metrics', unset))).toEqual([]);
    expect(check(without(replace('PeerAuthentication', 'fraud-shard-metrics', unset), 'PeerAuthentication', 'fraud-mtls'))).toEqual(inFraud((shard, labels) => noMtlsMode(shard, 'fraud', labels)));

    // A PeerAuthentication of another namespace does not count, nor does one whose selector misses the pods.
    const elsewhere = { ...peer('fraud-mtls'), metadata: { ...peer('fraud-mtls').metadata, namespace: 'istio-system' } };
    const otherPods = peer('fraud-shard-metrics');
    otherPods.spec.selector.matchLabels = { app: 'feature-store' };
    expect(check([...without(fleet, 'PeerAuthentication', 'fraud-mtls').filter((o) => o.metadata?.name !== 'fraud-shard-metrics'), elsewhere as KubeObject, otherPods as KubeObject])).toEqual(
      inFraud((shard, labels) => noMtlsMode(shard, 'fraud', labels)),
    );
  });

  it('names the namespace-wide PeerAuthentication that decides when no selecting one overrides it', () => {
    const permissive = peer('fraud-mtls');
    permissive.spec.mtls.mode = 'PERMISSIVE';
    expect(check(replace('PeerAuthentication', 'fraud-mtls', permissive))).toEqual([]);
    expect(check(without(replace('PeerAuthentication', 'fraud-mtls', permissive), 'PeerAuthentication', 'fraud-shard-metrics'))).toEqual(
      inFraud(
        (shard) =>
          `Deployment/${shard} is a shard but Istio does not require mutual TLS on ports 8000 (HTTP) and 8001 (gRPC) of its pods: PeerAuthentication/fraud-mtls, namespace-wide in namespace fraud, sets spec.mtls.mode to PERMISSIVE, and no PeerAuthentication that selects the pods overrides it; ${NO_MTLS}; set it to STRICT`,
      ),
    );
  });

  it('names the port and the selecting PeerAuthentication that decides it, over a STRICT namespace-wide one', () => {
    const http = peer('fraud-shard-metrics');
    http.spec.portLevelMtls['8000'] = { mode: 'PERMISSIVE' };
    expect(check(replace('PeerAuthentication', 'fraud-shard-metrics', http))).toEqual(
      inFraud(
        (shard) =>
          `Deployment/${shard} is a shard but Istio does not require mutual TLS on port 8000 (HTTP) of its pods: PeerAuthentication/fraud-shard-metrics in namespace fraud selects the pods and sets spec.portLevelMtls["8000"].mode to PERMISSIVE; ${NO_MTLS}; set it to STRICT, or remove it`,
      ),
    );

    // The selecting policy's own mode for 8001, its port level for 8000: two causes, two messages; a port-level UNSET inherits STRICT.
    const both = peer('fraud-shard-metrics');
    both.spec.mtls.mode = 'DISABLE';
    both.spec.portLevelMtls = { '8000': { mode: 'PERMISSIVE' }, '8002': { mode: 'UNSET' } };
    const realtimeOnly = { ...both, spec: { ...both.spec, selector: { matchLabels: { 'app.kubernetes.io/instance': 'fraud-realtime-gpu-l4-1' } } } };
    expect(check(replace('PeerAuthentication', 'fraud-shard-metrics', realtimeOnly))).toEqual([
      [
        'Deployment/fraud-realtime-gpu-l4-1',
        '',
        `Deployment/fraud-realtime-gpu-l4-1 is a shard but Istio does not require mutual TLS on port 8000 (HTTP) of its pods: PeerAuthentication/fraud-shard-metrics in namespace fraud selects the pods and sets spec.portLevelMtls["8000"].mode to PERMISSIVE; ${NO_MTLS}; set it to STRICT, or remove it`,
      ],
      [
        'Deployment/fraud-realtime-gpu-l4-1',
        '',
        `Deployment/fraud-realtime-gpu-l4-1 is a shard but Istio does not require mutual TLS on port 8001 (gRPC) of its pods: PeerAuthentication/fraud-shard-metrics in namespace fraud selects the pods and sets spec.mtls.mode to DISABLE; ${NO_MTLS}; set it to STRICT`,
      ],
    ]);

    // Istio applies the oldest of two selecting policies, which the objects do not tell: each must give STRICT.
    const second = { ...http, metadata: { ...http.metadata, name: 'fraud-shard-http' } };
    expect(check([...fleet, second as KubeObject]).map(([object, , message]) => [object, message.slice(0, message.indexOf(';'))])).toEqual(
      FRAUD_SHARDS.map(([shard]) => [
        `Deployment/${shard}`,
        `Deployment/${shard} is a shard but Istio does not require mutual TLS on port 8000 (HTTP) of its pods: PeerAuthentication/fraud-shard-http in namespace fraud selects the pods and sets spec.portLevelMtls["8000"].mode to PERMISSIVE`,
      ]),
    );
  });

  it("requires STRICT on the metrics port too when the stack's mtls is strict", () => {
    expect(strict.objects.filter((o) => o.kind === 'PeerAuthentication').map((o) => o.metadata?.name)).toEqual(['docai-mtls', 'fraud-mtls', 'search-mtls']);
    expect(checkWith(strict.stack, strict.objects)).toEqual([]);
    const metrics = copyOf(fleet, 'PeerAuthentication', 'search-shard-metrics');
    expect(metrics.spec.portLevelMtls).toEqual({ '8002': { mode: 'PERMISSIVE' } });
    expect(checkWith(strict.stack, [...strict.objects, metrics as KubeObject])).toEqual([
      [
        'Deployment/search-interactive-cpu-std-1',
        '',
        "Deployment/search-interactive-cpu-std-1 is a shard but Istio does not require mutual TLS on port 8002 (metrics) of its pods: PeerAuthentication/search-shard-metrics in namespace search selects the pods and sets spec.portLevelMtls[\"8002\"].mode to PERMISSIVE; the sidecar then also accepts plain text there: a caller outside the mesh connects without a certificate that names it, and the metrics, which name every tenant's copies, cross the network unencrypted; modelfleet:isolation.mtls is strict, so the metrics port must be STRICT too (strict-except-metrics lets a Prometheus outside the mesh scrape it in plain text); set it to STRICT, or remove it",
      ],
    ]);
    // The same fleet under strict-except-metrics.
    expect(check([...strict.objects, metrics as KubeObject])).toEqual([]);

    const none = without(strict.objects, 'PeerAuthentication', 'search-mtls');
    expect(checkWith(strict.stack, none).map(([, , message]) => message.slice(0, message.indexOf(':')))).toEqual([
      'Deployment/search-interactive-cpu-std-1 is a shard but Istio does not require mutual TLS on ports 8000 (HTTP), 8001 (gRPC) and 8002 (metrics) of its pods',
    ]);
  });

  it('checks no PeerAuthentication when the stack leaves mutual TLS unmanaged', () => {
    expect(unmanaged.objects.some((o) => o.kind === 'PeerAuthentication')).toBe(false);
    expect(checkWith(unmanaged.stack, unmanaged.objects)).toEqual([]);
    expect(check(unmanaged.objects).map(([object]) => object)).toEqual(['Deployment/fraud-batch-gpu-l4-1', 'Deployment/fraud-realtime-gpu-l4-1', 'Deployment/search-interactive-cpu-std-1']);
  });
});

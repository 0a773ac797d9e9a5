/**
 * The policy pack's policies (`policies/pack/policies.ts`, never the pack's
 * `index.ts`, which starts a gRPC server), called the way pulumi-policy's
 * server calls them: `validateResource` per resource and `validateStack` over
 * every resource, with args built from real synthesized objects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { stackFromEnvironment, stackFromPulumiConfig } from '../../policies/pack/pack-stack.ts';
import { kubeObjectOf, platformPolicies, type PlatformPolicy } from '../../policies/pack/policies.ts';
import { PLATFORM_RULES, type KubeObject } from '../../policies/rules/index.ts';
import { copyOf, objectsOf, resourceArgs, stackArgs, synthOnce, typeTokenOf, urnOf, violationSpy, type Reported } from './policy-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const policies = platformPolicies(loadPlatformStack());
const byName = (name: string, list: readonly PlatformPolicy[] = policies) => list.find((p) => p.name === name)!;
const resourcePolicies = (list: readonly PlatformPolicy[]) => list.filter((p): p is ResourceValidationPolicy => 'validateResource' in p);
const stackPolicies = (list: readonly PlatformPolicy[]) => list.filter((p): p is StackValidationPolicy => 'validateStack' in p);

/** Runs a resource policy on every object; what it reports, per object. */
async function validateEach(policy: ResourceValidationPolicy, objects: readonly KubeObject[], config: object = {}): Promise<Reported[]> {
  const { report, reported } = violationSpy();
  for (const object of objects) {
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const validate of validations) await validate(resourceArgs(object, config), (message, urn) => report(`${object.kind}/${object.metadata?.name}: ${message}`, urn));
  }
  return reported;
}

/** Runs a stack policy over the objects; what it reports. */
async function validateStack(policy: StackValidationPolicy, objects: readonly KubeObject[], config: object = {}): Promise<Reported[]> {
  const { report, reported } = violationSpy();
  await policy.validateStack(stackArgs(objects, config), report);
  return reported;
}

/** Pulumi's config map for a stack file: `namespace:key` → value text (JSON for structured values). */
function pulumiConfigOf(file: string): Record<string, string> {
  const config = (parse(readFileSync(resolve(ROOT, file), 'utf8')) as { config: Record<string, unknown> }).config;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

describe('platformPolicies', () => {
  it('has one policy per rule, at the stack default level, resource policies for object rules and stack policies for the rest', () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel, 'validateStack' in p ? 'stack' : 'resource'])).toEqual(
      PLATFORM_RULES.map((r) => [r.id, r.defaultLevel, r.scope === 'stack' ? 'stack' : 'resource']),
    );
    expect(byName('image-registry').configSchema).toEqual({
      properties: {
        allowedRegistries: {
          type: 'array',
          items: { type: 'string' },
          minItems: 1,
          description: 'Registries (host, optionally with a repository prefix) images must come from.',
          default: ['nvcr.io/nvidia', 'docker.io/rclone'],
        },
      },
    });
    expect(byName('realtime-min-replicas').configSchema?.properties.minReplicas).toMatchObject({ type: 'integer', default: 2 });
    expect((byName('gpu-pool-placement').configSchema?.properties.pools?.default as { name: string }[]).map((p) => p.name)).toEqual(['gpu-l4', 'gpu-a100-80g', 'cpu-std']);
  });

  it('reads Kubernetes objects from typed resources and custom resources only', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } };
    expect(kubeObjectOf('kubernetes:apps/v1:Deployment', deployment)).toBe(deployment);
    expect(kubeObjectOf('kubernetes:networking.istio.io/v1:VirtualService', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' })).toBeDefined();
    expect(kubeObjectOf('pulumi:providers:kubernetes', { kubeconfig: 'x' })).toBeUndefined();
    expect(kubeObjectOf('kubernetes:yaml/v2:ConfigGroup', { files: ['a.yaml'] })).toBeUndefined();
    expect(kubeObjectOf('aws:s3/bucket:Bucket', deployment)).toBeUndefined();
  });
});

describe.each([
  ['the example fleet', 'models'],
  ['the Pulumi test fleet', 'test/stacks/fleet/models'],
])('the policies on %s', (_, modelsDir) => {
  it.each(resourcePolicies(policies).map((p) => [p.name, p] as const))('%s reports nothing on any synthesized resource', async (_name, policy) => {
    const objects = objectsOf(await synthOnce(modelsDir));
    expect(await validateEach(policy, objects)).toEqual([]);
  });

  it.each(stackPolicies(policies).map((p) => [p.name, p] as const))('%s reports nothing on the synthesized stack', async (_name, policy) => {
    const objects = objectsOf(await synthOnce(modelsDir));
    expect(await validateStack(policy, objects)).toEqual([]);
  });
});

describe('violations through the policies', () => {
  it('reports a resource violation with its field path; the config overrides the stack default', async () => {
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models'));
    const shard = copyOf(objects, 'Deployment', 'fraud-realtime-gpu-l4-1') as KubeObject;
    const policy = byName('image-registry') as ResourceValidationPolicy;
    expect(await validateEach(policy, [shard], { allowedRegistries: ['nvcr.io/nvidia'] })).toEqual([
      {
        message:
          'Deployment/fraud-realtime-gpu-l4-1: spec.template.spec.initContainers[0].image: init container "fetch-models" uses image "rclone/rclone:1.68.2" (docker.io/rclone/rclone), which is not from an allowed registry (nvcr.io/nvidia); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries',
      },
    ]);
  });

  it('checks a hand-written Deployment registered beside the fleet', async () => {
    const handWritten: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'feature-store', namespace: 'fraud' },
      spec: { selector: { matchLabels: { app: 'fs' } }, template: { metadata: { labels: { app: 'fs' } }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/feature-store:3' }] } } },
    };
    const reported = (await Promise.all(resourcePolicies(policies).map(async (p) => (await validateEach(p, [handWritten])).map((r) => `${p.name}: ${r.message}`)))).flat();
    expect(reported).toEqual([
      'container-resources: Deployment/feature-store: spec.template.spec.containers[0].resources: container "app" sets no requests.cpu, requests.memory, limits.cpu, limits.memory; every container needs cpu and memory requests and limits',
      'image-registry: Deployment/feature-store: spec.template.spec.containers[0].image: container "app" uses image "ghcr.io/acme/feature-store:3" (ghcr.io/acme/feature-store), which is not from an allowed registry (nvcr.io/nvidia, docker.io/rclone); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries',
      'pod-security-restricted: Deployment/feature-store: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: container "app" leaves securityContext.allowPrivilegeEscalation unset; it must be false (Pod Security "restricted")',
      'pod-security-restricted: Deployment/feature-store: spec.template.spec.containers[0].securityContext.capabilities.drop: container "app" does not drop all capabilities (Pod Security "restricted"); set securityContext.capabilities.drop to ["ALL"]',
      'pod-security-restricted: Deployment/feature-store: spec.template.spec.containers[0].securityContext.runAsNonRoot: container "app" may run as root: runAsNonRoot is unset on the pod and unset on the container; set securityContext.runAsNonRoot to true (Pod Security "restricted")',
      'pod-security-restricted: Deployment/feature-store: spec.template.spec.containers[0].securityContext.seccompProfile: container "app" has no seccomp profile (none on the container or the pod); set seccompProfile.type to RuntimeDefault (Pod Security "restricted")',
    ]);
  });

  it('reports a stack violation on the URN of the offending resource', async () => {
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models')).map((o) =>
      o.kind === 'ResourceQuota' && o.metadata?.name === 'fraud-quota' ? { ...o, spec: { hard: { 'requests.nvidia.com/gpu': 10 } } } : o,
    );
    const quota = objects.find((o) => o.metadata?.name === 'fraud-quota')!;
    expect(await validateStack(byName('team-quota') as StackValidationPolicy, objects)).toEqual([
      {
        message:
          'ResourceQuota/fraud-quota spec.hard["requests.nvidia.com/gpu"]: team fraud requests 12 GPUs at max replicas, quota is 10 GPUs (merchant-risk, txn-scorer@acme, txn-scorer@globex); raise the quota or lower the max replicas',
        urn: urnOf(quota),
      },
    ]);
    expect(urnOf(quota)).toBe('urn:pulumi:dev::modelfleet::kubernetes:core/v1:ResourceQuota::fraud/ResourceQuota/fraud-quota');
  });

  it('ignores resources that are not Kubernetes objects in a stack', async () => {
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models'));
    const [like] = stackArgs([objects[0]!]).resources;
    // Looks like a VirtualService routing out of the mesh, but is not a Kubernetes resource.
    const lookalike = {
      ...like!,
      type: 'acme:index:RouteSpec',
      urn: 'urn:pulumi:dev::modelfleet::acme:index:RouteSpec::r',
      name: 'r',
      props: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'fraud' }, spec: { http: [{ route: [{ destination: { host: 'evil.example.com' } }] }] } },
    };
    const provider = { ...like!, type: 'pulumi:providers:kubernetes', urn: 'urn:pulumi:dev::modelfleet::pulumi:providers:kubernetes::k', name: 'k', props: { kubeconfig: 'x' } };
    const { report, reported } = violationSpy();
    await (byName('virtualservice-namespace') as StackValidationPolicy).validateStack(stackArgs(objects, {}, [lookalike, provider]), report);
    expect(reported).toEqual([]);
  });
});

describe('the stack the pack enforces', () => {
  it("is the previewed stack's config when Pulumi passes it, with the same rules synth runs", async () => {
    const dev = stackFromPulumiConfig(pulumiConfigOf('Pulumi.dev.yaml'), 'dev');
    expect(dev.name).toBe('dev');
    expect(dev.tiers.realtime.minReplicas).toBe(1);
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models', 'dev', ROOT));
    const devPolicies = platformPolicies(dev);
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata?.name === 'fraud-realtime-gpu-l4-1')!;
    expect(byName('realtime-min-replicas', devPolicies).enforcementLevel).toBe('advisory');
    expect(await validateStack(byName('realtime-min-replicas', devPolicies) as StackValidationPolicy, objects)).toEqual([
      {
        message:
          'HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1 spec.minReplicas: Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but may run 1 replica (HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1 spec.minReplicas); realtime needs at least 2, so a drain or a crash never takes the only server away',
        urn: urnOf(hpa),
      },
    ]);
    expect(typeTokenOf(hpa)).toBe('kubernetes:autoscaling/v2:HorizontalPodAutoscaler');
  });

  it("takes enforcement levels and registries from the stack's modelfleet:policies", () => {
    const stack = stackFromPulumiConfig(
      {
        'modelfleet:policies': JSON.stringify({ enforcement: { 'realtime-min-replicas': 'mandatory', 'image-registry': 'disabled' }, allowedRegistries: ['registry.internal/ml'] }),
        'modelfleet:models': 'models',
        'kubernetes:context': 'prod',
      },
      'prod',
    );
    const prod = platformPolicies(stack);
    expect(byName('realtime-min-replicas', prod).enforcementLevel).toBe('mandatory');
    expect(byName('image-registry', prod).enforcementLevel).toBe('disabled');
    expect(byName('image-registry', prod).configSchema?.properties.allowedRegistries?.default).toEqual(['registry.internal/ml']);
  });

  it('falls back to the embedded default stack, and fails on an invalid stack config', () => {
    expect(stackFromEnvironment({}).name).toBe('default');
    expect(stackFromEnvironment({ PULUMI_CONFIG: '{"kubernetes:context":"x"}', PULUMI_NODEJS_STACK: 'dev' }).name).toBe('default');
    expect(stackFromEnvironment({ PULUMI_CONFIG: JSON.stringify({ 'modelfleet:config:image': 'x/y:1' }), PULUMI_NODEJS_STACK: 'ci' })).toMatchObject({ name: 'ci', image: 'x/y:1' });
    expect(() => stackFromPulumiConfig({ 'modelfleet:policies': '{"enforcement":{"pod-security":"mandatory"}}' }, 'prod')).toThrow(
      'modelfleet policy pack: the stack config is invalid:\nPulumi.prod.yaml: modelfleet:policies.enforcement.pod-security: unknown rule "pod-security"; did you mean "pod-security-restricted"?',
    );
  });
});

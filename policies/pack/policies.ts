/**
 * The platform rules of `policies/rules/` as Pulumi policies: the very
 * functions `synth` runs, applied at `pulumi preview --policy-pack
 * policies/pack` to what the Pulumi program registers, and to anything else
 * in the stack (a hand-written Deployment is checked too).
 *
 * `object` rules become resource policies (`validateResource`, one resource
 * at a time); `stack` rules (team quota, VirtualService namespaces, shard
 * isolation, realtime invariants) become stack policies (`validateStack` over
 * `args.resources`). The program registers typed `@pulumi/kubernetes`
 * resources (`kubernetes:apps/v1:Deployment`, and
 * `kubernetes:networking.istio.io/v1:VirtualService`-style tokens for custom
 * resources), so every resource's props are the Kubernetes object itself
 * (`apiVersion`, `kind`, `metadata`, `spec`).
 *
 * Each policy's enforcement level defaults to the stack's
 * (`modelfleet:policies.enforcement`), and its config (`configSchema`,
 * defaults from the stack) can be overridden with `--policy-pack-config`.
 *
 * This module constructs no `PolicyPack` (that starts a gRPC server):
 * `index.ts` does, and tests import this module only.
 */
import type { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { formatPath } from '../../core/errors/spec-issue.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { describeObject, type FieldPath, type KubeObject } from '../rules/kube-object.ts';
import { checkPlatformRule, PLATFORM_RULES, ruleConfigsFromStack, type PlatformRule, type PlatformRuleConfigs, type PlatformRuleId } from '../rules/platform-rules.ts';
import { stackFromEnvironment } from './pack-stack.ts';

/** A modelfleet policy: a resource or a stack policy named after its rule. */
export type PlatformPolicy = ResourceValidationPolicy | StackValidationPolicy;

/**
 * The Kubernetes object a Pulumi resource stands for, or `undefined`: typed
 * Kubernetes resources and CustomResources (`kubernetes:<group>/<version>:<Kind>`)
 * whose props carry `apiVersion` and `kind`. Providers, components and
 * resources of other providers are not Kubernetes objects.
 */
export function kubeObjectOf(type: string, props: Record<string, unknown>): KubeObject | undefined {
  if (!/^kubernetes:[^:]+:[A-Za-z0-9]+$/.test(type)) return undefined;
  if (typeof props.apiVersion !== 'string' || typeof props.kind !== 'string') return undefined;
  return props as KubeObject;
}

/** A violation as Pulumi shows it: the field path, then the message (the resource is the violation's URN). */
function pulumiMessage(object: KubeObject, path: FieldPath, message: string, withObject: boolean): string {
  const where = path.length ? formatPath(path) : '';
  const prefix = withObject ? `${describeObject(object)}${where ? ` ${where}` : ''}` : where;
  return prefix ? `${prefix}: ${message}` : message;
}

const stringList = (description: string, defaults: readonly string[]) => ({
  type: 'array' as const,
  items: { type: 'string' as const },
  description,
  default: [...defaults],
});

/** The `configSchema` of each rule, with the stack's values as defaults. */
function configSchemaOf(id: PlatformRuleId, defaults: PlatformRuleConfigs): PolicyConfigSchema | undefined {
  switch (id) {
    case 'team-quota':
      return { properties: { gpuResources: stringList('Extended resources messages count as GPUs.', defaults[id].gpuResources) } };
    case 'gpu-pool-placement':
      return {
        properties: {
          pools: {
            type: 'array',
            description: "The stack's pools: name, kind (gpu or cpu), nodeSelector and, for GPU pools, gpuResource.",
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                kind: { type: 'string', enum: ['gpu', 'cpu'] },
                nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
                gpuResource: { type: 'string' },
              },
              required: ['name', 'kind', 'nodeSelector'],
              additionalProperties: false,
            },
            default: defaults[id].pools.map((p) => ({ ...p, nodeSelector: { ...p.nodeSelector } })),
          },
        },
      };
    case 'team-budget':
      return {
        properties: {
          pools: {
            type: 'array',
            description: "The stack's priced pools: name, nodeSelector and price (hourlyUsd per node, source, asOf, discountPercent).",
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
                price: {
                  type: 'object',
                  properties: { hourlyUsd: { type: 'number', minimum: 0 }, source: { type: 'string' }, asOf: { type: 'string' }, discountPercent: { type: 'number', minimum: 0, maximum: 100 } },
                  required: ['hourlyUsd', 'source', 'asOf', 'discountPercent'],
                  additionalProperties: false,
                },
              },
              required: ['name', 'nodeSelector', 'price'],
              additionalProperties: false,
            },
            default: defaults[id].pools.map((p) => ({ ...p, nodeSelector: { ...p.nodeSelector }, price: { ...p.price } })),
          },
        },
      };
    case 'image-registry':
      return {
        properties: {
          allowedRegistries: { ...stringList('Registries (host, optionally with a repository prefix) images must come from.', defaults[id].allowedRegistries), minItems: 1 },
        },
      };
    case 'virtualservice-namespace':
      return { properties: { clusterDomain: { type: 'string', description: "The cluster's DNS domain.", default: defaults[id].clusterDomain } } };
    case 'realtime-min-replicas':
      return { properties: { minReplicas: { type: 'integer', minimum: 1, description: 'Fewest replicas a realtime workload may run.', default: defaults[id].minReplicas } } };
    default:
      return undefined;
  }
}

/** One rule's configs: the stack's defaults with the policy-pack config (`args.getConfig()`) over them. */
function configsWith(defaults: PlatformRuleConfigs, id: PlatformRuleId, own: object): PlatformRuleConfigs {
  return { ...defaults, [id]: { ...defaults[id], ...own } };
}

/** The Pulumi policy for one rule. */
function policyFor(rule: PlatformRule, stack: StackConfig, defaults: PlatformRuleConfigs): PlatformPolicy {
  const schema = configSchemaOf(rule.id, defaults);
  const base = {
    name: rule.id,
    description: rule.description,
    enforcementLevel: stack.policies.enforcement[rule.id] ?? rule.defaultLevel,
    ...(schema ? { configSchema: schema } : {}),
  };
  if (rule.scope === 'object') {
    return {
      ...base,
      validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const object = kubeObjectOf(args.type, args.props);
        if (!object) return;
        checkPlatformRule(rule, [object], configsWith(defaults, rule.id, args.getConfig()), (o, path, message) => reportViolation(pulumiMessage(o, path, message, false)));
      },
    };
  }
  return {
    ...base,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const urnOf = new Map<KubeObject, string>();
      const objects: KubeObject[] = [];
      for (const r of args.resources) {
        const object = kubeObjectOf(r.type, r.props);
        if (!object) continue;
        urnOf.set(object, r.urn);
        objects.push(object);
      }
      checkPlatformRule(rule, objects, configsWith(defaults, rule.id, args.getConfig()), (o, path, message) => reportViolation(pulumiMessage(o, path, message, true), urnOf.get(o)));
    },
  };
}

/**
 * Every platform rule as a Pulumi policy, in rule order, with enforcement
 * levels and config defaults from `stack`.
 *
 * @param stack - the stack to enforce; @default - the previewed stack's config when the Pulumi CLI passes it, else the embedded default stack (see `stackFromEnvironment`)
 */
export function platformPolicies(stack: StackConfig = stackFromEnvironment()): PlatformPolicy[] {
  const defaults = ruleConfigsFromStack(stack);
  return PLATFORM_RULES.map((rule) => policyFor(rule, stack, defaults));
}

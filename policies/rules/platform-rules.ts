/**
 * Every platform rule over manifests, in the order they run and are
 * reported, with the configuration each gets from a stack. `synth` runs them
 * on what it renders; the Pulumi policy pack wraps the same list.
 */
import type { EnforcementLevel } from '../../core/stack/policy-config.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { containerResourcesRule, type ContainerResourcesConfig } from './container-resources.ts';
import { gpuPoolPlacementRule, type GpuPoolPlacementConfig } from './gpu-pool-placement.ts';
import { imageRegistryRule, type ImageRegistryConfig } from './image-registry.ts';
import type { KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import type { ObjectIndex } from './object-index.ts';
import { podSecurityRestrictedRule, type PodSecurityRestrictedConfig } from './pod-security-restricted.ts';
import { realtimeDisruptionBudgetRule, type RealtimeDisruptionBudgetConfig } from './realtime-disruption-budget.ts';
import { realtimeMinReplicasRule, type RealtimeMinReplicasConfig } from './realtime-min-replicas.ts';
import { shardIsolationRule, type ShardIsolationConfig } from './shard-isolation.ts';
import { teamQuotaRule, type TeamQuotaConfig } from './team-quota.ts';
import { teamBudgetRule, type TeamBudgetConfig } from './team-budget.ts';
import { virtualServiceNamespaceRule, type VirtualServiceNamespaceConfig } from './virtualservice-namespace.ts';

/** The configuration of every rule, by rule id. */
export interface PlatformRuleConfigs {
  readonly 'team-quota': TeamQuotaConfig;
  readonly 'team-budget': TeamBudgetConfig;
  readonly 'gpu-pool-placement': GpuPoolPlacementConfig;
  readonly 'container-resources': ContainerResourcesConfig;
  readonly 'image-registry': ImageRegistryConfig;
  readonly 'pod-security-restricted': PodSecurityRestrictedConfig;
  readonly 'virtualservice-namespace': VirtualServiceNamespaceConfig;
  readonly 'shard-isolation': ShardIsolationConfig;
  readonly 'realtime-min-replicas': RealtimeMinReplicasConfig;
  readonly 'realtime-disruption-budget': RealtimeDisruptionBudgetConfig;
}

/** A platform rule id. */
export type PlatformRuleId = keyof PlatformRuleConfigs;

/** A platform rule with its id's configuration type. */
export type PlatformRule = { readonly [K in PlatformRuleId]: ManifestRule<PlatformRuleConfigs[K], K> }[PlatformRuleId];

/** Every platform rule, in the order they run and are reported. */
export const PLATFORM_RULES: readonly PlatformRule[] = [
  teamQuotaRule,
  teamBudgetRule,
  gpuPoolPlacementRule,
  containerResourcesRule,
  imageRegistryRule,
  podSecurityRestrictedRule,
  virtualServiceNamespaceRule,
  shardIsolationRule,
  realtimeMinReplicasRule,
  realtimeDisruptionBudgetRule,
];

/** Every rule's default enforcement level, by id: the defaults of `modelfleet:policies.enforcement`. */
export const DEFAULT_RULE_LEVELS: Readonly<Record<PlatformRuleId, EnforcementLevel>> = Object.fromEntries(PLATFORM_RULES.map((r) => [r.id, r.defaultLevel])) as Record<
  PlatformRuleId,
  EnforcementLevel
>;

/** Fewest replicas of a realtime workload (`realtime-min-replicas`). */
export const REALTIME_MIN_REPLICAS = 2;

/** The cluster DNS domain VirtualService destinations are resolved in. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** The configuration every rule gets from a stack: its pools, GPU resources, allowed registries, token issuers and mutual TLS mode. */
export function ruleConfigsFromStack(stack: StackConfig): PlatformRuleConfigs {
  const gpuResources = [...new Set(stack.pools.filter((p) => p.kind === 'gpu').map((p) => p.gpuResource))].sort();
  return {
    'team-quota': { gpuResources },
    'team-budget': { pools: stack.pools.flatMap((p) => (p.price ? [{ name: p.name, nodeSelector: { ...p.nodeSelector }, price: p.price }] : [])) },
    'gpu-pool-placement': {
      pools: stack.pools.map((p) => ({ name: p.name, kind: p.kind, nodeSelector: { ...p.nodeSelector }, ...(p.kind === 'gpu' ? { gpuResource: p.gpuResource } : {}) })),
    },
    'container-resources': {},
    'image-registry': { allowedRegistries: [...stack.policies.allowedRegistries] },
    'pod-security-restricted': {},
    'virtualservice-namespace': { clusterDomain: CLUSTER_DOMAIN },
    'shard-isolation': {
      ...(stack.auth ? { auth: { issuers: stack.auth.jwt.map((j) => j.issuer), tenantClaim: stack.auth.tenantClaim } } : {}),
      mtls: stack.isolation.mtls,
    },
    'realtime-min-replicas': { minReplicas: REALTIME_MIN_REPLICAS },
    'realtime-disruption-budget': {},
  };
}

/** Runs one platform rule with its configuration from `configs`; `index`, an `ObjectIndex` of exactly `objects`, is shared with the rule. */
export function checkPlatformRule(rule: PlatformRule, objects: readonly KubeObject[], configs: PlatformRuleConfigs, report: ReportViolation, index?: ObjectIndex): void {
  (rule.check as (o: readonly KubeObject[], c: unknown, r: ReportViolation, i?: ObjectIndex) => void)(objects, configs[rule.id], report, index);
}

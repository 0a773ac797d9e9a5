/**
 * Platform rules over Kubernetes manifests: pure functions over plain
 * objects, run by `synth` and wrapped by the Pulumi policy pack.
 */
export { checkContainerResources, containerResourcesRule, type ContainerResourcesConfig } from './container-resources.ts';
export { checkGpuPoolPlacement, gpuPoolPlacementRule, type GpuPoolPlacementConfig, type PlacementPool } from './gpu-pool-placement.ts';
export { checkImageRegistry, imageRegistryRule, imageRepository, isAllowedImage, type ImageRegistryConfig } from './image-registry.ts';
export { describeObject, selectorMatches, type FieldPath, type KubeObject } from './kube-object.ts';
export { collectViolations, type ManifestRule, type ReportViolation, type RuleViolation } from './manifest-rule.ts';
export { ObjectIndex, type MissingNamespace } from './object-index.ts';
export {
  checkPlatformRule,
  CLUSTER_DOMAIN,
  DEFAULT_RULE_LEVELS,
  PLATFORM_RULES,
  REALTIME_MIN_REPLICAS,
  ruleConfigsFromStack,
  type PlatformRule,
  type PlatformRuleConfigs,
  type PlatformRuleId,
} from './platform-rules.ts';
export { checkPodSecurityRestricted, podSecurityRestrictedRule, RESTRICTED_VOLUME_TYPES, type PodSecurityRestrictedConfig } from './pod-security-restricted.ts';
export { containersOf, podTemplateOf, podTemplatesIn, WORKLOAD_KINDS, type PodContainer, type PodTemplate } from './pod-templates.ts';
export { formatQuotaExcess, listContributors, type QuotaExcess } from './quota-message.ts';
export { checkRealtimeDisruptionBudget, realtimeDisruptionBudgetRule, type RealtimeDisruptionBudgetConfig } from './realtime-disruption-budget.ts';
export { checkRealtimeMinReplicas, realtimeMinReplicasRule, type RealtimeMinReplicasConfig } from './realtime-min-replicas.ts';
export { replicaBounds, type ReplicaBounds } from './replica-bounds.ts';
export { advisoryViolations, mandatoryViolations, runPlatformRules, type ManifestObjects } from './run-platform-rules.ts';
export { checkShardIsolation, shardIsolationRule, type ShardIsolationConfig } from './shard-isolation.ts';
export { checkTeamQuota, teamQuotaRule, type TeamQuotaConfig } from './team-quota.ts';
export { BUDGET_ANNOTATION, checkTeamBudget, namespaceCosts, pricedPoolOf, teamBudgetRule, workloadSchedule, type TeamBudgetConfig } from './team-budget.ts';
export { checkVirtualServiceNamespace, virtualServiceNamespaceRule, type VirtualServiceNamespaceConfig } from './virtualservice-namespace.ts';

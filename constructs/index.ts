/**
 * cdk8s constructs that render a `ShardPlan` into Kubernetes objects.
 */
export { TeamTenancy, DEFAULT_CONTAINER_LIMIT, DEFAULT_CONTAINER_REQUEST } from './team-tenancy.ts';
export type { TeamTenancyProps, PodSecurityLevel } from './team-tenancy.ts';
export {
  TritonShard,
  TRITON_HTTP_PORT,
  TRITON_GRPC_PORT,
  TRITON_METRICS_PORT,
  MODELS_CHECKSUM_ANNOTATION,
  DEFAULT_FETCHER_LIMITS,
  DEFAULT_FETCHER_REQUESTS,
} from './triton-shard.ts';
export type { TritonShardProps } from './triton-shard.ts';
export { TierPriorityClasses } from './tier-priority-classes.ts';
export type { TierPriorityClassesProps } from './tier-priority-classes.ts';
export { ModelRoute, httpRoutes, shardServiceHost, GRPC_SERVICE_PREFIX, REQUEST_ID_HEADER } from './model-route.ts';
export type { ModelRouteProps } from './model-route.ts';
export { ShardTrafficPolicy } from './shard-traffic-policy.ts';
export { ShardAuthorization } from './shard-authorization.ts';
export type { ShardAuthorizationProps } from './shard-authorization.ts';
export { TeamGrpcGuard, grpcGuardLua, grpcGuardSelector, teamGrpcGuardName } from './team-grpc-guard.ts';
export type { TeamGrpcGuardProps, GrpcGuardLuaOptions } from './team-grpc-guard.ts';
export { EnvoyFilter } from './envoy-filter.ts';
export type { EnvoyFilterProps } from './envoy-filter.ts';
export { TeamNetworkPolicy } from './team-network-policy.ts';
export type { TeamNetworkPolicyProps } from './team-network-policy.ts';
export type { ShardTrafficPolicyProps } from './shard-traffic-policy.ts';
export { VirtualService } from './virtual-service.ts';
export type { VirtualServiceProps } from './virtual-service.ts';
export { DestinationRule } from './destination-rule.ts';
export type { DestinationRuleProps } from './destination-rule.ts';
export { AuthorizationPolicy } from './authorization-policy.ts';
export type { AuthorizationPolicyProps } from './authorization-policy.ts';
export { FleetChart } from './fleet-chart.ts';
export type { FleetChartProps } from './fleet-chart.ts';
export { renderFleet, renderFleetObjects, toYamlDocuments, KUSTOMIZATION_FILE, CLUSTER_CHART } from './render-fleet.ts';
export type { RenderFleetInput, RenderedFleet, RenderedFile, FleetManifest, KubeObject } from './render-fleet.ts';
export {
  shardConfigData,
  shardFetchPlan,
  fetchModelsList,
  modelsJson,
  modelsJsonText,
  rcloneSource,
  configChecksum,
  MODELS_JSON_KEY,
  FETCH_SCRIPT_KEY,
  FETCH_LIST_KEY,
  MODEL_REPOSITORY_PATH,
  CONFIG_MOUNT_PATH,
  modelConfigKey,
} from './shard-config-data.ts';
export type { ModelsJsonEntry, RcloneSource, FetchEntry, ShardFetchPlan } from './shard-config-data.ts';
export { FetchModelsScript, FETCH_MODELS_SCRIPT, fetchModelsScriptName, modelsChecksum } from './fetch-models-script.ts';
export type { FetchModelsScriptProps } from './fetch-models-script.ts';
export { toQuantities } from './container-size.ts';
export type { ContainerSize } from './container-size.ts';
export { ShardAutoscaler } from './shard-autoscaler.ts';
export type { ShardAutoscalerProps } from './shard-autoscaler.ts';
export { ShardMetrics, metricsPodAnnotations } from './shard-metrics.ts';
export type { ShardMetricsProps } from './shard-metrics.ts';
export { ScaledObject } from './scaled-object.ts';
export type { ScaledObjectProps } from './scaled-object.ts';
export { ServiceMonitor } from './service-monitor.ts';
export type { ServiceMonitorProps } from './service-monitor.ts';
export type * from './imports/networking.istio.io.ts';
export type { DestinationRuleSpec, TrafficPolicy, ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection } from './imports/networking.istio.io.destinationrule.ts';
export type { AuthorizationPolicySpec, Rule as AuthorizationRule, RuleFrom, RuleTo, Source, Operation, Condition } from './imports/security.istio.io.ts';
export type { ScaledObjectSpec, ScaleTrigger, ScaleTarget, AdvancedConfig, HorizontalPodAutoscalerConfig, HorizontalPodAutoscalerBehavior } from './imports/keda.sh.ts';
export type { ServiceMonitorSpec, Endpoint as ServiceMonitorEndpoint } from './imports/monitoring.coreos.com.ts';

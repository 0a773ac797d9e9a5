/**
 * Kubernetes labels that identify a shard's objects. The constructs stamp
 * them; the policy pack reads them back from synthesized Deployments to
 * rebuild shard views, so the keys are a contract and live here, in core.
 */
import type { Shard } from './shard-plan.ts';

/** Label keys modelfleet sets on every object it renders. */
export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  team: 'modelfleet.io/team',
  tier: 'modelfleet.io/tier',
  pool: 'modelfleet.io/pool',
  shard: 'modelfleet.io/shard',
  model: 'modelfleet.io/model',
} as const;

/**
 * Key of the copy list in a shard's ConfigMap (a JSON array of
 * `{name, model, tenant, team, artifact, framework}`). The platform rules read
 * it back to name the copies behind a Deployment in their messages.
 */
export const SHARD_MODELS_KEY = 'models.json';

/** Value of `app.kubernetes.io/managed-by` on rendered objects. */
export const MANAGED_BY = 'modelfleet';

/** Value of `app.kubernetes.io/name` on a shard's objects. */
export const TRITON_APP_NAME = 'triton';

/**
 * The labels of every object of `shard`.
 *
 * @example
 * shardLabels(shard)['modelfleet.io/tier'] // 'realtime'
 */
export function shardLabels(shard: Shard): Readonly<Record<string, string>> {
  return {
    [LABEL.name]: TRITON_APP_NAME,
    [LABEL.instance]: shard.name,
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.team]: shard.team,
    [LABEL.tier]: shard.tier,
    [LABEL.pool]: shard.pool,
    [LABEL.shard]: shard.name,
  };
}

/**
 * Pod-template label that says whether the shard's sidecar lets
 * `ModelStreamInfer` calls without a tenant header pass: `refused` when the
 * shard holds a tenanted copy, `allowed` otherwise. The gRPC guard of the
 * team's namespace is two EnvoyFilters, one per value, and this label decides
 * which one selects the pods; the `shard-isolation` platform rule reads it back.
 *
 * Only on the Deployment's pod template, never in its selector (immutable),
 * so a shard may change value over its life: the pods roll.
 */
export const GRPC_STREAM_LABEL = 'modelfleet.io/grpc-stream';

/** Values of `GRPC_STREAM_LABEL`. */
export type GrpcStream = 'refused' | 'allowed';

/**
 * Whether the shard's gRPC guard lets `ModelStreamInfer` pass: `refused` when
 * any copy is tenanted (a streamed message could name any copy of the shard,
 * another tenant's included), `allowed` when none is (nothing to protect).
 */
export function grpcStreamOf(shard: Pick<Shard, 'copies'>): GrpcStream {
  return shard.copies.some((c) => c.tenant !== undefined) ? 'refused' : 'allowed';
}

/**
 * The labels of a shard's pods: `shardLabels()` plus `GRPC_STREAM_LABEL`.
 *
 * @example
 * shardPodLabels(shard)['modelfleet.io/grpc-stream'] // 'refused'
 */
export function shardPodLabels(shard: Shard): Readonly<Record<string, string>> {
  return { ...shardLabels(shard), [GRPC_STREAM_LABEL]: grpcStreamOf(shard) };
}

/** The labels of a rendered workload's pods: its `spec.template.metadata.labels` (empty when it has none). */
export function podTemplateLabels(object: object): Readonly<Record<string, unknown>> {
  return (object as { spec?: { template?: { metadata?: { labels?: Record<string, unknown> } } } }).spec?.template?.metadata?.labels ?? {};
}

/**
 * The subset of `shardLabels()` that selects a shard's pods. A Deployment's
 * selector is immutable, so this never includes anything that may change
 * over the shard's life (tier, pool).
 */
export function shardSelectorLabels(shard: Shard): Readonly<Record<string, string>> {
  return { [LABEL.name]: TRITON_APP_NAME, [LABEL.instance]: shard.name };
}

/**
 * How many pods a workload runs at least and at most: from the KEDA
 * ScaledObjects and HorizontalPodAutoscalers that target it, else from its
 * own `spec.replicas`. Shared by the quota rule (max) and the realtime rules
 * (min).
 */
import { apiGroupOf, asNumber, asRecord, asString, isKind, nameOf, sameNamespace, type FieldPath, type KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';

/** KEDA's default `maxReplicaCount` when a ScaledObject gives none. */
export const KEDA_DEFAULT_MAX_REPLICAS = 100;

/** Where a bound comes from, for messages and violation paths. */
export interface BoundSource {
  /** The object that sets the bound (the workload itself, or its autoscaler). */
  readonly object: KubeObject;
  /** The field (`['spec', 'minReplicaCount']`); `[]` when a default applies. */
  readonly path: FieldPath;
  /** Human description: `ScaledObject/x spec.minReplicaCount`, `spec.replicas is unset`. */
  readonly description: string;
}

/** The replica range of a workload. */
export interface ReplicaBounds {
  readonly min: number;
  readonly max: number;
  readonly minFrom: BoundSource;
  readonly maxFrom: BoundSource;
}

/** Kinds whose replica count `spec.replicas` sets and autoscalers may own. */
const SCALABLE = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet', '/ReplicationController']);

/** Whether an autoscaler's `scaleTargetRef` points at `workload`. */
function targets(ref: Readonly<Record<string, unknown>> | undefined, workload: KubeObject, defaults: { kind?: string; apiVersion?: string }): boolean {
  if (!ref) return false;
  const kind = asString(ref.kind) ?? defaults.kind;
  const apiVersion = asString(ref.apiVersion) ?? defaults.apiVersion;
  if (kind !== workload.kind || asString(ref.name) !== nameOf(workload)) return false;
  return apiVersion === undefined || apiGroupOf(apiVersion) === apiGroupOf(workload.apiVersion);
}

/** The KEDA ScaledObjects and HorizontalPodAutoscalers in `objects` (or an index of them) that scale `workload`, in order. */
export function autoscalersOf(workload: KubeObject, objects: readonly KubeObject[] | ObjectIndex): KubeObject[] {
  // Only autoscalers in the workload's namespace that name it can target it: the index holds them by namespace and name.
  return ObjectIndex.of(objects).autoscalerCandidates(workload).filter((o) => {
    if (!sameNamespace(o, workload)) return false;
    const ref = asRecord(asRecord(o.spec)?.scaleTargetRef);
    if (isKind(o, 'keda.sh', 'ScaledObject')) return targets(ref, workload, { kind: 'Deployment', apiVersion: 'apps/v1' });
    if (isKind(o, 'autoscaling', 'HorizontalPodAutoscaler')) return targets(ref, workload, {});
    return false;
  });
}

/** Min and max of one autoscaler, with where each comes from. */
function autoscalerBounds(scaler: KubeObject): ReplicaBounds {
  const spec = asRecord(scaler.spec) ?? {};
  const at = (field: string, note = '') => ({ object: scaler, path: ['spec', field], description: `${scaler.kind}/${nameOf(scaler)} spec.${field}${note}` });
  if (scaler.kind === 'ScaledObject') {
    const min = asNumber(spec.minReplicaCount);
    const idle = asNumber(spec.idleReplicaCount);
    const max = asNumber(spec.maxReplicaCount);
    // KEDA scales to idleReplicaCount (below minReplicaCount) when every trigger is inactive.
    const minFrom =
      idle !== undefined && idle < (min ?? 0)
        ? at('idleReplicaCount')
        : min !== undefined
          ? at('minReplicaCount')
          : { object: scaler, path: ['spec', 'minReplicaCount'], description: `${scaler.kind}/${nameOf(scaler)} leaves spec.minReplicaCount unset, KEDA's default is 0` };
    return {
      min: Math.min(min ?? 0, idle ?? Infinity),
      max: max ?? KEDA_DEFAULT_MAX_REPLICAS,
      minFrom,
      maxFrom: max !== undefined ? at('maxReplicaCount') : { object: scaler, path: ['spec', 'maxReplicaCount'], description: `${scaler.kind}/${nameOf(scaler)} leaves spec.maxReplicaCount unset, KEDA's default is ${KEDA_DEFAULT_MAX_REPLICAS}` },
    };
  }
  const min = asNumber(spec.minReplicas);
  const max = asNumber(spec.maxReplicas) ?? 1;
  return {
    min: min ?? 1,
    max,
    minFrom: min !== undefined ? at('minReplicas') : { object: scaler, path: ['spec', 'minReplicas'], description: `${scaler.kind}/${nameOf(scaler)} leaves spec.minReplicas unset, the default is 1` },
    maxFrom: at('maxReplicas'),
  };
}

/**
 * The replica range of a workload, or `undefined` for a DaemonSet (one pod
 * per matching node: the count depends on the cluster) or a non-workload.
 *
 * - Deployment, StatefulSet, ReplicaSet, ReplicationController: the lowest
 *   min and highest max of the autoscalers targeting it (KEDA
 *   `minReplicaCount`/`idleReplicaCount`/`maxReplicaCount`, HPA
 *   `minReplicas`/`maxReplicas`); without one, `spec.replicas` (default 1).
 * - Pod: 1. Job: `spec.parallelism` (default 1). CronJob: the job template's.
 *
 * Pass an `ObjectIndex` of the objects when asking for many workloads.
 */
export function replicaBounds(workload: KubeObject, objects: readonly KubeObject[] | ObjectIndex): ReplicaBounds | undefined {
  const kind = `${apiGroupOf(workload.apiVersion)}/${workload.kind ?? ''}`;
  const self = (path: FieldPath, description: string): BoundSource => ({ object: workload, path, description });
  if (kind === '/Pod') {
    const one = self([], 'a single Pod');
    return { min: 1, max: 1, minFrom: one, maxFrom: one };
  }
  if (kind === 'batch/Job' || kind === 'batch/CronJob') {
    const specPath = kind === 'batch/Job' ? ['spec'] : ['spec', 'jobTemplate', 'spec'];
    let spec: unknown = workload;
    for (const k of specPath) spec = asRecord(spec)?.[k];
    const parallelism = asNumber(asRecord(spec)?.parallelism);
    const from = self([...specPath, 'parallelism'], parallelism === undefined ? `${specPath.join('.')}.parallelism is unset` : `${specPath.join('.')}.parallelism`);
    return { min: parallelism ?? 1, max: parallelism ?? 1, minFrom: from, maxFrom: from };
  }
  if (!SCALABLE.has(kind)) return undefined;
  const scalers = autoscalersOf(workload, objects).map(autoscalerBounds);
  if (scalers.length) {
    const low = scalers.reduce((a, b) => (b.min < a.min ? b : a));
    const high = scalers.reduce((a, b) => (b.max > a.max ? b : a));
    return { min: low.min, max: high.max, minFrom: low.minFrom, maxFrom: high.maxFrom };
  }
  const replicas = asNumber(asRecord(workload.spec)?.replicas);
  const from = self(['spec', 'replicas'], replicas === undefined ? 'spec.replicas is unset' : 'spec.replicas');
  return { min: replicas ?? 1, max: replicas ?? 1, minFrom: from, maxFrom: from };
}

/**
 * Which workloads are realtime: those labelled `modelfleet.io/tier: realtime`
 * on the object or on its pod template. The label is how modelfleet marks its
 * shards; a hand-written Deployment carrying it is held to the same rules.
 */
import { LABEL } from '../../core/plan/shard-labels.ts';
import { apiGroupOf, labelsOf, type KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';
import type { PodTemplate } from './pod-templates.ts';

/** The tier whose workloads the realtime rules cover. */
export const REALTIME_TIER = 'realtime';

/** Kinds that serve (long-running, replicated or not); DaemonSets, Jobs and CronJobs do not. */
const SERVING = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet', '/ReplicationController', '/Pod']);

/** The pod templates of every serving workload labelled realtime in `objects` (or an index of them), in order. */
export function realtimeWorkloads(objects: readonly KubeObject[] | ObjectIndex): PodTemplate[] {
  return ObjectIndex.of(objects).podTemplates().filter(
    (t) => SERVING.has(`${apiGroupOf(t.object.apiVersion)}/${t.object.kind ?? ''}`) && (labelsOf(t.object)[LABEL.tier] ?? t.labels[LABEL.tier]) === REALTIME_TIER,
  );
}

/**
 * `realtime-min-replicas`: a realtime workload never runs fewer than two
 * replicas (its autoscaler's minimum, or `spec.replicas` without one), so a
 * node drain or a crash never takes the only server of a p99 ≤ 10 ms model
 * away.
 */
import { LABEL } from '../../core/plan/shard-labels.ts';
import { describeObject, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { ObjectIndex } from './object-index.ts';
import { realtimeWorkloads, REALTIME_TIER } from './realtime-workloads.ts';
import { replicaBounds } from './replica-bounds.ts';

/** Configuration of `realtime-min-replicas`. */
export interface RealtimeMinReplicasConfig {
  /** Fewest replicas a realtime workload may run. @default 2 */
  readonly minReplicas: number;
}

/** Reports every realtime workload that can run fewer than `minReplicas` replicas, on the field that allows it. */
export function checkRealtimeMinReplicas(objects: readonly KubeObject[], config: RealtimeMinReplicasConfig, report: ReportViolation, index: ObjectIndex = new ObjectIndex(objects)): void {
  for (const template of realtimeWorkloads(index)) {
    const bounds = replicaBounds(template.object, index);
    if (!bounds || bounds.min >= config.minReplicas) continue;
    report(
      bounds.minFrom.object,
      bounds.minFrom.path,
      `${describeObject(template.object)} is ${REALTIME_TIER} (${LABEL.tier}) but may run ${bounds.min} replica${bounds.min === 1 ? '' : 's'} (${bounds.minFrom.description}); ${REALTIME_TIER} needs at least ${config.minReplicas}, so a drain or a crash never takes the only server away`,
    );
  }
}

/** The `realtime-min-replicas` rule. */
export const realtimeMinReplicasRule: ManifestRule<RealtimeMinReplicasConfig, 'realtime-min-replicas'> = {
  id: 'realtime-min-replicas',
  description: 'A realtime workload (label modelfleet.io/tier: realtime) never runs fewer than two replicas.',
  // Advisory by default: development stacks run realtime shards with one replica on purpose (Pulumi.dev.yaml).
  defaultLevel: 'advisory',
  scope: 'stack',
  check: checkRealtimeMinReplicas,
};

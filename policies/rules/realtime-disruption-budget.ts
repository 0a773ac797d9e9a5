/**
 * `realtime-disruption-budget`: a PodDisruptionBudget in the same namespace
 * selects the pods of every realtime workload, so a node drain or a cluster
 * upgrade takes its replicas down one at a time instead of all at once.
 */
import { LABEL } from '../../core/plan/shard-labels.ts';
import { asRecord, describeObject, namespaceOf, selectorMatches, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { ObjectIndex } from './object-index.ts';
import { realtimeWorkloads, REALTIME_TIER } from './realtime-workloads.ts';

/** Configuration of `realtime-disruption-budget` (none). */
export type RealtimeDisruptionBudgetConfig = Readonly<Record<string, never>>;

/** Reports every realtime workload whose pods no PodDisruptionBudget of its namespace selects. */
export function checkRealtimeDisruptionBudget(
  objects: readonly KubeObject[],
  _config: RealtimeDisruptionBudgetConfig,
  report: ReportViolation,
  index: ObjectIndex = new ObjectIndex(objects),
): void {
  for (const template of realtimeWorkloads(index)) {
    // The budgets of the workload's namespace whose matchLabels the pod labels may carry (or that have none).
    const budgets = index.selectorCandidates('policy', 'PodDisruptionBudget', namespaceOf(template.object) ?? '', '', ['spec', 'selector', 'matchLabels'], template.labels);
    const covered = budgets.some((b) => selectorMatches(asRecord(b.spec)?.selector, template.labels));
    if (covered) continue;
    report(
      template.object,
      [],
      `${describeObject(template.object)} is ${REALTIME_TIER} (${LABEL.tier}) but no PodDisruptionBudget in its namespace selects its pods; add one (maxUnavailable: 1) whose selector matches the pod labels`,
    );
  }
}

/** The `realtime-disruption-budget` rule. */
export const realtimeDisruptionBudgetRule: ManifestRule<RealtimeDisruptionBudgetConfig, 'realtime-disruption-budget'> = {
  id: 'realtime-disruption-budget',
  description: 'A PodDisruptionBudget in its namespace selects the pods of every realtime workload.',
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkRealtimeDisruptionBudget,
};

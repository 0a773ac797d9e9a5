/**
 * `team-budget`: per team Namespace that carries a budget (the annotation
 * `modelfleet.io/budget-monthly-usd`, rendered from `defineTeam({ budget })`
 * or the stack's `modelfleet:cost.budgets`), what the namespace's workloads
 * cost a month at their planned replicas must not exceed it.
 *
 * The cost is computed from the objects alone, with the cost model of
 * `core/cost/cost-model.ts` (one node of the pool per replica, 730 hours):
 *
 * - the pool: the priced pool whose whole node selector the pod's
 *   `nodeSelector` contains (the most specific when several do);
 * - the replica schedule: the floor is the KEDA ScaledObject's
 *   `minReplicaCount` (HPA `minReplicas`, else `spec.replicas`), raised in
 *   the windows of its `cron` triggers (`0 H * * *`, UTC) to their
 *   `desiredReplicas`; the idle count and the ceiling come from
 *   `replicaBounds`.
 *
 * A workload on no priced pool, and a cron trigger in another form or time
 * zone, adds nothing: like `team-quota`, the rule never reports a cost it
 * cannot prove.
 */
import { addCents, formatWholeUsd, NO_CENTS, nodeHourlyUsd, scheduleCents, type CentsRange, type ReplicaSchedule } from '../../core/cost/cost-model.ts';
import { BUDGET_ANNOTATION } from '../../core/cost/fleet-cost.ts';
import { LABEL } from '../../core/plan/shard-labels.ts';
import type { PoolPrice } from '../../core/stack/stack-config.ts';
import { asList, asNumber, asRecord, asString, asStringMap, describeObject, labelsOf, nameOf, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { formatBudgetExcess } from './budget-message.ts';
import { ObjectIndex } from './object-index.ts';
import { autoscalersOf, replicaBounds } from './replica-bounds.ts';

export { BUDGET_ANNOTATION };

/** A priced pool, as the rule sees it. */
export interface BudgetPool {
  readonly name: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly price: PoolPrice;
}

/** Configuration of `team-budget`. */
export interface TeamBudgetConfig {
  /** The stack's priced pools. */
  readonly pools: readonly BudgetPool[];
}

/** How many of the costliest workloads a message names. */
const NAMED = 5;

/** The priced pool a pod's node selector selects: the one with the largest selector it contains; `undefined` for none. */
export function pricedPoolOf(nodeSelector: Readonly<Record<string, string>>, pools: readonly BudgetPool[]): BudgetPool | undefined {
  let best: BudgetPool | undefined;
  for (const p of pools) {
    const entries = Object.entries(p.nodeSelector);
    if (!entries.length || !entries.every(([k, v]) => nodeSelector[k] === v)) continue;
    if (!best || entries.length > Object.keys(best.nodeSelector).length) best = p;
  }
  return best;
}

/** `0 13 * * *` → 13; anything else → `undefined`. */
function dailyHour(cron: string | undefined): number | undefined {
  const m = /^0 (\d{1,2}) \* \* \*$/.exec(cron?.trim() ?? '');
  const hour = m ? Number(m[1]) : NaN;
  return hour >= 0 && hour <= 23 ? hour : undefined;
}

/** The workload's replica schedule from its objects, or an index of them (see the file comment). */
export function workloadSchedule(workload: KubeObject, objects: readonly KubeObject[] | ObjectIndex): ReplicaSchedule {
  const index = ObjectIndex.of(objects);
  const bounds = replicaBounds(workload, index);
  const scalers = autoscalersOf(workload, index);
  const scaled = scalers.find((s) => s.kind === 'ScaledObject');
  const hpa = scalers.find((s) => s.kind === 'HorizontalPodAutoscaler');
  const spec = asRecord(scaled?.spec ?? hpa?.spec) ?? {};
  const floor = scaled ? (asNumber(spec.minReplicaCount) ?? 0) : hpa ? (asNumber(spec.minReplicas) ?? 1) : (asNumber(asRecord(workload.spec)?.replicas) ?? 1);
  const peaks: ReplicaSchedule['peaks'][number][] = [];
  for (const trigger of asList(spec.triggers)) {
    const t = asRecord(trigger) ?? {};
    if (asString(t.type) !== 'cron') continue;
    const meta = asStringMap(t.metadata);
    if (!['Etc/UTC', 'UTC', 'Etc/GMT', 'GMT'].includes(meta.timezone ?? '')) continue;
    const start = dailyHour(meta.start);
    const end = dailyHour(meta.end);
    const replicas = Number(meta.desiredReplicas);
    if (start === undefined || end === undefined || start === end || !Number.isInteger(replicas) || replicas < 0) continue;
    peaks.push({ window: { startHourUtc: start as never, endHourUtc: end as never }, replicas });
  }
  const max = bounds?.max ?? floor;
  return { idle: Math.min(bounds?.min ?? floor, floor), floor, peaks: peaks.map((p) => ({ ...p, replicas: Math.min(p.replicas, max) })), max };
}

/** One workload's monthly cost, as the rule computes it. */
export interface WorkloadCost {
  /** `Deployment/name`. */
  readonly name: string;
  readonly range: CentsRange;
}

/** The monthly cost of every workload of `namespace` on a priced pool, from `objects` or an index of them (see the file comment). */
export function namespaceCosts(namespace: string, objects: readonly KubeObject[] | ObjectIndex, config: TeamBudgetConfig): WorkloadCost[] {
  const index = ObjectIndex.of(objects);
  const out: WorkloadCost[] = [];
  for (const t of index.podTemplatesIn(namespace)) {
    if (t.object.kind === 'DaemonSet') continue;
    const pool = pricedPoolOf(asStringMap(t.spec.nodeSelector), config.pools);
    if (!pool) continue;
    out.push({ name: describeObject(t.object), range: scheduleCents(workloadSchedule(t.object, index), nodeHourlyUsd(pool.price)) });
  }
  return out;
}

/** Checks every budgeted team Namespace in `objects` (or `index`, an index of them) against the planned monthly cost of its workloads. */
export function checkTeamBudget(objects: readonly KubeObject[], config: TeamBudgetConfig, report: ReportViolation, index: ObjectIndex = new ObjectIndex(objects)): void {
  for (const ns of index.ofKind('', 'Namespace')) {
    const annotations = asRecord(asRecord(ns.metadata)?.annotations);
    if (annotations?.[BUDGET_ANNOTATION] === undefined) continue;
    const raw = asString(annotations[BUDGET_ANNOTATION]);
    const budgetUsd = raw !== undefined && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
    if (budgetUsd === undefined) {
      report(ns, ['metadata', 'annotations', BUDGET_ANNOTATION], `is ${JSON.stringify(annotations[BUDGET_ANNOTATION])}, not a number of US dollars; write the monthly budget as a decimal such as "12000"`);
      continue;
    }
    const costs = namespaceCosts(nameOf(ns), index, config);
    const total = costs.reduce((r, c) => addCents(r, c.range), NO_CENTS);
    const budget = Math.round(budgetUsd * 100);
    if (total.planned <= budget) continue;
    const costliest = [...costs].sort((a, b) => b.range.planned - a.range.planned || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    report(
      ns,
      ['metadata', 'annotations', BUDGET_ANNOTATION],
      formatBudgetExcess({
        team: labelsOf(ns)[LABEL.team] ?? nameOf(ns),
        planned: total.planned,
        range: total,
        budget,
        costliest: costliest.slice(0, NAMED).map((c) => `${c.name} ${formatWholeUsd(c.range.planned)}`),
        more: Math.max(0, costliest.length - NAMED),
      }),
    );
  }
}

/** The `team-budget` rule. */
export const teamBudgetRule: ManifestRule<TeamBudgetConfig, 'team-budget'> = {
  id: 'team-budget',
  description: "What a team namespace's workloads cost a month at their planned replicas (priced per node of their pool) stays within the budget on its Namespace.",
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkTeamBudget,
};

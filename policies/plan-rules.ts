/**
 * The platform rules checked on the plan, before anything renders: a team's
 * quota and its budget, naming `teams.ts`. Each runs only when the stack makes
 * it mandatory; otherwise the manifest rule of the same name reports it at the
 * level the stack asks (`policies/rules/`), which needs rendered objects.
 *
 * `modelfleet check` runs these; they are the rules `synthFleet` passes to
 * `planFleet`.
 */
import type { PlanRule } from '../core/plan/plan-fleet.ts';
import { shardResources } from '../core/plan/shard-resources.ts';
import { checkTeamBudgets } from './team-budget.ts';
import { checkTeamQuotas } from './team-quota.ts';

/** The plan-level rules, in the order synth runs them. */
export const PLAN_RULES: readonly PlanRule[] = [
  (fleet, plan, s) => (s.policies.enforcement['team-quota'] === 'mandatory' ? checkTeamQuotas(fleet.teams, plan.shards, (shard) => shardResources(s, shard)) : []),
  (fleet, _plan, s, cost) => (s.policies.enforcement['team-budget'] === 'mandatory' ? checkTeamBudgets(fleet.teams, cost, s) : []),
];

/**
 * Team budget rule at plan level: a team's planned monthly cost (the replica
 * floor schedule, `core/cost/`) must not exceed its budget
 * (`defineTeam({ budget })`, or the stack's `modelfleet:cost.budgets`).
 *
 * This check runs before rendering and names the field that sets the budget;
 * the manifest rule `team-budget` (`policies/rules/team-budget.ts`) checks
 * the rendered objects the same way for the Pulumi policy pack, with the
 * same wording (`formatBudgetExcess`).
 */
import { copyLabel } from '../core/plan/shard-plan.ts';
import type { SpecIssue } from '../core/errors/spec-issue.ts';
import { formatWholeUsd } from '../core/cost/cost-model.ts';
import { teamBudget, type FleetCost } from '../core/cost/fleet-cost.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { formatBudgetExcess } from './rules/budget-message.ts';

/** How many of the costliest copies a message names. */
const NAMED = 5;

/** Reports every team whose planned monthly cost exceeds its budget, on the field that sets the budget. */
export function checkTeamBudgets(teams: readonly TeamSpec[], cost: FleetCost, stack: StackConfig): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const team of teams) {
    const budget = teamBudget(team, stack);
    const planned = cost.byTeam.get(team.name);
    if (!budget || !planned) continue;
    const budgetCents = Math.round(budget.monthlyUsd * 100);
    if (planned.planned <= budgetCents) continue;
    const copies = cost.shards
      .filter((c) => c.shard.team === team.name)
      .flatMap((c) => c.shard.copies.map((copy, i) => ({ id: copyLabel(copy), cents: c.copies[i]!.planned })))
      .sort((a, b) => b.cents - a.cents || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    issues.push({
      file: budget.file,
      path: budget.path,
      message: formatBudgetExcess({
        team: team.name,
        planned: planned.planned,
        range: planned,
        budget: budgetCents,
        costliest: copies.slice(0, NAMED).map((c) => `${c.id} ${formatWholeUsd(c.cents)}`),
        more: Math.max(0, copies.length - NAMED),
      }),
    });
  }
  return issues;
}

/**
 * The wording of a budget violation, shared by the plan-level check
 * (`policies/team-budget.ts`, naming `teams.ts` or the stack key) and the
 * manifest rule (`policies/rules/team-budget.ts`, naming the Namespace), so
 * synth and `pulumi preview` say the same thing.
 */
import { formatWholeUsd, type CentsRange } from '../../core/cost/cost-model.ts';

/** What a budget message needs. */
export interface BudgetExcess {
  readonly team: string;
  /** Planned monthly cost, cents. */
  readonly planned: number;
  /** The team's monthly range, cents. */
  readonly range: CentsRange;
  /** Budget, cents. */
  readonly budget: number;
  /** The costliest contributors, costliest first, each with its planned monthly cost (`scorer@acme $1,204`). */
  readonly costliest: readonly string[];
  /** Contributors left unnamed. */
  readonly more: number;
}

/** `team fraud plans $12,400 a month (range $9,800–$31,000), $2,400 above its budget of $10,000; costliest: …; …`. */
export function formatBudgetExcess(e: BudgetExcess): string {
  const named = e.costliest.length ? `; costliest: ${e.costliest.join(', ')}${e.more ? ` and ${e.more} more` : ''}` : '';
  return (
    `team ${e.team} plans ${formatWholeUsd(e.planned)} a month (range ${formatWholeUsd(e.range.min)}–${formatWholeUsd(e.range.max)}), ` +
    `${formatWholeUsd(e.planned - e.budget)} above its budget of ${formatWholeUsd(e.budget)}${named}; ` +
    `lower those copies' peakQps or replicas, move them to a cheaper pool or tier, or raise the budget`
  );
}

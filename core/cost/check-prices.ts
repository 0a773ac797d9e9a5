/**
 * Plan-time checks of the price book and budgets in a stack:
 *
 * - errors: a pool that runs shard replicas has no price; a budget in
 *   `modelfleet:cost.budgets` names a team the fleet does not declare;
 * - warnings: a price older than `modelfleet:cost.priceMaxAgeDays` (180
 *   days by default), judged against `today` (the `SOURCE_DATE_EPOCH`
 *   convention of reproducible builds, else the clock). Warnings are printed,
 *   never written into the output, so the output stays byte-identical.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { ShardPlan } from '../plan/shard-plan.ts';
import type { TeamSpec } from '../spec/team-spec.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import { closestNames } from '../util/closest-names.ts';

/** Errors: pools with replicas and no price, budgets for unknown teams. */
export function checkPrices(plan: ShardPlan, stack: StackConfig, teams: readonly TeamSpec[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const pool of stack.pools) {
    if (pool.price) continue;
    const shards = plan.shards.filter((s) => s.pool === pool.name);
    if (!shards.length) continue;
    const replicas = shards.reduce((n, s) => n + s.maxReplicas, 0);
    const names = shards.slice(0, 3).map((s) => s.name);
    issues.push({
      file: stack.file,
      path: ['modelfleet:pools', pool.name, 'price'],
      message:
        `pool ${pool.name} runs ${shards.length} shard${shards.length === 1 ? '' : 's'} (${names.join(', ')}${shards.length > 3 ? ', …' : ''}; up to ${replicas} replicas) but has no price, ` +
        `so the plan's cost would be wrong; add price: { hourlyUsd: <one node's list price per hour>, source: "<price page URL>", asOf: "YYYY-MM-DD" } ` +
        `(hourlyUsd: 0 for capacity you do not pay for by the hour)`,
    });
  }
  const known = teams.map((t) => t.name);
  for (const team of Object.keys(stack.cost.budgets)) {
    if (known.includes(team)) continue;
    const close = closestNames(team, known);
    issues.push({
      file: stack.file,
      path: ['modelfleet:cost', 'budgets', team],
      message: `names team ${JSON.stringify(team)}, which the fleet does not declare${close.length ? ` (did you mean ${close.map((c) => JSON.stringify(c)).join(' or ')}?)` : ''}; budgets are per team of teams.ts: ${known.join(', ')}`,
    });
  }
  return issues;
}

/** The day prices are judged against: `SOURCE_DATE_EPOCH` (seconds) when set, else now. */
export function pricingDay(env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date(now());
}

/** Warnings: prices of pools in use older than the stack's `priceMaxAgeDays` on `today`. */
export function stalePriceWarnings(plan: ShardPlan, stack: StackConfig, today: Date): SpecIssue[] {
  const used = new Set(plan.shards.map((s) => s.pool));
  const out: SpecIssue[] = [];
  for (const pool of stack.pools) {
    if (!pool.price || !used.has(pool.name)) continue;
    const days = Math.floor((today.getTime() - Date.parse(`${pool.price.asOf}T00:00:00Z`)) / 86_400_000);
    if (days > stack.cost.priceMaxAgeDays) {
      out.push({
        file: stack.file,
        path: ['modelfleet:pools', pool.name, 'price', 'asOf'],
        message: `${pool.price.asOf} is ${days} days old (more than modelfleet:cost.priceMaxAgeDays ${stack.cost.priceMaxAgeDays}); check ${pool.price.source} and update hourlyUsd and asOf`,
      });
    }
  }
  return out;
}

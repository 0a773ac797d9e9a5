/**
 * `cost.json` in the shape of Infracost's JSON output (format version 0.2:
 * `totalMonthlyCost`, `pastTotalMonthlyCost`, `diffTotalMonthlyCost` and
 * their hourly twins at the top, one project per team with `breakdown`,
 * `pastBreakdown` and `diff`, costs as decimal strings), so dashboards,
 * policies and bots that read Infracost output can read modelfleet's.
 *
 * Mapping: a project is a team; a resource is a shard
 * (`resourceType: "modelfleet_triton_shard"`) with one cost component, its
 * nodes' usage at the planned replica schedule. Monthly costs are the
 * planned figures; `metadata.monthlyUsdRange` keeps the min–max range,
 * which Infracost's format has no field for. No `timeGenerated`: the file
 * is byte-identical for the same plans.
 */
import { HOURS_PER_MONTH } from './cost-model.ts';
import type { PlanDocument } from './plan-diff.ts';
import { compareStrings } from '../util/compare.ts';

/** Two decimals as Infracost writes them (`"1234.5"` → `"1234.50"`). */
const money = (usd: number) => (Math.round(usd * 100) / 100).toFixed(2);
/** Hourly from monthly, as Infracost derives it (monthly / 730), to 4 decimals. */
const hourly = (monthlyUsd: number) => (Math.round((monthlyUsd / HOURS_PER_MONTH) * 10_000) / 10_000).toFixed(4);

interface Resource {
  name: string;
  resourceType: string;
  metadata: Record<string, unknown>;
  hourlyCost: string;
  monthlyCost: string;
  costComponents: { name: string; unit: string; hourlyQuantity: string; monthlyQuantity: string; price: string; hourlyCost: string; monthlyCost: string }[];
}

function breakdown(plan: PlanDocument | undefined, team: string): { resources: Resource[]; totalHourlyCost: string; totalMonthlyCost: string } | null {
  if (!plan?.cost) return null;
  const resources: Resource[] = [];
  let total = 0;
  for (const s of plan.shards) {
    if (s.team !== team || !s.cost) continue;
    const monthly = s.cost.monthlyUsd.planned;
    total += monthly;
    const price = s.cost.hourlyUsd;
    const replicaHours = price > 0 ? monthly / price : 0;
    resources.push({
      name: `${s.team}/${s.name}`,
      resourceType: 'modelfleet_triton_shard',
      metadata: { pool: s.pool, tier: s.tier, copies: s.models.length, replicas: s.replicas, monthlyUsdRange: s.cost.monthlyUsd },
      hourlyCost: hourly(monthly),
      monthlyCost: money(monthly),
      costComponents: [
        {
          name: `Node usage (${s.pool}, planned replica schedule)`,
          unit: 'hours',
          hourlyQuantity: (Math.round((replicaHours / HOURS_PER_MONTH) * 10_000) / 10_000).toFixed(4),
          monthlyQuantity: (Math.round(replicaHours * 100) / 100).toFixed(2),
          price: String(price),
          hourlyCost: hourly(monthly),
          monthlyCost: money(monthly),
        },
      ],
    });
  }
  return { resources, totalHourlyCost: hourly(total), totalMonthlyCost: money(total) };
}

/** The Infracost-shaped document for `head` against `base` (no base: the past figures are null). */
export function infracostJson(base: PlanDocument | undefined, head: PlanDocument): string {
  const teams = [...new Set([...head.shards.map((s) => s.team), ...(base?.shards.map((s) => s.team) ?? []), ...Object.keys(head.cost?.byTeam ?? {})])].sort(compareStrings);
  const projects = teams.map((team) => {
    const now = breakdown(head, team)!;
    const past = breakdown(base, team);
    const diffMonthly = past ? Number(now.totalMonthlyCost) - Number(past.totalMonthlyCost) : null;
    return {
      name: team,
      metadata: { path: `models/${team}`, type: 'modelfleet_team' },
      pastBreakdown: past,
      breakdown: now,
      diff: diffMonthly === null ? null : { totalHourlyCost: hourly(diffMonthly), totalMonthlyCost: money(diffMonthly) },
      summary: { totalDetectedResources: now.resources.length, totalSupportedResources: now.resources.length },
    };
  });
  const total = head.cost?.monthlyUsd.planned ?? 0;
  const pastTotal = base?.cost ? base.cost.monthlyUsd.planned : null;
  const doc = {
    version: '0.2',
    currency: 'USD',
    projects,
    totalHourlyCost: hourly(total),
    totalMonthlyCost: money(total),
    pastTotalHourlyCost: pastTotal === null ? null : hourly(pastTotal),
    pastTotalMonthlyCost: pastTotal === null ? null : money(pastTotal),
    diffTotalHourlyCost: pastTotal === null ? null : hourly(total - pastTotal),
    diffTotalMonthlyCost: pastTotal === null ? null : money(total - pastTotal),
    metadata: { generator: 'modelfleet diff', monthlyUsdRange: head.cost?.monthlyUsd ?? null, hoursPerMonth: HOURS_PER_MONTH },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Human summaries of a planned fleet: a short console report and
 * `summary.md`, fit for a pull-request comment. Pure: same plan, same text.
 */
import { canaryBuckets, CANARY_BUCKETS, DEFAULT_MAX_RULES_PER_ROUTE, planRoutes } from './route-table.ts';
import { formatPath } from '../errors/spec-issue.ts';
import type { RuleOutcome } from './rule-outcome.ts';
import { describePeak } from './shard-replicas.ts';
import type { Fleet } from '../loader/load-fleet.ts';
import { humanBytes, readableBytes } from '../spec/quantity.ts';
import type { StackConfig } from '../stack/stack-config.ts';
import type { ResourceVector } from '../spec/model-spec.ts';
import type { Shard, ShardPlan } from './shard-plan.ts';
import { shardResources } from './shard-resources.ts';
import { teamUsage, type TeamUsage } from './team-usage.ts';
import { plannedRate } from '../serving/serving-copy.ts';
import { formatWholeUsd, HOURS_PER_MONTH, usdRange } from '../cost/cost-model.ts';
import type { TeamSpec } from '../spec/team-spec.ts';
import { fleetCost, teamBudget, type FleetCost } from '../cost/fleet-cost.ts';

const usageOf = (plan: ShardPlan, stack: StackConfig): Map<string, TeamUsage> => teamUsage(plan.shards, (shard) => shardResources(stack, shard));

/** Fleet-wide totals. */
export interface FleetTotals {
  readonly teams: number;
  readonly models: number;
  readonly copies: number;
  readonly shards: number;
  readonly lowerBound: number;
  /** GPUs requested with every shard at min replicas. */
  readonly gpusAtMin: number;
  /** GPUs requested with every shard at max replicas. */
  readonly gpusAtMax: number;
  /** GPUs with every shard at its planned peak replicas. */
  readonly gpusAtPeak: number;
  /** Proven lower bound on `gpusAtPeak`. */
  readonly gpusAtPeakLowerBound: number;
}

/** Computes fleet-wide totals. */
export function fleetTotals(fleet: Fleet, plan: ShardPlan, stack: StackConfig): FleetTotals {
  let gpusAtMin = 0;
  let gpusAtMax = 0;
  let gpusAtPeak = 0;
  for (const u of usageOf(plan, stack).values()) {
    gpusAtMin += u.minGpu;
    gpusAtMax += u.gpu;
    gpusAtPeak += u.peakGpu;
  }
  return {
    teams: fleet.teams.length,
    models: fleet.models.length,
    copies: plan.shards.reduce((n, s) => n + s.copies.length, 0),
    shards: plan.shards.length,
    lowerBound: plan.lowerBound,
    gpusAtMin,
    gpusAtMax,
    gpusAtPeak,
    gpusAtPeakLowerBound: plan.gpusAtPeakLowerBound,
  };
}

/** Cores with up to two decimals: `4150` → `"4.15"`. */
const cores = (millicores: number) => String(Math.round(millicores / 10) / 100);
const pct = (used: number, cap: number) => (cap > 0 ? `${Math.round((used / cap) * 100)}%` : '–');

/** The short report `synth` prints. */
export function consoleSummary(fleet: Fleet, plan: ShardPlan, stack: StackConfig, cost: FleetCost = fleetCost(plan, stack, fleet.teams)): string {
  const t = fleetTotals(fleet, plan, stack);
  return [
    `stack ${stack.name}: ${t.teams} teams, ${t.models} models, ${t.copies} model copies`,
    `packed into ${t.shards} shards (lower bound ${t.lowerBound}${t.shards === t.lowerBound ? ', optimal' : ''})`,
    `GPUs requested: ${t.gpusAtMin} at min replicas, ${t.gpusAtMax} at max replicas; ${t.gpusAtPeak} at the planned peak (lower bound ${t.gpusAtPeakLowerBound})`,
    `monthly estimate: ${formatWholeUsd(cost.total.planned)} planned, range ${formatWholeUsd(cost.total.min)}–${formatWholeUsd(cost.total.max)} (${HOURS_PER_MONTH} h a month at the stack's node prices)`,
  ].join('\n');
}

function utilisation(shard: Shard, key: keyof ResourceVector): string {
  return pct(shard.used[key], shard.capacity[key]);
}

/** `summary.md`: totals, per-team use against quota, packing groups, routes per model, per-shard fill. */
export function markdownSummary(fleet: Fleet, plan: ShardPlan, stack: StackConfig, cost: FleetCost = fleetCost(plan, stack, fleet.teams)): string {
  const t = fleetTotals(fleet, plan, stack);
  const out: string[] = [];
  out.push('# modelfleet plan', '');
  out.push(`Stack \`${stack.name}\`: **${t.copies} model copies** of ${t.models} models from ${t.teams} teams, packed into **${t.shards} shards** (proven lower bound ${t.lowerBound}).`);
  out.push(`GPUs requested: **${t.gpusAtMin}** at min replicas, ${t.gpusAtMax} at max replicas; **${t.gpusAtPeak}** at the planned peak (proven lower bound ${t.gpusAtPeakLowerBound}).`);
  out.push(`Monthly estimate: **${formatWholeUsd(cost.total.planned)}** planned (range ${formatWholeUsd(cost.total.min)}–${formatWholeUsd(cost.total.max)}; ${HOURS_PER_MONTH} h a month, one node of the pool per replica).`, '');
  out.push(...markdownCostTables(fleet, stack, cost));
  out.push('## Teams', '', '| team | copies | shards | GPUs (min / peak / max) | GPU quota | CPU cores at max / quota | memory at max / quota |', '|---|---:|---:|---:|---:|---:|---:|');
  const usage = usageOf(plan, stack);
  for (const team of fleet.teams) {
    const u = usage.get(team.name) ?? { copies: 0, shards: 0, minGpu: 0, peakGpu: 0, gpu: 0, cpu: 0, memory: 0 };
    out.push(
      `| ${team.name} | ${u.copies} | ${u.shards} | ${u.minGpu} / ${u.peakGpu} / ${u.gpu} | ${team.quota.gpu} | ${cores(u.cpu)} / ${cores(team.quota.cpu)} | ${humanBytes(u.memory)} / ${humanBytes(team.quota.memory)} |`,
    );
  }
  out.push(
    '',
    '## Packing',
    '',
    'Per group: shards against their proven lower bound, and GPUs (CPU pools: replicas) at the planned peak against theirs.',
    '',
    '| team | tier | pool | copies | shards | lower bound | GPUs at peak | lower bound |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  );
  for (const g of plan.groups) {
    const gpus = (replicas: number) => (g.gpusPerReplica === 0 ? `${replicas} replica${replicas === 1 ? '' : 's'}` : String(replicas * g.gpusPerReplica));
    out.push(`| ${g.team} | ${g.tier} | ${g.pool} | ${g.copies} | ${g.shards} | ${g.lowerBound} | ${gpus(g.peakReplicas)} | ${gpus(g.peakReplicasLowerBound)} |`);
  }
  out.push('', '## Routes', '', `Clients call \`${stack.routing.host}\` with the tenant in \`${stack.routing.tenantHeader}\`. One VirtualService per model, split into parts of at most ${DEFAULT_MAX_RULES_PER_ROUTE} rules.`, '');
  out.push('| model | team | tenants | VirtualServices | versions |', '|---|---|---:|---:|---|');
  for (const r of planRoutes(plan)) {
    const copies = r.parts.flatMap((p) => p.copies);
    const v = copies[0]?.versions;
    const versions = !v ? '–' : v.canary ? `${v.stable}, canary ${v.canary.version} at ${v.canary.weight}% (${canaryBuckets(v.canary.weight)}/${CANARY_BUCKETS} request ids)` : `${v.stable}`;
    out.push(`| ${r.model} | ${r.team} | ${r.tenanted ? copies.length : '–'} | ${r.parts.length} | ${versions} |`);
  }
  out.push('', '## Shards', '', '| shard | tier | pool | copies | GPU memory | host memory | CPU cores | replicas | at peak |', '|---|---|---|---:|---:|---:|---:|---:|---:|');
  for (const s of plan.shards) {
    const gpu = s.capacity.gpuMemory > 0 ? `${readableBytes(s.used.gpuMemory)} (${utilisation(s, 'gpuMemory')})` : '–';
    out.push(
      `| ${s.name} | ${s.tier} | ${s.pool} | ${s.copies.length} | ${gpu} | ${readableBytes(s.used.memory)} (${utilisation(s, 'memory')}) | ${cores(s.used.cpu)} (${utilisation(s, 'cpu')}) | ${s.minReplicas}–${s.maxReplicas}${s.peak ? ` (${describePeak(s.peak)})` : ''} | ${s.serving.replicas}, ${Math.round(s.serving.utilization * 100)}% busy |`,
    );
  }
  out.push('');
  return out.join('\n');
}

/** The `## Cost` section of `summary.md`: per team (against its budget) and per pool. */
export function markdownCostTables(fleet: Fleet, stack: StackConfig, cost: FleetCost): string[] {
  const out = ['## Cost', '', 'Monthly, in US dollars: `planned` holds each shard at its replica floor schedule (the peak floor in its peak hours); the range runs from min to max replicas all month.', ''];
  out.push('| team | planned | min | max | budget | of budget |', '|---|---:|---:|---:|---:|---:|');
  for (const team of fleet.teams) {
    const c = cost.byTeam.get(team.name) ?? { min: 0, planned: 0, max: 0 };
    const b = teamBudget(team, stack);
    const share = b ? (b.monthlyUsd > 0 ? `${Math.round((c.planned / 100 / b.monthlyUsd) * 100)}%` : c.planned > 0 ? 'over' : '0%') : '–';
    out.push(`| ${team.name} | ${formatWholeUsd(c.planned)} | ${formatWholeUsd(c.min)} | ${formatWholeUsd(c.max)} | ${b ? formatWholeUsd(Math.round(b.monthlyUsd * 100)) : '–'} | ${share} |`);
  }
  out.push('', '| pool | price per node-hour | shards | nodes (min / peak / max) | planned | min | max |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const p of cost.byPool.values()) {
    const pool = stack.pools.find((x) => x.name === p.pool);
    const price = pool?.price ? `$${pool.price.hourlyUsd}${pool.price.discountPercent ? ` − ${pool.price.discountPercent}%` : ''}` : '–';
    out.push(`| ${p.pool} | ${price} | ${p.shards} | ${p.replicas.min} / ${p.replicas.peak} / ${p.replicas.max} | ${formatWholeUsd(p.monthly.planned)} | ${formatWholeUsd(p.monthly.min)} | ${formatWholeUsd(p.monthly.max)} |`);
  }
  out.push('');
  return out;
}

/**
 * The "Rule results" section of `summary.md`: every platform rule with its
 * enforcement level and result, then the advisory warnings (a synth with a
 * mandatory violation writes nothing, so only warnings can appear).
 */
export function markdownRuleResults(outcomes: readonly RuleOutcome[]): string {
  const out = ['## Rule results', '', '| rule | level | result |', '|---|---|---|'];
  for (const o of outcomes) {
    const n = o.violations.length;
    const result = o.level === 'disabled' ? 'not run' : n === 0 ? 'pass' : `${n} ${o.level === 'advisory' ? 'warning' : 'violation'}${n === 1 ? '' : 's'}`;
    out.push(`| \`${o.id}\` | ${o.level} | ${result} |`);
  }
  out.push('');
  const warnings = outcomes.filter((o) => o.level === 'advisory').flatMap((o) => o.violations);
  if (warnings.length) {
    out.push(`<details><summary>Warnings (${warnings.length})</summary>`, '');
    for (const w of warnings) out.push(`- \`${w.file}\` \`${formatPath(w.path)}\`: ${w.message}`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

/**
 * `plan.json` in the documented contract shape (bytes, millicores). Per
 * shard `serving` (replicas and utilisation at the planned peak), per copy
 * the requests/s planned for (`peakQps` × the stack's `peakTrafficPercent`,
 * `null` when undeclared) and its batch size; at the top the proven lower
 * bounds on shards and on GPUs at peak.
 */
export function planJson(plan: ShardPlan, stack: StackConfig, cost: FleetCost = fleetCost(plan, stack, []), teams: readonly TeamSpec[] = []): string {
  const doc = {
    shards: plan.shards.map((s, si) => ({
      name: s.name,
      namespace: s.namespace,
      team: s.team,
      tier: s.tier,
      pool: s.pool,
      capacity: { memory: s.capacity.memory, gpuMemory: s.capacity.gpuMemory, cpu: s.capacity.cpu },
      used: { memory: s.used.memory, gpuMemory: s.used.gpuMemory, cpu: s.used.cpu },
      replicas: { min: s.minReplicas, max: s.maxReplicas, ...(s.peak ? { peak: { replicas: s.peak.replicas, hoursUtc: s.peak.windowsUtc.map((w) => [w.startHourUtc, w.endHourUtc]) } } : {}) },
      serving: { replicas: s.serving.replicas, utilization: round4(s.serving.utilization) },
      cost: { hourlyUsd: cost.shards[si]!.hourlyUsd, monthlyUsd: usdRange(cost.shards[si]!.monthly) },
      models: s.copies.map((c, i) => ({
        model: c.model,
        tenant: c.tenant ?? null,
        team: c.team,
        peakQps: c.peakQps === undefined ? null : plannedRate(c, stack.autoscaler.peakTrafficPercent),
        batch: s.serving.batches[i]!,
        monthlyUsd: usdRange(cost.shards[si]!.copies[i]!),
      })),
    })),
    lowerBound: plan.lowerBound,
    gpusAtPeakLowerBound: plan.gpusAtPeakLowerBound,
    cost: costJson(stack, cost, teams),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The top-level `cost` block of `plan.json` (dollars; see `docs/cost.md`). */
function costJson(stack: StackConfig, cost: FleetCost, teams: readonly TeamSpec[]) {
  const budgets: Record<string, number> = {};
  for (const team of teams) {
    const b = teamBudget(team, stack);
    if (b) budgets[team.name] = b.monthlyUsd;
  }
  return {
    currency: 'USD',
    hoursPerMonth: HOURS_PER_MONTH,
    monthlyUsd: usdRange(cost.total),
    byTeam: Object.fromEntries([...cost.byTeam].map(([team, r]) => [team, usdRange(r)])),
    byPool: Object.fromEntries([...cost.byPool].map(([pool, p]) => [pool, usdRange(p.monthly)])),
    pools: Object.fromEntries(
      [...cost.byPool].map(([pool, p]) => {
        const price = stack.pools.find((x) => x.name === pool)?.price;
        return [pool, { hourlyUsd: price?.hourlyUsd ?? 0, discountPercent: price?.discountPercent ?? 0, shards: p.shards, replicas: p.replicas }];
      }),
    ),
    budgets,
    warnIncrease: stack.cost.warnIncrease,
  };
}

/** Four decimals, for ratios in plan.json (byte-identical across machines: no float noise). */
function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

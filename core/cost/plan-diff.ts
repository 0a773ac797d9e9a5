/**
 * `modelfleet diff`: what a change does to the fleet, from two `plan.json`
 * files (the base branch's and the pull request's): cost per team against
 * its budget, nodes and cost per pool, copies added, removed and moved, and
 * shards whose cost changed. Pure: reads parsed documents, never files.
 */
import { z } from 'zod';
import { compareStrings } from '../util/compare.ts';
import { formatWholeUsd, type CentsRange } from './cost-model.ts';
import { LOCKFILE_VERSION, type LockedShard, type PlacementLock } from '../plan/lockfile.ts';
import { diffPlacement } from '../plan/placement-diff.ts';
import type { SlaTier } from '../spec/model-spec.ts';

/*
 * A plan.json may come from a pull request's code (the preview workflow reads it as untrusted
 * data), so every name it carries into a comment must be what synth writes: a DNS label, which
 * holds no markdown, HTML or mention. Figures are finite numbers in range.
 */
const label = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'must be a DNS label, as synth writes every name' });
const usd = z.number().finite().min(-1e12).max(1e12);
const count = z.number().int().min(0).max(1_000_000);
const range = z.object({ min: usd, planned: usd, max: usd });

const planSchema = z.object({
  shards: z
    .array(
      z.object({
        name: label,
        team: label,
        tier: label,
        pool: label,
        replicas: z.object({ min: count, max: count, peak: z.object({ replicas: count }).optional() }),
        cost: z.object({ hourlyUsd: usd, monthlyUsd: range }).optional(),
        models: z.array(z.object({ model: label, tenant: label.nullable(), team: label })).max(100_000),
      }),
    )
    .max(1_000_000),
  cost: z
    .object({
      monthlyUsd: range,
      byTeam: z.record(label, range),
      byPool: z.record(label, range),
      budgets: z.record(label, usd).optional(),
      warnIncrease: z.object({ percent: z.number().finite().optional(), monthlyUsd: usd.optional() }).optional(),
    })
    .optional(),
});

/** A `plan.json` as `diff` reads it. */
export type PlanDocument = z.infer<typeof planSchema>;

/** Thrown when a file is not a `plan.json`: names the file, the field and the fix. */
export class PlanDocumentError extends Error {}

/** Parses a `plan.json` text; throws `PlanDocumentError` naming `file` and the first bad field. */
export function parsePlanDocument(text: string, file: string): PlanDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanDocumentError(`${file}: -: is not JSON (${(error as Error).message.split('\n')[0]}); give the plan.json that \`modelfleet synth\` wrote, or its output directory`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '-';
    throw new PlanDocumentError(`${file}: ${at}: ${issue.message}; this is not a plan.json written by \`modelfleet synth\` (synthesize it again with this version)`);
  }
  return parsed.data;
}

const cents = (usd: number) => Math.round(usd * 100);
const centsRange = (r: { min: number; planned: number; max: number }): CentsRange => ({ min: cents(r.min), planned: cents(r.planned), max: cents(r.max) });

/** One team's row. */
export interface TeamChange {
  readonly team: string;
  /** Planned monthly cost on the base, cents; `undefined` when the base is not priced or has no such team. */
  readonly base?: number;
  /** Planned monthly cost on the head, cents (0 for a team the head no longer has). */
  readonly head: number;
  /** The head's budget, cents. */
  readonly budget?: number;
  /** `over-budget`: head above its budget; `increase`: above the stack's `warnIncrease`; `ok`. */
  readonly status: 'over-budget' | 'increase' | 'ok';
  /** Why the status is not `ok`. */
  readonly reason?: string;
}

/** One pool's row. */
export interface PoolChange {
  readonly pool: string;
  readonly base: PoolSide;
  readonly head: PoolSide;
}

/** A pool on one side. */
export interface PoolSide {
  readonly shards: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Nodes at the planned peak (each shard's highest floor). */
  readonly peakNodes: number;
  /** Planned monthly cost, cents; `undefined` when that side is not priced. */
  readonly planned?: number;
}

/** A copy that appeared, disappeared or changed shard. */
export interface CopyChange {
  /** `team/model@tenant` or `team/model`. */
  readonly id: string;
  readonly from?: string;
  readonly to?: string;
}

/** A shard whose cost changed (or that appeared or disappeared). */
export interface ShardChange {
  readonly name: string;
  readonly team: string;
  readonly pool: string;
  readonly base?: CentsRange;
  readonly head?: CentsRange;
}

/** The comparison. */
export interface PlanDiff {
  /** Fleet total on the base (`undefined`: the base is not priced) and on the head. */
  readonly total: { readonly base?: CentsRange; readonly head: CentsRange };
  readonly teams: readonly TeamChange[];
  readonly pools: readonly PoolChange[];
  readonly added: readonly CopyChange[];
  readonly removed: readonly CopyChange[];
  readonly moved: readonly CopyChange[];
  readonly shards: readonly ShardChange[];
  /** Teams over budget or above the increase threshold, as sentences. */
  readonly warnings: readonly string[];
}

const copyId = (team: string, model: string, tenant: string | null) => `${team}/${model}${tenant ? `@${tenant}` : ''}`;

/** The placement a plan records, as a lockfile records it (copy ids `team/model@tenant`). */
function lockOf(plan: PlanDocument): PlacementLock {
  const shards: Record<string, LockedShard> = {};
  for (const s of plan.shards) shards[s.name] = { team: s.team, tier: s.tier as SlaTier, pool: s.pool, copies: s.models.map((m) => copyId(m.team, m.model, m.tenant)) };
  return { version: LOCKFILE_VERSION, stack: '', shards };
}

function poolSides(plan: PlanDocument, priced: boolean): Map<string, PoolSide> {
  const out = new Map<string, { shards: number; minReplicas: number; maxReplicas: number; peakNodes: number; planned?: number }>();
  for (const s of plan.shards) {
    let p = out.get(s.pool);
    if (!p) out.set(s.pool, (p = { shards: 0, minReplicas: 0, maxReplicas: 0, peakNodes: 0, ...(priced ? { planned: 0 } : {}) }));
    p.shards += 1;
    p.minReplicas += s.replicas.min;
    p.maxReplicas += s.replicas.max;
    p.peakNodes += Math.max(s.replicas.min, s.replicas.peak?.replicas ?? 0);
  }
  if (priced) for (const [pool, r] of Object.entries(plan.cost!.byPool)) if (out.has(pool)) out.get(pool)!.planned = cents(r.planned);
  return out;
}

const EMPTY_POOL: PoolSide = { shards: 0, minReplicas: 0, maxReplicas: 0, peakNodes: 0 };

/**
 * Compares `base` with `head`. The head must be priced (its `plan.json` has
 * a `cost` block); a base without one (written before prices existed) is
 * compared on placement only.
 */
export function diffPlans(base: PlanDocument, head: PlanDocument): PlanDiff {
  if (!head.cost) throw new PlanDocumentError('HEAD: cost: is missing; synthesize the head with this version of modelfleet, whose plan.json carries the cost');
  const headCost = head.cost;
  const baseCost = base.cost;
  const warnIncrease = headCost.warnIncrease ?? {};
  const budgets = headCost.budgets ?? {};
  const teamNames = [...new Set([...Object.keys(headCost.byTeam), ...(baseCost ? Object.keys(baseCost.byTeam) : [])])].sort(compareStrings);
  const warnings: string[] = [];
  const teams: TeamChange[] = teamNames.map((team) => {
    const h = Object.hasOwn(headCost.byTeam, team) ? cents(headCost.byTeam[team]!.planned) : 0;
    const b = baseCost ? (Object.hasOwn(baseCost.byTeam, team) ? cents(baseCost.byTeam[team]!.planned) : 0) : undefined;
    const budget = Object.hasOwn(budgets, team) ? cents(budgets[team]!) : undefined;
    const row = { team, ...(b !== undefined ? { base: b } : {}), head: h, ...(budget !== undefined ? { budget } : {}) };
    if (budget !== undefined && h > budget) {
      const reason = `team ${team} plans ${formatWholeUsd(h)} a month, above its budget of ${formatWholeUsd(budget)}`;
      warnings.push(reason);
      return { ...row, status: 'over-budget' as const, reason };
    }
    if (b !== undefined && h > b) {
      const up = h - b;
      const pct = b > 0 ? (up / b) * 100 : Infinity;
      const overPct = warnIncrease.percent !== undefined && pct > warnIncrease.percent;
      const overAmount = warnIncrease.monthlyUsd !== undefined && up > cents(warnIncrease.monthlyUsd);
      if (overPct || overAmount) {
        const limits = [overPct ? `${warnIncrease.percent}%` : '', overAmount ? formatWholeUsd(cents(warnIncrease.monthlyUsd!)) : ''].filter(Boolean).join(' and ');
        const reason = `team ${team}'s planned cost rises ${formatWholeUsd(up)} a month (${b > 0 ? `+${pct.toFixed(1)}%` : 'from $0'}), more than the stack's warnIncrease of ${limits}`;
        warnings.push(reason);
        return { ...row, status: 'increase' as const, reason };
      }
    }
    return { ...row, status: 'ok' as const };
  });

  const basePools = poolSides(base, baseCost !== undefined);
  const headPools = poolSides(head, true);
  const poolNames = [...new Set([...headPools.keys(), ...basePools.keys()])].sort(compareStrings);
  const pools = poolNames.map((pool) => ({
    pool,
    base: basePools.get(pool) ?? { ...EMPTY_POOL, ...(baseCost ? { planned: 0 } : {}) },
    head: headPools.get(pool) ?? { ...EMPTY_POOL, planned: 0 },
  }));

  // What moved is the placement diff synth shows against a lockfile, between the two plans' placements.
  const placement = diffPlacement(lockOf(base), lockOf(head));

  const baseShards = new Map(base.shards.map((s) => [s.name, s]));
  const headShards = new Map(head.shards.map((s) => [s.name, s]));
  const shards: ShardChange[] = [];
  for (const name of [...new Set([...headShards.keys(), ...baseShards.keys()])].sort(compareStrings)) {
    const b = baseShards.get(name);
    const h = headShards.get(name);
    const bc = b?.cost ? centsRange(b.cost.monthlyUsd) : undefined;
    const hc = h?.cost ? centsRange(h.cost.monthlyUsd) : undefined;
    const same = b && h && bc && hc && bc.min === hc.min && bc.planned === hc.planned && bc.max === hc.max;
    if (same || (b && h && !bc)) continue;
    const s = (h ?? b)!;
    shards.push({ name, team: s.team, pool: s.pool, ...(bc ? { base: bc } : {}), ...(hc ? { head: hc } : {}) });
  }
  return {
    total: { ...(baseCost ? { base: centsRange(baseCost.monthlyUsd) } : {}), head: centsRange(headCost.monthlyUsd) },
    teams,
    pools,
    added: placement.added.map((c) => ({ id: c.id, to: c.shard })),
    removed: placement.removed.map((c) => ({ id: c.id, from: c.shard })),
    moved: placement.moved.map((m) => ({ id: m.id, from: m.from, to: m.to })),
    shards,
    warnings,
  };
}

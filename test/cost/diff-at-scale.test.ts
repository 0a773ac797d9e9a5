/**
 * The pull-request comment at the scale users reach: a generated fleet of
 * 10,000 copies (`bench/serving-fleet.ts`, 8 teams). The comment must stay
 * under 60,000 characters (GitHub refuses 65,536) with its headline and
 * team table intact, however much changed:
 *
 * - a realistic pull request: one model of ~50 tenants added, the base's
 *   placement kept through the lockfile;
 * - the worst case: every copy of the base replaced (10,000 removed, 10,000
 *   added, every shard's cost changed), where the comment must cut and say
 *   what it left out;
 * - thousands of teams, all changed: the team table itself is capped.
 */
import { describe, expect, it } from 'vitest';
import { servingFleet } from '../../bench/serving-fleet.ts';
import { diffMarkdown, diffHeadline } from '../../core/cost/diff-markdown.ts';
import { fleetCost } from '../../core/cost/fleet-cost.ts';
import { diffPlans, parsePlanDocument, type PlanDiff, type PlanDocument } from '../../core/cost/plan-diff.ts';
import { packShards } from '../../core/packer/pack-shards.ts';
import { expandCopies } from '../../core/plan/expand-copies.ts';
import { lockFromPlan, type PlacementLock } from '../../core/plan/lockfile.ts';
import { planJson } from '../../core/plan/summarize.ts';
import type { ModelSpec } from '../../core/spec/model-spec.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';

const stack = loadPlatformStack();
const fleet = servingFleet(10_000, 7);
const teams = [...new Set(fleet.map((m) => m.team))].sort().map((name) => ({ name }));

function planOf(models: readonly ModelSpec[], lock?: PlacementLock): { doc: PlanDocument; lock: PlacementLock } {
  const { plan, issues } = packShards(expandCopies(models), { stack, namespaceOf: (t) => t, ...(lock ? { lock } : {}) });
  if (!plan) throw new Error(JSON.stringify(issues.slice(0, 3)));
  return { doc: parsePlanDocument(planJson(plan, stack, fleetCost(plan, stack, teams)), 'plan.json'), lock: lockFromPlan(plan, stack.name) };
}

const base = planOf(fleet.slice(0, -1));
const head = planOf(fleet, base.lock);
const copies = (doc: PlanDocument) => doc.shards.reduce((n, s) => n + s.models.length, 0);

function expectIntact(md: string, diff: PlanDiff): void {
  expect(md.length).toBeLessThanOrEqual(60_000);
  expect(md.split('\n').slice(0, 3).join('\n')).toBe(`## modelfleet: what this change costs\n\n${diffHeadline(diff)}`);
  for (const t of diff.teams.filter((x) => x.base !== x.head)) expect(md).toContain(`| ${t.team} | `);
}

describe('the comment for a 10,000-copy fleet', () => {
  it('adds a model: a short comment, nothing left out', () => {
    expect(copies(head.doc)).toBe(10_000);
    const diff = diffPlans(base.doc, head.doc);
    expect(diff.added).toHaveLength(fleet.at(-1)!.tenants!.length);
    const md = diffMarkdown(diff);
    expectIntact(md, diff);
    expect(md).not.toContain('Left out');
    for (const t of teams) expect(md).toContain(`| ${t.name} | `);
  });

  it('replaces every copy: cut to the budget, headline and team table intact, saying what was left out', () => {
    // The head with every tenant renamed: every base copy is removed and every head copy added.
    const renamed = structuredClone(head.doc);
    for (const s of renamed.shards) for (const m of s.models) m.tenant = m.tenant ? `${m.tenant}-x` : m.tenant;
    for (const s of renamed.shards) s.name = `${s.name}-x`;
    const diff = diffPlans(base.doc, renamed);
    expect(diff.added.length).toBe(10_000);
    expect(diff.removed.length).toBe(copies(base.doc));
    const full = diffMarkdown(diff, { maxChars: Infinity });
    expect(full.length).toBeGreaterThan(1_000_000);
    const md = diffMarkdown(diff, { detailsUrl: 'https://github.com/o/r/actions/runs/1' });
    expectIntact(md, diff);
    expect(md).toMatch(/_Left out to stay within 60,000 characters: .*\d+ added copies.*; see \[the full diff\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)\._\n$/);
    // Each stack's share in the workflow (two stacks: 29,000 characters) holds too.
    expectIntact(diffMarkdown(diff, { maxChars: 29_000 }), diff);
  });

  it('caps the team table when thousands of teams change, keeping the flagged ones first', () => {
    const diff: PlanDiff = {
      total: { base: { min: 0, planned: 1_000_000, max: 2_000_000 }, head: { min: 0, planned: 2_000_000, max: 4_000_000 } },
      teams: Array.from({ length: 3000 }, (_, i) => ({
        team: `team-${String(i).padStart(4, '0')}`,
        base: 100_000,
        head: 100_000 + (i + 1) * 100,
        ...(i === 2999 ? { budget: 100_000, status: 'over-budget' as const, reason: 'over' } : { status: 'ok' as const }),
      })),
      pools: [],
      added: [],
      removed: [],
      moved: [],
      shards: [],
      warnings: ['over'],
    };
    const md = diffMarkdown(diff);
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toContain('| team-2999 |');
    expect(md).toMatch(/\n\d+ more teams \(\d+ of them changed; see the full diff in the job summary\)\.\n/);
  });
});

/**
 * The program's stack outputs, computed from the plan without Pulumi.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { fleetTotals } from '../../core/plan/summarize.ts';
import { shardResources } from '../../core/plan/shard-resources.ts';
import { SIDECAR_RESOURCES } from '../../core/plan/sidecar-resources.ts';
import { checkTeamQuotas } from '../../policies/team-quota.ts';
import { fleetOutputs, quotaUse } from '../../stacks/fleet-outputs.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MI = 1024 ** 2;
const GI = 1024 ** 3;

describe('fleetOutputs', () => {
  it('gives shards, GPUs per team at min and max replicas, and the lower bound of the small fleet', async () => {
    const { planned } = await synthFleet({ modelsDir: 'test/stacks/fleet/models', cwd: ROOT });
    // Default stack: gpu-l4 gives 1 GPU per replica; realtime runs 2–8 replicas, batch 1–4, interactive 2–6.
    expect(fleetOutputs(planned)).toEqual({
      teams: ['docai', 'fraud', 'search'],
      platformObjects: true,
      shards: {
        'fraud-batch-gpu-l4-1': { team: 'fraud', tier: 'batch', pool: 'gpu-l4', copies: 1 },
        'fraud-realtime-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: 2 },
        'search-interactive-cpu-std-1': { team: 'search', tier: 'interactive', pool: 'cpu-std', copies: 1 },
      },
      gpusRequested: {
        docai: { atMin: 0, atMax: 0, atPeak: 0 }, // no models
        fraud: { atMin: 1 * 1 + 1 * 2, atMax: 1 * 4 + 1 * 8, atPeak: 1 * 1 + 1 * 2 }, // no peakQps above the floors
        search: { atMin: 0, atMax: 0, atPeak: 0 }, // CPU pool
      },
      // Requests per pod are Triton's (the packed copies plus the server overhead, 1Gi and 500m) plus the Istio
      // sidecar's for the tier (batch 200m / 128Mi, realtime 500m / 256Mi, interactive 300m / 192Mi), at max replicas.
      // fraud batch: merchant-risk 2Gi + 100m (default CPU) → 3Gi, 600m; + sidecar → 3200Mi, 800m × 4 replicas = 12800Mi, 3200m.
      // fraud realtime: txn-scorer@acme, @globex 2 × (1500Mi, 250m) → 4024Mi, 1000m; + sidecar → 4280Mi, 1500m × 8 = 34240Mi, 12000m.
      // search interactive: query-intent 1Gi + 500m → 2Gi, 1000m; + sidecar → 2240Mi, 1300m × 6 replicas = 13440Mi, 7800m.
      quotaUse: {
        docai: {
          gpu: { requested: 0, quota: 4, percent: 0 },
          cpu: { requested: 0, quota: 16_000, percent: 0 },
          memory: { requested: 0, quota: 64 * GI, percent: 0 },
        },
        fraud: {
          gpu: { requested: 12, quota: 16, percent: 75 },
          cpu: { requested: 4 * (600 + 200) + 8 * (1000 + 500), quota: 64_000, percent: 23.8 }, // 15200m: 23.75 rounds up
          memory: { requested: (4 * (3 * 1024 + 128) + 8 * (4024 + 256)) * MI, quota: 256 * GI, percent: 17.9 }, // 47040Mi / 262144Mi = 17.94%
        },
        search: {
          gpu: { requested: 0, quota: 0, percent: 0 }, // no GPU quota, and none used
          cpu: { requested: 6 * (1000 + 300), quota: 64_000, percent: 12.2 }, // 7800m: 12.1875%
          memory: { requested: 6 * (2 * 1024 + 192) * MI, quota: 256 * GI, percent: 5.1 }, // 13440Mi: 5.127%
        },
      },
      lowerBound: 3,
      // 730 h a month, one node per replica: gpu-l4 $0.9776, cpu-std $0.8064 an hour. fraud batch scales to zero
      // (min 0), active at 1 replica, up to 4; fraud realtime 2–8; search interactive 2–6.
      monthlyCostUsd: {
        total: { min: 2604.64, planned: 3318.29, max: 12095.8 }, // the teams' sums, in cents
        byTeam: {
          docai: { min: 0, planned: 0, max: 0, budget: null },
          fraud: { min: 1427.3 /* 2 × 730 × 0.9776 */, planned: 2140.95 /* 3 × … */, max: 8563.77 /* 12 × … */, budget: null },
          search: { min: 1177.34 /* 2 × 730 × 0.8064 */, planned: 1177.34, max: 3532.03 /* 6 × … */, budget: null },
        },
      },
      // Where each copy is served, as `namespace/shard`: read back by the next apply to order routes and shards.
      placement: {
        'merchant-risk': 'fraud/fraud-batch-gpu-l4-1',
        'query-intent': 'search/search-interactive-cpu-std-1',
        'txn-scorer.acme': 'fraud/fraud-realtime-gpu-l4-1',
        'txn-scorer.globex': 'fraud/fraud-realtime-gpu-l4-1',
      },
    });
  });

  it('adds the sidecar requests of the tier table, the figures the expectations above assume', () => {
    // A change to the table shows here first, rather than as unexplained numbers above.
    expect(SIDECAR_RESOURCES.batch).toMatchObject({ cpu: 200, memory: 128 * MI });
    expect(SIDECAR_RESOURCES.realtime).toMatchObject({ cpu: 500, memory: 256 * MI });
    expect(SIDECAR_RESOURCES.interactive).toMatchObject({ cpu: 300, memory: 192 * MI });
  });

  it('reports requests above the quota exactly where the team-quota rule reports a violation', async () => {
    const { planned } = await synthFleet({ modelsDir: 'test/stacks/fleet/models', cwd: ROOT });
    // Tighten fraud's quota below what it requests for GPU and CPU (sidecars included, see above), not memory.
    const teams = planned.fleet.teams.map((t) => (t.name === 'fraud' ? { ...t, quota: { gpu: 11, cpu: 15_199, memory: t.quota.memory } } : t));
    const outputs = fleetOutputs({ ...planned, fleet: { ...planned.fleet, teams } });
    expect(outputs.quotaUse.fraud).toEqual({
      gpu: { requested: 12, quota: 11, percent: 109.1 },
      cpu: { requested: 15_200, quota: 15_199, percent: 100 }, // over by 1m; the percentage rounds to 100.0
      memory: { requested: 47_040 * MI, quota: 256 * GI, percent: 17.9 },
    });
    const violations = checkTeamQuotas(teams, planned.plan.shards, (shard) => shardResources(planned.stack, shard));
    expect(violations.map((v) => [v.message.split(' ')[1], v.path.at(-1)])).toEqual([
      ['fraud', 'gpu'],
      ['fraud', 'cpu'],
    ]);
    for (const [team, use] of Object.entries(outputs.quotaUse)) {
      for (const field of ['gpu', 'cpu', 'memory'] as const) {
        const over = use[field].requested > use[field].quota;
        expect(violations.some((v) => v.path.at(-1) === field && v.message.startsWith(`team ${team} `)), `${team} ${field}`).toBe(over);
      }
    }
  });

  it('gives the percentage with one decimal, 0 when nothing is requested, null for requests against a zero quota', () => {
    expect(quotaUse(1, 3)).toEqual({ requested: 1, quota: 3, percent: 33.3 });
    expect(quotaUse(2, 3)).toEqual({ requested: 2, quota: 3, percent: 66.7 });
    expect(quotaUse(0, 0)).toEqual({ requested: 0, quota: 0, percent: 0 });
    expect(quotaUse(1, 0)).toEqual({ requested: 1, quota: 0, percent: null });
  });

  it("describes a subset stack's teams only, and the subsets of a split add up to the whole fleet", async () => {
    const { planned } = await synthFleet({ modelsDir: 'models', cwd: ROOT });
    const whole = fleetOutputs(planned);
    const names = planned.fleet.teams.map((t) => t.name).sort();
    expect(names.length).toBeGreaterThan(2);
    const parts = [
      fleetOutputs(planned, { teams: names.slice(0, 2), platformObjects: true }),
      fleetOutputs(planned, { teams: names.slice(2), platformObjects: false }),
    ];
    expect(parts.map((p) => [p.teams, p.platformObjects])).toEqual([
      [names.slice(0, 2), true],
      [names.slice(2), false],
    ]);
    for (const part of parts) {
      const mine = new Set(part.teams);
      expect(Object.keys(part.gpusRequested).sort()).toEqual([...mine].sort());
      expect(Object.keys(part.quotaUse).sort()).toEqual([...mine].sort());
      expect(Object.keys(part.monthlyCostUsd.byTeam).sort()).toEqual([...mine].sort());
      for (const s of Object.values(part.shards)) expect(mine.has(s.team)).toBe(true);
      for (const shard of Object.values(part.placement)) expect(mine.has(shard.split('/')[0]!)).toBe(true);
      // Each team's figures are the whole fleet's.
      for (const team of mine) {
        expect(part.quotaUse[team]).toEqual(whole.quotaUse[team]);
        expect(part.gpusRequested[team]).toEqual(whole.gpusRequested[team]);
        expect(part.monthlyCostUsd.byTeam[team]).toEqual(whole.monthlyCostUsd.byTeam[team]);
      }
    }
    expect({ ...parts[0]!.shards, ...parts[1]!.shards }).toEqual(whole.shards);
    expect(Object.keys(parts[0]!.shards).length + Object.keys(parts[1]!.shards).length).toBe(Object.keys(whole.shards).length);
    expect({ ...parts[0]!.placement, ...parts[1]!.placement }).toEqual(whole.placement);
    expect(parts[0]!.lowerBound + parts[1]!.lowerBound).toBe(whole.lowerBound);
    for (const k of ['min', 'planned', 'max'] as const) {
      expect(Math.round((parts[0]!.monthlyCostUsd.total[k] + parts[1]!.monthlyCostUsd.total[k]) * 100)).toBe(Math.round(whole.monthlyCostUsd.total[k] * 100));
    }
  });

  it('agrees with the totals synth prints on the example fleet', async () => {
    const { planned } = await synthFleet({ modelsDir: 'models', cwd: ROOT });
    const outputs = fleetOutputs(planned);
    const totals = fleetTotals(planned.fleet, planned.plan, planned.stack);
    const teams = Object.values(outputs.gpusRequested);
    expect(Object.keys(outputs.gpusRequested).sort()).toEqual(planned.fleet.teams.map((t) => t.name).sort());
    expect(teams.reduce((n, t) => n + t.atMin, 0)).toBe(totals.gpusAtMin);
    expect(teams.reduce((n, t) => n + t.atMax, 0)).toBe(totals.gpusAtMax);
    expect(Object.keys(outputs.shards)).toHaveLength(totals.shards);
    expect(Object.values(outputs.shards).reduce((n, s) => n + s.copies, 0)).toBe(totals.copies);
    expect(outputs.lowerBound).toBe(totals.lowerBound);
  });
});

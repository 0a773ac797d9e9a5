/**
 * The cost model (`core/cost/`): hand-computed monthly figures for replica
 * schedules, exact apportioning of a shard's cost to its copies, and the
 * fleet's totals adding up per team, per pool and in total.
 */
import { fc, test as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { apportion, formatUsd, formatUsdChange, formatWholeUsd, HOURS_PER_MONTH, nodeHourlyUsd, plannedReplicaHoursPerDay, scheduleCents } from '../../core/cost/cost-model.ts';
import { fleetCost, shardSchedule } from '../../core/cost/fleet-cost.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';

const L4 = 0.9776;

describe('scheduleCents', () => {
  it('prices min, planned and max replicas at 730 hours a month, one node per replica', () => {
    // 2 replicas all day, 5 from 08 to 20 UTC (12 h), up to 8.
    const schedule = { idle: 2, floor: 2, peaks: [{ window: { startHourUtc: 8, endHourUtc: 20 } as never, replicas: 5 }], max: 8 };
    expect(plannedReplicaHoursPerDay(schedule)).toBe(2 * 12 + 5 * 12);
    expect(scheduleCents(schedule, L4)).toEqual({
      min: Math.round(2 * 730 * L4 * 100), // $1,427.30
      planned: Math.round(((2 * 12 + 5 * 12) * 730 * L4 * 100) / 24), // 84 replica-hours a day
      max: Math.round(8 * 730 * L4 * 100),
    });
    expect(scheduleCents(schedule, L4).min).toBe(142730);
    expect(scheduleCents(schedule, L4).planned).toBe(249777);
  });

  it('counts a window that wraps past midnight, and the higher floor where windows overlap', () => {
    const wrap = { idle: 1, floor: 1, peaks: [{ window: { startHourUtc: 22, endHourUtc: 2 } as never, replicas: 3 }], max: 4 };
    expect(plannedReplicaHoursPerDay(wrap)).toBe(20 * 1 + 4 * 3);
    const overlap = {
      idle: 1,
      floor: 1,
      peaks: [
        { window: { startHourUtc: 8, endHourUtc: 12 } as never, replicas: 3 },
        { window: { startHourUtc: 10, endHourUtc: 14 } as never, replicas: 4 },
      ],
      max: 4,
    };
    // 08–10 at 3, 10–14 at 4, the other 18 hours at 1.
    expect(plannedReplicaHoursPerDay(overlap)).toBe(2 * 3 + 4 * 4 + 18);
  });

  it('costs a shard that scales to zero nothing at min, and counts it active all month in planned', () => {
    const r = scheduleCents({ idle: 0, floor: 1, peaks: [], max: 4 }, 0.8064);
    expect(r).toEqual({ min: 0, planned: Math.round(730 * 0.8064 * 100), max: Math.round(4 * 730 * 0.8064 * 100) });
  });

  it('applies the discount to the node price', () => {
    expect(nodeHourlyUsd({ hourlyUsd: 1.3232, discountPercent: 57, source: 'x', asOf: '2026-07-20' })).toBeCloseTo(0.568976, 10);
    expect(HOURS_PER_MONTH).toBe(730);
  });
});

describe('apportion', () => {
  it('splits in proportion and hands the leftover cents to the largest remainders', () => {
    expect(apportion(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(apportion(1000, [6, 10, 6])).toEqual([273, 454, 273]);
    expect(apportion(7, [0, 0])).toEqual([4, 3]);
    expect(apportion(0, [5, 5])).toEqual([0, 0]);
  });

  prop.prop([fc.integer({ min: 0, max: 10_000_000 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 50 })])(
    'parts add up to the total exactly and each is within a cent of its exact share',
    (total, weights) => {
      const parts = apportion(total, weights);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      const sum = weights.reduce((a, b) => a + b, 0);
      parts.forEach((p, i) => {
        const exact = sum > 0 ? (total * weights[i]!) / sum : total / weights.length;
        expect(Math.abs(p - exact)).toBeLessThan(1);
      });
    },
  );
});

describe('formatting', () => {
  it('writes dollars with thousands separators, signed changes, and never "-$0"', () => {
    expect(formatUsd(123456789)).toBe('$1,234,567.89');
    expect(formatUsd(-5)).toBe('-$0.05');
    expect(formatWholeUsd(249777)).toBe('$2,498');
    expect(formatUsdChange(117735)).toBe('+$1,177');
    expect(formatUsdChange(-29800)).toBe('-$298');
    expect(formatUsdChange(-40)).toBe('$0');
    expect(formatUsdChange(0)).toBe('$0');
  });
});

describe('fleetCost on the example fleet', async () => {
  const stack = loadPlatformStack();
  const planned = await planFleet({ modelsDir: 'models', stack });
  const cost = planned.cost;

  it('prices each shard by its schedule and its pool, and copies share it exactly by GPU memory (CPU on CPU pools)', () => {
    expect(cost).toEqual(fleetCost(planned.plan, stack, planned.fleet.teams));
    for (const c of cost.shards) {
      const pool = stack.pools.find((p) => p.name === c.shard.pool)!;
      expect(c.hourlyUsd).toBe(pool.price!.hourlyUsd);
      expect(c.monthly).toEqual(scheduleCents(shardSchedule(c.shard, stack), pool.price!.hourlyUsd));
      for (const key of ['min', 'planned', 'max'] as const) expect(c.copies.reduce((n, x) => n + x[key], 0)).toBe(c.monthly[key]);
      const weight = (i: number) => (pool.kind === 'gpu' && c.shard.copies.some((x) => x.resources.gpuMemory > 0) ? c.shard.copies[i]!.resources.gpuMemory : c.shard.copies[i]!.resources.cpu);
      const total = c.shard.copies.reduce((n, _, i) => n + weight(i), 0);
      c.copies.forEach((x, i) => expect(Math.abs(x.planned - (c.monthly.planned * weight(i)) / total)).toBeLessThan(1));
    }
  });

  it('adds up per team, per pool and in total, and orders min ≤ planned ≤ max', () => {
    const sum = (xs: { min: number; planned: number; max: number }[]) => xs.reduce((a, b) => ({ min: a.min + b.min, planned: a.planned + b.planned, max: a.max + b.max }), { min: 0, planned: 0, max: 0 });
    expect(sum([...cost.byTeam.values()])).toEqual(cost.total);
    expect(sum([...cost.byPool.values()].map((p) => p.monthly))).toEqual(cost.total);
    for (const team of planned.fleet.teams) expect(cost.byTeam.get(team.name)).toEqual(sum(cost.shards.filter((c) => c.shard.team === team.name).map((c) => c.monthly)));
    expect(cost.total.min).toBeLessThanOrEqual(cost.total.planned);
    expect(cost.total.planned).toBeLessThanOrEqual(cost.total.max);
    expect(cost.total.planned).toBeGreaterThan(0);
  });
});

/**
 * What the fleet costs a month, before it is applied.
 *
 * The model (docs/cost.md):
 *
 * - A shard replica occupies one node of its pool, which costs the pool's
 *   `price.hourlyUsd` less `price.discountPercent`.
 * - A month is 730 hours (8,760 / 12, the figure cloud price pages use).
 * - Each shard's cost is a range over its replica schedule:
 *   - `min`: the fewest replicas the autoscaler may hold, all month (0 for a
 *     shard that scales to zero);
 *   - `planned`: the replica floor schedule, the peak floor (the serving
 *     model's `serving.replicas`) inside the daily peak windows and
 *     `minReplicas` outside them; a shard that scales to zero is counted as
 *     active all month, so `planned` never relies on idleness;
 *   - `max`: `maxReplicas` all month.
 * - Money is counted in whole cents: each shard's three figures are rounded
 *   once, and every total (team, pool, fleet) is a sum of shard figures, so
 *   the tables always add up.
 * - A copy's share of its shard (for chargeback) is in proportion to its GPU
 *   memory on a GPU pool and its CPU on a CPU pool (CPU when no copy of a
 *   GPU shard uses GPU memory, equal shares when nothing is requested),
 *   apportioned by largest remainder so the shares add up to the shard's cost
 *   to the cent.
 *
 * Pure and free of cdk8s and Pulumi: the planner, the summaries, `diff`, the
 * report and the `team-budget` manifest rule all price through this file.
 */
import type { PeakWindow } from '../spec/traffic-profile.ts';
import { hoursOf } from '../spec/traffic-profile.ts';
import type { PoolPrice } from '../stack/stack-config.ts';

/** Hours in a month, as AWS, Google Cloud and Azure price pages count them (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** A monthly cost range, in whole US cents. */
export interface CentsRange {
  readonly min: number;
  readonly planned: number;
  readonly max: number;
}

/** The zero range. */
export const NO_CENTS: CentsRange = { min: 0, planned: 0, max: 0 };

/** What an autoscaler holds a workload at over the day. */
export interface ReplicaSchedule {
  /** Fewest replicas the autoscaler may hold (0 when it may scale the workload to zero). */
  readonly idle: number;
  /** Floor outside the peak windows, when active. */
  readonly floor: number;
  /** Higher floors during daily UTC windows (KEDA cron triggers). */
  readonly peaks: readonly { readonly window: PeakWindow; readonly replicas: number }[];
  /** Most replicas. */
  readonly max: number;
}

/** One node's price per hour after the discount, in US dollars. */
export function nodeHourlyUsd(price: PoolPrice): number {
  return (price.hourlyUsd * (100 - price.discountPercent)) / 100;
}

/**
 * The planned replica-hours of a day: each hour at the highest floor that
 * holds then (a peak floor in its window, `floor` otherwise).
 */
export function plannedReplicaHoursPerDay(schedule: ReplicaSchedule): number {
  const perHour = new Array<number>(24).fill(schedule.floor);
  for (const peak of schedule.peaks) for (const h of hoursOf(peak.window)) perHour[h] = Math.max(perHour[h]!, peak.replicas);
  return perHour.reduce((a, b) => a + b, 0);
}

/** Monthly cost of a replica schedule at one node price, in whole cents (see the file comment). */
export function scheduleCents(schedule: ReplicaSchedule, hourlyUsd: number): CentsRange {
  const cents = (replicaHoursPerMonth: number) => Math.round(replicaHoursPerMonth * hourlyUsd * 100);
  return {
    min: cents(schedule.idle * HOURS_PER_MONTH),
    planned: cents((plannedReplicaHoursPerDay(schedule) * HOURS_PER_MONTH) / 24),
    max: cents(schedule.max * HOURS_PER_MONTH),
  };
}

/** `a + b`, field by field. */
export function addCents(a: CentsRange, b: CentsRange): CentsRange {
  return { min: a.min + b.min, planned: a.planned + b.planned, max: a.max + b.max };
}

/**
 * Splits `total` cents in proportion to `weights` by largest remainder: the
 * parts add up to `total` exactly; ties go to the earlier weight. All-zero
 * weights split equally.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const s = sum > 0 ? sum : weights.length;
  const exact = w.map((x) => (total * x) / s);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** Cents as US dollars with two decimals, for JSON (`12345` → `123.45`). */
export function usd(cents: number): number {
  return cents / 100;
}

/** A range in US dollars, for JSON. */
export function usdRange(r: CentsRange): { min: number; planned: number; max: number } {
  return { min: usd(r.min), planned: usd(r.planned), max: usd(r.max) };
}

/** A whole number with thousands separators: `1234567` → `"1,234,567"` (rounded; locale-free, so output never depends on the machine). */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `$1,234.56` (negative: `-$1,234.56`). */
export function formatUsd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}$${thousands(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/** `$1,235` without cents, for headlines and tables (rounded to the dollar). */
export function formatWholeUsd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  return `${sign}$${thousands(Math.abs(cents) / 100)}`;
}

/** `+$120`, `-$45`, `$0`: a change, signed. */
export function formatUsdChange(cents: number): string {
  const shown = formatWholeUsd(cents);
  return cents > 0 && shown !== '$0' ? `+${shown}` : shown === '-$0' ? '$0' : shown;
}

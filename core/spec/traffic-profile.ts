/**
 * A model's declared traffic profile: when its peak comes. Autoscalers with
 * scheduled scaling (KEDA cron triggers) raise a shard's replica floor to its
 * peak size only during the peak hours of the copies it holds.
 */
import { z } from 'zod';

/** Hours of the day, UTC, `0`–`23`. */
export type HourUtc = number;

/**
 * A daily window `[startHourUtc, endHourUtc)`: from `start:00` up to
 * `end:00` UTC. `start > end` wraps past midnight (`[20, 6]` is 20:00–06:00).
 */
export interface PeakWindow {
  readonly startHourUtc: HourUtc;
  readonly endHourUtc: HourUtc;
}

/** What a declaration says about its traffic over the day. */
export interface TrafficProfile {
  /**
   * The daily peak, `[startHour, endHour]` in UTC: from `startHour:00` up to
   * `endHour:00`. Wrap past midnight with `start > end` (`[20, 6]`); the two
   * must differ. `peakQps` is expected inside the window; outside it the
   * shard's floor drops back to what the other copies need.
   *
   * @example [8, 20]
   */
  readonly peakHoursUtc: readonly [number, number];
}

/** Fields of `traffic`, for unknown-field suggestions. */
export const TRAFFIC_FIELDS = ['peakHoursUtc'];

const hour = z.number().int().min(0).max(23);

/** The zod schema of a declaration's `traffic` field. */
export const trafficSchema = z
  .strictObject({ peakHoursUtc: z.tuple([hour, hour]) })
  .refine((t) => t.peakHoursUtc[0] !== t.peakHoursUtc[1], {
    path: ['peakHoursUtc'],
    message: 'starts and ends at the same hour; give a window such as [8, 20] (08:00–20:00 UTC), or [20, 6] to wrap past midnight',
  });

/** The window of a profile. */
export function peakWindowOf(profile: TrafficProfile): PeakWindow {
  return { startHourUtc: profile.peakHoursUtc[0], endHourUtc: profile.peakHoursUtc[1] };
}

/** The hours (0–23) a window covers. */
export function hoursOf(window: PeakWindow): number[] {
  const hours: number[] = [];
  for (let h = window.startHourUtc; h !== window.endHourUtc; h = (h + 1) % 24) hours.push(h);
  return hours;
}

/**
 * The union of windows as the fewest disjoint windows, sorted by start hour;
 * a union that wraps past midnight is one window (`[20, 6]`). A union that
 * covers the whole day returns `'all-day'`; no windows return `[]`.
 *
 * @example
 * unionOfWindows([{ startHourUtc: 8, endHourUtc: 12 }, { startHourUtc: 10, endHourUtc: 20 }])
 * // [{ startHourUtc: 8, endHourUtc: 20 }]
 */
export function unionOfWindows(windows: readonly PeakWindow[]): PeakWindow[] | 'all-day' {
  const covered = new Array<boolean>(24).fill(false);
  for (const w of windows) for (const h of hoursOf(w)) covered[h] = true;
  if (covered.every(Boolean)) return 'all-day';
  if (!covered.some(Boolean)) return [];
  // Start scanning at an uncovered hour so no run is split at midnight.
  const first = covered.indexOf(false);
  const out: PeakWindow[] = [];
  let start: number | undefined;
  for (let i = 1; i <= 24; i++) {
    const h = (first + i) % 24;
    if (covered[h] && start === undefined) start = h;
    if (!covered[h] && start !== undefined) {
      out.push({ startHourUtc: start, endHourUtc: h });
      start = undefined;
    }
  }
  return out.sort((a, b) => a.startHourUtc - b.startHourUtc);
}

/** `08–20 UTC`, for summaries and messages. */
export function formatWindow(window: PeakWindow): string {
  const pad = (h: number) => String(h).padStart(2, '0');
  return `${pad(window.startHourUtc)}–${pad(window.endHourUtc)} UTC`;
}

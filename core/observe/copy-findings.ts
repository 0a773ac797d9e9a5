/**
 * Declared against observed: for each copy of a planned fleet, what Triton
 * measured (`observe-fleet.ts`) beside what its declaration says, the
 * findings a reviewer acts on, and the declaration changes that would make
 * the declarations honest again (`--write` applies them). Pure.
 *
 * @see docs/observe.md
 */
import { shardAutoscaling } from '../plan/shard-autoscaling.ts';
import type { PlannedFleet } from '../plan/plan-fleet.ts';
import type { ModelCopy, Shard } from '../plan/shard-plan.ts';
import { roundLatencyMs } from '../serving/measured-profile.ts';
import type { ProfilePoint } from '../spec/latency-profile.ts';
import type { ModelSpec } from '../spec/model-spec.ts';
import { formatBytes, formatMillicores } from '../spec/quantity.ts';
import { byKey, compareStrings } from '../util/compare.ts';
import { hoursOf, peakWindowOf } from '../spec/traffic-profile.ts';
import type { ObserveConfig } from '../stack/stack-config.ts';
import { observationKey, TRITON_METRICS, type CopyObservation, type FleetObservations, type HourlyPeaks, type ObserveWindow } from './observe-fleet.ts';

/**
 * What can be wrong with a copy's declaration:
 *
 * - `over-peak`: the observed peak rate exceeds the declared `peakQps` (SLO risk: the shard was sized for less).
 * - `queue-over-budget`: the peak 5-minute mean queue time exceeded the queue-time target the shard's autoscaler keeps (overload).
 * - `peak-hours-off`: the copy was near its peak at hours outside the model's `traffic.peakHoursUtc` (the floors drop while it peaks).
 * - `idle`: no request in the whole window (a candidate for the batch tier or for removal).
 * - `over-declared`: the declared peak is more than twice what was observed plus the margin (capacity paid for and unused).
 * - `profile-off`: the measured batch latency at the observed batch size is off the declared `profile` by more than the tolerance.
 * - `no-metrics`: Prometheus has no series for the copy (not scraped, or not loaded).
 */
export type CopyFindingKind = 'over-peak' | 'queue-over-budget' | 'peak-hours-off' | 'idle' | 'over-declared' | 'profile-off' | 'no-metrics';

/** Findings that put a service level at risk: `--fail-on risk` exits 1 on any of them. */
export const RISK_FINDINGS: readonly CopyFindingKind[] = ['over-peak', 'queue-over-budget', 'peak-hours-off'];

/** Every finding, in report order. */
export const FINDING_KINDS: readonly CopyFindingKind[] = ['over-peak', 'queue-over-budget', 'peak-hours-off', 'idle', 'over-declared', 'profile-off', 'no-metrics'];

/** One copy: declared beside observed (the `--json` row). */
export interface CopyReport {
  readonly model: string;
  readonly tenant: string | null;
  readonly team: string;
  readonly namespace: string;
  readonly shard: string;
  readonly pool: string;
  readonly tier: string;
  /** The declaration file. */
  readonly file: string;
  readonly declaredPeakQps: number | null;
  /** Largest 5-minute request rate over the window, requests/s. */
  readonly observedPeakQps: number | null;
  /** Inferences per execution over the window (Triton's mean batch size). */
  readonly observedBatch: number | null;
  /** Compute time of one execution, ms: compute µs per request (each request adds the batch it ran in). */
  readonly observedBatchLatencyMs: number | null;
  /** What the declared profile says a batch of `observedBatch` takes on the shard's pool, ms. */
  readonly profileLatencyMs: number | null;
  /** Largest 5-minute mean queue time per request, ms. */
  readonly observedPeakQueueMs: number | null;
  /** The queue-time target of the shard's autoscaler, ms. */
  readonly queueBudgetMs: number;
  /** Hours of the day (UTC) in which the copy came within the threshold of its peak. */
  readonly peakHoursUtc: readonly number[];
  /** The `peakQps` `--write` gives the copy, when it changes. */
  readonly proposedPeakQps: number | null;
  readonly findings: readonly CopyFindingKind[];
  /** One sentence per finding: what, where, by how much. */
  readonly notes: readonly string[];
}

/** A change to one declaration that `--write` makes. */
export type DeclarationChange =
  | {
      readonly kind: 'peakQps';
      readonly file: string;
      readonly model: string;
      /** `undefined`: the model's own `peakQps` (an untenanted model). */
      readonly tenant?: string;
      readonly from: number | null;
      readonly to: number;
      /** The tenant's explicit overrides as quantities, for a tenant entry that has to be written out. */
      readonly tenantOverrides?: Readonly<Record<string, string | number>>;
    }
  | { readonly kind: 'profile'; readonly file: string; readonly model: string; readonly pool: string; readonly from: readonly ProfilePoint[]; readonly to: readonly ProfilePoint[]; readonly ratio: number }
  | { readonly kind: 'peakHours'; readonly file: string; readonly model: string; readonly from: readonly [number, number]; readonly to: readonly [number, number] };

/** What `observe` found. */
export interface ObserveReport {
  /** Window start and end, ISO 8601. */
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  readonly copies: readonly CopyReport[];
  readonly changes: readonly DeclarationChange[];
  /** Copies per finding. */
  readonly counts: Readonly<Record<CopyFindingKind, number>>;
}

/**
 * The smallest number with two significant digits that is at least `value`
 * (`495.9` → `500`, `1234` → `1300`, `3.31` → `3.4`): a peak a person would
 * write, never below the figure it comes from.
 */
export function roundPeakUp(value: number): number {
  if (!(value > 0)) return 0;
  const unit = 10 ** (Math.floor(Math.log10(value)) - 1);
  const rounded = Math.ceil(Number((value / unit).toPrecision(12))) * unit;
  return Number(rounded.toPrecision(12));
}

/** Latency of a batch of `b` (fractional) on a profile's points: linear between points; `undefined` above the largest. */
export function profileLatencyAt(points: readonly ProfilePoint[], b: number): number | undefined {
  if (!points.length || b > points[points.length - 1]!.batch + 1e-9) return undefined;
  if (b <= points[0]!.batch) return points[0]!.latencyMs;
  for (let i = 1; i < points.length; i++) {
    const [p, q] = [points[i - 1]!, points[i]!];
    if (b <= q.batch) return p.latencyMs + ((q.latencyMs - p.latencyMs) * (b - p.batch)) / (q.batch - p.batch);
  }
  return points[points.length - 1]!.latencyMs;
}

/**
 * The shortest daily window `[start, end)` covering `hours` (on a 24-hour
 * circle), widened by `padding` hours on each side; `undefined` when it
 * would cover the whole day or `hours` is empty.
 */
export function coveringWindow(hours: readonly number[], padding: number): readonly [number, number] | undefined {
  const hot = new Set(hours);
  if (hot.size === 0) return undefined;
  // The window is the complement of the longest run of cold hours.
  let bestStart = -1;
  let bestLength = 0;
  for (let h = 0; h < 24; h++) {
    if (hot.has(h) || !hot.has((h + 23) % 24)) continue; // runs start right after a hot hour
    let length = 0;
    while (length < 24 && !hot.has((h + length) % 24)) length++;
    if (length > bestLength) [bestStart, bestLength] = [h, length];
  }
  if (bestLength === 0) return undefined; // every hour is hot
  const coldStart = bestStart;
  const coldEnd = (bestStart + bestLength) % 24; // first hot hour after the gap
  const length = 24 - bestLength + 2 * padding;
  if (length >= 24) return undefined;
  return [(coldEnd - padding + 24) % 24, (coldStart + padding) % 24];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Hours of the day (UTC) at which `hourly` came within `thresholdPercent` of its maximum. */
export function hotHours(hourly: HourlyPeaks, thresholdPercent: number): number[] {
  const byHour = new Float64Array(24);
  let peak = 0;
  const firstHour = Math.floor(hourly.firstHourStart / 3600);
  for (let i = 0; i < hourly.rates.length; i++) {
    const rate = hourly.rates[i]!;
    if (!(rate > 0)) continue; // NaN (no value) or idle
    const hour = (firstHour + i) % 24;
    if (rate > byHour[hour]!) byHour[hour] = rate;
    if (rate > peak) peak = rate;
  }
  if (peak <= 0) return [];
  const out: number[] = [];
  for (let hour = 0; hour < 24; hour++) if (byHour[hour]! >= (peak * thresholdPercent) / 100) out.push(hour);
  return out;
}

/** Options of `compareFleet`. */
export interface CompareOptions {
  readonly window: ObserveWindow;
  readonly config: ObserveConfig;
}

/** Compares every copy of a planned fleet with what was observed. */
export function compareFleet(planned: PlannedFleet, observations: FleetObservations, options: CompareOptions): ObserveReport {
  const { config } = options;
  const { stack } = planned;
  const copies: CopyReport[] = [];
  const changes: DeclarationChange[] = [];
  const modelSpecs = new Map(planned.fleet.models.map((m) => [m.name, m]));
  /** Per model and pool: Σ executions × measured and × predicted latency. */
  const profileSums = new Map<string, { exec: number; measured: number; predicted: number; pool: string; model: string }>();
  /** Per model: its copies' hourly peaks, summed (every copy has the same window). */
  const modelHourly = new Map<string, HourlyPeaks>();

  const shards = [...planned.plan.shards].sort(byKey((s) => s.name));
  for (const shard of shards) {
    const budgetUs = shardAutoscaling(shard, stack).queueTimeTargetMicroseconds;
    for (const copy of [...shard.copies].sort(byKey((c) => c.tritonName))) {
      const obs = observations.get(observationKey(shard.namespace, copy.tritonName));
      const row = compareCopy(copy, shard, obs, budgetUs, config);
      copies.push(row.report);
      if (row.change) changes.push(withTenantOverrides(row.change, modelSpecs.get(copy.model)));
      if (obs && row.measuredMs !== undefined && row.predictedMs !== undefined && obs.executions > 0) {
        const key = `${copy.model}\0${shard.pool}`;
        const s = profileSums.get(key) ?? { exec: 0, measured: 0, predicted: 0, pool: shard.pool, model: copy.model };
        s.exec += obs.executions;
        s.measured += obs.executions * row.measuredMs;
        s.predicted += obs.executions * row.predictedMs;
        profileSums.set(key, s);
      }
      if (obs) {
        let sum = modelHourly.get(copy.model);
        if (!sum) modelHourly.set(copy.model, (sum = { firstHourStart: obs.hourlyPeaks.firstHourStart, rates: new Float64Array(obs.hourlyPeaks.rates.length) }));
        const { rates } = obs.hourlyPeaks;
        for (let i = 0; i < rates.length; i++) if (rates[i]! > 0) sum.rates[i]! += rates[i]!;
      }
    }
  }

  // Profiles: scale a pool's whole curve by the execution-weighted measured/predicted ratio when it is off.
  for (const s of [...profileSums.values()].sort((a, b) => compareStrings(a.model, b.model) || compareStrings(a.pool, b.pool))) {
    const spec = modelSpecs.get(s.model);
    const points = spec?.profile?.[s.pool];
    if (!spec || !points || s.predicted <= 0) continue;
    const ratio = s.measured / s.predicted;
    if (Math.abs(ratio - 1) * 100 <= config.profileTolerancePercent) continue;
    const to: ProfilePoint[] = [];
    for (const p of points) {
      let latencyMs = roundLatencyMs(p.latencyMs * ratio);
      const prev = to[to.length - 1];
      if (prev && latencyMs <= prev.latencyMs) latencyMs = Math.round((prev.latencyMs + 0.01) * 100) / 100;
      to.push({ batch: p.batch, latencyMs });
    }
    changes.push({ kind: 'profile', file: spec.file, model: spec.name, pool: s.pool, from: points, to, ratio: round3(ratio) });
  }

  // Peak hours: widen or move a declared window that misses hours in which the model (all copies summed) peaked.
  for (const [model, hourly] of [...modelHourly].sort(([a], [b]) => compareStrings(a, b))) {
    const spec = modelSpecs.get(model);
    if (!spec?.traffic) continue;
    const hot = hotHours(hourly, config.peakHoursThresholdPercent);
    const declared = new Set(hoursOf(peakWindowOf(spec.traffic)));
    if (hot.every((h) => declared.has(h))) continue;
    const window = coveringWindow(hot, config.peakHoursPaddingHours);
    if (!window) continue;
    changes.push({ kind: 'peakHours', file: spec.file, model, from: spec.traffic.peakHoursUtc, to: window });
  }
  changes.sort(byKey((c) => c.file));

  const counts = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<CopyFindingKind, number>;
  for (const c of copies) for (const f of c.findings) counts[f]++;
  return {
    window: {
      start: new Date((options.window.end - options.window.seconds) * 1000).toISOString(),
      end: new Date(options.window.end * 1000).toISOString(),
      stepSeconds: options.window.stepSeconds,
    },
    copies,
    changes,
    counts,
  };
}

/** A tenant's `peakQps` change with the tenant's explicit resource overrides, for an entry `--write` has to write out. */
function withTenantOverrides(change: DeclarationChange, spec: ModelSpec | undefined): DeclarationChange {
  if (change.kind !== 'peakQps' || change.tenant === undefined || !spec?.tenants) return change;
  const tenant = spec.tenants.find((t) => t.name === change.tenant);
  if (!tenant) return change;
  const overrides: Record<string, string> = {};
  for (const field of (['memory', 'gpuMemory', 'cpu'] as const).filter((f) => tenant.overridden.includes(f))) {
    overrides[field] = field === 'cpu' ? formatMillicores(tenant.resources.cpu) : formatBytes(tenant.resources[field]);
  }
  return { ...change, tenantOverrides: overrides };
}

/** One copy's row, its `peakQps` change, and its latency figures for the model's profile check. */
function compareCopy(
  copy: ModelCopy,
  shard: Shard,
  obs: CopyObservation | undefined,
  budgetUs: number,
  config: ObserveConfig,
): { report: CopyReport; change?: DeclarationChange; measuredMs?: number; predictedMs?: number } {
  const declared = copy.peakQps ?? null;
  const findings: CopyFindingKind[] = [];
  const notes: string[] = [];
  const who = copy.tenant === undefined ? copy.model : `${copy.model}@${copy.tenant}`;
  const base = {
    model: copy.model,
    tenant: copy.tenant ?? null,
    team: copy.team,
    namespace: shard.namespace,
    shard: shard.name,
    pool: shard.pool,
    tier: shard.tier,
    file: copy.file,
    declaredPeakQps: declared,
    queueBudgetMs: round3(budgetUs / 1000),
  };
  if (!obs) {
    findings.push('no-metrics');
    notes.push(`${who}: Prometheus has no ${TRITON_METRICS.requests} series for model="${copy.tritonName}" in namespace ${shard.namespace}: shard ${shard.name} is not scraped, or the copy is not loaded`);
    return {
      report: { ...base, observedPeakQps: null, observedBatch: null, observedBatchLatencyMs: null, profileLatencyMs: null, observedPeakQueueMs: null, peakHoursUtc: [], proposedPeakQps: null, findings, notes },
    };
  }
  const batch = obs.executions > 0 ? obs.inferences / obs.executions : undefined;
  const measuredMs = obs.requests > 0 && obs.computeUs > 0 ? obs.computeUs / obs.requests / 1000 : undefined;
  const points = copy.profile?.[shard.pool];
  const predictedMs = points && batch !== undefined ? profileLatencyAt(points, batch) : undefined;
  const peakHours = hotHours(obs.hourlyPeaks, config.peakHoursThresholdPercent);
  let proposed: number | null = null;
  const withMargin = obs.peakQps * (1 + config.peakMarginPercent / 100);

  if (obs.requests <= 0) {
    findings.push('idle');
    notes.push(`${who}: no request in the whole window on shard ${shard.name}; a candidate for the batch tier or for removal`);
  }
  if (declared !== null && obs.peakQps > declared) {
    findings.push('over-peak');
    proposed = roundPeakUp(withMargin);
    notes.push(
      `${who}: peak ${fmt(obs.peakQps)} req/s is ${Math.round(((obs.peakQps - declared) / declared) * 100)}% over the declared ${fmt(declared)} on shard ${shard.name}; --write raises peakQps to ${fmt(proposed)} (+${config.peakMarginPercent}% margin)`,
    );
  } else if (declared !== null && obs.peakQps > 0 && roundPeakUp(withMargin) < declared * (config.lowerBelowPercent / 100)) {
    findings.push('over-declared');
    proposed = roundPeakUp(withMargin);
    notes.push(`${who}: peak ${fmt(obs.peakQps)} req/s is ${Math.round((obs.peakQps / declared) * 100)}% of the declared ${fmt(declared)}; --write lowers peakQps to ${fmt(proposed)} (+${config.peakMarginPercent}% margin)`);
  }
  if (obs.peakQueueUs !== undefined && obs.peakQueueUs > budgetUs) {
    findings.push('queue-over-budget');
    notes.push(`${who}: requests queued ${fmt(obs.peakQueueUs / 1000)} ms on average in the worst 5 minutes, over the ${fmt(budgetUs / 1000)} ms target of shard ${shard.name}'s autoscaler: the shard was overloaded (at its replica limit, or scaling too slowly)`);
  }
  if (copy.traffic && peakHours.length) {
    const declaredHours = new Set(hoursOf(peakWindowOf(copy.traffic)));
    const outside = peakHours.filter((h) => !declaredHours.has(h));
    if (outside.length) {
      findings.push('peak-hours-off');
      notes.push(`${who}: within ${config.peakHoursThresholdPercent}% of its peak at ${outside.map((h) => `${h}:00`).join(', ')} UTC, outside the declared peakHoursUtc [${copy.traffic.peakHoursUtc.join(', ')}]: the peak floor is not held then`);
    }
  }
  if (measuredMs !== undefined && predictedMs !== undefined && Math.abs(measuredMs / predictedMs - 1) * 100 > config.profileTolerancePercent) {
    findings.push('profile-off');
    notes.push(`${who}: a batch of ${fmt(batch!)} took ${fmt(measuredMs)} ms on ${shard.pool}; the profile says ${fmt(predictedMs)} ms (${signedPercent(measuredMs / predictedMs - 1)})`);
  }
  const report: CopyReport = {
    ...base,
    observedPeakQps: round3(obs.peakQps),
    observedBatch: batch === undefined ? null : round3(batch),
    observedBatchLatencyMs: measuredMs === undefined ? null : round3(measuredMs),
    profileLatencyMs: predictedMs === undefined ? null : round3(predictedMs),
    observedPeakQueueMs: obs.peakQueueUs === undefined ? null : round3(obs.peakQueueUs / 1000),
    peakHoursUtc: peakHours,
    proposedPeakQps: proposed,
    findings: FINDING_KINDS.filter((k) => findings.includes(k)),
    notes,
  };
  const change: DeclarationChange | undefined =
    proposed === null
      ? undefined
      : { kind: 'peakQps', file: copy.file, model: copy.model, ...(copy.tenant !== undefined ? { tenant: copy.tenant } : {}), from: declared, to: proposed };
  return { report, ...(change ? { change } : {}), ...(measuredMs !== undefined ? { measuredMs } : {}), ...(predictedMs !== undefined ? { predictedMs } : {}) };
}

/** Formatters for `fmt` by decimals (an `Intl.NumberFormat` is costly to make, cheap to reuse). */
const FORMATS = [0, 1, 2].map((digits) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }));

/** A figure for sentences: 0 decimals from 100, 1 from 10, else 2; thousands separated. */
export function fmt(x: number): string {
  return FORMATS[Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2]!.format(x);
}

function signedPercent(x: number): string {
  const p = Math.round(x * 100);
  return `${p >= 0 ? '+' : ''}${p}%`;
}

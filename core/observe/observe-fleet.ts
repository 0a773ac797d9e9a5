/**
 * What Triton measured for each copy of a planned fleet, read from
 * Prometheus: the PromQL `modelfleet observe` sends and the per-copy figures
 * it assembles from the answers. Pure apart from the client it is given.
 *
 * Every query selects one team namespace and a chunk of the copies' Triton
 * names (`model=~"txn-scorer\.acme|…"`), sums over the label `model` (so
 * over every pod of the shard and every version) and is answered by the
 * server: two requests per chunk of up to `CHUNK_COPIES` copies, whatever the
 * window, so 100,000 copies are a few hundred requests and never a raw
 * 7-day series per pod on the wire.
 *
 * @see docs/observe.md
 */
import type { Shard } from '../plan/shard-plan.ts';
import type { PrometheusClient } from './prometheus-api.ts';

/** Triton's counters, as its `/metrics` names them. */
export const TRITON_METRICS = {
  requests: 'nv_inference_request_success',
  inferences: 'nv_inference_count',
  executions: 'nv_inference_exec_count',
  computeUs: 'nv_inference_compute_infer_duration_us',
  queueUs: 'nv_inference_queue_duration_us',
} as const;

/** The window of the per-second rates: five minutes, as the issue asks and Triton's scrape intervals allow. */
export const RATE_WINDOW_SECONDS = 300;

/** Most copies one query names. */
export const CHUNK_COPIES = 400;

/**
 * Points one chunk's peak subqueries may hold (copies × steps of the window):
 * well inside Prometheus' default `--query.max-samples` of 50 million, so a
 * long window at a fine step gets smaller chunks instead of an error.
 */
export const MAX_SUBQUERY_POINTS = 20_000_000;

/** Copies per query for `window`: `CHUNK_COPIES`, fewer when the window has many steps. */
export function chunkCopies(window: Pick<ObserveWindow, 'seconds' | 'stepSeconds'>): number {
  return Math.max(1, Math.min(CHUNK_COPIES, Math.floor(MAX_SUBQUERY_POINTS / Math.ceil(window.seconds / window.stepSeconds))));
}

/** Queries in flight at once. */
export const QUERY_CONCURRENCY = 4;

/** The observation window: whole hours ending at `end`. */
export interface ObserveWindow {
  /** Unix seconds, on the hour. */
  readonly end: number;
  /** Length in seconds, a whole number of hours. */
  readonly seconds: number;
  /**
   * Seconds between evaluations of the 5-minute rate when looking for the
   * peak (the subquery step): at most the rate window, at least the scrape
   * interval.
   */
  readonly stepSeconds: number;
}

/** Figures of one copy over the window. */
export interface CopyObservation {
  /** Largest 5-minute request rate in each hour of the window. */
  readonly hourlyPeaks: HourlyPeaks;
  /** Largest 5-minute request rate over the window (requests/s). */
  readonly peakQps: number;
  /** Successful requests over the window. */
  readonly requests: number;
  /** Inferences (batch elements) over the window. */
  readonly inferences: number;
  /** Model executions (batches) over the window. */
  readonly executions: number;
  /** Microseconds of compute, summed over requests (each request adds the execution it ran in). */
  readonly computeUs: number;
  /** Microseconds requests spent queued, summed over requests. */
  readonly queueUs: number;
  /** Largest 5-minute mean queue time per request, microseconds; `undefined` when no 5 minutes had a request. */
  readonly peakQueueUs?: number;
}

/**
 * The largest 5-minute rate in each hour of the window: `rates[i]` is the
 * hour starting at `firstHourStart + 3600·i` (unix seconds, on the hour);
 * `NaN` where Prometheus had no value. A typed array: 100,000 copies × 168
 * hours stay 130 MB, not millions of objects.
 */
export interface HourlyPeaks {
  readonly firstHourStart: number;
  readonly rates: Float64Array;
}

/** Observations by copy: `namespace/tritonName` → figures; a copy Prometheus has no series for is absent. */
export type FleetObservations = ReadonlyMap<string, CopyObservation>;

/** The key of a copy in `FleetObservations`. */
export function observationKey(namespace: string, tritonName: string): string {
  return `${namespace}/${tritonName}`;
}

/** Options of `observeFleet`. */
export interface ObserveFleetOptions {
  readonly client: PrometheusClient;
  readonly window: ObserveWindow;
  /**
   * Extra label matchers every query carries, PromQL syntax without braces
   * (`cluster="prod-eu"`), for a Prometheus that scrapes several clusters.
   * @default - none
   */
  readonly selector?: string;
  /** Called after each finished chunk (progress). */
  readonly onChunk?: (done: number, total: number) => void;
}

/** One query's copies: a namespace and up to `CHUNK_COPIES` Triton names. */
interface Chunk {
  readonly namespace: string;
  readonly names: readonly string[];
}

/** `value` as a PromQL double-quoted string literal. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** `name` as an exact RE2 alternative (Triton names hold only `[a-z0-9.-]`; the dot is escaped). */
function exactRegex(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The label matchers of a chunk, without braces. */
export function chunkMatchers(namespace: string, names: readonly string[], selector?: string): string {
  const model = names.length === 1 ? `model=${promString(names[0]!)}` : `model=~${promString(names.map(exactRegex).join('|'))}`;
  return [`namespace=${promString(namespace)}`, model, ...(selector ? [selector] : [])].join(',');
}

/**
 * Range query: per copy, the largest 5-minute request rate within each hour.
 * Evaluated at every hour's end `t` over the window; each point is the max of
 * the rate sampled every `stepSeconds` from `t − 55m` to `t`, so that every
 * rate window counted lies inside the hour (a rate sampled at 18:03 would
 * still see 17:58's traffic and make 18:00 look like a peak hour).
 */
export function hourlyPeakQuery(matchers: string, stepSeconds: number): string {
  return `max_over_time(sum by (model) (rate(${TRITON_METRICS.requests}{${matchers}}[${RATE_WINDOW_SECONDS}s]))[${3600 - RATE_WINDOW_SECONDS}s:${stepSeconds}s])`;
}

/**
 * Instant query at the window's end: per copy, the counters' increase over
 * the window, the peak 5-minute request rate (sampled every `stepSeconds`,
 * so a burst that spans an hour boundary counts in full) and the peak
 * 5-minute mean queue time, each series tagged
 * `stat="<field of CopyObservation>"`.
 */
export function totalsQuery(matchers: string, window: ObserveWindow): string {
  const w = `${window.seconds}s`;
  const tagged = (expr: string, stat: string) => `label_replace(${expr}, "stat", ${promString(stat)}, "", "")`;
  const increase = (metric: string) => `sum by (model) (increase(${metric}{${matchers}}[${w}]))`;
  const rate = (metric: string) => `sum by (model) (rate(${metric}{${matchers}}[${RATE_WINDOW_SECONDS}s]))`;
  const parts = (Object.keys(TRITON_METRICS) as (keyof typeof TRITON_METRICS)[]).map((stat) => tagged(increase(TRITON_METRICS[stat]), stat));
  parts.push(tagged(`max_over_time(${rate(TRITON_METRICS.requests)}[${w}:${window.stepSeconds}s])`, 'peakQps'));
  parts.push(tagged(`max_over_time((${rate(TRITON_METRICS.queueUs)} / (${rate(TRITON_METRICS.requests)} > 0))[${w}:${window.stepSeconds}s])`, 'peakQueueUs'));
  return parts.join(' or ');
}

/** Splits the shards' copies into query chunks: by namespace, then by Triton name, at most `size` per chunk. */
export function queryChunks(shards: readonly Shard[], size: number = CHUNK_COPIES): Chunk[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const shard of shards) {
    let names = byNamespace.get(shard.namespace);
    if (!names) byNamespace.set(shard.namespace, (names = new Set()));
    for (const copy of shard.copies) names.add(copy.tritonName);
  }
  const chunks: Chunk[] = [];
  for (const namespace of [...byNamespace.keys()].sort()) {
    const names = [...byNamespace.get(namespace)!].sort();
    for (let i = 0; i < names.length; i += size) chunks.push({ namespace, names: names.slice(i, i + size) });
  }
  return chunks;
}

/**
 * Queries Prometheus for every copy of `shards`. Throws `PrometheusError`
 * when a request fails; a copy without series is simply absent.
 */
export async function observeFleet(shards: readonly Shard[], options: ObserveFleetOptions): Promise<FleetObservations> {
  const { client, window } = options;
  const chunks = queryChunks(shards, chunkCopies(window));
  const out = new Map<string, CopyObservation>();
  const firstHourEnd = window.end - window.seconds + 3600;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const matchers = chunkMatchers(chunk.namespace, chunk.names, options.selector);
      const [hourly, totals] = await Promise.all([
        client.queryRange(hourlyPeakQuery(matchers, window.stepSeconds), firstHourEnd, window.end, 3600),
        client.query(totalsQuery(matchers, window), window.end),
      ]);
      const stats = new Map<string, Record<string, number>>();
      for (const s of totals) {
        const model = s.metric.model;
        const stat = s.metric.stat;
        if (model === undefined || stat === undefined) continue;
        let row = stats.get(model);
        if (!row) stats.set(model, (row = {}));
        row[stat] = s.value;
      }
      const hours = window.seconds / 3600;
      const firstHourStart = window.end - window.seconds;
      const peaks = new Map<string, HourlyPeaks>();
      for (const s of hourly) {
        const model = s.metric.model;
        if (model === undefined) continue;
        const rates = new Float64Array(hours).fill(Number.NaN);
        for (const [t, v] of s.values) {
          const i = Math.round((t - 3600 - firstHourStart) / 3600);
          if (i >= 0 && i < hours) rates[i] = v;
        }
        peaks.set(model, { firstHourStart, rates });
      }
      for (const name of chunk.names) {
        const row = stats.get(name);
        if (!row || row.requests === undefined) continue;
        const hourlyPeaks = peaks.get(name) ?? { firstHourStart, rates: new Float64Array(hours).fill(Number.NaN) };
        const peakQueueUs = row.peakQueueUs;
        out.set(observationKey(chunk.namespace, name), {
          hourlyPeaks,
          peakQps: Number.isFinite(row.peakQps) ? row.peakQps! : hourlyPeaks.rates.reduce((max, r) => (r > max ? r : max), 0),
          requests: row.requests,
          inferences: row.inferences ?? 0,
          executions: row.executions ?? 0,
          computeUs: row.computeUs ?? 0,
          queueUs: row.queueUs ?? 0,
          ...(peakQueueUs !== undefined && Number.isFinite(peakQueueUs) ? { peakQueueUs } : {}),
        });
      }
      options.onChunk?.(++done, chunks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, chunks.length) }, worker));
  return out;
}

/**
 * A declaration's `profile` block built from measurements: perf_analyzer
 * CSV reports (one per batch size) or a Model Analyzer inference table,
 * checked the way the declaration will be (batch 1 present, latencies
 * positive and strictly increasing) so that what `npx modelfleet profile`
 * prints is accepted. Pure: the caller reads the files.
 *
 * @see docs/profiles.md
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import { MAX_PROFILE_BATCH, MAX_PROFILE_LATENCY_MS, type ProfilePoint } from '../spec/latency-profile.ts';
import { listNames, parseCsv, type LatencyMeasure, type Measurement } from './measurement-csv.ts';
import { isModelAnalyzerHeader, readModelAnalyzerCsv } from './model-analyzer-csv.ts';
import { isPerfAnalyzerHeader, readPerfAnalyzerCsv } from './perf-analyzer-csv.ts';

/** The tools whose output a profile can be built from. */
export type MeasurementFormat = 'perf-analyzer' | 'model-analyzer';

/** Every format, in the order the CLI lists them. */
export const MEASUREMENT_FORMATS: readonly MeasurementFormat[] = ['perf-analyzer', 'model-analyzer'];

/** One measurement file, read by the caller. */
export interface MeasurementFile {
  /** The file as messages show it (`out-b8.csv`). */
  readonly file: string;
  /** Its text. */
  readonly text: string;
  /**
   * The batch size given with it (`out.csv:8`); perf_analyzer files only.
   *
   * @default - from the file name (perf_analyzer), or the `Batch` column (Model Analyzer)
   */
  readonly batch?: number;
}

/** Options of `measuredProfile`. */
export interface MeasuredProfileOptions {
  /** Node pool the measurements were taken on: the key of the profile block. */
  readonly pool: string;
  /**
   * The tool that wrote every file.
   *
   * @default - recognised from each file's header
   */
  readonly format?: MeasurementFormat;
  /**
   * Model or model config to read from Model Analyzer tables.
   *
   * @default - the only model config in the table
   */
  readonly model?: string;
}

/** Where one point of the profile comes from. */
export interface ProfileSource {
  readonly batch: number;
  /** The latency written into the profile: milliseconds rounded to 0.01. */
  readonly latencyMs: number;
  /** The latency as measured, before rounding. */
  readonly measuredMs: number;
  readonly file: string;
  /** Line of the row read. */
  readonly line: number;
  readonly format: MeasurementFormat;
  readonly measure: LatencyMeasure;
  /** Model Analyzer's model config. @default - none (perf_analyzer) */
  readonly modelConfig?: string;
}

/** A built profile: one pool's points, batch 1 first, and where each comes from. */
export interface MeasuredProfile {
  readonly pool: string;
  readonly points: readonly ProfilePoint[];
  readonly sources: readonly ProfileSource[];
}

/** The profile, or every problem found; warnings are things the profile is right to have but a reader should know. */
export type MeasuredProfileResult =
  | { readonly ok: true; readonly profile: MeasuredProfile; readonly warnings: readonly SpecIssue[] }
  | { readonly ok: false; readonly issues: readonly SpecIssue[] };

/** Milliseconds rounded to 0.01 (half up), never to 0. */
export function roundLatencyMs(ms: number): number {
  const hundredths = Math.round(Number((ms * 100).toPrecision(12)));
  return Math.max(1, hundredths) / 100;
}

/**
 * Builds one pool's profile from measurement files.
 *
 * Each perf_analyzer file gives one batch size (the server compute at
 * concurrency 1); a Model Analyzer table gives one per batch size of the
 * chosen model config. Then: no batch size twice, batch 1 present, every
 * latency within what a declaration accepts, latencies strictly increasing
 * as measured. Latencies are rounded to 0.01 ms, never to 0; where two
 * increasing measurements round to the same value, the later is raised by
 * 0.01 ms (with a warning) so that the profile stays strictly increasing.
 */
export function measuredProfile(files: readonly MeasurementFile[], options: MeasuredProfileOptions): MeasuredProfileResult {
  const issues: SpecIssue[] = [];
  const found: { measurement: Measurement; format: MeasurementFormat }[] = [];
  for (const input of files) {
    const parsed = parseCsv(input.text);
    if ('problem' in parsed) {
      issues.push({ file: input.file, path: [], message: `line ${parsed.problem.line}: not CSV: ${parsed.problem.message}` });
      continue;
    }
    const { table } = parsed;
    const format = options.format ?? (isPerfAnalyzerHeader(table.header) ? 'perf-analyzer' : isModelAnalyzerHeader(table.header) ? 'model-analyzer' : undefined);
    if (!format) {
      const start = JSON.stringify(table.header.slice(0, 3).join(','));
      issues.push({
        file: input.file,
        path: [],
        message: `neither a perf_analyzer -f report (header "Concurrency,Inferences/Second,…") nor a Model Analyzer metrics-model-inference.csv (header "Model,Batch,Concurrency,…"); its header starts ${start}`,
      });
      continue;
    }
    if (format === 'perf-analyzer') {
      if (options.model !== undefined) {
        issues.push({ file: input.file, path: [], message: 'is a perf_analyzer report, which records no model name; --model chooses among the models of a Model Analyzer table: drop --model' });
        continue;
      }
      const result = readPerfAnalyzerCsv(input.file, table, input.batch !== undefined ? { batch: input.batch } : {});
      if (result.ok) found.push({ measurement: result.measurement, format });
      else issues.push(...result.issues);
    } else {
      if (input.batch !== undefined) {
        issues.push({ file: input.file, path: [], message: `a Model Analyzer table has its batch sizes in its Batch column; drop the :${input.batch} after the file name` });
        continue;
      }
      const result = readModelAnalyzerCsv(input.file, table, options.model !== undefined ? { model: options.model } : {});
      if (result.ok) found.push(...result.measurements.map((measurement) => ({ measurement, format })));
      else issues.push(...result.issues);
    }
  }
  if (issues.length) return { ok: false, issues };

  const where = (m: Measurement) => `${m.file} line ${m.line}`;
  /** A measured latency for a message: at most four decimals (µs and a tenth), not a float's tail. */
  const shown = (ms: number) => String(Number(ms.toFixed(4)));
  const measures = new Set(found.map((f) => f.measurement.measure));
  if (measures.size > 1) {
    const client = found.find((f) => f.measurement.measure === 'client-average')!.measurement;
    const server = found.find((f) => f.measurement.measure === 'server-compute')!.measurement;
    issues.push({
      file: client.file,
      path: [],
      message: `gives client-side latency (no server compute columns) while ${server.file} gives server compute; one profile needs one kind of figure: add the perf_server_compute_* fields to inference_output_fields, or use only perf_analyzer reports`,
    });
  }
  const byBatch = new Map<number, { measurement: Measurement; format: MeasurementFormat }>();
  for (const entry of found) {
    const m = entry.measurement;
    const twin = byBatch.get(m.batch);
    if (twin) {
      issues.push({ file: m.file, path: [], message: `measures batch ${m.batch} again (also ${where(twin.measurement)}); give one measurement per batch size` });
      continue;
    }
    if (m.batch > MAX_PROFILE_BATCH) issues.push({ file: m.file, path: [], message: `batch ${m.batch} is above ${MAX_PROFILE_BATCH}, the largest batch size a profile may declare; leave this file out` });
    if (m.measuredMs > MAX_PROFILE_LATENCY_MS) {
      issues.push({ file: m.file, path: [], message: `line ${m.line}: batch ${m.batch} takes ${shown(m.measuredMs)} ms, more than ${MAX_PROFILE_LATENCY_MS} ms, the longest a profile may declare; check the units and the run` });
    }
    byBatch.set(m.batch, entry);
  }
  const sorted = [...byBatch.values()].sort((a, b) => a.measurement.batch - b.measurement.batch);
  if (sorted.length && sorted[0]!.measurement.batch !== 1) {
    const first = files[0]!.file;
    const have = listNames(sorted.map((e) => `${e.measurement.batch} (${e.measurement.file})`));
    const fix =
      sorted[0]!.format === 'perf-analyzer'
        ? 'run perf_analyzer with -b 1 (e.g. perf_analyzer -m MODEL -b 1 --concurrency-range 1 -f out-b1.csv) and pass its report too'
        : 'profile again with 1 in the batch sizes (--batch-sizes 1,…)';
    issues.push({ file: sorted[0]!.format === 'perf-analyzer' ? first : sorted[0]!.measurement.file, path: [], message: `no measurement of batch 1, which a profile requires; measured batch sizes: ${have}; ${fix}` });
  }
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!.measurement, sorted[i]!.measurement];
    if (b.measuredMs <= a.measuredMs) {
      issues.push({
        file: b.file,
        path: [],
        message: `line ${b.line}: batch ${b.batch} takes ${shown(b.measuredMs)} ms, not more than batch ${a.batch} (${shown(a.measuredMs)} ms, ${where(a)}); a profile's latencies must increase with the batch size, so the declaration would be rejected: re-measure both with a longer measurement (--measurement-interval, or a lower --stability-percentage), or leave one out`,
      });
    }
  }
  if (issues.length) return { ok: false, issues };

  const warnings: SpecIssue[] = [];
  const sources: ProfileSource[] = [];
  let previous = 0;
  for (const { measurement: m, format } of sorted) {
    let latencyMs = roundLatencyMs(m.measuredMs);
    if (latencyMs <= previous) {
      const raised = Math.round(previous * 100 + 1) / 100;
      warnings.push({ file: m.file, path: [], message: `line ${m.line}: batch ${m.batch} measures ${shown(m.measuredMs)} ms, which rounds to ${latencyMs} like the batch before it; written as ${raised} to keep the profile increasing` });
      latencyMs = raised;
    }
    previous = latencyMs;
    sources.push({ batch: m.batch, latencyMs, measuredMs: m.measuredMs, file: m.file, line: m.line, format, measure: m.measure, ...(m.modelConfig !== undefined ? { modelConfig: m.modelConfig } : {}) });
  }
  if (sources.some((s) => s.measure === 'client-average')) {
    const files = [...new Set(sources.map((s) => s.file))];
    for (const file of files) {
      warnings.push({
        file,
        path: [],
        message: `has no server compute columns, so the profile uses the client's average latency (1000 · Batch / Throughput), which includes network and client time and over-estimates a batch's execution; for server compute add perf_server_compute_input, perf_server_compute_infer and perf_server_compute_output to inference_output_fields`,
      });
    }
  }
  return { ok: true, profile: { pool: options.pool, points: sources.map((s) => ({ batch: s.batch, latencyMs: s.latencyMs })), sources }, warnings };
}

/** A latency as TypeScript source, with at least one decimal (`3.0`, `2.1`, `4.38`). */
function formatMs(ms: number): string {
  return Number.isInteger(ms) ? ms.toFixed(1) : String(ms);
}

/** What the figures are, for the comment above the snippet. */
function describeSources(profile: MeasuredProfile): string {
  const first = profile.sources[0];
  if (!first) return '';
  const tool = first.format === 'perf-analyzer' ? 'perf_analyzer' : `Model Analyzer, config ${first.modelConfig}`;
  const figure = first.measure === 'server-compute' ? 'server compute per batch at concurrency 1' : 'client average latency per batch at concurrency 1 (includes network)';
  const files = [...new Set(profile.sources.map((s) => s.file))];
  return `${tool}, ${figure}: ${files.join(', ')}`;
}

/**
 * The profile as TypeScript to paste into a declaration: a comment naming
 * the measurements, then the `profile` property.
 *
 * @example
 * // measured with perf_analyzer, server compute per batch at concurrency 1: out-b1.csv, out-b4.csv
 * profile: { 'gpu-l4': { 1: 2.08, 4: 2.97 } },
 */
export function formatProfileSnippet(profile: MeasuredProfile): string {
  const points = profile.points.map((p) => `${p.batch}: ${formatMs(p.latencyMs)}`).join(', ');
  return `// measured with ${describeSources(profile)}\nprofile: { '${profile.pool}': { ${points} } },\n`;
}

/** The profile as `--json` prints it: `{"pool", "profile": {"1": ms, …}, "sources": [...]}`. */
export function profileJson(profile: MeasuredProfile): { pool: string; profile: Record<string, number>; sources: readonly ProfileSource[] } {
  return { pool: profile.pool, profile: Object.fromEntries(profile.points.map((p) => [String(p.batch), p.latencyMs])), sources: profile.sources };
}

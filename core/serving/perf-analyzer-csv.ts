/**
 * perf_analyzer's CSV report (`perf_analyzer -f FILE`) read as one batch
 * size's latency. Pure: no I/O.
 *
 * The format, as `ReportWriter::GenerateReport()` writes it
 * (triton-inference-server/perf_analyzer, `src/report_writer.cc`; before
 * July 2024 the same file in triton-inference-server/client,
 * `src/c++/perf_analyzer/report_writer.cc`):
 *
 * ```
 * Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency
 * 1,385.356,38,410,52,45,2010,28,12,2580,2702,2750,2911
 * ```
 *
 * - The first column is `Concurrency` (or `Request Rate` with
 *   `--request-rate-range`): one row per level measured, rows sorted by
 *   increasing `Inferences/Second`, not by level.
 * - `Response Throughput` follows `Inferences/Second` for decoupled models.
 * - The five server columns appear only when the server supports Triton's
 *   statistics extension (`--service-kind=triton` or `triton_c_api`);
 *   `Server Cache Hit,Server Cache Miss` follow them when the model has the
 *   response cache on.
 * - One `pN latency` column per reported percentile; `--verbose-csv` appends
 *   `Avg latency` (unless `--percentile`), `request/response`,
 *   `response wait` and, with `--collect-metrics`, four GPU columns whose
 *   cells are `uuid:value;` lists.
 * - Every time is an integer number of **microseconds** (the nanosecond
 *   average divided by 1000, truncated).
 *
 * The batch size (`-b`) is not in the file: it comes from the caller
 * (`out.csv:8`) or from the file name (`out-b8.csv`).
 *
 * The latency of one batch on one replica is the server compute of the row
 * at concurrency 1: `Server Compute Input + Server Compute Infer + Server
 * Compute Output`. Triton counts these per request, and at concurrency 1 one
 * request of `-b B` is one batch of B executed alone (nothing to batch it
 * with, no queue), so their sum is that batch's execution: input copy,
 * inference and output copy, without queueing, network or client time.
 * perf_analyzer 22.05 and later divide by the request count; earlier
 * versions divided by the inference count (a request of batch 8 counted 8),
 * which gives a per-sample figure, so use 22.05 or later.
 */
import { cellNumber, listNames, rowsAtConcurrencyOne, type CsvTable, type Measurement } from './measurement-csv.ts';
import type { SpecIssue } from '../errors/spec-issue.ts';

/** The columns whose sum is the execution of one batch, in microseconds. */
export const PERF_ANALYZER_COMPUTE_COLUMNS = ['Server Compute Input', 'Server Compute Infer', 'Server Compute Output'] as const;

/** Whether a CSV header is perf_analyzer's (`Concurrency` or `Request Rate`, then `Inferences/Second`). */
export function isPerfAnalyzerHeader(header: readonly string[]): boolean {
  return (header[0] === 'Concurrency' || header[0] === 'Request Rate') && header[1] === 'Inferences/Second';
}

/** A command-line file argument split into the file and an explicit batch size (`out.csv:8`). */
export interface FileArgument {
  readonly file: string;
  /** The batch size after the last `:`. @default - none given */
  readonly batch?: number;
}

/**
 * Splits `out.csv:8` into `out.csv` and batch 8. An argument without a
 * `:<digits>` tail is a plain file.
 */
export function splitBatchSuffix(argument: string): FileArgument {
  const match = /^(.+):(\d+)$/.exec(argument);
  return match ? { file: match[1]!, batch: Number(match[2]) } : { file: argument };
}

/**
 * The batch sizes a file name states: a `b8`, `bs8`, `batch8`, `batch-8` or
 * `batch_8` token between separators (`-`, `_`, `.`, start or end), in
 * the name without its directory.
 */
export function batchesInFileName(file: string): number[] {
  const name = file.split(/[\\/]/).pop() ?? file;
  const found = new Set<number>();
  for (const match of name.matchAll(/(?:^|[-_.\s])(?:b|bs|batch[-_]?)(\d+)(?=[-_.\s]|$)/gi)) found.add(Number(match[1]));
  return [...found];
}

/** Options of `readPerfAnalyzerCsv`. */
export interface PerfAnalyzerCsvOptions {
  /** Batch size given with the file (`out.csv:8`). @default - read from the file name */
  readonly batch?: number;
}

/** What one perf_analyzer file yields: the measurement, or every problem found. */
export type PerfAnalyzerResult = { readonly ok: true; readonly measurement: Measurement } | { readonly ok: false; readonly issues: readonly SpecIssue[] };

/**
 * Reads the latency of one batch from a perf_analyzer CSV report: the server
 * compute of the row at concurrency 1, for the batch size given or named in
 * the file name.
 *
 * @param file - the file as messages show it
 */
export function readPerfAnalyzerCsv(file: string, table: CsvTable, options: PerfAnalyzerCsvOptions = {}): PerfAnalyzerResult {
  const issues: SpecIssue[] = [];
  const issue = (path: readonly string[], message: string) => issues.push({ file, path, message });

  let batch = options.batch;
  if (batch === undefined) {
    const named = batchesInFileName(file);
    if (named.length === 1) batch = named[0];
    else if (named.length > 1) issue([], `the file name names several batch sizes (${listNames(named.map(String))}); say which with ${file}:<batch>, e.g. ${file}:${named[0]}`);
    else issue([], `no batch size: perf_analyzer does not record -b in its CSV, and the file name has none; name the file like out-b8.csv (or batch8.csv), or write ${file}:8 for a run with -b 8`);
  }
  if (batch !== undefined && batch < 1) issue([], `batch size ${batch} is not a batch size; use the -b the file was measured with (1 or more)`);

  const header = table.header;
  if (header[0] === 'Request Rate') {
    issue(['Request Rate'], 'measured at request rates (--request-rate-range), not concurrencies; a profile needs the row at concurrency 1: run perf_analyzer with --concurrency-range 1');
    return { ok: false, issues };
  }
  const concurrencyAt = header.indexOf('Concurrency');
  if (concurrencyAt < 0) {
    issue(['Concurrency'], `missing column; not a perf_analyzer -f report (its header starts "Concurrency,Inferences/Second,…"; this one starts ${JSON.stringify(header.slice(0, 3).join(','))})`);
    return { ok: false, issues };
  }
  const computeAt = PERF_ANALYZER_COMPUTE_COLUMNS.map((name) => header.indexOf(name));
  const missing = PERF_ANALYZER_COMPUTE_COLUMNS.filter((_, i) => computeAt[i]! < 0);
  const why = 'perf_analyzer writes the server columns only when the server reports statistics (Triton with --service-kind=triton or triton_c_api; not through a proxy that hides /v2/models/stats); measure against Triton directly';
  if (missing.length === PERF_ANALYZER_COMPUTE_COLUMNS.length) issue([], `no server-side columns (${listNames(missing)}), so the server compute of a batch is unknown; ${why}`);
  else for (const name of missing) issue([name], `missing column; ${why}`);

  const { atOne, levels } = rowsAtConcurrencyOne(table.rows, concurrencyAt, issue);
  if (issues.length) return { ok: false, issues };
  if (atOne.length === 0) {
    const seen = levels.size ? `rows at concurrency ${listNames([...levels])}` : 'no rows';
    issue(['Concurrency'], `no row at concurrency 1 (${seen}); a batch's latency is measured alone: run perf_analyzer with --concurrency-range 1`);
    return { ok: false, issues };
  }
  if (atOne.length > 1) {
    issue(['Concurrency'], `${atOne.length} rows at concurrency 1 (lines ${listNames(atOne.map((r) => String(r.line)))}); perf_analyzer writes one per level: keep the one run's rows`);
    return { ok: false, issues };
  }
  const row = atOne[0]!;
  let totalUs = 0;
  PERF_ANALYZER_COMPUTE_COLUMNS.forEach((name, i) => {
    const cell = row.cells[computeAt[i]!];
    const value = cellNumber(cell);
    if (value === undefined || value < 0) issue([name], `line ${row.line}: expected microseconds (a number, 0 or more), got ${JSON.stringify(cell ?? '')}`);
    else totalUs += value;
  });
  if (issues.length) return { ok: false, issues };
  if (totalUs <= 0) {
    issue([], `line ${row.line}: the server compute is 0 µs, so the server executed nothing it timed (e.g. every request was answered from Triton's response cache); measure the model itself, with the response cache off`);
    return { ok: false, issues };
  }
  return { ok: true, measurement: { file, line: row.line, batch: batch!, measuredMs: totalUs / 1000, measure: 'server-compute' } };
}

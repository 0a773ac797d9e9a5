/**
 * Model Analyzer's inference results table (`metrics-model-inference.csv`,
 * exported by `model-analyzer profile` to `<export-path>/results/`) read as
 * one latency per batch size. Pure: no I/O.
 *
 * The format, as `ResultTableManager` writes it
 * (triton-inference-server/model_analyzer,
 * `model_analyzer/result/result_table_manager.py`, headers from
 * `model_analyzer/record/types/*.py`): one row per measurement (model
 * config × batch size × concurrency), columns chosen by
 * `inference_output_fields`; the defaults are
 *
 * ```
 * Model,Batch,Concurrency,Model Config Path,Instance Group,Max Batch Size,Satisfies Constraints,Throughput (infer/sec),p99 Latency (ms)
 * resnet50,4,1,resnet50_config_default,1:GPU,16,Yes,1139.2,3.9
 * ```
 *
 * - Metric values are rounded to 0.1 (`round(value, 1)`); times are in ms.
 * - `Model Config Path` is the config's name (`resnet50_config_2`); an
 *   ensemble's reads `ensemble_config_1: add_config_0, sub_config_1`.
 * - Rows of models profiled concurrently hold lists in quoted cells
 *   (`"resnet50,vgg19"`, `"1,1"`).
 * - `Request Rate` replaces `Concurrency` when the search ran over request
 *   rates.
 * - The GPU table (`metrics-model-gpu.csv`) has GPU memory, utilisation and
 *   power, and no latency.
 *
 * The latency of one batch is the row at concurrency 1 of that batch size:
 * - with `perf_server_compute_input`, `perf_server_compute_infer` and
 *   `perf_server_compute_output` in `inference_output_fields` (headers
 *   `Server Compute Input time (ms)`, `… Infer time (ms)`, `… Output
 *   time (ms)`), their sum: the server's execution of the batch, as for
 *   perf_analyzer;
 * - otherwise (the default columns have no server breakdown) the client's
 *   average request latency, `1000 · Batch / Throughput (infer/sec)` ms: at
 *   concurrency 1 one request is outstanding at a time, so requests/s is
 *   1/latency, and Model Analyzer's throughput counts inferences (B per
 *   request). It includes network and client time, so it over-estimates the
 *   batch's execution (the safe side for capacity); it is finer than the
 *   p99 column (0.1 ms steps) and is not a tail. The result says which was
 *   used.
 */
import { cellNumber, listNames, rowsAtConcurrencyOne, type CsvRow, type CsvTable, type LatencyMeasure, type Measurement } from './measurement-csv.ts';
import type { SpecIssue } from '../errors/spec-issue.ts';

/** The server compute columns, with the `inference_output_fields` tag that adds each. */
export const MODEL_ANALYZER_COMPUTE_COLUMNS = [
  { header: 'Server Compute Input time (ms)', tag: 'perf_server_compute_input' },
  { header: 'Server Compute Infer time (ms)', tag: 'perf_server_compute_infer' },
  { header: 'Server Compute Output time (ms)', tag: 'perf_server_compute_output' },
] as const;

/** Model Analyzer's throughput column (inferences, not requests, per second). */
export const MODEL_ANALYZER_THROUGHPUT = 'Throughput (infer/sec)';

/** Whether a CSV header is one of Model Analyzer's result tables (`Model` and `Batch` columns). */
export function isModelAnalyzerHeader(header: readonly string[]): boolean {
  return header.includes('Model') && header.includes('Batch');
}

/** Options of `readModelAnalyzerCsv`. */
export interface ModelAnalyzerCsvOptions {
  /**
   * The model (`Model` column) or model config (`Model Config Path`, e.g.
   * `resnet50_config_2`) to read.
   *
   * @default - the only model config in the file
   */
  readonly model?: string;
}

/** What one Model Analyzer file yields: a measurement per batch size, or every problem found. */
export type ModelAnalyzerResult = { readonly ok: true; readonly measurements: readonly Measurement[] } | { readonly ok: false; readonly issues: readonly SpecIssue[] };

/**
 * Reads one latency per batch size from a Model Analyzer inference table.
 *
 * Which rows: those of one model config, chosen by `model` (a model name
 * that has one config in the file, or a config name); several configs and no
 * choice is an error listing them, since each config (instance count,
 * max batch size, dynamic batching) measures differently and only the one
 * you deploy describes your replicas. Rows of models profiled concurrently
 * are skipped. Of those, the row at concurrency 1 of each batch size.
 *
 * @param file - the file as messages show it
 */
export function readModelAnalyzerCsv(file: string, table: CsvTable, options: ModelAnalyzerCsvOptions = {}): ModelAnalyzerResult {
  const issues: SpecIssue[] = [];
  const issue = (path: readonly string[], message: string) => issues.push({ file, path, message });
  const fail = (path: readonly string[], message: string): ModelAnalyzerResult => {
    issue(path, message);
    return { ok: false, issues };
  };
  const { header } = table;
  const at = (name: string) => header.indexOf(name);

  if (at('GPU UUID') >= 0 && at(MODEL_ANALYZER_THROUGHPUT) < 0) {
    return fail([], "is Model Analyzer's GPU metrics table (metrics-model-gpu.csv), which has no latencies; pass metrics-model-inference.csv from the same results directory");
  }
  if (at('Concurrency') < 0 && at('Request Rate') >= 0) {
    return fail(['Request Rate'], 'measured at request rates (request_rate_search_enable or --request-rate), not concurrencies; a profile needs the rows at concurrency 1: profile with --concurrency 1');
  }
  for (const name of ['Model', 'Batch', 'Concurrency']) {
    if (at(name) < 0) issue([name], `missing column; keep model_name, batch_size and concurrency in inference_output_fields`);
  }
  const computeAt = MODEL_ANALYZER_COMPUTE_COLUMNS.map((c) => at(c.header));
  const someCompute = computeAt.some((i) => i >= 0);
  const measure: LatencyMeasure = someCompute ? 'server-compute' : 'client-average';
  if (someCompute) {
    MODEL_ANALYZER_COMPUTE_COLUMNS.forEach((c, i) => {
      if (computeAt[i]! < 0) issue([c.header], `missing column, while the other server compute columns are present; add ${c.tag} to inference_output_fields`);
    });
  } else if (at(MODEL_ANALYZER_THROUGHPUT) < 0) {
    issue([MODEL_ANALYZER_THROUGHPUT], `missing column, and there are no server compute columns either, so no latency can be read; add perf_server_compute_input, perf_server_compute_infer and perf_server_compute_output (or perf_throughput) to inference_output_fields`);
  }
  if (issues.length) return { ok: false, issues };

  const modelOf = (row: CsvRow) => row.cells[at('Model')] ?? '';
  const configOf = (row: CsvRow) => (at('Model Config Path') >= 0 ? (row.cells[at('Model Config Path')] ?? '').split(':')[0]!.trim() : modelOf(row));
  const single = table.rows.filter((row) => !modelOf(row).includes(','));
  if (single.length === 0) {
    const what = table.rows.length ? 'only rows of models profiled concurrently (several models in one row)' : 'no rows';
    return fail(['Model'], `${what}; a batch's latency is measured alone: profile the model by itself (without --run-config-profile-models-concurrently-enable)`);
  }
  const models = unique(single.map(modelOf));
  const configs = unique(single.map(configOf));
  const chosen = options.model === undefined ? single : single.filter((row) => modelOf(row) === options.model || configOf(row) === options.model);
  if (chosen.length === 0) {
    return fail(['Model'], `no model or model config named ${JSON.stringify(options.model)}; the file has models ${listNames(models)} and configs ${listNames(configs)}`);
  }
  const chosenModels = unique(chosen.map(modelOf));
  const chosenConfigs = unique(chosen.map(configOf));
  if (chosenModels.length > 1) {
    return fail(['Model'], `measures several models (${listNames(chosenModels)}); choose one with --model NAME`);
  }
  if (chosenConfigs.length > 1) {
    return fail(
      ['Model Config Path'],
      `model ${chosenModels[0]} was measured in ${chosenConfigs.length} model configs (${listNames(chosenConfigs)}); each measures differently, so choose the one you deploy with --model CONFIG (Model Analyzer writes each config to its output model repository)`,
    );
  }
  const config = chosenConfigs[0]!;

  const { atOne, levels } = rowsAtConcurrencyOne(chosen, at('Concurrency'), issue);
  if (issues.length) return { ok: false, issues };
  if (atOne.length === 0) {
    return fail(['Concurrency'], `no row of ${config} at concurrency 1 (rows at concurrency ${listNames([...levels])}); a batch's latency is measured alone: profile with --concurrency 1 (or include 1 in concurrency)`);
  }

  const byBatch = new Map<number, CsvRow>();
  const measurements: Measurement[] = [];
  for (const row of atOne) {
    const batchCell = row.cells[at('Batch')];
    const batch = cellNumber(batchCell);
    if (batch === undefined || !Number.isInteger(batch) || batch < 1) {
      issue(['Batch'], `line ${row.line}: expected a batch size (a whole number, 1 or more), got ${JSON.stringify(batchCell ?? '')}`);
      continue;
    }
    const twin = byBatch.get(batch);
    if (twin) {
      issue(['Batch'], `line ${row.line}: a second row of ${config} at batch ${batch} and concurrency 1 (also line ${twin.line}); keep the rows of one profile run`);
      continue;
    }
    byBatch.set(batch, row);
    const latencyMs = measure === 'server-compute' ? computeMs(row) : throughputMs(row, batch);
    if (latencyMs === undefined) continue;
    if (latencyMs <= 0) {
      issue(
        measure === 'server-compute' ? [] : [MODEL_ANALYZER_THROUGHPUT],
        measure === 'server-compute'
          ? `line ${row.line}: the server compute of batch ${batch} is 0 ms (Model Analyzer rounds to 0.1 ms); measure this model with perf_analyzer, whose report has microseconds`
          : `line ${row.line}: a throughput of 0 gives no latency; re-run the profile`,
      );
      continue;
    }
    measurements.push({ file, line: row.line, batch, measuredMs: latencyMs, measure, modelConfig: config });
  }
  if (issues.length) return { ok: false, issues };
  measurements.sort((a, b) => a.batch - b.batch);
  return { ok: true, measurements };

  function computeMs(row: CsvRow): number | undefined {
    let total = 0;
    let ok = true;
    MODEL_ANALYZER_COMPUTE_COLUMNS.forEach((c, i) => {
      const cell = row.cells[computeAt[i]!];
      const value = cellNumber(cell);
      if (value === undefined || value < 0) {
        issue([c.header], `line ${row.line}: expected milliseconds (a number, 0 or more), got ${JSON.stringify(cell ?? '')}`);
        ok = false;
      } else total += value;
    });
    return ok ? total : undefined;
  }

  function throughputMs(row: CsvRow, batch: number): number | undefined {
    const cell = row.cells[at(MODEL_ANALYZER_THROUGHPUT)];
    const value = cellNumber(cell);
    if (value === undefined || value < 0) {
      issue([MODEL_ANALYZER_THROUGHPUT], `line ${row.line}: expected inferences per second (a number, 0 or more), got ${JSON.stringify(cell ?? '')}`);
      return undefined;
    }
    return value === 0 ? 0 : (1000 * batch) / value;
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

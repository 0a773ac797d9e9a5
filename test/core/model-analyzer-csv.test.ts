/**
 * Model Analyzer's `metrics-model-inference.csv` read as one latency per
 * batch size: the fixtures follow `result_table_manager.py`
 * (test/fixtures/measurements/README.md); bad inputs are edits of them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvTable } from '../../core/serving/measurement-csv.ts';
import { isModelAnalyzerHeader, readModelAnalyzerCsv, type ModelAnalyzerCsvOptions } from '../../core/serving/model-analyzer-csv.ts';

const DIR = resolve(import.meta.dirname, '../fixtures/measurements/model-analyzer');
const SEARCH = readFileSync(join(DIR, 'search/metrics-model-inference.csv'), 'utf8');
const COMPUTE = readFileSync(join(DIR, 'compute/metrics-model-inference.csv'), 'utf8');

function table(text: string): CsvTable {
  const parsed = parseCsv(text);
  if (!('table' in parsed)) throw new Error(parsed.problem.message);
  return parsed.table;
}

function points(text: string, options: ModelAnalyzerCsvOptions = {}) {
  const result = readModelAnalyzerCsv('m.csv', table(text), options);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.measurements.map((m) => ({ batch: m.batch, ms: Number(m.measuredMs.toFixed(4)), line: m.line, measure: m.measure, config: m.modelConfig }));
}

function problems(text: string, options: ModelAnalyzerCsvOptions = {}): string[] {
  const result = readModelAnalyzerCsv('m.csv', table(text), options);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.measurements)}`);
  return result.issues.map((i) => `${i.path.join('.') || '-'}: ${i.message}`);
}

describe('readModelAnalyzerCsv', () => {
  it('sums the server compute columns of the concurrency-1 rows, one per batch size', () => {
    expect(points(COMPUTE)).toEqual([
      { batch: 1, ms: 2, line: 9, measure: 'server-compute', config: 'resnet50_config_default' },
      { batch: 4, ms: 3, line: 7, measure: 'server-compute', config: 'resnet50_config_default' },
      { batch: 8, ms: 4.3, line: 6, measure: 'server-compute', config: 'resnet50_config_default' },
      { batch: 16, ms: 7.9, line: 4, measure: 'server-compute', config: 'resnet50_config_default' },
    ]);
  });

  it('without compute columns, reads the client average latency 1000·Batch/Throughput', () => {
    expect(points(SEARCH, { model: 'resnet50_config_default' })).toEqual([
      { batch: 1, ms: 2.5947, line: 16, measure: 'client-average', config: 'resnet50_config_default' },
      { batch: 4, ms: 4.2721, line: 12, measure: 'client-average', config: 'resnet50_config_default' },
      { batch: 8, ms: 6.7791, line: 10, measure: 'client-average', config: 'resnet50_config_default' },
      { batch: 16, ms: 12.4407, line: 7, measure: 'client-average', config: 'resnet50_config_default' },
    ]);
  });

  it('chooses the model config by --model; several configs and no choice is an error listing them', () => {
    expect(points(SEARCH, { model: 'resnet50_config_1' }).map((p) => p.line)).toEqual([17, 13, 11, 8]);
    const ambiguous = [
      'Model Config Path: model resnet50 was measured in 2 model configs (resnet50_config_1 and resnet50_config_default); each measures differently, so choose the one you deploy with --model CONFIG (Model Analyzer writes each config to its output model repository)',
    ];
    expect(problems(SEARCH)).toEqual(ambiguous);
    expect(problems(SEARCH, { model: 'resnet50' })).toEqual(ambiguous);
    expect(problems(SEARCH, { model: 'bert' })).toEqual([
      'Model: no model or model config named "bert"; the file has models resnet50 and configs resnet50_config_1 and resnet50_config_default',
    ]);
    // A model name is enough when the model has one config.
    expect(points(COMPUTE, { model: 'resnet50' })).toHaveLength(4);
  });

  it('an ensemble config path names its config before the colon', () => {
    const text = [
      'Model,Batch,Concurrency,Model Config Path,Instance Group,Max Batch Size,Satisfies Constraints,Throughput (infer/sec),p99 Latency (ms)',
      'ensemble_add_sub,1,1,"ensemble_add_sub_config_1: add_config_0, sub_config_1","1:GPU,2:GPU","0,0",Yes,1402.1,0.9',
      'ensemble_add_sub,2,1,"ensemble_add_sub_config_1: add_config_0, sub_config_1","1:GPU,2:GPU","0,0",Yes,2500.0,1.0',
    ].join('\n');
    expect(points(text, { model: 'ensemble_add_sub_config_1' }).map((p) => [p.batch, p.ms])).toEqual([
      [1, 0.7132],
      [2, 0.8],
    ]);
  });

  it('rejects the GPU table, request-rate results and concurrent multi-model rows', () => {
    expect(problems(readFileSync(join(DIR, 'search/metrics-model-gpu.csv'), 'utf8'))).toEqual([
      "-: is Model Analyzer's GPU metrics table (metrics-model-gpu.csv), which has no latencies; pass metrics-model-inference.csv from the same results directory",
    ]);
    expect(problems(SEARCH.replace('Model,Batch,Concurrency', 'Model,Batch,Request Rate'))).toEqual([
      'Request Rate: measured at request rates (request_rate_search_enable or --request-rate), not concurrencies; a profile needs the rows at concurrency 1: profile with --concurrency 1',
    ]);
    expect(problems(readFileSync(join(DIR, 'concurrent/metrics-model-inference.csv'), 'utf8'))).toEqual([
      "Model: only rows of models profiled concurrently (several models in one row); a batch's latency is measured alone: profile the model by itself (without --run-config-profile-models-concurrently-enable)",
    ]);
  });

  it('names missing columns', () => {
    const [head, ...rows] = COMPUTE.split('\n');
    const drop = (column: string) => {
      const at = head!.split(',').indexOf(column);
      return [head!, ...rows.filter(Boolean)].map((line) => line.split(',').filter((_, i) => i !== at).join(',')).join('\n');
    };
    expect(problems(drop('Server Compute Output time (ms)'))).toEqual([
      'Server Compute Output time (ms): missing column, while the other server compute columns are present; add perf_server_compute_output to inference_output_fields',
    ]);
    expect(problems(drop('Concurrency'))).toEqual(['Concurrency: missing column; keep model_name, batch_size and concurrency in inference_output_fields']);
    const noLatency = SEARCH.split('\n').map((line) => line.split(',').slice(0, 7).join(',')).join('\n');
    expect(problems(noLatency, { model: 'resnet50_config_1' })).toEqual([expect.stringMatching(/^Throughput \(infer\/sec\): missing column, and there are no server compute columns either/)]);
  });

  it('names non-numeric cells, a missing concurrency-1 row and duplicate batch sizes', () => {
    expect(problems(COMPUTE.replace('resnet50,4,1,resnet50_config_default,1:GPU,16,Yes,936.3,4.7,0.1,2.8,0.1', 'resnet50,4,1,resnet50_config_default,1:GPU,16,Yes,936.3,4.7,0.1,-,0.1'))).toEqual([
      'Server Compute Infer time (ms): line 7: expected milliseconds (a number, 0 or more), got "-"',
    ]);
    expect(problems(COMPUTE.replace('resnet50,8,1,', 'resnet50,eight,1,'))).toEqual(['Batch: line 6: expected a batch size (a whole number, 1 or more), got "eight"']);
    expect(problems(COMPUTE.replace(/^resnet50,(\d+),1,/gm, 'resnet50,$1,4,'))).toEqual([
      "Concurrency: no row of resnet50_config_default at concurrency 1 (rows at concurrency 2 and 4); a batch's latency is measured alone: profile with --concurrency 1 (or include 1 in concurrency)",
    ]);
    expect(problems(COMPUTE.replace('resnet50,8,1,', 'resnet50,4,1,'))).toEqual([
      'Batch: line 7: a second row of resnet50_config_default at batch 4 and concurrency 1 (also line 6); keep the rows of one profile run',
    ]);
    expect(problems(COMPUTE.replace('Yes,385.4,2.9,0.0,2.0,0.0', 'Yes,385.4,2.9,0.0,0.0,0.0'))).toEqual([
      '-: line 9: the server compute of batch 1 is 0 ms (Model Analyzer rounds to 0.1 ms); measure this model with perf_analyzer, whose report has microseconds',
    ]);
  });

  it('recognises its header', () => {
    expect(isModelAnalyzerHeader(table(SEARCH).header)).toBe(true);
    expect(isModelAnalyzerHeader(table('Concurrency,Inferences/Second\n').header)).toBe(false);
  });
});

/**
 * perf_analyzer's `-f` report read as one batch's latency: the fixtures
 * follow `src/report_writer.cc` (test/fixtures/measurements/README.md), and
 * the bad inputs are edits of them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvTable } from '../../core/serving/measurement-csv.ts';
import { batchesInFileName, isPerfAnalyzerHeader, readPerfAnalyzerCsv, splitBatchSuffix } from '../../core/serving/perf-analyzer-csv.ts';

const DIR = resolve(import.meta.dirname, '../fixtures/measurements/perf-analyzer');
const HEADER =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency';

function table(text: string): CsvTable {
  const parsed = parseCsv(text);
  if (!('table' in parsed)) throw new Error(parsed.problem.message);
  return parsed.table;
}
const fixture = (name: string) => table(readFileSync(join(DIR, name), 'utf8'));

/** The messages of a failed read, as `FIELD: message` (the file is always the one given). */
function problems(file: string, text: string | CsvTable, batch?: number): string[] {
  const result = readPerfAnalyzerCsv(file, typeof text === 'string' ? table(text) : text, batch !== undefined ? { batch } : {});
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.measurement)}`);
  for (const issue of result.issues) expect(issue.file).toBe(file);
  return result.issues.map((i) => `${i.path.join('.') || '-'}: ${i.message}`);
}

describe('readPerfAnalyzerCsv', () => {
  it('reads the server compute of the concurrency-1 row, in ms, for the batch in the file name', () => {
    const result = readPerfAnalyzerCsv('resnet50-b8.csv', fixture('resnet50-b8.csv'));
    expect(result).toEqual({ ok: true, measurement: { file: 'resnet50-b8.csv', line: 2, batch: 8, measuredMs: 4.375, measure: 'server-compute' } });
  });

  it('finds the concurrency-1 row of a --concurrency-range sweep (rows are sorted by throughput)', () => {
    const sweep = fixture('resnet50-sweep-b2.csv');
    // Put concurrency 1 last, as a slower first level would be: the row is found by its level, not its place.
    const reordered: CsvTable = { header: sweep.header, rows: [...sweep.rows.slice(1), sweep.rows[0]!] };
    for (const t of [sweep, reordered]) {
      const result = readPerfAnalyzerCsv('resnet50-sweep-b2.csv', t);
      expect(result.ok && result.measurement).toMatchObject({ batch: 2, measuredMs: 2.42, line: 2 });
    }
  });

  it('accepts the --verbose-csv, --collect-metrics, -i grpc columns', () => {
    const t = fixture('resnet50-grpc-verbose-b1.csv');
    expect(t.header).toContain('Avg GPU Utilization');
    const result = readPerfAnalyzerCsv('resnet50-grpc-verbose-b1.csv', t);
    expect(result.ok && result.measurement).toMatchObject({ batch: 1, measuredMs: 2.089 });
  });

  it('prefers an explicit batch size to the file name', () => {
    const result = readPerfAnalyzerCsv('resnet50-b8.csv', fixture('resnet50-b8.csv'), { batch: 16 });
    expect(result.ok && result.measurement.batch).toBe(16);
  });

  it('needs a batch size', () => {
    expect(problems('out.csv', fixture('resnet50-b1.csv'))).toEqual([
      '-: no batch size: perf_analyzer does not record -b in its CSV, and the file name has none; name the file like out-b8.csv (or batch8.csv), or write out.csv:8 for a run with -b 8',
    ]);
    expect(problems('bert-b2-b8.csv', fixture('resnet50-b1.csv'))).toEqual([
      '-: the file name names several batch sizes (2 and 8); say which with bert-b2-b8.csv:<batch>, e.g. bert-b2-b8.csv:2',
    ]);
  });

  it('explains a report without server columns, a request-rate run and a cached model', () => {
    expect(problems('resnet50-no-server-stats-b1.csv', fixture('resnet50-no-server-stats-b1.csv'))).toEqual([
      expect.stringMatching(/^-: no server-side columns \(Server Compute Input, Server Compute Infer and Server Compute Output\), so the server compute of a batch is unknown; perf_analyzer writes the server columns only when/),
    ]);
    expect(problems('resnet50-rate-b1.csv', fixture('resnet50-rate-b1.csv'))).toEqual([
      'Request Rate: measured at request rates (--request-rate-range), not concurrencies; a profile needs the row at concurrency 1: run perf_analyzer with --concurrency-range 1',
    ]);
    expect(problems('resnet50-cached-b1.csv', fixture('resnet50-cached-b1.csv'))).toEqual([
      expect.stringMatching(/^-: line 2: the server compute is 0 µs, .*response cache/),
    ]);
  });

  it('names a missing column', () => {
    const text = `${HEADER.replace('Server Compute Output,', '')}\n1,385.356,38,410,52,45,2010,12,2580,2702,2750,2911\n`;
    expect(problems('out-b1.csv', text)).toEqual([expect.stringMatching(/^Server Compute Output: missing column; perf_analyzer writes the server columns only/)]);
  });

  it('names non-numeric cells with their line', () => {
    expect(problems('out-b1.csv', `${HEADER}\n1,385.356,38,410,52,45,n/a,28,12,2580,2702,2750,2911\n`)).toEqual([
      'Server Compute Infer: line 2: expected microseconds (a number, 0 or more), got "n/a"',
    ]);
    expect(problems('out-b1.csv', `${HEADER}\none,385.356,38,410,52,45,2010,28,12,2580,2702,2750,2911\n`)).toEqual([
      'Concurrency: line 2: expected a concurrency (a whole number), got "one"',
    ]);
    expect(problems('out-b1.csv', `${HEADER}\n1,385.356,38,410,52,45\n`)).toEqual(['Server Compute Infer: line 2: expected microseconds (a number, 0 or more), got ""', 'Server Compute Output: line 2: expected microseconds (a number, 0 or more), got ""']);
  });

  it('needs exactly one row at concurrency 1', () => {
    const sweep = readFileSync(join(DIR, 'resnet50-sweep-b2.csv'), 'utf8');
    const withoutOne = sweep.split('\n').filter((line) => !line.startsWith('1,')).join('\n');
    expect(problems('out-b2.csv', withoutOne)).toEqual([
      'Concurrency: no row at concurrency 1 (rows at concurrency 2, 4 and 3); a batch\'s latency is measured alone: run perf_analyzer with --concurrency-range 1',
    ]);
    expect(problems('out-b2.csv', `${HEADER}\n`)).toEqual([expect.stringMatching(/^Concurrency: no row at concurrency 1 \(no rows\)/)]);
    const twice = `${sweep.trimEnd()}\n${sweep.split('\n')[1]}\n`;
    expect(problems('out-b2.csv', twice)).toEqual(['Concurrency: 2 rows at concurrency 1 (lines 2 and 6); perf_analyzer writes one per level: keep the one run\'s rows']);
  });

  it('recognises its header', () => {
    expect(isPerfAnalyzerHeader(fixture('resnet50-b1.csv').header)).toBe(true);
    expect(isPerfAnalyzerHeader(fixture('resnet50-rate-b1.csv').header)).toBe(true);
    expect(isPerfAnalyzerHeader(['Model', 'Batch', 'Concurrency'])).toBe(false);
  });
});

describe('batch sizes from file arguments', () => {
  it('splits FILE:B', () => {
    expect(splitBatchSuffix('out.csv:8')).toEqual({ file: 'out.csv', batch: 8 });
    expect(splitBatchSuffix('runs/out.csv')).toEqual({ file: 'runs/out.csv' });
    expect(splitBatchSuffix('C:\\runs\\out.csv')).toEqual({ file: 'C:\\runs\\out.csv' });
  });

  it('reads b8, bs8, batch8, batch-8 and batch_8 tokens from the name only', () => {
    expect(batchesInFileName('out-b8.csv')).toEqual([8]);
    expect(batchesInFileName('resnet50_b16.csv')).toEqual([16]);
    expect(batchesInFileName('batch4.csv')).toEqual([4]);
    expect(batchesInFileName('perf.batch-32.csv')).toEqual([32]);
    expect(batchesInFileName('perf_batch_2.csv')).toEqual([2]);
    expect(batchesInFileName('out-bs64.csv')).toEqual([64]);
    expect(batchesInFileName('runs-b4/out.csv')).toEqual([]);
    expect(batchesInFileName('web8.csv')).toEqual([]);
    expect(batchesInFileName('bert-b2-b8.csv')).toEqual([2, 8]);
  });
});

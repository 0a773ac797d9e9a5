/**
 * A profile block from measurement files: the checks a declaration makes
 * (batch 1, positive, strictly increasing) are made first, with the files and
 * rows named, and what is printed is accepted by `latencyProfileSchema`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { formatProfileSnippet, measuredProfile, profileJson, roundLatencyMs, type MeasurementFile, type MeasuredProfileOptions } from '../../core/serving/measured-profile.ts';
import { parseCsv } from '../../core/serving/measurement-csv.ts';
import { latencyProfileSchema } from '../../core/spec/latency-profile.ts';

const DIR = resolve(import.meta.dirname, '../fixtures/measurements');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const pa = (name: string, batch?: number): MeasurementFile => ({ file: name, text: read(`perf-analyzer/${name}`), ...(batch !== undefined ? { batch } : {}) });
const RESNET = [pa('resnet50-b1.csv'), pa('resnet50-b4.csv'), pa('resnet50-b8.csv'), pa('resnet50-b16.csv')];
const HEADER =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency';
/** A one-row perf_analyzer report whose server compute is `us` microseconds. */
const report = (file: string, us: number): MeasurementFile => ({ file, text: `${HEADER}\n1,100,10,10,10,0,${us},0,1,1,1,1,1\n` });

function build(files: readonly MeasurementFile[], options: Partial<MeasuredProfileOptions> = {}) {
  const result = measuredProfile(files, { pool: 'gpu-l4', ...options });
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result;
}

function problems(files: readonly MeasurementFile[], options: Partial<MeasuredProfileOptions> = {}): string {
  const result = measuredProfile(files, { pool: 'gpu-l4', ...options });
  if (result.ok) throw new Error(`expected problems, got ${formatProfileSnippet(result.profile)}`);
  return formatIssues(result.issues);
}

describe('measuredProfile', () => {
  it('builds the profile from one perf_analyzer report per batch size, in any order', () => {
    const { profile, warnings } = build([...RESNET].reverse());
    expect(warnings).toEqual([]);
    expect(profile.points).toEqual([
      { batch: 1, latencyMs: 2.08 },
      { batch: 4, latencyMs: 2.97 },
      { batch: 8, latencyMs: 4.38 },
      { batch: 16, latencyMs: 7.9 },
    ]);
    expect(formatProfileSnippet(profile)).toBe(
      "// measured with perf_analyzer, server compute per batch at concurrency 1: resnet50-b1.csv, resnet50-b4.csv, resnet50-b8.csv, resnet50-b16.csv\nprofile: { 'gpu-l4': { 1: 2.08, 4: 2.97, 8: 4.38, 16: 7.9 } },\n",
    );
    expect(profileJson(profile).profile).toEqual({ 1: 2.08, 4: 2.97, 8: 4.38, 16: 7.9 });
    expect(profile.sources[2]).toEqual({ batch: 8, latencyMs: 4.38, measuredMs: 4.375, file: 'resnet50-b8.csv', line: 2, format: 'perf-analyzer', measure: 'server-compute' });
  });

  it('prints what a declaration accepts', () => {
    const { profile } = build(RESNET);
    const declared = profileJson(profile).profile;
    const parsed = latencyProfileSchema.safeParse({ [profile.pool]: declared });
    expect(parsed.success && parsed.data).toEqual({ 'gpu-l4': profile.points });
  });

  it('builds from a Model Analyzer table, naming the config', () => {
    const { profile, warnings } = build([{ file: 'metrics-model-inference.csv', text: read('model-analyzer/compute/metrics-model-inference.csv') }]);
    expect(warnings).toEqual([]);
    expect(formatProfileSnippet(profile)).toBe(
      "// measured with Model Analyzer, config resnet50_config_default, server compute per batch at concurrency 1: metrics-model-inference.csv\nprofile: { 'gpu-l4': { 1: 2.0, 4: 3.0, 8: 4.3, 16: 7.9 } },\n",
    );
  });

  it('warns when it falls back to client latency', () => {
    const { profile, warnings } = build([{ file: 'm.csv', text: read('model-analyzer/search/metrics-model-inference.csv') }], { model: 'resnet50_config_default' });
    expect(profile.points.map((p) => p.latencyMs)).toEqual([2.59, 4.27, 6.78, 12.44]);
    expect(formatIssues(warnings)).toMatch(/^m\.csv: -: has no server compute columns, so the profile uses the client's average latency/);
    expect(formatProfileSnippet(profile)).toContain('client average latency per batch at concurrency 1 (includes network)');
  });

  it('requires batch 1, with the fix', () => {
    expect(problems(RESNET.slice(1))).toBe(
      'resnet50-b4.csv: -: no measurement of batch 1, which a profile requires; measured batch sizes: 4 (resnet50-b4.csv), 8 (resnet50-b8.csv) and 16 (resnet50-b16.csv); run perf_analyzer with -b 1 (e.g. perf_analyzer -m MODEL -b 1 --concurrency-range 1 -f out-b1.csv) and pass its report too',
    );
    const noBatchOne = read('model-analyzer/compute/metrics-model-inference.csv').replace(/^resnet50,1,.*\n/gm, '');
    expect(problems([{ file: 'm.csv', text: noBatchOne }])).toMatch(/^m\.csv: -: no measurement of batch 1, .*; profile again with 1 in the batch sizes \(--batch-sizes 1,…\)$/);
  });

  it('rejects a batch size measured twice', () => {
    expect(problems([...RESNET, pa('resnet50-grpc-verbose-b1.csv')])).toBe(
      'resnet50-grpc-verbose-b1.csv: -: measures batch 1 again (also resnet50-b1.csv line 2); give one measurement per batch size',
    );
    expect(problems([...RESNET, pa('resnet50-b4.csv', 8)])).toBe('resnet50-b4.csv: -: measures batch 8 again (also resnet50-b8.csv line 2); give one measurement per batch size');
  });

  it('rejects latencies that do not increase with the batch size, naming the files and rows', () => {
    expect(problems([report('a-b1.csv', 2100), report('a-b4.csv', 3000), report('a-b8.csv', 2950)])).toBe(
      "a-b8.csv: -: line 2: batch 8 takes 2.95 ms, not more than batch 4 (3 ms, a-b4.csv line 2); a profile's latencies must increase with the batch size, so the declaration would be rejected: re-measure both with a longer measurement (--measurement-interval, or a lower --stability-percentage), or leave one out",
    );
    expect(problems([report('a-b1.csv', 2100), report('a-b2.csv', 2100)])).toMatch(/^a-b2\.csv: -: line 2: batch 2 takes 2\.1 ms, not more than batch 1 \(2\.1 ms, a-b1\.csv line 2\)/);
  });

  it('rounds to 0.01 ms, never to 0, and keeps rounded values increasing', () => {
    expect(build([report('a-b1.csv', 3)]).profile.points).toEqual([{ batch: 1, latencyMs: 0.01 }]);
    const { profile, warnings } = build([report('a-b1.csv', 2101), report('a-b2.csv', 2104), report('a-b4.csv', 2109)]);
    expect(profile.points.map((p) => p.latencyMs)).toEqual([2.1, 2.11, 2.12]);
    expect(formatIssues(warnings).split('\n')).toEqual([
      'a-b2.csv: -: line 2: batch 2 measures 2.104 ms, which rounds to 2.1 like the batch before it; written as 2.11 to keep the profile increasing',
      'a-b4.csv: -: line 2: batch 4 measures 2.109 ms, which rounds to 2.11 like the batch before it; written as 2.12 to keep the profile increasing',
    ]);
    expect(roundLatencyMs(4.375)).toBe(4.38);
    expect(roundLatencyMs(1.005)).toBe(1.01);
    expect(roundLatencyMs(0)).toBe(0.01);
  });

  it('rejects batch sizes and latencies a declaration would not accept', () => {
    expect(problems([report('a-b1.csv', 2000), report('a-b8192.csv', 9000)])).toBe(
      'a-b8192.csv: -: batch 8192 is above 4096, the largest batch size a profile may declare; leave this file out',
    );
    expect(problems([report('a-b1.csv', 61_000_000)])).toMatch(/^a-b1\.csv: -: line 2: batch 1 takes 61000 ms, more than 60000 ms/);
  });

  it('rejects files it does not recognise, --model on perf_analyzer reports, and :B on Model Analyzer tables', () => {
    expect(problems([{ file: 'x.csv', text: 'a,b,c\n1,2,3\n' }])).toBe(
      'x.csv: -: neither a perf_analyzer -f report (header "Concurrency,Inferences/Second,…") nor a Model Analyzer metrics-model-inference.csv (header "Model,Batch,Concurrency,…"); its header starts "a,b,c"',
    );
    expect(problems([{ file: 'x.csv', text: '' }])).toBe('x.csv: -: line 1: not CSV: the file is empty');
    expect(problems([RESNET[0]!], { model: 'resnet50' })).toMatch(/^resnet50-b1\.csv: -: is a perf_analyzer report, which records no model name/);
    expect(problems([{ file: 'm.csv', text: read('model-analyzer/compute/metrics-model-inference.csv'), batch: 4 }])).toBe(
      'm.csv: -: a Model Analyzer table has its batch sizes in its Batch column; drop the :4 after the file name',
    );
  });

  it('reports every file\'s problems at once', () => {
    const text = problems([pa('resnet50-rate-b1.csv'), pa('resnet50-no-server-stats-b1.csv'), { file: 'out.csv', text: read('perf-analyzer/resnet50-b4.csv') }]);
    expect(text.split('\n').map((line) => line.split(': ').slice(0, 2).join(': '))).toEqual(['out.csv: -', 'resnet50-no-server-stats-b1.csv: -', 'resnet50-rate-b1.csv: ["Request Rate"]']);
  });

  it('rejects a profile that mixes server compute with client latency', () => {
    const text = problems([RESNET[1]!, { file: 'm.csv', text: read('model-analyzer/search/metrics-model-inference.csv') }], { format: undefined, model: undefined });
    expect(text).toMatch(/^m\.csv: \["Model Config Path"\]/);
    const mixed = measuredProfile([{ file: 'm.csv', text: read('model-analyzer/search/metrics-model-inference.csv').replace(/resnet50_config_1/g, 'resnet50_config_default').replace(/^resnet50,(\d+),1,resnet50_config_default,2:GPU.*\n/gm, '') }, pa('resnet50-b4.csv', 32)], { pool: 'gpu-l4' });
    expect(mixed.ok || formatIssues(mixed.issues)).toMatch(/^m\.csv: -: gives client-side latency \(no server compute columns\) while resnet50-b4\.csv gives server compute/);
  });

  it('any strictly increasing measurements give a profile the declaration accepts, rounded (never below 0.01) and raised by at most 0.01 ms per point before it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 4096 }), { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 7, maxLength: 7 }), (others, steps) => {
        const batches = [1, ...others].sort((a, b) => a - b);
        let us = 0;
        const files = batches.map((batch, i) => report(`m-b${batch}.csv`, (us += steps[i]!)));
        const { profile } = build(files);
        const parsed = latencyProfileSchema.safeParse({ 'gpu-l4': profileJson(profile).profile });
        expect(parsed.success).toBe(true);
        profile.sources.forEach((s, i) => {
          expect(s.latencyMs).toBeGreaterThanOrEqual(s.measuredMs - 0.005 - 1e-9);
          expect(s.latencyMs).toBeLessThanOrEqual(Math.max(s.measuredMs + 0.005, 0.01) + 0.01 * i + 1e-9);
        });
      }),
    );
  });
});

describe('parseCsv', () => {
  it('reads quoted cells, doubled quotes, CRLF, a byte-order mark and blank lines', () => {
    const parsed = parseCsv('\ufeffA, B ,C\r\n"x,y","say ""hi""", 3 \r\n\r\n\n"multi\nline",2,3\n');
    expect(parsed).toEqual({
      table: {
        header: ['A', 'B', 'C'],
        rows: [
          { line: 2, cells: ['x,y', 'say "hi"', '3'] },
          { line: 5, cells: ['multi\nline', '2', '3'] },
        ],
      },
    });
  });

  it('says where a quote is never closed', () => {
    expect(parseCsv('A,B\n1,2\n"open,3\n')).toEqual({ problem: { line: 3, message: 'a quoted cell is never closed (a `"` is missing)' } });
  });
});

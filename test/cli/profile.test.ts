/**
 * `modelfleet profile`: a snippet (or JSON) on stdout and exit 0; every
 * problem as `FILE: FIELD: message` on stderr, nothing on stdout, exit 1;
 * usage errors exit 2. Runs `main()` in process on the fixtures of
 * test/fixtures/measurements/.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, type CliRun } from '../support/run-cli.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/measurements');
const PA = ['perf-analyzer/resnet50-b1.csv', 'perf-analyzer/resnet50-b4.csv', 'perf-analyzer/resnet50-b8.csv', 'perf-analyzer/resnet50-b16.csv'];
const MA_SEARCH = 'model-analyzer/search/metrics-model-inference.csv';
const MA_COMPUTE = 'model-analyzer/compute/metrics-model-inference.csv';

const profile = (...args: string[]) => runCliInProcess(['profile', ...args], FIXTURES);

/** A failed run: exit 1, nothing on stdout, exactly `lines` on stderr. */
function expectProblems(run: CliRun, lines: readonly string[]) {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
  expect(run.stderr).toBe(`${lines.join('\n')}\n`);
}

describe('modelfleet profile', () => {
  it('prints a profile block from perf_analyzer reports', async () => {
    const run = await profile(...PA, '--pool', 'gpu-l4');
    expect(run).toEqual({
      code: 0,
      stdout:
        '// measured with perf_analyzer, server compute per batch at concurrency 1: perf-analyzer/resnet50-b1.csv, perf-analyzer/resnet50-b4.csv, perf-analyzer/resnet50-b8.csv, perf-analyzer/resnet50-b16.csv\n' +
        "profile: { 'gpu-l4': { 1: 2.08, 4: 2.97, 8: 4.38, 16: 7.9 } },\n",
      stderr: '',
    });
  });

  it('takes the batch size from FILE:B, and --json prints pool, profile and sources', async () => {
    const run = await profile('perf-analyzer/resnet50-b1.csv', 'perf-analyzer/resnet50-sweep-b2.csv', 'perf-analyzer/resnet50-b8.csv:16', '--pool', 'gpu-l4', '--from', 'perf-analyzer', '--json');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { pool: string; profile: Record<string, number>; sources: { file: string; batch: number; line: number }[] };
    expect(json.pool).toBe('gpu-l4');
    expect(json.profile).toEqual({ 1: 2.08, 2: 2.42, 16: 4.38 });
    expect(json.sources.map((s) => [s.file, s.batch, s.line])).toEqual([
      ['perf-analyzer/resnet50-b1.csv', 1, 2],
      ['perf-analyzer/resnet50-sweep-b2.csv', 2, 2],
      ['perf-analyzer/resnet50-b8.csv', 16, 2],
    ]);
  });

  it('reads a Model Analyzer table, choosing the config with --model', async () => {
    expect(await profile(MA_COMPUTE, '--pool', 'gpu-l4')).toEqual({
      code: 0,
      stdout: `// measured with Model Analyzer, config resnet50_config_default, server compute per batch at concurrency 1: ${MA_COMPUTE}\nprofile: { 'gpu-l4': { 1: 2.0, 4: 3.0, 8: 4.3, 16: 7.9 } },\n`,
      stderr: '',
    });
    expectProblems(await profile(MA_SEARCH, '--pool', 'gpu-l4'), [
      `${MA_SEARCH}: ["Model Config Path"]: model resnet50 was measured in 2 model configs (resnet50_config_1 and resnet50_config_default); each measures differently, so choose the one you deploy with --model CONFIG (Model Analyzer writes each config to its output model repository)`,
    ]);
    const chosen = await profile(MA_SEARCH, '--pool', 'gpu-l4', '--model', 'resnet50_config_default');
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toContain("profile: { 'gpu-l4': { 1: 2.59, 4: 4.27, 8: 6.78, 16: 12.44 } },");
    expect(chosen.stderr).toMatch(/^warning: model-analyzer\/search\/metrics-model-inference\.csv: -: has no server compute columns/);
  });

  it('fails with one line per problem: batch 1 missing, unreadable files, non-increasing latencies', async () => {
    expectProblems(await profile(...PA.slice(1), '--pool', 'gpu-l4'), [
      'perf-analyzer/resnet50-b4.csv: -: no measurement of batch 1, which a profile requires; measured batch sizes: 4 (perf-analyzer/resnet50-b4.csv), 8 (perf-analyzer/resnet50-b8.csv) and 16 (perf-analyzer/resnet50-b16.csv); run perf_analyzer with -b 1 (e.g. perf_analyzer -m MODEL -b 1 --concurrency-range 1 -f out-b1.csv) and pass its report too',
    ]);
    const missing = await profile('perf-analyzer/missing-b1.csv', 'perf-analyzer/resnet50-b4.csv', '--pool', 'gpu-l4');
    expectProblems(missing, ["perf-analyzer/missing-b1.csv: -: cannot read: ENOENT: no such file or directory, open 'perf-analyzer/missing-b1.csv'"]);
    expectProblems(await profile('perf-analyzer/resnet50-b1.csv', 'perf-analyzer/resnet50-b16.csv:4', 'perf-analyzer/resnet50-b4.csv:16', '--pool', 'gpu-l4'), [
      "perf-analyzer/resnet50-b4.csv: -: line 2: batch 16 takes 2.97 ms, not more than batch 4 (7.9 ms, perf-analyzer/resnet50-b16.csv line 2); a profile's latencies must increase with the batch size, so the declaration would be rejected: re-measure both with a longer measurement (--measurement-interval, or a lower --stability-percentage), or leave one out",
    ]);
    expectProblems(await profile('perf-analyzer/resnet50-rate-b1.csv', 'model-analyzer/search/metrics-model-gpu.csv', '--pool', 'gpu-l4'), [
      "model-analyzer/search/metrics-model-gpu.csv: -: is Model Analyzer's GPU metrics table (metrics-model-gpu.csv), which has no latencies; pass metrics-model-inference.csv from the same results directory",
      'perf-analyzer/resnet50-rate-b1.csv: ["Request Rate"]: measured at request rates (--request-rate-range), not concurrencies; a profile needs the row at concurrency 1: run perf_analyzer with --concurrency-range 1',
    ]);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      [...PA],
      [...PA, '--pool', 'GPU_L4'],
      [...PA, '--pool', 'gpu-l4-with-a-long-name'],
      [...PA, '--pool', 'gpu-l4', '--from', 'nsight'],
      [...PA, '--pool', 'gpu-l4', '--from', 'perf-analyzer', '--model', 'resnet50'],
      ['--pool', 'gpu-l4'],
    ]) {
      const run = await profile(...args);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(/error: /);
    }
    const bad = await profile(...PA, '--pool', 'GPU_L4');
    expect(bad.stderr).toContain('"GPU_L4" is not a DNS label');
  });
});

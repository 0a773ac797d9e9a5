/**
 * The pure parts of `modelfleet observe`: rounding, peak windows, the PromQL
 * and its chunking, and the declaration editor on the shapes teams write.
 * (test/cli/observe.test.ts runs the whole command against a real Prometheus.)
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { coveringWindow, hotHours, profileLatencyAt, roundPeakUp, type DeclarationChange } from '../../core/observe/copy-findings.ts';
import { editDeclarationFile } from '../../core/observe/edit-declarations.ts';
import { CHUNK_COPIES, chunkCopies, chunkMatchers, hourlyPeakQuery, queryChunks, totalsQuery } from '../../core/observe/observe-fleet.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { observeWindow, parseDuration } from '../../cli/observe-command.ts';

describe('roundPeakUp', () => {
  it('rounds up to two significant digits and never below the figure', () => {
    expect(roundPeakUp(495.9)).toBe(500);
    expect(roundPeakUp(1234)).toBe(1300);
    expect(roundPeakUp(1200)).toBe(1200);
    expect(roundPeakUp(3.31)).toBe(3.4);
    expect(roundPeakUp(6.25)).toBe(6.3);
    expect(roundPeakUp(0.0123)).toBe(0.013);
    expect(roundPeakUp(100)).toBe(100);
    expect(roundPeakUp(0)).toBe(0);
    for (let x = 0.01; x < 1e6; x *= 1.37) {
      const r = roundPeakUp(x);
      expect(r).toBeGreaterThanOrEqual(x);
      expect(r).toBeLessThan(x * 1.1 + 1e-9);
      expect(String(r)).toMatch(/^\d+(\.\d+)?$/);
    }
  });
});

describe('peak hours', () => {
  it('covers the hot hours with the shortest window, padded, wrapping past midnight', () => {
    expect(coveringWindow([14, 15, 16, 17], 1)).toEqual([13, 19]);
    expect(coveringWindow([20, 21, 22, 23], 1)).toEqual([19, 1]);
    expect(coveringWindow([23, 0, 1], 0)).toEqual([23, 2]);
    expect(coveringWindow([2, 3, 14], 0)).toEqual([2, 15]); // the longest cold run is 15..1
    expect(coveringWindow([], 1)).toBeUndefined();
    expect(coveringWindow([...Array(24).keys()], 0)).toBeUndefined();
    expect(coveringWindow([...Array(22).keys()], 1)).toBeUndefined(); // 22 hours + 2 of padding is the whole day
  });

  it('hot hours: the hours of the day whose largest rate is within the threshold of the peak', () => {
    const day = Date.UTC(2026, 10, 28) / 1000;
    const rates = new Float64Array(48).fill(1);
    rates[3] = 100;
    rates[4] = 79;
    rates[24 + 4] = 85; // the next day's 04:00 counts for 04:00
    rates[10] = 80;
    rates[11] = Number.NaN; // no value
    expect(hotHours({ firstHourStart: day, rates }, 80)).toEqual([3, 4, 10]);
    // A window that starts at 22:00: index 0 is 22:00.
    expect(hotHours({ firstHourStart: day + 22 * 3600, rates: Float64Array.from([5, 1, 1, 9]) }, 50)).toEqual([1, 22]);
    expect(hotHours({ firstHourStart: day, rates: new Float64Array(24) }, 80)).toEqual([]);
  });

  it('reads a profile linearly between points, and not above its largest batch', () => {
    const points = [{ batch: 1, latencyMs: 2 }, { batch: 8, latencyMs: 6 }, { batch: 16, latencyMs: 10 }];
    expect(profileLatencyAt(points, 1)).toBe(2);
    expect(profileLatencyAt(points, 4.5)).toBeCloseTo(4);
    expect(profileLatencyAt(points, 12)).toBeCloseTo(8);
    expect(profileLatencyAt(points, 16)).toBe(10);
    expect(profileLatencyAt(points, 17)).toBeUndefined();
  });
});

describe('the window and its flags', () => {
  it('parses durations and floors the end to the hour', () => {
    expect(parseDuration('7d', '--since')).toBe(604_800);
    expect(parseDuration('1d12h', '--since')).toBe(129_600);
    expect(() => parseDuration('7 days', '--since')).toThrow('--since "7 days" is not a duration; write e.g. 7d, 48h or 90m');
    expect(observeWindow({ since: '90m', until: '2026-11-30T10:59:59Z' })).toEqual({ end: Date.UTC(2026, 10, 30, 10) / 1000, seconds: 7200, stepSeconds: 60 });
    expect(() => observeWindow({ step: '10m' })).toThrow('--step 10m is longer than the 5-minute rate window');
    expect(() => observeWindow({ since: '30m' })).toThrow('--since 30m is shorter than an hour');
    expect(() => observeWindow({ until: 'yesterday' })).toThrow('--until "yesterday" is not a time');
    expect(() => observeWindow({ since: '401d' })).toThrow('--since 401d is longer than 400 days');
  });
});

describe('the PromQL', () => {
  const shard = (name: string, namespace: string, names: readonly string[]) => ({ name, namespace, copies: names.map((tritonName) => ({ tritonName })) }) as unknown as Shard;

  it('selects a namespace and exact Triton names (dots escaped), with the extra selector', () => {
    expect(chunkMatchers('shop', ['ranker.acme', 'embedder'], 'cluster="eu"')).toBe('namespace="shop",model=~"ranker\\\\.acme|embedder",cluster="eu"');
    expect(chunkMatchers('shop', ['embedder'])).toBe('namespace="shop",model="embedder"');
  });

  it('sums over pods and versions by model, with 5-minute rates inside each hour', () => {
    expect(hourlyPeakQuery('namespace="shop",model="embedder"', 60)).toBe(
      'max_over_time(sum by (model) (rate(nv_inference_request_success{namespace="shop",model="embedder"}[300s]))[3300s:60s])',
    );
    const totals = totalsQuery('namespace="shop",model="embedder"', { end: 0, seconds: 172_800, stepSeconds: 60 });
    expect(totals.split(' or ').map((p) => /"stat", "(\w+)"/.exec(p)![1])).toEqual(['requests', 'inferences', 'executions', 'computeUs', 'queueUs', 'peakQps', 'peakQueueUs']);
    expect(totals).toContain('label_replace(sum by (model) (increase(nv_inference_exec_count{namespace="shop",model="embedder"}[172800s])), "stat", "executions", "", "")');
  });

  it('chunks by namespace, then by at most CHUNK_COPIES names, so 100,000 copies are a few hundred queries', () => {
    const shards: Shard[] = [];
    for (let t = 0; t < 50; t++) {
      for (let s = 0; s < 100; s++) shards.push(shard(`team${t}-s${s}`, `team${t}`, Array.from({ length: 20 }, (_, i) => `m${s}.tenant${i}`)));
    }
    const chunks = queryChunks(shards);
    expect(chunks.reduce((n, c) => n + c.names.length, 0)).toBe(100_000);
    expect(chunks.every((c) => c.names.length <= CHUNK_COPIES)).toBe(true);
    expect(chunks.length).toBe(50 * Math.ceil(2000 / CHUNK_COPIES));
  });

  it('takes fewer copies per query when a long window at a fine step would hold too many points', () => {
    expect(chunkCopies({ seconds: 7 * 86_400, stepSeconds: 60 })).toBe(CHUNK_COPIES);
    expect(chunkCopies({ seconds: 90 * 86_400, stepSeconds: 60 })).toBe(154);
    expect(chunkCopies({ seconds: 400 * 86_400, stepSeconds: 1 })).toBe(1);
  });
});

describe('editDeclarationFile', () => {
  const peak = (to: number, tenant?: string, tenantOverrides?: Record<string, string>): DeclarationChange => ({
    kind: 'peakQps',
    file: 'm.ts',
    model: 'm',
    ...(tenant !== undefined ? { tenant } : {}),
    from: null,
    to,
    ...(tenantOverrides ? { tenantOverrides } : {}),
  });
  const edit = (text: string, changes: readonly DeclarationChange[]) => editDeclarationFile(ts, 'm.ts', text, changes);

  it('adds a missing peakQps after the last property, in the object\'s indentation, keeping a trailing comment', () => {
    const text = "export default defineModel({\n  name: 'm',\n  cpu: '1', // one core\n});\n";
    expect(edit(text, [peak(40)]).text).toBe("export default defineModel({\n  name: 'm',\n  cpu: '1', // one core\n  peakQps: 40,\n});\n");
    const noTrailing = "export default defineModel({\n    name: 'm',\n    cpu: '1'\n});\n";
    expect(edit(noTrailing, [peak(40)]).text).toBe("export default defineModel({\n    name: 'm',\n    cpu: '1',\n    peakQps: 40\n});\n");
    expect(edit("export default defineModel({ name: 'm' });", [peak(40)]).text).toBe("export default defineModel({ name: 'm', peakQps: 40 });");
  });

  it('finds the model by name among several in one file', () => {
    const text = `export default [\n  defineModel({ name: 'a', peakQps: 1 }),\n  defineModel({ name: 'm', peakQps: 2 }),\n];\n`;
    expect(edit(text, [peak(30)]).text).toBe(`export default [\n  defineModel({ name: 'a', peakQps: 1 }),\n  defineModel({ name: 'm', peakQps: 30 }),\n];\n`);
    expect(edit(text.replace("'m'", "'x'"), [peak(30)]).skipped[0]!.reason).toBe("cannot find the defineModel({ name: 'm', … }) call in the file");
  });

  it('tenants as a name list behind a variable: spread into an object that gives the tenant its peak', () => {
    const text = `const names = ['a', 'b'];\nexport default defineModel({ name: 'm', tenants: names });\n`;
    expect(edit(text, [peak(12, 'b')]).text).toBe(`const names = ['a', 'b'];\nexport default defineModel({ name: 'm', tenants: { ...Object.fromEntries(names.map((t) => [t, {}])), b: { peakQps: 12 } } });\n`);
  });

  it('tenants as a multi-line array: one entry per line, quoting names that need it, in the file\'s quotes', () => {
    const text = `export default defineModel({\n  name: "m",\n  tenants: [\n    "acme-bank",\n    "globex",\n  ],\n});\n`;
    expect(edit(text, [peak(12, 'acme-bank', { memory: '2Gi' })]).text).toBe(
      `export default defineModel({\n  name: "m",\n  tenants: {\n    "acme-bank": { memory: "2Gi", peakQps: 12 },\n    globex: {},\n  },\n});\n`,
    );
  });

  it('a tenant whose entry is a shared object keeps it and adds the peak', () => {
    const text = `const big = { memory: '4Gi' };\nexport default defineModel({ name: 'm', tenants: { acme: big } });\n`;
    expect(edit(text, [peak(9, 'acme')]).text).toBe(`const big = { memory: '4Gi' };\nexport default defineModel({ name: 'm', tenants: { acme: { ...big, peakQps: 9 } } });\n`);
  });

  it('leaves what it cannot edit safely to a person, with the reason', () => {
    const text = `const p = { 'gpu-l4': { 1: 2 } };\nexport default defineModel({ name: 'm', profile: p, traffic: hours() });\n`;
    const result = edit(text, [
      { kind: 'profile', file: 'm.ts', model: 'm', pool: 'gpu-l4', from: [], to: [{ batch: 1, latencyMs: 3 }], ratio: 1.5 },
      { kind: 'peakHours', file: 'm.ts', model: 'm', from: [1, 2], to: [3, 4] },
    ]);
    expect(result.text).toBe(text);
    expect(result.skipped.map((s) => s.reason)).toEqual(['profile is not an object literal in the file; change it by hand', 'traffic is not an object literal in the file; change it by hand']);
  });
});

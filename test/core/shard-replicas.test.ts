import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { checkPeakReplicas, shardReplicas } from '../../core/plan/shard-replicas.ts';
import type { ModelCopy, Shard } from '../../core/plan/shard-plan.ts';
import { unionOfWindows } from '../../core/spec/traffic-profile.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';

const stack = resolvePlatformStack('default', {});
const gpu = stack.pools.find((p) => p.name === 'gpu-l4')!;
const cpu = stack.pools.find((p) => p.name === 'cpu-std')!;

function copy(id: string, peakQps?: number, peakHoursUtc?: [number, number]): ModelCopy {
  return {
    id: `fraud/${id}`,
    tritonName: id,
    model: id.split('@')[0]!,
    ...(id.includes('@') ? { tenant: id.split('@')[1]! } : {}),
    team: 'fraud',
    tier: 'realtime',
    framework: 'onnx',
    gpu: true,
    resources: { memory: 1, gpuMemory: 1, cpu: 1 },
    ...(peakQps !== undefined ? { peakQps } : {}),
    ...(peakHoursUtc ? { traffic: { peakHoursUtc } } : {}),
    artifact: 's3://b/m',
    triton: { optimization: {} },
    dedicated: false,
    file: `models/fraud/${id.split('@')[0]}.ts`,
    pathPrefix: [],
  } as unknown as ModelCopy;
}

/** The bounds part of `shardReplicas` (the serving part is tested in test/core/serving-model.test.ts). */
const bounds = ({ serving: _serving, ...rest }: ReturnType<typeof shardReplicas>) => rest;

describe('shardReplicas', () => {
  const realtime = stack.tiers.realtime; // min 2, max 8, 1500 requests/s per GPU replica, 400 per CPU replica
  it.each([
    ['no peaks declared: the tier minimum', [copy('a'), copy('b')], gpu, { minReplicas: 2, maxReplicas: 8 }],
    ['a small peak stays at the minimum', [copy('a', 100)], gpu, { minReplicas: 2, maxReplicas: 8 }],
    ['3000 + 1800 requests/s on GPU: ceil(4800 / 1500) = 4', [copy('a', 3000), copy('b', 1800)], gpu, { minReplicas: 4, maxReplicas: 8 }],
    ['the same on CPU: ceil(4800 / 400) = 12, capped at 8', [copy('a', 3000), copy('b', 1800)], cpu, { minReplicas: 8, maxReplicas: 8 }],
    [
      'a profiled copy raises the floor only during its peak hours',
      [copy('a', 3000, [13, 23]), copy('b', 1800)],
      gpu,
      { minReplicas: 2, maxReplicas: 8, peak: { replicas: 4, windowsUtc: [{ startHourUtc: 13, endHourUtc: 23 }] } },
    ],
    [
      'windows of several copies are merged',
      [copy('a', 3000, [8, 12]), copy('b', 1800, [10, 14]), copy('c', 900, [22, 2])],
      gpu,
      { minReplicas: 2, maxReplicas: 8, peak: { replicas: 4, windowsUtc: [{ startHourUtc: 8, endHourUtc: 14 }, { startHourUtc: 22, endHourUtc: 2 }] } },
    ],
    ['profiles covering the whole day make a plain floor', [copy('a', 3000, [0, 12]), copy('b', 1800, [12, 0])], gpu, { minReplicas: 4, maxReplicas: 8 }],
  ])('%s', (_name, copies, pool, expected) => {
    expect(bounds(shardReplicas(copies, realtime, pool, { scheduled: true }))).toEqual(expected);
  });

  it('ignores traffic profiles when the autoscaler cannot schedule (HPA): the peak floor holds all day', () => {
    expect(bounds(shardReplicas([copy('a', 3000, [13, 23]), copy('b', 1800)], realtime, gpu, { scheduled: false }))).toEqual({ minReplicas: 4, maxReplicas: 8 });
  });

  it('scales the declared peaks by the stack peakTrafficPercent', () => {
    expect(bounds(shardReplicas([copy('a', 3000), copy('b', 1800)], realtime, gpu, { scheduled: true, peakTrafficPercent: 50 }))).toEqual({ minReplicas: 2, maxReplicas: 8 });
  });

  const peaks = fc.array(fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }), { maxLength: 12 });
  test.prop([peaks, fc.constantFrom(...(['realtime', 'interactive', 'batch'] as const)), fc.boolean()])(
    'never goes below the tier minimum nor above its maximum',
    (qps, tierName, onGpu) => {
      const tier = stack.tiers[tierName];
      const r = shardReplicas(qps.map((q, i) => copy(`m${i}`, q)), tier, onGpu ? gpu : cpu, { scheduled: true });
      expect(r.minReplicas).toBeGreaterThanOrEqual(tier.minReplicas);
      expect(r.minReplicas).toBeLessThanOrEqual(tier.maxReplicas);
      expect(r.maxReplicas).toBe(tier.maxReplicas);
    },
  );

  test.prop([peaks, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 5000 })])('is monotone in QPS: more peak never means fewer replicas', (qps, at, extra) => {
    const copies = qps.map((q, i) => copy(`m${i}`, q));
    const before = shardReplicas(copies, realtime, gpu, { scheduled: true });
    const grown = copies.map((c, i) => (i === at % Math.max(1, copies.length) ? { ...c, peakQps: (c.peakQps ?? 0) + extra } : c));
    const after = shardReplicas(grown.length ? grown : [copy('x', extra)], realtime, gpu, { scheduled: true });
    expect(after.minReplicas).toBeGreaterThanOrEqual(before.minReplicas);
  });
});

describe('checkPeakReplicas', () => {
  function shard(copies: ModelCopy[]): Shard {
    return { name: 'fraud-realtime-gpu-l4-1', namespace: 'fraud', team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies, ...shardReplicas(copies, stack.tiers.realtime, gpu, { scheduled: true }) } as unknown as Shard;
  }

  it('names the busiest copy file and its peakQps field, with the numbers and the fix', () => {
    const copies = [copy('txn-scorer@acme', 9000), copy('txn-scorer@globex', 2500), copy('ato-detector', 1500)];
    const models = [{ file: 'models/fraud/txn-scorer.ts', name: 'txn-scorer', peakQps: 400 }, { file: 'models/fraud/ato-detector.ts', name: 'ato-detector', peakQps: 1500 }] as never;
    expect(formatIssues(checkPeakReplicas([shard(copies)], models, stack))).toMatchInlineSnapshot(`"models/fraud/txn-scorer.ts: tenants.acme.peakQps: shard fraud-realtime-gpu-l4-1 needs 9 replicas at peak (13000 requests/s summed over its copies: txn-scorer@acme 9000, txn-scorer@globex 2500, ato-detector 1500; each replica at most 60% busy), above the realtime tier's maxReplicas 8; lower peakQps, give the model its own shards (dedicated: true), or raise modelfleet:tiers.realtime.maxReplicas in the stack"`);
  });

  it('reports nothing when the peak fits', () => {
    expect(checkPeakReplicas([shard([copy('a', 3000)])], [], stack)).toEqual([]);
  });
});

describe('unionOfWindows', () => {
  it('merges overlapping and adjacent windows, keeps a wrap past midnight whole', () => {
    expect(unionOfWindows([{ startHourUtc: 20, endHourUtc: 2 }, { startHourUtc: 1, endHourUtc: 4 }, { startHourUtc: 9, endHourUtc: 10 }, { startHourUtc: 10, endHourUtc: 11 }])).toEqual([
      { startHourUtc: 9, endHourUtc: 11 },
      { startHourUtc: 20, endHourUtc: 4 },
    ]);
    expect(unionOfWindows([{ startHourUtc: 0, endHourUtc: 12 }, { startHourUtc: 12, endHourUtc: 0 }])).toBe('all-day');
    expect(unionOfWindows([])).toEqual([]);
  });
});

/**
 * Declarations are typed: mistakes show in the editor. `npm test` runs `tsc`
 * before vitest, so an `@ts-expect-error` that stops erroring fails the run.
 */
import { describe, expect, it } from 'vitest';
import { defineModel, defineTeam } from 'modelfleet';
import { validateModel } from '../../core/spec/model-spec.ts';

describe('declaration types', () => {
  it('accepts the documented forms', () => {
    const list = defineModel({
      name: 'txn-scorer',
      framework: 'onnx',
      tier: 'realtime',
      artifact: 's3://ml-models/fraud/txn-scorer/{tenant}',
      memory: '1500Mi',
      gpuMemory: '2Gi',
      cpu: '250m',
      peakQps: 300,
      tenants: ['acme', 'globex'],
    });
    const record = defineModel({
      name: 'ranker',
      framework: 'tensorrt',
      p99LatencyMs: 50,
      artifact: 's3://ml-models/search/ranker/{tenant}',
      memory: 2 * 1024 ** 3,
      gpuMemory: '1.5Gi',
      tenants: { acme: { memory: '3Gi' }, globex: {} },
    });
    const team = defineTeam({ name: 'fraud', quota: { gpu: 8, cpu: '64', memory: '512Gi' } });
    expect(validateModel(list, 'models/fraud/txn-scorer.ts', 'fraud').issues).toEqual([]);
    expect(validateModel(record, 'models/search/ranker.ts', 'search').issues).toEqual([]);
    expect(team.quota.gpu).toBe(8);
  });

  it('rejects mistakes at compile time, and the run-time check agrees', () => {
    const bad = [
      // @ts-expect-error — a quantity must look like "3Gi"
      defineModel({ name: 'a', framework: 'onnx', tier: 'batch', artifact: '/m', memory: '3 gigs' }),
      // @ts-expect-error — unknown tier
      defineModel({ name: 'b', framework: 'onnx', tier: 'ultra', artifact: '/m', memory: '1Gi' }),
      // @ts-expect-error — unknown framework
      defineModel({ name: 'c', framework: 'jax', tier: 'batch', artifact: '/m', memory: '1Gi' }),
      // @ts-expect-error — tier and p99LatencyMs are exclusive
      defineModel({ name: 'd', framework: 'onnx', tier: 'batch', p99LatencyMs: 100, artifact: '/m', memory: '1Gi' }),
      // @ts-expect-error — memory is required
      defineModel({ name: 'e', framework: 'onnx', tier: 'batch', artifact: '/m' }),
      // @ts-expect-error — unknown field (typo)
      defineModel({ name: 'f', framework: 'onnx', tier: 'batch', artifact: '/m', memory: '1Gi', gpuMemroy: '1Gi' }),
      // @ts-expect-error — tenant override with a bad quantity
      defineModel({ name: 'g', framework: 'onnx', tier: 'batch', artifact: '/m/{tenant}', memory: '1Gi', tenants: { acme: { memory: 'lots' } } }),
    ];
    for (const decl of bad) expect(validateModel(decl, 'models/x/y.ts', 'x').issues.length).toBeGreaterThan(0);
    // @ts-expect-error — GPU quota is a number of GPUs
    expect(defineTeam({ name: 'x', quota: { gpu: '8', cpu: '1', memory: '1Gi' } }).name).toBe('x');
  });
});

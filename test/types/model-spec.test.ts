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
    const torch = defineModel({
      name: 'ato-detector',
      framework: 'pytorch',
      tier: 'realtime',
      artifact: 's3://ml-models/fraud/ato-detector/v12',
      memory: '1500Mi',
      gpuMemory: '2Gi',
      maxBatchSize: 8,
      inputs: [{ name: 'INPUT__0', dataType: 'FP32', dims: [-1, 24] }],
      outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [1] }],
      versions: [12],
    });
    const onnx = defineModel({
      name: 'scorer',
      framework: 'onnx',
      tier: 'batch',
      artifact: 's3://ml-models/scorer',
      memory: '1Gi',
      gpuMemory: '1Gi',
      optimization: { tensorrt: { precision: 'FP16' } },
    });
    expect(validateModel(torch, 'models/fraud/ato-detector.ts', 'fraud').issues).toEqual([]);
    expect(validateModel(onnx, 'models/fraud/scorer.ts', 'fraud').issues).toEqual([]);
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
      // @ts-expect-error — data types have no TYPE_ prefix
      defineModel({ name: 'h', framework: 'python', tier: 'batch', artifact: '/m', memory: '1Gi', inputs: [{ name: 'x', dataType: 'TYPE_FP32', dims: [1] }] }),
      // @ts-expect-error — maxBatchSize is a number
      defineModel({ name: 'i', framework: 'onnx', tier: 'batch', artifact: '/m', memory: '1Gi', maxBatchSize: '8' }),
      // @ts-expect-error — a tensor needs dims
      defineModel({ name: 'j', framework: 'python', tier: 'batch', artifact: '/m', memory: '1Gi', outputs: [{ name: 'y', dataType: 'FP32' }] }),
      // @ts-expect-error — unknown optimization hint (typo)
      defineModel({ name: 'k', framework: 'tensorrt', tier: 'batch', artifact: '/m', memory: '1Gi', optimization: { cudaGraph: true } }),
      // @ts-expect-error — TensorRT precision is FP32 or FP16
      defineModel({ name: 'l', framework: 'onnx', tier: 'batch', artifact: '/m', memory: '1Gi', optimization: { tensorrt: { precision: 'INT8' } } }),
      // @ts-expect-error — versions are numbers
      defineModel({ name: 'n', framework: 'onnx', tier: 'batch', artifact: '/m', memory: '1Gi', versions: ['latest'] }),
    ];
    for (const decl of bad) expect(validateModel(decl, 'models/x/y.ts', 'x').issues.length).toBeGreaterThan(0);
    // @ts-expect-error — GPU quota is a number of GPUs
    expect(defineTeam({ name: 'x', quota: { gpu: '8', cpu: '1', memory: '1Gi' } }).name).toBe('x');
  });
});

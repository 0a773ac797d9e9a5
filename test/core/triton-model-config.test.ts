/**
 * Tier table → Triton model configuration, and strict validation of the
 * configuration of every copy of the example fleet.
 */
import { describe, expect, it } from 'vitest';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import type { ModelCopy } from '../../core/plan/shard-plan.ts';
import type { SlaTier } from '../../core/spec/model-spec.ts';
import { tritonModelConfig, type ModelConfig } from '../../core/triton/model-config.ts';
import { modelConfigType } from '../../core/triton/model-config-schema.ts';
import { parsePbtxt } from '../../core/triton/pbtxt.ts';
import { shardModelConfigs } from '../../core/triton/shard-model-configs.ts';
import { shardStartupSeconds } from '../../core/triton/startup-budget.ts';
import { modelConfigProblems, renderModelConfig } from '../../core/triton/validate-model-config.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { TIER_TABLE } from '../../policies/tier-table.ts';
import { cpuShard, gpuShard } from '../constructs/small-fleet.ts';

const stack = resolvePlatformStack();
const Gi = 2 ** 30;

function copy(overrides: Partial<ModelCopy> = {}): ModelCopy {
  return {
    id: 'fraud/txn-scorer@acme',
    tritonName: 'txn-scorer.acme',
    model: 'txn-scorer',
    tenant: 'acme',
    team: 'fraud',
    tier: 'realtime',
    framework: 'onnx',
    gpu: true,
    resources: { memory: Gi, gpuMemory: Gi, cpu: 250 },
    artifact: 's3://b/txn-scorer/acme',
    dedicated: false,
    file: 'models/fraud/txn-scorer.ts',
    pathPrefix: [],
    triton: { optimization: {} },
    ...overrides,
  };
}

const compile = (c: ModelCopy, poolKind: 'gpu' | 'cpu' = 'gpu') => tritonModelConfig(c, { tier: stack.tiers[c.tier].triton, poolKind });

describe('tier → Triton model configuration', () => {
  it.each<[SlaTier, boolean, 'gpu' | 'cpu', Partial<ModelConfig>]>([
    [
      'realtime',
      true,
      'gpu',
      {
        max_batch_size: 8,
        dynamic_batching: {
          preferred_batch_size: [4, 8],
          max_queue_delay_microseconds: 500,
          priority_levels: 2,
          default_priority_level: 1,
          default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 10_000, allow_timeout_override: true, max_queue_size: 64 },
        },
        instance_group: [{ kind: 'KIND_GPU', count: 1 }],
      },
    ],
    [
      'interactive',
      true,
      'gpu',
      {
        max_batch_size: 32,
        dynamic_batching: {
          preferred_batch_size: [8, 16, 32],
          max_queue_delay_microseconds: 5_000,
          priority_levels: 2,
          default_priority_level: 1,
          default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 100_000, allow_timeout_override: true, max_queue_size: 256 },
        },
        instance_group: [{ kind: 'KIND_GPU', count: 1 }],
      },
    ],
    [
      'batch',
      false,
      'cpu',
      {
        max_batch_size: 128,
        dynamic_batching: {
          preferred_batch_size: [32, 64, 128],
          max_queue_delay_microseconds: 50_000,
          priority_levels: 2,
          default_priority_level: 2,
          default_queue_policy: { timeout_action: 'DELAY', default_timeout_microseconds: 1_000_000, allow_timeout_override: true, max_queue_size: 4096 },
        },
        instance_group: [{ kind: 'KIND_CPU', count: 1 }],
      },
    ],
    // A CPU model on a GPU pool (cpuModelsOnGpuPools) never takes the GPU.
    ['batch', false, 'gpu', { instance_group: [{ kind: 'KIND_CPU', count: 1 }] }],
  ])('%s, gpu model %s, on a %s pool', (tier, gpu, poolKind, expected) => {
    expect(compile(copy({ tier, gpu }), poolKind)).toMatchObject(expected);
  });

  it('follows the tier table values, whatever they are (stack overrides)', () => {
    const custom = resolvePlatformStack('t', {
      tiers: { realtime: { triton: { maxBatchSize: 4, preferredBatchSizes: [2, 4], instancesPerGpu: 2, queuePolicy: { maxQueueSize: 16 } } } },
    });
    const config = tritonModelConfig(copy(), { tier: custom.tiers.realtime.triton, poolKind: 'gpu' });
    expect(config.max_batch_size).toBe(4);
    expect(config.dynamic_batching).toMatchObject({ preferred_batch_size: [2, 4], default_queue_policy: { max_queue_size: 16, timeout_action: 'REJECT' } });
    expect(config.instance_group).toEqual([{ kind: 'KIND_GPU', count: 2 }]);
    // Field-by-field merge: the rest of the tier stays as in the table.
    expect(custom.tiers.realtime.triton.maxQueueDelayMicroseconds).toBe(TIER_TABLE.realtime.triton.maxQueueDelayMicroseconds);
  });

  it('names the copy and picks platform or backend per framework; serves the latest version', () => {
    const names = (['onnx', 'tensorrt', 'pytorch', 'tensorflow', 'python'] as const).map((framework) => {
      const { name, backend, platform, version_policy } = compile(copy({ framework }));
      return { name, backend, platform, version_policy };
    });
    expect(names).toEqual([
      { name: 'txn-scorer.acme', backend: 'onnxruntime', platform: undefined, version_policy: { latest: { num_versions: 1 } } },
      { name: 'txn-scorer.acme', backend: 'tensorrt', platform: undefined, version_policy: { latest: { num_versions: 1 } } },
      { name: 'txn-scorer.acme', backend: 'pytorch', platform: undefined, version_policy: { latest: { num_versions: 1 } } },
      { name: 'txn-scorer.acme', backend: undefined, platform: 'tensorflow_savedmodel', version_policy: { latest: { num_versions: 1 } } },
      { name: 'txn-scorer.acme', backend: 'python', platform: undefined, version_policy: { latest: { num_versions: 1 } } },
    ]);
  });

  it('takes a declared maxBatchSize, keeps only preferred sizes up to it, and drops batching at 0', () => {
    expect(compile(copy({ tier: 'batch', triton: { maxBatchSize: 48, optimization: {} } })).dynamic_batching?.preferred_batch_size).toEqual([32]);
    expect(compile(copy({ tier: 'batch', triton: { maxBatchSize: 16, optimization: {} } })).dynamic_batching).not.toHaveProperty('preferred_batch_size');
    const unbatched = compile(copy({ triton: { maxBatchSize: 0, optimization: {} } }));
    expect(unbatched.max_batch_size).toBe(0);
    expect(unbatched).not.toHaveProperty('dynamic_batching');
  });

  it('emits declared tensors with TYPE_ names, versions and optimization hints', () => {
    const config = compile(
      copy({
        framework: 'onnx',
        triton: {
          inputs: [{ name: 'ids', dataType: 'INT64', dims: [-1] }],
          outputs: [{ name: 'score', dataType: 'FP32', dims: [1] }],
          optimization: { tensorrt: { precision: 'FP16' } },
          versions: [3, 7],
        },
      }),
    );
    expect(config.input).toEqual([{ name: 'ids', data_type: 'TYPE_INT64', dims: [-1] }]);
    expect(config.output).toEqual([{ name: 'score', data_type: 'TYPE_FP32', dims: [1] }]);
    expect(config.version_policy).toEqual({ specific: { versions: [3, 7] } });
    expect(config.optimization).toEqual({ execution_accelerators: { gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }] } });
    expect(compile(copy({ framework: 'tensorrt', triton: { optimization: { cudaGraphs: true } } })).optimization).toEqual({ cuda: { graphs: true } });
    expect(compile(copy({ gpu: false, triton: { optimization: { openvino: true } } }), 'cpu').optimization).toEqual({
      execution_accelerators: { cpu_execution_accelerator: [{ name: 'openvino' }] },
    });
    expect(compile(copy())).not.toHaveProperty('optimization');
    expect(modelConfigProblems(config)).toEqual([]);
  });

  it('renders config.pbtxt text that parses back to the same configuration', () => {
    const config = compile(copy({ framework: 'pytorch', triton: { inputs: [{ name: 'INPUT__0', dataType: 'FP32', dims: [-1, 24] }], outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [1] }], optimization: {} } }));
    const text = renderModelConfig(config);
    expect(text).toMatchInlineSnapshot(`
      "name: "txn-scorer.acme"
      backend: "pytorch"
      version_policy {
        latest {
          num_versions: 1
        }
      }
      max_batch_size: 8
      input [
        {
          name: "INPUT__0"
          data_type: TYPE_FP32
          dims: [ -1, 24 ]
        }
      ]
      output [
        {
          name: "OUTPUT__0"
          data_type: TYPE_FP32
          dims: [ 1 ]
        }
      ]
      dynamic_batching {
        preferred_batch_size: [ 4, 8 ]
        max_queue_delay_microseconds: 500
        priority_levels: 2
        default_priority_level: 1
        default_queue_policy {
          timeout_action: REJECT
          default_timeout_microseconds: 10000
          allow_timeout_override: true
          max_queue_size: 64
        }
      }
      instance_group [
        {
          kind: KIND_GPU
          count: 1
        }
      ]
      "
    `);
    expect(parsePbtxt(text, modelConfigType())).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('renders without name for the model repository, where Triton takes the directory name', () => {
    const config = compile(copy());
    const text = renderModelConfig(config, { omitName: true });
    expect(renderModelConfig(config)).toBe(`name: "txn-scorer.acme"\n${text}`);
    expect(text).toMatch(/^backend: "onnxruntime"\n/);
    const { name: _, ...unnamed } = config;
    expect(parsePbtxt(text, modelConfigType())).toEqual(JSON.parse(JSON.stringify(unnamed)));
    // Another tenant's copy with the same settings renders the same text.
    expect(renderModelConfig(compile(copy({ tenant: 'globex', tritonName: 'txn-scorer.globex' })), { omitName: true })).toBe(text);
    // Validation still runs on what is written.
    expect(() => renderModelConfig({ ...config, max_batch_size: -1.5 }, { omitName: true })).toThrow(/^invalid Triton model configuration for txn-scorer\.acme:\n  ModelConfig\.max_batch_size: -1\.5 is not a int32/);
  });
});

describe('startup budget', () => {
  it('grows with what the shard loads and never drops below the minimum', () => {
    expect(shardStartupSeconds(cpuShard)).toBe(120);
    // The slowest copy (embedder: TensorRT, 6Gi) bounds it: (30 s + 2 s + 6Gi at 200Mi/s) × 2 = 125.4 s → 130.
    expect(shardStartupSeconds(gpuShard)).toBe(130);
    const many = { ...gpuShard, copies: Array.from({ length: 64 }, (_, i) => ({ ...gpuShard.copies[0]!, tritonName: `m${i}` })) };
    expect(shardStartupSeconds(many)).toBeGreaterThan(shardStartupSeconds(gpuShard));
    expect(shardStartupSeconds(many) % 10).toBe(0);
  });
});

describe('the example fleet', () => {
  it('gives every copy a Triton configuration that validates strictly against model_config.proto', async () => {
    const { plan } = await planFleet({ modelsDir: 'models', stack });
    const kinds = new Map<string, number>();
    let copies = 0;
    for (const shard of plan.shards) {
      const configs = shardModelConfigs(shard, stack);
      expect(configs.map((c) => c.name)).toEqual(shard.copies.map((c) => c.tritonName).sort());
      for (const config of configs) {
        expect(modelConfigProblems(config), config.name).toEqual([]);
        const key = `${shard.tier} ${config.instance_group[0]!.kind} max_batch_size=${config.max_batch_size}`;
        kinds.set(key, (kinds.get(key) ?? 0) + 1);
        copies++;
      }
    }
    expect(copies).toBe(plan.shards.reduce((n, s) => n + s.copies.length, 0));
    // Every tier shows up, each with its own batch size.
    expect([...kinds.keys()].sort()).toMatchSnapshot();
  }, 120_000);
});

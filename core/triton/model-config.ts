/**
 * One model copy's Triton model configuration (`inference.ModelConfig` in
 * protobuf JSON mapping with the proto's field names), compiled from the
 * declaration and its tier. Pure: `pbtxt.ts` writes it as `config.pbtxt`,
 * `validate-model-config.ts` checks it against Triton's schema.
 */
import type { ModelCopy } from '../plan/shard-plan.ts';
import type { Framework } from '../spec/model-spec.ts';
import type { TensorSpec } from '../spec/triton-fields.ts';
import type { TritonTierPolicy } from '../stack/stack-config.ts';
import type { PlannedBatching } from '../serving/planned-batching.ts';

/** `inference.ModelInput` / `ModelOutput`, the fields modelfleet sets. */
export interface ModelTensorConfig {
  readonly name: string;
  /** `TYPE_FP32`, … */
  readonly data_type: string;
  readonly dims: readonly number[];
}

/** `inference.ModelQueuePolicy`. */
export interface ModelQueuePolicyConfig {
  readonly timeout_action: 'REJECT' | 'DELAY';
  readonly default_timeout_microseconds: number;
  readonly allow_timeout_override: boolean;
  readonly max_queue_size: number;
}

/** `inference.ModelDynamicBatching`, the fields modelfleet sets. */
export interface ModelDynamicBatchingConfig {
  readonly preferred_batch_size?: readonly number[];
  readonly max_queue_delay_microseconds: number;
  readonly priority_levels?: number;
  readonly default_priority_level?: number;
  readonly default_queue_policy: ModelQueuePolicyConfig;
}

/** An execution accelerator of `optimization.execution_accelerators`. */
export interface AcceleratorConfig {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

/** `inference.ModelOptimizationPolicy`, the fields modelfleet sets. */
export interface ModelOptimizationConfig {
  readonly cuda?: { readonly graphs: boolean };
  readonly execution_accelerators?: {
    readonly gpu_execution_accelerator?: readonly AcceleratorConfig[];
    readonly cpu_execution_accelerator?: readonly AcceleratorConfig[];
  };
}

/** `inference.ModelConfig`, the fields modelfleet sets. */
export interface ModelConfig {
  /** The copy's Triton name (its model-repository directory). */
  readonly name: string;
  readonly platform?: string;
  readonly backend?: string;
  readonly version_policy: { readonly latest: { readonly num_versions: number } } | { readonly specific: { readonly versions: readonly number[] } };
  readonly max_batch_size: number;
  readonly input?: readonly ModelTensorConfig[];
  readonly output?: readonly ModelTensorConfig[];
  readonly optimization?: ModelOptimizationConfig;
  readonly dynamic_batching?: ModelDynamicBatchingConfig;
  readonly instance_group: readonly { readonly kind: 'KIND_GPU' | 'KIND_CPU'; readonly count: number }[];
}

/**
 * How Triton finds each framework's backend. TensorFlow names the SavedModel
 * platform (the backend alone cannot tell a SavedModel from a GraphDef); the
 * others name their backend.
 */
export const FRAMEWORK_BACKENDS: Readonly<Record<Framework, { readonly platform: string } | { readonly backend: string }>> = {
  onnx: { backend: 'onnxruntime' },
  tensorrt: { backend: 'tensorrt' },
  pytorch: { backend: 'pytorch' },
  tensorflow: { platform: 'tensorflow_savedmodel' },
  python: { backend: 'python' },
};

/** Options for `tritonModelConfig`. */
export interface TritonModelConfigOptions {
  /** The Triton settings of the copy's tier (`stack.tiers[copy.tier].triton`). */
  readonly tier: TritonTierPolicy;
  /** Kind of the pool the copy's shard runs on: a GPU model on a GPU pool gets `KIND_GPU`, anything else `KIND_CPU`. */
  readonly poolKind: 'gpu' | 'cpu';
  /**
   * Batching planned from the copy's latency profile (`plannedBatching()`):
   * its `max_batch_size`, preferred size and queue delay replace the tier's.
   *
   * @default - the tier's batching
   */
  readonly planned?: PlannedBatching;
}

const tensor = (t: TensorSpec): ModelTensorConfig => ({ name: t.name, data_type: `TYPE_${t.dataType}`, dims: [...t.dims] });

/**
 * The Triton model configuration of one copy.
 *
 * - `max_batch_size`: the declared `maxBatchSize`, else the tier's;
 * - `dynamic_batching` (only when batching, `max_batch_size > 0`): the tier's
 *   queue delay, its preferred sizes up to `max_batch_size`, priority levels
 *   and default queue policy;
 * - `instance_group`: `KIND_GPU` × the tier's `instancesPerGpu` (on every GPU
 *   of the replica) for a GPU model on a GPU pool, else `KIND_CPU` × `instancesPerCpu`;
 * - `input`/`output` when declared (Triton completes them otherwise);
 * - `optimization` only from declared hints;
 * - `version_policy`: `specific` with the loaded versions (the declared list,
 *   or `stable` and the canary's version, sorted), else `latest` 1. Triton
 *   only loads them; the split between stable and canary
 *   (`copy.triton.versionRouting`) is the mesh's job.
 *
 * Plan-time checks (`checkTritonDeclarations`) have already rejected a declared
 * `maxBatchSize` above the tier's.
 *
 * @example
 * tritonModelConfig(copy, { tier: stack.tiers.realtime.triton, poolKind: 'gpu' }).max_batch_size; // 8
 */
export function tritonModelConfig(copy: ModelCopy, options: TritonModelConfigOptions): ModelConfig {
  const { tier } = options;
  const t = copy.triton;
  const { planned } = options;
  const maxBatchSize = planned?.maxBatchSize ?? t.maxBatchSize ?? tier.maxBatchSize;
  const onGpu = copy.gpu && options.poolKind === 'gpu';
  const preferred = planned ? [...planned.preferredBatchSizes] : tier.preferredBatchSizes.filter((size) => size <= maxBatchSize);
  const dynamicBatching: ModelDynamicBatchingConfig | undefined =
    maxBatchSize > 0
      ? {
          ...(preferred.length ? { preferred_batch_size: preferred } : {}),
          max_queue_delay_microseconds: planned?.maxQueueDelayMicroseconds ?? tier.maxQueueDelayMicroseconds,
          ...(tier.priorityLevels > 0 ? { priority_levels: tier.priorityLevels, default_priority_level: tier.defaultPriorityLevel } : {}),
          default_queue_policy: {
            timeout_action: tier.queuePolicy.timeoutAction,
            default_timeout_microseconds: tier.queuePolicy.defaultTimeoutMicroseconds,
            allow_timeout_override: tier.queuePolicy.allowTimeoutOverride,
            max_queue_size: tier.queuePolicy.maxQueueSize,
          },
        }
      : undefined;
  const hints = t.optimization;
  const gpuAccelerators: AcceleratorConfig[] =
    hints.tensorrt && onGpu ? [{ name: 'tensorrt', parameters: { precision_mode: hints.tensorrt.precision } }] : [];
  const cpuAccelerators: AcceleratorConfig[] = hints.openvino && !onGpu ? [{ name: 'openvino' }] : [];
  const optimization: ModelOptimizationConfig = {
    ...(hints.cudaGraphs && onGpu ? { cuda: { graphs: true } } : {}),
    ...(gpuAccelerators.length || cpuAccelerators.length
      ? {
          execution_accelerators: {
            ...(gpuAccelerators.length ? { gpu_execution_accelerator: gpuAccelerators } : {}),
            ...(cpuAccelerators.length ? { cpu_execution_accelerator: cpuAccelerators } : {}),
          },
        }
      : {}),
  };
  return {
    name: copy.tritonName,
    ...FRAMEWORK_BACKENDS[copy.framework],
    version_policy: t.versions ? { specific: { versions: [...t.versions] } } : { latest: { num_versions: 1 } },
    max_batch_size: maxBatchSize,
    ...(t.inputs ? { input: t.inputs.map(tensor) } : {}),
    ...(t.outputs ? { output: t.outputs.map(tensor) } : {}),
    ...(Object.keys(optimization).length ? { optimization } : {}),
    ...(dynamicBatching ? { dynamic_batching: dynamicBatching } : {}),
    instance_group: [onGpu ? { kind: 'KIND_GPU', count: tier.instancesPerGpu } : { kind: 'KIND_CPU', count: tier.instancesPerCpu }],
  };
}

/**
 * The Triton fields of a model declaration: batching, tensor specs,
 * optimization hints and versions. Their zod schemas and framework rules live
 * here; `model-spec.ts` wires them into the declaration.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { describeValue } from './zod-issues.ts';

/**
 * Tensor data types, as Triton's `DataType` enum names without the `TYPE_`
 * prefix: `FP32` in a declaration is `TYPE_FP32` in `config.pbtxt`. The short
 * form is the one clients send in KServe v2 requests (except `STRING`, which
 * clients call `BYTES`).
 */
export const TENSOR_DATA_TYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'STRING', 'BF16'] as const;
/** A tensor data type (`FP32`, `INT64`, `STRING`, …). */
export type TensorDataType = (typeof TENSOR_DATA_TYPES)[number];

/** One input or output tensor of a model. */
export interface TensorSpec {
  /** Tensor name as the model knows it (`INPUT__0` for TorchScript, the graph's name for ONNX). */
  readonly name: string;
  /** Element type, without Triton's `TYPE_` prefix: `FP32`, `INT64`, `STRING`. */
  readonly dataType: TensorDataType;
  /**
   * Shape without the batch dimension (Triton adds it when `maxBatchSize > 0`);
   * `-1` marks a variable-size dimension.
   */
  readonly dims: readonly number[];
}

/**
 * Optimization hints. All default to off: each changes numerics or load time
 * in a way only the model's owner can judge.
 */
export interface OptimizationHints {
  /**
   * ONNX Runtime or TensorFlow on a GPU: run supported subgraphs through
   * TensorRT (`gpu_execution_accelerator: tensorrt`) at this precision.
   * Engines are built when the model loads, which lengthens start-up.
   *
   * @default - off: the framework's own CUDA kernels
   */
  readonly tensorrt?: { readonly precision: 'FP32' | 'FP16' };
  /**
   * ONNX Runtime on a CPU: use the OpenVINO execution provider
   * (`cpu_execution_accelerator: openvino`).
   *
   * @default false
   */
  readonly openvino?: boolean;
  /**
   * TensorRT models: capture CUDA graphs (`cuda.graphs`), which cuts launch
   * overhead for small batches at the cost of GPU memory per captured shape.
   *
   * @default false
   */
  readonly cudaGraphs?: boolean;
}

/**
 * A canary: a second loaded version that receives a fixed share of the
 * model's traffic while the stable version takes the rest.
 */
export interface CanaryVersion {
  /** The canary's version (a numbered subdirectory of the artifact); must differ from `stable`. */
  readonly version: number;
  /**
   * Percentage of requests routed to the canary, a whole number from 1 to 99;
   * the stable version receives the other `100 - weight` percent.
   */
  readonly weight: number;
}

/**
 * Which loaded version serves the model's traffic: `stable` takes every
 * request, or all but the canary's `weight` percent when a canary is given.
 *
 * @example
 * { stable: 3, canary: { version: 4, weight: 10 } } // 90 % to version 3, 10 % to version 4
 */
export interface VersionRouting {
  /** The version that serves the traffic the canary does not take. */
  readonly stable: number;
  /**
   * A second version that receives `weight` percent of the traffic.
   *
   * @default - none: `stable` serves every request
   */
  readonly canary?: CanaryVersion;
}

/** The Triton fields of a declaration, as written. */
export interface TritonDeclarationFields {
  /**
   * Largest batch Triton forms for the model (`max_batch_size`); 0 disables
   * batching, for models whose first dimension is not a batch dimension.
   *
   * @default - the tier's `triton.maxBatchSize` (8 realtime, 32 interactive, 128 batch)
   */
  readonly maxBatchSize?: number;
  /**
   * Input tensors. Required for `pytorch` (TorchScript carries no names or
   * shapes Triton can read); optional for the others, whose configuration
   * Triton completes from the model itself.
   *
   * @default - completed by Triton from the model
   */
  readonly inputs?: readonly TensorSpec[];
  /** Output tensors; required for `pytorch`, as `inputs`. @default - completed by Triton from the model */
  readonly outputs?: readonly TensorSpec[];
  /** Optimization hints, all off by default. @default - none */
  readonly optimization?: OptimizationHints;
  /**
   * Model versions (numbered subdirectories of the artifact) to load, in one
   * of two forms:
   *
   * - a list, `[3, 4]`: Triton loads each; a request that names no version
   *   goes to the highest loaded one (Triton's default);
   * - stable and canary, `{ stable: 3, canary: { version: 4, weight: 10 } }`:
   *   Triton loads both, and the mesh sends `weight` percent (1 to 99) of the
   *   model's requests to the canary and the rest to `stable`. `{ stable: 3 }`
   *   alone pins the model to one version.
   *
   * Every loaded version holds its own weights: a copy's `memory` and
   * `gpuMemory` (per-tenant overrides included) count once per loaded version
   * when the copy is packed; `cpu` and `peakQps` do not, since the versions
   * share the traffic.
   *
   * @default - the highest-numbered version only
   */
  readonly versions?: readonly number[] | VersionRouting;
}

/** The validated Triton fields of a model. */
export interface TritonModelSpec {
  /** Declared `maxBatchSize`, or `undefined` for the tier's default. */
  readonly maxBatchSize?: number;
  readonly inputs?: readonly TensorSpec[];
  readonly outputs?: readonly TensorSpec[];
  readonly optimization: OptimizationHints;
  /**
   * Versions Triton loads, sorted: the declared list, or `stable` and the
   * canary's version.
   *
   * @default - the latest version only
   */
  readonly versions?: readonly number[];
  /**
   * How requests are split between the loaded versions: present only when the
   * declaration gives `versions` as `{ stable, canary? }`. Routing sends
   * `canary.weight` percent of the model's requests to
   * `/v2/models/<name>/versions/<canary.version>` and the rest to
   * `/v2/models/<name>/versions/<stable>`.
   *
   * @default - no split: requests that name no version go to Triton's default, the highest loaded version
   */
  readonly versionRouting?: VersionRouting;
}

/**
 * Number of versions Triton loads for a model (1 when the declaration names
 * none): each holds its own copy of the weights, so a copy's memory and GPU
 * memory count once per loaded version.
 */
export function loadedVersionCount(triton: Pick<TritonModelSpec, 'versions'>): number {
  return triton.versions?.length ?? 1;
}

/** Fields of a tensor spec, for unknown-field suggestions. */
export const TENSOR_FIELDS = ['name', 'dataType', 'dims'];
/** Fields of `optimization`, for unknown-field suggestions. */
export const OPTIMIZATION_FIELDS = ['tensorrt', 'openvino', 'cudaGraphs'];
/** Fields of `versions` in its object form, for unknown-field suggestions. */
export const VERSION_ROUTING_FIELDS = ['stable', 'canary'];
/** Fields of `versions.canary`, for unknown-field suggestions. */
export const CANARY_FIELDS = ['version', 'weight'];
/** Names of the declaration's Triton fields. */
export const TRITON_DECLARATION_FIELDS = ['maxBatchSize', 'inputs', 'outputs', 'optimization', 'versions'];

const dataType = z.unknown().transform((value, ctx): TensorDataType => {
  if (typeof value === 'string' && (TENSOR_DATA_TYPES as readonly string[]).includes(value)) return value as TensorDataType;
  if (value === undefined) {
    ctx.issues.push({ code: 'custom', input: value, message: 'is required: give the element type, e.g. "FP32"' });
    return z.NEVER;
  }
  const bare = typeof value === 'string' ? value.replace(/^TYPE_/, '') : undefined;
  const hint =
    bare !== undefined && bare !== value && (TENSOR_DATA_TYPES as readonly string[]).includes(bare)
      ? `; write "${bare}" (without the TYPE_ prefix)`
      : value === 'BYTES'
        ? '; Triton calls the KServe BYTES type "STRING"'
        : '';
  ctx.issues.push({ code: 'custom', input: value, message: `${describeValue(value)} is not a tensor data type; use one of ${TENSOR_DATA_TYPES.join(', ')}${hint}` });
  return z.NEVER;
});

const dim = z.number().int().refine((d) => d === -1 || d >= 1, { message: 'must be a size of at least 1, or -1 for a variable-size dimension' });

const tensorSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/, {
      message: 'must start with a letter or "_" and hold only letters, digits and _ . : / - (at most 128 characters), as the model names the tensor',
    }),
  dataType,
  dims: z.array(dim).min(1).max(16),
});

const versionList = z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).min(1);

/** One version number of the object form of `versions`; `requiredFix` says what to add when it is missing. */
function versionNumber(requiredFix: string) {
  return z.unknown().transform((value, ctx): number => {
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', input: value, message });
      return z.NEVER;
    };
    if (value === undefined) return fail(`is required: ${requiredFix}`);
    if (typeof value !== 'number') {
      const numeric = typeof value === 'string' && value.trim() !== '' && Number.isInteger(Number(value)) && Number(value) >= 1;
      return fail(`expected a version number, got ${describeValue(value)}; ${numeric ? `write ${Number(value)} without quotes` : 'give a whole number of at least 1, such as 3 (versions are the numbered subdirectories of the artifact)'}`);
    }
    if (!Number.isInteger(value) || value < 1 || value > Number.MAX_SAFE_INTEGER) {
      return fail(`${describeValue(value)} is not a model version; give a whole number of at least 1, such as 3 (versions are the numbered subdirectories of the artifact)`);
    }
    return value;
  });
}

const canaryWeight = z.unknown().transform((value, ctx): number => {
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', input: value, message });
    return z.NEVER;
  };
  if (value === undefined) return fail('is required: give the percentage of requests the canary receives, a whole number from 1 to 99, e.g. weight: 10');
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const text = typeof value === 'string' ? value.trim() : undefined;
    const numeric = text !== undefined && text !== '' ? Number(text.replace(/%$/, '')) : NaN;
    const fix = Number.isInteger(numeric) && numeric >= 1 && numeric <= 99 ? `write ${numeric} without quotes${text!.endsWith('%') ? ' or %' : ''}` : 'give a whole number such as 10';
    return fail(`expected a whole percentage from 1 to 99, got ${describeValue(value)}; ${fix}`);
  }
  if (!Number.isInteger(value)) {
    return fail(`${describeValue(value)} is not a whole percentage; give a whole number from 1 to 99, such as ${Math.min(99, Math.max(1, Math.round(value)))}`);
  }
  if (value < 1) return fail(`${value} sends no traffic to the canary; give a weight from 1 to 99, or remove canary to serve only the stable version`);
  if (value > 99) {
    return fail(`${value} leaves no traffic for the stable version; give a weight from 1 to 99, or promote the canary: make its version stable and remove canary`);
  }
  return value;
});

const versionRoutingSchema = z
  .strictObject({
    stable: versionNumber('give the version that serves the traffic, e.g. stable: 3'),
    canary: z
      .strictObject({
        version: versionNumber('give the version the canary serves, e.g. version: 4'),
        weight: canaryWeight,
      })
      .optional(),
  })
  .transform((routing, ctx): VersionRouting => {
    if (routing.canary && routing.canary.version === routing.stable) {
      ctx.issues.push({
        code: 'custom',
        input: routing.canary.version,
        path: ['canary', 'version'],
        message: `is ${routing.stable}, the same version as stable; give the canary the version under test, or remove canary to serve version ${routing.stable} alone`,
      });
      return z.NEVER;
    }
    return { stable: routing.stable, ...(routing.canary ? { canary: { version: routing.canary.version, weight: routing.canary.weight } } : {}) };
  });

/** `versions`: a list of versions, or `{ stable, canary? }`. Each form is parsed by its own schema, so messages speak of one form. */
const versionsSchema = z.unknown().transform((value, ctx): readonly number[] | VersionRouting => {
  const form = Array.isArray(value) ? versionList : value !== null && typeof value === 'object' ? versionRoutingSchema : undefined;
  if (!form) {
    const example = typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 3;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `expected a list of versions or { stable, canary }, got ${describeValue(value)}; write [${example}], or { stable: ${example} } (add canary: { version, weight } to send part of the traffic to another version)`,
    });
    return z.NEVER;
  }
  const parsed = form.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.issues.push(issue as never);
    return z.NEVER;
  }
  return parsed.data;
});

/** zod schemas of the Triton fields, spread into the declaration schema. */
export const tritonFieldSchemas = {
  maxBatchSize: z.number().int().min(0).max(4096).optional(),
  inputs: z.array(tensorSchema).min(1).optional(),
  outputs: z.array(tensorSchema).min(1).optional(),
  optimization: z
    .strictObject({
      tensorrt: z.strictObject({ precision: z.enum(['FP32', 'FP16']) }).optional(),
      openvino: z.boolean().optional(),
      cudaGraphs: z.boolean().optional(),
    })
    .optional(),
  versions: versionsSchema.optional(),
};

/** The parsed Triton fields (zod output of `tritonFieldSchemas`). */
export interface ParsedTritonFields {
  readonly maxBatchSize?: number | undefined;
  readonly inputs?: readonly TensorSpec[] | undefined;
  readonly outputs?: readonly TensorSpec[] | undefined;
  readonly optimization?: OptimizationHints | undefined;
  readonly versions?: readonly number[] | VersionRouting | undefined;
}

/**
 * Rules across fields that need the framework and whether the model has a
 * GPU: tensors PyTorch needs, unique tensor names and versions, hints that
 * fit the framework and device. Stack-dependent limits (the tier's largest
 * batch) are checked at plan time by `checkTritonDeclarations()`.
 */
export function checkTritonFields(
  data: ParsedTritonFields,
  framework: string,
  gpu: boolean,
  file: string,
  at: (...path: (string | number)[]) => (string | number)[],
): { spec: TritonModelSpec; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  if (framework === 'pytorch') {
    for (const field of ['inputs', 'outputs'] as const) {
      if (data[field] === undefined) {
        issues.push({
          file,
          path: at(field),
          message: `is required for a pytorch model: TorchScript carries no tensor names or shapes Triton can read; list them, e.g. [{ name: "${field === 'inputs' ? 'INPUT__0' : 'OUTPUT__0'}", dataType: "FP32", dims: [-1] }]`,
        });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const field of ['inputs', 'outputs'] as const) {
    data[field]?.forEach((t, i) => {
      const previous = seen.get(t.name);
      if (previous !== undefined) {
        issues.push({ file, path: at(field, i, 'name'), message: `tensor "${t.name}" is already declared at ${previous}; give every input and output a distinct name` });
      } else seen.set(t.name, `${field}[${i}]`);
    });
  }
  const declared = data.versions;
  const routing = declared === undefined || isVersionList(declared) ? undefined : declared;
  const loaded = declared === undefined || isVersionList(declared) ? declared : [declared.stable, ...(declared.canary ? [declared.canary.version] : [])];
  const versions = loaded ? [...loaded].sort((a, b) => a - b) : undefined;
  // The object form cannot repeat a version: its schema rejects a canary equal to stable.
  versions?.forEach((v, i) => {
    if (i > 0 && v === versions[i - 1]) issues.push({ file, path: at('versions'), message: `lists version ${v} twice; list each version once` });
  });
  const o = data.optimization ?? {};
  if (o.tensorrt !== undefined) {
    if (framework !== 'onnx' && framework !== 'tensorflow') {
      issues.push({
        file,
        path: at('optimization', 'tensorrt'),
        message: `applies to onnx and tensorflow models, not ${framework}${framework === 'tensorrt' ? ' (the model already is a TensorRT engine)' : ''}; remove it`,
      });
    } else if (!gpu) {
      issues.push({ file, path: at('optimization', 'tensorrt'), message: 'needs a GPU model (declare gpuMemory); TensorRT does not run on CPU instances' });
    }
  }
  if (o.openvino) {
    if (framework !== 'onnx') issues.push({ file, path: at('optimization', 'openvino'), message: `applies to onnx models only, not ${framework}; remove it` });
    else if (gpu) issues.push({ file, path: at('optimization', 'openvino'), message: 'applies to CPU models only; this model declares gpuMemory, so its instances run on the GPU' });
  }
  if (o.cudaGraphs) {
    if (framework !== 'tensorrt') issues.push({ file, path: at('optimization', 'cudaGraphs'), message: `is only recognized by the tensorrt backend, not ${framework}; remove it` });
    else if (!gpu) issues.push({ file, path: at('optimization', 'cudaGraphs'), message: 'needs a GPU model (declare gpuMemory)' });
  }
  const spec: TritonModelSpec = {
    ...(data.maxBatchSize !== undefined ? { maxBatchSize: data.maxBatchSize } : {}),
    ...(data.inputs ? { inputs: data.inputs } : {}),
    ...(data.outputs ? { outputs: data.outputs } : {}),
    optimization: o,
    ...(versions ? { versions } : {}),
    ...(routing ? { versionRouting: routing } : {}),
  };
  return { spec, issues };
}

function isVersionList(versions: readonly number[] | VersionRouting): versions is readonly number[] {
  return Array.isArray(versions);
}

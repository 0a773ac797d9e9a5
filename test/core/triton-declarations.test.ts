/**
 * Errors in the Triton fields of declarations and of stack tier overrides:
 * exact `FILE: FIELD: message` text.
 */
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { validateModel } from '../../core/spec/model-spec.ts';
import { resolveStack } from '../../core/stack/stack-config.ts';
import { checkTritonDeclarations } from '../../core/triton/check-triton-declarations.ts';
import { DEFAULT_STACK, resolvePlatformStack } from '../../policies/default-stack.ts';

const FILE = 'models/fraud/ato-detector.ts';
const base = { name: 'ato-detector', framework: 'onnx', tier: 'realtime', memory: '1Gi', gpuMemory: '1Gi', artifact: 's3://ml-models/fraud/ato' };
const problems = (extra: Record<string, unknown>) => formatIssues(validateModel({ ...base, ...extra }, FILE, 'fraud').issues);
const stackProblems = (overrides: unknown) => formatIssues(resolveStack('t', 'Pulumi.t.yaml', overrides, DEFAULT_STACK).issues);

describe('Triton fields of a declaration', () => {
  it('requires tensors for pytorch, where Triton cannot complete the configuration', () => {
    expect(problems({ framework: 'pytorch' })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: inputs: is required for a pytorch model: TorchScript carries no tensor names or shapes Triton can read; list them, e.g. [{ name: "INPUT__0", dataType: "FP32", dims: [-1] }]
      models/fraud/ato-detector.ts: outputs: is required for a pytorch model: TorchScript carries no tensor names or shapes Triton can read; list them, e.g. [{ name: "OUTPUT__0", dataType: "FP32", dims: [-1] }]"
    `);
    expect(problems({ framework: 'python' })).toBe('');
  });

  it('checks tensor specs: data type names, dims, names, duplicates and typos', () => {
    expect(
      problems({
        inputs: [
          { name: 'ids', dataType: 'TYPE_INT64', dims: [-1] },
          { name: 'text', dataType: 'BYTES', dims: [0] },
          { name: '1x', dataType: 'FP32', dims: [] },
        ],
        outputs: [{ name: 'ids', dataTyp: 'FP32', dims: [1] }],
      }),
    ).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: inputs[0].dataType: "TYPE_INT64" is not a tensor data type; use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, STRING, BF16; write "INT64" (without the TYPE_ prefix)
      models/fraud/ato-detector.ts: inputs[1].dataType: "BYTES" is not a tensor data type; use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, STRING, BF16; Triton calls the KServe BYTES type "STRING"
      models/fraud/ato-detector.ts: inputs[1].dims[0]: must be a size of at least 1, or -1 for a variable-size dimension
      models/fraud/ato-detector.ts: inputs[2].name: must start with a letter or "_" and hold only letters, digits and _ . : / - (at most 128 characters), as the model names the tensor
      models/fraud/ato-detector.ts: inputs[2].dims: must list at least 1 entry
      models/fraud/ato-detector.ts: outputs[0].dataType: is required: give the element type, e.g. "FP32"
      models/fraud/ato-detector.ts: outputs[0].dataTyp: unknown field "dataTyp"; did you mean "dataType"?"
    `);
    expect(problems({ inputs: [{ name: 'x', dataType: 'FP32', dims: [1] }], outputs: [{ name: 'x', dataType: 'FP32', dims: [1] }] })).toBe(
      'models/fraud/ato-detector.ts: outputs[0].name: tensor "x" is already declared at inputs[0]; give every input and output a distinct name',
    );
  });

  it('checks maxBatchSize, versions and optimization hints against the framework and device', () => {
    expect(problems({ maxBatchSize: -1, versions: [2, 2] })).toMatchInlineSnapshot(`"models/fraud/ato-detector.ts: maxBatchSize: must be at least 0, got -1"`);
    expect(problems({ versions: [2, 2] })).toBe('models/fraud/ato-detector.ts: versions: lists version 2 twice; list each version once');
    expect(problems({ framework: 'tensorrt', optimization: { tensorrt: { precision: 'FP16' }, openvino: true } })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: optimization.tensorrt: applies to onnx and tensorflow models, not tensorrt (the model already is a TensorRT engine); remove it
      models/fraud/ato-detector.ts: optimization.openvino: applies to onnx models only, not tensorrt; remove it"
    `);
    expect(problems({ gpuMemory: undefined, optimization: { tensorrt: { precision: 'FP16' }, cudaGraph: true } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: optimization.cudaGraph: unknown field "cudaGraph"; did you mean "cudaGraphs"?"`,
    );
    expect(problems({ gpuMemory: undefined, optimization: { tensorrt: { precision: 'FP16' } } })).toBe(
      'models/fraud/ato-detector.ts: optimization.tensorrt: needs a GPU model (declare gpuMemory); TensorRT does not run on CPU instances',
    );
    expect(problems({ optimization: { openvino: true } })).toBe(
      'models/fraud/ato-detector.ts: optimization.openvino: applies to CPU models only; this model declares gpuMemory, so its instances run on the GPU',
    );
    expect(problems({ maxBatchSize: 0, versions: [1, 3], optimization: { tensorrt: { precision: 'FP32' } } })).toBe('');
  });

  it('rejects a maxBatchSize above what the tier allows, at plan time against the stack', () => {
    const { spec } = validateModel({ ...base, maxBatchSize: 64 }, FILE, 'fraud', [1]);
    expect(formatIssues(checkTritonDeclarations([spec!], resolvePlatformStack()))).toBe(
      'models/fraud/ato-detector.ts: [1].maxBatchSize: 64 is above the largest batch the realtime tier allows (8, with a 500 µs queue delay in stack default); lower it to at most 8 or choose a looser tier',
    );
    const roomy = resolvePlatformStack('roomy', { tiers: { realtime: { triton: { maxBatchSize: 64 } } } });
    expect(checkTritonDeclarations([spec!], roomy)).toEqual([]);
  });
});

describe('Triton settings of stack tiers', () => {
  it('rejects overrides that contradict each other, naming the stack file and key', () => {
    expect(
      stackProblems({
        tiers: {
          realtime: { triton: { maxBatchSize: 4 } },
          interactive: { triton: { preferredBatchSizes: [16, 8], priorityLevels: 0 } },
          batch: { triton: { maxQueueDelayMicroseconds: 0, defaultPriorityLevel: 3 } },
        },
      }),
    ).toMatchInlineSnapshot(`
      "Pulumi.t.yaml: modelfleet:tiers.realtime.triton.preferredBatchSizes[1]: 8 is above the tier's maxBatchSize 4; Triton never forms a batch larger than max_batch_size, so lower it or raise maxBatchSize
      Pulumi.t.yaml: modelfleet:tiers.interactive.triton.preferredBatchSizes[1]: 8 does not follow 16; list preferred batch sizes once each, in increasing order
      Pulumi.t.yaml: modelfleet:tiers.interactive.triton.defaultPriorityLevel: is 1 but priorityLevels is 0 (priorities off); set it to 0 or raise priorityLevels
      Pulumi.t.yaml: modelfleet:tiers.batch.triton.maxQueueDelayMicroseconds: is 0 but maxBatchSize is 128: with no delay Triton batches only requests that arrive together; give a delay or set maxBatchSize to 1
      Pulumi.t.yaml: modelfleet:tiers.batch.triton.defaultPriorityLevel: 3 is not a level of 2; use 1 (highest) to 2 (lowest)"
    `);
  });

  it('checks types and unknown keys of the Triton settings and of modelRepository', () => {
    expect(
      stackProblems({
        tiers: { realtime: { triton: { maxBatchSize: 1.5, queuePolicy: { timeoutAction: 'DROP' }, instancesPerGPU: 2 } } },
        modelRepository: { secretName: 'S3 creds', s3Endpoint: 'minio:9000' },
      }),
    ).toMatchInlineSnapshot(`
      "Pulumi.t.yaml: modelfleet:tiers.realtime.triton.maxBatchSize: expected a whole number, got 1.5; round it to a whole number such as 2
      Pulumi.t.yaml: modelfleet:tiers.realtime.triton.queuePolicy.timeoutAction: "DROP" is not allowed; use one of "REJECT", "DELAY"
      Pulumi.t.yaml: modelfleet:tiers.realtime.triton.instancesPerGPU: unknown field "instancesPerGPU"; remove it
      Pulumi.t.yaml: modelfleet:modelRepository.secretName: "S3 creds" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "s3-creds"
      Pulumi.t.yaml: modelfleet:modelRepository.s3Endpoint: must be an http(s) URL such as "https://minio.storage.svc:9000""
    `);
  });
});

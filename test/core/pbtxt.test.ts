/**
 * config.pbtxt: the writer and the strict parser agree on every configuration
 * (fast-check), output is deterministic, and the validators reject what
 * Triton would not accept.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { modelConfigType } from '../../core/triton/model-config-schema.ts';
import { parsePbtxt, toPbtxt } from '../../core/triton/pbtxt.ts';
import { modelConfigProblems, strictJsonProblems } from '../../core/triton/validate-model-config.ts';

const type = modelConfigType();

const text = fc.string({ unit: 'binary', maxLength: 24 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const dataType = fc.constantFrom('TYPE_BOOL', 'TYPE_UINT8', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_STRING', 'TYPE_BF16');
const tensor = fc.record(
  { name: text, data_type: dataType, dims: fc.array(fc.integer({ min: -1, max: 1 << 20 }), { maxLength: 5 }) },
  { requiredKeys: ['name'] },
);
const queuePolicy = fc.record(
  {
    timeout_action: fc.constantFrom('REJECT', 'DELAY'),
    default_timeout_microseconds: uint,
    allow_timeout_override: fc.boolean(),
    max_queue_size: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  },
  { requiredKeys: [] },
);

/** Arbitrary ModelConfig objects over the fields modelfleet emits, plus maps (parameters, metric_tags) and oneofs. */
const modelConfig = fc.record(
  {
    name: text,
    backend: text,
    platform: text,
    version_policy: fc.oneof(
      fc.record({ latest: fc.record({ num_versions: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }) }),
      fc.record({ specific: fc.record({ versions: fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 4 }) }) }),
      fc.record({ all: fc.constant({}) }),
    ),
    max_batch_size: int32,
    input: fc.array(tensor, { maxLength: 3 }),
    output: fc.array(tensor, { maxLength: 3 }),
    optimization: fc.record(
      {
        graph: fc.record({ level: int32 }),
        priority: fc.constantFrom('PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN'),
        cuda: fc.record({ graphs: fc.boolean(), busy_wait_events: fc.boolean() }, { requiredKeys: [] }),
        execution_accelerators: fc.record(
          {
            gpu_execution_accelerator: fc.array(fc.record({ name: text, parameters: fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true }) }, { requiredKeys: ['name'] }), { maxLength: 2 }),
            cpu_execution_accelerator: fc.array(fc.record({ name: text }), { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    dynamic_batching: fc.record(
      {
        preferred_batch_size: fc.array(int32, { maxLength: 4 }),
        max_queue_delay_microseconds: uint,
        priority_levels: uint,
        default_priority_level: uint,
        default_queue_policy: queuePolicy,
        priority_queue_policy: fc.dictionary(uint.map(String), queuePolicy, { maxKeys: 3, noNullPrototype: true }),
      },
      { requiredKeys: [] },
    ),
    instance_group: fc.array(
      fc.record({ name: text, kind: fc.constantFrom('KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'), count: int32, gpus: fc.array(int32, { maxLength: 3 }) }, { requiredKeys: [] }),
      { maxLength: 3 },
    ),
    metric_tags: fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true }),
    parameters: fc.dictionary(text, fc.record({ string_value: text }), { maxKeys: 3, noNullPrototype: true }),
  },
  // No field is required, `name` included: the shard ConfigMaps write configurations without it.
  { requiredKeys: [] },
);

/** The same object with keys in reverse order, recursively. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe('config.pbtxt', () => {
  test.prop([modelConfig], { numRuns: 300 })('parses back to the object it was written from', (config) => {
    expect(strictJsonProblems(config, type)).toEqual([]);
    expect(parsePbtxt(toPbtxt(config, type), type)).toEqual(config);
  });

  test.prop([modelConfig], { numRuns: 200 })('is the same text whatever the key order of the object', (config) => {
    expect(toPbtxt(reversedKeys(config) as typeof config, type)).toBe(toPbtxt(config, type));
  });

  test.prop([modelConfig, fc.constantFrom('bogus', 'maxBatchSize', 'dynamicBatching', 'instance_groups')], { numRuns: 100 })(
    'rejects an unknown field at any depth',
    (config, unknown) => {
      const withTop = { ...config, [unknown]: 1 };
      expect(modelConfigProblems(withTop)).toContain(`ModelConfig.${unknown}: unknown field of inference.ModelConfig`);
      const nested = { ...config, dynamic_batching: { ...(config.dynamic_batching ?? {}), default_queue_policy: { [unknown]: true } } };
      expect(modelConfigProblems(nested)).toContain(`ModelConfig.dynamic_batching.default_queue_policy.${unknown}: unknown field of inference.ModelQueuePolicy`);
    },
  );

  it('rejects wrong kinds, out-of-range integers, enums and two members of a oneof, naming each path', () => {
    expect(
      modelConfigProblems({
        name: 7,
        max_batch_size: 2 ** 31,
        input: { name: 'x' },
        instance_group: [{ kind: 'KIND_TPU', count: -1.5 }],
        dynamic_batching: {},
        sequence_batching: {},
        metric_tags: { a: 1 },
      }),
    ).toEqual([
      'ModelConfig.name: 7 is not a string',
      'ModelConfig.max_batch_size: 2147483648 is not a int32',
      'ModelConfig.input: expected a list (repeated field), got an object',
      'ModelConfig.instance_group[0].kind: "KIND_TPU" is not a value of enum Kind (KIND_AUTO, KIND_GPU, KIND_CPU, KIND_MODEL)',
      'ModelConfig.instance_group[0].count: -1.5 is not a int32',
      'ModelConfig.sequence_batching: dynamic_batching is set too, but both belong to oneof scheduling_choice',
      'ModelConfig.metric_tags["a"]: 1 is not a string',
    ]);
  });

  it('parses only valid text format, naming the line', () => {
    const parse = (t: string) => () => parsePbtxt(t, type);
    expect(parse('name: "m"\nmax_batch_sise: 8\n')).toThrow('line 2: unknown field "max_batch_sise" in inference.ModelConfig');
    expect(parse('instance_group [ { kind: KIND_TPU } ]')).toThrow('line 1: "KIND_TPU" is not a value of enum Kind (field kind)');
    expect(parse('max_batch_size: 99999999999')).toThrow('line 1: 99999999999 is out of range for int32 field max_batch_size');
    expect(parse('name: "a"\nname: "b"')).toThrow('line 2: field name is given twice');
    expect(parse('dynamic_batching { }\nsequence_batching { }')).toThrow('line 2: sequence_batching and dynamic_batching are both set, but they belong to one oneof (scheduling_choice)');
    expect(parse('dynamic_batching {\n  max_queue_delay_microseconds: 5')).toThrow('line 2: missing "}"');
    expect(parse('name: "unterminated')).toThrow('line 1: unterminated string');
    // The forms Triton's own examples use parse too: repeated blocks, comments, `<>`.
    expect(parsePbtxt('# comment\ninput { name: "a" dims: 3 }\ninput < name: "b" >\nparameters { key: "k" value { string_value: "v" } }', type)).toEqual({
      input: [{ name: 'a', dims: [3] }, { name: 'b' }],
      parameters: { k: { string_value: 'v' } },
    });
  });

  it('escapes strings so that any name survives', () => {
    const config = { name: 'a"b\\c\nd\te\u0001é' };
    const written = toPbtxt(config, type);
    expect(written).toBe('name: "a\\"b\\\\c\\nd\\te\\001é"\n');
    expect(parsePbtxt(written, type)).toEqual(config);
  });
});

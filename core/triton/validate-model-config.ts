/**
 * Strict validation of a Triton model configuration against Triton's own
 * schema (`model_config.proto`), and the one way modelfleet renders
 * `config.pbtxt`: `renderModelConfig()` validates before it returns text.
 */
import { isDeepStrictEqual } from 'node:util';
import protobuf from 'protobufjs';
import type { ModelConfig } from './model-config.ts';
import { modelConfigType } from './model-config-schema.ts';
import { parsePbtxt, PbtxtError, toPbtxt } from './pbtxt.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT_RANGES: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : JSON.stringify(v);
}

/** Problems of a scalar or enum value for `typeName` of `field`. */
function checkScalar(value: unknown, field: protobuf.FieldBase, typeName: string, path: string, problems: string[]): void {
  const resolved = field.resolvedType;
  if (typeName === field.type && resolved instanceof protobuf.Enum) {
    if (typeof value !== 'string' || !Object.hasOwn(resolved.values, value)) {
      problems.push(`${path}: ${describe(value)} is not a value of enum ${resolved.name} (${Object.keys(resolved.values).join(', ')})`);
    }
    return;
  }
  const range = INT_RANGES[typeName];
  if (range) {
    const n = typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < range[0] || n > range[1]) {
      problems.push(`${path}: ${describe(value)} is not a ${typeName}`);
    }
    return;
  }
  const ok =
    typeName === 'string' || typeName === 'bytes'
      ? typeof value === 'string'
      : typeName === 'bool'
        ? typeof value === 'boolean'
        : typeName === 'double' || typeName === 'float'
          ? typeof value === 'number'
          : false;
  if (!ok) problems.push(`${path}: ${describe(value)} is not a ${typeName}`);
}

/**
 * Walks `value` as a message of `type`: every key must be a field of the type
 * (recursively), every value of the field's kind, and at most one member of
 * each oneof set. protobufjs `fromObject` silently drops unknown keys, so it
 * cannot do this on its own.
 */
export function strictJsonProblems(value: unknown, type: protobuf.Type, path = type.name): string[] {
  const problems: string[] = [];
  const walk = (v: unknown, t: protobuf.Type, at: string): void => {
    if (!isObject(v)) {
      problems.push(`${at}: expected a ${t.name} message (an object), got ${describe(v)}`);
      return;
    }
    const oneofSeen = new Map<string, string>();
    for (const [key, fieldValue] of Object.entries(v)) {
      const here = `${at}.${key}`;
      const field = Object.hasOwn(t.fields, key) ? t.fields[key] : undefined;
      if (!field) {
        problems.push(`${here}: unknown field of ${t.fullName.replace(/^\./, '')}`);
        continue;
      }
      if (fieldValue === undefined || fieldValue === null) {
        problems.push(`${here}: is ${String(fieldValue)}; omit the field instead`);
        continue;
      }
      if (field.partOf) {
        const other = oneofSeen.get(field.partOf.name);
        if (other) problems.push(`${here}: ${other} is set too, but both belong to oneof ${field.partOf.name}`);
        oneofSeen.set(field.partOf.name, key);
      }
      const one = (item: unknown, itemPath: string) => {
        if (field.resolvedType instanceof protobuf.Type) walk(item, field.resolvedType, itemPath);
        else checkScalar(item, field, field.type, itemPath, problems);
      };
      if (field instanceof protobuf.MapField) {
        if (!isObject(fieldValue)) {
          problems.push(`${here}: expected a map (an object), got ${describe(fieldValue)}`);
          continue;
        }
        for (const [k, item] of Object.entries(fieldValue)) {
          if (field.keyType !== 'string') checkScalar(k, field, field.keyType, `${here}[${JSON.stringify(k)}] key`, problems);
          one(item, `${here}[${JSON.stringify(k)}]`);
        }
      } else if (field.repeated) {
        if (!Array.isArray(fieldValue)) {
          problems.push(`${here}: expected a list (repeated field), got ${describe(fieldValue)}`);
          continue;
        }
        fieldValue.forEach((item, i) => one(item, `${here}[${i}]`));
      } else one(fieldValue, here);
    }
  };
  walk(value, type, path);
  return problems;
}

/**
 * Every problem of `config` as a Triton model configuration:
 * 1. strict JSON against `inference.ModelConfig` (`strictJsonProblems`);
 * 2. protobufjs `verify` of the message `fromObject` builds;
 * 3. text-format round trip: `toPbtxt`, `parsePbtxt` back, and the result
 *    must equal the object.
 *
 * @returns problems, each `<path>: message`; empty when valid
 */
export function modelConfigProblems(config: unknown): string[] {
  const type = modelConfigType();
  const problems = strictJsonProblems(config, type);
  if (problems.length) return problems;
  const verified = type.verify(type.fromObject(config as Obj));
  if (verified) return [`ModelConfig: ${verified}`];
  const text = toPbtxt(config as Obj, type);
  let parsed: Obj;
  try {
    parsed = parsePbtxt(text, type);
  } catch (error) {
    if (error instanceof PbtxtError) return [`config.pbtxt: ${error.message}`];
    throw error;
  }
  if (!isDeepStrictEqual(parsed, JSON.parse(JSON.stringify(config)))) {
    return [`config.pbtxt: does not parse back to the configuration it was written from:\n${text}`];
  }
  return [];
}

/** Options for `renderModelConfig`. */
export interface RenderModelConfigOptions {
  /**
   * Leave the `name` field out of the text. Triton then takes the model's
   * name from its model-repository directory ("If the name of the model is
   * not specified in the configuration it is assumed to be the same as the
   * model repository directory containing the model", Triton's
   * `docs/user_guide/model_configuration.md`), so copies of one model with
   * the same settings share one text.
   *
   * @default false
   */
  readonly omitName?: boolean;
}

/**
 * `config.pbtxt` text of a configuration, after strict validation (of the
 * text as written: without `name` when `omitName`).
 *
 * @throws Error listing every problem (a modelfleet bug: declarations are validated first)
 */
export function renderModelConfig(config: ModelConfig, options: RenderModelConfigOptions = {}): string {
  const { name, ...unnamed } = config;
  const written: Obj = options.omitName ? unnamed : { ...config };
  const problems = modelConfigProblems(written);
  if (problems.length) throw new Error(`invalid Triton model configuration for ${name}:\n  ${problems.join('\n  ')}`);
  return toPbtxt(written, modelConfigType());
}

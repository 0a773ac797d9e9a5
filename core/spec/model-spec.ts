/**
 * Model declarations: what a team writes in `models/<team>/<model>.ts`.
 *
 * `defineModel()` only types and brands the object; validation happens in the
 * loader (`validateModel()`), which knows the file and collects every problem
 * of the fleet before reporting.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { explainLabel, MAX_NAME_LENGTH } from './names.ts';
import { parseQuantity, toWholeUnits, MAX_EXACT, type Quantity } from './quantity.ts';
import { fromZodIssues, describeValue } from './zod-issues.ts';
import { TRAFFIC_FIELDS, trafficSchema, type TrafficProfile } from './traffic-profile.ts';
import { latencyProfileSchema, type LatencyProfile, type LatencyProfileInput } from './latency-profile.ts';
import {
  CANARY_FIELDS,
  checkTritonFields,
  OPTIMIZATION_FIELDS,
  TENSOR_FIELDS,
  TRITON_DECLARATION_FIELDS,
  tritonFieldSchemas,
  VERSION_ROUTING_FIELDS,
  type TritonDeclarationFields,
  type TritonModelSpec,
} from './triton-fields.ts';

/** Latency tiers, tightest first. */
export const SLA_TIERS = ['realtime', 'interactive', 'batch'] as const;
/** A latency tier: `realtime` (p99 ≤ 10 ms), `interactive` (≤ 100 ms), `batch` (≤ 1 s). */
export type SlaTier = (typeof SLA_TIERS)[number];

/** The p99 latency each tier promises, in milliseconds. */
export const TIER_P99_MS: Readonly<Record<SlaTier, number>> = { realtime: 10, interactive: 100, batch: 1000 };

/** Model frameworks Triton serves through a backend. */
export const FRAMEWORKS = ['onnx', 'tensorrt', 'pytorch', 'tensorflow', 'python'] as const;
/** A Triton backend family. */
export type Framework = (typeof FRAMEWORKS)[number];

/** Per-tenant overrides of a model's sizes. */
export interface TenantOverride {
  /** Host memory of this tenant's copy. @default - the model's `memory` */
  readonly memory?: Quantity;
  /** GPU memory of this tenant's copy. @default - the model's `gpuMemory` */
  readonly gpuMemory?: Quantity;
  /** CPU of this tenant's copy. @default - the model's `cpu` */
  readonly cpu?: Quantity;
  /** Peak requests per second of this tenant's copy. @default - the model's `peakQps` */
  readonly peakQps?: number;
}

interface ModelFields extends TritonDeclarationFields {
  /** Model name, a DNS-1123 label unique across the fleet. */
  readonly name: string;
  /** Owning team. @default - the name of the folder the file is in */
  readonly team?: string;
  /** Triton backend family. */
  readonly framework: Framework;
  /** Host memory per loaded copy (`"1500Mi"`), for one version: a copy counts it once per loaded version (see `versions`). */
  readonly memory: Quantity;
  /** GPU memory per loaded copy, for one version (counted once per loaded version, as `memory`). @default - none: a CPU model */
  readonly gpuMemory?: Quantity;
  /** CPU per loaded copy. @default "100m" */
  readonly cpu?: Quantity;
  /** Peak requests per second per copy. @default - unknown */
  readonly peakQps?: number;
  /**
   * When the peak comes: `{ peakHoursUtc: [8, 20] }`. With the KEDA
   * autoscaler the shard holds its `peakQps`-sized floor only in these hours
   * (cron triggers); with the HPA the floor holds all day.
   *
   * @default - the peak may come at any hour: the floor holds all day
   */
  readonly traffic?: TrafficProfile;
  /**
   * Measured latency per node pool: the milliseconds one batch of size b
   * takes on one replica, `{ 'gpu-l4': { 1: 2.1, 8: 4.4 } }`. Batch 1 is
   * required; latencies increase with b. The planner sizes replicas and batch
   * sizes from it (docs/tiers.md, "Planning for load"); `npx modelfleet
   * profile` makes it from perf_analyzer output.
   *
   * @default - none: on every pool, the stack's per-replica throughput for the tier
   */
  readonly profile?: LatencyProfileInput;
  /**
   * Tenants, each getting its own loaded copy: a list of names, or a record of
   * names to size overrides. @default - one untenanted copy
   */
  readonly tenants?: readonly string[] | Readonly<Record<string, TenantOverride>>;
  /**
   * Give every copy a shard of its own (no other copy shares its Triton
   * process): for noisy, huge or compliance-isolated models. @default false
   */
  readonly dedicated?: boolean;
  /**
   * Where the model repository entry lives: `s3://…`, `gs://…`, `as://…`, or
   * `pvc://<claim>/<path>` on a PersistentVolumeClaim in the team's namespace.
   * Tenanted models must include `{tenant}`.
   */
  readonly artifact: string;
}

/** A model declaration: give either `tier` or `p99LatencyMs`. */
export type ModelDeclaration = ModelFields &
  ({ readonly tier: SlaTier; readonly p99LatencyMs?: never } | { readonly p99LatencyMs: number; readonly tier?: never });

/** Marks objects made by `defineModel` (a registry symbol, so it survives module reloading). */
export const MODEL_BRAND: unique symbol = Symbol.for('modelfleet.model') as never;

/** A declaration returned by `defineModel`. */
export type DefinedModel = ModelDeclaration & { readonly [MODEL_BRAND]: true };

/**
 * Declares a model. The default export of `models/<team>/<file>.ts` is one
 * declaration or an array of them.
 *
 * @example
 * export default defineModel({
 *   name: 'txn-scorer', framework: 'onnx', tier: 'realtime',
 *   memory: '1500Mi', gpuMemory: '2Gi', tenants: ['acme', 'globex'],
 *   artifact: 's3://ml-models/fraud/txn-scorer/{tenant}',
 * });
 */
export function defineModel(declaration: ModelDeclaration): DefinedModel {
  // Not generic on purpose: a plain parameter type makes the compiler flag unknown fields (typos).
  return Object.defineProperty({ ...declaration }, MODEL_BRAND, { value: true, enumerable: false }) as DefinedModel;
}

/** Resource needs of one loaded copy: bytes, bytes, millicores. */
export interface ResourceVector {
  readonly memory: number;
  readonly gpuMemory: number;
  readonly cpu: number;
}

/** One validated tenant. */
export interface TenantSpec {
  readonly name: string;
  readonly resources: ResourceVector;
  /** Resource fields this tenant overrides (for pointing messages at the right field). */
  readonly overridden: readonly (keyof ResourceVector)[];
  readonly peakQps?: number;
}

/** A validated, normalized model declaration. */
export interface ModelSpec {
  /** File the declaration came from, relative to the working directory. */
  readonly file: string;
  /** Field-path prefix inside the file (`[]`, or `[i]` for an array export). */
  readonly pathPrefix: readonly (string | number)[];
  readonly name: string;
  readonly team: string;
  readonly framework: Framework;
  readonly tier: SlaTier;
  /** The latency target as declared, if given instead of a tier. */
  readonly p99LatencyMs?: number;
  /** Whether the model needs a GPU (declares `gpuMemory`). */
  readonly gpu: boolean;
  readonly resources: ResourceVector;
  readonly peakQps?: number;
  /** When the peak comes; `undefined` when it may come at any hour. */
  readonly traffic?: TrafficProfile;
  /** Measured batch latencies per pool; `undefined` when none were declared. */
  readonly profile?: LatencyProfile;
  /** Tenants sorted by name; `undefined` for an untenanted model. */
  readonly tenants?: readonly TenantSpec[];
  /** Every copy gets a shard of its own. */
  readonly dedicated: boolean;
  readonly artifact: string;
  /** Triton fields: batching, tensors, optimization hints, versions (see `triton-fields.ts`). */
  readonly triton: TritonModelSpec;
}

/** Default CPU per copy when a declaration gives none. */
export const DEFAULT_COPY_CPU_MILLICORES = 100;

const MODEL_FIELDS = ['name', 'team', 'framework', 'tier', 'p99LatencyMs', 'memory', 'gpuMemory', 'cpu', 'peakQps', 'tenants', 'dedicated', 'artifact', 'traffic', 'profile', ...TRITON_DECLARATION_FIELDS];
const OVERRIDE_FIELDS = ['memory', 'gpuMemory', 'cpu', 'peakQps'];

type QuantityKind = 'memory' | 'cpu';

/** A zod schema for a quantity field, producing bytes (`memory`) or millicores (`cpu`). */
export function quantitySchema(kind: QuantityKind) {
  return z.unknown().transform((value, ctx) => {
    const parsed = parseQuantity(value);
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', input: value, message: parsed.reason });
      return z.NEVER;
    }
    const units = toWholeUnits(parsed.value, kind === 'cpu' ? 1000n : 1n);
    if (units === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message:
          kind === 'cpu'
            ? `${describeValue(value)} is finer than 1 millicore; round it to a whole number of millicores such as "250m"`
            : `${describeValue(value)} is not a whole number of bytes; use a quantity such as "1500Mi"`,
      });
      return z.NEVER;
    }
    if (units > MAX_EXACT) {
      ctx.issues.push({ code: 'custom', input: value, message: `${describeValue(value)} is absurdly large; no node has that much: check the number and the unit` });
      return z.NEVER;
    }
    return Number(units);
  });
}

function nameSchema(what: string, maxLength: number, mustStartWithLetter = false, lengthReason?: string) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value !== 'string') {
      const fix = typeof value === 'number' ? `write it in quotes: "${value}"` : 'give it as a string in quotes';
      ctx.issues.push({ code: 'custom', input: value, message: `expected the ${what} as a string, got ${describeValue(value)}; ${fix}` });
      return z.NEVER;
    }
    const problem = explainLabel(value, maxLength, mustStartWithLetter, lengthReason);
    if (problem) {
      ctx.issues.push({ code: 'custom', input: value, message: problem });
      return z.NEVER;
    }
    return value;
  });
}

/** Exported for reuse by team and stack schemas. */
export const dnsName = nameSchema;

const qps = z.number().finite().positive().max(1e7);

const overrideSchema = z.strictObject({
  memory: quantitySchema('memory').optional(),
  gpuMemory: quantitySchema('memory').optional(),
  cpu: quantitySchema('cpu').optional(),
  peakQps: qps.optional(),
});

type ParsedOverride = z.output<typeof overrideSchema>;

const tenantsSchema = z.unknown().transform((value, ctx): Record<string, ParsedOverride> => {
  const out: Record<string, ParsedOverride> = {};
  const tenantName = nameSchema('tenant name', MAX_NAME_LENGTH);
  const checkName = (name: unknown, path: (string | number)[]): string | undefined => {
    const parsed = tenantName.safeParse(name);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.issues.push({ code: 'custom', input: name, path, message: issue.message });
      return undefined;
    }
    return parsed.data;
  };
  if (Array.isArray(value)) {
    if (value.length === 0) ctx.issues.push({ code: 'custom', input: value, message: 'lists no tenants; omit `tenants` for an untenanted model' });
    value.forEach((name, index) => {
      const ok = checkName(name, [index]);
      if (ok === undefined) return;
      // Object.hasOwn, not `in`: "constructor" is a valid tenant name and on every object's prototype.
      if (Object.hasOwn(out, ok)) ctx.issues.push({ code: 'custom', input: name, path: [index], message: `tenant ${JSON.stringify(ok)} is listed twice; list each tenant once` });
      out[ok] = {};
    });
    return out;
  }
  if (value === null || typeof value !== 'object') {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `expected a list of tenant names or a record of tenant → overrides, got ${describeValue(value)}; write ${typeof value === 'string' ? `[${JSON.stringify(value)}]` : '["acme", "globex"] or { acme: {}, globex: { memory: "3Gi" } }'}`,
    });
    return out;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) ctx.issues.push({ code: 'custom', input: value, message: 'lists no tenants; omit `tenants` for an untenanted model' });
  for (const [name, override] of entries) {
    const ok = checkName(name, [name]);
    const parsed = overrideSchema.safeParse(override ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.issues.push({ ...(issue as object), path: [name, ...issue.path], input: override } as never);
      }
      continue;
    }
    if (ok !== undefined) out[ok] = parsed.data;
  }
  return out;
});

const modelSchema = z.strictObject({
  name: nameSchema('model name', MAX_NAME_LENGTH),
  team: nameSchema('team name', 63).optional(),
  framework: z.enum(FRAMEWORKS),
  tier: z.enum(SLA_TIERS).optional(),
  p99LatencyMs: z.number().finite().positive().optional(),
  memory: quantitySchema('memory'),
  gpuMemory: quantitySchema('memory').optional(),
  cpu: quantitySchema('cpu').optional(),
  peakQps: qps.optional(),
  traffic: trafficSchema.optional(),
  profile: latencyProfileSchema.optional(),
  tenants: tenantsSchema.optional(),
  dedicated: z.boolean().optional(),
  artifact: z.string().min(1),
  ...tritonFieldSchemas,
});

const ARTIFACT_RE = /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._{}\/-]*)?|gs:\/\/[a-z0-9][a-z0-9._-]{1,220}(\/[A-Za-z0-9._{}\/-]*)?|as:\/\/[A-Za-z0-9._{}\/-]+|pvc:\/\/[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[A-Za-z0-9._{}\/-]+)$/;

/** Picks the loosest tier whose promise still meets a latency target. */
export function tierForLatency(p99LatencyMs: number): SlaTier | undefined {
  let chosen: SlaTier | undefined;
  for (const tier of SLA_TIERS) if (TIER_P99_MS[tier] <= p99LatencyMs) chosen = tier;
  return chosen;
}

/**
 * Validates one declaration. Returns the normalized spec, or the issues found
 * (each with `file` and a field path prefixed by `pathPrefix`).
 */
export function validateModel(
  input: unknown,
  file: string,
  folderTeam: string,
  pathPrefix: readonly (string | number)[] = [],
): { spec?: ModelSpec; issues: SpecIssue[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ file, path: [...pathPrefix], message: `expected a model declaration made with defineModel({...}), got ${describeValue(input)}; export one defineModel({...}) or a flat array of them` }] };
  }
  const known = (path: readonly PropertyKey[]) =>
    path.length === 0
      ? MODEL_FIELDS
      : path[0] === 'tenants'
        ? OVERRIDE_FIELDS
        : path[0] === 'traffic' && path.length === 1
          ? TRAFFIC_FIELDS
        : (path[0] === 'inputs' || path[0] === 'outputs') && path.length === 2
          ? TENSOR_FIELDS
          : path[0] === 'optimization' && path.length === 1
            ? OPTIMIZATION_FIELDS
            : path[0] === 'versions' && path.length === 1
              ? VERSION_ROUTING_FIELDS
              : path[0] === 'versions' && path[1] === 'canary' && path.length === 2
                ? CANARY_FIELDS
                : [];
  const parsed = modelSchema.safeParse(input, { reportInput: true });
  const issues: SpecIssue[] = parsed.success ? [] : fromZodIssues(parsed.error.issues, input, file, pathPrefix, known);
  const raw = input as Record<string, unknown>;
  const at = (...path: (string | number)[]) => [...pathPrefix, ...path];

  if (raw.tier === undefined && raw.p99LatencyMs === undefined) {
    issues.push({ file, path: at('tier'), message: `is required: give tier ("realtime", "interactive" or "batch") or p99LatencyMs` });
  }
  if (raw.tier !== undefined && raw.p99LatencyMs !== undefined) {
    issues.push({ file, path: at('p99LatencyMs'), message: `give either tier or p99LatencyMs, not both; remove one` });
  }
  if (typeof raw.p99LatencyMs === 'number' && Number.isFinite(raw.p99LatencyMs) && raw.p99LatencyMs > 0 && tierForLatency(raw.p99LatencyMs) === undefined) {
    issues.push({
      file,
      path: at('p99LatencyMs'),
      message: `${raw.p99LatencyMs} ms is tighter than the fastest tier (realtime, p99 ≤ ${TIER_P99_MS.realtime} ms); relax it to at least ${TIER_P99_MS.realtime}`,
    });
  }
  // A team that is not a valid name is reported as such above; only a valid one can name a folder.
  if (typeof raw.team === 'string' && raw.team !== folderTeam && explainLabel(raw.team, 63) === undefined) {
    issues.push({
      file,
      path: at('team'),
      message: `is "${raw.team}" but the file is in the folder of team ${JSON.stringify(folderTeam)}; move the file to models/${raw.team}/ or remove the team field`,
    });
  }
  if (typeof raw.artifact === 'string') {
    const tenanted = raw.tenants !== undefined;
    if (!ARTIFACT_RE.test(raw.artifact)) {
      issues.push({
        file,
        path: at('artifact'),
        message: `${JSON.stringify(raw.artifact)} is not a model location Triton can load; use s3://bucket/path, gs://bucket/path, as://account/container/path or pvc://claim/path (a PersistentVolumeClaim in the team's namespace)`,
      });
    } else if (tenanted && !raw.artifact.includes('{tenant}')) {
      issues.push({
        file,
        path: at('artifact'),
        message: `${JSON.stringify(raw.artifact)} has no {tenant} placeholder, so every tenant would load the same weights; add {tenant} (e.g. ".../{tenant}")`,
      });
    } else if (!tenanted && raw.artifact.includes('{tenant}')) {
      issues.push({ file, path: at('artifact'), message: `contains {tenant} but the model declares no tenants; remove the placeholder or add tenants` });
    } else if (/(^|\/)\.\.(\/|$)/.test(raw.artifact)) {
      issues.push({ file, path: at('artifact'), message: `${JSON.stringify(raw.artifact)} contains a ".." segment; give the full path without ".."` });
    }
  }
  if (!parsed.success || issues.length > 0) return { issues };

  const data = parsed.data;
  const tier = data.tier ?? tierForLatency(data.p99LatencyMs!)!;
  const base: ResourceVector = { memory: data.memory, gpuMemory: data.gpuMemory ?? 0, cpu: data.cpu ?? DEFAULT_COPY_CPU_MILLICORES };
  const gpu = data.gpuMemory !== undefined;
  if (base.memory === 0) {
    issues.push({ file, path: at('memory'), message: `must be greater than 0, got ${describeValue(raw.memory)}; give the host memory one loaded copy needs, such as "1500Mi"` });
  }
  if (gpu && base.gpuMemory === 0) issues.push({ file, path: at('gpuMemory'), message: 'is 0; omit gpuMemory for a CPU model' });
  let tenants: TenantSpec[] | undefined;
  if (data.tenants) {
    tenants = [];
    for (const name of Object.keys(data.tenants).sort()) {
      const o = data.tenants[name]!;
      if (!gpu && o.gpuMemory !== undefined) {
        issues.push({ file, path: at('tenants', name, 'gpuMemory'), message: 'is set but the model is a CPU model (no gpuMemory); declare gpuMemory on the model or remove it here' });
      }
      const rawTenants = raw.tenants as Record<string, Record<string, unknown> | undefined>;
      const rawOverride = !Array.isArray(rawTenants) && Object.hasOwn(rawTenants, name) ? rawTenants[name] : undefined;
      if (o.memory === 0) {
        issues.push({
          file,
          path: at('tenants', name, 'memory'),
          message: `must be greater than 0, got ${describeValue(rawOverride?.memory)}; give this tenant's host memory, or remove the override to use the model's`,
        });
      }
      if (gpu && o.gpuMemory === 0) {
        issues.push({
          file,
          path: at('tenants', name, 'gpuMemory'),
          message: `must be greater than 0 for a GPU model, got ${describeValue(rawOverride?.gpuMemory)}; give this tenant's GPU memory, or remove the override to use the model's`,
        });
      }
      const peak = o.peakQps ?? data.peakQps;
      tenants.push({
        name,
        resources: { memory: o.memory ?? base.memory, gpuMemory: o.gpuMemory ?? base.gpuMemory, cpu: o.cpu ?? base.cpu },
        overridden: (['memory', 'gpuMemory', 'cpu'] as const).filter((k) => o[k] !== undefined),
        ...(peak !== undefined ? { peakQps: peak } : {}),
      });
    }
  }
  if (data.traffic && data.peakQps === undefined && !tenants?.some((t) => t.peakQps !== undefined)) {
    issues.push({ file, path: at('traffic'), message: 'has no effect without a peak: declare peakQps (on the model or its tenants) or remove traffic' });
  }
  const triton = checkTritonFields(data, data.framework, gpu, file, at);
  issues.push(...triton.issues);
  if (issues.length > 0) return { issues };
  const spec: ModelSpec = {
    file,
    pathPrefix,
    name: data.name,
    team: folderTeam,
    framework: data.framework,
    tier,
    ...(data.p99LatencyMs !== undefined ? { p99LatencyMs: data.p99LatencyMs } : {}),
    gpu,
    resources: base,
    ...(data.peakQps !== undefined ? { peakQps: data.peakQps } : {}),
    ...(data.traffic ? { traffic: data.traffic as TrafficProfile } : {}),
    ...(data.profile && Object.keys(data.profile).length ? { profile: data.profile } : {}),
    ...(tenants ? { tenants } : {}),
    dedicated: data.dedicated ?? false,
    artifact: data.artifact,
    triton: triton.spec,
  };
  return { spec, issues: [] };
}

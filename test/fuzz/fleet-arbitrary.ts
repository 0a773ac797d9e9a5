/**
 * fast-check arbitraries of whole fleets as source files: `teams.ts` and
 * `<team>/<model>.ts`, with valid and invalid values of every kind.
 *
 * Values are generated as JavaScript source text (`"1Gi"`, `NaN`, `10n`,
 * `() => {…}`), because a fleet file can hold what JSON cannot: NaN,
 * infinities, bigints, functions, symbols, dates. `arbitraryFleet()` mixes
 * valid and invalid values (most runs end in a `SpecError`);
 * `arbitraryNearValidFleet()` changes one thing in a valid fleet;
 * `arbitraryValidFleet()` only produces fleets that must synthesize.
 */
import fc from 'fast-check';
import type { FleetFile } from '../support/fleet-dir.ts';

/** A generated fleet: its files, and for valid fleets every copy id (`team/model@tenant`, `team/model`) it must place. */
export interface GeneratedFleet {
  readonly files: readonly FleetFile[];
  readonly copies?: readonly string[];
}

const str = (s: string) => JSON.stringify(s);

/** Source text of a number, NaN, ±Infinity and -0 included. */
export function numberSource(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

/** Values of every JavaScript kind, none of them a valid field value (or only by accident). */
const junk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'undefined',
    'null',
    'true',
    'false',
    '0',
    '-0',
    '-1',
    '1.5',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e308',
    '5e-324',
    'Number.MAX_SAFE_INTEGER',
    '2 ** 53 + 1',
    '10n',
    '-10n',
    '2n ** 70n',
    '""',
    '" "',
    '"\\n"',
    '"\\u0000"',
    '"\\u202e"',
    '"\\u2028"',
    '"💥"',
    '"é"',
    '"x".repeat(5000)',
    '[]',
    '[1, 2]',
    '[[]]',
    '{}',
    '{ a: 1 }',
    '() => 1',
    'function lazy() {\n  return "1Gi";\n}',
    'async () => "x"',
    'class Foo {}',
    'Symbol("s")',
    'new Date(0)',
    'new Map([["a", 1]])',
    'new Set([1])',
    '/re/g',
    'Object.create(null)',
    'new Error("boom\\nsecond line")',
    'Promise.resolve(1)',
    'new Uint8Array(2)',
    'globalThis',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }).map(str),
  fc.double().map(numberSource),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => `${b}n`),
);

/** A DNS label from a small pool (so names collide sometimes) or a fresh one. */
const label = (pool: readonly string[]) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/) });

/** Strings that are not DNS labels: case, unicode, look-alikes, control characters, injections, lengths. */
const badName = fc.oneof(
  fc.constantFrom(
    '',
    'A',
    'Txn_Scorer',
    'txn scorer',
    '-lead',
    'trail-',
    'x'.repeat(64),
    'a'.repeat(25),
    'acme\nx-tenant: evil',
    'acme\r\nSet-Cookie: x',
    '../etc',
    'a/b',
    'a.b',
    'a:b',
    'ａｃｍｅ',
    'аcme',
    'modèle',
    '模型',
    '💥',
    'tab\there',
    'nul\u0000byte',
    'rtl\u202eevil',
    'line\u2028sep',
    'zero\u200bwidth',
    '__proto__',
    'toString',
  ),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

const TEAM_POOL = ['fraud', 'search', 'docai'] as const;
const MODEL_POOL = ['txn-scorer', 'ranker', 'ocr', 'm', 'constructor', 'x'.repeat(63)];
const TENANT_POOL = ['acme', 'globex', 'initech', 'constructor', 'a', 't'.repeat(63)];

const nameSource = (pool: readonly string[]) =>
  fc.oneof({ weight: 6, arbitrary: label(pool).map(str) }, { weight: 2, arbitrary: badName.map(str) }, { weight: 1, arbitrary: junk });

/** Quantities: valid ones (small and huge), grammar edge cases, nonsense. */
export const quantitySource: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('"1Gi"', '"512Mi"', '"1500Mi"', '"2Gi"', '"250m"', '"1"', '"0.5"', '2', '"1e9"', '1073741824', '"1.5Gi"', '"4Gi"') },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.nat(3000),
        fc.option(fc.nat(999), { nil: undefined }),
        fc.constantFrom('', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'e3', 'e-2', 'E18', 'e999', 'e-999'),
      )
      .map(([sign, int, frac, suffix]) => str(`${sign}${int}${frac === undefined ? '' : `.${frac}`}${suffix}`)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"3 gigs"',
      '"1GB"',
      '"1 Gi"',
      '" 1Gi"',
      '"Gi"',
      '"1e1000"',
      '"0x10"',
      '"١"',
      '"1_000"',
      '"9".repeat(400)',
      '"9".repeat(400) + "Ei"',
      '"1Gi\\n"',
      '"."',
      '"+.5"',
      '"-0"',
      '0',
      '-1',
      '0.1',
      '1e-7',
      '1e21',
      '1e300',
    ),
  },
  { weight: 1, arbitrary: junk },
);

const qpsSource = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-5', '1e7', '1e8', '0.001', 'NaN', 'Infinity', '"300"') },
  { weight: 1, arbitrary: junk },
);

const latencySource = fc.oneof(
  fc.constantFrom('10', '100', '250', '1000', '60000', '9.99', '5', '0', '-1', 'NaN', 'Infinity', '1e308', '"100"'),
  fc.double({ min: 0, max: 5000, noNaN: true }).map(numberSource),
  junk,
);

const FRAMEWORKS = ['onnx', 'tensorrt', 'pytorch', 'tensorflow', 'python'] as const;
const TIERS = ['realtime', 'interactive', 'batch'] as const;

const enumSource = (values: readonly string[], near: readonly string[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...values).map(str) }, { weight: 1, arbitrary: fc.constantFrom(...near).map(str) }, { weight: 1, arbitrary: junk });

const artifactSource = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      's3://ml-models/x/{tenant}',
      's3://ml-models/x',
      'gs://bucket-1/models/{tenant}/v1',
      'gs://bucket-1/models',
      'as://account/container/{tenant}',
      'pvc://model-store/x/{tenant}',
      'pvc://model-store/x',
    ).map(str),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'http://example.com/model',
      's3://ml-models/../etc/{tenant}',
      's3://Bad_Bucket/x',
      'pvc://claim',
      's3://ml-models/x/{tenant}\nx',
      'file:///etc/passwd',
      's3://ml-models/x/{tenant}/{tenant}',
      's3://ml-models/{TENANT}',
    ).map(str),
  },
  { weight: 1, arbitrary: junk },
);

const tensorSource = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('INPUT__0', 'OUTPUT__0', 'x', 'scores:0', 'a/b', '_t'),
        fc.constantFrom('FP32', 'INT64', 'STRING', 'BF16', 'BOOL'),
        fc.array(fc.oneof(fc.constantFrom(-1), fc.integer({ min: 1, max: 4096 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([name, dataType, dims]) => `{ name: ${str(name)}, dataType: ${str(dataType)}, dims: [${dims.join(', ')}] }`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{ name: "x", dataType: "TYPE_FP32", dims: [1] }',
      '{ name: "x", dataType: "BYTES", dims: [1] }',
      '{ name: "x", dataType: "FP32", dims: [] }',
      '{ name: "x", dataType: "FP32", dims: [0] }',
      '{ name: "x", dataType: "FP32", dims: [-2] }',
      '{ name: "x", dataType: "FP32", dims: [1.5] }',
      '{ name: "x", dataType: "FP32", dims: [1e300] }',
      '{ name: "x", dataType: "FP32", dims: Array(17).fill(1) }',
      '{ name: "9bad", dataType: "FP32", dims: [1] }',
      '{ name: "x\\ny", dataType: "FP32", dims: [1] }',
      '{ name: "x", dims: [1] }',
      '{ name: "x", dataType: "FP32", dims: [1], shape: [1] }',
    ),
  },
  { weight: 1, arbitrary: junk },
);

const tensorsSource = fc.oneof({ weight: 4, arbitrary: fc.array(tensorSource, { maxLength: 3 }).map((t) => `[${t.join(', ')}]`) }, { weight: 1, arbitrary: junk });

const optimizationSource = fc.oneof(
  fc.constantFrom(
    '{}',
    '{ tensorrt: { precision: "FP16" } }',
    '{ tensorrt: { precision: "FP32" } }',
    '{ tensorrt: { precision: "INT8" } }',
    '{ tensorrt: {} }',
    '{ openvino: true }',
    '{ openvino: "yes" }',
    '{ cudaGraphs: true }',
    '{ cudaGraphs: false, openvino: false }',
    '{ tensorRT: { precision: "FP16" } }',
  ),
  junk,
);

const versionsSource = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: 1, max: 20 }).map(String), fc.constantFrom('0', '-1', '1.5', 'Number.MAX_SAFE_INTEGER', '2 ** 60', 'NaN')), { maxLength: 3 }).map((v) => `[${v.join(', ')}]`),
  junk,
);

const batchSource = fc.oneof(fc.constantFrom('0', '1', '4', '8', '32', '128', '4096', '5000', '-1', '1.5', 'NaN'), junk);

const hourSource = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 23 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', '24', '1.5', 'NaN', '"8"') });
const trafficSource = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(hourSource, hourSource).map(([a, b]) => `{ peakHoursUtc: [${a}, ${b}] }`) },
  { weight: 1, arbitrary: fc.constantFrom('{}', '{ peakHoursUtc: [8] }', '{ peakHoursUtc: [8, 20, 22] }', '{ peakHours: [8, 20] }', '{ peakHoursUtc: "8-20" }') },
  { weight: 1, arbitrary: junk },
);

const unknownKey = fc.constantFrom('gpuMemroy', 'replicas', 'Name', 'memroy', 'foo\nbar', '💥', '', 'constructor', 'toString', '__proto__', 'a:b');

const overrideSource = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        { memory: quantitySource, gpuMemory: quantitySource, cpu: quantitySource, peakQps: qpsSource, extra: fc.tuple(unknownKey, junk) },
        { requiredKeys: [] },
      )
      .map(({ extra, ...fields }) =>
        objectSource([...Object.entries(fields), ...(extra ? [extra] : [])]),
      ),
  },
  { weight: 1, arbitrary: junk },
);

const tenantNameRaw = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TENANT_POOL) }, { weight: 1, arbitrary: badName });

const tenantsSource = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof({ weight: 5, arbitrary: tenantNameRaw.map(str) }, { weight: 1, arbitrary: junk }), { maxLength: 3 })
      .map((names) => `[${names.join(', ')}]`),
  },
  {
    weight: 3,
    arbitrary: fc.array(fc.tuple(tenantNameRaw, overrideSource), { maxLength: 3 }).map((entries) => objectSource(entries)),
  },
  { weight: 1, arbitrary: junk },
);

/** `{ "key": value, … }`: keys quoted, so any string is a key (`"__proto__"` sets the prototype, as it would in a fleet file). */
function objectSource(entries: readonly (readonly [string, string])[]): string {
  return entries.length ? `{ ${entries.map(([k, v]) => `${str(k)}: ${v}`).join(', ')} }` : '{}';
}

/** One model declaration's fields (any of them may be missing or invalid), as object source. */
const declarationSource: fc.Arbitrary<string> = fc
  .record(
    {
      name: nameSource(MODEL_POOL),
      team: nameSource(TEAM_POOL),
      framework: enumSource(FRAMEWORKS, ['ONNX', 'torch', 'tf', 'jax', '']),
      tier: enumSource(TIERS, ['Realtime', 'ultra-fast', 'online', '']),
      p99LatencyMs: latencySource,
      memory: quantitySource,
      gpuMemory: quantitySource,
      cpu: quantitySource,
      peakQps: qpsSource,
      traffic: trafficSource,
      tenants: tenantsSource,
      dedicated: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('true', 'false') }, { weight: 1, arbitrary: junk }),
      artifact: artifactSource,
      maxBatchSize: batchSource,
      inputs: tensorsSource,
      outputs: tensorsSource,
      optimization: optimizationSource,
      versions: versionsSource,
      extra: fc.tuple(unknownKey, junk),
    },
    // Any field may be missing, valid or not.
    { requiredKeys: [] },
  )
  .chain((fields) =>
    // The fields a declaration needs come again from a second record, each kept or dropped at random;
    // when kept they precede the first record's value of the same field, which wins.
    fc
      .record({ name: nameSource(MODEL_POOL), framework: enumSource(FRAMEWORKS, ['onnx ']), memory: quantitySource, artifact: artifactSource, tier: enumSource(TIERS, ['batch ']) })
      .chain((required) => fc.subarray(Object.keys(required), { minLength: 0 }).map((kept) => ({ fields, required, kept }))),
  )
  .map(({ fields, required, kept }) => {
    const { extra, ...rest } = fields;
    const merged: Record<string, string> = { ...Object.fromEntries(kept.map((k) => [k, required[k as keyof typeof required]])), ...rest };
    return objectSource([...Object.entries(merged), ...(extra ? [extra] : [])]);
  });

/** How a model file exports its declarations. */
const modelFileSource = fc.oneof(
  { weight: 6, arbitrary: declarationSource.map((d) => `import { defineModel } from 'modelfleet';\n\nexport default defineModel(${d});\n`) },
  { weight: 2, arbitrary: declarationSource.map((d) => `export default ${d};\n`) },
  {
    weight: 2,
    arbitrary: fc.array(declarationSource, { maxLength: 3 }).map((ds) => `import { defineModel } from 'modelfleet';\n\nexport default [${ds.map((d) => `defineModel(${d})`).join(',\n')}];\n`),
  },
  { weight: 1, arbitrary: junk.map((v) => `export default ${v};\n`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'export const model = { name: "x" };\n',
      'export default defineModel({ name: "x" ;\n',
      'throw new Error("boom at import");\n',
      'throw "a string";\n',
      'throw undefined;\n',
      'throw null;\n',
      'throw Object.create(null);\n',
      'throw { message: 42 };\n',
      'throw new Error("first\\nsecond");\n',
      'const e = new Error("no stack"); e.stack = undefined; throw e;\n',
      'import missing from "./does-not-exist.ts";\nexport default missing;\n',
      'import { nope } from "modelfleet";\nexport default nope({});\n',
      'export default await Promise.resolve({ name: "awaited", framework: "onnx", tier: "batch", memory: "1Gi", artifact: "s3://ml-models/awaited" });\n',
      '',
      '// only a comment\n',
      'export default { get name() { throw new Error("getter"); } };\n',
      'export default new Proxy({}, { ownKeys() { throw new Error("proxy"); } });\n',
    ),
  },
);

const quotaSource = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          gpu: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 100000 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', '1.5', '100001', 'NaN', 'Infinity', '"8"', '8n') }, { weight: 1, arbitrary: junk }),
          cpu: quantitySource,
          memory: quantitySource,
          extra: fc.tuple(fc.constantFrom('gpus', 'nvidia.com/gpu', 'storage'), junk),
        },
        { requiredKeys: ['gpu', 'cpu', 'memory'] },
      )
      .chain((q) => fc.subarray(['gpu', 'cpu', 'memory'], { minLength: 2 }).map((kept) => ({ q, kept })))
      .map(({ q, kept }) => objectSource([...kept.map((k) => [k, q[k as 'gpu' | 'cpu' | 'memory']] as const), ...(q.extra ? [q.extra] : [])])),
  },
  { weight: 1, arbitrary: junk },
);

const teamSource = fc
  .record({ name: nameSource(TEAM_POOL), quota: quotaSource, extra: fc.option(fc.tuple(fc.constantFrom('namespace', 'qouta', 'owner'), junk), { nil: undefined }) })
  .chain((t) => fc.subarray(['name', 'quota'], { minLength: 1 }).map((kept) => ({ t, kept })))
  .map(({ t, kept }) => objectSource([...kept.map((k) => [k, t[k as 'name' | 'quota']] as const), ...(t.extra ? [t.extra] : [])]));

const teamsFileSource = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.oneof({ weight: 5, arbitrary: teamSource.map((t) => `defineTeam(${t})`) }, { weight: 1, arbitrary: teamSource }, { weight: 1, arbitrary: junk }), { maxLength: 4 })
      .map((ts) => `import { defineTeam } from 'modelfleet';\n\nexport default [\n  ${ts.join(',\n  ')},\n];\n`),
  },
  { weight: 1, arbitrary: teamSource.map((t) => `import { defineTeam } from 'modelfleet';\n\nexport default defineTeam(${t});\n`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'export const teams = [];\n',
      'export default [;\n',
      'throw new Error("teams");\n',
      'export default null;\n',
      'export default [];\n',
      'export default [,];\n',
      'export default [{ get name() { throw new Error("team getter"); }, quota: { gpu: 1, cpu: "1", memory: "1Gi" } }];\n',
      'export default [new Proxy({}, { get() { throw new Error("team proxy"); } })];\n',
    ),
  },
);

/** File names: plain, unicode, spaces, dots, hidden files, declarations files and non-TypeScript files. */
const fileName = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).map((n) => `${n}.ts`) },
  { weight: 1, arbitrary: fc.constantFrom('modèle.ts', '模型.ts', 'with space.ts', 'UPPER.ts', 'a.b.ts', '.hidden.ts', 'types.d.ts', 'README.md', 'model.js', 'x.tsx') },
);

/** Folder names: declared teams mostly, sometimes undeclared, odd or hidden ones. */
const folderName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TEAM_POOL) }, { weight: 1, arbitrary: fc.constantFrom('fruad', 'Fraud', 'ünïcode', '.git', 'node_modules', 'x y') });

/**
 * A fleet with random content: usually a `teams.ts`, and 0–4 model files in
 * team folders (sometimes undeclared ones, sometimes at the top level), each
 * with valid and invalid values of every kind.
 */
export function arbitraryFleet(): fc.Arbitrary<GeneratedFleet> {
  return fc
    .record({
      teams: fc.option(teamsFileSource, { freq: 12, nil: undefined }),
      models: fc.uniqueArray(fc.tuple(folderName, fileName, modelFileSource), { maxLength: 4, selector: ([folder, file]) => `${folder}/${file}` }),
      stray: fc.option(fc.constantFrom('stray.ts', 'notes.md'), { freq: 10, nil: undefined }),
    })
    .map(({ teams, models, stray }) => ({
      files: [
        ...(teams !== undefined ? [{ path: 'teams.ts', content: teams }] : []),
        ...models.map(([folder, file, content]) => ({ path: `${folder}/${file}`, content })),
        ...(stray ? [{ path: stray, content: 'export default 1;\n' }] : []),
      ],
    }));
}

// ---------------------------------------------------------------------------
// Valid fleets: every value within the documented contract, so synth must succeed.

interface ValidModel {
  readonly team: string;
  readonly fields: readonly (readonly [string, string])[];
  /** Index of the file in the team's folder (`file-<n>.ts`). */
  readonly file: number;
  readonly name: string;
  readonly tenants?: readonly string[];
}

/** Teams of valid fleets; "constructor" is a valid DNS label and a property of every object. */
const VALID_TEAMS = ['fraud', 'search', 'constructor'] as const;

const validQuantity = (values: readonly string[]) => fc.constantFrom(...values).map(str);

const validModel = (team: string, name: string, file: number): fc.Arbitrary<ValidModel> =>
  fc
    .record({
      framework: fc.constantFrom(...FRAMEWORKS),
      latency: fc.oneof(fc.constantFrom(...TIERS).map((t) => ({ tier: t })), fc.integer({ min: 10, max: 5000 }).map((ms) => ({ p99LatencyMs: ms }))),
      memory: validQuantity(['512Mi', '1Gi', '1500Mi', '2Gi', '0.5Gi', '1073741824']),
      gpu: fc.option(validQuantity(['1Gi', '2Gi', '3.5Gi', '4Gi']), { nil: undefined }),
      cpu: fc.option(validQuantity(['100m', '250m', '0.5', '1']), { nil: undefined }),
      peakQps: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
      traffic: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })).filter(([a, b]) => a !== b), { nil: undefined }),
      tenants: fc.option(fc.uniqueArray(fc.constantFrom(...TENANT_POOL), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      asRecord: fc.boolean(),
      overrideMemory: fc.option(validQuantity(['768Mi', '3Gi']), { nil: undefined }),
      dedicated: fc.option(fc.boolean(), { nil: undefined }),
      scheme: fc.constantFrom('s3://ml-models', 'gs://bucket-1', 'as://account/container', 'pvc://model-store'),
      unbatched: fc.boolean(),
      versions: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    })
    .map((m) => {
      const tier = 'tier' in m.latency ? m.latency.tier : m.latency.p99LatencyMs >= 1000 ? 'batch' : m.latency.p99LatencyMs >= 100 ? 'interactive' : 'realtime';
      const fields: [string, string][] = [
        ['name', str(name)],
        ['framework', str(m.framework)],
        'tier' in m.latency ? ['tier', str(m.latency.tier)] : ['p99LatencyMs', String(m.latency.p99LatencyMs)],
        ['memory', m.memory],
        ['artifact', str(`${m.scheme}/${team}/${name}${m.tenants ? '/{tenant}' : ''}`)],
      ];
      if (m.gpu) fields.push(['gpuMemory', m.gpu]);
      if (m.cpu) fields.push(['cpu', m.cpu]);
      const withPeak = m.peakQps !== undefined;
      if (withPeak) fields.push(['peakQps', String(m.peakQps)]);
      if (withPeak && m.traffic) fields.push(['traffic', `{ peakHoursUtc: [${m.traffic[0]}, ${m.traffic[1]}] }`]);
      if (m.tenants) {
        fields.push([
          'tenants',
          m.asRecord
            ? objectSource(m.tenants.map((t, i) => [t, i === 0 && m.overrideMemory ? `{ memory: ${m.overrideMemory} }` : '{}']))
            : `[${m.tenants.map(str).join(', ')}]`,
        ]);
      }
      if (m.dedicated !== undefined) fields.push(['dedicated', String(m.dedicated)]);
      if (m.unbatched) fields.push(['maxBatchSize', '0']);
      else fields.push(['maxBatchSize', String({ realtime: 8, interactive: 32, batch: 128 }[tier])]);
      if (m.framework === 'pytorch') {
        fields.push(['inputs', '[{ name: "INPUT__0", dataType: "FP32", dims: [-1, 16] }]'], ['outputs', '[{ name: "OUTPUT__0", dataType: "FP32", dims: [1] }]']);
      }
      if (m.framework === 'onnx' && m.gpu) fields.push(['optimization', '{ tensorrt: { precision: "FP16" } }']);
      if (m.framework === 'tensorrt' && m.gpu) fields.push(['optimization', '{ cudaGraphs: true }']);
      if (m.versions) fields.push(['versions', `[${m.versions.join(', ')}]`]);
      return { team, name, file, fields, ...(m.tenants ? { tenants: m.tenants } : {}) };
    });

/** A change that makes a valid fleet (probably) invalid: one field of one model, or the quotas. */
type Mutation =
  | { readonly kind: 'replace' | 'delete'; readonly model: number; readonly field: number; readonly value: string }
  | { readonly kind: 'add'; readonly model: number; readonly key: string; readonly value: string }
  | { readonly kind: 'quota'; readonly gpu: string; readonly cpu: string; readonly memory: string };

const anyFieldValue = fc.oneof(junk, quantitySource, nameSource(MODEL_POOL), tenantsSource, artifactSource, tensorsSource, latencySource, batchSource, trafficSource);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('replace' as const), model: fc.nat(), field: fc.nat(), value: anyFieldValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const), model: fc.nat(), field: fc.nat(), value: fc.constant('') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('add' as const),
      model: fc.nat(),
      key: fc.oneof(unknownKey, fc.constantFrom('gpuMemory', 'cpu', 'peakQps', 'traffic', 'tenants', 'dedicated', 'maxBatchSize', 'inputs', 'outputs', 'optimization', 'versions', 'team', 'p99LatencyMs')),
      value: anyFieldValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('quota' as const),
      gpu: fc.constantFrom('0', '1', '2', '8', '100000'),
      cpu: fc.constantFrom('"1"', '"4"', '"64"', '"100000"'),
      memory: fc.constantFrom('"1Gi"', '"16Gi"', '"256Gi"', '"1000Ti"'),
    }),
  },
);

function applyMutation(models: readonly ValidModel[], m: Mutation): { models: ValidModel[]; quota?: string } {
  if (m.kind === 'quota') return { models: [...models], quota: `{ gpu: ${m.gpu}, cpu: ${m.cpu}, memory: ${m.memory} }` };
  const index = m.model % models.length;
  const target = models[index]!;
  let fields = [...target.fields];
  if (m.kind === 'add') fields = [...fields.filter(([k]) => k !== m.key), [m.key, m.value]];
  else {
    const f = m.field % fields.length;
    fields = m.kind === 'delete' ? fields.filter((_, i) => i !== f) : fields.map((entry, i) => (i === f ? [entry[0], m.value] : entry));
  }
  return { models: models.map((model, i) => (i === index ? { ...model, fields } : model)) };
}

/**
 * A valid fleet with one change (a field of one model replaced, removed or
 * added, or the teams' quotas lowered): deep paths of synth (packing, sizing,
 * quotas, Triton and platform rules) on a fleet that is valid everywhere else.
 */
export function arbitraryNearValidFleet(): fc.Arbitrary<GeneratedFleet> {
  return fc.tuple(validModels(), mutation).map(([models, m]) => {
    const mutated = applyMutation(models, m);
    return { files: fleetFiles(mutated.models, mutated.quota) };
  });
}

/**
 * A valid fleet: the teams with generous quotas and 1–4 valid models (unique
 * names) spread over 1–3 files per team. Carries every copy id it must place.
 */
export function arbitraryValidFleet(): fc.Arbitrary<GeneratedFleet> {
  return validModels().map((models) => ({
    files: fleetFiles(models),
    copies: models.flatMap((model) => (model.tenants ? model.tenants.map((t) => `${model.team}/${model.name}@${t}`) : [`${model.team}/${model.name}`])),
  }));
}

function validModels(): fc.Arbitrary<ValidModel[]> {
  return fc
    .record({
      slots: fc.array(fc.tuple(fc.constantFrom(...VALID_TEAMS), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 4 }),
      // Names that are also properties of every object ("constructor") must work like any other.
      prototypeName: fc.boolean(),
    })
    .chain(({ slots, prototypeName }) =>
      fc.tuple(...slots.map(([team, file], i) => validModel(team, i === 0 && prototypeName ? 'constructor' : `m${i}-${team}`, file))),
    );
}

/** The files of a fleet of `models`: teams.ts (every team with `quota`) and the models grouped by their file. */
function fleetFiles(models: readonly ValidModel[], quota = '{ gpu: 100000, cpu: "100000", memory: "1000Ti" }'): FleetFile[] {
  const byFile = new Map<string, ValidModel[]>();
  for (const model of models) {
    const path = `${model.team}/file-${model.file}.ts`;
    byFile.set(path, [...(byFile.get(path) ?? []), model]);
  }
  const teams = VALID_TEAMS.map((t) => `  defineTeam({ name: ${str(t)}, quota: ${quota} }),`).join('\n');
  const files: FleetFile[] = [{ path: 'teams.ts', content: `import { defineTeam } from 'modelfleet';\n\nexport default [\n${teams}\n];\n` }];
  for (const [path, group] of byFile) {
    const sources = group.map((m) => `defineModel(${objectSource(m.fields)})`);
    const body = sources.length === 1 ? sources[0]! : `[\n  ${sources.join(',\n  ')},\n]`;
    files.push({ path, content: `import { defineModel } from 'modelfleet';\n\nexport default ${body};\n` });
  }
  return files;
}

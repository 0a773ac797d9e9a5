/**
 * Generated fleets shaped like the example fleet (`models/`), at any size, for
 * `npm run bench:synth`: the same five kinds of team with the same seventeen
 * kinds of model (frameworks, tiers and latency targets, sizes, peak
 * traffic, latency profiles, Triton tensors), tenanted models with many
 * tenants (a few large tenants with their own sizes, the rest on the model's
 * defaults), and a few untenanted models per team. A fleet of `copies`
 * copies has 5 teams per 2,000 copies; each team's tenanted models have
 * 1–5.5 times (on average about 3.3 times) the example's tenant counts. Seeded
 * (`mulberry32`), so every machine generates the same fleet.
 *
 * The result is the fleet's files (`teams.ts`, `<team>/<model>.ts`), each
 * importing `modelfleet` the way a fleet repository does; write them inside
 * the package (`.tmp-fleet-copy/`) so that import resolves.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../core/packer/random.ts';

/** One file of a generated fleet, relative to the models directory. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** A generated fleet: its files and how many copies they declare. */
export interface GeneratedFleet {
  readonly files: readonly GeneratedFile[];
  readonly copies: number;
  /** Team names, in `teams.ts` order. */
  readonly teams: readonly string[];
  readonly models: number;
}

interface ModelTemplate {
  readonly name: string;
  readonly declaration: Readonly<Record<string, unknown>>;
  /** The example's tenant count; undefined for an untenanted model. */
  readonly tenants?: number;
  /** Overrides of the example's large tenants (first tenants of the list get them). */
  readonly large?: readonly Readonly<Record<string, unknown>>[];
}

const PROFILE = {
  'gpu-l4': { 1: 1.95, 2: 2.71, 4: 4.53, 8: 9.09 },
  'gpu-a100-80g': { 1: 0.67, 2: 0.83, 4: 1.02, 8: 1.38, 16: 2.18, 32: 4.1 },
};

/** The example fleet's teams and models (`models/`), with its sizes, tiers and tenant counts. */
const TEAMS: readonly { readonly name: string; readonly models: readonly ModelTemplate[] }[] = [
  {
    name: 'docai',
    models: [
      { name: 'doc-classifier', tenants: 30, declaration: { framework: 'onnx', tier: 'batch', memory: '512Mi', cpu: '250m', peakQps: 50 } },
      { name: 'doc-summarizer', declaration: { framework: 'python', tier: 'batch', memory: '24Gi', gpuMemory: '40Gi', cpu: '2', peakQps: 5 } },
      {
        name: 'invoice-ocr',
        tenants: 64,
        declaration: { framework: 'tensorrt', tier: 'interactive', memory: '2Gi', gpuMemory: '2Gi', cpu: '500m', peakQps: 30 },
        large: [
          { memory: '3Gi', gpuMemory: '4Gi', cpu: '1', peakQps: 150 },
          { memory: '3Gi', gpuMemory: '3Gi', cpu: '1', peakQps: 120 },
        ],
      },
      {
        name: 'layout-detector',
        declaration: {
          framework: 'pytorch',
          tier: 'interactive',
          memory: '3Gi',
          gpuMemory: '4Gi',
          cpu: '1',
          peakQps: 60,
          inputs: [
            { name: 'INPUT__0', dataType: 'INT64', dims: [512] },
            { name: 'INPUT__1', dataType: 'INT64', dims: [512, 4] },
            { name: 'INPUT__2', dataType: 'FP32', dims: [3, 224, 224] },
          ],
          outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [512, 7] }],
        },
      },
    ],
  },
  {
    name: 'forecasting',
    models: [
      {
        name: 'demand-forecaster',
        tenants: 100,
        declaration: { framework: 'python', tier: 'batch', memory: '1Gi', cpu: '500m', peakQps: 20 },
        large: [{ memory: '3Gi', cpu: '1' }, { memory: '6Gi', cpu: '2', peakQps: 120 }, { memory: '4Gi', cpu: '1500m', peakQps: 80 }],
      },
      {
        name: 'horizon-tft',
        declaration: {
          framework: 'pytorch',
          p99LatencyMs: 2000,
          memory: '6Gi',
          gpuMemory: '10Gi',
          cpu: '2',
          peakQps: 30,
          inputs: [
            { name: 'INPUT__0', dataType: 'FP32', dims: [-1, 32] },
            { name: 'INPUT__1', dataType: 'FP32', dims: [16] },
          ],
          outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [52, 3] }],
        },
      },
      { name: 'price-elasticity', tenants: 40, declaration: { framework: 'onnx', tier: 'batch', memory: '512Mi', cpu: '200m', peakQps: 20 } },
    ],
  },
  {
    name: 'fraud',
    models: [
      {
        name: 'ato-detector',
        declaration: {
          framework: 'pytorch',
          tier: 'realtime',
          versions: { stable: 12, canary: { version: 13, weight: 5 } },
          memory: '1500Mi',
          gpuMemory: '2Gi',
          cpu: '500m',
          peakQps: 1500,
          inputs: [{ name: 'INPUT__0', dataType: 'FP32', dims: [-1, 24] }],
          outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [1] }],
        },
      },
      { name: 'merchant-risk', tenants: 48, declaration: { framework: 'onnx', tier: 'interactive', memory: '400Mi', cpu: '250m', peakQps: 100 } },
      {
        name: 'txn-scorer',
        tenants: 96,
        declaration: { framework: 'onnx', tier: 'realtime', memory: '600Mi', gpuMemory: '1Gi', cpu: '200m', peakQps: 400, traffic: { peakHoursUtc: [13, 23] } },
        large: [
          { memory: '1500Mi', gpuMemory: '3Gi', cpu: '1', peakQps: 3000 },
          { memory: '1200Mi', gpuMemory: '2Gi', cpu: '750m', peakQps: 1800 },
          { gpuMemory: '2Gi', cpu: '500m', peakQps: 1200 },
        ],
      },
    ],
  },
  {
    name: 'recsys',
    models: [
      {
        name: 'ranker',
        tenants: 72,
        declaration: { framework: 'tensorflow', tier: 'interactive', memory: '2Gi', gpuMemory: '2Gi', cpu: '400m', peakQps: 300 },
        large: [
          { memory: '6Gi', gpuMemory: '6Gi', cpu: '1500m', peakQps: 2500 },
          { memory: '4Gi', gpuMemory: '4Gi', cpu: '1', peakQps: 1200 },
          { memory: '4Gi', gpuMemory: '5Gi', cpu: '1', peakQps: 1500 },
        ],
      },
      { name: 'trending-items', declaration: { framework: 'python', tier: 'batch', memory: '2Gi', cpu: '1', peakQps: 100 } },
      {
        name: 'two-tower-item',
        tenants: 32,
        declaration: {
          framework: 'pytorch',
          tier: 'batch',
          memory: '2Gi',
          gpuMemory: '3Gi',
          cpu: '750m',
          peakQps: 40,
          inputs: [{ name: 'INPUT__0', dataType: 'INT64', dims: [-1] }],
          outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [128] }],
        },
      },
      { name: 'two-tower-user', tenants: 32, declaration: { framework: 'tensorrt', tier: 'realtime', memory: '1500Mi', gpuMemory: '2Gi', cpu: '250m', peakQps: 500 } },
    ],
  },
  {
    name: 'search',
    models: [
      {
        name: 'cross-encoder',
        tenants: 24,
        declaration: { framework: 'tensorrt', p99LatencyMs: 40, memory: '2Gi', gpuMemory: '3Gi', cpu: '500m', peakQps: 200, profile: PROFILE },
      },
      { name: 'query-embedder', declaration: { framework: 'onnx', tier: 'realtime', memory: '1Gi', gpuMemory: '1536Mi', cpu: '500m', peakQps: 2000, profile: PROFILE } },
      { name: 'query-intent', tenants: 56, declaration: { framework: 'onnx', tier: 'interactive', memory: '512Mi', cpu: '250m', peakQps: 60 } },
    ],
  },
];

/** Tenant names like the example's (`bluewater-credit-union`, `aspen-books`): a place and a line of business. */
const PLACES = [
  'alder', 'alpine', 'anchor', 'aspen', 'atlantic', 'atlas', 'badger', 'bayview', 'beacon', 'birch', 'bluebird', 'bluewater',
  'bramble', 'bridgeport', 'brightpath', 'brookfield', 'canopy', 'canyon', 'cascade', 'citizens', 'civic', 'clover', 'coastal',
  'cobalt', 'compass', 'copper', 'cornerstone', 'crescent', 'cypress', 'driftwood', 'eastgate', 'elmstead', 'ember', 'evergreen',
  'fairhaven', 'falcon', 'fern', 'firstlight', 'frontier', 'goldleaf', 'granite', 'greenleaf', 'harbor', 'harvest', 'hazel',
  'heartland', 'heron', 'highland', 'hillcrest', 'horizon', 'indigo', 'juniper', 'keystone', 'lakeshore', 'lantern', 'liberty',
  'lodestar', 'lumen', 'magnolia', 'maple', 'meadow', 'meridian', 'midland', 'nimbus', 'northstar', 'oakridge', 'orchid', 'otter',
  'pinecrest', 'pioneer', 'prairie', 'quarry', 'redrock', 'redwood', 'riverbend', 'saffron', 'seaboard', 'sequoia', 'sparrow',
  'summit', 'sundial', 'sunrise', 'thistle', 'tidewater', 'trailhead', 'tundra', 'valley', 'vista', 'westfield', 'willow', 'wren',
];
const BUSINESSES = [
  'bank', 'bancorp', 'books', 'card', 'claims', 'credit-union', 'electronics', 'fashion', 'fcu', 'financial', 'freight', 'garden',
  'goods', 'grocers', 'health', 'home', 'insurance', 'kitchen', 'legal', 'lending', 'living', 'logistics', 'market', 'media',
  'medical', 'mutual', 'news', 'outfitters', 'pay', 'payroll', 'pets', 'property', 'realty', 'rentals', 'savings', 'shipping',
  'shoes', 'sports', 'supply', 'tickets', 'toys', 'travel', 'trust',
];

/** Copies per group of five teams (one of each kind). */
const COPIES_PER_GROUP = 2000;

/**
 * A fleet of exactly `copies` model copies shaped like the example fleet.
 *
 * @param copies how many copies (at least 600)
 * @param seed the PRNG seed
 */
export function generatedFleet(copies: number, seed: number): GeneratedFleet {
  if (!Number.isInteger(copies) || copies < 600) throw new Error(`generatedFleet: copies must be an integer of at least 600, got ${copies}`);
  const random = mulberry32(seed);
  const groups = Math.max(1, Math.round(copies / COPIES_PER_GROUP));
  const untenanted = TEAMS.reduce((n, t) => n + t.models.filter((m) => m.tenants === undefined).length, 0) * groups;
  // Every tenanted model draws a factor in [1, 5.5]; the counts are then scaled so that they add up to `copies` exactly.
  interface Planned {
    readonly team: string;
    readonly kind: string;
    readonly template: ModelTemplate;
    tenants: number;
  }
  const planned: Planned[] = [];
  for (let g = 0; g < groups; g++) {
    for (const team of TEAMS) {
      for (const template of team.models) {
        planned.push({ team: `${team.name}-${String(g + 1).padStart(3, '0')}`, kind: team.name, template, tenants: template.tenants ? template.tenants * (1 + 4.5 * random()) : 0 });
      }
    }
  }
  const wanted = copies - untenanted;
  const drawn = planned.reduce((n, p) => n + p.tenants, 0);
  let assigned = 0;
  const tenanted = planned.filter((p) => p.template.tenants);
  for (const p of tenanted) {
    p.tenants = Math.max(2, Math.floor((p.tenants / drawn) * wanted));
    assigned += p.tenants;
  }
  // The rounding remainder, one tenant each, round robin.
  for (let i = 0; assigned < wanted; i++, assigned++) tenanted[i % tenanted.length]!.tenants++;
  for (let i = 0; assigned > wanted; i++) {
    const p = tenanted[i % tenanted.length]!;
    if (p.tenants > 2) {
      p.tenants--;
      assigned--;
    }
  }

  const names = PLACES.flatMap((p) => BUSINESSES.map((b) => `${p}-${b}`));
  const files: GeneratedFile[] = [];
  const teamNames = [...new Set(planned.map((p) => p.team))];
  const teamLines = teamNames.map((team) => {
    const models = planned.filter((p) => p.team === team);
    const copiesOfTeam = models.reduce((n, p) => n + (p.template.tenants ? p.tenants : 1), 0);
    // Room to grow at max replicas (the example's cross-encoder, with its 40 ms target, needs up to 3 GPUs a copy): 4 GPUs,
    // 32 CPUs and 128Gi a copy, and a budget of $2,000 a copy.
    const gpu = Math.max(16, copiesOfTeam * 4);
    return `  defineTeam({ name: '${team}', quota: { gpu: ${gpu}, cpu: '${gpu * 8}', memory: '${gpu * 32}Gi' }, budget: { monthlyUsd: ${copiesOfTeam * 2000} } }),`;
  });
  files.push({
    path: 'teams.ts',
    content: `// Generated by bench/generated-fleet.ts (${copies} copies, seed ${seed}).\nimport { defineTeam } from 'modelfleet';\n\nexport default [\n${teamLines.join('\n')}\n];\n`,
  });
  for (const p of planned) {
    const name = `${p.template.name}-${p.team.slice(p.kind.length + 1)}`;
    const declaration: Record<string, unknown> = {
      name,
      ...p.template.declaration,
      artifact: p.template.tenants
        ? `s3://ml-models-prod/${p.team}/${name}/{tenant}`
        : `s3://ml-models-prod/${p.team}/${name}${p.template.declaration.versions ? '' : '/v1'}`,
    };
    if (p.template.tenants) {
      // Distinct tenant names drawn without replacement; the large tenants first.
      const pool = [...names];
      const tenants: Record<string, unknown> = {};
      for (let i = 0; i < p.tenants; i++) {
        let tenant: string;
        if (pool.length) {
          const j = Math.floor(random() * pool.length);
          tenant = pool[j]!;
          pool[j] = pool[pool.length - 1]!;
          pool.pop();
        } else tenant = `tenant-${String(i).padStart(5, '0')}`;
        tenants[tenant] = p.template.large?.[i] ?? {};
      }
      declaration.tenants = Object.fromEntries(Object.entries(tenants).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    files.push({
      path: `${p.team}/${name}.ts`,
      content: `// Generated by bench/generated-fleet.ts: ${p.template.name} of the example fleet for team ${p.team}.\nimport { defineModel } from 'modelfleet';\n\nexport default defineModel(${JSON.stringify(declaration, null, 2)});\n`,
    });
  }
  return { files, copies, teams: teamNames, models: planned.length };
}

/**
 * Writes `fleet` to a fresh directory `<root>/.tmp-fleet-copy/<prefix>-XXXX`
 * (its declarations under `models/`) and returns the directory; the caller
 * removes it.
 */
export function writeGeneratedFleet(fleet: GeneratedFleet, root: string, prefix: string): string {
  mkdirSync(join(root, '.tmp-fleet-copy'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp-fleet-copy', `${prefix}-`));
  for (const f of fleet.files) {
    const path = join(dir, 'models', f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  return dir;
}

/**
 * `modelfleet:routing.gateways` with a gateway and host per team: one gateway
 * carrying every tenant's routes of a generated fleet would exceed what Envoy
 * accepts, and synth refuses it (docs/routing.md#several-gateways).
 */
export function gatewayPerTeam(teams: readonly string[]): Record<string, { gateway: string; host: string }> {
  return Object.fromEntries(teams.map((t) => [t, { gateway: `istio-system/${t}-gateway`, host: `${t}.inference.modelfleet.internal` }]));
}

/** `--sizes 10000,20_000`: fleet sizes of at least 600 copies (the example fleet's size). */
export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  for (const n of sizes) if (!Number.isInteger(n) || n < 600) throw new Error(`--sizes: every size must be an integer of at least 600, got ${n}`);
  return sizes;
}

/**
 * Model versions: the list form and the stable/canary form of `versions`,
 * from declaration to validated spec, packed copy and Triton configuration.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineModel } from 'modelfleet';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { packShards } from '../../core/packer/pack-shards.ts';
import { expandCopies, loadedResources } from '../../core/plan/expand-copies.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { validateModel } from '../../core/spec/model-spec.ts';
import { loadedVersionCount } from '../../core/spec/triton-fields.ts';
import { tritonModelConfig } from '../../core/triton/model-config.ts';
import { shardModelConfigs } from '../../core/triton/shard-model-configs.ts';
import { modelConfigProblems, renderModelConfig } from '../../core/triton/validate-model-config.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { withFleet } from '../support/fleet-dir.ts';
import { model } from '../support/model-fixture.ts';

const stack = resolvePlatformStack();
const Gi = 2 ** 30;
const Mi = 2 ** 20;
const FILE = 'models/fraud/ato-detector.ts';
const base = { name: 'ato-detector', framework: 'onnx', tier: 'realtime', memory: '1Gi', gpuMemory: '2Gi', cpu: '250m', peakQps: 100, artifact: 's3://ml-models/fraud/ato' };
const validate = (versions: unknown, extra: Record<string, unknown> = {}) => validateModel({ ...base, ...extra, versions }, FILE, 'fraud');
const problems = (versions: unknown) => formatIssues(validate(versions).issues);
const compile = (versions: unknown) => {
  const [copy] = expandCopies([validate(versions).spec!]);
  return tritonModelConfig(copy!, { tier: stack.tiers.realtime.triton, poolKind: 'gpu' });
};

describe('versions in a declaration', () => {
  it('keeps the list form as it was: loaded versions sorted, no routing split', () => {
    const { spec, issues } = validate([7, 3]);
    expect(issues).toEqual([]);
    expect(spec!.triton.versions).toEqual([3, 7]);
    expect(spec!.triton).not.toHaveProperty('versionRouting');
    expect(validate(undefined).spec!.triton).not.toHaveProperty('versions');
    expect(validate(undefined).spec!.triton).not.toHaveProperty('versionRouting');
  });

  it('loads stable and the canary, and exposes the split as versionRouting', () => {
    const { spec, issues } = validate({ stable: 3, canary: { version: 4, weight: 10 } });
    expect(issues).toEqual([]);
    expect(spec!.triton.versions).toEqual([3, 4]);
    expect(spec!.triton.versionRouting).toEqual({ stable: 3, canary: { version: 4, weight: 10 } });
    // A canary may be older than stable (a rollback under test); loaded versions stay sorted.
    expect(validate({ stable: 5, canary: { version: 2, weight: 50 } }).spec!.triton).toMatchObject({ versions: [2, 5], versionRouting: { stable: 5, canary: { version: 2, weight: 50 } } });
    expect(validate({ stable: 3, canary: { version: 4, weight: 1 } }).issues).toEqual([]);
    expect(validate({ stable: 3, canary: { version: 4, weight: 99 } }).issues).toEqual([]);
  });

  it('pins one version with { stable } alone', () => {
    const { spec } = validate({ stable: 3 });
    expect(spec!.triton.versions).toEqual([3]);
    expect(spec!.triton.versionRouting).toEqual({ stable: 3 });
    expect(spec!.triton.versionRouting).not.toHaveProperty('canary');
  });

  it('rejects a canary equal to stable and weights outside 1..99, naming the field, the value and the fix', () => {
    expect(problems({ stable: 3, canary: { version: 3, weight: 10 } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions.canary.version: is 3, the same version as stable; give the canary the version under test, or remove canary to serve version 3 alone"`,
    );
    expect(problems({ stable: 3, canary: { version: 4, weight: 0 } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions.canary.weight: 0 sends no traffic to the canary; give a weight from 1 to 99, or remove canary to serve only the stable version"`,
    );
    expect(problems({ stable: 3, canary: { version: 4, weight: 100 } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions.canary.weight: 100 leaves no traffic for the stable version; give a weight from 1 to 99, or promote the canary: make its version stable and remove canary"`,
    );
    expect(problems({ stable: 3, canary: { version: 4, weight: 2.5 } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions.canary.weight: 2.5 is not a whole percentage; give a whole number from 1 to 99, such as 3"`,
    );
    expect(problems({ stable: 3, canary: { version: 4, weight: '10%' } })).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions.canary.weight: expected a whole percentage from 1 to 99, got "10%"; write 10 without quotes or %"`,
    );
    expect(problems({ stable: 3, canary: { version: 4, weight: '10' } })).toBe(
      'models/fraud/ato-detector.ts: versions.canary.weight: expected a whole percentage from 1 to 99, got "10"; write 10 without quotes',
    );
  });

  it('rejects unknown fields with a suggestion, and missing or malformed versions', () => {
    expect(problems({ stable: 3, canary: { version: 4, wieght: 10 } })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: versions.canary.weight: is required: give the percentage of requests the canary receives, a whole number from 1 to 99, e.g. weight: 10
      models/fraud/ato-detector.ts: versions.canary.wieght: unknown field "wieght"; did you mean "weight"?"
    `);
    expect(problems({ stabel: 3, canary: { version: 4, weight: 10 } })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: versions.stable: is required: give the version that serves the traffic, e.g. stable: 3
      models/fraud/ato-detector.ts: versions.stabel: unknown field "stabel"; did you mean "stable"?"
    `);
    expect(problems({ stable: 3, latest: true })).toBe('models/fraud/ato-detector.ts: versions.latest: unknown field "latest"; remove it (known fields: stable, canary)');
    expect(problems({ stable: 0, canary: { weight: 10 } })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: versions.stable: 0 is not a model version; give a whole number of at least 1, such as 3 (versions are the numbered subdirectories of the artifact)
      models/fraud/ato-detector.ts: versions.canary.version: is required: give the version the canary serves, e.g. version: 4"
    `);
    expect(problems({ stable: '3', canary: 4 })).toMatchInlineSnapshot(`
      "models/fraud/ato-detector.ts: versions.stable: expected a version number, got "3"; write 3 without quotes
      models/fraud/ato-detector.ts: versions.canary: expected an object, got 4; write an object { version, weight }"
    `);
    expect(problems(4)).toMatchInlineSnapshot(
      `"models/fraud/ato-detector.ts: versions: expected a list of versions or { stable, canary }, got 4; write [4], or { stable: 4 } (add canary: { version, weight } to send part of the traffic to another version)"`,
    );
  });

  it('reports version problems together with the declaration\'s other problems', () => {
    const { issues } = validateModel({ ...base, memory: '3 gigs', versions: { stable: 3, canary: { version: 3, weight: 100 } } }, FILE, 'fraud');
    expect(issues.map((i) => i.path.join('.'))).toEqual(['memory', 'versions.canary.weight']);
  });

  it('keeps the list form\'s messages', () => {
    expect(problems([2, 2])).toBe('models/fraud/ato-detector.ts: versions: lists version 2 twice; list each version once');
    expect(problems([])).toBe('models/fraud/ato-detector.ts: versions: must list at least 1 entry');
    expect(problems([0])).toBe('models/fraud/ato-detector.ts: versions[0]: must be at least 1, got 0');
  });

  it('types both forms for defineModel', () => {
    const decl = { name: 'm', framework: 'onnx', tier: 'batch', artifact: 's3://ml-models/m', memory: '1Gi' } as const;
    const ok = [
      defineModel({ ...decl, versions: [3, 4] }),
      defineModel({ ...decl, versions: { stable: 3 } }),
      defineModel({ ...decl, versions: { stable: 3, canary: { version: 4, weight: 10 } } }),
    ];
    for (const d of ok) expect(validateModel(d, 'models/x/m.ts', 'x').issues).toEqual([]);
    const bad = [
      // @ts-expect-error — a canary needs a weight
      defineModel({ ...decl, versions: { stable: 3, canary: { version: 4 } } }),
      // @ts-expect-error — unknown field (typo)
      defineModel({ ...decl, versions: { stable: 3, canary: { version: 4, wieght: 10 } } }),
      // @ts-expect-error — versions are numbers
      defineModel({ ...decl, versions: { stable: '3' } }),
      // @ts-expect-error — stable is required
      defineModel({ ...decl, versions: { canary: { version: 4, weight: 10 } } }),
    ];
    for (const d of bad) expect(validateModel(d, 'models/x/m.ts', 'x').issues.length).toBeGreaterThan(0);
  });
});

describe('loaded versions in packing', () => {
  it('counts memory and GPU memory once per loaded version, CPU and peakQps once', () => {
    const sizes = (versions: unknown) => {
      const [copy] = expandCopies([validate(versions).spec!]);
      return { ...copy!.resources, peakQps: copy!.peakQps };
    };
    expect(sizes(undefined)).toEqual({ memory: Gi, gpuMemory: 2 * Gi, cpu: 250, peakQps: 100 });
    expect(sizes({ stable: 3 })).toEqual({ memory: Gi, gpuMemory: 2 * Gi, cpu: 250, peakQps: 100 });
    expect(sizes({ stable: 3, canary: { version: 4, weight: 10 } })).toEqual({ memory: 2 * Gi, gpuMemory: 4 * Gi, cpu: 250, peakQps: 100 });
    expect(sizes([1, 2, 3])).toEqual({ memory: 3 * Gi, gpuMemory: 6 * Gi, cpu: 250, peakQps: 100 });
    expect(loadedVersionCount({})).toBe(1);
    expect(loadedResources({ memory: 5, gpuMemory: 0, cpu: 7 }, 2)).toEqual({ memory: 10, gpuMemory: 0, cpu: 7 });
  });

  it('multiplies per-tenant overrides too, and keeps the declared sizes on the spec', () => {
    const m = model('fraud', {
      name: 'scorer',
      memory: '1Gi',
      gpuMemory: '1Gi',
      tenants: { acme: { memory: '3Gi', cpu: '2' }, globex: {} },
      versions: { stable: 1, canary: { version: 2, weight: 25 } },
    });
    expect(m.resources).toEqual({ memory: Gi, gpuMemory: Gi, cpu: 100 });
    expect(expandCopies([m]).map((c) => [c.id, c.resources])).toEqual([
      ['fraud/scorer@acme', { memory: 6 * Gi, gpuMemory: 2 * Gi, cpu: 2000 }],
      ['fraud/scorer@globex', { memory: 2 * Gi, gpuMemory: 2 * Gi, cpu: 100 }],
    ]);
  });

  it('packs a shard by the multiplied sizes', () => {
    const one = model('fraud', { name: 'scorer', gpuMemory: '4Gi', tenants: ['a', 'b'] });
    const two = model('fraud', { name: 'scorer', gpuMemory: '4Gi', tenants: ['a', 'b'], versions: { stable: 1, canary: { version: 2, weight: 10 } } });
    const used = (m: typeof one) => packShards(expandCopies([m]), { stack }).plan!.shards.reduce((n, s) => n + s.used.gpuMemory, 0);
    expect(used(one)).toBe(8 * Gi);
    expect(used(two)).toBe(16 * Gi);
  });

  it('says a copy that fits no pool counts its loaded versions', () => {
    // 50Gi fits an A100 shard (55.3Gi after overhead and headroom); two loaded versions do not.
    expect(packShards(expandCopies([model('search', { name: 'llm', gpuMemory: '50Gi' })]), { stack }).issues).toEqual([]);
    const canary = model('search', { name: 'llm', gpuMemory: '50Gi', tenants: ['acme'], versions: { stable: 7, canary: { version: 8, weight: 5 } } });
    expect(formatIssues(packShards(expandCopies([canary]), { stack }).issues)).toMatchInlineSnapshot(
      `"models/search/llm.ts: gpuMemory: 100Gi (2 loaded versions × 50Gi, tenant acme) exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model, load fewer versions or add a larger pool to the stack"`,
    );
  });
});

describe('versions in the Triton model configuration', () => {
  it('loads the declared versions: the list, or stable and canary', () => {
    expect(compile(undefined).version_policy).toEqual({ latest: { num_versions: 1 } });
    expect(compile([7, 3]).version_policy).toEqual({ specific: { versions: [3, 7] } });
    expect(compile({ stable: 3 }).version_policy).toEqual({ specific: { versions: [3] } });
    const config = compile({ stable: 4, canary: { version: 3, weight: 10 } });
    expect(config.version_policy).toEqual({ specific: { versions: [3, 4] } });
    expect(modelConfigProblems(config)).toEqual([]);
    expect(renderModelConfig(config)).toContain('version_policy {\n  specific {\n    versions: [ 3, 4 ]\n  }\n}');
  });

  it('goes from a declaration file through the loader to the plan and the shard configuration', async () => {
    const teams = `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'fraud', quota: { gpu: 8, cpu: '64', memory: '512Gi' } })];\n`;
    const scorer = `import { defineModel } from 'modelfleet';
export default defineModel({
  name: 'txn-scorer', framework: 'onnx', tier: 'realtime', memory: '1500Mi', gpuMemory: '2Gi', cpu: '250m',
  tenants: ['acme'], artifact: 's3://ml-models/fraud/txn-scorer/{tenant}',
  versions: { stable: 3, canary: { version: 4, weight: 10 } },
});
`;
    await withFleet('model-versions', [{ path: 'teams.ts', content: teams }, { path: 'fraud/txn-scorer.ts', content: scorer }], async (dir) => {
      const { plan, fleet } = await planFleet({ modelsDir: join(dir, 'models'), stack });
      expect(fleet.models[0]!.triton.versionRouting).toEqual({ stable: 3, canary: { version: 4, weight: 10 } });
      const [shard] = plan.shards;
      expect(shard!.copies[0]!.triton.versionRouting).toEqual({ stable: 3, canary: { version: 4, weight: 10 } });
      expect(shard!.used).toEqual({ memory: 3000 * Mi, gpuMemory: 4 * Gi, cpu: 250 });
      expect(shardModelConfigs(shard!, stack).map((c) => c.version_policy)).toEqual([{ specific: { versions: [3, 4] } }]);
    });
  });
});

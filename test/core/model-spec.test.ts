import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { defineModel, tierForLatency, validateModel } from '../../core/spec/model-spec.ts';
import { validateTeam } from '../../core/spec/team-spec.ts';

const FILE = 'models/fraud/txn-scorer.ts';
const base = {
  name: 'txn-scorer',
  framework: 'onnx',
  tier: 'realtime',
  memory: '1500Mi',
  gpuMemory: '2Gi',
  cpu: '250m',
  peakQps: 300,
  artifact: 's3://ml-models/fraud/txn-scorer/{tenant}',
  tenants: ['globex', 'acme'],
};
const problems = (input: unknown, folder = 'fraud') => formatIssues(validateModel(input, FILE, folder).issues);

describe('validateModel', () => {
  it('normalizes a valid declaration: exact units, sorted tenants, defaults', () => {
    const { spec, issues } = validateModel(defineModel(base as never), FILE, 'fraud');
    expect(issues).toEqual([]);
    expect(spec).toMatchObject({
      name: 'txn-scorer',
      team: 'fraud',
      tier: 'realtime',
      gpu: true,
      resources: { memory: 1500 * 2 ** 20, gpuMemory: 2 * 2 ** 30, cpu: 250 },
    });
    expect(spec!.tenants!.map((t) => t.name)).toEqual(['acme', 'globex']);
  });

  it('applies per-tenant overrides and remembers which fields they override', () => {
    const { spec } = validateModel({ ...base, tenants: { acme: { memory: '3Gi' }, globex: {} } }, FILE, 'fraud');
    const acme = spec!.tenants!.find((t) => t.name === 'acme')!;
    expect(acme.resources).toEqual({ memory: 3 * 2 ** 30, gpuMemory: 2 * 2 ** 30, cpu: 250 });
    expect(acme.overridden).toEqual(['memory']);
  });

  it('defaults cpu to 100m and treats a model without gpuMemory as a CPU model', () => {
    const { gpuMemory: _g, cpu: _c, ...cpuModel } = base;
    const { spec } = validateModel(cpuModel, FILE, 'fraud');
    expect(spec!.gpu).toBe(false);
    expect(spec!.resources).toEqual({ memory: 1500 * 2 ** 20, gpuMemory: 0, cpu: 100 });
  });

  it('maps p99LatencyMs to the loosest tier that still meets it', () => {
    expect(tierForLatency(10)).toBe('realtime');
    expect(tierForLatency(50)).toBe('realtime');
    expect(tierForLatency(100)).toBe('interactive');
    expect(tierForLatency(5000)).toBe('batch');
    expect(tierForLatency(5)).toBeUndefined();
    const { tier: _t, ...noTier } = base;
    expect(validateModel({ ...noTier, p99LatencyMs: 250 }, FILE, 'fraud').spec!.tier).toBe('interactive');
  });

  it('reports every problem of a declaration at once, naming file, field, value and fix', () => {
    expect(
      problems({
        ...base,
        name: 'Txn_Scorer',
        framework: 'onnxx',
        tier: 'fast',
        memory: '3 gigs',
        gpuMemory: -1,
        cpu: '1u',
        tenants: { acme: { memory: 'lots' }, 'Bad Tenant': {} },
        maxBatch: 8,
      }),
    ).toMatchInlineSnapshot(`
      "models/fraud/txn-scorer.ts: name: "Txn_Scorer" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "txn-scorer"
      models/fraud/txn-scorer.ts: framework: "onnxx" is not allowed; use one of "onnx", "tensorrt", "pytorch", "tensorflow", "python" (did you mean "onnx"?)
      models/fraud/txn-scorer.ts: tier: "fast" is not allowed; use one of "realtime", "interactive", "batch"
      models/fraud/txn-scorer.ts: memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "3 gigs"
      models/fraud/txn-scorer.ts: gpuMemory: must not be negative, got -1; remove the "-"
      models/fraud/txn-scorer.ts: cpu: "1u" is finer than 1 millicore; round it to a whole number of millicores such as "250m"
      models/fraud/txn-scorer.ts: tenants.acme.memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "lots"
      models/fraud/txn-scorer.ts: tenants["Bad Tenant"]: "Bad Tenant" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "bad-tenant"
      models/fraud/txn-scorer.ts: maxBatch: unknown field "maxBatch"; remove it (known fields: name, team, framework, tier, p99LatencyMs, memory, gpuMemory, cpu, peakQps, tenants, dedicated, artifact, traffic, profile, maxBatchSize, inputs, outputs, optimization, versions)"
    `);
  });

  it('suggests the closest field for a typo', () => {
    expect(problems({ ...base, gpuMemroy: '2Gi' })).toBe('models/fraud/txn-scorer.ts: gpuMemroy: unknown field "gpuMemroy"; did you mean "gpuMemory"?');
  });

  it('requires a tier or a latency target, not both', () => {
    const { tier: _t, ...noTier } = base;
    expect(problems(noTier)).toContain('tier: is required: give tier ("realtime", "interactive" or "batch") or p99LatencyMs');
    expect(problems({ ...base, p99LatencyMs: 10 })).toContain('p99LatencyMs: give either tier or p99LatencyMs, not both; remove one');
    expect(problems({ ...noTier, p99LatencyMs: 2 })).toContain('p99LatencyMs: 2 ms is tighter than the fastest tier (realtime, p99 ≤ 10 ms); relax it to at least 10');
  });

  it('checks the team field against the folder', () => {
    expect(problems({ ...base, team: 'search' })).toContain(
      'team: is "search" but the file is in the folder of team "fraud"; move the file to models/search/ or remove the team field',
    );
  });

  it('accepts artifacts on a PersistentVolumeClaim', () => {
    expect(problems({ ...base, artifact: 'pvc://ml-models/fraud/txn-scorer/{tenant}' })).toBe('');
    expect(problems({ ...base, artifact: 'pvc://Bad_Claim/x/{tenant}' })).toContain('is not a model location Triton can load');
    expect(problems({ ...base, artifact: 'pvc://ml-models' })).toContain('pvc://claim/path');
  });

  it('checks artifacts: scheme, {tenant} placeholder, no ".." segments', () => {
    expect(problems({ ...base, artifact: 'http://x/{tenant}' })).toContain('artifact: "http://x/{tenant}" is not a model location Triton can load');
    expect(problems({ ...base, artifact: 's3://ml-models/fraud/txn-scorer' })).toContain('has no {tenant} placeholder');
    const { tenants: _t, ...untenanted } = base;
    expect(problems(untenanted)).toContain('artifact: contains {tenant} but the model declares no tenants');
    expect(problems({ ...base, artifact: 's3://ml-models/../{tenant}' })).toContain('contains a ".." segment');
  });

  it('rejects hostile tenant names such as header injection and path traversal', () => {
    expect(problems({ ...base, tenants: ['acme\nx-tenant: evil', '../etc'] })).toMatchInlineSnapshot(`
      "models/fraud/txn-scorer.ts: tenants[0]: "acme\\nx-tenant: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-x-tenant-evil"
      models/fraud/txn-scorer.ts: tenants[1]: "../etc" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "etc""
    `);
  });

  it('rejects duplicate and empty tenant lists', () => {
    expect(problems({ ...base, tenants: ['acme', 'acme'] })).toContain('tenants[1]: tenant "acme" is listed twice');
    expect(problems({ ...base, tenants: [] })).toContain('tenants: lists no tenants');
  });

  it('rejects a tenant gpuMemory override on a CPU model', () => {
    const { gpuMemory: _g, ...cpuModel } = base;
    expect(problems({ ...cpuModel, tenants: { acme: { gpuMemory: '1Gi' } } })).toContain('tenants.acme.gpuMemory: is set but the model is a CPU model');
  });

  it('prefixes paths of array exports with the index', () => {
    expect(formatIssues(validateModel({ ...base, memory: 'x' }, FILE, 'fraud', [1]).issues)).toMatch(/^models\/fraud\/txn-scorer.ts: \[1\]\.memory: /);
  });
});

describe('validateTeam', () => {
  it('validates names and quotas', () => {
    expect(validateTeam({ name: 'fraud', quota: { gpu: 8, cpu: '64', memory: '512Gi' } }, 'models/teams.ts', [0]).spec).toMatchObject({
      name: 'fraud',
      namespace: 'fraud',
      quota: { gpu: 8, cpu: 64000, memory: 512 * 2 ** 30 },
    });
    expect(formatIssues(validateTeam({ name: '1fraud', quota: { gpu: 1.5, cpu: 'x', memory: '1Gi' } }, 'models/teams.ts', [0]).issues)).toMatchInlineSnapshot(`
      "models/teams.ts: [0].name: "1fraud" is not a DNS label: use lower-case letters, digits and "-", starting with a letter and ending with a letter or digit
      models/teams.ts: [0].quota.gpu: expected a whole number, got 1.5; round it to a whole number such as 2
      models/teams.ts: [0].quota.cpu: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "x""
    `);
    expect(formatIssues(validateTeam({ name: 'a'.repeat(25), quota: { gpu: 1, cpu: '1', memory: '1Gi' } }, 'models/teams.ts', []).issues)).toContain('is 25 characters; at most 24 are allowed');
  });
});

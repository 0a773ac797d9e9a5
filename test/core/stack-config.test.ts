import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { loadStack } from '../../core/stack/load-stack.ts';
import { resolveStack, shardCapacity } from '../../core/stack/stack-config.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';

const Gi = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'modelfleet-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stackIssues(yaml: string): string {
  writeFileSync(join(dir, 'Pulumi.t.yaml'), yaml);
  try {
    loadStack({ name: 't', dir, defaults: DEFAULT_STACK });
  } catch (error) {
    if (error instanceof SpecError) return formatIssues(error.issues).replaceAll(dir, '<dir>');
    throw error;
  }
  return '';
}

describe('stack config', () => {
  it('embeds a default stack with two GPU pools and a CPU pool', () => {
    const stack = loadStack({ defaults: DEFAULT_STACK });
    expect(stack.pools.map((p) => [p.name, p.kind, p.node.gpuMemory / Gi])).toEqual([
      ['gpu-l4', 'gpu', 24],
      ['gpu-a100-80g', 'gpu', 80],
      ['cpu-std', 'cpu', 0],
    ]);
    // L4 node: 32Gi − 3Gi reserved − 1Gi server, 30% realtime headroom.
    expect(shardCapacity(stack.pools[0]!, stack.serverOverhead, 30)).toEqual({
      memory: Math.floor(28 * Gi * 0.7),
      gpuMemory: Math.floor(23 * Gi * 0.7),
      cpu: Math.floor(7000 * 0.7),
    });
  });

  it('overrides the default from Pulumi.<name>.yaml: pools replace, tiers merge', () => {
    stackIssues(`config:
  kubernetes:context: x
  modelfleet:pools:
    cpu-big: { kind: cpu, memory: 256Gi, cpu: "64" }
  modelfleet:tiers:
    realtime: { pools: [cpu-big], minReplicas: 3 }
    interactive: { pools: [cpu-big] }
    batch: { pools: [cpu-big] }
`);
    const stack = loadStack({ name: 't', dir, defaults: DEFAULT_STACK });
    expect(stack.name).toBe('t');
    expect(stack.pools.map((p) => p.name)).toEqual(['cpu-big']);
    expect(stack.tiers.realtime).toMatchObject({ pools: ['cpu-big'], minReplicas: 3, maxReplicas: 8, headroomPercent: 30 });
  });

  it("ignores the Pulumi program's own keys (modelfleet:models, modelfleet:renderYamlToDirectory, modelfleet:renderedDir, modelfleet:teams, modelfleet:platformObjects)", () => {
    expect(
      stackIssues(
        'config:\n  modelfleet:models: fleets/eu\n  modelfleet:renderYamlToDirectory: rendered\n  modelfleet:renderedDir: dist\n  modelfleet:teams: [fraud]\n  modelfleet:platformObjects: true\n  modelfleet:routing: { host: x.example }\n',
      ),
    ).toBe('');
    expect(loadStack({ name: 't', dir, defaults: DEFAULT_STACK }).routing.host).toBe('x.example');
  });

  it('rejects malformed prices and cost settings, naming the key and the fix', () => {
    const pool = 'modelfleet:pools:\n    cpu-std: { kind: cpu, memory: 64Gi, cpu: "16", price: { hourlyUsd: -1, source: "", asOf: "2026-02-30", discount: 5 } }\n';
    const issues = stackIssues(`config:\n  ${pool}  modelfleet:cost:\n    budgets: { fraud: { monthlyUsd: "lots" } }\n    warnIncrease: { percnt: 5 }\n`);
    expect(issues).toContain('modelfleet:pools.cpu-std.price.hourlyUsd:');
    expect(issues).toContain('modelfleet:pools.cpu-std.price.source: must say where the price comes from');
    expect(issues).toContain('modelfleet:pools.cpu-std.price.asOf: must be a date YYYY-MM-DD, such as "2026-07-01"');
    expect(issues).toMatch(/modelfleet:pools\.cpu-std\.price\.discount: .*discountPercent/);
    expect(issues).toContain('modelfleet:cost.budgets.fraud.monthlyUsd:');
    expect(issues).toMatch(/modelfleet:cost\.warnIncrease\.percnt: .*percent/);
  });

  it('names the stack file and config key of every problem', () => {
    expect(
      stackIssues(`config:
  modelfleet:tiers:
    realtime: { minReplicas: 9, pools: [gpu-h100] }
  modelfleet:pools:
    gpu-x: { kind: gpu, memory: 8Gi, cpu: "4" }
    cpu-std: { kind: cpu, memory: 64Gi, cpu: "16" }
    gpu-l4: { kind: gpu, memory: 32Gi, gpuMemory: 24Gi, cpu: "8" }
    gpu-a100-80g: { kind: gpu, memory: 120Gi, gpuMemory: 80Gi, cpu: "12" }
`),
    ).toMatchInlineSnapshot(`
      "<dir>/Pulumi.t.yaml: modelfleet:pools.gpu-x.gpuMemory: is required for a gpu pool; give the memory of one GPU (or MIG slice), e.g. "24Gi"
      <dir>/Pulumi.t.yaml: modelfleet:tiers.realtime.pools[0]: pool "gpu-h100" is not defined; defined pools are gpu-x, cpu-std, gpu-l4, gpu-a100-80g; use one of them or define the pool under modelfleet:pools
      <dir>/Pulumi.t.yaml: modelfleet:tiers.realtime.minReplicas: 9 is above maxReplicas 8; lower minReplicas or raise maxReplicas"
    `);
    expect(stackIssues('config:\n  modelfleet:imagee: x\n')).toContain('Pulumi.t.yaml: modelfleet:imagee: unknown field "imagee"; did you mean "image"?');
    expect(stackIssues('config: [\n')).toContain('Pulumi.t.yaml: -: is not valid YAML');
  });

  it('merges tier overrides field by field, the PriorityClass too, and checks the disruption budget', () => {
    stackIssues(`config:
  modelfleet:tiers:
    batch: { priorityClass: { value: 500 }, pdbMaxUnavailable: 2, maxReplicas: 3 }
`);
    const stack = loadStack({ name: 't', dir, defaults: DEFAULT_STACK });
    expect(stack.tiers.batch.priorityClass).toEqual({ ...DEFAULT_STACK.tiers.batch.priorityClass, value: 500 });
    expect(stack.tiers.batch.pdbMaxUnavailable).toBe(2);
    expect(stack.tiers.realtime).toEqual(DEFAULT_STACK.tiers.realtime);
    expect(stackIssues('config:\n  modelfleet:tiers:\n    batch: { pdbMaxUnavailable: 9 }\n')).toContain(
      'Pulumi.t.yaml: modelfleet:tiers.batch.pdbMaxUnavailable: 9 is above maxReplicas 4, so the disruption budget would protect nothing; lower it',
    );
  });

  it('rejects a missing stack file and unsafe stack names', () => {
    expect(() => loadStack({ name: 'missing', dir, defaults: DEFAULT_STACK })).toThrow(/stack file not found/);
    expect(() => loadStack({ name: '../etc/passwd', dir, defaults: DEFAULT_STACK })).toThrow(/may only contain letters/);
  });

  it('resolves the embedded input without issues', () => {
    expect(resolveStack('default', '(embedded default stack)', {}, DEFAULT_STACK).issues).toEqual([]);
  });

  it('resolves routing and isolation: headers, the gateway namespace as ingress namespace, injection and fetcher egress', () => {
    const { stack } = resolveStack('x', 'Pulumi.x.yaml', { routing: { gateway: 'edge/inference', tenantHeader: 'x-customer' }, isolation: { sidecarInjection: 'stable', fetcherEgress: 'bypass-mesh' } }, DEFAULT_STACK);
    expect(stack!.routing).toEqual({ gateway: 'edge/inference', host: 'inference.modelfleet.internal', tenantHeader: 'x-customer', modelHeader: 'x-model', gateways: {} });
    expect(stack!.isolation).toEqual({
      trustDomain: 'cluster.local',
      ingressNamespace: 'edge',
      ingressServiceAccount: 'istio-ingressgateway-service-account',
      metricsNamespaces: ['monitoring'],
      sidecarInjection: 'stable',
      fetcherEgress: 'bypass-mesh',
      ingressSelector: { istio: 'ingressgateway' },
      mtls: 'strict-except-metrics',
    });
    expect(stack!.tiers.realtime.mesh.maxRequests).toBe(1024);
    expect(stack!.auth).toBeUndefined();
    expect(stack!.production).toBe(false);
  });

  it('resolves modelfleet:auth: one issuer or several, one tenant claim, the token kept from Triton unless asked', () => {
    const one = { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'tenant' };
    expect(resolveStack('x', 'Pulumi.x.yaml', { auth: { jwt: one }, production: true }, DEFAULT_STACK).stack).toMatchObject({
      production: true,
      auth: { tenantClaim: 'tenant', jwt: [{ issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', audiences: [], forwardOriginalToken: false }] },
    });
    const two = { ...one, issuer: 'https://partner.example.org', jwksUri: 'https://partner.example.org/keys', audiences: ['inference'], forwardOriginalToken: true };
    expect(resolveStack('x', 'Pulumi.x.yaml', { auth: { jwt: [one, two] } }, DEFAULT_STACK).stack!.auth!.jwt.map((j) => [j.issuer, j.audiences, j.forwardOriginalToken])).toEqual([
      ['https://login.example.com/', [], false],
      ['https://partner.example.org', ['inference'], true],
    ]);
  });

  it('names the key, the value and the fix for a bad modelfleet:auth', () => {
    const issues = (input: unknown) => resolveStack('x', 'Pulumi.x.yaml', input, DEFAULT_STACK).issues.map((i) => `${i.file}: ${i.path.join('.')}: ${i.message}`);
    const one = { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'tenant' };
    expect(issues({ auth: { jwt: [one, { ...one, tenantClaim: 'org' }] } })).toEqual([
      'Pulumi.x.yaml: modelfleet:auth.jwt.1.issuer: "https://login.example.com/" is listed twice (also entry 0); give each issuer once',
      'Pulumi.x.yaml: modelfleet:auth.jwt.1.tenantClaim: "org" differs from "tenant" of issuer "https://login.example.com/"; every issuer must name the tenant in the same claim (map it in the identity provider), or a token of one issuer could name a tenant in the claim another one uses for it',
    ]);
    expect(issues({ auth: { jwt: { ...one, jwksUri: 'http://login.example.com/jwks.json' } } })[0]).toMatch(/^Pulumi\.x\.yaml: modelfleet:auth\.jwt\.jwksUri: .*must be an https:\/\/ URL/);
    expect(issues({ auth: { jwt: { ...one, tenantClaim: 'claims[tenant]' } } })[0]).toMatch(/^Pulumi\.x\.yaml: modelfleet:auth\.jwt\.tenantClaim: .*top-level claim/);
    expect(issues({ auth: { jwt: { ...one, tennantClaim: 'tenant' } } }).join('\n')).toContain('modelfleet:auth.jwt.tennantClaim: unknown field "tennantClaim"; did you mean "tenantClaim"?');
    expect(issues({ auth: { jwt: [] } })).toEqual(['Pulumi.x.yaml: modelfleet:auth.jwt: must list at least 1 entry']);
    expect(issues({ isolation: { mtls: 'STRICT' } })[0]).toMatch(/^Pulumi\.x\.yaml: modelfleet:isolation\.mtls: /);
    expect(issues({ isolation: { ingressSelector: {} } })[0]).toMatch(/modelfleet:isolation\.ingressSelector: must name at least one label/);
  });

  it('rejects header names, injection values, fetcher egress modes and mesh limits it cannot render', () => {
    const issues = (input: unknown) => resolveStack('x', 'Pulumi.x.yaml', input, DEFAULT_STACK).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ routing: { tenantHeader: 'X-Tenant' } })[0]).toMatch(/^modelfleet:routing\.tenantHeader: .*lower-case HTTP header name/);
    expect(issues({ routing: { modelHeader: 'x-tenant' } })).toEqual(['modelfleet:routing.modelHeader: "x-tenant" is also the tenant header; give the model and the tenant different headers']);
    expect(issues({ isolation: { sidecarInjection: 'disabled' } })[0]).toMatch(/^modelfleet:isolation\.sidecarInjection: .*"enabled" or an Istio revision/);
    expect(issues({ isolation: { fetcherEgress: 'direct' } })[0]).toMatch(/^modelfleet:isolation\.fetcherEgress: /);
    expect(issues({ tiers: { realtime: { mesh: { maxRequests: 0 } } } })[0]).toMatch(/^modelfleet:tiers\.realtime\.mesh\.maxRequests: /);
  });
});

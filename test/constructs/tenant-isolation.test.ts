/**
 * Tenant isolation end to end at the shard: the AuthorizationPolicies of
 * `ShardAuthorization` and the NetworkPolicies of `TeamNetworkPolicy`, fed
 * to the independent Istio and NetworkPolicy evaluators in test/support/mesh
 * with the requests that reach a shard (after the gateway's rewrite).
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ShardAuthorization } from '../../constructs/shard-authorization.ts';
import { TeamNetworkPolicy } from '../../constructs/team-network-policy.ts';
import { TritonShard } from '../../constructs/triton-shard.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import type { ModelCopy, Shard } from '../../core/plan/shard-plan.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import { authorize, ingressAllowed, type AuthorizationPolicy, type AuthzRequest, type NetworkPolicy } from '../support/mesh/index.ts';
import { defaultStack, gpuShard, teams } from './small-fleet.ts';

const stack = defaultStack();
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const CHECKOUT = 'cluster.local/ns/checkout/sa/checkout-api';
const GRPC = '/inference.GRPCInferenceService/';

const fraud: TeamSpec = { ...teams[0]!, callers: { namespaces: ['payments'], principals: [CHECKOUT], trusted: [] } };

/** The small fleet's GPU shard plus a copy for tenant `acmecorp`, whose name starts with another tenant's. */
const shard: Shard = (() => {
  const acme = gpuShard.copies.find((c) => c.tenant === 'acme')!;
  const acmecorp: ModelCopy = { ...acme, tenant: 'acmecorp', tritonName: 'txn-scorer.acmecorp', id: 'fraud/txn-scorer@acmecorp' };
  return { ...gpuShard, copies: [...gpuShard.copies, acmecorp].sort((a, b) => (a.id < b.id ? -1 : 1)) };
})();

/* eslint-disable @typescript-eslint/no-explicit-any */
function render(s: Shard, team: TeamSpec) {
  const chart = Testing.chart();
  new TritonShard(chart, s.name, { shard: s, stack });
  new ShardAuthorization(chart, `${s.name}-authz`, { shard: s, stack, team });
  new TeamNetworkPolicy(chart, 'NetworkPolicy', { team, stack });
  const objects = Testing.synth(chart) as any[];
  const pod = objects.find((o) => o.kind === 'Deployment').spec.template.metadata.labels as Record<string, string>;
  return {
    pod,
    policies: objects.filter((o) => o.kind === 'AuthorizationPolicy') as AuthorizationPolicy[],
    networkPolicies: objects.filter((o) => o.kind === 'NetworkPolicy') as NetworkPolicy[],
  };
}

const { pod, policies, networkPolicies } = render(shard, fraud);
const workload = { namespace: 'fraud', labels: pod };

interface Call {
  readonly principal?: string;
  readonly method?: string;
  readonly path: string;
  readonly port?: number;
  readonly headers?: Record<string, string>;
}

function call(c: Call, extra: readonly AuthorizationPolicy[] = []) {
  const request: AuthzRequest = {
    source: c.principal === undefined ? {} : { principal: c.principal },
    host: `${shard.name}.fraud.svc.cluster.local:${c.port ?? 8000}`,
    method: c.method ?? 'POST',
    path: c.path,
    port: c.port ?? 8000,
    ...(c.headers ? { headers: c.headers } : {}),
  };
  return authorize([...policies, ...extra], workload, request);
}

const allowed = (c: Call, extra: readonly AuthorizationPolicy[] = []) => call(c, extra).allowed;
const infer = (copy: string) => `/v2/models/${copy}/infer`;

describe('ShardAuthorization: HTTP requests at the shard', () => {
  it('lets the gateway reach a tenant\'s copy with that tenant\'s header, on every path below the copy', () => {
    for (const path of [infer('txn-scorer.acme'), '/v2/models/txn-scorer.acme', '/v2/models/txn-scorer.acme/ready', '/v2/models/txn-scorer.acme/versions/3/infer', '/v2/models/txn-scorer.acme/config?x=1']) {
      expect(call({ principal: GATEWAY, path, headers: { 'x-tenant': 'acme' } }), path).toMatchObject({ allowed: true, policy: `fraud/${shard.name}` });
    }
  });

  it('denies another tenant\'s header, a missing or empty header, at the guard', () => {
    const cases: Record<string, string>[] = [{ 'x-tenant': 'globex' }, { 'x-tenant': 'acmecorp' }, { 'x-tenant': '' }, { 'x-tenant': 'ACME' }, {}];
    for (const headers of cases) {
      expect(call({ principal: GATEWAY, path: infer('txn-scorer.acme'), headers }), JSON.stringify(headers)).toMatchObject({
        allowed: false,
        policy: `fraud/${shard.name}-tenant-guard`,
      });
    }
  });

  it('refuses other tenants with the ALLOW policy alone too (each layer holds on its own)', () => {
    const allowOnly = policies.filter((p) => p.spec?.action === 'ALLOW');
    const ask = (headers: Record<string, string>, path = infer('txn-scorer.acme')) =>
      authorize(allowOnly, workload, { source: { principal: GATEWAY }, host: 'h', method: 'POST', path, port: 8000, headers });
    expect(ask({ 'x-tenant': 'acme' })).toMatchObject({ allowed: true });
    expect(ask({ 'x-tenant': 'globex' })).toMatchObject({ allowed: false, reason: expect.stringMatching(/^denied: no rule/) });
    expect(ask({})).toMatchObject({ allowed: false });
    expect(ask({ 'x-tenant': 'acme' }, '/v2/repository/models/txn-scorer.acme/load')).toMatchObject({ allowed: false });
  });

  it('does not confuse a tenant with another whose name extends it', () => {
    expect(allowed({ principal: GATEWAY, path: infer('txn-scorer.acmecorp'), headers: { 'x-tenant': 'acme' } })).toBe(false);
    expect(allowed({ principal: GATEWAY, path: infer('txn-scorer.acmecorp'), headers: { 'x-tenant': 'acmecorp' } })).toBe(true);
    expect(allowed({ principal: GATEWAY, path: '/v2/models/txn-scorer.acmecorporation/infer', headers: { 'x-tenant': 'acme' } })).toBe(false);
  });

  it('judges the normalized path, so dot segments cannot reach another tenant\'s copy', () => {
    expect(allowed({ principal: GATEWAY, path: '/v2/models/txn-scorer.acme/../txn-scorer.globex/infer', headers: { 'x-tenant': 'acme' } })).toBe(false);
    expect(allowed({ principal: GATEWAY, path: '/v2/models/txn-scorer.acme/%2e%2e/txn-scorer.globex/infer', headers: { 'x-tenant': 'acme' } })).toBe(false);
  });

  it('serves an untenanted model without a tenant header', () => {
    expect(allowed({ principal: GATEWAY, path: infer('embedder') })).toBe(true);
    expect(allowed({ principal: GATEWAY, path: infer('embedder'), headers: { 'x-tenant': 'acme' } })).toBe(true);
  });

  it('admits the team\'s callers by principal and by namespace, and nobody else', () => {
    const acme = { path: infer('txn-scorer.acme'), headers: { 'x-tenant': 'acme' } };
    expect(allowed({ ...acme, principal: CHECKOUT })).toBe(true);
    expect(allowed({ ...acme, principal: 'cluster.local/ns/payments/sa/anything' })).toBe(true);
    expect(allowed({ ...acme, principal: 'cluster.local/ns/checkout/sa/other' })).toBe(false);
    expect(allowed({ ...acme, principal: 'cluster.local/ns/search/sa/default' })).toBe(false);
    expect(allowed({ ...acme, principal: 'evil.example/ns/istio-system/sa/istio-ingressgateway-service-account' })).toBe(false);
    expect(allowed({ ...acme })).toBe(false); // plaintext: no identity
    // Callers are bound by the tenant header like the gateway.
    expect(allowed({ principal: CHECKOUT, path: infer('txn-scorer.acme'), headers: { 'x-tenant': 'globex' } })).toBe(false);
  });

  it('refuses paths that name no copy of the shard, and the copy paths on the other ports', () => {
    for (const path of ['/v2/models/stats', '/v2/models/txn-scorer/infer', '/v2/models/other/infer', '/v2', '/v2/models/txn-scorer.acmeX/infer']) {
      expect(allowed({ principal: GATEWAY, path, headers: { 'x-tenant': 'acme' } }), path).toBe(false);
    }
    expect(allowed({ principal: GATEWAY, path: infer('txn-scorer.acme'), port: 8001, headers: { 'x-tenant': 'acme' } })).toBe(false);
    expect(allowed({ principal: GATEWAY, path: infer('embedder'), port: 8002 })).toBe(false);
  });

  it('lets anyone GET health and metrics, and nothing else on those paths', () => {
    expect(allowed({ method: 'GET', path: '/metrics', port: 8002 })).toBe(true);
    expect(allowed({ method: 'POST', path: '/metrics', port: 8002 })).toBe(false);
    expect(allowed({ method: 'GET', path: '/metrics', port: 8000 })).toBe(false);
    expect(allowed({ method: 'GET', path: '/v2/health/ready' })).toBe(true);
    expect(allowed({ method: 'GET', path: '/v2/health/live' })).toBe(true);
    expect(allowed({ method: 'GET', path: '/v2/health/ready', port: 8002 })).toBe(false);
  });

  it('denies Triton\'s control APIs to everyone, the gateway included', () => {
    for (const path of ['/v2/repository/index', '/v2/repository/models/txn-scorer.acme/unload', '/v2/systemsharedmemory/region/r/register', '/v2/trace/setting', '/v2/logging']) {
      expect(call({ principal: GATEWAY, path, headers: { 'x-tenant': 'acme' } }), path).toMatchObject({ allowed: false, policy: `fraud/${shard.name}-tenant-guard` });
    }
  });
});

describe('ShardAuthorization: gRPC requests at the shard', () => {
  const grpc = (method: string, headers: Record<string, string>, principal: string | undefined = GATEWAY) =>
    allowed({ principal, path: `${GRPC}${method}`, port: 8001, headers: { 'content-type': 'application/grpc', ...headers } });

  it('admits the data-plane methods with the model header and a tenant of the model on the shard', () => {
    for (const method of ['ModelInfer', 'ModelStreamInfer', 'ModelReady', 'ModelMetadata', 'ModelConfig', 'ModelStatistics', 'ServerReady']) {
      expect(grpc(method, { 'x-model': 'txn-scorer', 'x-tenant': 'acme' }), method).toBe(true);
    }
    expect(grpc('ModelInfer', { 'x-model': 'embedder' })).toBe(true);
  });

  it('denies other tenants, a missing tenant or model header, unknown sources and the other ports', () => {
    expect(grpc('ModelInfer', { 'x-model': 'txn-scorer', 'x-tenant': 'initech' })).toBe(false);
    expect(grpc('ModelInfer', { 'x-model': 'txn-scorer' })).toBe(false);
    expect(grpc('ModelInfer', { 'x-tenant': 'acme' })).toBe(false);
    expect(grpc('ModelInfer', { 'x-model': 'ranker', 'x-tenant': 'acme' })).toBe(false);
    expect(grpc('ModelInfer', { 'x-model': 'txn-scorer', 'x-tenant': 'acme' }, 'cluster.local/ns/search/sa/default')).toBe(false);
    expect(allowed({ principal: GATEWAY, path: `${GRPC}ModelInfer`, port: 8000, headers: { 'x-model': 'txn-scorer', 'x-tenant': 'acme' } })).toBe(false);
  });

  it('never admits model control, shared memory, tracing or logging methods', () => {
    for (const method of ['RepositoryModelLoad', 'RepositoryModelUnload', 'RepositoryIndex', 'SystemSharedMemoryRegister', 'CudaSharedMemoryRegister', 'TraceSetting', 'LogSettings']) {
      expect(grpc(method, { 'x-model': 'txn-scorer', 'x-tenant': 'acme' }), method).toBe(false);
      expect(grpc(method, { 'x-model': 'embedder' }), method).toBe(false);
    }
  });
});

describe('ShardAuthorization: defence in depth', () => {
  /** Someone adds a namespace-wide allow-all. */
  const allowAll: AuthorizationPolicy = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: 'fraud' }, spec: { action: 'ALLOW', rules: [{}] } };

  it('keeps tenants apart and control APIs closed under a namespace-wide allow-all', () => {
    const acmePath = infer('txn-scorer.acme');
    expect(allowed({ principal: 'cluster.local/ns/search/sa/default', path: acmePath, headers: { 'x-tenant': 'acme' } }, [allowAll])).toBe(true); // the allow-all's doing
    expect(allowed({ principal: 'cluster.local/ns/search/sa/default', path: acmePath, headers: { 'x-tenant': 'globex' } }, [allowAll])).toBe(false);
    expect(allowed({ path: acmePath }, [allowAll])).toBe(false);
    expect(allowed({ path: '/v2/models/txn-scorer.globex', method: 'GET', headers: { 'x-tenant': 'acme' } }, [allowAll])).toBe(false);
    const grpcCall = (headers: Record<string, string>) => allowed({ path: `${GRPC}ModelInfer`, port: 8001, headers }, [allowAll]);
    expect(grpcCall({ 'x-model': 'txn-scorer', 'x-tenant': 'initech' })).toBe(false);
    expect(grpcCall({ 'x-model': 'txn-scorer' })).toBe(false);
    expect(allowed({ path: '/v2/repository/models/txn-scorer.acme/load' }, [allowAll])).toBe(false);
    expect(allowed({ path: `${GRPC}RepositoryModelLoad`, port: 8001 }, [allowAll])).toBe(false);
  });
});

describe('ShardAuthorization on the example fleet', async () => {
  const { plan, fleet } = await planFleet({ modelsDir: 'models', stack });
  const teamOf = new Map(fleet.teams.map((t) => [t.name, t]));

  it('admits every tenant to its own copies only, and the gateway to every copy', () => {
    let checked = 0;
    for (const s of plan.shards) {
      const rendered = render(s, teamOf.get(s.team)!);
      const at = { namespace: s.namespace, labels: rendered.pod };
      const ask = (path: string, headers: Record<string, string>, principal = GATEWAY) =>
        authorize(rendered.policies, at, { source: { principal }, host: `${s.name}.${s.namespace}.svc.cluster.local`, method: 'POST', path, port: 8000, headers }).allowed;
      const tenants = [...new Set(s.copies.flatMap((c) => (c.tenant ? [c.tenant] : [])))];
      for (const copy of s.copies) {
        const path = infer(copy.tritonName);
        if (copy.tenant === undefined) {
          expect(ask(path, {}), copy.id).toBe(true);
          continue;
        }
        expect(ask(path, { 'x-tenant': copy.tenant }), copy.id).toBe(true);
        expect(ask(path, {}), copy.id).toBe(false);
        expect(ask(path, { 'x-tenant': copy.tenant }, 'cluster.local/ns/default/sa/default'), copy.id).toBe(false);
        const other = tenants.find((t) => t !== copy.tenant) ?? `${copy.tenant}x`;
        expect(ask(path, { 'x-tenant': other }), `${copy.id} as ${other}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('TeamNetworkPolicy: connections to the shard pods', () => {
  const namespaces = ['fraud', 'istio-system', 'payments', 'checkout', 'monitoring', 'search'].map((name) => ({ name }));
  const to = (port: number, labels = pod) => ({ namespace: 'fraud', labels, port });
  const from = (namespace: string) => ({ namespace, labels: { app: 'client' } });
  const connects = (source: string, port: number, labels = pod) => ingressAllowed(networkPolicies, namespaces, to(port, labels), from(source)).allowed;

  it('lets the gateway and the callers\' namespaces reach HTTP and gRPC only', () => {
    for (const ns of ['istio-system', 'payments', 'checkout']) {
      expect(connects(ns, 8000), ns).toBe(true);
      expect(connects(ns, 8001), ns).toBe(true);
      for (const port of [8002, 15090, 15020, 15006, 22]) expect(connects(ns, port), `${ns}:${port}`).toBe(false);
    }
  });

  it('lets the metrics namespaces reach the metrics ports only', () => {
    for (const port of [8002, 15090, 15020]) expect(connects('monitoring', port), String(port)).toBe(true);
    for (const port of [8000, 8001]) expect(connects('monitoring', port), String(port)).toBe(false);
  });

  it('shuts out every other namespace, the team\'s own included, and every other pod of the namespace', () => {
    for (const port of [8000, 8001, 8002]) {
      expect(connects('search', port)).toBe(false);
      expect(connects('fraud', port)).toBe(false);
    }
    expect(connects('istio-system', 8000, { app: 'team-notebook' })).toBe(false);
  });
});

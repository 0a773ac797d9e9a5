/**
 * Authenticated tenants at the shard and at the gateway, construct by
 * construct: the RequestAuthentications, PeerAuthentications and the
 * AuthorizationPolicies of a stack with `modelfleet:auth`, fed to the
 * independent evaluators of test/support/mesh with real tokens. The whole
 * way from the client through the gateway is the authentication proof
 * (`test/routing/authentication.test.ts`); here each rule is tried alone,
 * trusted callers included.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { httpRoutes } from '../../constructs/model-route.ts';
import { ShardAuthorization, shardAllowRules, shardGuardRules } from '../../constructs/shard-authorization.ts';
import { claimConditionKey, claimRouteKey, GatewayAuthentication, hostPatterns, TeamAuthentication } from '../../constructs/tenant-authentication.ts';
import { TritonShard } from '../../constructs/triton-shard.ts';
import { planRoutes } from '../../core/plan/route-table.ts';
import { gatewayPods } from '../../core/stack/gateways.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { createIssuer, TEST_NOW } from '../support/jwt-issuer.ts';
import {
  acceptsConnection,
  authenticate,
  authorize,
  mtlsMode,
  type AuthorizationPolicy,
  type PeerAuthentication,
  type RequestAuthentication,
} from '../support/mesh/index.ts';
import { cpuShard, gpuShard, teams } from './small-fleet.ts';

const ISSUER = 'https://login.example.com/';
const JWKS = 'https://login.example.com/.well-known/jwks.json';
const stack = resolvePlatformStack('auth', { auth: { jwt: { issuer: ISSUER, jwksUri: JWKS, audiences: ['inference'], tenantClaim: 'tenant' } } });
const issuer = createIssuer({ issuer: ISSUER });
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const CHECKOUT = 'cluster.local/ns/checkout/sa/checkout-api';
const REPLAYER = 'cluster.local/ns/audit/sa/replayer';
const GRPC_INFER = '/inference.GRPCInferenceService/ModelInfer';
const now = TEST_NOW + 60;

/** fraud: a caller that presents tokens (checkout), and one trusted for acme without a token (the audit replayer). */
const fraud: TeamSpec = { ...teams[0]!, callers: { namespaces: [], principals: [CHECKOUT], trusted: [{ principal: REPLAYER, tenants: ['acme'] }] } };

/* eslint-disable @typescript-eslint/no-explicit-any */
function renderShard() {
  const chart = Testing.chart();
  new TritonShard(chart, gpuShard.name, { shard: gpuShard, stack });
  new ShardAuthorization(chart, 'authz', { shard: gpuShard, stack, team: fraud });
  new TeamAuthentication(chart, 'Authentication', { team: fraud, stack });
  const objects = Testing.synth(chart) as any[];
  return {
    pod: objects.find((o) => o.kind === 'Deployment').spec.template.metadata.labels as Record<string, string>,
    policies: objects.filter((o) => o.kind === 'AuthorizationPolicy') as AuthorizationPolicy[],
    requestAuthentications: objects.filter((o) => o.kind === 'RequestAuthentication') as RequestAuthentication[],
    peerAuthentications: objects.filter((o) => o.kind === 'PeerAuthentication') as PeerAuthentication[],
  };
}

const { pod, policies, requestAuthentications, peerAuthentications } = renderShard();
const workload = { namespace: 'fraud', labels: pod };
const token = (tenant: string | string[], extra: Record<string, unknown> = {}) => issuer.sign({ iss: ISSUER, sub: `client-${String(tenant)}`, aud: 'inference', tenant, ...extra }, { now: TEST_NOW, expiresIn: 3600 });

interface Call {
  readonly principal?: string;
  readonly method?: string;
  readonly path: string;
  readonly port?: number;
  readonly headers?: Record<string, string>;
  readonly token?: string;
}

/** What the shard's sidecar decides: mTLS, the token, the policies. */
function atShard(c: Call): { status: number; reason: string; headers?: Record<string, string> } {
  const port = c.port ?? 8000;
  const mode = mtlsMode(peerAuthentications, workload, port);
  const connection = acceptsConnection(mode, { mtls: c.principal !== undefined });
  if (!connection.accepted) return { status: 0, reason: connection.reason };
  const headers = { ...(c.headers ?? {}), ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) };
  const a = authenticate(requestAuthentications, workload, { path: c.path, headers }, { jwks: { [JWKS]: issuer.jwks }, now });
  if (a.kind === 'rejected') return { status: a.status, reason: a.reason };
  const d = authorize(policies, workload, {
    source: c.principal === undefined ? {} : { principal: c.principal },
    requestPrincipal: a.kind === 'authenticated' ? (a.requestPrincipal ?? null) : null,
    claims: a.kind === 'authenticated' ? a.claims : null,
    host: `${gpuShard.name}.fraud.svc.cluster.local`,
    method: c.method ?? 'POST',
    path: a.path,
    port,
    headers: a.headers,
  });
  return { status: d.status, reason: d.reason, headers: a.headers };
}

const acme = { 'x-tenant': 'acme' };
const globex = { 'x-tenant': 'globex' };

describe('a shard of a stack with modelfleet:auth', () => {
  it("admits the gateway and token-presenting callers for the token's tenant, REST and gRPC, and keeps the token from Triton", () => {
    for (const principal of [GATEWAY, CHECKOUT]) {
      const rest = atShard({ principal, path: '/v2/models/txn-scorer.acme/infer', headers: acme, token: token('acme') });
      expect(rest.status, principal).toBe(200);
      expect(rest.headers).not.toHaveProperty('authorization');
      expect(atShard({ principal, path: GRPC_INFER, port: 8001, headers: { 'x-model': 'txn-scorer', ...acme }, token: token('acme') }).status, principal).toBe(200);
    }
  });

  it("refuses the same callers with another tenant's token, a token for no tenant, or none", () => {
    for (const principal of [GATEWAY, CHECKOUT]) {
      for (const t of [token('globex'), token('acme', { tenant: undefined }), undefined]) {
        expect(atShard({ principal, path: '/v2/models/txn-scorer.acme/infer', headers: acme, ...(t ? { token: t } : {}) }).status).toBe(403);
        expect(atShard({ principal, path: GRPC_INFER, port: 8001, headers: { 'x-model': 'txn-scorer', ...acme }, ...(t ? { token: t } : {}) }).status).toBe(403);
      }
    }
  });

  it('admits a token for several tenants (a list claim) for each of them', () => {
    expect(atShard({ principal: GATEWAY, path: '/v2/models/txn-scorer.acme/infer', headers: acme, token: token(['globex', 'acme']) }).status).toBe(200);
    expect(atShard({ principal: GATEWAY, path: '/v2/models/txn-scorer.globex/infer', headers: globex, token: token(['globex', 'acme']) }).status).toBe(200);
  });

  it('asks for a valid token on untenanted copies, of any tenant', () => {
    expect(atShard({ principal: GATEWAY, path: '/v2/models/embedder/infer', token: token('globex') }).status).toBe(200);
    expect(atShard({ principal: GATEWAY, path: '/v2/models/embedder/infer' }).status).toBe(403);
  });

  it('refuses an invalid token with 401 before any policy', () => {
    expect(atShard({ principal: GATEWAY, path: '/v2/models/txn-scorer.acme/infer', headers: acme, token: issuer.forge({ iss: ISSUER, sub: 'x', aud: 'inference', tenant: 'acme' }, { now: TEST_NOW, expiresIn: 3600 }) }).status).toBe(401);
  });

  it('lets a trusted caller reach its tenants without a token, and nothing else', () => {
    expect(atShard({ principal: REPLAYER, path: '/v2/models/txn-scorer.acme/infer', headers: acme }).status).toBe(200);
    expect(atShard({ principal: REPLAYER, path: GRPC_INFER, port: 8001, headers: { 'x-model': 'txn-scorer', ...acme } }).status).toBe(200);
    // Not its tenant, not with a token of that tenant either; not the untenanted model; not another tenant's header on acme's path.
    expect(atShard({ principal: REPLAYER, path: '/v2/models/txn-scorer.globex/infer', headers: globex }).status).toBe(403);
    expect(atShard({ principal: REPLAYER, path: '/v2/models/txn-scorer.globex/infer', headers: globex, token: token('acme') }).status).toBe(403);
    expect(atShard({ principal: REPLAYER, path: '/v2/models/embedder/infer' }).status).toBe(403);
    expect(atShard({ principal: REPLAYER, path: '/v2/models/txn-scorer.acme/infer', headers: globex }).status).toBe(403);
  });

  it('refuses plaintext on the serving ports and accepts it on the metrics port only', () => {
    expect(atShard({ path: '/v2/models/txn-scorer.acme/infer', headers: acme, token: token('acme') }).status).toBe(0);
    expect(atShard({ path: GRPC_INFER, port: 8001, headers: { 'x-model': 'txn-scorer', ...acme }, token: token('acme') }).status).toBe(0);
    expect(atShard({ method: 'GET', path: '/metrics', port: 8002 })).toMatchObject({ status: 200 });
  });

  it('keeps the guard against a namespace-wide allow-all: a tokenless request naming a tenant is still refused', () => {
    const allowAll = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: 'fraud' }, spec: { rules: [{}] } } as AuthorizationPolicy;
    const d = authorize([...policies, allowAll], workload, { source: { principal: 'cluster.local/ns/other/sa/x' }, requestPrincipal: null, claims: null, host: 'h', method: 'POST', path: '/v2/models/txn-scorer.acme/infer', port: 8000, headers: acme });
    expect(d).toMatchObject({ allowed: false, policy: `fraud/${gpuShard.name}-tenant-guard` });
  });
});

describe('the rules, as rendered', () => {
  it('binds every tenant rule to the claim and adds a trusted-caller rule per trusted tenant', () => {
    const allow = shardAllowRules(gpuShard, stack, fraud);
    const claim = claimConditionKey('tenant');
    expect(allow.filter((r) => r.when?.some((c) => c.key === claim)).map((r) => r.when!.find((c) => c.key === claim)!.values)).toEqual([['acme'], ['globex'], ['acme'], ['globex']]);
    expect(allow.filter((r) => r.from?.[0]?.source?.principals?.includes(REPLAYER))).toHaveLength(2);
    const guard = shardGuardRules(gpuShard, stack, fraud).filter((r) => r.when?.some((c) => c.key === claim));
    expect(guard).toEqual([
      { from: [{ source: { notPrincipals: [REPLAYER] } }], when: [{ key: 'request.headers[x-tenant]', values: ['acme'] }, { key: claim, notValues: ['acme'] }] },
      { when: [{ key: 'request.headers[x-tenant]', values: ['globex'] }, { key: claim, notValues: ['globex'] }] },
    ]);
  });

  it('leaves the rules of a stack without auth as they were', () => {
    const plain = resolvePlatformStack('plain', {});
    expect(JSON.stringify([...shardAllowRules(cpuShard, plain, teams[1]!), ...shardGuardRules(cpuShard, plain, teams[1]!)])).not.toMatch(/request\.auth|requestPrincipals/);
  });

  it('writes claim keys Istio reads: brackets for a dotted name', () => {
    expect(claimConditionKey('https://example.com/tenant')).toBe('request.auth.claims[https://example.com/tenant]');
    expect(claimRouteKey('tenant')).toBe('@request.auth.claims.tenant');
    expect(claimRouteKey('https://example.com/tenant')).toBe('@request.auth.claims[https://example.com/tenant]');
  });

  it("matches the claim on every tenant route, and answers other requests for the model with 403", () => {
    const [routes] = planRoutes({ shards: [gpuShard], groups: [], lowerBound: 0, gpusAtPeakLowerBound: 0, evictions: [] }).filter((r) => r.model === 'txn-scorer');
    const http = httpRoutes(routes!, routes!.parts[0]!, stack);
    for (const r of http.filter((h) => h.name !== 'unknown-tenant')) {
      for (const m of r.match!) expect(m.headers?.['@request.auth.claims.tenant'], r.name).toEqual({ exact: m.headers!['x-tenant']!.exact });
    }
    const unknown = http.find((h) => h.name === 'unknown-tenant')!;
    expect(unknown.directResponse!.status).toBe(403);
    expect(unknown.directResponse!.body!.string).toContain(`your token's \\"tenant\\" claim`);
  });
});

describe('the gateway and namespace objects', () => {
  it('renders the gateway check for the host with and without a port, and a wildcard host once', () => {
    const chart = Testing.chart();
    const [pods] = gatewayPods(stack, ['fraud']);
    new GatewayAuthentication(chart, 'gw', { stack, pods: pods! });
    const [ra, ap] = Testing.synth(chart) as any[];
    expect(ra).toMatchObject({ kind: 'RequestAuthentication', metadata: { name: 'modelfleet-gateway-jwt', namespace: 'istio-system' } });
    expect(ap).toMatchObject({ kind: 'AuthorizationPolicy', metadata: { name: 'modelfleet-gateway-require-jwt', namespace: 'istio-system' } });
    expect(ra.spec).toEqual({ selector: { matchLabels: { istio: 'ingressgateway' } }, jwtRules: [{ issuer: ISSUER, jwksUri: JWKS, audiences: ['inference'], forwardOriginalToken: true }] });
    expect(ap.spec.rules).toEqual([{ from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { hosts: ['inference.modelfleet.internal', 'inference.modelfleet.internal:*'] } }] }]);
    expect(hostPatterns('*.models.example.com')).toEqual(['*.models.example.com']);
  });

  it('renders PeerAuthentications as isolation.mtls says', () => {
    const kinds = (mtls: string) => {
      const chart = Testing.chart();
      new TeamAuthentication(chart, 'a', { team: fraud, stack: resolvePlatformStack('x', { isolation: { mtls } }) });
      return (Testing.synth(chart) as any[]).map((o) => `${o.kind}/${o.metadata.name}`);
    };
    expect(kinds('strict-except-metrics')).toEqual(['PeerAuthentication/fraud-mtls', 'PeerAuthentication/fraud-shard-metrics']);
    expect(kinds('strict')).toEqual(['PeerAuthentication/fraud-mtls']);
    expect(kinds('unmanaged')).toEqual([]);
  });
});

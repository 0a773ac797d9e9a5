/**
 * AuthorizationPolicy evaluation against objects modelled on
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/ and
 * https://istio.io/latest/docs/concepts/security/#authorization.
 */
import { describe, expect, it } from 'vitest';
import {
  authorize,
  compilePathTemplate,
  ipInBlock,
  matchAuthzString,
  pickDestination,
  routeAtGateway,
  upstreamRequest,
  type AuthorizationPolicy,
  type AuthorizationPolicySpec,
  type AuthzRequest,
  type VirtualService,
} from '../../support/mesh/index.ts';

function ap(name: string, namespace: string, spec: AuthorizationPolicySpec, annotations?: Record<string, string>): AuthorizationPolicy {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec };
}

const httpbin = { namespace: 'foo', labels: { app: 'httpbin', version: 'v1' } };
const sleep = 'cluster.local/ns/default/sa/sleep';

function req(extra: Partial<AuthzRequest> = {}): AuthzRequest {
  return { source: { principal: sleep }, host: 'httpbin.foo', method: 'GET', path: '/info', port: 8000, headers: {}, ...extra };
}

describe('evaluation order', () => {
  it('allows everything when no policy applies', () => {
    expect(authorize([], httpbin, req())).toMatchObject({ allowed: true, status: 200 });
  });

  it('DENY beats ALLOW', () => {
    const allowAll = ap('allow-all', 'foo', { rules: [{}] });
    const denyPost = ap('deny-post', 'foo', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    expect(authorize([allowAll, denyPost], httpbin, req({ method: 'POST' }))).toMatchObject({ allowed: false, status: 403, policy: 'foo/deny-post' });
    expect(authorize([allowAll, denyPost], httpbin, req({ method: 'GET' }))).toMatchObject({ allowed: true, policy: 'foo/allow-all' });
  });

  it('a DENY policy alone does not turn on deny-by-default', () => {
    const denyPost = ap('deny-post', 'foo', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    expect(authorize([denyPost], httpbin, req({ method: 'GET' }))).toMatchObject({ allowed: true, reason: expect.stringMatching(/no ALLOW policy/) });
  });

  it('an ALLOW policy whose rules do not match denies (deny by default)', () => {
    const allowPost = ap('allow-post', 'foo', { rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    expect(authorize([allowPost], httpbin, req({ method: 'GET' }))).toMatchObject({ allowed: false, status: 403 });
    expect(authorize([allowPost], httpbin, req({ method: 'POST' }))).toMatchObject({ allowed: true });
  });

  it('allow-nothing (`spec: {}`, no rules) matches nothing; `rules: [{}]` matches everything', () => {
    const allowNothing = ap('allow-nothing', 'foo', {});
    expect(authorize([allowNothing], httpbin, req())).toMatchObject({ allowed: false });
    expect(authorize([allowNothing, ap('allow-all', 'foo', { rules: [{}] })], httpbin, req())).toMatchObject({ allowed: true });
    expect(authorize([ap('deny-all', 'foo', { action: 'DENY', rules: [{}] }), ap('allow-all', 'foo', { rules: [{}] })], httpbin, req())).toMatchObject({ allowed: false });
    expect(authorize([ap('deny-none', 'foo', { action: 'DENY' })], httpbin, req())).toMatchObject({ allowed: true });
  });

  it('ignores AUDIT and dry-run policies', () => {
    const audit = ap('audit', 'foo', { action: 'AUDIT', rules: [{}] });
    const dryDeny = ap('dry', 'foo', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' });
    expect(authorize([audit, dryDeny], httpbin, req())).toMatchObject({ allowed: true });
  });

  it('refuses CUSTOM and targetRefs', () => {
    expect(() => authorize([ap('ext', 'foo', { action: 'CUSTOM', provider: { name: 'x' }, rules: [{}] })], httpbin, req())).toThrow(/CUSTOM/);
    expect(() => authorize([ap('t', 'foo', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' }] })], httpbin, req())).toThrow(/targetRef/);
  });
});

describe('scope', () => {
  it('namespace-wide vs selector policies', () => {
    const other = { namespace: 'foo', labels: { app: 'other' } };
    const selected = ap('allow-nothing', 'foo', { selector: { matchLabels: { app: 'httpbin' } } });
    expect(authorize([selected], httpbin, req()).allowed).toBe(false);
    expect(authorize([selected], other, req()).allowed).toBe(true);
    const nsWide = ap('allow-nothing', 'foo', {});
    expect(authorize([nsWide], other, req()).allowed).toBe(false);
    expect(authorize([nsWide], { namespace: 'bar', labels: {} }, req()).allowed).toBe(true);
  });

  it('policies in the root namespace apply mesh-wide (with their selector)', () => {
    const root = ap('allow-nothing', 'istio-system', { selector: { matchLabels: { version: 'v1' } } });
    expect(authorize([root], httpbin, req()).allowed).toBe(false);
    expect(authorize([root], { namespace: 'bar', labels: { version: 'v2' } }, req()).allowed).toBe(true);
    expect(authorize([root], httpbin, req(), { rootNamespace: 'istio-config' }).allowed).toBe(true);
    expect(authorize([ap('deny', 'istio-config', { action: 'DENY', rules: [{}] })], httpbin, req(), { rootNamespace: 'istio-config' }).allowed).toBe(false);
  });
});

describe('the docs httpbin example', () => {
  const httpbinPolicy = ap('httpbin', 'foo', {
    action: 'ALLOW',
    rules: [
      {
        from: [{ source: { principals: [sleep] } }, { source: { namespaces: ['test'] } }],
        to: [{ operation: { methods: ['GET'], paths: ['/info*'] } }, { operation: { methods: ['POST'], paths: ['/data'] } }],
      },
    ],
  });
  const fromTest = { principal: 'cluster.local/ns/test/sa/any' };
  const fromDev = { principal: 'cluster.local/ns/dev/sa/any' };

  it.each([
    ['sleep GET /info', req(), true],
    ['sleep GET /info/x (prefix)', req({ path: '/info/x' }), true],
    ['sleep GET /inf', req({ path: '/inf' }), false],
    ['test ns POST /data', req({ source: fromTest, method: 'POST', path: '/data' }), true],
    ['test ns POST /data/x (exact)', req({ source: fromTest, method: 'POST', path: '/data/x' }), false],
    ['dev ns GET /info', req({ source: fromDev }), false],
    ['plain text GET /info', req({ source: {} }), false],
    ['sleep GET /data (method/path pair)', req({ path: '/data' }), false],
  ])('%s', (_name, request, allowed) => {
    expect(authorize([httpbinPolicy], httpbin, request).allowed).toBe(allowed);
  });
});

describe('value matching', () => {
  it('exact, prefix, suffix, presence', () => {
    expect(matchAuthzString('abc', 'abc')).toBe(true);
    expect(matchAuthzString('abc', 'abcd')).toBe(false);
    expect(matchAuthzString('abc*', 'abcd')).toBe(true);
    expect(matchAuthzString('abc*', 'abc')).toBe(true);
    expect(matchAuthzString('*abc', 'xabc')).toBe(true);
    expect(matchAuthzString('*abc', 'abcx')).toBe(false);
    expect(matchAuthzString('*', 'x')).toBe(true);
    expect(matchAuthzString('*', '')).toBe(false);
    expect(matchAuthzString('*', undefined)).toBe(false);
    expect(() => matchAuthzString('a*b', 'ab')).toThrow(/ambiguous/);
  });

  it('hosts compare case-insensitively and see the port', () => {
    const p = ap('hosts', 'foo', { rules: [{ to: [{ operation: { hosts: ['*.example.com'] } }] }] });
    expect(authorize([p], httpbin, req({ host: 'API.Example.com' })).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ host: 'api.example.com:8080' })).allowed).toBe(false);
  });

  it('ports are exact; notPorts', () => {
    const p = ap('ports', 'foo', { rules: [{ to: [{ operation: { ports: ['8000'] } }] }] });
    expect(authorize([p], httpbin, req({ port: 8000 })).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ port: 8001 })).allowed).toBe(false);
    const notP = ap('ports', 'foo', { rules: [{ to: [{ operation: { notPorts: ['8002'] } }] }] });
    expect(authorize([notP], httpbin, req({ port: 8002 })).allowed).toBe(false);
    expect(authorize([notP], httpbin, req({ port: 8000 })).allowed).toBe(true);
  });

  it('notNamespaces deny (concept page example) — and an absent identity satisfies notX', () => {
    const deny = ap('httpbin-deny', 'foo', { selector: { matchLabels: { app: 'httpbin', version: 'v1' } }, action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['foo'] } }] }] });
    expect(authorize([deny], httpbin, req({ source: { principal: 'cluster.local/ns/foo/sa/x' } })).allowed).toBe(true);
    expect(authorize([deny], httpbin, req({ source: { principal: 'cluster.local/ns/bar/sa/x' } })).allowed).toBe(false);
    expect(authorize([deny], httpbin, req({ source: {} })).allowed).toBe(false);
  });

  it('paths are normalized and compared without the query', () => {
    const deny = ap('deny-admin', 'foo', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] });
    expect(authorize([deny], httpbin, req({ path: '/public/../admin/x?y=1' })).allowed).toBe(false);
    expect(authorize([deny], httpbin, req({ path: '/%61dmin' })).allowed).toBe(false);
    expect(authorize([deny], httpbin, req({ path: '/public/admin' })).allowed).toBe(true);
  });

  it('gRPC: path is /package.Service/Method, method POST', () => {
    const p = ap('grpc', 'foo', { rules: [{ to: [{ operation: { methods: ['POST'], paths: ['/inference.GRPCInferenceService/*'] } }] }] });
    expect(authorize([p], httpbin, req({ method: 'POST', path: '/inference.GRPCInferenceService/ModelInfer' })).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ method: 'POST', path: '/grpc.health.v1.Health/Check' })).allowed).toBe(false);
  });

  it('path templates {*} and {**} (documented examples)', () => {
    expect(compilePathTemplate('/foo/{*}').test('/foo/bar')).toBe(true);
    expect(compilePathTemplate('/foo/{*}').test('/foo/bar/baz')).toBe(false);
    expect(compilePathTemplate('/foo/{*}/bar/{**}').test('/foo/buzz/bar/')).toBe(true);
    expect(compilePathTemplate('/foo/{*}/bar/{**}').test('/foo/buzz/bar/baz')).toBe(true);
    expect(() => compilePathTemplate('/foo/{*}.txt')).toThrow(/invalid/);
    expect(() => compilePathTemplate('/{**}/foo/{*}')).toThrow(/unsupported/);
    const p = ap('tpl', 'foo', { rules: [{ to: [{ operation: { paths: ['/v2/models/{*}/infer'] } }] }] });
    expect(authorize([p], httpbin, req({ path: '/v2/models/m1/infer' })).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ path: '/v2/models/m1/x/infer' })).allowed).toBe(false);
  });

  it('ipBlocks accept IPs and CIDRs', () => {
    expect(ipInBlock('10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(ipInBlock('10.0.0.0/8', '11.1.2.3')).toBe(false);
    expect(ipInBlock('203.0.113.4', '203.0.113.4')).toBe(true);
    const p = ap('ips', 'foo', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }] });
    expect(authorize([p], httpbin, req({ source: { principal: sleep, ip: '10.9.9.9' } })).allowed).toBe(true);
    expect(() => authorize([p], httpbin, req())).toThrow(/source.ip/);
  });
});

describe('when conditions', () => {
  const tenant = (values: Partial<{ values: string[]; notValues: string[] }>) =>
    ap('tenant', 'foo', { rules: [{ when: [{ key: 'request.headers[X-Tenant]', ...values }] }] });

  it('header values, with case-insensitive header names', () => {
    expect(authorize([tenant({ values: ['acme'] })], httpbin, req({ headers: { 'x-tenant': 'acme' } })).allowed).toBe(true);
    expect(authorize([tenant({ values: ['acme'] })], httpbin, req({ headers: { 'X-TENANT': 'acme' } })).allowed).toBe(true);
    expect(authorize([tenant({ values: ['acme'] })], httpbin, req({ headers: { 'x-tenant': 'globex' } })).allowed).toBe(false);
    expect(authorize([tenant({ values: ['acme'] })], httpbin, req()).allowed).toBe(false);
    expect(authorize([tenant({ values: ['*'] })], httpbin, req({ headers: { 'x-tenant': '' } })).allowed).toBe(false);
  });

  it('notValues: matches when the value is none of them, including when absent', () => {
    expect(authorize([tenant({ notValues: ['globex'] })], httpbin, req({ headers: { 'x-tenant': 'acme' } })).allowed).toBe(true);
    expect(authorize([tenant({ notValues: ['globex'] })], httpbin, req({ headers: { 'x-tenant': 'globex' } })).allowed).toBe(false);
    expect(authorize([tenant({ notValues: ['globex'] })], httpbin, req()).allowed).toBe(true);
    expect(authorize([tenant({ values: ['a*'], notValues: ['acme'] })], httpbin, req({ headers: { 'x-tenant': 'acme' } })).allowed).toBe(false);
    expect(authorize([tenant({ values: ['a*'], notValues: ['acme'] })], httpbin, req({ headers: { 'x-tenant': 'alpha' } })).allowed).toBe(true);
  });

  it('all conditions of a rule must hold (AND)', () => {
    const p = ap('both', 'foo', {
      rules: [{ when: [{ key: 'request.headers[x-tenant]', values: ['acme'] }, { key: 'source.namespace', values: ['istio-system'] }] }],
    });
    const gw = { principal: 'cluster.local/ns/istio-system/sa/ingress' };
    expect(authorize([p], httpbin, req({ source: gw, headers: { 'x-tenant': 'acme' } })).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ headers: { 'x-tenant': 'acme' } })).allowed).toBe(false);
  });

  it('source.principal and destination.port keys', () => {
    const p = ap('k', 'foo', { rules: [{ when: [{ key: 'source.principal', values: ['*/sa/sleep'] }, { key: 'destination.port', values: ['8000'] }] }] });
    expect(authorize([p], httpbin, req()).allowed).toBe(true);
    expect(authorize([p], httpbin, req({ port: 9000 })).allowed).toBe(false);
  });

  it('refuses claim keys without claims in the request, and unknown keys instead of ignoring them', () => {
    const jwt = ap('jwt', 'foo', { rules: [{ when: [{ key: 'request.auth.claims[iss]', values: ['https://accounts.google.com'] }] }] });
    expect(() => authorize([jwt], httpbin, req())).toThrow(/give it in the request/);
    expect(() => authorize([ap('x', 'foo', { rules: [{ when: [{ key: 'connection.sni', values: ['x'] }] }] })], httpbin, req())).toThrow(/not modelled/);
    expect(() => authorize([ap('x', 'foo', { rules: [{ when: [{ key: 'source.namespace' }] }] })], httpbin, req())).toThrow(/values or notValues/);
  });
});

describe('request identity', () => {
  it('derives source.namespace from the principal and refuses a namespace without one', () => {
    const p = ap('ns', 'foo', { rules: [{ from: [{ source: { namespaces: ['default'] } }] }] });
    expect(authorize([p], httpbin, req()).allowed).toBe(true);
    expect(() => authorize([p], httpbin, req({ source: { namespace: 'default' } }))).toThrow(/principal/);
    expect(() => authorize([p], httpbin, req({ source: { principal: sleep, namespace: 'other' } }))).toThrow(/disagrees/);
  });

  it('requestPrincipals: null means "no JWT"; notRequestPrincipals ["*"] (concept page) denies it', () => {
    const deny = ap('enable-jwt-for-admin', 'foo', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }], from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
    expect(authorize([deny], httpbin, req({ path: '/admin', requestPrincipal: null })).allowed).toBe(false);
    expect(authorize([deny], httpbin, req({ path: '/admin', requestPrincipal: 'example.com/sub-1' })).allowed).toBe(true);
    expect(() => authorize([deny], httpbin, req({ path: '/admin' }))).toThrow(/requestPrincipal/);
  });

  it('rejects a lower-case method with 400', () => {
    expect(authorize([], httpbin, req({ method: 'get' }))).toMatchObject({ allowed: false, status: 400 });
  });
});

describe('upstreamRequest (gateway → workload)', () => {
  it('hands the rewritten path/authority and manipulated headers to authorize', () => {
    const vss: VirtualService[] = [
      {
        kind: 'VirtualService',
        metadata: { name: 'acme', namespace: 'fraud' },
        spec: {
          hosts: ['acme.models.example.com'],
          gateways: ['istio-system/ingress'],
          http: [
            {
              match: [{ uri: { prefix: '/models/' } }],
              rewrite: { uri: '/v2/models/' },
              headers: { request: { set: { 'x-tenant': 'acme' } } },
              route: [{ destination: { host: 'shard-a', port: { number: 8000 } } }],
            },
          ],
        },
      },
    ];
    const request = { authority: 'acme.models.example.com', method: 'POST', path: '/models/m/infer', headers: { 'x-tenant': 'globex' } };
    const result = routeAtGateway(vss, 'istio-system/ingress', request);
    if (result.kind !== 'route') throw new Error('expected a route');
    const upstream = upstreamRequest({
      request,
      result,
      destination: pickDestination(result, 0),
      gateway: { principal: 'cluster.local/ns/istio-system/sa/ingress' },
      workloadPort: 8000,
    });
    expect(upstream).toMatchObject({ path: '/v2/models/m/infer', host: 'acme.models.example.com', headers: { 'x-tenant': 'acme' } });
    const onlyAcme = ap('acme-only', 'fraud', {
      rules: [{ from: [{ source: { namespaces: ['istio-system'] } }], when: [{ key: 'request.headers[x-tenant]', values: ['acme'] }] }],
    });
    expect(authorize([onlyAcme], { namespace: 'fraud', labels: {} }, upstream).allowed).toBe(true);
  });
});

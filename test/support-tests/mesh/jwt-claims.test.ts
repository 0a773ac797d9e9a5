/**
 * JWT claims in AuthorizationPolicy conditions
 * (https://istio.io/latest/docs/reference/config/security/conditions/,
 * https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/) and in
 * VirtualService matches at a gateway
 * (https://istio.io/latest/docs/tasks/security/authentication/jwt-route/),
 * fed by real tokens through `authenticate`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createIssuer, TEST_NOW, type TestIssuer } from '../../support/jwt-issuer.ts';
import {
  authenticate,
  authorize,
  MeshEvaluationError,
  parseClaimKey,
  routeAtGateway,
  routeAtGatewayUnderOrders,
  routingClaimPath,
  upstreamRequest,
  type AuthorizationPolicy,
  type AuthorizationPolicySpec,
  type AuthzRequest,
  type GatewayRouteResult,
  type HTTPRoute,
  type HttpRequest,
  type RequestAuthentication,
  type VirtualService,
} from '../../support/mesh/index.ts';

function thrown(f: () => unknown): MeshEvaluationError {
  try {
    f();
  } catch (e) {
    if (e instanceof MeshEvaluationError) return e;
    throw e;
  }
  throw new Error('expected a MeshEvaluationError');
}

// ---------------------------------------------------------------------------
// AuthorizationPolicy
// ---------------------------------------------------------------------------

function ap(name: string, spec: AuthorizationPolicySpec): AuthorizationPolicy {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'foo' }, spec };
}

const httpbin = { namespace: 'foo', labels: { app: 'httpbin' } };

function req(claims: AuthzRequest['claims'], extra: Partial<AuthzRequest> = {}): AuthzRequest {
  return { source: { principal: 'cluster.local/ns/foo/sa/sleep' }, host: 'httpbin.foo', method: 'GET', path: '/headers', port: 8000, claims, ...extra };
}

function allowWhen(key: string, values?: string[], notValues?: string[]): AuthorizationPolicy {
  return ap('require-jwt', { rules: [{ when: [{ key, ...(values ? { values } : {}), ...(notValues ? { notValues } : {}) }] }] });
}

describe('AuthorizationPolicy request.auth.claims', () => {
  const groups = { iss: 'testing@secure.istio.io', sub: 'testing@secure.istio.io', groups: ['group1', 'group2'], tenant: 'acme', nested: { key1: 'valueA', list: ['x'] } };

  it('string claim: exact, prefix, suffix and presence patterns', () => {
    expect(authorize([allowWhen('request.auth.claims[tenant]', ['acme'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[tenant]', ['globex'])], httpbin, req(groups)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[tenant]', ['ac*'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[iss]', ['*@secure.istio.io'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[tenant]', ['*'])], httpbin, req(groups)).allowed).toBe(true);
  });

  it('list claim: matches when any element matches (authz-jwt task: groups ["group1","group2"] has group1)', () => {
    expect(authorize([allowWhen('request.auth.claims[groups]', ['group1'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[groups]', ['group3'])], httpbin, req(groups)).allowed).toBe(false);
  });

  it('absent claim or no JWT: values fail, notValues hold', () => {
    expect(authorize([allowWhen('request.auth.claims[missing]', ['x'])], httpbin, req(groups)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[missing]', undefined, ['x'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[groups]', ['group1'])], httpbin, req(null)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[groups]', undefined, ['group1'])], httpbin, req(null)).allowed).toBe(true);
  });

  it('notValues on a list claim: denied when any element matches', () => {
    const deny = ap('deny-group1', { action: 'DENY', rules: [{ when: [{ key: 'request.auth.claims[groups]', values: ['group1'] }] }] });
    expect(authorize([deny], httpbin, req(groups)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[groups]', undefined, ['group2'])], httpbin, req(groups)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[groups]', undefined, ['group9'])], httpbin, req(groups)).allowed).toBe(true);
  });

  it('nested claims with [a][b]; a bracketed name may contain dots and slashes', () => {
    expect(authorize([allowWhen('request.auth.claims[nested][key1]', ['valueA'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[nested][list]', ['x'])], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.claims[nested][key1]', ['valueB'])], httpbin, req(groups)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.claims[https://example.com/tenant]', ['acme'])], httpbin, req({ 'https://example.com/tenant': 'acme' })).allowed).toBe(true);
    expect(parseClaimKey('request.auth.claims[a.b][c]')).toEqual(['a.b', 'c']);
    expect(parseClaimKey('request.auth.claims[[good]]')).toEqual(['[good]']);
    expect(() => parseClaimKey('request.auth.claims.iss')).toThrow(MeshEvaluationError);
  });

  it('claims of undocumented types (number, bool, object, mixed list) throw unsupported', () => {
    for (const v of [3, true, { a: 'b' }, ['a', 1], null]) {
      expect(thrown(() => authorize([allowWhen('request.auth.claims[c]', ['3'])], httpbin, req({ c: v }))).code).toBe('unsupported');
    }
  });

  it('request.auth.audiences (aud) and request.auth.presenter (azp)', () => {
    const claims = { iss: 'i', sub: 's', aud: ['models', 'other'], azp: 'cli' };
    expect(authorize([allowWhen('request.auth.audiences', ['models'])], httpbin, req(claims)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.audiences', ['x'])], httpbin, req({ ...claims, aud: 'x' })).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.presenter', ['cli'])], httpbin, req(claims)).allowed).toBe(true);
    expect(authorize([allowWhen('request.auth.presenter', ['cli'])], httpbin, req(null)).allowed).toBe(false);
  });

  it('without claims in the request a claim policy throws; requestPrincipal derives from iss/sub and must agree', () => {
    expect(() => authorize([allowWhen('request.auth.claims[groups]', ['group1'])], httpbin, req(undefined))).toThrow(/claims/);
    const principals = ap('p', { rules: [{ from: [{ source: { requestPrincipals: ['testing@secure.istio.io/testing@secure.istio.io'] } }] }] });
    expect(authorize([principals], httpbin, req(groups)).allowed).toBe(true);
    expect(authorize([principals], httpbin, req(null)).allowed).toBe(false);
    expect(authorize([allowWhen('request.auth.principal', ['testing@secure.istio.io/*'])], httpbin, req(groups)).allowed).toBe(true);
    expect(() => authorize([principals], httpbin, req(groups, { requestPrincipal: 'x/y' }))).toThrow(/disagrees/);
    expect(() => authorize([principals], httpbin, req({ iss: 'i' }))).toThrow(/requestPrincipal/);
  });
});

// ---------------------------------------------------------------------------
// VirtualService at the gateway
// ---------------------------------------------------------------------------

const GW = 'istio-system/ingress';

function vs(name: string, http: HTTPRoute[], gateways = [GW]): VirtualService {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'foo' }, spec: { hosts: ['models.example.com'], gateways, http } };
}

const toSubset = (subset: string) => ({ destination: { host: 'httpbin', subset } });

function get(authClaims: HttpRequest['authClaims'], headers: Record<string, string> = {}): HttpRequest {
  return { authority: 'models.example.com', method: 'GET', path: '/headers', headers, authClaims };
}

function subsetOf(r: GatewayRouteResult): string {
  if (r.kind !== 'route') return r.kind;
  return r.destinations.map((d) => d.subset).join(',');
}

describe('VirtualService @request.auth.claims', () => {
  const byGroup = vs('by-group', [
    { name: 'v2', match: [{ uri: { prefix: '/headers' }, headers: { '@request.auth.claims.groups': { exact: 'group1' } } }], route: [toSubset('v2')] },
    { name: 'default', route: [toSubset('v1')] },
  ]);

  it('matches a string claim, and a list claim when an element matches (jwt-route task)', () => {
    expect(subsetOf(routeAtGateway([byGroup], GW, get({ groups: 'group1' })))).toBe('v2');
    expect(subsetOf(routeAtGateway([byGroup], GW, get({ groups: ['group1', 'group2'] })))).toBe('v2');
    expect(subsetOf(routeAtGateway([byGroup], GW, get({ groups: ['group2'] })))).toBe('v1');
  });

  it('a mismatch, a missing claim or no JWT (null) does not match; an HTTP header of the same name is ignored', () => {
    expect(subsetOf(routeAtGateway([byGroup], GW, get({ groups: 'group3' })))).toBe('v1');
    expect(subsetOf(routeAtGateway([byGroup], GW, get({ foo: 'bar' })))).toBe('v1');
    expect(subsetOf(routeAtGateway([byGroup], GW, get(null, { '@request.auth.claims.groups': 'group1', groups: 'group1' })))).toBe('v1');
  });

  it('undefined authClaims throws (give authClaims)', () => {
    const e = thrown(() => routeAtGateway([byGroup], GW, get(undefined)));
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(/authClaims/);
  });

  it('nested claims with "." and with [] (for names containing dots); prefix and regex (full match)', () => {
    const nested = vs('nested', [
      { match: [{ headers: { '@request.auth.claims.name.givenName': { prefix: 'Al' } } }], route: [toSubset('dot')] },
      { match: [{ headers: { '@request.auth.claims[example.com/tenant][id]': { regex: 'acme-[0-9]+' } } }], route: [toSubset('bracket')] },
      { route: [toSubset('v1')] },
    ]);
    expect(subsetOf(routeAtGateway([nested], GW, get({ name: { givenName: 'Alice' } })))).toBe('dot');
    expect(subsetOf(routeAtGateway([nested], GW, get({ 'example.com/tenant': { id: 'acme-42' } })))).toBe('bracket');
    expect(subsetOf(routeAtGateway([nested], GW, get({ 'example.com/tenant': { id: 'acme-42x' } })))).toBe('v1');
    expect(routingClaimPath('@Request.Auth.Claims[a.b][C]')).toEqual(['a.b', 'C']);
    expect(routingClaimPath('x-header')).toBeUndefined();
  });

  it('withoutHeaders on a claim: no JWT or another value satisfies it', () => {
    const notAdmin = vs('not-admin', [
      { match: [{ withoutHeaders: { '@request.auth.claims.role': { exact: 'admin' } } }], route: [toSubset('public')] },
      { route: [toSubset('admin')] },
    ]);
    expect(subsetOf(routeAtGateway([notAdmin], GW, get(null)))).toBe('public');
    expect(subsetOf(routeAtGateway([notAdmin], GW, get({ role: 'user' })))).toBe('public');
    expect(subsetOf(routeAtGateway([notAdmin], GW, get({ role: ['admin'] })))).toBe('admin');
  });

  it('refuses other @ keys, malformed claim keys, {} on a claim, undocumented claim types and mesh-bound rules', () => {
    const route = (headers: Record<string, object>, gateways = [GW]) => vs('x', [{ match: [{ headers }], route: [toSubset('a')] }, { route: [toSubset('b')] }], gateways);
    expect(thrown(() => routeAtGateway([route({ '@request.auth.principal': { exact: 'x' } })], GW, get({}))).code).toBe('unsupported');
    expect(thrown(() => routeAtGateway([route({ '@request.auth.claims': { exact: 'x' } })], GW, get({}))).code).toBe('unsupported');
    expect(thrown(() => routeAtGateway([route({ '@request.auth.claims[]': { exact: 'x' } })], GW, get({}))).code).toBe('unsupported');
    expect(thrown(() => routeAtGateway([route({ '@request.auth.claims.a': {} })], GW, get({ a: 'x' }))).code).toBe('ambiguous');
    expect(thrown(() => routeAtGateway([route({ '@request.auth.claims.a': { exact: '1' } })], GW, get({ a: 1 }))).code).toBe('unsupported');
    expect(thrown(() => routeAtGateway([route({ '@request.auth.claims.a': { exact: 'x' } }, [GW, 'mesh'])], GW, get({ a: 'x' }))).code).toBe('unsupported');
  });

  it('routeAtGatewayUnderOrders passes the claims through', () => {
    const other = vs('other', [{ match: [{ uri: { prefix: '/other' } }], route: [toSubset('o')] }]);
    const report = routeAtGatewayUnderOrders([byGroup, other], GW, get({ groups: ['group1'] }));
    expect(report.orderDependent).toBe(false);
    expect(subsetOf(report.result)).toBe('v2');
  });
});

// ---------------------------------------------------------------------------
// End to end: token → gateway authn → routing → workload authz
// ---------------------------------------------------------------------------

describe('token → authenticate → route → authorize', () => {
  let idp: TestIssuer;
  beforeAll(() => {
    idp = createIssuer({ issuer: 'https://idp.example.com' });
  });

  it('routes on the validated tenant claim and authorizes with claims forwarded to the workload', () => {
    const jwksUri = 'https://idp.example.com/jwks.json';
    const ras: RequestAuthentication[] = [
      { kind: 'RequestAuthentication', metadata: { name: 'jwt', namespace: 'istio-system' }, spec: { jwtRules: [{ issuer: idp.issuer, jwksUri, forwardOriginalToken: true }] } },
    ];
    const route = vs('tenants', [
      { match: [{ headers: { '@request.auth.claims.tenant': { exact: 'acme' } } }], route: [toSubset('acme')] },
      { route: [toSubset('nobody')] },
    ]);
    const token = idp.sign({ sub: 'alice', tenant: 'acme', scope: 'infer read' });
    const options = { jwks: { [jwksUri]: idp.jwks }, now: TEST_NOW };
    const atGateway = authenticate(ras, { namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, { path: '/headers', headers: { authorization: `Bearer ${token}`, 'x-tenant': 'globex' } }, options);
    if (atGateway.kind !== 'authenticated') throw new Error(JSON.stringify(atGateway));
    const request: HttpRequest = { authority: 'models.example.com', method: 'GET', path: atGateway.path, headers: atGateway.headers, authClaims: atGateway.claims };
    const routed = routeAtGateway([route], GW, request);
    if (routed.kind !== 'route') throw new Error(routed.kind);
    expect(routed.destinations[0]!.subset).toBe('acme');

    const atWorkload = authenticate(ras, httpbin, { path: routed.rewrittenPath, headers: routed.destinations[0]!.requestHeaders }, options);
    if (atWorkload.kind !== 'authenticated') throw new Error(JSON.stringify(atWorkload));
    const policy = ap('tenant', { rules: [{ when: [{ key: 'request.auth.claims[tenant]', values: ['acme'] }, { key: 'request.auth.claims[scope]', values: ['infer'] }] }] });
    const authz = upstreamRequest({ request, result: routed, destination: routed.destinations[0]!, gateway: { principal: 'cluster.local/ns/istio-system/sa/ingress' }, workloadPort: 8000, claims: atWorkload.claims });
    expect(authorize([policy], httpbin, authz)).toMatchObject({ allowed: true });
    expect(authorize([policy], httpbin, { ...authz, claims: null })).toMatchObject({ allowed: false, status: 403 });
  });
});

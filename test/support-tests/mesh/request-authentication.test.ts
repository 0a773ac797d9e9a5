/**
 * RequestAuthentication (JWT) evaluation with real tokens from the test
 * issuer, against objects modelled on
 * https://istio.io/latest/docs/reference/config/security/request_authentication/ and the
 * authn-policy / claim-to-header tasks.
 */
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIssuer, TEST_NOW, type TestIssuer } from '../../support/jwt-issuer.ts';
import {
  authenticate,
  MeshEvaluationError,
  type AuthnResult,
  type AuthenticateOptions,
  type JwtRule,
  type RequestAuthentication,
} from '../../support/mesh/index.ts';

const ISS = 'https://idp.example.com';
const JWKS_URI = 'https://idp.example.com/.well-known/jwks.json';
const gateway = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };

function ra(name: string, namespace: string, jwtRules: JwtRule[], matchLabels?: Record<string, string>): RequestAuthentication {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name, namespace },
    spec: { ...(matchLabels ? { selector: { matchLabels } } : {}), jwtRules },
  };
}

let idp: TestIssuer;
let opts: AuthenticateOptions;

beforeAll(() => {
  idp = createIssuer({ issuer: ISS, kid: 'k1' });
  opts = { jwks: { [JWKS_URI]: idp.jwks }, now: TEST_NOW };
});

function rule(extra: Partial<JwtRule> = {}): JwtRule {
  return { issuer: ISS, jwksUri: JWKS_URI, ...extra };
}

function bearer(token: string, extra: Record<string, string> = {}) {
  return { path: '/v2/models/m/infer', headers: { Authorization: `Bearer ${token}`, ...extra } };
}

function ingress(rules: JwtRule[] = [rule()]): RequestAuthentication[] {
  return [ra('jwt', 'istio-system', rules, { istio: 'ingressgateway' })];
}

function expectKind<K extends AuthnResult['kind']>(r: AuthnResult, kind: K): Extract<AuthnResult, { kind: K }> {
  if (r.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(r)}`);
  return r as Extract<AuthnResult, { kind: K }>;
}

function thrown(f: () => unknown): MeshEvaluationError {
  try {
    f();
  } catch (e) {
    if (e instanceof MeshEvaluationError) return e;
    throw e;
  }
  throw new Error('expected a MeshEvaluationError');
}

describe('valid tokens', () => {
  it('authenticates: principal iss/sub, claims, and the Authorization header is removed (forwardOriginalToken: false)', () => {
    const token = idp.sign({ sub: 'alice', tenant: 'acme' });
    const r = expectKind(authenticate(ingress(), gateway, bearer(token, { 'x-other': '1' }), opts), 'authenticated');
    expect(r.requestPrincipal).toBe(`${ISS}/alice`);
    expect(r.claims).toMatchObject({ iss: ISS, sub: 'alice', tenant: 'acme', iat: TEST_NOW, exp: TEST_NOW + 3600 });
    expect(r.headers).toEqual({ 'x-other': '1' });
    expect(r.rule).toBe('istio-system/jwt spec.jwtRules[0]');
  });

  it('forwardOriginalToken: true keeps the Authorization header', () => {
    const token = idp.sign({ sub: 'alice' });
    const r = expectKind(authenticate(ingress([rule({ forwardOriginalToken: true })]), gateway, bearer(token), opts), 'authenticated');
    expect(r.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('audiences and presenter come from aud (string or list) and azp', () => {
    const r = expectKind(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a', aud: ['models', 'other'], azp: 'cli' })), opts), 'authenticated');
    expect(r.audiences).toEqual(['models', 'other']);
    expect(r.presenter).toBe('cli');
    const s = expectKind(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a', aud: 'models' })), opts), 'authenticated');
    expect(s.audiences).toEqual(['models']);
    expect(s.presenter).toBeUndefined();
  });

  it('a token without kid is checked against every key', () => {
    const token = idp.sign({ sub: 'alice' }, { header: { kid: undefined } });
    expect(authenticate(ingress(), gateway, bearer(token), opts).kind).toBe('authenticated');
  });

  it('verifies PS256, ES256, ES384, EdDSA and HS256 signatures', () => {
    for (const alg of ['PS256', 'ES256', 'ES384', 'EdDSA'] as const) {
      const other = createIssuer({ issuer: `https://${alg}.example`, alg });
      const r = authenticate([ra('j', 'istio-system', [{ issuer: other.issuer, jwks: JSON.stringify(other.jwks) }])], gateway, bearer(other.sign({ sub: 'x' })), opts);
      expect(r.kind, alg).toBe('authenticated');
      expect(authenticate([ra('j', 'istio-system', [{ issuer: other.issuer, jwks: JSON.stringify(other.jwks) }])], gateway, bearer(other.forge({ sub: 'x' })), opts))
        .toMatchObject({ kind: 'rejected', status: 401 });
    }
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'hs', sub: 'h' })).toString('base64url')}`;
    const hs = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const jwks = JSON.stringify({ keys: [{ kty: 'oct', k: secret.toString('base64url'), alg: 'HS256' }] });
    expect(authenticate([ra('j', 'istio-system', [{ issuer: 'hs', jwks }])], gateway, bearer(hs), opts).kind).toBe('authenticated');
  });

  it('no requestPrincipal when sub is missing or contains "/" (Istio matches iss and sub separately)', () => {
    const r = expectKind(authenticate(ingress(), gateway, bearer(idp.sign({})), opts), 'authenticated');
    expect(r.requestPrincipal).toBeUndefined();
    expect(expectKind(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a/b' })), opts), 'authenticated').requestPrincipal).toBeUndefined();
  });

  it('splits scope and permission (and spaceDelimitedClaims) into lists in claims; payload keeps the string', () => {
    const token = idp.sign({ sub: 'a', scope: 'read  write', roles: 'admin dev', other: 'x y' });
    const r = expectKind(authenticate(ingress([rule({ spaceDelimitedClaims: ['roles'] })]), gateway, bearer(token), opts), 'authenticated');
    expect(r.claims.scope).toEqual(['read', 'write']);
    expect(r.claims.roles).toEqual(['admin', 'dev']);
    expect(r.claims.other).toBe('x y');
    expect(r.payload.scope).toBe('read  write');
  });
});

describe('rejected tokens', () => {
  it('expired: exp + 60 s skew < now → 401; within the skew → valid', () => {
    const expired = idp.sign({ sub: 'a' }, { now: TEST_NOW - 7200, expiresIn: 3600 });
    expect(authenticate(ingress(), gateway, bearer(expired), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/expired/) });
    const justExpired = idp.sign({ sub: 'a' }, { now: TEST_NOW - 3630, expiresIn: 3600 });
    expect(authenticate(ingress(), gateway, bearer(justExpired), opts).kind).toBe('authenticated');
    expect(authenticate(ingress(), gateway, bearer(justExpired), { ...opts, clockSkewSeconds: 0 }).kind).toBe('rejected');
  });

  it('a token without exp does not expire (Envoy: exp is optional)', () => {
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a' }, { omitExp: true })), opts).kind).toBe('authenticated');
  });

  it('nbf in the future (beyond the skew) → 401', () => {
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a', nbf: TEST_NOW + 120 })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/not yet valid/) });
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a', nbf: TEST_NOW + 30 })), opts).kind).toBe('authenticated');
  });

  it('audiences: only checked when the rule lists some; mismatch → 403 (Envoy); scheme and trailing slash ignored', () => {
    const rules = [rule({ audiences: ['models.example.com'] })];
    expect(authenticate(ingress(rules), gateway, bearer(idp.sign({ sub: 'a', aud: 'other' })), opts)).toMatchObject({ kind: 'rejected', status: 403 });
    expect(authenticate(ingress(rules), gateway, bearer(idp.sign({ sub: 'a' })), opts)).toMatchObject({ kind: 'rejected', status: 403 });
    expect(authenticate(ingress(rules), gateway, bearer(idp.sign({ sub: 'a', aud: ['x', 'https://models.example.com/'] })), opts).kind).toBe('authenticated');
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a', aud: 'anything' })), opts).kind).toBe('authenticated');
  });

  it('unknown issuer → 401 "Jwt issuer is not configured"', () => {
    const stranger = createIssuer({ issuer: 'https://evil.example', kid: 'k1' });
    expect(authenticate(ingress(), gateway, bearer(stranger.sign({ sub: 'a' })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/issuer is not configured/) });
  });

  it('forged signature (another key under the same kid) → 401', () => {
    expect(authenticate(ingress(), gateway, bearer(idp.forge({ sub: 'alice' })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/verification fails/) });
  });

  it('alg none → 401 (empty signature: not three sections; with a signature: alg not supported)', () => {
    expect(authenticate(ingress(), gateway, bearer(idp.unsecured({ sub: 'alice' })), opts)).toMatchObject({ kind: 'rejected', status: 401 });
    expect(authenticate(ingress(), gateway, bearer(idp.unsecured({ sub: 'alice' }, { signature: 'c2ln' })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/alg\] is not supported/) });
  });

  it('malformed tokens → 401', () => {
    const good = idp.sign({ sub: 'a' });
    const [h, p, s] = good.split('.') as [string, string, string];
    for (const bad of ['abc', 'a.b', `${h}.${p}`, `${h}.${p}.${s}.x`, `${h}.!!!.${s}`, `${Buffer.from('{nope').toString('base64url')}.${p}.${s}`, `${h}.${Buffer.from('[1]').toString('base64url')}.${s}`]) {
      expect(authenticate(ingress(), gateway, bearer(bad), opts), bad).toMatchObject({ kind: 'rejected', status: 401 });
    }
    expect(authenticate(ingress(), gateway, { path: '/', headers: { authorization: 'Bearer ' } }, opts)).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('kid not in the JWKS → 401; JWKS unavailable (jwksUri not in options.jwks) → 401', () => {
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a' }, { header: { kid: 'k2' } })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/kid/) });
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a' })), { now: TEST_NOW })).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/unavailable/) });
    expect(authenticate(ingress(), gateway, bearer(idp.sign({ sub: 'a' })), { now: TEST_NOW, jwks: { [JWKS_URI]: '{"keys": []}' } })).toMatchObject({ kind: 'rejected', status: 401 });
  });
});

describe('token locations', () => {
  it('no token → anonymous; no rule for the workload → anonymous with headers untouched', () => {
    expect(authenticate(ingress(), gateway, { path: '/', headers: { 'X-A': 'b' } }, opts)).toEqual({ kind: 'anonymous', headers: { 'x-a': 'b' }, path: '/' });
    const other = { namespace: 'fraud', labels: { app: 'triton' } };
    expect(authenticate(ingress(), other, bearer('garbage'), opts)).toMatchObject({ kind: 'anonymous', headers: { authorization: 'Bearer garbage' } });
  });

  it('a root-namespace policy without selector applies to every workload; a namespace policy only to its namespace', () => {
    const meshWide = [ra('all', 'istio-system', [rule()])];
    expect(authenticate(meshWide, { namespace: 'fraud', labels: {} }, bearer('garbage'), opts).kind).toBe('rejected');
    const nsOnly = [ra('ns', 'fraud', [rule()])];
    expect(authenticate(nsOnly, { namespace: 'other', labels: {} }, bearer('garbage'), opts).kind).toBe('anonymous');
  });

  it('Authorization without the Bearer scheme is not a token location; a lower-case "bearer" is refused', () => {
    expect(authenticate(ingress(), gateway, { path: '/', headers: { authorization: 'Basic dXNlcjpwYXNz' } }, opts)).toMatchObject({ kind: 'anonymous', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(thrown(() => authenticate(ingress(), gateway, { path: '/', headers: { authorization: `bearer ${idp.sign({ sub: 'a' })}` } }, opts)).code).toBe('ambiguous');
  });

  it('the access_token query parameter is a default location; the token is removed from the path', () => {
    const token = idp.sign({ sub: 'alice' });
    const r = expectKind(authenticate(ingress(), gateway, { path: `/v2/infer?x=1&access_token=${token}&y=2` }, opts), 'authenticated');
    expect(r.path).toBe('/v2/infer?x=1&y=2');
    expect(expectKind(authenticate(ingress(), gateway, { path: `/v2/infer?access_token=${token}` }, opts), 'authenticated').path).toBe('/v2/infer');
  });

  it('fromHeaders / fromParams / fromCookies replace the default locations', () => {
    const token = idp.sign({ sub: 'alice' });
    const rules = [rule({ fromHeaders: [{ name: 'x-jwt', prefix: 'Token ' }], fromParams: ['t'], fromCookies: ['session'] })];
    expect(authenticate(ingress(rules), gateway, { path: '/', headers: { 'X-Jwt': `Token ${token}` } }, opts)).toMatchObject({ kind: 'authenticated', headers: {} });
    expect(authenticate(ingress(rules), gateway, { path: `/?t=${token}` }, opts).kind).toBe('authenticated');
    expect(authenticate(ingress(rules), gateway, { path: '/', headers: { cookie: `a=b; session=${token}` } }, opts)).toMatchObject({ kind: 'authenticated', headers: { cookie: `a=b; session=${token}` } });
    // The default locations are no longer read.
    expect(authenticate(ingress(rules), gateway, bearer('garbage'), opts).kind).toBe('anonymous');
  });

  it('a configured header without its prefix is refused (docs: "invalid"; Envoy: skipped)', () => {
    const rules = [rule({ fromHeaders: [{ name: 'x-jwt', prefix: 'Token ' }] })];
    expect(thrown(() => authenticate(ingress(rules), gateway, { path: '/', headers: { 'x-jwt': idp.sign({ sub: 'a' }) } }, opts)).code).toBe('ambiguous');
  });

  it('two tokens (Authorization and access_token) → throws ambiguous', () => {
    const token = idp.sign({ sub: 'alice' });
    const e = thrown(() => authenticate(ingress(), gateway, { path: `/?access_token=${token}`, headers: { authorization: `Bearer ${token}` } }, opts));
    expect(e.code).toBe('ambiguous');
    expect(e.message).toMatch(/multiple tokens/);
  });

  it('a CORS preflight bypasses the JWT filter; without the method it throws', () => {
    const headers = { origin: 'https://app.example', 'access-control-request-method': 'POST', authorization: 'Bearer garbage' };
    expect(authenticate(ingress(), gateway, { path: '/', headers, method: 'OPTIONS' }, opts)).toMatchObject({ kind: 'anonymous', bypassed: 'cors-preflight' });
    expect(authenticate(ingress(), gateway, { path: '/', headers, method: 'POST' }, opts).kind).toBe('rejected');
    expect(() => authenticate(ingress(), gateway, { path: '/', headers }, opts)).toThrow(/method/);
  });
});

describe('output headers', () => {
  const claimRule = rule({ outputClaimToHeaders: [{ header: 'x-tenant', claim: 'tenant' }, { header: 'x-group', claim: 'org.group' }, { header: 'x-level', claim: 'level' }, { header: 'x-admin', claim: 'admin' }] });

  it('copies string, nested, number and bool claims; a client-sent header of that name is replaced ("overridden")', () => {
    const token = idp.sign({ sub: 'a', tenant: 'acme', org: { group: 'fraud' }, level: 3, admin: false });
    const r = expectKind(authenticate(ingress([claimRule]), gateway, bearer(token, { 'X-Tenant': 'evil' }), opts), 'authenticated');
    expect(r.headers).toEqual({ 'x-tenant': 'acme', 'x-group': 'fraud', 'x-level': '3', 'x-admin': 'false' });
  });

  it('removes a client-sent output header even without a token (istio/istio#53212), and when the claim is missing', () => {
    expect(authenticate(ingress([claimRule]), gateway, { path: '/', headers: { 'x-tenant': 'evil' } }, opts)).toMatchObject({ kind: 'anonymous', headers: {} });
    const r = expectKind(authenticate(ingress([claimRule]), gateway, bearer(idp.sign({ sub: 'a' }), { 'x-tenant': 'evil' }), opts), 'authenticated');
    expect(r.headers['x-tenant']).toBeUndefined();
  });

  it('list or object claims in outputClaimToHeaders are refused (version-dependent)', () => {
    expect(thrown(() => authenticate(ingress([claimRule]), gateway, bearer(idp.sign({ sub: 'a', tenant: ['a', 'b'] })), opts)).code).toBe('ambiguous');
  });

  it('outputPayloadToHeader carries the base64url payload; a second output to the same header is appended with ","', () => {
    const token = idp.sign({ sub: 'alice' });
    const payload = token.split('.')[1]!;
    const r = expectKind(authenticate(ingress([rule({ outputPayloadToHeader: 'x-jwt-payload' })]), gateway, bearer(token), opts), 'authenticated');
    expect(r.headers['x-jwt-payload']).toBe(payload);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ sub: 'alice' });
    const both = rule({ outputPayloadToHeader: 'x-jwt', outputClaimToHeaders: [{ header: 'x-jwt', claim: 'sub' }] });
    expect(expectKind(authenticate(ingress([both]), gateway, bearer(token), opts), 'authenticated').headers['x-jwt']).toBe(`${payload},alice`);
  });

  it('refuses duplicate claim headers and an output header that is also a token location', () => {
    const dup = rule({ outputClaimToHeaders: [{ header: 'x-a', claim: 'a' }, { header: 'X-A', claim: 'b' }] });
    expect(thrown(() => authenticate(ingress([dup]), gateway, bearer('x'), opts)).code).toBe('invalid');
    const clash = rule({ outputClaimToHeaders: [{ header: 'authorization', claim: 'sub' }] });
    expect(thrown(() => authenticate(ingress([clash]), gateway, bearer('x'), opts)).code).toBe('ambiguous');
  });
});

describe('several rules', () => {
  let other: TestIssuer;
  beforeAll(() => {
    other = createIssuer({ issuer: 'https://zzz.example', kid: 'k9' });
  });
  const zRule = (extra: Partial<JwtRule> = {}): JwtRule => ({ issuer: 'https://zzz.example', jwks: JSON.stringify(other.jwks), ...extra });

  it('rules of all applicable policies merge: a token of either issuer is accepted', () => {
    const policies = [ra('a', 'istio-system', [rule()], { istio: 'ingressgateway' }), ra('z', 'istio-system', [zRule()])];
    expect(authenticate(policies, gateway, bearer(idp.sign({ sub: 'a' })), opts)).toMatchObject({ kind: 'authenticated', requestPrincipal: `${ISS}/a` });
    expect(authenticate(policies, gateway, bearer(other.sign({ sub: 'z' })), opts)).toMatchObject({ kind: 'authenticated', requestPrincipal: 'https://zzz.example/z' });
  });

  it('the failure status comes from the first rule (by issuer) reading the location: 401 "issuer not configured" can hide a 403', () => {
    const policies = [ra('j', 'istio-system', [zRule({ audiences: ['models'] }), rule({ audiences: ['models'] })])];
    // https://idp.example.com sorts first: its own audience failure → 403.
    expect(authenticate(policies, gateway, bearer(idp.sign({ sub: 'a', aud: 'x' })), opts)).toMatchObject({ kind: 'rejected', status: 403 });
    // https://zzz.example sorts second: Envoy reports the first provider's "issuer not configured".
    expect(authenticate(policies, gateway, bearer(other.sign({ sub: 'z', aud: 'x' })), opts)).toMatchObject({ kind: 'rejected', status: 401, reason: expect.stringMatching(/Audiences/) });
  });

  it('two different rules for one issuer are refused; identical ones are merged', () => {
    const twice = [ra('a', 'istio-system', [rule()]), ra('b', 'istio-system', [rule({ audiences: ['x'] })])];
    expect(thrown(() => authenticate(twice, gateway, bearer('x'), opts)).code).toBe('ambiguous');
    const same = [ra('a', 'istio-system', [rule()]), ra('b', 'istio-system', [rule()])];
    expect(authenticate(same, gateway, bearer(idp.sign({ sub: 'a' })), opts).kind).toBe('authenticated');
  });

  it('a client-sent output header of a rule after the authenticating one is refused (not sanitized in Istio 1.30 Envoy)', () => {
    const policies = [ra('j', 'istio-system', [rule(), zRule({ outputClaimToHeaders: [{ header: 'x-z', claim: 'sub' }] })])];
    expect(thrown(() => authenticate(policies, gateway, bearer(idp.sign({ sub: 'a' }), { 'x-z': 'evil' }), opts)).code).toBe('ambiguous');
    expect(authenticate(policies, gateway, bearer(other.sign({ sub: 'z' }), { 'x-z': 'evil' }), opts)).toMatchObject({ kind: 'authenticated', headers: { 'x-z': 'z' } });
  });
});

describe('refusals', () => {
  it('targetRefs, unknown fields, missing issuer, OpenID discovery, both jwks and jwksUri', () => {
    const t: RequestAuthentication = { metadata: { name: 't', namespace: 'istio-system' }, spec: { targetRefs: [{ kind: 'Gateway', name: 'g' }] } };
    expect(thrown(() => authenticate([t], gateway, bearer('x'), opts)).code).toBe('unsupported');
    expect(thrown(() => authenticate(ingress([{ ...rule(), bogus: 1 } as JwtRule]), gateway, bearer('x'), opts)).code).toBe('invalid');
    expect(thrown(() => authenticate(ingress([{ jwksUri: JWKS_URI }]), gateway, bearer('x'), opts)).code).toBe('unsupported');
    expect(thrown(() => authenticate(ingress([{ issuer: ISS }]), gateway, bearer('x'), opts)).code).toBe('unsupported');
    expect(thrown(() => authenticate(ingress([rule({ jwks: '{"keys":[]}' })]), gateway, bearer('x'), opts)).code).toBe('invalid');
  });
});

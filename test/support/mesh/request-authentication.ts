/**
 * Istio `RequestAuthentication` (JWT) evaluation for one request at one
 * workload's proxy, written from Istio's documentation and checked against
 * the Envoy `jwt_authn` filter that Istio configures.
 *
 * What it models, and where it comes from:
 * - Scope: a policy applies to workloads in its namespace, or in every
 *   namespace when it sits in the root namespace; `selector.matchLabels`
 *   narrows it; the `jwtRules` of every applicable policy are merged.
 *   `targetRef(s)` is not modelled (throws).
 *   istio/api security/v1beta1/request_authentication.proto (RequestAuthentication.selector)
 * - "A request that does not contain any authentication credentials will be
 *   accepted but will not have any authenticated identity"; a token that
 *   fails validation is rejected. (request_authentication.proto)
 * - Token locations: `fromHeaders` (`prefix` stripped), `fromParams`,
 *   `fromCookies`; with none of them: `Authorization: Bearer <token>` and the
 *   `access_token` query parameter. (JWTRule, JWTHeader)
 * - "Requests with multiple tokens (at different locations) are not
 *   supported, the output principal of such requests is undefined": throws
 *   `ambiguous`. (JWTRule.from_headers)
 * - Validation order and statuses follow Envoy's authenticator
 *   (envoyproxy/envoy source/extensions/filters/http/jwt_authn/authenticator.cc,
 *   google/jwt_verify_lib jwt.cc / verify.cc / check_audience.cc): parse →
 *   issuer configured for the location the token came from ("Jwt issuer is
 *   not configured") → `nbf`/`exp` with 60 s clock skew → audiences (only
 *   when the rule lists audiences; `http(s)://` and a trailing `/` are
 *   ignored) → JWKS signature (key picked by `kid` and `alg`). Failures
 *   answer 401, except "Audiences in Jwt are not allowed", which Envoy
 *   answers with 403 (filter.cc; Istio's own integration test
 *   tests/integration/security/jwt_test.go "invalid-aud" expects 403).
 * - Several rules: Istio builds `requires_any[P1..Pn, requires_all[any(Pi,
 *   allow_missing)...]]` over the rules sorted by issuer
 *   (istio/istio pilot/pkg/security/authn/policy_applier.go). With inline
 *   JWKS (Istio's default `PILOT_JWT_ENABLE_REMOTE_JWKS=false`) Envoy runs
 *   the verifiers in order and stops at the first success; this evaluator
 *   follows that order to decide the failure status and which claim headers
 *   are sanitized. Two rules for one issuer that differ are refused
 *   (istio/istio#19245: duplicates are not deduplicated and Envoy picks one
 *   provider per issuer).
 * - Output: the token header is removed unless `forwardOriginalToken`
 *   (JWTRule.forward_original_token; Envoy removes the whole header; a token
 *   in a query parameter is removed from the path, envoyproxy/envoy#34418; a
 *   cookie is left as is). `outputPayloadToHeader` carries the base64url
 *   payload as it appeared in the token. `outputClaimToHeaders` copies
 *   string/number/bool claims ("The header will be overridden if it already
 *   exists in the request", ClaimToHeader.header): Envoy removes the
 *   configured header names from the request before verifying
 *   (verifier.cc `sanitizeHeaders`, confirmed in istio/istio#53212 — also for
 *   requests without a JWT) and then appends with `addCopy`; when two
 *   outputs name the same header, the appended values are shown joined with
 *   "," (how Envoy's matchers read repeated headers).
 * - Claims as Istio's matchers see them (`claims`): the payload with the
 *   `scope` and `permission` claims (and `spaceDelimitedClaims`) split on
 *   spaces into lists (JWTRule.space_delimited_claims; Envoy
 *   `normalize_payload_in_metadata`, top-level claims only).
 *
 * Anything ambiguous, version-dependent or unmodelled throws
 * `MeshEvaluationError`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#end-user-authentication
 * @see https://istio.io/latest/docs/tasks/security/authentication/claim-to-header/
 */
import { constants, createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { describeObject, idOf, namespaceOf, type K8sObject } from './k8s-object.ts';
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';
import { headerMap } from './virtual-service.ts';

// ---------------------------------------------------------------------------
// Object shapes (field names from the security.istio.io CRD schema)
// ---------------------------------------------------------------------------

/** `JWTHeader`: a header the token is read from. */
export interface JwtHeaderLocation {
  readonly name: string;
  /** Stripped before decoding, e.g. `"Bearer "`. */
  readonly prefix?: string;
}

/** `ClaimToHeader`. */
export interface ClaimToHeader {
  /** Header to create (`^[-_A-Za-z0-9]+$`). */
  readonly header: string;
  /** Claim to copy; nested claims with `.` (e.g. `nested.key.group`). */
  readonly claim: string;
}

/** `JWTRule`. */
export interface JwtRule {
  readonly issuer?: string;
  readonly audiences?: readonly string[];
  readonly jwksUri?: string;
  /** CRD alias of `jwksUri`. */
  readonly jwks_uri?: string;
  /** Inline JSON Web Key Set (a JSON string). */
  readonly jwks?: string;
  readonly fromHeaders?: readonly JwtHeaderLocation[];
  readonly fromParams?: readonly string[];
  readonly fromCookies?: readonly string[];
  readonly forwardOriginalToken?: boolean;
  readonly outputPayloadToHeader?: string;
  readonly outputClaimToHeaders?: readonly ClaimToHeader[];
  /** JWKS fetch timeout (a duration string); has no effect here. */
  readonly timeout?: string;
  readonly spaceDelimitedClaims?: readonly string[];
}

/** `RequestAuthentication.spec`. */
export interface RequestAuthenticationSpec {
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly targetRef?: unknown;
  readonly targetRefs?: readonly unknown[];
  readonly jwtRules?: readonly JwtRule[];
}

/** A `security.istio.io` RequestAuthentication as plain JSON. */
export type RequestAuthentication = K8sObject<RequestAuthenticationSpec>;

/** The workload whose proxy validates the request. */
export interface AuthnWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The request as the proxy receives it. */
export interface AuthnRequest {
  /** Path, may include `?query` (for `fromParams` / `access_token`). */
  readonly path: string;
  /** Request headers (names case-insensitive). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * HTTP method; needed only to recognise a CORS preflight (`OPTIONS` with
   * `Origin` and `Access-Control-Request-Method`), which Istio lets through
   * without checking the JWT (`bypass_cors_preflight`).
   *
   * @default - unknown; a request that looks like a preflight throws
   */
  readonly method?: string;
}

/** A JSON Web Key Set, as a JSON string or parsed. */
export type JwksDocument = string | { readonly keys?: readonly unknown[] } | Readonly<Record<string, unknown>>;

/** Options for `authenticate`. */
export interface AuthenticateOptions {
  /**
   * The JWKS each `jwksUri` serves. A `jwksUri` missing here cannot be
   * fetched: every token of that rule fails with 401 (Istio's default is
   * that istiod fetches the keys; on failure it inlines a key that verifies
   * nothing; Envoy's own remote fetch failure is 401 too).
   *
   * @default {}
   */
  readonly jwks?: Readonly<Record<string, JwksDocument>>;
  /** The current time, in epoch seconds. */
  readonly now: number;
  /**
   * meshConfig `rootNamespace`.
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /**
   * Clock skew allowed for `exp`/`nbf` (Istio does not set Envoy's
   * `clock_skew_seconds`, so Envoy's default applies).
   *
   * @default 60
   */
  readonly clockSkewSeconds?: number;
}

/** No token at any configured location (or no rule applies): the request continues without identity. */
export interface AuthnAnonymous {
  readonly kind: 'anonymous';
  /** Request headers forwarded (lower-case names), after Envoy removed the configured output headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Path (with query) forwarded. */
  readonly path: string;
  /** `'cors-preflight'` when the JWT filter was bypassed for a CORS preflight. */
  readonly bypassed?: 'cors-preflight';
}

/** The token was present but invalid: the proxy answers itself. */
export interface AuthnRejected {
  readonly kind: 'rejected';
  /** 401, or 403 for "Audiences in Jwt are not allowed" (Envoy jwt_authn filter.cc). */
  readonly status: 401 | 403;
  readonly reason: string;
}

/** A valid token. */
export interface AuthnAuthenticated {
  readonly kind: 'authenticated';
  /**
   * `request.auth.principal`: `<iss>/<sub>`. Absent when the token has no
   * (or an empty) `sub`, or a `sub` containing `/`: Istio matches
   * `requestPrincipals` on `iss` and `sub` separately, splitting the pattern
   * at its last `/` (pilot/pkg/security/authz/model/generator.go), which the
   * joined string cannot reproduce; a policy that reads it then throws.
   */
  readonly requestPrincipal?: string;
  readonly issuer: string;
  /** `sub`, if the token has one. */
  readonly subject?: string;
  /**
   * Claims as Istio's AuthorizationPolicy and VirtualService matchers see
   * them (Envoy's JWT metadata: `scope`, `permission` and
   * `spaceDelimitedClaims` split on spaces into lists). Pass these as
   * `AuthzRequest.claims` and `HttpRequest.authClaims`.
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The decoded payload, unchanged. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** `request.auth.audiences` (`aud`, as a list). */
  readonly audiences: readonly string[];
  /** `request.auth.presenter` (`azp`), if any. */
  readonly presenter?: string;
  /** Request headers forwarded (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Path (with query) forwarded. */
  readonly path: string;
  /** The rule that validated the token, e.g. `foo/jwt spec.jwtRules[0]`. */
  readonly rule: string;
}

/** The outcome of request authentication. */
export type AuthnResult = AuthnAnonymous | AuthnRejected | AuthnAuthenticated;

// ---------------------------------------------------------------------------
// Validation of the objects
// ---------------------------------------------------------------------------

const SPEC_FIELDS = new Set(['selector', 'targetRef', 'targetRefs', 'jwtRules']);
const RULE_FIELDS = new Set([
  'issuer', 'audiences', 'jwksUri', 'jwks_uri', 'jwks', 'fromHeaders', 'fromParams', 'fromCookies',
  'forwardOriginalToken', 'outputPayloadToHeader', 'outputClaimToHeaders', 'timeout', 'spaceDelimitedClaims',
]);
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringList(v: unknown, what: string, loc: MeshErrorLocation): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) {
    throw new MeshEvaluationError('invalid', `${what} must be a list of non-empty strings`, loc);
  }
  return v as string[];
}

/** One JWT rule with where it comes from, validated. */
interface ResolvedRule {
  readonly id: string;
  readonly loc: MeshErrorLocation;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri?: string;
  readonly jwks?: string;
  readonly locations: readonly Location[];
  readonly forward: boolean;
  readonly payloadHeader?: string;
  readonly claimHeaders: readonly ClaimToHeader[];
  readonly spaceDelimited: readonly string[];
  /** Canonical JSON of the rule, to compare rules of one issuer. */
  readonly canonical: string;
}

type Location =
  | { readonly kind: 'header'; readonly name: string; readonly prefix: string; readonly key: string }
  | { readonly kind: 'param'; readonly name: string; readonly key: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly key: string };

function resolveRule(rule: JwtRule, id: string, loc: MeshErrorLocation): ResolvedRule {
  if (!isRecord(rule)) throw new MeshEvaluationError('invalid', 'a jwtRule must be an object', loc);
  const unknown = Object.keys(rule).filter((k) => !RULE_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown JWTRule field(s) ${unknown.join(', ')}`, loc);
  const at = (f: string): MeshErrorLocation => ({ ...loc, field: `${loc.field}.${f}` });

  if (rule.issuer === undefined || rule.issuer === '') {
    throw new MeshEvaluationError(
      'unsupported',
      'a rule without issuer (Envoy then accepts every issuer at its locations) is not modelled',
      at('issuer'),
    );
  }
  if (typeof rule.issuer !== 'string') throw new MeshEvaluationError('invalid', 'issuer must be a string', at('issuer'));
  const audiences = stringList(rule.audiences, 'audiences', at('audiences'));

  if (rule.jwksUri !== undefined && rule.jwks_uri !== undefined) throw new MeshEvaluationError('invalid', 'only one of jwks or jwksUri can be set', loc);
  const jwksUri = rule.jwksUri ?? rule.jwks_uri;
  if (jwksUri !== undefined && rule.jwks !== undefined) throw new MeshEvaluationError('invalid', 'only one of jwks or jwksUri can be set', loc);
  if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !/^https?:\/\/./.test(jwksUri))) {
    throw new MeshEvaluationError('invalid', 'jwksUri must have scheme http:// or https://', at('jwksUri'));
  }
  if (rule.jwks !== undefined) {
    if (typeof rule.jwks !== 'string') throw new MeshEvaluationError('invalid', 'jwks must be a JSON string', at('jwks'));
    try {
      JSON.parse(rule.jwks);
    } catch {
      throw new MeshEvaluationError('invalid', 'jwks parse error (Istio validation rejects the policy)', at('jwks'));
    }
  }
  if (jwksUri === undefined && rule.jwks === undefined) {
    throw new MeshEvaluationError('unsupported', 'neither jwksUri nor jwks: OpenID discovery of the key set is not modelled', loc);
  }

  const locations: Location[] = [];
  const headers = rule.fromHeaders ?? [];
  if (!Array.isArray(headers)) throw new MeshEvaluationError('invalid', 'fromHeaders must be a list', at('fromHeaders'));
  for (const [i, h] of headers.entries()) {
    const hloc = at(`fromHeaders[${i}]`);
    if (!isRecord(h) || typeof h.name !== 'string' || h.name === '') throw new MeshEvaluationError('invalid', 'location header name must be non-empty string', hloc);
    const extra = Object.keys(h).filter((k) => k !== 'name' && k !== 'prefix');
    if (extra.length > 0) throw new MeshEvaluationError('invalid', `unknown JWTHeader field(s) ${extra.join(', ')}`, hloc);
    if (h.prefix !== undefined && typeof h.prefix !== 'string') throw new MeshEvaluationError('invalid', 'prefix must be a string', hloc);
    if (!HEADER_TOKEN.test(h.name)) throw new MeshEvaluationError('invalid', `header name ${JSON.stringify(h.name)} is not a valid HTTP header name`, hloc);
    const name = h.name.toLowerCase();
    const prefix = h.prefix ?? '';
    locations.push({ kind: 'header', name, prefix, key: `header ${name} prefix ${JSON.stringify(prefix)}` });
  }
  for (const p of stringList(rule.fromParams, 'fromParams', at('fromParams'))) locations.push({ kind: 'param', name: p, key: `query parameter ${p}` });
  for (const c of stringList(rule.fromCookies, 'fromCookies', at('fromCookies'))) locations.push({ kind: 'cookie', name: c, key: `cookie ${c}` });
  if (locations.length === 0) {
    // "If no explicit location is specified the following default locations are tried":
    // Authorization: Bearer <token>, then the access_token query parameter.
    locations.push({ kind: 'header', name: 'authorization', prefix: 'Bearer ', key: 'header authorization prefix "Bearer "' });
    locations.push({ kind: 'param', name: 'access_token', key: 'query parameter access_token' });
  }

  if (rule.forwardOriginalToken !== undefined && typeof rule.forwardOriginalToken !== 'boolean') {
    throw new MeshEvaluationError('invalid', 'forwardOriginalToken must be a boolean', at('forwardOriginalToken'));
  }
  const payloadHeader = rule.outputPayloadToHeader === undefined || rule.outputPayloadToHeader === '' ? undefined : rule.outputPayloadToHeader;
  if (payloadHeader !== undefined && (typeof payloadHeader !== 'string' || !HEADER_TOKEN.test(payloadHeader))) {
    throw new MeshEvaluationError('invalid', 'outputPayloadToHeader must be a valid HTTP header name', at('outputPayloadToHeader'));
  }
  const claimHeaders = rule.outputClaimToHeaders ?? [];
  if (!Array.isArray(claimHeaders)) throw new MeshEvaluationError('invalid', 'outputClaimToHeaders must be a list', at('outputClaimToHeaders'));
  const seen = new Set<string>();
  for (const [i, ch] of claimHeaders.entries()) {
    const cloc = at(`outputClaimToHeaders[${i}]`);
    if (!isRecord(ch) || typeof ch.header !== 'string' || typeof ch.claim !== 'string' || ch.header === '' || ch.claim === '') {
      throw new MeshEvaluationError('invalid', 'outputClaimToHeaders header and claim value must be non-empty string', cloc);
    }
    const extra = Object.keys(ch).filter((k) => k !== 'header' && k !== 'claim');
    if (extra.length > 0) throw new MeshEvaluationError('invalid', `unknown ClaimToHeader field(s) ${extra.join(', ')}`, cloc);
    if (!/^[-_A-Za-z0-9]+$/.test(ch.header)) throw new MeshEvaluationError('invalid', `header ${JSON.stringify(ch.header)} must match ^[-_A-Za-z0-9]+$`, cloc);
    if (seen.has(ch.header.toLowerCase())) throw new MeshEvaluationError('invalid', `"The header specified in each operation in the list must be unique": ${ch.header} repeats`, cloc);
    seen.add(ch.header.toLowerCase());
  }
  if (rule.timeout !== undefined && typeof rule.timeout !== 'string') throw new MeshEvaluationError('invalid', 'timeout must be a duration string', at('timeout'));
  const spaceDelimited = stringList(rule.spaceDelimitedClaims, 'spaceDelimitedClaims', at('spaceDelimitedClaims'));

  const resolved = {
    issuer: rule.issuer,
    audiences: [...audiences],
    ...(jwksUri === undefined ? {} : { jwksUri }),
    ...(rule.jwks === undefined ? {} : { jwks: rule.jwks }),
    locations: locations.map((l) => l.key),
    forward: rule.forwardOriginalToken === true,
    payloadHeader: payloadHeader?.toLowerCase() ?? null,
    claimHeaders: claimHeaders.map((c) => [c.header.toLowerCase(), c.claim]),
    spaceDelimited: [...new Set([...spaceDelimited, 'permission', 'scope'])].sort(),
  };
  return {
    id,
    loc,
    issuer: rule.issuer,
    audiences,
    ...(jwksUri === undefined ? {} : { jwksUri }),
    ...(rule.jwks === undefined ? {} : { jwks: rule.jwks }),
    locations,
    forward: rule.forwardOriginalToken === true,
    ...(payloadHeader === undefined ? {} : { payloadHeader: payloadHeader.toLowerCase() }),
    claimHeaders: claimHeaders.map((c) => ({ header: c.header.toLowerCase(), claim: c.claim })),
    spaceDelimited: resolved.spaceDelimited,
    canonical: JSON.stringify(resolved),
  };
}

/**
 * Whether `policy` applies to `workload` (namespace or root namespace, and
 * `selector.matchLabels`).
 *
 * @throws MeshEvaluationError for `targetRef(s)` (unsupported) and unknown fields (invalid).
 */
export function requestAuthenticationAppliesTo(policy: RequestAuthentication, workload: AuthnWorkload, rootNamespace = 'istio-system'): boolean {
  const object = describeObject(policy, 'RequestAuthentication');
  const spec: RequestAuthenticationSpec = policy.spec ?? {};
  if (!isRecord(policy.spec ?? {})) throw new MeshEvaluationError('invalid', 'spec must be an object', { object });
  const unknown = Object.keys(spec).filter((k) => !SPEC_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown RequestAuthentication field(s) ${unknown.join(', ')}`, { object });
  const ns = namespaceOf(policy);
  if (ns !== workload.namespace && ns !== rootNamespace) return false;
  if (spec.targetRef !== undefined || (spec.targetRefs !== undefined && spec.targetRefs.length > 0)) {
    throw new MeshEvaluationError('unsupported', 'targetRef/targetRefs are not modelled', { object });
  }
  if (spec.selector !== undefined) {
    if (!isRecord(spec.selector) || Object.keys(spec.selector).some((k) => k !== 'matchLabels')) {
      throw new MeshEvaluationError('invalid', 'selector is a WorkloadSelector: only matchLabels', { object, field: 'spec.selector' });
    }
  }
  const sel = spec.selector?.matchLabels ?? {};
  return Object.entries(sel).every(([k, v]) => Object.hasOwn(workload.labels, k) && workload.labels[k] === v);
}

/**
 * The JWT rules that apply to `workload`, merged from every applicable
 * policy and sorted by issuer the way Istio orders Envoy's providers
 * (pilot/pkg/security/authn/policy_applier.go).
 */
function rulesFor(policies: readonly RequestAuthentication[], workload: AuthnWorkload, rootNamespace: string): ResolvedRule[] {
  const rules: ResolvedRule[] = [];
  const sorted = [...policies].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  for (const p of sorted) {
    if (!requestAuthenticationAppliesTo(p, workload, rootNamespace)) continue;
    const object = describeObject(p, 'RequestAuthentication');
    const list = p.spec?.jwtRules ?? [];
    if (!Array.isArray(list)) throw new MeshEvaluationError('invalid', 'jwtRules must be a list', { object, field: 'spec.jwtRules' });
    for (const [i, r] of list.entries()) {
      rules.push(resolveRule(r, `${idOf(p)} spec.jwtRules[${i}]`, { object, field: `spec.jwtRules[${i}]` }));
    }
  }
  // Stable sort by issuer (Go string order = code-unit order for these names).
  const ordered = rules.map((r, i) => [r, i] as const).sort(([a, i], [b, j]) => (a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : i - j)).map(([r]) => r);
  const out: ResolvedRule[] = [];
  for (const r of ordered) {
    const same = out.find((o) => o.issuer === r.issuer);
    if (same === undefined) out.push(r);
    else if (same.canonical !== r.canonical) {
      throw new MeshEvaluationError(
        'ambiguous',
        `issuer ${JSON.stringify(r.issuer)} has two different rules (${same.id} and ${r.id}); Istio does not deduplicate them (istio/istio#19245) and Envoy resolves a token to one provider per issuer`,
        r.loc,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// JWT parsing (google/jwt_verify_lib src/jwt.cc)
// ---------------------------------------------------------------------------

const IMPLEMENTED_ALGS = new Set(['ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']);

interface ParsedJwt {
  readonly headerB64: string;
  readonly payloadB64: string;
  readonly alg: string;
  readonly kid: string;
  readonly payload: Record<string, unknown>;
  readonly iss: string;
  readonly sub: string;
  readonly nbf: number;
  readonly exp: number;
  readonly audiences: readonly string[];
  readonly signature: Buffer;
}

function b64urlDecode(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return undefined;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  if (s.length !== bare.length && s.length % 4 !== 0) return undefined;
  return Buffer.from(bare, 'base64url');
}

function parseJson(buf: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'));
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function uint64(payload: Record<string, unknown>, name: string): number | string {
  const v = payload[name];
  if (v === undefined) return 0;
  if (typeof v !== 'number') return `Jwt payload [${name}] field is not an integer`;
  if (v < 0 || v >= 2 ** 64) return `Jwt payload [${name}] field is out of range`;
  return Math.trunc(v);
}

/** Parses a token the way jwt_verify_lib does; a string is the failure reason. */
function parseJwt(token: string): ParsedJwt | string {
  const parts = token.split('.').filter((p) => p !== '');
  if (parts.length !== 3) return 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections';
  const [h, p, s] = parts as [string, string, string];
  const headerBuf = b64urlDecode(h);
  if (headerBuf === undefined) return 'Jwt header is an invalid Base64url encoded';
  const header = parseJson(headerBuf);
  if (header === undefined) return 'Jwt header is an invalid JSON';
  if (typeof header.alg !== 'string') return 'Jwt header [alg] field is required and must be a string';
  if (!IMPLEMENTED_ALGS.has(header.alg)) return `Jwt header [alg] is not supported (${JSON.stringify(header.alg)})`;
  if (header.kid !== undefined && typeof header.kid !== 'string') return 'Jwt header [kid] field is not a string';
  const payloadBuf = b64urlDecode(p);
  if (payloadBuf === undefined) return 'Jwt payload is an invalid Base64url encoded';
  const payload = parseJson(payloadBuf);
  if (payload === undefined) return 'Jwt payload is an invalid JSON';
  for (const k of ['iss', 'sub', 'jti']) {
    if (payload[k] !== undefined && typeof payload[k] !== 'string') return `Jwt payload [${k}] field is not a string`;
  }
  const nbf = uint64(payload, 'nbf');
  const exp = uint64(payload, 'exp');
  const iat = uint64(payload, 'iat');
  for (const v of [iat, nbf, exp]) if (typeof v === 'string') return v;
  const aud = payload.aud;
  let audiences: string[] = [];
  if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) audiences = aud as string[];
  else if (aud !== undefined) return 'Jwt payload [aud] field is not a string or string list';
  const signature = b64urlDecode(s);
  if (signature === undefined) return 'Jwt signature is an invalid Base64url encoded';
  return {
    headerB64: h,
    payloadB64: p,
    alg: header.alg,
    kid: typeof header.kid === 'string' ? header.kid : '',
    payload,
    iss: typeof payload.iss === 'string' ? payload.iss : '',
    sub: typeof payload.sub === 'string' ? payload.sub : '',
    nbf: nbf as number,
    exp: exp as number,
    audiences,
    signature,
  };
}

// ---------------------------------------------------------------------------
// JWKS (google/jwt_verify_lib src/jwks.cc) and signatures (src/verify.cc)
// ---------------------------------------------------------------------------

interface Jwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: string;
  readonly crv: string;
  readonly key?: KeyObject;
  readonly secret?: Buffer;
}

function importJwk(raw: Record<string, unknown>): Jwk | undefined {
  if (typeof raw.kty !== 'string') return undefined;
  const kid = typeof raw.kid === 'string' ? raw.kid : '';
  const alg = typeof raw.alg === 'string' ? raw.alg : '';
  const tryKey = (jwk: Record<string, unknown>): KeyObject | undefined => {
    try {
      return createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch {
      return undefined;
    }
  };
  switch (raw.kty) {
    case 'RSA': {
      if (alg !== '' && !alg.startsWith('RS') && !alg.startsWith('PS')) return undefined;
      if (typeof raw.n !== 'string' || typeof raw.e !== 'string') return undefined;
      const key = tryKey({ kty: 'RSA', n: raw.n, e: raw.e });
      return key === undefined ? undefined : { kty: 'RSA', kid, alg, crv: '', key };
    }
    case 'EC': {
      if (alg !== '' && !alg.startsWith('ES')) return undefined;
      if (raw.crv !== undefined && typeof raw.crv !== 'string') return undefined;
      let crv: string = raw.crv ?? '';
      if (alg !== '' && crv !== '' && !((alg === 'ES256' && crv === 'P-256') || (alg === 'ES384' && crv === 'P-384') || (alg === 'ES512' && crv === 'P-521'))) return undefined;
      if (alg === '' && crv === '') crv = 'P-256';
      if (alg === 'ES256' || crv === 'P-256') crv = 'P-256';
      else if (alg === 'ES384' || crv === 'P-384') crv = 'P-384';
      else if (alg === 'ES512' || crv === 'P-521') crv = 'P-521';
      else return undefined;
      if (typeof raw.x !== 'string' || typeof raw.y !== 'string') return undefined;
      const key = tryKey({ kty: 'EC', crv, x: raw.x, y: raw.y });
      return key === undefined ? undefined : { kty: 'EC', kid, alg, crv, key };
    }
    case 'oct': {
      if (alg !== '' && !alg.startsWith('HS')) return undefined;
      if (typeof raw.k !== 'string') return undefined;
      const secret = b64urlDecode(raw.k);
      return secret === undefined || secret.length === 0 ? undefined : { kty: 'oct', kid, alg, crv: '', secret };
    }
    case 'OKP': {
      if (alg !== '' && alg !== 'EdDSA') return undefined;
      if (raw.crv !== 'Ed25519' || typeof raw.x !== 'string') return undefined;
      const key = tryKey({ kty: 'OKP', crv: 'Ed25519', x: raw.x });
      return key === undefined ? undefined : { kty: 'OKP', kid, alg, crv: 'Ed25519', key };
    }
    default:
      return undefined;
  }
}

/** The usable keys of a JWKS document, or the reason it has none. */
function loadJwks(doc: JwksDocument, loc: MeshErrorLocation): Jwk[] | string {
  let parsed: unknown = doc;
  if (typeof doc === 'string') {
    try {
      parsed = JSON.parse(doc);
    } catch {
      return 'Jwks is an invalid JSON';
    }
  }
  if (!isRecord(parsed)) return 'Jwks is an invalid JSON';
  if (!('keys' in parsed)) {
    if (Object.values(parsed).length > 0 && Object.values(parsed).every((v) => typeof v === 'string' && v.includes('BEGIN CERTIFICATE'))) {
      throw new MeshEvaluationError('unsupported', 'X.509-certificate key sets (no "keys" field) are not modelled', loc);
    }
    return 'Jwks does not have [keys] field';
  }
  if (!Array.isArray(parsed.keys)) return 'Jwks [keys] field is not an array';
  const keys = parsed.keys.filter(isRecord).map(importJwk).filter((k): k is Jwk => k !== undefined);
  return keys.length === 0 ? "Jwks doesn't have valid keys" : keys;
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` from two unsigned big-endian halves. */
function derSignature(r: Buffer, s: Buffer): Buffer {
  const int = (b: Buffer): Buffer => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i += 1;
    let v = b.subarray(i);
    if (v.length === 0) v = Buffer.from([0]);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function hashFor(alg: string): string {
  if (alg.endsWith('384')) return 'sha384';
  if (alg.endsWith('512')) return 'sha512';
  return 'sha256';
}

/** `verifyJwtWithoutTimeChecking`: undefined = verified, else the reason. */
function verifySignature(jwt: ParsedJwt, keys: readonly Jwk[]): string | undefined {
  const data = Buffer.from(`${jwt.headerB64}.${jwt.payloadB64}`);
  let kidAlgMatched = false;
  for (const k of keys) {
    if (jwt.kid !== '' && k.kid !== '' && k.kid !== jwt.kid) continue;
    if (k.alg !== '' && k.alg !== jwt.alg) continue;
    kidAlgMatched = true;
    const md = hashFor(jwt.alg);
    try {
      if (k.kty === 'EC') {
        const half = Math.floor(jwt.signature.length / 2);
        const der = derSignature(jwt.signature.subarray(0, half), jwt.signature.subarray(half, 2 * half));
        if (cryptoVerify(md, data, { key: k.key!, dsaEncoding: 'der' }, der)) return undefined;
      } else if (k.kty === 'RSA') {
        if (jwt.alg.startsWith('RS') && cryptoVerify(md, data, { key: k.key!, padding: constants.RSA_PKCS1_PADDING }, jwt.signature)) return undefined;
        if (
          jwt.alg.startsWith('PS') &&
          cryptoVerify(md, data, { key: k.key!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature)
        ) {
          return undefined;
        }
      } else if (k.kty === 'oct') {
        const mac = createHmac(md, k.secret!).update(data).digest();
        if (mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature)) return undefined;
      } else if (k.kty === 'OKP') {
        if (jwt.signature.length !== 64) return 'Jwt EdDSA signature has wrong length';
        if (cryptoVerify(null, data, k.key!, jwt.signature)) return undefined;
      }
    } catch {
      // A key that cannot check this signature counts as a failed verification.
    }
  }
  return kidAlgMatched ? 'Jwt verification fails' : 'Jwks kid did not match or alg mismatch';
}

// ---------------------------------------------------------------------------
// Token extraction (envoyproxy/envoy source/extensions/filters/http/jwt_authn/extractor.cc)
// ---------------------------------------------------------------------------

const B64URL_OR_DOT = /[A-Za-z0-9_.-]/;

interface FoundToken {
  readonly location: Location;
  readonly token: string;
}

function splitPath(path: string): { base: string; params: { key: string; raw: string; value: string }[] } {
  const q = path.indexOf('?');
  if (q === -1) return { base: path, params: [] };
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const params = path
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((raw) => {
      const eq = raw.indexOf('=');
      return { raw, key: decode(eq === -1 ? raw : raw.slice(0, eq)), value: decode(eq === -1 ? '' : raw.slice(eq + 1)) };
    });
  return { base: path.slice(0, q), params };
}

function extractTokens(rules: readonly ResolvedRule[], headers: ReadonlyMap<string, string>, path: string): FoundToken[] {
  const byKey = new Map<string, Location>();
  for (const r of rules) for (const l of r.locations) if (!byKey.has(l.key)) byKey.set(l.key, l);
  const found: FoundToken[] = [];
  const { params } = splitPath(path);
  let cookies: Map<string, string[]> | undefined;
  for (const l of byKey.values()) {
    if (l.kind === 'header') {
      const value = headers.get(l.name);
      if (value === undefined) continue;
      if (l.prefix === '') {
        found.push({ location: l, token: value });
        continue;
      }
      const pos = value.indexOf(l.prefix);
      if (pos === -1) {
        const bearerScheme = l.name === 'authorization' && l.prefix === 'Bearer ';
        if (bearerScheme && value.toLowerCase().includes('bearer ')) {
          throw new MeshEvaluationError(
            'ambiguous',
            `Authorization ${JSON.stringify(value.slice(0, 20))}…: the Bearer scheme is case-insensitive (RFC 6750) but Envoy looks for the exact prefix "Bearer "`,
          );
        }
        if (bearerScheme) continue; // Not the Bearer scheme (e.g. Basic): not a token location.
        throw new MeshEvaluationError(
          'ambiguous',
          `header "${l.name}" lacks the prefix ${JSON.stringify(l.prefix)}: Istio documents such a header as "invalid" (JWTHeader.prefix), Envoy's extractor skips it (no token)`,
        );
      }
      if (pos > 0) {
        throw new MeshEvaluationError(
          'ambiguous',
          `header "${l.name}" has the prefix ${JSON.stringify(l.prefix)} only after other text: Istio documents an "exact prefix", Envoy's extractor finds it anywhere`,
        );
      }
      const rest = value.slice(l.prefix.length);
      const start = [...rest].findIndex((c) => B64URL_OR_DOT.test(c));
      found.push({ location: l, token: start === -1 ? value : rest.slice(start) });
    } else if (l.kind === 'param') {
      const hits = params.filter((p) => p.key === l.name);
      if (hits.length > 1) throw new MeshEvaluationError('ambiguous', `query parameter "${l.name}" occurs ${hits.length} times (several tokens)`);
      if (hits.length === 1) found.push({ location: l, token: hits[0]!.value });
    } else {
      if (cookies === undefined) {
        cookies = new Map();
        for (const part of (headers.get('cookie') ?? '').split(';')) {
          const eq = part.indexOf('=');
          if (eq === -1) continue;
          const name = part.slice(0, eq).trim();
          cookies.set(name, [...(cookies.get(name) ?? []), part.slice(eq + 1).trim()]);
        }
      }
      const values = cookies.get(l.name) ?? [];
      if (values.length > 1) throw new MeshEvaluationError('ambiguous', `cookie "${l.name}" occurs ${values.length} times (several tokens)`);
      if (values.length === 1) {
        if (values[0]!.startsWith('"')) throw new MeshEvaluationError('ambiguous', `cookie "${l.name}" is quoted; how Envoy unquotes it is not documented`);
        found.push({ location: l, token: values[0]! });
      }
    }
  }
  return found;
}

// ---------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------

/** Value at a `.`-separated claim path (StructUtils::GetValue): `undefined` when missing or not traversable. */
function claimAtDottedPath(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  let cur: unknown = payload;
  for (const seg of path.split('.')) {
    if (!isRecord(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** `convertClaimDoubleToString` in Envoy's authenticator.cc. */
function claimNumberToString(n: number): string {
  if (n >= 0 && n < 2 ** 64 && Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(6); // std::to_string(double) prints "%f"
}

function normalizeClaims(payload: Readonly<Record<string, unknown>>, spaceDelimited: readonly string[], loc: MeshErrorLocation): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  for (const name of spaceDelimited) {
    if (name.includes('.')) {
      const nested = claimAtDottedPath(payload, name);
      if (Object.hasOwn(payload, name) || typeof nested === 'string') {
        throw new MeshEvaluationError(
          'ambiguous',
          `spaceDelimitedClaims entry "${name}": the docs show nested names, Envoy's normalize_payload_in_metadata only looks up top-level claims`,
          loc,
        );
      }
      continue;
    }
    const v = payload[name];
    if (typeof v !== 'string') continue;
    const list = v.split(' ').filter((s) => s !== '');
    if (list.length > 0) out[name] = list;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

function outputHeaders(rule: ResolvedRule): string[] {
  return [...(rule.payloadHeader === undefined ? [] : [rule.payloadHeader]), ...rule.claimHeaders.map((c) => c.header)];
}

/** Validates one token against one rule (time → audiences → signature); undefined = valid. */
function verifyWithRule(jwt: ParsedJwt, rule: ResolvedRule, options: AuthenticateOptions): { status: 401 | 403; reason: string } | undefined {
  const skew = options.clockSkewSeconds ?? 60;
  const now = Math.floor(options.now);
  if (now + skew < jwt.nbf) return { status: 401, reason: 'Jwt not yet valid' };
  if (jwt.exp !== 0 && now > jwt.exp + skew) return { status: 401, reason: 'Jwt is expired' };
  if (rule.audiences.length > 0) {
    const allowed = new Set(rule.audiences.map(sanitizeAudience));
    if (!jwt.audiences.some((a) => allowed.has(sanitizeAudience(a)))) return { status: 403, reason: 'Audiences in Jwt are not allowed' };
  }
  let doc: JwksDocument | undefined;
  if (rule.jwks !== undefined) doc = rule.jwks;
  else if (rule.jwksUri !== undefined && options.jwks !== undefined && Object.hasOwn(options.jwks, rule.jwksUri)) doc = options.jwks[rule.jwksUri];
  if (doc === undefined) return { status: 401, reason: `JWKS of ${rule.jwksUri} is unavailable (not in options.jwks)` };
  const keys = loadJwks(doc, rule.loc);
  if (typeof keys === 'string') return { status: 401, reason: keys };
  const failure = verifySignature(jwt, keys);
  return failure === undefined ? undefined : { status: 401, reason: failure };
}

/** `sanitizeAudience` in jwt_verify_lib check_audience.cc. */
function sanitizeAudience(aud: string): string {
  if (aud === '') return aud;
  let begin = 0;
  let end = aud.length;
  if (aud.startsWith('http://')) begin = 7;
  else if (aud.startsWith('https://')) begin = 8;
  if (aud.endsWith('/')) end -= 1;
  return aud.slice(begin, Math.max(begin, end));
}

function ambiguousUnsanitized(rules: readonly ResolvedRule[], headers: ReadonlyMap<string, string>, why: string): void {
  for (const r of rules) {
    for (const h of outputHeaders(r)) {
      if (headers.has(h)) {
        throw new MeshEvaluationError(
          'ambiguous',
          `the request carries "${h}", an output header of ${r.id}; ${why} Whether Envoy removes it depends on the version (envoyproxy/envoy#46586 made the removal filter-wide)`,
          r.loc,
        );
      }
    }
  }
}

/**
 * What the proxy of `workload` does with the JWT of `request`, given the
 * RequestAuthentications in the cluster.
 *
 * @throws MeshEvaluationError for unmodelled (`targetRef`, OpenID discovery,
 *   X.509 key sets), invalid, or ambiguous input (several tokens, prefixes
 *   the docs and Envoy read differently, version-dependent header handling).
 * @example
 * const r = authenticate(ras, { namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
 *   { path: '/v2/models/m/infer', headers: { authorization: `Bearer ${token}` } },
 *   { jwks: { 'https://issuer.example/jwks.json': issuer.jwks }, now: 1_700_000_000 });
 * if (r.kind === 'authenticated') r.requestPrincipal // 'https://issuer.example/alice'
 */
export function authenticate(
  requestAuthentications: readonly RequestAuthentication[],
  workload: AuthnWorkload,
  request: AuthnRequest,
  options: AuthenticateOptions,
): AuthnResult {
  if (typeof options?.now !== 'number' || !Number.isFinite(options.now)) throw new MeshEvaluationError('invalid', 'options.now (epoch seconds) is required');
  if (typeof request.path !== 'string' || !request.path.startsWith('/')) throw new MeshEvaluationError('invalid', 'request.path must start with "/"');
  const root = options.rootNamespace ?? 'istio-system';
  const headers = headerMap(request.headers);
  const rules = rulesFor(requestAuthentications, workload, root);
  const result = (h: Map<string, string>, path: string) => ({ headers: Object.fromEntries(h), path });
  if (rules.length === 0) return { kind: 'anonymous', ...result(headers, request.path) };

  for (const r of rules) {
    for (const h of outputHeaders(r)) {
      if (rules.some((o) => o.locations.some((l) => l.kind === 'header' && l.name === h))) {
        throw new MeshEvaluationError('ambiguous', `output header "${h}" is also a token location; Envoy removes it before looking for the token`, r.loc);
      }
    }
  }

  // CORS preflight: Istio sets bypass_cors_preflight, the JWT filter does nothing.
  if (headers.has('origin') && headers.has('access-control-request-method')) {
    if (request.method === undefined) throw new MeshEvaluationError('invalid', 'the request looks like a CORS preflight; give request.method');
    if (request.method === 'OPTIONS') {
      ambiguousUnsanitized(rules, headers, 'the JWT filter is bypassed for CORS preflights.');
      return { kind: 'anonymous', bypassed: 'cors-preflight', ...result(headers, request.path) };
    }
  }

  const tokens = extractTokens(rules, headers, request.path);
  if (tokens.length > 1) {
    throw new MeshEvaluationError(
      'ambiguous',
      `the request carries ${tokens.length} tokens (${tokens.map((t) => t.location.key).join(', ')}): "Requests with multiple tokens (at different locations) are not supported, the output principal of such requests is undefined"`,
    );
  }
  // Every provider verifier runs when there is no token, and each removes its output headers first.
  const sanitize = (upto: readonly ResolvedRule[]) => {
    const h = new Map(headers);
    for (const r of upto) for (const name of outputHeaders(r)) h.delete(name);
    return h;
  };
  if (tokens.length === 0) return { kind: 'anonymous', ...result(sanitize(rules), request.path) };

  const { location, token } = tokens[0]!;
  const atLocation = rules.filter((r) => r.locations.some((l) => l.key === location.key));
  const jwt = parseJwt(token);
  if (typeof jwt === 'string') return { kind: 'rejected', status: 401, reason: `${jwt} (token from ${location.key})` };

  const own = atLocation.find((r) => r.issuer === jwt.iss);
  const verdict = own === undefined ? undefined : verifyWithRule(jwt, own, options);
  if (own === undefined || verdict !== undefined) {
    // Envoy's combined requirement reports the status of the first rule (by issuer) that
    // reads this location: that rule's own failure, or "issuer not configured".
    const first = atLocation[0]!;
    if (own === undefined) return { kind: 'rejected', status: 401, reason: `Jwt issuer is not configured (iss ${JSON.stringify(jwt.iss)} at ${location.key})` };
    if (first === own) return { kind: 'rejected', status: verdict!.status, reason: `${verdict!.reason} (${own.id})` };
    return {
      kind: 'rejected',
      status: 401,
      reason: `Jwt issuer is not configured — reported for ${first.id}, which reads ${location.key} too; the token's own rule ${own.id} failed: ${verdict!.reason}`,
    };
  }

  // Authenticated by `own`. The verifiers of the rules sorted before it ran (and removed their
  // output headers); with one rule, only it. The ones after it did not run.
  const pos = rules.indexOf(own);
  ambiguousUnsanitized(rules.slice(pos + 1), headers, 'the verifier that would remove it does not run once an earlier one succeeds.');
  const out = sanitize(rules.slice(0, pos + 1));
  const addCopy = (name: string, value: string) => {
    const old = out.get(name);
    out.set(name, old === undefined ? value : `${old},${value}`);
  };
  if (own.payloadHeader !== undefined) addCopy(own.payloadHeader, jwt.payloadB64);
  for (const ch of own.claimHeaders) {
    const v = claimAtDottedPath(jwt.payload, ch.claim);
    if (typeof v === 'string') {
      if (v !== '') addCopy(ch.header, v);
    } else if (typeof v === 'number') addCopy(ch.header, claimNumberToString(v));
    else if (typeof v === 'boolean') addCopy(ch.header, v ? 'true' : 'false');
    else if (v !== undefined && v !== null) {
      throw new MeshEvaluationError(
        'ambiguous',
        `claim "${ch.claim}" is ${Array.isArray(v) ? 'a list' : 'an object'}: "Only claim of type string/int/bool is supported" (ClaimToHeader.claim); newer Envoy versions copy it as base64 JSON`,
        own.loc,
      );
    }
  }
  let path = request.path;
  if (!own.forward) {
    if (location.kind === 'header') out.delete(location.name);
    else if (location.kind === 'param') {
      const { base, params } = splitPath(request.path);
      const rest = params.filter((p) => p.key !== location.name);
      if (rest.some((p) => /[%+]/.test(p.raw))) {
        throw new MeshEvaluationError('ambiguous', 'Envoy rebuilds the query string after removing the token parameter; how it re-encodes the other parameters is not documented');
      }
      path = rest.length === 0 ? base : `${base}?${rest.map((p) => p.raw).join('&')}`;
    }
    // Cookies are left in place (Envoy: "TODO: remove JWT from cookies").
  }
  const claims = normalizeClaims(jwt.payload, own.spaceDelimited, own.loc);
  const azp = jwt.payload.azp;
  const principalDefined = typeof jwt.payload.sub === 'string' && jwt.sub !== '' && !jwt.sub.includes('/');
  return {
    kind: 'authenticated',
    ...(principalDefined ? { requestPrincipal: `${jwt.iss}/${jwt.sub}` } : {}),
    issuer: jwt.iss,
    ...(typeof jwt.payload.sub === 'string' ? { subject: jwt.sub } : {}),
    claims,
    payload: jwt.payload,
    audiences: jwt.audiences,
    ...(typeof azp === 'string' ? { presenter: azp } : {}),
    headers: Object.fromEntries(out),
    path,
    rule: own.id,
  };
}

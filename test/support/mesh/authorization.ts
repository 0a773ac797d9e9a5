/**
 * Istio `AuthorizationPolicy` evaluation for one request at one workload,
 * written from Istio's documentation.
 *
 * Evaluation order ("Authorization Policy" reference and concept page):
 * 1. CUSTOM policies (not modelled: throws when one applies);
 * 2. any DENY policy that matches → deny;
 * 3. no ALLOW policy applies to the workload → allow;
 * 4. any ALLOW policy matches → allow;
 * 5. deny.
 * AUDIT policies and dry-run policies (`istio.io/dry-run: "true"`) do not decide.
 *
 * Scope: a policy applies to workloads in its namespace, or in every
 * namespace when it sits in the root namespace; `selector.matchLabels`
 * narrows it. `targetRef(s)` is not modelled (throws).
 *
 * Matching: `rules` absent or empty never matches; `{}` always matches. A rule
 * matches when at least one `from` source, one `to` operation and all `when`
 * conditions match; fields inside a source or operation are ANDed; a value
 * list matches when any entry matches; `notX` lists match when no entry
 * matches (so an absent value satisfies `notX` but never `X`). Strings support
 * exact, prefix `abc*`, suffix `*abc` and presence `*` ("anything but not
 * empty"); `ports`, `ipBlocks` and condition keys are exact. Hosts compare
 * case-insensitively; paths are normalized (see path-normalization.ts) and
 * compared without the query; `{*}` / `{**}` path templates follow the
 * documented rules. Unknown condition keys, which Istio silently ignores,
 * throw here.
 *
 * JWT claims (`request.auth.claims[a][b]`, `request.auth.audiences` = the
 * `aud` claim, `request.auth.presenter` = the `azp` claim) are matched the
 * way Istio builds them (pilot/pkg/security/authz/model/generator.go,
 * matcher/metadata.go): against the JWT payload metadata, a string claim
 * matching directly and a list claim matching when any element matches
 * ("An Istio authorization policy supports both string typed and
 * list-of-string typed JWT claims", authz-jwt task). An absent claim (or no
 * JWT) has no value: `values` fails, `notValues` holds. Claims of other types
 * are undocumented and throw `unsupported`. Pass the claims as the matchers
 * see them (`authenticate(...).claims`: `scope`/`permission` already split
 * into lists).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/concepts/security/#authorization
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 */
import { BlockList, isIP } from 'node:net';
import { describeObject, idOf, namespaceOf, type K8sObject } from './k8s-object.ts';
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';
import { normalizeRequestPath, type PathNormalization } from './path-normalization.ts';

/** `Source`. */
export interface AuthzSource {
  readonly principals?: readonly string[];
  readonly notPrincipals?: readonly string[];
  readonly requestPrincipals?: readonly string[];
  readonly notRequestPrincipals?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly notNamespaces?: readonly string[];
  readonly ipBlocks?: readonly string[];
  readonly notIpBlocks?: readonly string[];
  readonly remoteIpBlocks?: readonly string[];
  readonly notRemoteIpBlocks?: readonly string[];
  readonly serviceAccounts?: readonly string[];
  readonly notServiceAccounts?: readonly string[];
  readonly trustDomains?: readonly string[];
  readonly notTrustDomains?: readonly string[];
}

/** `Operation`. */
export interface AuthzOperation {
  readonly hosts?: readonly string[];
  readonly notHosts?: readonly string[];
  readonly ports?: readonly string[];
  readonly notPorts?: readonly string[];
  readonly methods?: readonly string[];
  readonly notMethods?: readonly string[];
  readonly paths?: readonly string[];
  readonly notPaths?: readonly string[];
}

/** `Condition`. */
export interface AuthzCondition {
  readonly key: string;
  readonly values?: readonly string[];
  readonly notValues?: readonly string[];
}

/** `Rule`. */
export interface AuthzRule {
  readonly from?: readonly { readonly source?: AuthzSource }[];
  readonly to?: readonly { readonly operation?: AuthzOperation }[];
  readonly when?: readonly AuthzCondition[];
}

/** `AuthorizationPolicy.spec`. */
export interface AuthorizationPolicySpec {
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly targetRef?: unknown;
  readonly targetRefs?: readonly unknown[];
  readonly action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  readonly provider?: { readonly name?: string };
  readonly rules?: readonly AuthzRule[];
}

/** A `security.istio.io` AuthorizationPolicy as plain JSON. */
export type AuthorizationPolicy = K8sObject<AuthorizationPolicySpec>;

/** The workload receiving the request. */
export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The peer of the connection, as the server-side proxy sees it. */
export interface AuthzPeer {
  /**
   * mTLS peer identity `<trust-domain>/ns/<namespace>/sa/<service-account>`.
   *
   * @default - no mTLS identity (plain text)
   */
  readonly principal?: string;
  /**
   * The peer namespace. Istio derives it from `principal`; when both are given they must agree.
   *
   * @default - derived from `principal`
   */
  readonly namespace?: string;
  /**
   * Source IP (`source.ip`, `ipBlocks`).
   *
   * @default - unknown; a policy that looks at it throws
   */
  readonly ip?: string;
}

/** The request as the workload's proxy sees it. */
export interface AuthzRequest {
  readonly source: AuthzPeer;
  /**
   * `request.auth.principal` from a validated JWT (`iss/sub`); `null` for a request without JWT.
   *
   * @default - unknown; a policy that looks at it throws
   */
  readonly requestPrincipal?: string | null;
  /**
   * The validated JWT claims as Istio's matchers see them
   * (`authenticate(...).claims`); `null` for a request without JWT. Also the
   * source of `request.auth.audiences` (`aud`) and `request.auth.presenter`
   * (`azp`), and of `requestPrincipal` (`iss/sub`) when that is not given.
   *
   * @default - unknown; a policy that looks at claims throws
   */
  readonly claims?: Readonly<Record<string, unknown>> | null;
  /** `Host` / `:authority` as sent (may include a port). */
  readonly host: string;
  readonly method: string;
  /** Path, may include the query (for gRPC `/package.Service/Method`). */
  readonly path: string;
  /** Destination port of the connection. */
  readonly port: number;
  /** Request headers (names case-insensitive). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The authorization decision. */
export interface AuthzDecision {
  readonly allowed: boolean;
  /** HTTP status of the outcome: 200 allowed, 403 denied, 400 rejected as malformed. */
  readonly status: 200 | 403 | 400;
  readonly reason: string;
  /** `namespace/name` of the deciding policy, if one decided. */
  readonly policy?: string;
}

/** Options for `authorize`. */
export interface AuthorizeOptions {
  /**
   * meshConfig `rootNamespace`.
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /**
   * meshConfig path normalization.
   *
   * @default 'BASE'
   */
  readonly pathNormalization?: PathNormalization;
}

// ---------------------------------------------------------------------------
// Value matching
// ---------------------------------------------------------------------------

/**
 * Istio's string matching for authorization fields: `*` = non-empty, `*abc` =
 * suffix, `abc*` = prefix, otherwise exact. A `*` anywhere else is refused.
 */
export function matchAuthzString(pattern: string, value: string | undefined, caseInsensitive = false, location?: MeshErrorLocation): boolean {
  if (typeof pattern !== 'string') throw new MeshEvaluationError('invalid', `expected a string, got ${JSON.stringify(pattern)}`, location);
  const stars = [...pattern].filter((c) => c === '*').length;
  if (stars > 1 || (stars === 1 && pattern !== '*' && !pattern.startsWith('*') && !pattern.endsWith('*'))) {
    throw new MeshEvaluationError('ambiguous', `pattern ${JSON.stringify(pattern)}: "*" is only defined alone, as a prefix or as a suffix`, location);
  }
  if (value === undefined || value === '') return false;
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  if (p === '*') return true;
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  return p === v;
}

const PCHAR = "[A-Za-z0-9\\-._~%!$&'()*+,;:@=]";

/**
 * Compiles a path template with `{*}` (one path segment) and `{**}` (the rest,
 * as the last operator at the end of the pattern).
 */
export function compilePathTemplate(template: string, location?: MeshErrorLocation): RegExp {
  const segments = template.split('/');
  const parts: string[] = [];
  for (const [i, seg] of segments.entries()) {
    if (seg === '{*}') parts.push(`${PCHAR}+`);
    else if (seg === '{**}') {
      if (i !== segments.length - 1) {
        throw new MeshEvaluationError(
          'unsupported',
          `path template ${JSON.stringify(template)}: "{**}" is only modelled as the last segment (the documented trailing-slash cases are not)`,
          location,
        );
      }
      parts.push(`(?:${PCHAR}|/)*`);
    } else if (/[*{}]/.test(seg)) {
      throw new MeshEvaluationError('invalid', `path template ${JSON.stringify(template)}: segment ${JSON.stringify(seg)} mixes "*", "{" or "}" with other characters`, location);
    } else parts.push(seg.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  }
  return new RegExp(`^${parts.join('/')}$`);
}

function matchPath(pattern: string, path: string, location?: MeshErrorLocation): boolean {
  if (pattern.includes('{*}') || pattern.includes('{**}')) return compilePathTemplate(pattern, location).test(path);
  return matchAuthzString(pattern, path, false, location);
}

const ipLists = new Map<string, BlockList>();

/** Whether `ip` is in the IP or CIDR `block` (exact match semantics; no wildcards). */
export function ipInBlock(block: string, ip: string, location?: MeshErrorLocation): boolean {
  const [addr, bitsRaw, ...rest] = block.split('/');
  const family = isIP(addr ?? '');
  const ipFamily = isIP(ip);
  if (rest.length > 0 || family === 0) throw new MeshEvaluationError('invalid', `ipBlock ${JSON.stringify(block)} is not an IP or CIDR`, location);
  if (ipFamily === 0) throw new MeshEvaluationError('invalid', `source ip ${JSON.stringify(ip)} is not an IP address`, location);
  if (family !== ipFamily) return false;
  const bits = bitsRaw === undefined ? (family === 4 ? 32 : 128) : Number(bitsRaw);
  if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new MeshEvaluationError('invalid', `ipBlock ${JSON.stringify(block)} has a bad prefix length`, location);
  let list = ipLists.get(block);
  if (list === undefined) {
    list = new BlockList();
    list.addSubnet(addr!, bits, family === 4 ? 'ipv4' : 'ipv6');
    ipLists.set(block, list);
  }
  return list.check(ip, ipFamily === 4 ? 'ipv4' : 'ipv6');
}

// ---------------------------------------------------------------------------
// Request attributes
// ---------------------------------------------------------------------------

interface Attributes {
  readonly principal?: string;
  readonly namespace?: string;
  readonly ip?: string;
  readonly requestPrincipal?: string | null;
  readonly claims?: Readonly<Record<string, unknown>> | null;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly port: string;
  readonly headers: ReadonlyMap<string, string>;
}

function namespaceFromPrincipal(principal: string): string | undefined {
  const m = /\/ns\/([^/]+)\/sa\/[^/]+$/.exec(principal);
  return m ? m[1] : undefined;
}

type Evaluator = (patterns: readonly string[], loc: MeshErrorLocation) => boolean;

function anyOf(value: string | undefined, match: (p: string, v: string | undefined, loc: MeshErrorLocation) => boolean): Evaluator {
  return (patterns, loc) => patterns.some((p) => match(p, value, loc));
}

function need<T>(value: T | undefined, what: string, loc: MeshErrorLocation): T {
  if (value === undefined) throw new MeshEvaluationError('invalid', `the policy looks at ${what}; give it in the request`, loc);
  return value;
}

/** Checks a positive list (`X`) and its negative twin (`notX`) against one attribute. */
function checkPair(
  holder: Readonly<Record<string, unknown>>,
  field: string,
  evaluate: () => Evaluator,
  loc: MeshErrorLocation,
): boolean {
  const notField = `not${field[0]!.toUpperCase()}${field.slice(1)}`;
  for (const [name, negative] of [[field, false], [notField, true]] as const) {
    const list = holder[name];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) throw new MeshEvaluationError('invalid', `${name} must be a non-empty list`, { ...loc, field: `${loc.field}.${name}` });
    const hit = evaluate()(list as string[], { ...loc, field: `${loc.field}.${name}` });
    if (negative ? hit : !hit) return false;
  }
  return true;
}

const SOURCE_FIELDS = new Set([
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts',
  'trustDomains', 'notTrustDomains',
]);
const OPERATION_FIELDS = new Set(['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths']);

function sourceMatches(src: AuthzSource, a: Attributes, loc: MeshErrorLocation): boolean {
  const keys = Object.keys(src).filter((k) => (src as Record<string, unknown>)[k] !== undefined);
  const unknown = keys.filter((k) => !SOURCE_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown source field(s) ${unknown.join(', ')}`, loc);
  if (keys.length === 0) throw new MeshEvaluationError('ambiguous', 'an empty source is not meaningful (Istio validation rejects it); omit "from" to allow any source', loc);
  for (const k of ['remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains']) {
    if (keys.includes(k)) throw new MeshEvaluationError('unsupported', `source.${k} is not modelled`, loc);
  }
  const r = src as Readonly<Record<string, unknown>>;
  return (
    checkPair(r, 'principals', () => anyOf(a.principal, (p, v, l) => matchAuthzString(p, v, false, l)), loc) &&
    checkPair(r, 'namespaces', () => anyOf(a.namespace, (p, v, l) => matchAuthzString(p, v, false, l)), loc) &&
    checkPair(
      r,
      'requestPrincipals',
      () => {
        const rp = need(a.requestPrincipal, 'request.auth.principal (requestPrincipal or claims; null = no JWT)', loc);
        return anyOf(rp ?? undefined, (p, v, l) => matchAuthzString(p, v, false, l));
      },
      loc,
    ) &&
    checkPair(
      r,
      'ipBlocks',
      () => {
        const ip = need(a.ip, 'source.ip', loc);
        return (blocks, l) => blocks.some((b) => ipInBlock(b, ip, l));
      },
      loc,
    )
  );
}

function operationMatches(op: AuthzOperation, a: Attributes, loc: MeshErrorLocation): boolean {
  const keys = Object.keys(op).filter((k) => (op as Record<string, unknown>)[k] !== undefined);
  const unknown = keys.filter((k) => !OPERATION_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown operation field(s) ${unknown.join(', ')}`, loc);
  if (keys.length === 0) throw new MeshEvaluationError('ambiguous', 'an empty operation is not meaningful (Istio validation rejects it); omit "to" to allow any operation', loc);
  const r = op as Readonly<Record<string, unknown>>;
  return (
    checkPair(r, 'hosts', () => anyOf(a.host, (p, v, l) => matchAuthzString(p, v, true, l)), loc) &&
    checkPair(
      r,
      'ports',
      () => (ports, l) =>
        ports.some((p) => {
          if (typeof p !== 'string' || !/^\d+$/.test(p)) throw new MeshEvaluationError('invalid', `port ${JSON.stringify(p)} must be a number as a string (exact match only)`, l);
          return p === a.port;
        }),
      loc,
    ) &&
    checkPair(r, 'methods', () => anyOf(a.method, (p, v, l) => matchAuthzString(p, v, false, l)), loc) &&
    checkPair(r, 'paths', () => (paths, l) => paths.some((p) => matchPath(p, a.path, l)), loc)
  );
}

interface ConditionValue {
  /** The attribute's values; empty when absent. A condition matches when a pattern matches any of them. */
  readonly values: readonly string[];
  readonly match: (pattern: string, value: string) => boolean;
}

/**
 * The claim names of a `request.auth.claims[a][b]` key, parsed like Istio's
 * `extractNameInNestedBrackets` (pilot/pkg/security/authz/model/util.go):
 * `[a.b/c]` is one name, `[a][b]` a nested path.
 */
export function parseClaimKey(key: string, loc?: MeshErrorLocation): readonly string[] {
  const s = key.slice('request.auth.claims'.length);
  const single = (): string[] => {
    if (!s.startsWith('[') || !s.endsWith(']')) {
      throw new MeshEvaluationError('invalid', `condition key "${key}": expecting request.auth.claims[<NAME>] or request.auth.claims[<NAME>][<NESTED>]`, loc);
    }
    return [s.slice(1, -1)];
  };
  const names: string[] = [];
  for (let begin = 0; begin < s.length; ) {
    let end = -1;
    if (s[begin] === '[') {
      for (let i = begin + 1; i < s.length; i += 1) {
        if (s[i] === '[') break;
        if (s[i] === ']') {
          end = i;
          break;
        }
      }
    }
    if (end === -1) return single();
    names.push(s.slice(begin + 1, end));
    begin = end + 1;
  }
  if (names.length === 0) return single();
  return names;
}

/**
 * The string values of a JWT claim for Istio's metadata list matcher: a
 * string is one value, a list of strings its elements, an absent claim none.
 */
export function claimValues(claims: Readonly<Record<string, unknown>> | null, path: readonly string[], what: string, loc?: MeshErrorLocation): readonly string[] {
  if (claims === null) return [];
  let cur: unknown = claims;
  for (const name of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, name)) return [];
    cur = (cur as Record<string, unknown>)[name];
  }
  if (typeof cur === 'string') return [cur];
  if (Array.isArray(cur) && cur.every((v) => typeof v === 'string')) return cur as string[];
  const type = Array.isArray(cur) ? 'a list with non-string elements' : cur === null ? 'null' : typeof cur;
  throw new MeshEvaluationError(
    'unsupported',
    `${what} is ${type}; Istio documents string and list-of-string claims only (Envoy's string matcher never matches other types)`,
    loc,
  );
}

function conditionValue(key: string, a: Attributes, loc: MeshErrorLocation): ConditionValue {
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  const plain = (p: string, v: string) => matchAuthzString(p, v, false, loc);
  const one = (v: string | undefined): readonly string[] => (v === undefined ? [] : [v]);
  const claims = (): Readonly<Record<string, unknown>> | null => need(a.claims, 'JWT claims (claims; null = no JWT)', loc);
  if (header) return { values: one(a.headers.get(header[1]!.toLowerCase())), match: plain };
  if (key.startsWith('request.auth.claims')) {
    const path = parseClaimKey(key, loc);
    return { values: claimValues(claims(), path, `claim ${path.map((n) => `[${n}]`).join('')}`, loc), match: plain };
  }
  switch (key) {
    case 'source.namespace':
      return { values: one(a.namespace), match: plain };
    case 'source.principal':
      return { values: one(a.principal), match: plain };
    case 'destination.port':
      return {
        values: [a.port],
        match: (p, v) => {
          if (!/^\d+$/.test(p)) throw new MeshEvaluationError('invalid', `destination.port value ${JSON.stringify(p)} must be a number`, loc);
          return p === v;
        },
      };
    case 'source.ip': {
      const ip = need(a.ip, 'source.ip', loc);
      return { values: [ip], match: (p, v) => ipInBlock(p, v, loc) };
    }
    case 'request.auth.principal': {
      const rp = need(a.requestPrincipal, 'request.auth.principal (requestPrincipal or claims; null = no JWT)', loc);
      return { values: one(rp ?? undefined), match: plain };
    }
    case 'request.auth.audiences':
      return { values: claimValues(claims(), ['aud'], 'request.auth.audiences (claim aud)', loc), match: plain };
    case 'request.auth.presenter':
      return { values: claimValues(claims(), ['azp'], 'request.auth.presenter (claim azp)', loc), match: plain };
    default:
      throw new MeshEvaluationError(
        'unsupported',
        `condition key "${key}" is not modelled (Istio silently ignores unsupported keys, which would make this policy match differently than it reads)`,
        loc,
      );
  }
}

function conditionMatches(c: AuthzCondition, a: Attributes, loc: MeshErrorLocation): boolean {
  if (typeof c.key !== 'string') throw new MeshEvaluationError('invalid', 'condition key is required', loc);
  if (c.values === undefined && c.notValues === undefined) throw new MeshEvaluationError('invalid', 'at least one of values or notValues must be set', loc);
  const { values, match } = conditionValue(c.key, a, loc);
  const any = (patterns: readonly string[]) =>
    patterns.some((p) => {
      // Validate the pattern even when there is no value to compare.
      if (values.length === 0) matchAuthzString(p, undefined, false, loc);
      return values.some((v) => match(p, v));
    });
  if (c.values !== undefined && !any(c.values)) return false;
  if (c.notValues !== undefined && any(c.notValues)) return false;
  return true;
}

function ruleMatches(rule: AuthzRule, a: Attributes, loc: MeshErrorLocation): boolean {
  if (rule === null || typeof rule !== 'object') throw new MeshEvaluationError('invalid', 'a rule must be an object', loc);
  if (rule.from !== undefined && rule.from.length > 0) {
    const ok = rule.from.some((f, i) => {
      const floc = { ...loc, field: `${loc.field}.from[${i}].source` };
      if (f.source === undefined) throw new MeshEvaluationError('invalid', '"from" entries need a source', floc);
      return sourceMatches(f.source, a, floc);
    });
    if (!ok) return false;
  }
  if (rule.to !== undefined && rule.to.length > 0) {
    const ok = rule.to.some((t, i) => {
      const tloc = { ...loc, field: `${loc.field}.to[${i}].operation` };
      if (t.operation === undefined) throw new MeshEvaluationError('invalid', '"to" entries need an operation', tloc);
      return operationMatches(t.operation, a, tloc);
    });
    if (!ok) return false;
  }
  return (rule.when ?? []).every((c, i) => conditionMatches(c, a, { ...loc, field: `${loc.field}.when[${i}]` }));
}

/** The index of the first rule of `policy` that matches, or `undefined`. */
function matchingRule(policy: AuthorizationPolicy, a: Attributes): number | undefined {
  const object = describeObject(policy, 'AuthorizationPolicy');
  const rules = policy.spec?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    if (ruleMatches(rule, a, { object, field: `spec.rules[${i}]` })) return i;
  }
  return undefined;
}

/**
 * Whether `policy` applies to `workload` (namespace / root namespace and
 * `selector.matchLabels`).
 */
export function policyAppliesTo(policy: AuthorizationPolicy, workload: AuthzWorkload, rootNamespace = 'istio-system'): boolean {
  const ns = namespaceOf(policy);
  if (ns !== workload.namespace && ns !== rootNamespace) return false;
  const spec = policy.spec ?? {};
  if (spec.targetRef !== undefined || (spec.targetRefs !== undefined && spec.targetRefs.length > 0)) {
    throw new MeshEvaluationError('unsupported', 'targetRef/targetRefs are not modelled', { object: describeObject(policy, 'AuthorizationPolicy') });
  }
  const sel = spec.selector?.matchLabels ?? {};
  return Object.entries(sel).every(([k, v]) => Object.hasOwn(workload.labels, k) && workload.labels[k] === v);
}

function attributesOf(request: AuthzRequest, options: AuthorizeOptions): Attributes | AuthzDecision {
  const normalized = normalizeRequestPath(request.path, options.pathNormalization ?? 'BASE');
  if (!normalized.ok) return { allowed: false, status: 400, reason: `rejected: ${normalized.reason}` };
  if (request.method !== request.method.toUpperCase()) {
    return { allowed: false, status: 400, reason: `rejected: method ${JSON.stringify(request.method)} is not upper case` };
  }
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(request.headers ?? {})) {
    if (/\s/.test(k)) return { allowed: false, status: 400, reason: `rejected: header name ${JSON.stringify(k)} contains white space` };
    const key = k.toLowerCase();
    if (headers.has(key)) throw new MeshEvaluationError('invalid', `request header ${JSON.stringify(k)} is given twice; Istio joins duplicates with ","`);
    headers.set(key, v);
  }
  const { principal, ip } = request.source;
  const requestPrincipal = requestPrincipalOf(request);
  const derived = principal === undefined ? undefined : namespaceFromPrincipal(principal);
  if (request.source.namespace !== undefined) {
    if (principal === undefined) {
      throw new MeshEvaluationError('invalid', 'source.namespace is derived from the mTLS peer principal; give source.principal (e.g. cluster.local/ns/<ns>/sa/<sa>)');
    }
    if (derived !== request.source.namespace) {
      throw new MeshEvaluationError('invalid', `source.namespace ${JSON.stringify(request.source.namespace)} disagrees with principal ${JSON.stringify(principal)}`);
    }
  }
  return {
    host: request.host,
    method: request.method,
    path: normalized.path,
    port: String(request.port),
    headers,
    ...(principal === undefined ? {} : { principal }),
    ...(derived === undefined ? {} : { namespace: derived }),
    ...(ip === undefined ? {} : { ip }),
    ...(requestPrincipal === undefined ? {} : { requestPrincipal }),
    ...(request.claims === undefined ? {} : { claims: request.claims }),
  };
}

/**
 * `request.auth.principal`: as given, or `iss/sub` from the claims. Istio
 * matches `requestPrincipals` on the `iss` and `sub` claims separately,
 * splitting each pattern at its last `/` (generator.go), so the joined string
 * is only faithful when `sub` is a non-empty string without `/`.
 */
function requestPrincipalOf(request: AuthzRequest): string | null | undefined {
  const { claims } = request;
  if (claims === undefined) return request.requestPrincipal;
  if (claims !== null && (typeof claims !== 'object' || Array.isArray(claims))) {
    throw new MeshEvaluationError('invalid', 'claims must be an object (or null for no JWT)');
  }
  let derived: string | null | undefined;
  if (claims === null) derived = null;
  else if (typeof claims.iss === 'string' && typeof claims.sub === 'string' && claims.sub !== '' && !claims.sub.includes('/')) derived = `${claims.iss}/${claims.sub}`;
  if (request.requestPrincipal !== undefined && derived !== undefined && request.requestPrincipal !== derived) {
    throw new MeshEvaluationError('invalid', `requestPrincipal ${JSON.stringify(request.requestPrincipal)} disagrees with the claims (${JSON.stringify(derived)})`);
  }
  return request.requestPrincipal ?? derived;
}

/**
 * Decides whether `request` to `workload` is allowed by the AuthorizationPolicies in the cluster.
 *
 * @throws MeshEvaluationError for CUSTOM policies, targetRefs, unmodelled or ambiguous fields.
 * @example
 * authorize(policies, { namespace: 'fraud', labels: { app: 'triton' } }, {
 *   source: { principal: 'cluster.local/ns/istio-system/sa/ingress' },
 *   host: 'acme.models.example.com', method: 'POST', path: '/v2/models/m/infer', port: 8000,
 * }).allowed
 */
export function authorize(
  policies: readonly AuthorizationPolicy[],
  workload: AuthzWorkload,
  request: AuthzRequest,
  options: AuthorizeOptions = {},
): AuthzDecision {
  const root = options.rootNamespace ?? 'istio-system';
  const applicable = policies
    .filter((p) => p.metadata?.annotations?.['istio.io/dry-run'] !== 'true')
    .filter((p) => policyAppliesTo(p, workload, root))
    .sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const byAction = (action: string) => applicable.filter((p) => (p.spec?.action ?? 'ALLOW') === action);
  for (const p of applicable) {
    const action = p.spec?.action ?? 'ALLOW';
    if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(action)) {
      throw new MeshEvaluationError('invalid', `unknown action ${JSON.stringify(action)}`, { object: describeObject(p, 'AuthorizationPolicy') });
    }
    if (p.spec?.provider !== undefined && action !== 'CUSTOM') {
      throw new MeshEvaluationError('invalid', 'provider must be used only with CUSTOM action', { object: describeObject(p, 'AuthorizationPolicy') });
    }
  }
  const custom = byAction('CUSTOM');
  if (custom.length > 0) {
    throw new MeshEvaluationError('unsupported', `CUSTOM policies (${custom.map(idOf).join(', ')}) delegate to an external authorizer and are not modelled`);
  }
  const attrs = attributesOf(request, options);
  if ('allowed' in attrs) return attrs;

  for (const p of byAction('DENY')) {
    const rule = matchingRule(p, attrs);
    if (rule !== undefined) return { allowed: false, status: 403, reason: `denied by DENY policy ${idOf(p)} (rule ${rule})`, policy: idOf(p) };
  }
  const allow = byAction('ALLOW');
  if (allow.length === 0) return { allowed: true, status: 200, reason: 'allowed: no ALLOW policy applies to the workload' };
  for (const p of allow) {
    const rule = matchingRule(p, attrs);
    if (rule !== undefined) return { allowed: true, status: 200, reason: `allowed by ALLOW policy ${idOf(p)} (rule ${rule})`, policy: idOf(p) };
  }
  return { allowed: false, status: 403, reason: `denied: no rule of the ALLOW policies (${allow.map(idOf).join(', ')}) matches` };
}

/**
 * Istio `VirtualService` evaluation at an ingress gateway, written from
 * Istio's and Envoy's documentation (not from any generator in this repo),
 * so that tests can prove where each request lands.
 *
 * What it models, and where it comes from:
 * - Binding: a VirtualService applies at gateway `ns/name` when its
 *   `spec.gateways` lists `ns/name`, or `name` in the VirtualService's own
 *   namespace; no `gateways` means `mesh` only. It must be exported
 *   (`exportTo`) to the gateway's namespace.
 *   https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 * - Host: Envoy picks ONE virtual host by the request host (port ignored,
 *   case-insensitive): exact beats `*.suffix` (longest first) beats `*`.
 *   VirtualServices that declare that same host string are merged.
 *   https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost
 * - Merging: "the cross-resource order is UNDEFINED" (in practice creation
 *   time) and every catch-all rule (a rule without `match`) is moved to the
 *   end of the merged list. The evaluator takes the order explicitly
 *   (`options.order`); `routeAtGatewayUnderOrders` checks all orders.
 *   https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 * - Rules: first match wins; `match` blocks are ORed, fields inside one block
 *   ANDed; `uri` is matched against the normalized path without query.
 *   https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 *   https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 * - Rewrite: `uri` replaces the matched prefix for a prefix match, the whole
 *   path for exact/regex matches; `uriRegexRewrite` is RE2 GlobalReplace with
 *   `\1` references; the query string is kept.
 *   https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 * - Weights: an integer per destination; a single destination gets all traffic.
 *   https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 * - JWT claims: a `headers` / `withoutHeaders` key `@request.auth.claims.a.b`
 *   or `@request.auth.claims[a][b]` matches the validated JWT claims, never an
 *   HTTP header; string and list-of-string claims (a list matches when an
 *   element matches); gateways only.
 *   https://istio.io/latest/docs/tasks/security/authentication/jwt-route/
 *   istio/api security/v1beta1/request_authentication.proto (routing on `@request.auth.claims`)
 *   istio/istio pkg/jwt/routing.go (key syntax), pilot/pkg/security/authz/matcher/metadata.go (list or string)
 *
 * Anything ambiguous or unmodelled throws `MeshEvaluationError` instead of guessing.
 */
import { describeObject, idOf, isExportedTo, namespaceOf, type K8sObject } from './k8s-object.ts';
import { domainMatches, domainSpecificity, hostOfAuthority, resolveHost } from './host-match.ts';
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';
import { normalizeRequestPath, type PathNormalization } from './path-normalization.ts';
import { re2GlobalReplace } from './re2.ts';
import { matchString, stringMatchKind, type StringMatch } from './string-match.ts';

// ---------------------------------------------------------------------------
// Object shapes (field names from the networking.istio.io CRD schema)
// ---------------------------------------------------------------------------

/** `PortSelector`. */
export interface PortSelector {
  readonly number?: number;
}

/** `Destination`: a service host, optional subset and port. */
export interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: PortSelector;
}

/** `Headers.HeaderOperations`. */
export interface HeaderOperations {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

/** `Headers`. */
export interface HeadersSpec {
  readonly request?: HeaderOperations;
  readonly response?: HeaderOperations;
}

/** `HTTPRouteDestination`. */
export interface HTTPRouteDestination {
  readonly destination: Destination;
  readonly weight?: number;
  readonly headers?: HeadersSpec;
}

/** `HTTPMatchRequest`. */
export interface HTTPMatchRequest {
  readonly name?: string;
  readonly uri?: StringMatch;
  readonly scheme?: StringMatch;
  readonly method?: StringMatch;
  readonly authority?: StringMatch;
  readonly headers?: Readonly<Record<string, StringMatch>>;
  readonly port?: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly gateways?: readonly string[];
  readonly queryParams?: Readonly<Record<string, StringMatch>>;
  readonly ignoreUriCase?: boolean;
  readonly withoutHeaders?: Readonly<Record<string, StringMatch>>;
  readonly sourceNamespace?: string;
  readonly statPrefix?: string;
}

/** `HTTPRedirect`. */
export interface HTTPRedirect {
  readonly uri?: string;
  readonly authority?: string;
  readonly port?: number;
  readonly derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  readonly scheme?: string;
  readonly redirectCode?: number;
}

/** `HTTPDirectResponse`. */
export interface HTTPDirectResponse {
  readonly status: number;
  readonly body?: { readonly string?: string; readonly bytes?: string };
}

/** `RegexRewrite`. */
export interface RegexRewrite {
  readonly match: string;
  readonly rewrite: string;
}

/** `HTTPRewrite`. */
export interface HTTPRewrite {
  readonly uri?: string;
  readonly authority?: string;
  readonly uriRegexRewrite?: RegexRewrite;
}

/** `HTTPFaultInjection` (only `abort` changes where a request ends up). */
export interface HTTPFaultInjection {
  readonly delay?: unknown;
  readonly abort?: {
    readonly httpStatus?: number;
    readonly grpcStatus?: string;
    readonly http2Error?: string;
    readonly percentage?: { readonly value?: number };
  };
}

/** `HTTPRoute`. */
export interface HTTPRoute {
  readonly name?: string;
  readonly match?: readonly HTTPMatchRequest[];
  readonly route?: readonly HTTPRouteDestination[];
  readonly redirect?: HTTPRedirect;
  readonly directResponse?: HTTPDirectResponse;
  readonly delegate?: { readonly name?: string; readonly namespace?: string };
  readonly rewrite?: HTTPRewrite;
  readonly timeout?: string;
  readonly retries?: unknown;
  readonly fault?: HTTPFaultInjection;
  readonly mirror?: unknown;
  readonly mirrors?: unknown;
  readonly mirrorPercentage?: unknown;
  readonly corsPolicy?: unknown;
  readonly headers?: HeadersSpec;
}

/** `VirtualService.spec`. */
export interface VirtualServiceSpec {
  readonly hosts?: readonly string[];
  readonly gateways?: readonly string[];
  readonly http?: readonly HTTPRoute[];
  readonly tls?: readonly unknown[];
  readonly tcp?: readonly unknown[];
  readonly exportTo?: readonly string[];
}

/** A `networking.istio.io` VirtualService as plain JSON. */
export type VirtualService = K8sObject<VirtualServiceSpec>;

// ---------------------------------------------------------------------------
// Requests and results
// ---------------------------------------------------------------------------

/** An HTTP request arriving at the gateway. */
export interface HttpRequest {
  /** The `Host` / `:authority`, possibly with a port. */
  readonly authority: string;
  /** The HTTP method, e.g. `GET`. */
  readonly method: string;
  /** The request path; may include `?query`. */
  readonly path: string;
  /**
   * Request headers; names are compared case-insensitively.
   *
   * @default {}
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The gateway listener port the request arrived on (needed only by `match.port`).
   *
   * @default - unknown; a rule that matches on `port` throws
   */
  readonly port?: number;
  /**
   * `http` or `https` (needed only by `match.scheme` and redirects).
   *
   * @default - unknown; a rule that matches on `scheme` throws
   */
  readonly scheme?: string;
  /**
   * The validated JWT claims as the gateway's matchers see them
   * (`authenticate(...).claims`, with `scope`/`permission` split into lists);
   * `null` for a request without a valid JWT. Read only by `@request.auth.claims`
   * header keys. Pair it with `authenticate(...).headers` as `headers`: the
   * router sees the request after the JWT filter.
   *
   * @default - unknown; a rule that matches on a claim throws
   */
  readonly authClaims?: Readonly<Record<string, unknown>> | null;
}

/** Properties of a gRPC call, for `grpcRequest`. */
export interface GrpcCall {
  readonly authority: string;
  /** Fully-qualified service, e.g. `inference.GRPCInferenceService`. */
  readonly service: string;
  /** Method name, e.g. `ModelInfer`. */
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly scheme?: string;
  /** See `HttpRequest.authClaims`. */
  readonly authClaims?: Readonly<Record<string, unknown>> | null;
}

/**
 * A gRPC call as the HTTP/2 request Envoy routes: `POST /<package.Service>/<Method>`
 * with `content-type: application/grpc`.
 *
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
export function grpcRequest(call: GrpcCall): HttpRequest {
  return {
    authority: call.authority,
    method: 'POST',
    path: `/${call.service}/${call.method}`,
    headers: { 'content-type': 'application/grpc', te: 'trailers', ...call.headers },
    ...(call.port === undefined ? {} : { port: call.port }),
    ...(call.scheme === undefined ? {} : { scheme: call.scheme }),
    ...(call.authClaims === undefined ? {} : { authClaims: call.authClaims }),
  };
}

/** One weighted destination of a forwarding route. */
export interface WeightedDestination {
  /** The host as written in the VirtualService. */
  readonly host: string;
  /** The host resolved to an FQDN (short names in the VirtualService's namespace). */
  readonly fqdn: string;
  readonly port?: number;
  readonly subset?: string;
  /** The integer weight (100 for a single destination). */
  readonly weight: number;
  /** Request headers forwarded to this destination, after header manipulation (lower-case names). */
  readonly requestHeaders: Readonly<Record<string, string>>;
}

/** Identifies the rule that decided a request. */
export interface MatchedRule {
  /** `namespace/name` of the VirtualService. */
  readonly virtualService: string;
  /** The rule object itself. */
  readonly route: HTTPRoute;
  /** `route.name`, if any. */
  readonly routeName?: string;
  /** Index of the rule in its VirtualService's `spec.http`. */
  readonly routeIndex: number;
  /** Index of the `match` block that matched; `undefined` for a rule without `match`. */
  readonly matchIndex?: number;
}

/** The request is forwarded to one of `destinations`. */
export interface RouteForward extends MatchedRule {
  readonly kind: 'route';
  readonly destinations: readonly WeightedDestination[];
  /** Path (with query) sent upstream. */
  readonly rewrittenPath: string;
  /** Authority sent upstream. */
  readonly rewrittenAuthority: string;
}

/** The gateway answers itself (`directResponse`). */
export interface RouteDirectResponse extends MatchedRule {
  readonly kind: 'directResponse';
  readonly status: number;
  readonly body?: string;
}

/** The gateway answers with a redirect. */
export interface RouteRedirect extends MatchedRule {
  readonly kind: 'redirect';
  readonly status: number;
  /** Scheme of the location, if known. */
  readonly scheme?: string;
  /** Authority of the location. */
  readonly authority: string;
  readonly port?: number;
  /** Path (with query) of the location. */
  readonly path: string;
}

/** Fault injection aborts every request on the rule. */
export interface RouteAbort extends MatchedRule {
  readonly kind: 'abort';
  readonly status?: number;
  readonly grpcStatus?: string;
}

/** No virtual host or no rule matched: Envoy answers 404 (`NR`). */
export interface NoRoute {
  readonly kind: 'noRoute';
  readonly status: 404;
  readonly reason: string;
}

/** The request is rejected before routing (e.g. `%00` in the path). */
export interface RejectedRequest {
  readonly kind: 'rejected';
  readonly status: 400;
  readonly reason: string;
}

/** What the gateway does with a request. */
export type GatewayRouteResult = RouteForward | RouteDirectResponse | RouteRedirect | RouteAbort | NoRoute | RejectedRequest;

/** Options for `routeAtGateway`. */
export interface RouteAtGatewayOptions {
  /**
   * The order in which the merged VirtualServices of one host are concatenated,
   * as `namespace/name` ids. Must list every merged VirtualService.
   *
   * @default - the order of the `virtualServices` array
   */
  readonly order?: readonly string[];

  /**
   * meshConfig path normalization.
   *
   * @default 'BASE'
   */
  readonly pathNormalization?: PathNormalization;

  /**
   * Cluster domain suffix for short host names.
   *
   * @default 'cluster.local'
   */
  readonly domainSuffix?: string;

  /**
   * Namespace of the gateway proxy, for `exportTo`.
   *
   * @default - the namespace of the `gateway` argument
   */
  readonly gatewayNamespace?: string;

  /**
   * What a `withoutHeaders` condition does when the request lacks the header.
   * Istio's docs say "If a header is matched … the traffic becomes not matched",
   * but reported behaviour (istio/istio#49537, #50988) is that the route then
   * does NOT match. `'error'` refuses to decide.
   *
   * @default 'error'
   */
  readonly withoutHeadersOnMissingHeader?: 'error' | 'no-match' | 'match';

  /**
   * What `rewrite.uri` does on a rule whose matching block has no `uri` match
   * (undocumented; Envoy's prefix rewrite of an implicit `/` prefix would
   * replace only the leading slash).
   *
   * @default 'error'
   */
  readonly rewriteWithoutUriMatch?: 'error' | 'replace-path' | 'replace-leading-slash';

  /**
   * How destination weights are validated: `'sum-to-100'` requires integers
   * summing to 100 (the platform rule); `'proportional'` accepts any
   * non-negative integers with a positive sum (newer Istio docs: each gets
   * `weight / sum`).
   *
   * @default 'sum-to-100'
   */
  readonly weights?: 'sum-to-100' | 'proportional';
}

// ---------------------------------------------------------------------------
// Binding and host selection
// ---------------------------------------------------------------------------

function splitGateway(gateway: string): { namespace: string; name: string } {
  const parts = gateway.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new MeshEvaluationError('invalid', `gateway must be "namespace/name", got ${JSON.stringify(gateway)}`);
  }
  return { namespace: parts[0]!, name: parts[1]! };
}

/** Resolves a `gateways` entry of a VirtualService to `namespace/name` (or `mesh`). */
export function resolveGatewayRef(ref: string, vsNamespace: string, location?: MeshErrorLocation): string {
  if (ref === 'mesh') return 'mesh';
  if (ref.includes('/')) {
    const [ns, name, ...rest] = ref.split('/');
    if (rest.length > 0 || !ns || !name) throw new MeshEvaluationError('invalid', `malformed gateway reference ${JSON.stringify(ref)}`, location);
    return ref;
  }
  if (ref.includes('.')) {
    throw new MeshEvaluationError('unsupported', `gateway reference ${JSON.stringify(ref)}: FQDN-style gateway names are not modelled; use "namespace/name"`, location);
  }
  return `${vsNamespace}/${ref}`;
}

/** Whether a VirtualService is bound to `gateway` (`namespace/name`). */
export function isBoundToGateway(vs: VirtualService, gateway: string): boolean {
  const ns = namespaceOf(vs);
  const refs = vs.spec?.gateways;
  const resolved = refs === undefined || refs.length === 0 ? ['mesh'] : refs.map((r, i) => resolveGatewayRef(r, ns, { object: describeObject(vs, 'VirtualService'), field: `spec.gateways[${i}]` }));
  return resolved.includes(gateway);
}

/** The VirtualServices merged into the virtual host that serves a request host at a gateway. */
export interface VirtualHostSelection {
  /** The winning domain (a VirtualService host, resolved), or `undefined` when none matches. */
  readonly domain: string | undefined;
  /** The VirtualServices declaring `domain`, in input order. */
  readonly virtualServices: readonly VirtualService[];
}

/**
 * Selects the virtual host Envoy would use for `authority` at `gateway`, and
 * the VirtualServices merged into it.
 */
export function selectVirtualHost(
  virtualServices: readonly VirtualService[],
  gateway: string,
  authority: string,
  options: Pick<RouteAtGatewayOptions, 'domainSuffix' | 'gatewayNamespace'> = {},
): VirtualHostSelection {
  const gw = splitGateway(gateway);
  const gatewayNamespace = options.gatewayNamespace ?? gw.namespace;
  const host = hostOfAuthority(authority);
  const bound = virtualServices.filter(
    (vs) => isBoundToGateway(vs, gateway) && isExportedTo(vs.spec?.exportTo, namespaceOf(vs), gatewayNamespace),
  );
  let best: string | undefined;
  for (const vs of bound) {
    for (const h of vs.spec?.hosts ?? []) {
      const d = resolveHost(h, namespaceOf(vs), options.domainSuffix);
      if (!domainMatches(d, host)) continue;
      if (best === undefined || domainSpecificity(d) > domainSpecificity(best)) best = d;
    }
  }
  if (best === undefined) return { domain: undefined, virtualServices: [] };
  const domain = best;
  return {
    domain,
    virtualServices: bound.filter((vs) => (vs.spec?.hosts ?? []).some((h) => resolveHost(h, namespaceOf(vs), options.domainSuffix) === domain)),
  };
}

// ---------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------

/** One rule in a merged virtual host, with the VirtualService it comes from. */
export interface MergedRoute {
  readonly vs: VirtualService;
  readonly routeIndex: number;
  readonly route: HTTPRoute;
}

function isCatchAll(route: HTTPRoute): boolean {
  return route.match === undefined || route.match.length === 0;
}

function orderVirtualServices(vss: readonly VirtualService[], order: readonly string[] | undefined): VirtualService[] {
  if (order === undefined) return [...vss];
  const pos = new Map(order.map((id, i) => [id, i] as const));
  for (const vs of vss) {
    if (!pos.has(idOf(vs))) {
      throw new MeshEvaluationError('invalid', `options.order does not list ${idOf(vs)}, which is merged into this virtual host`);
    }
  }
  return [...vss].sort((a, b) => pos.get(idOf(a))! - pos.get(idOf(b))!);
}

/**
 * The merged rule list of one virtual host for a given VirtualService order:
 * rules keep their order within each VirtualService; when several are merged,
 * catch-all rules (no `match`) go to the end.
 */
export function mergeHttpRoutes(ordered: readonly VirtualService[]): readonly MergedRoute[] {
  const flat = ordered.flatMap((vs) => (vs.spec?.http ?? []).map((route, routeIndex) => ({ vs, routeIndex, route })));
  if (ordered.length <= 1) return flat;
  for (const vs of ordered) {
    const http = vs.spec?.http ?? [];
    const firstCatchAll = http.findIndex(isCatchAll);
    if (firstCatchAll !== -1 && firstCatchAll < http.length - 1) {
      throw new MeshEvaluationError(
        'ambiguous',
        `catch-all rule spec.http[${firstCatchAll}] is not the last rule; merged with other VirtualServices it is moved to the end, changing which rules are reachable`,
        { object: describeObject(vs, 'VirtualService') },
      );
    }
  }
  return [...flat.filter((r) => !isCatchAll(r.route)), ...flat.filter((r) => isCatchAll(r.route))];
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

interface RequestView {
  readonly authority: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly port?: number;
  readonly scheme?: string;
  readonly authClaims?: Readonly<Record<string, unknown>> | null;
}

const MATCH_FIELDS = new Set([
  'name', 'uri', 'scheme', 'method', 'authority', 'headers', 'port', 'sourceLabels', 'gateways',
  'queryParams', 'ignoreUriCase', 'withoutHeaders', 'sourceNamespace', 'statPrefix',
]);
const IGNORED_HEADER_KEYS = new Set(['uri', 'scheme', 'method', 'authority']);

/** Request headers by lower-case name; a name given twice (in any case) or a value that is not a string throws. */
export function headerMap(headers: Readonly<Record<string, string>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(headers ?? {})) {
    const key = k.toLowerCase();
    if (out.has(key)) throw new MeshEvaluationError('invalid', `request header ${JSON.stringify(k)} is given twice (names are case-insensitive)`);
    if (typeof v !== 'string') throw new MeshEvaluationError('invalid', `request header ${JSON.stringify(k)} must be a string`);
    out.set(key, v);
  }
  return out;
}

function parseQuery(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (query.length <= 1) return out;
  for (const part of query.slice(1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

function checkHeaderMatchNotAmbiguous(sm: StringMatch, loc: MeshErrorLocation): ReturnType<typeof stringMatchKind> {
  const k = stringMatchKind(sm, loc);
  if (k?.kind === 'prefix' && k.value === '') {
    throw new MeshEvaluationError('ambiguous', 'header match prefix: "" is rejected by some Envoy versions and treated as presence by newer Istio; use {} for presence', loc);
  }
  if (k?.kind === 'exact' && k.value === '') {
    throw new MeshEvaluationError('ambiguous', 'header match exact: "" has been treated as presence by some Istio versions; use {} for presence', loc);
  }
  if (k?.kind === 'regex' && k.value === '*') {
    throw new MeshEvaluationError('ambiguous', 'header match regex: "*" is special-cased by Istio as presence (it is not valid RE2); use {}', loc);
  }
  return k;
}

const CLAIM_KEY = '@request.auth.claims';

/**
 * The claim path of a `@request.auth.claims` header key, parsed like Istio's
 * `jwt.ToRoutingClaim` (istio/istio pkg/jwt/routing.go): the prefix is
 * case-insensitive; `.a.b` splits on dots; `[a][b]` splits on `][` (for names
 * with dots). `undefined` for keys that are not `@`-keys at all.
 *
 * @throws MeshEvaluationError (`unsupported`) for other `@` keys and malformed claim keys.
 */
export function routingClaimPath(headerKey: string, loc?: MeshErrorLocation): readonly string[] | undefined {
  if (!headerKey.startsWith('@')) return undefined;
  if (!headerKey.toLowerCase().startsWith(CLAIM_KEY)) {
    throw new MeshEvaluationError('unsupported', `header key "${headerKey}": "@" keys other than @request.auth.claims are not supported`, loc);
  }
  const name = headerKey.slice(CLAIM_KEY.length);
  if (name.startsWith('.') && name.length > 1) return name.slice(1).split('.');
  if (name.startsWith('[') && name.endsWith(']') && name.length > 2) return name.slice(1, -1).split('][');
  throw new MeshEvaluationError(
    'unsupported',
    `header key "${headerKey}" is not a claim key (@request.auth.claims.<name> or @request.auth.claims[<name>]); Istio would match it as an HTTP header named "${headerKey}"`,
    loc,
  );
}

/** Whether a claim condition matches (string claim, or any element of a list-of-string claim). */
function claimMatches(sm: StringMatch, path: readonly string[], req: RequestView, vsBoundToMesh: boolean, loc: MeshErrorLocation): boolean {
  if (vsBoundToMesh) {
    throw new MeshEvaluationError(
      'unsupported',
      'a rule that matches on @request.auth.claims is also bound to "mesh": "The use of matches against JWT claim metadata is only supported in Gateways"',
      loc,
    );
  }
  const k = checkHeaderMatchNotAmbiguous(sm, loc);
  if (k === undefined) throw new MeshEvaluationError('ambiguous', 'a presence match {} on a JWT claim is undocumented', loc);
  if (req.authClaims === undefined) throw new MeshEvaluationError('invalid', 'the rule matches on a JWT claim; give request.authClaims (null = no JWT)', loc);
  if (req.authClaims === null) return false;
  let cur: unknown = req.authClaims;
  for (const name of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, name)) return false;
    cur = (cur as Record<string, unknown>)[name];
  }
  if (typeof cur === 'string') return matchString(sm, cur, { location: loc });
  if (Array.isArray(cur) && cur.every((v) => typeof v === 'string')) return cur.some((v: string) => matchString(sm, v, { location: loc }));
  const type = Array.isArray(cur) ? 'a list with non-string elements' : cur === null ? 'null' : typeof cur;
  throw new MeshEvaluationError('unsupported', `claim ${path.join('.')} is ${type}; the jwt-route task supports string and list-of-string claims only`, loc);
}

function matchBlock(
  block: HTTPMatchRequest,
  req: RequestView,
  ctx: { gateway: string; vsNamespace: string; vsBoundToMesh: boolean; options: RouteAtGatewayOptions },
  loc: MeshErrorLocation,
): boolean {
  const at = (field: string): MeshErrorLocation => ({ object: loc.object, field: `${loc.field}.${field}` });
  const unknown = Object.keys(block).filter((k) => !MATCH_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown HTTPMatchRequest field(s) ${unknown.join(', ')}`, loc);
  const conditions = Object.keys(block).filter((k) => k !== 'name' && k !== 'statPrefix' && (block as Record<string, unknown>)[k] !== undefined);
  if (conditions.length === 0) throw new MeshEvaluationError('invalid', 'HTTPMatchRequest CANNOT be empty (Istio docs)', loc);

  if (block.sourceLabels !== undefined || block.sourceNamespace !== undefined) {
    throw new MeshEvaluationError('ambiguous', 'sourceLabels/sourceNamespace at a gateway depend on the gateway workload and on "mesh" being bound; not modelled', loc);
  }
  if (block.gateways !== undefined) {
    const gws = block.gateways.map((g, i) => resolveGatewayRef(g, ctx.vsNamespace, at(`gateways[${i}]`)));
    if (!gws.includes(ctx.gateway)) return false;
  }
  if (block.port !== undefined) {
    if (req.port === undefined) throw new MeshEvaluationError('invalid', 'the rule matches on port; give request.port', at('port'));
    if (block.port !== req.port) return false;
  }
  if (block.uri !== undefined) {
    const k = stringMatchKind(block.uri, at('uri'));
    if (k === undefined) throw new MeshEvaluationError('invalid', 'uri: {} is not a valid match', at('uri'));
    const ignoreCase = block.ignoreUriCase === true && k.kind !== 'regex';
    if (!matchString(block.uri, req.path, { ignoreCase, location: at('uri') })) return false;
  }
  if (block.scheme !== undefined) {
    if (req.scheme === undefined) throw new MeshEvaluationError('invalid', 'the rule matches on scheme; give request.scheme', at('scheme'));
    if (!matchString(block.scheme, req.scheme, { location: at('scheme') })) return false;
  }
  if (block.method !== undefined && !matchString(block.method, req.method, { location: at('method') })) return false;
  if (block.authority !== undefined && !matchString(block.authority, req.authority, { location: at('authority') })) return false;

  // The rule is bound to `mesh` too unless this block's `gateways` leaves it out.
  const boundToMesh = ctx.vsBoundToMesh && (block.gateways === undefined || block.gateways.includes('mesh'));
  for (const [rawName, sm] of Object.entries(block.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (IGNORED_HEADER_KEYS.has(name)) continue; // "The keys uri, scheme, method, and authority will be ignored."
    const hloc = at(`headers[${JSON.stringify(rawName)}]`);
    const claim = routingClaimPath(rawName, hloc);
    if (claim !== undefined) {
      if (!claimMatches(sm, claim, req, boundToMesh, hloc)) return false;
      continue;
    }
    const k = checkHeaderMatchNotAmbiguous(sm, hloc);
    const value = req.headers.get(name);
    if (k === undefined) {
      if (value === undefined) return false; // {} = presence
      continue;
    }
    if (value === undefined || !matchString(sm, value, { location: hloc })) return false;
  }

  for (const [rawName, sm] of Object.entries(block.withoutHeaders ?? {})) {
    const name = rawName.toLowerCase();
    const hloc = at(`withoutHeaders[${JSON.stringify(rawName)}]`);
    const claim = routingClaimPath(rawName, hloc);
    if (claim !== undefined) {
      // Istio inverts the metadata matcher: no JWT or no such claim satisfies withoutHeaders.
      if (claimMatches(sm, claim, req, boundToMesh, hloc)) return false;
      continue;
    }
    const k = checkHeaderMatchNotAmbiguous(sm, hloc);
    const value = req.headers.get(name);
    if (value === undefined) {
      const mode = ctx.options.withoutHeadersOnMissingHeader ?? 'error';
      if (mode === 'error') {
        throw new MeshEvaluationError(
          'ambiguous',
          `request has no "${name}" header: withoutHeaders on a missing header is documented as matching but reported not to match (istio/istio#49537, #50988); set options.withoutHeadersOnMissingHeader`,
          hloc,
        );
      }
      if (mode === 'no-match') return false;
      continue;
    }
    const matched = k === undefined ? true : matchString(sm, value, { location: hloc });
    if (matched) return false;
  }

  if (block.queryParams !== undefined) {
    const params = parseQuery(req.query);
    for (const [key, sm] of Object.entries(block.queryParams)) {
      const qloc = at(`queryParams[${JSON.stringify(key)}]`);
      const k = stringMatchKind(sm, qloc);
      if (k === undefined) throw new MeshEvaluationError('ambiguous', 'queryParams match {} is undocumented', qloc);
      const values = params.get(key);
      if (values === undefined) return false;
      if (values.length > 1) throw new MeshEvaluationError('ambiguous', `query parameter "${key}" occurs ${values.length} times; which one Envoy matches is not documented`, qloc);
      if (!matchString(sm, values[0]!, { location: qloc })) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

function applyHeaderOperations(headers: Map<string, string>, ops: HeaderOperations | undefined, loc: MeshErrorLocation): Set<string> {
  const touched = new Set<string>();
  if (ops === undefined) return touched;
  const setKeys = Object.keys(ops.set ?? {}).map((k) => k.toLowerCase());
  const addKeys = Object.keys(ops.add ?? {}).map((k) => k.toLowerCase());
  for (const k of [...setKeys, ...addKeys, ...(ops.remove ?? []).map((r) => r.toLowerCase())]) {
    if (k === 'host' || k.startsWith(':')) throw new MeshEvaluationError('unsupported', `manipulating "${k}" is not modelled (use rewrite.authority)`, loc);
  }
  for (const k of setKeys) {
    if (addKeys.includes(k)) throw new MeshEvaluationError('ambiguous', `header "${k}" is both set and added at the same level`, loc);
  }
  // Envoy removes first, then adds ("remove-before-add").
  for (const r of ops.remove ?? []) {
    headers.delete(r.toLowerCase());
    touched.add(r.toLowerCase());
  }
  for (const [k, v] of Object.entries(ops.set ?? {})) {
    headers.set(k.toLowerCase(), String(v));
    touched.add(k.toLowerCase());
  }
  for (const [k, v] of Object.entries(ops.add ?? {})) {
    const key = k.toLowerCase();
    const old = headers.get(key);
    headers.set(key, old === undefined ? String(v) : `${old},${String(v)}`);
    touched.add(key);
  }
  return touched;
}

function validateWeights(dests: readonly HTTPRouteDestination[], mode: 'sum-to-100' | 'proportional', loc: MeshErrorLocation): number[] {
  if (dests.length === 1) return [100]; // "If there is only one destination in a rule, it will receive all traffic."
  const weights = dests.map((d, i) => {
    const w = d.weight ?? 0;
    if (!Number.isInteger(w) || w < 0) {
      throw new MeshEvaluationError('invalid', `weight ${JSON.stringify(d.weight)} must be a non-negative integer`, { ...loc, field: `${loc.field}.route[${i}].weight` });
    }
    return w;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  if (mode === 'sum-to-100' && sum !== 100) throw new MeshEvaluationError('invalid', `destination weights sum to ${sum}, not 100`, { ...loc, field: `${loc.field}.route` });
  if (sum <= 0) throw new MeshEvaluationError('invalid', 'destination weights sum to 0', { ...loc, field: `${loc.field}.route` });
  return weights;
}

function rewritePath(
  route: HTTPRoute,
  block: HTTPMatchRequest | undefined,
  req: RequestView,
  options: RouteAtGatewayOptions,
  loc: MeshErrorLocation,
): string {
  const rw = route.rewrite;
  const uri = rw?.uri === '' ? undefined : rw?.uri;
  if (rw === undefined || (uri === undefined && rw.uriRegexRewrite === undefined)) return req.path + req.query;
  const rloc = { ...loc, field: `${loc.field}.rewrite` };
  if (uri !== undefined && rw.uriRegexRewrite !== undefined) throw new MeshEvaluationError('invalid', 'rewrite may only contain one of uri or uriRegexRewrite', rloc);
  if (rw.uriRegexRewrite !== undefined) {
    const { match, rewrite } = rw.uriRegexRewrite;
    if (typeof match !== 'string' || typeof rewrite !== 'string') throw new MeshEvaluationError('invalid', 'uriRegexRewrite needs match and rewrite strings', rloc);
    return re2GlobalReplace(match, req.path, rewrite, { ...rloc, field: `${rloc.field}.uriRegexRewrite` }) + req.query;
  }
  const k = block?.uri === undefined ? undefined : stringMatchKind(block.uri);
  if (k?.kind === 'prefix') return uri! + req.path.slice(k.value.length) + req.query;
  if (k?.kind === 'exact' || k?.kind === 'regex') return uri! + req.query;
  const mode = options.rewriteWithoutUriMatch ?? 'error';
  if (mode === 'error') {
    throw new MeshEvaluationError(
      'ambiguous',
      'rewrite.uri on a rule (or match block) without a uri match: Istio documents only the prefix case; set options.rewriteWithoutUriMatch',
      rloc,
    );
  }
  return mode === 'replace-path' ? uri! + req.query : uri! + req.path.slice(1) + req.query;
}

function decodeBody(body: HTTPDirectResponse['body'], loc: MeshErrorLocation): string | undefined {
  if (body === undefined) return undefined;
  if (body.string !== undefined && body.bytes !== undefined) throw new MeshEvaluationError('invalid', 'body sets both string and bytes', loc);
  if (body.bytes !== undefined) return Buffer.from(body.bytes, 'base64').toString('utf8');
  return body.string;
}

function act(
  flat: MergedRoute,
  matchIndex: number | undefined,
  req: RequestView,
  ctx: { options: RouteAtGatewayOptions },
): GatewayRouteResult {
  const { vs, route, routeIndex } = flat;
  const loc: MeshErrorLocation = { object: describeObject(vs, 'VirtualService'), field: `spec.http[${routeIndex}]` };
  const base: MatchedRule = {
    virtualService: idOf(vs),
    route,
    routeIndex,
    ...(route.name === undefined ? {} : { routeName: route.name }),
    ...(matchIndex === undefined ? {} : { matchIndex }),
  };
  const actions = (['route', 'redirect', 'directResponse', 'delegate'] as const).filter((k) => route[k] !== undefined && !(k === 'route' && route.route?.length === 0));
  if (actions.length !== 1) {
    throw new MeshEvaluationError('invalid', `a rule needs exactly one of route, redirect, directResponse, delegate; found ${actions.length === 0 ? 'none' : actions.join(', ')}`, loc);
  }
  if (route.delegate !== undefined) throw new MeshEvaluationError('unsupported', 'delegate VirtualServices are not modelled', loc);
  if (route.rewrite !== undefined && route.redirect !== undefined) throw new MeshEvaluationError('invalid', 'rewrite cannot be used with redirect', loc);
  if (route.fault !== undefined && route.route === undefined) throw new MeshEvaluationError('unsupported', 'fault injection on a redirect/directResponse rule is not modelled', loc);

  if (route.directResponse !== undefined) {
    const d = route.directResponse;
    if (!Number.isInteger(d.status)) throw new MeshEvaluationError('invalid', 'directResponse.status is required', loc);
    const body = decodeBody(d.body, { ...loc, field: `${loc.field}.directResponse.body` });
    return { ...base, kind: 'directResponse', status: d.status, ...(body === undefined ? {} : { body }) };
  }

  if (route.redirect !== undefined) {
    const r = route.redirect;
    if (r.port !== undefined && r.derivePort !== undefined) throw new MeshEvaluationError('invalid', 'redirect sets both port and derivePort', loc);
    // "the entire path will be replaced"; Envoy keeps the query unless the new path has one.
    const path = r.uri === undefined ? req.path + req.query : r.uri.includes('?') ? r.uri : r.uri + req.query;
    const scheme = r.scheme ?? req.scheme;
    const port = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? req.port : undefined);
    return {
      ...base,
      kind: 'redirect',
      status: r.redirectCode ?? 301,
      authority: r.authority ?? req.authority,
      path,
      ...(scheme === undefined ? {} : { scheme }),
      ...(port === undefined ? {} : { port }),
    };
  }

  // Forwarding.
  const abort = route.fault?.abort;
  if (abort !== undefined) {
    const pct = abort.percentage?.value;
    if (abort.http2Error !== undefined) throw new MeshEvaluationError('unsupported', 'fault.abort.http2Error is not modelled', loc);
    if (pct !== undefined && pct > 0) {
      if (pct < 100) throw new MeshEvaluationError('ambiguous', `fault.abort aborts ${pct}% of requests; the outcome is random`, loc);
      return {
        ...base,
        kind: 'abort',
        ...(abort.httpStatus === undefined ? {} : { status: abort.httpStatus }),
        ...(abort.grpcStatus === undefined ? {} : { grpcStatus: abort.grpcStatus }),
      };
    }
    // "If not specified, no request will be aborted."
  }
  const dests = route.route!;
  const weights = validateWeights(dests, ctx.options.weights ?? 'sum-to-100', loc);
  const block = matchIndex === undefined ? undefined : route.match![matchIndex];
  const rewrittenPath = rewritePath(route, block, req, ctx.options, loc);
  const rewrittenAuthority = route.rewrite?.authority !== undefined && route.rewrite.authority !== '' ? route.rewrite.authority : req.authority;

  const routeHeaders = new Map(req.headers);
  const vsNamespace = namespaceOf(vs);
  const destinations = dests.map((d, i): WeightedDestination => {
    const dloc = { ...loc, field: `${loc.field}.route[${i}]` };
    if (d.destination === undefined || typeof d.destination.host !== 'string' || d.destination.host === '') {
      throw new MeshEvaluationError('invalid', 'destination.host is required', dloc);
    }
    const headers = new Map(routeHeaders);
    // Envoy applies the weighted-cluster level, then the route level. A header
    // touched at both levels would depend on that order: refuse it.
    const destTouched = applyHeaderOperations(headers, d.headers?.request, { ...dloc, field: `${dloc.field}.headers.request` });
    const routeTouched = applyHeaderOperations(headers, route.headers?.request, { ...loc, field: `${loc.field}.headers.request` });
    for (const k of destTouched) {
      if (routeTouched.has(k)) throw new MeshEvaluationError('ambiguous', `header "${k}" is manipulated at both route and destination level`, dloc);
    }
    const dest = d.destination;
    return {
      host: dest.host,
      fqdn: resolveHost(dest.host, vsNamespace, ctx.options.domainSuffix),
      weight: weights[i]!,
      requestHeaders: Object.fromEntries(headers),
      ...(dest.port?.number === undefined ? {} : { port: dest.port.number }),
      ...(dest.subset === undefined ? {} : { subset: dest.subset }),
    };
  });
  return { ...base, kind: 'route', destinations, rewrittenPath, rewrittenAuthority };
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/**
 * What the ingress gateway `gateway` (`namespace/name`) does with `request`,
 * given the VirtualServices in the cluster and an explicit merge order.
 *
 * @throws MeshEvaluationError when the configuration is invalid, unmodelled or ambiguous.
 * @example
 * const r = routeAtGateway(vss, 'istio-system/ingress', { authority: 'acme.models.example.com', method: 'POST', path: '/v2/models/txn-scorer/infer' });
 * expect(r.kind).toBe('route');
 */
export function routeAtGateway(
  virtualServices: readonly VirtualService[],
  gateway: string,
  request: HttpRequest,
  options: RouteAtGatewayOptions = {},
): GatewayRouteResult {
  if (typeof request.method !== 'string' || request.method === '') throw new MeshEvaluationError('invalid', 'request.method is required');
  if (typeof request.authority !== 'string' || request.authority === '') throw new MeshEvaluationError('invalid', 'request.authority is required');
  const normalized = normalizeRequestPath(request.path, options.pathNormalization ?? 'BASE');
  if (!normalized.ok) return { kind: 'rejected', status: 400, reason: normalized.reason };
  const req: RequestView = {
    authority: request.authority,
    method: request.method,
    path: normalized.path,
    query: normalized.query,
    headers: headerMap(request.headers),
    ...(request.port === undefined ? {} : { port: request.port }),
    ...(request.scheme === undefined ? {} : { scheme: request.scheme }),
    ...(request.authClaims === undefined ? {} : { authClaims: request.authClaims }),
  };
  const selection = selectVirtualHost(virtualServices, gateway, request.authority, options);
  if (selection.domain === undefined) {
    return { kind: 'noRoute', status: 404, reason: `no VirtualService at ${gateway} serves host "${hostOfAuthority(request.authority)}"` };
  }
  const routes = mergeHttpRoutes(orderVirtualServices(selection.virtualServices, options.order));
  for (const flat of routes) {
    const vsNamespace = namespaceOf(flat.vs);
    const loc = { object: describeObject(flat.vs, 'VirtualService'), field: `spec.http[${flat.routeIndex}]` };
    if (isCatchAll(flat.route)) return act(flat, undefined, req, { options });
    for (const [mi, block] of flat.route.match!.entries()) {
      const vsBoundToMesh = isBoundToGateway(flat.vs, 'mesh');
      if (matchBlock(block, req, { gateway, vsNamespace, vsBoundToMesh, options }, { ...loc, field: `${loc.field}.match[${mi}]` })) {
        return act(flat, mi, req, { options });
      }
    }
  }
  return { kind: 'noRoute', status: 404, reason: `no rule of virtual host "${selection.domain}" matches ${request.method} ${request.path}` };
}

/**
 * Picks the destination a request with random draw `fraction` (in `[0, 1)`)
 * goes to: destinations take consecutive slices of `[0, 1)` proportional to
 * their weights, in order.
 *
 * @example
 * pickDestination(result, 0.2) // the first destination when weights are [25, 75]
 */
export function pickDestination(result: RouteForward, fraction: number): WeightedDestination {
  if (!(fraction >= 0 && fraction <= 1)) throw new MeshEvaluationError('invalid', `fraction must be in [0, 1], got ${fraction}`);
  const total = result.destinations.reduce((a, d) => a + d.weight, 0);
  let cumulative = 0;
  let last: WeightedDestination | undefined;
  for (const d of result.destinations) {
    if (d.weight === 0) continue;
    cumulative += d.weight;
    last = d;
    if (fraction * total < cumulative) return d;
  }
  if (last === undefined) throw new MeshEvaluationError('invalid', 'no destination has a positive weight');
  return last;
}

/** Each destination's share of traffic (`weight / sum`). */
export function destinationShares(result: RouteForward): readonly { readonly destination: WeightedDestination; readonly share: number }[] {
  const total = result.destinations.reduce((a, d) => a + d.weight, 0);
  return result.destinations.map((destination) => ({ destination, share: destination.weight / total }));
}

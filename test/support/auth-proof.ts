/**
 * The authentication proof: for a fleet synthesized with `modelfleet:auth`,
 * every request goes the way Istio would take it, through the independent
 * evaluators of `test/support/mesh/` (written from Istio's and Envoy's
 * documentation, not from the generators):
 *
 *   client → gateway RequestAuthentication (JWT: signature from the JWKS,
 *   issuer, audience, expiry) → gateway AuthorizationPolicies → gateway
 *   VirtualServices (claim-bound routes) → shard PeerAuthentication (mTLS) →
 *   shard RequestAuthentication (the forwarded token, validated again) →
 *   shard AuthorizationPolicies.
 *
 * For every copy of the plan it checks that
 *
 * - a valid token of the copy's tenant, with the tenant header, reaches the
 *   copy over REST and gRPC, and the shard admits it (untenanted copies: a
 *   valid token of any tenant);
 * - a valid token of another tenant naming this tenant is refused at the
 *   gateway (403) and, sent past the gateway from inside the mesh, at the
 *   shard (403);
 * - no token is refused at the gateway (403) and, from inside the mesh, at
 *   the shard; an expired token, a token of a foreign issuer, a forged
 *   signature (401) and a token for another audience (403) at the gateway;
 * - a plaintext connection to the shard's HTTP and gRPC ports is refused by
 *   its PeerAuthentication, and the metrics port still answers Prometheus
 *   outside the mesh when the stack says so;
 * - the token reaches Triton only when the stack forwards it.
 *
 * Tokens are real JWTs signed by a test issuer (`jwt-issuer.ts`), verified
 * by the evaluator with node:crypto. Problems are collected as readable
 * strings: a test expects none.
 */
import type { Shard } from '../../core/plan/shard-plan.ts';
import type { TestIssuer } from './jwt-issuer.ts';
import {
  acceptsConnection,
  authenticate,
  authorize,
  grpcRequest,
  mtlsMode,
  type AuthnResult,
  type AuthorizationPolicy,
  type HttpRequest,
  type PeerAuthentication,
  type RequestAuthentication,
} from './mesh/index.ts';
import { gatewayOf } from '../../core/stack/gateways.ts';
import { podLabelsOf, routeOnce, type FleetView } from './routing-proof.ts';

/** The identity providers the proof signs with. */
export interface AuthProofOptions {
  /** The stack's issuer (its `issuer` must be the stack's first `modelfleet:auth.jwt` entry). */
  readonly issuer: TestIssuer;
  /** An issuer the stack does not know. */
  readonly foreign: TestIssuer;
  /** The time of the requests, epoch seconds (tokens are issued just before). */
  readonly now: number;
  /** Other tenants tried against every copy (all when undefined). */
  readonly crossTenantSamples?: number;
}

/** Counts of what the proof checked. */
export interface AuthProofReport {
  readonly problems: string[];
  readonly copies: number;
  /** Requests with a valid token that reached their copy and were admitted by the shard. */
  readonly admitted: number;
  /** Requests refused, by where and why (`gateway 401 expired`, `shard 403 other tenant`, ...). */
  readonly refusals: Readonly<Record<string, number>>;
}

/** Where a request ended. */
type Outcome =
  | { readonly at: 'gateway-authn' | 'gateway-authz' | 'gateway-route' | 'shard-mtls' | 'shard-authn' | 'shard-authz'; readonly status: number; readonly reason: string }
  | { readonly at: 'served'; readonly shard: string; readonly port: number; readonly path: string; readonly tritonHeaders: Readonly<Record<string, string>> };

/** Proves the authentication properties above for every copy of `view`. */
export function proveAuthentication(view: FleetView, options: AuthProofOptions): AuthProofReport {
  const problems: string[] = [];
  const refusals: Record<string, number> = {};
  const { stack } = view;
  const auth = stack.auth;
  if (!auth) throw new Error(`stack ${stack.name} has no modelfleet:auth; the authentication proof needs it`);
  const rule = auth.jwt[0]!;
  if (rule.issuer !== options.issuer.issuer) throw new Error(`the test issuer is ${options.issuer.issuer}, the stack's first is ${rule.issuer}`);
  const { tenantHeader, modelHeader } = stack.routing;
  const claim = auth.tenantClaim;
  const { now } = options;
  const jwks = { [rule.jwksUri]: options.issuer.jwks };
  // Each team's gateway (`routing.gateways`, else the stack's): its pods, its identity, its host.
  const gatewayFor = (host: string) => {
    const team = [...new Set(view.shards.map((s) => s.team))].find((t) => gatewayOf(stack, t).host === host);
    return gatewayOf(stack, team ?? '');
  };
  const requestAuthentications = view.objects.filter((o) => o.kind === 'RequestAuthentication') as RequestAuthentication[];
  const peerAuthentications = view.objects.filter((o) => o.kind === 'PeerAuthentication') as PeerAuthentication[];
  const policies: readonly AuthorizationPolicy[] = view.policies;
  const podLabels = podLabelsOf(view);
  const shardByName = new Map(view.shards.map((s) => [s.name, s]));
  const shardOfService = (fqdn: string) => shardByName.get(fqdn.split('.')[0]!);

  const claimsOf = (a: AuthnResult) => (a.kind === 'authenticated' ? a.claims : null);
  const principalOf = (a: AuthnResult) => (a.kind === 'authenticated' ? (a.requestPrincipal ?? null) : null);
  const audience = rule.audiences.length ? { aud: rule.audiences[0] } : {};
  const tokenFor = (tenant: string | readonly string[], by: TestIssuer = options.issuer, extra: Record<string, unknown> = {}, expiresIn = 3600) =>
    by.sign({ iss: by.issuer, sub: `client-of-${String(tenant)}`, ...audience, [claim]: tenant, ...extra }, { now: now - 10, expiresIn });
  const bearer = (token: string | undefined): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

  /** The shard's side: mTLS, the forwarded token validated again, the shard's policies. */
  const atShard = (shard: Shard, request: { path: string; port: number; method: string; headers: Record<string, string> }, peer: { principal?: string }): Outcome => {
    const workload = { namespace: shard.namespace, labels: podLabels(shard) };
    const connection = acceptsConnection(mtlsMode(peerAuthentications, workload, request.port), { mtls: peer.principal !== undefined });
    if (!connection.accepted) return { at: 'shard-mtls', status: 0, reason: connection.reason };
    const a = authenticate(requestAuthentications, workload, { path: request.path, headers: request.headers, method: request.method }, { jwks, now });
    if (a.kind === 'rejected') return { at: 'shard-authn', status: a.status, reason: a.reason };
    const decision = authorize(policies, workload, {
      source: peer,
      requestPrincipal: principalOf(a),
      claims: claimsOf(a),
      host: `${shard.name}.${shard.namespace}.svc.cluster.local`,
      method: request.method,
      path: a.path,
      port: request.port,
      headers: a.headers,
    });
    if (!decision.allowed) return { at: 'shard-authz', status: decision.status, reason: decision.reason };
    return { at: 'served', shard: shard.name, port: request.port, path: a.path, tritonHeaders: a.headers };
  };

  /** The whole way from a client outside the mesh, through the gateway, to a shard. */
  const viaGateway = (request: HttpRequest, token: string | undefined): Outcome => {
    const ingress = gatewayFor(request.authority);
    const gateway = { namespace: ingress.namespace, labels: ingress.selector };
    const headers = { ...(request.headers ?? {}), ...bearer(token) };
    const a = authenticate(requestAuthentications, gateway, { path: request.path, headers, method: request.method }, { jwks, now });
    if (a.kind === 'rejected') return { at: 'gateway-authn', status: a.status, reason: a.reason };
    const decision = authorize(policies, gateway, {
      source: {},
      requestPrincipal: principalOf(a),
      claims: claimsOf(a),
      host: request.authority,
      method: request.method,
      path: a.path,
      port: 8443,
      headers: a.headers,
    });
    if (!decision.allowed) return { at: 'gateway-authz', status: decision.status, reason: decision.reason };
    const routed = routeOnce(view, { ...request, path: a.path, headers: a.headers, authClaims: claimsOf(a) }, problems);
    if (routed.kind !== 'route') {
      const status = 'status' in routed && typeof routed.status === 'number' ? routed.status : 0;
      const body = routed.kind === 'directResponse' ? (routed.body ?? '') : routed.kind;
      return { at: 'gateway-route', status, reason: body };
    }
    if (routed.destinations.length !== 1) return { at: 'gateway-route', status: 0, reason: `${routed.destinations.length} destinations` };
    const destination = routed.destinations[0]!;
    const shard = shardOfService(destination.fqdn);
    if (!shard) return { at: 'gateway-route', status: 0, reason: `routed to ${destination.fqdn}, not a shard of the plan` };
    return atShard(shard, { path: routed.rewrittenPath, port: destination.port ?? 0, method: request.method, headers: { ...destination.requestHeaders } }, { principal: ingress.principal });
  };

  const refused = (what: string, outcome: Outcome, expected: { at: Outcome['at'] | readonly Outcome['at'][]; status?: number }) => {
    const ats = typeof expected.at === 'string' ? [expected.at] : expected.at;
    if (outcome.at === 'served' || !ats.includes(outcome.at) || (expected.status !== undefined && outcome.status !== expected.status)) {
      problems.push(`${what}: ${outcome.at === 'served' ? `served by ${outcome.shard}:${outcome.port} ${outcome.path}` : `${outcome.at} ${outcome.status} (${outcome.reason})`}, expected refusal at ${ats.join(' or ')}${expected.status === undefined ? '' : ` with ${expected.status}`}`);
      return;
    }
    const key = `${outcome.at} ${outcome.status || ''} ${what.slice(what.lastIndexOf(': ') + 2)}`.replace(/\s+/g, ' ');
    refusals[key] = (refusals[key] ?? 0) + 1;
  };

  const tenantsOf = new Map<string, string[]>();
  for (const shard of view.shards) for (const c of shard.copies) if (c.tenant !== undefined) tenantsOf.set(c.model, [...(tenantsOf.get(c.model) ?? []), c.tenant]);
  for (const list of tenantsOf.values()) list.sort();

  let copies = 0;
  let admitted = 0;
  const forwarded = rule.forwardOriginalToken;
  for (const shard of view.shards) {
    for (const copy of shard.copies) {
      copies++;
      const { model, tenant, tritonName } = copy;
      const { host, principal: ingress } = gatewayOf(stack, shard.team);
      const who = `${model}${tenant !== undefined ? ` for tenant ${tenant}` : ''} (copy ${tritonName} on ${shard.name})`;
      const tenantHeaders: Record<string, string> = tenant !== undefined ? { [tenantHeader]: tenant } : {};
      const own = tokenFor(tenant ?? 'any-tenant');
      const rest: HttpRequest = { authority: host, method: 'POST', path: `/v2/models/${model}/infer`, headers: tenantHeaders };
      const grpc = grpcRequest({ authority: host, service: 'inference.GRPCInferenceService', method: 'ModelInfer', headers: { [modelHeader]: model, ...tenantHeaders } });

      // A valid token of the copy's tenant reaches the copy, REST and gRPC; the shard admits it.
      for (const [request, port, what] of [[rest, 8000, 'REST'], [grpc, 8001, 'gRPC']] as const) {
        const outcome = viaGateway(request, own);
        if (outcome.at !== 'served') {
          problems.push(`${who}: ${what} with the tenant's own token: ${outcome.at} ${outcome.status} (${outcome.reason})`);
          continue;
        }
        if (outcome.shard !== shard.name || outcome.port !== port) problems.push(`${who}: ${what} served by ${outcome.shard}:${outcome.port}`);
        if (what === 'REST' && !outcome.path.startsWith(`/v2/models/${tritonName}`)) problems.push(`${who}: REST rewritten to ${outcome.path}`);
        if (('authorization' in outcome.tritonHeaders) !== forwarded) problems.push(`${who}: the token ${forwarded ? 'does not reach' : 'reaches'} Triton (forwardOriginalToken: ${forwarded})`);
        admitted++;
      }

      // Without a token, with a bad token: refused at the gateway.
      refused(`${who}: no token`, viaGateway(rest, undefined), { at: 'gateway-authz', status: 403 });
      refused(`${who}: expired token`, viaGateway(rest, tokenFor(tenant ?? 'any-tenant', options.issuer, {}, -600)), { at: 'gateway-authn', status: 401 });
      refused(`${who}: foreign issuer`, viaGateway(rest, tokenFor(tenant ?? 'any-tenant', options.foreign)), { at: 'gateway-authn', status: 401 });
      refused(`${who}: forged signature`, viaGateway(rest, options.issuer.forge({ iss: options.issuer.issuer, sub: 'mallory', ...audience, [claim]: tenant ?? 'any-tenant' }, { now: now - 10, expiresIn: 3600 })), {
        at: 'gateway-authn',
        status: 401,
      });
      if (rule.audiences.length) refused(`${who}: token for another audience`, viaGateway(rest, tokenFor(tenant ?? 'any-tenant', options.issuer, { aud: 'some-other-api' })), { at: 'gateway-authn', status: 403 });

      // Inside the mesh, past the gateway: the gateway's identity (or any admitted caller) without a token is refused by the shard,
      // and a plaintext connection by its PeerAuthentication.
      const copyPath = `/v2/models/${tritonName}/infer`;
      refused(`${who}: in-mesh request without a token`, atShard(shard, { path: copyPath, port: 8000, method: 'POST', headers: tenantHeaders }, { principal: ingress }), { at: 'shard-authz', status: 403 });
      refused(`${who}: plaintext to the HTTP port`, atShard(shard, { path: copyPath, port: 8000, method: 'POST', headers: { ...tenantHeaders, ...bearer(own) } }, {}), { at: 'shard-mtls' });
      refused(`${who}: plaintext to the gRPC port`, atShard(shard, { path: '/inference.GRPCInferenceService/ModelInfer', port: 8001, method: 'POST', headers: { [modelHeader]: model, ...tenantHeaders, ...bearer(own) } }, {}), { at: 'shard-mtls' });

      if (tenant === undefined) continue;
      // Another tenant's valid token naming this tenant: refused at the gateway and, past it, at the shard.
      const others = (tenantsOf.get(model) ?? []).filter((t) => t !== tenant);
      const n = options.crossTenantSamples ?? others.length;
      const sample = n >= others.length ? others : [...new Set(Array.from({ length: n }, (_, i) => others[(copies * 7 + i * 13) % others.length]!))];
      for (const other of [...sample, 'not-a-tenant-of-the-fleet']) {
        const stolen = tokenFor(other);
        refused(`${who}: token of tenant ${other}: other tenant's token at the gateway`, viaGateway(rest, stolen), { at: 'gateway-route', status: 403 });
        refused(`${who}: token of tenant ${other}: other tenant's token over gRPC at the gateway`, viaGateway(grpc, stolen), { at: 'gateway-route', status: 403 });
        refused(`${who}: token of tenant ${other}: other tenant's token at the shard`, atShard(shard, { path: copyPath, port: 8000, method: 'POST', headers: { ...tenantHeaders, ...bearer(stolen) } }, { principal: ingress }), {
          at: 'shard-authz',
          status: 403,
        });
        refused(
          `${who}: token of tenant ${other}: other tenant's token over gRPC at the shard`,
          atShard(shard, { path: '/inference.GRPCInferenceService/ModelInfer', port: 8001, method: 'POST', headers: { [modelHeader]: model, ...tenantHeaders, ...bearer(stolen) } }, { principal: ingress }),
          { at: 'shard-authz', status: 403 },
        );
      }
    }
  }

  // Metrics: Prometheus outside the mesh scrapes in plain text when the stack keeps the exception.
  for (const shard of view.shards) {
    const scrape = atShard(shard, { path: '/metrics', port: 8002, method: 'GET', headers: {} }, {});
    const plaintextAllowed = stack.isolation.mtls !== 'strict';
    if ((scrape.at === 'served') !== plaintextAllowed) problems.push(`${shard.name}: a plaintext scrape of /metrics is ${scrape.at === 'served' ? 'served' : `refused (${scrape.at})`}, isolation.mtls is ${stack.isolation.mtls}`);
  }
  return { problems, copies, admitted, refusals };
}

/**
 * The routing proof: evaluates a synthesized fleet's Istio and NetworkPolicy
 * objects the way Istio and Kubernetes do (the independent evaluators in
 * `test/support/mesh/`) and checks, for every model copy of the plan, that
 *
 * - every tenant's REST and gRPC request for the logical model reaches the
 *   shard Service and Triton copy the plan says, whatever order Istio merges
 *   the VirtualServices in (exactly one VirtualService has a matching rule);
 * - the shard admits it from the ingress gateway, and denies the same copy's
 *   paths to every other tenant and to requests without a tenant header;
 * - the shard's gRPC guard (the Lua of the one EnvoyFilter of its namespace
 *   whose workloadSelector its pod labels carry, run in a Lua VM) passes a
 *   gRPC message naming the tenant's copy and refuses one naming another
 *   tenant's copy, also when that copy sits on the same shard, and refuses
 *   `ModelStreamInfer` on a shard with tenanted copies;
 * - canary splits send the declared share (within the 1/4096 bucket size) to
 *   the canary and the rest to stable;
 * - unknown models get no route and unknown tenants the mesh's 404;
 * - NetworkPolicies admit the ingress gateway and deny other namespaces.
 *
 * Problems are collected as readable strings: a test expects none.
 */
import { parseAllDocuments } from 'yaml';
import type { SynthResult } from '../../constructs/synth-fleet.ts';
import { canaryBuckets, CANARY_BUCKETS } from '../../core/plan/route-table.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { gatewayOf } from '../../core/stack/gateways.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import {
  authorize,
  grpcRequest,
  idOf,
  ingressAllowed,
  namespaceOf,
  routeAtGateway,
  type AuthorizationPolicy,
  type GatewayRouteResult,
  type HttpRequest,
  type K8sObject,
  type NetworkPolicy,
  type VirtualService,
} from './mesh/index.ts';
import { encode, frame, loadGuard } from './grpc-guard-vm.ts';
import { compileRe2 } from './mesh/re2.ts';
import { upstreamRequest } from './mesh/upstream-request.ts';

/** What the proof looks at: the objects as written to `--out`, and the plan. */
export interface FleetView {
  readonly objects: readonly K8sObject<unknown>[];
  readonly shards: readonly Shard[];
  readonly stack: StackConfig;
  readonly virtualServices: readonly VirtualService[];
  readonly policies: readonly AuthorizationPolicy[];
  readonly networkPolicies: readonly NetworkPolicy[];
}

/** Counts of what the proof checked. */
export interface ProofReport {
  readonly problems: string[];
  readonly copies: number;
  readonly routedRequests: number;
  readonly authorizationChecks: number;
  readonly crossTenantDenials: number;
  readonly canaryCopies: number;
  readonly grpcGuardChecks: number;
}

/** The objects of a synth result, parsed back from the YAML files it writes. */
export function fleetView(result: SynthResult): FleetView {
  const objects: K8sObject<unknown>[] = [];
  for (const file of result.files) {
    if (!file.path.startsWith('manifests/')) continue;
    for (const doc of parseAllDocuments(file.content)) {
      const o = doc.toJS() as K8sObject<unknown> | null;
      if (o) objects.push(o);
    }
  }
  const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];
  return {
    objects,
    shards: result.planned.plan.shards,
    stack: result.planned.stack,
    virtualServices: ofKind<VirtualService>('VirtualService'),
    policies: ofKind<AuthorizationPolicy>('AuthorizationPolicy'),
    networkPolicies: ofKind<NetworkPolicy>('NetworkPolicy'),
  };
}

/** A request id (UUID4 as Envoy makes them) in request-id bucket `bucket` (its first three hex digits). */
export function requestIdInBucket(bucket: number): string {
  return `${bucket.toString(16).padStart(3, '0')}e5a7c-1d2b-4c3d-8e4f-0123456789ab`;
}


/**
 * Routes `request` at the gateway, checking that at most one VirtualService has
 * a rule that matches it: then the merged result is the same in every merge
 * order Istio may use. Returns that result (or no route).
 */
export function routeOnce(view: FleetView, given: HttpRequest, problems: string[]): GatewayRouteResult {
  // With modelfleet:auth, a request that gives no claims holds a valid token for the tenant its header names.
  const request = given.authClaims === undefined && view.stack.auth ? { ...given, authClaims: proofToken(view.stack, tenantOf(view.stack, given.headers)).claims } : given;
  const gateway = gatewayForAuthority(view.stack, request.authority);
  const hits: { vs: VirtualService; result: GatewayRouteResult }[] = [];
  const path = request.path.split('?')[0]!;
  const headers = new Map(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const vs of view.virtualServices) {
    // Only a speed-up, never a decision: skip a VirtualService none of whose match blocks can match.
    if (!mayMatch(vs, path, headers)) continue;
    const result = routeAtGateway([vs], gateway, request);
    if (result.kind !== 'noRoute') hits.push({ vs, result });
  }
  if (hits.length > 1) problems.push(`${request.method} ${request.path} ${JSON.stringify(request.headers)} matches rules of ${hits.length} VirtualServices (${hits.map((h) => idOf(h.vs)).join(', ')}): the result depends on Istio's merge order`);
  return hits[0]?.result ?? routeAtGateway(view.virtualServices, gateway, request);
}

/**
 * With `modelfleet:auth`, what a validated token for `tenant` gives the proxies
 * (`request.auth.principal` and the claims): the routing proof's clients hold a
 * valid token for the tenant they name (the authentication proof,
 * `auth-proof.ts`, checks what happens with any other token). Without auth: nothing.
 */
export function proofToken(stack: StackConfig, tenant: string | undefined): { requestPrincipal?: string; claims?: Record<string, unknown> } {
  if (!stack.auth) return {};
  const iss = stack.auth.jwt[0]!.issuer;
  return { requestPrincipal: `${iss}/proof-client`, claims: { iss, sub: 'proof-client', [stack.auth.tenantClaim]: tenant ?? 'a-tenant-of-another-model' } };
}

/** The tenant a request's headers name (`routing.tenantHeader`, any case). */
function tenantOf(stack: StackConfig, headers: Readonly<Record<string, string>> | undefined): string | undefined {
  const name = stack.routing.tenantHeader.toLowerCase();
  return Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}

/**
 * The Istio Gateway that receives requests for `authority`: the one whose
 * fleet host it is (a team's `routing.gateways` entry), else the stack's.
 */
export function gatewayForAuthority(stack: StackConfig, authority: string): string {
  const host = authority.split(':')[0]!.toLowerCase();
  for (const g of Object.values(stack.routing.gateways)) if (g.host === host) return g.gateway;
  return stack.routing.gateway;
}

/** A VirtualService's match blocks reduced to what `mayMatch` reads, deduplicated. */
interface BlockKey {
  readonly exact?: string;
  readonly prefix?: string;
  /** Header conditions: exact values and RE2 patterns (full match, compiled as the evaluator compiles them). */
  readonly headers: readonly (readonly [string, { readonly exact?: string; readonly regex?: RegExp }])[];
}

const BLOCK_KEYS = new WeakMap<VirtualService, readonly BlockKey[] | 'any'>();

/** The distinct block keys of `vs`, or `'any'` when some rule may match any request. */
function blockKeys(vs: VirtualService): readonly BlockKey[] | 'any' {
  const cached = BLOCK_KEYS.get(vs);
  if (cached) return cached;
  const keys = new Map<string, BlockKey>();
  let any = false;
  for (const rule of vs.spec?.http ?? []) {
    if (!rule.match?.length) any = true;
    for (const m of rule.match ?? []) {
      const uri = m.uri as { exact?: string; prefix?: string; regex?: string } | undefined;
      if (!uri || m.ignoreUriCase || uri.regex !== undefined || (uri.exact === undefined && uri.prefix === undefined)) any = true;
      // `@request.auth.claims…` keys match the validated token, not a header: left to the evaluator.
      const headers = Object.entries((m.headers ?? {}) as Record<string, { exact?: string; regex?: string }>)
        .filter(([name, c]) => !name.startsWith('@') && (c.exact !== undefined || c.regex !== undefined))
        .map(([name, c]) => [name.toLowerCase(), c.exact !== undefined ? { exact: c.exact } : { regex: compileRe2(c.regex!, { fullMatch: true }) }] as const);
      const id = JSON.stringify([uri?.exact, uri?.prefix, Object.entries(m.headers ?? {})]);
      keys.set(id, { ...(uri?.exact !== undefined ? { exact: uri.exact } : {}), ...(uri?.prefix !== undefined ? { prefix: uri.prefix } : {}), headers });
    }
  }
  const result = any ? 'any' : [...keys.values()];
  BLOCK_KEYS.set(vs, result);
  return result;
}

/**
 * Whether some rule of `vs` could match a request: false only when every
 * match block has an `exact` or `prefix` uri condition the path fails
 * (without ignoreUriCase) or an exact or regex header condition the request
 * fails. Only a speed-up: a VirtualService that may match goes to the evaluator.
 */
function mayMatch(vs: VirtualService, path: string, headers: ReadonlyMap<string, string>): boolean {
  const keys = blockKeys(vs);
  if (keys === 'any') return true;
  return keys.some(
    (k) =>
      (k.exact === undefined || k.exact === path) &&
      (k.prefix === undefined || path.startsWith(k.prefix)) &&
      k.headers.every(([name, c]) => {
        const value = headers.get(name);
        if (value === undefined) return false;
        return c.exact !== undefined ? value === c.exact : c.regex!.test(value);
      }),
  );
}

/** The pod labels of each shard's Deployment in `view` (what the policies select on), by shard. */
export function podLabelsOf(view: FleetView): (shard: Shard) => Record<string, string> {
  const deployments = new Map(view.objects.filter((o) => o.kind === 'Deployment').map((d) => [idOf(d), d]));
  return (shard) => {
    const d = deployments.get(`${shard.namespace}/${shard.name}`) as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined;
    const labels = d?.spec?.template?.metadata?.labels;
    if (!labels) throw new Error(`no Deployment ${shard.namespace}/${shard.name} in the manifests`);
    return labels;
  };
}

/** Checks the whole fleet. `crossTenantSamples` other tenants are tried against every copy (all when undefined). */
export function proveRouting(view: FleetView, options: { readonly crossTenantSamples?: number } = {}): ProofReport {
  const problems: string[] = [];
  const { stack } = view;
  const { tenantHeader, modelHeader } = stack.routing;
  // Each team's gateway (`routing.gateways`, else the stack's): its host, its identity, its namespace.
  const teams = [...new Set(view.shards.map((s) => s.team))].sort();
  const gateways = new Map(teams.map((t) => [t, gatewayOf(stack, t)]));
  const hosts = [...new Set([...gateways.values()].map((g) => g.host))].sort();
  let routedRequests = 0;
  let authorizationChecks = 0;
  let crossTenantDenials = 0;
  let canaryCopies = 0;

  const podLabels = podLabelsOf(view);
  const admitted = (shard: Shard, path: string, port: number, headers: Record<string, string>) => {
    authorizationChecks++;
    return authorize(view.policies, { namespace: shard.namespace, labels: podLabels(shard) }, { source: { principal: gateways.get(shard.team)!.principal }, ...proofToken(stack, tenantOf(stack, headers)), host: `${shard.name}.${shard.namespace}.svc.cluster.local`, method: 'POST', path, port, headers });
  };

  // The gRPC guard of each shard: the Lua of the one EnvoyFilter of its namespace that selects its pods (as Istio picks
  // filters: every workloadSelector label carried by the pod), each filter loaded once.
  type GuardFilter = K8sObject<{ workloadSelector?: { labels?: Record<string, string> }; configPatches?: { patch?: { value?: { typed_config?: { default_source_code?: { inline_string?: string } } } } }[] }>;
  const filters = view.objects.filter((o) => o.kind === 'EnvoyFilter') as GuardFilter[];
  const loaded = new Map<string, ReturnType<typeof loadGuard>>();
  const guardOf = (shard: Shard) => {
    const labels = podLabels(shard);
    const selecting = filters.filter((f) => {
      const wanted = Object.entries(f.spec?.workloadSelector?.labels ?? {});
      return namespaceOf(f) === shard.namespace && wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
    });
    if (selecting.length !== 1) {
      throw new Error(`${shard.namespace}/${shard.name}: ${selecting.length} EnvoyFilters select its pods (${selecting.map(idOf).join(', ') || 'none'}), expected exactly one gRPC guard`);
    }
    const f = selecting[0]!;
    let guard = loaded.get(idOf(f));
    if (!guard) {
      const source = f.spec?.configPatches?.[0]?.patch?.value?.typed_config?.default_source_code?.inline_string;
      if (source === undefined) throw new Error(`EnvoyFilter ${idOf(f)}, the gRPC guard of ${shard.namespace}/${shard.name}, has no inline Lua source`);
      loaded.set(idOf(f), (guard = loadGuard(source)));
    }
    return guard;
  };
  let grpcGuardChecks = 0;
  const inferCall = (headers: Record<string, string>, modelName: string) =>
    guardOf(currentShard!)({ ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', ...headers }, frame(encode('ModelInferRequest', { model_name: modelName })));
  let currentShard: Shard | undefined;

  const tenantsOf = new Map<string, string[]>();
  for (const shard of view.shards) for (const c of shard.copies) if (c.tenant !== undefined) tenantsOf.set(c.model, [...(tenantsOf.get(c.model) ?? []), c.tenant]);
  for (const list of tenantsOf.values()) list.sort();

  let copies = 0;
  for (const shard of view.shards) {
    currentShard = shard;
    // A streamed message is not checked: the guard refuses ModelStreamInfer wherever a copy is tenanted.
    if (shard.copies.some((c) => c.tenant !== undefined)) {
      grpcGuardChecks++;
      const stream = guardOf(shard)({ ':path': '/inference.GRPCInferenceService/ModelStreamInfer', 'content-type': 'application/grpc', [modelHeader]: shard.copies[0]!.model }, null);
      if (stream.action === 'pass') problems.push(`${shard.namespace}/${shard.name}: the gRPC guard lets ModelStreamInfer without a tenant header through, though the shard holds tenanted copies`);
    }
    const { host, principal: ingress } = gateways.get(shard.team)!;
    const service = `${shard.name}.${shard.namespace}.svc.cluster.local`;
    const copiesHere = new Set(shard.copies.map((c) => c.tritonName));
    for (const copy of shard.copies) {
      copies++;
      const { model, tenant, tritonName } = copy;
      const who = `${model}${tenant !== undefined ? ` for tenant ${tenant}` : ''} (plan: ${shard.name}, copy ${tritonName})`;
      const tenantHeaders: Record<string, string> = tenant !== undefined ? { [tenantHeader]: tenant } : {};
      const split = copy.triton.versionRouting;
      const stableSuffix = split ? `/versions/${split.stable}` : '';

      // REST: infer, metadata and readiness of the logical model reach this copy.
      const rest = (path: string, expected: string, bucket = CANARY_BUCKETS - 1, method = 'POST') => {
        routedRequests++;
        const r = routeOnce(view, { authority: host, method, path, headers: { ...tenantHeaders, 'x-request-id': requestIdInBucket(bucket) } }, problems);
        if (r.kind !== 'route') return void problems.push(`${method} ${path} ${who}: ${r.kind} (${'reason' in r ? r.reason : 'status' in r ? r.status : ''})`);
        const d = r.destinations;
        if (d.length !== 1 || d[0]!.fqdn !== service || d[0]!.port !== 8000) problems.push(`${path} ${who}: sent to ${d.map((x) => `${x.fqdn}:${x.port}`).join(', ')}`);
        if (r.rewrittenPath !== expected) problems.push(`${path} ${who}: rewritten to ${r.rewrittenPath}, expected ${expected}`);
        return r;
      };
      const infer = rest(`/v2/models/${model}/infer`, `/v2/models/${tritonName}${stableSuffix}/infer`);
      rest(`/v2/models/${model}`, `/v2/models/${tritonName}${stableSuffix}`, CANARY_BUCKETS - 1, 'GET');
      rest(`/v2/models/${model}/ready`, `/v2/models/${tritonName}${stableSuffix}/ready`, CANARY_BUCKETS - 1, 'GET');
      if (split) rest(`/v2/models/${model}/versions/7/infer`, `/v2/models/${tritonName}/versions/7/infer`);
      if (split?.canary) {
        canaryCopies++;
        const canarySuffix = `/versions/${split.canary.version}`;
        rest(`/v2/models/${model}/infer`, `/v2/models/${tritonName}${canarySuffix}/infer`, 0);
        // The first canaried copy of each model: every request-id bucket, so the shares are exact.
        if (tenantsOf.get(model)?.[0] === tenant) {
          let toCanary = 0;
          let toStable = 0;
          for (let b = 0; b < CANARY_BUCKETS; b++) {
            const r = routeOnce(view, { authority: host, method: 'POST', path: `/v2/models/${model}/infer`, headers: { ...tenantHeaders, 'x-request-id': requestIdInBucket(b) } }, problems);
            if (r.kind !== 'route') continue;
            if (r.rewrittenPath === `/v2/models/${tritonName}${canarySuffix}/infer`) toCanary++;
            else if (r.rewrittenPath === `/v2/models/${tritonName}${stableSuffix}/infer`) toStable++;
          }
          const canaryShare = (100 * toCanary) / CANARY_BUCKETS;
          const stableShare = (100 * toStable) / CANARY_BUCKETS;
          if (toCanary !== canaryBuckets(split.canary.weight) || Math.abs(canaryShare - split.canary.weight) > 100 / CANARY_BUCKETS / 2) {
            problems.push(`${who}: canary gets ${canaryShare}% of request ids, declared ${split.canary.weight}%`);
          }
          if (canaryShare + stableShare !== 100) problems.push(`${who}: canary ${canaryShare}% + stable ${stableShare}% = ${canaryShare + stableShare}%, not 100%`);
        }
      }

      // Look-alike tenant names (extensions, truncations, another case) never reach this copy.
      if (tenant !== undefined) {
        const known = new Set(tenantsOf.get(model) ?? []);
        for (const alias of [`${tenant}-x`, `${tenant}0`, tenant.slice(0, -1), tenant.toUpperCase(), ` ${tenant}`]) {
          if (alias === '' || known.has(alias)) continue;
          routedRequests++;
          const r = routeOnce(view, { authority: host, method: 'POST', path: `/v2/models/${model}/infer`, headers: { [tenantHeader]: alias } }, problems);
          if (r.kind === 'route') problems.push(`${who}: the look-alike tenant ${JSON.stringify(alias)} is routed to ${r.rewrittenPath}`);
        }
      }

      // gRPC: routed on the model and tenant headers to the shard's gRPC port.
      routedRequests++;
      const g = routeOnce(view, grpcRequest({ authority: host, service: 'inference.GRPCInferenceService', method: 'ModelInfer', headers: { [modelHeader]: model, ...tenantHeaders } }), problems);
      if (g.kind !== 'route' || g.destinations.length !== 1 || g.destinations[0]!.fqdn !== service || g.destinations[0]!.port !== 8001) {
        problems.push(`gRPC ModelInfer ${who}: ${g.kind === 'route' ? g.destinations.map((x) => `${x.fqdn}:${x.port}`).join(', ') : g.kind}`);
      }

      // The shard admits the tenant's own requests, exactly as the gateway forwards them.
      const workload = { namespace: shard.namespace, labels: podLabels(shard) };
      const gateway = { principal: ingress };
      for (const [routed, port, what] of [[infer, 8000, 'REST'], [g, 8001, 'gRPC']] as const) {
        if (routed?.kind !== 'route') continue;
        authorizationChecks++;
        const request = { authority: host, method: 'POST', path: '' };
        const own = authorize(view.policies, workload, upstreamRequest({ request, result: routed, destination: routed.destinations[0]!, gateway, workloadPort: port, ...proofToken(stack, tenant) }));
        if (!own.allowed) problems.push(`${who}: the shard denies the tenant's own ${what} request: ${own.reason}`);
        // Another team's gateway is not this shard's caller, even with the right headers.
        for (const other of new Set([...gateways.values()].map((x) => x.principal).filter((p) => p !== ingress))) {
          authorizationChecks++;
          const foreign = authorize(view.policies, workload, upstreamRequest({ request, result: routed, destination: routed.destinations[0]!, gateway: { principal: other }, workloadPort: port, ...proofToken(stack, tenant) }));
          if (foreign.allowed) problems.push(`${who}: the shard admits ${what} from ${other}, another team's gateway`);
          else crossTenantDenials++;
        }
      }

      // The gRPC guard passes the message naming the tenant's own copy.
      const grpcHeaders = { [modelHeader]: model, ...tenantHeaders };
      grpcGuardChecks++;
      const passed = inferCall(grpcHeaders, tritonName);
      if (passed.action !== 'pass') problems.push(`${who}: the gRPC guard refuses the tenant's own copy: ${'message' in passed ? passed.message : ''}`);

      // Every other tenant (or a sample), and no tenant at all, is denied this copy at the shard.
      if (tenant === undefined) continue;
      // Another tenant naming this copy in a gRPC message, with its own (admitted) headers, is refused by the guard.
      for (const other of (tenantsOf.get(model) ?? []).filter((t) => t !== tenant && copiesHere.has(`${model}.${t}`)).slice(0, options.crossTenantSamples ?? Infinity)) {
        grpcGuardChecks++;
        const r = inferCall({ [modelHeader]: model, [tenantHeader]: other }, tritonName);
        if (r.action === 'pass') problems.push(`${who}: tenant ${other} (also on ${shard.name}) reaches the copy over gRPC`);
        else crossTenantDenials++;
      }
      const others = (tenantsOf.get(model) ?? []).filter((t) => t !== tenant);
      const n = options.crossTenantSamples ?? others.length;
      const sample = n >= others.length ? others : [...new Set(Array.from({ length: n }, (_, i) => others[(copies * 7 + i * 13) % others.length]!))];
      for (const other of [...sample, 'not-a-tenant']) {
        const r = admitted(shard, `/v2/models/${tritonName}/infer`, 8000, { [tenantHeader]: other });
        if (r.allowed) problems.push(`${who}: tenant ${other} is admitted to the copy`);
        else crossTenantDenials++;
        // gRPC names the copy in the message; the shard can check only that the header pair owns a copy here.
        if (!copiesHere.has(`${model}.${other}`)) {
          const rg = admitted(shard, '/inference.GRPCInferenceService/ModelInfer', 8001, { [modelHeader]: model, [tenantHeader]: other });
          if (rg.allowed) problems.push(`${who}: gRPC for tenant ${other} (no copy on ${shard.name}) is admitted`);
          else crossTenantDenials++;
        }
      }
      const bare = admitted(shard, `/v2/models/${tritonName}/infer`, 8000, {});
      if (bare.allowed) problems.push(`${who}: a request without ${tenantHeader} is admitted to the copy`);
      else crossTenantDenials++;
    }
  }

  // Unknown models: no route, REST and gRPC, on every gateway's host.
  for (const host of hosts) {
    for (const r of [
      { authority: host, method: 'POST', path: '/v2/models/no-such-model/infer', headers: { [tenantHeader]: 'acme' } },
      grpcRequest({ authority: host, service: 'inference.GRPCInferenceService', method: 'ModelInfer', headers: { [modelHeader]: 'no-such-model', [tenantHeader]: 'acme' } }),
    ]) {
      const result = routeOnce(view, r, problems);
      if (result.kind !== 'noRoute') problems.push(`unknown model ${r.path} on ${host}: ${result.kind}, expected no route`);
    }
  }
  // Unknown tenants of every tenanted model: the mesh's 404. On another gateway's host the model is unknown: no route.
  const teamOfModel = new Map(view.shards.flatMap((s) => s.copies.map((c) => [c.model, s.team] as const)));
  for (const model of tenantsOf.keys()) {
    const own = gateways.get(teamOfModel.get(model)!)!.host;
    const result = routeOnce(view, { authority: own, method: 'POST', path: `/v2/models/${model}/infer`, headers: { [tenantHeader]: 'zz-unknown-tenant' } }, problems);
    // With modelfleet:auth the client is authenticated: a 403 (its token is not for a tenant of the model).
    const status = stack.auth ? 403 : 404;
    if (result.kind !== 'directResponse' || result.status !== status) problems.push(`${model} for an unknown tenant: ${result.kind}, expected the mesh's ${status}`);
    for (const other of hosts.filter((h) => h !== own)) {
      const tenant = tenantsOf.get(model)![0]!;
      const elsewhere = routeOnce(view, { authority: other, method: 'POST', path: `/v2/models/${model}/infer`, headers: { [tenantHeader]: tenant } }, problems);
      if (elsewhere.kind !== 'noRoute') problems.push(`${model} for tenant ${tenant} on ${other}, another team's gateway: ${elsewhere.kind}, expected no route`);
    }
  }

  // NetworkPolicies: the gateway's namespace reaches the shards' serving ports, other namespaces do not.
  const namespaces = [...new Set([...view.shards.map((s) => s.namespace), ...[...gateways.values()].map((g) => g.namespace), 'default', ...stack.isolation.metricsNamespaces])].map((name) => ({ name }));
  for (const shard of view.shards) {
    const target = (port: number) => ({ namespace: shard.namespace, labels: podLabels(shard), port });
    const gw = gateways.get(shard.team)!;
    const fromIngress = ingressAllowed(view.networkPolicies, namespaces, target(8000), { namespace: gw.namespace, labels: { ...gw.selector } });
    if (!fromIngress.allowed) problems.push(`${shard.name}: NetworkPolicies deny the ingress gateway: ${fromIngress.reason}`);
    const fromDefault = ingressAllowed(view.networkPolicies, namespaces, target(8000), { namespace: 'default', labels: { app: 'anything' } });
    if (fromDefault.allowed) problems.push(`${shard.name}: NetworkPolicies admit pods of namespace default`);
    for (const ns of stack.isolation.metricsNamespaces) {
      const scrape = ingressAllowed(view.networkPolicies, namespaces, target(8002), { namespace: ns, labels: { app: 'prometheus' } });
      if (!scrape.allowed) problems.push(`${shard.name}: NetworkPolicies deny metrics scraping from ${ns}`);
    }
  }
  return { problems, copies, routedRequests, authorizationChecks, crossTenantDenials, canaryCopies, grpcGuardChecks };
}

/**
 * Ingress routing of one logical model: Istio VirtualServices that send each
 * tenant's KServe-v2 requests (HTTP and gRPC) to the shard holding that
 * tenant's copy, rewritten to the copy's Triton name, with canary splits and
 * clear 404s for unknown tenants. See `core/plan/route-table.ts` for why the
 * split into several VirtualServices is order-independent.
 */
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY } from '../core/plan/shard-labels.ts';
import {
  canaryBuckets,
  keySpaceRegex,
  requestIdBelow,
  type ModelRoutePart,
  type ModelRoutes,
} from '../core/plan/route-table.ts';
import { gatewayOf } from '../core/stack/gateways.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { safeId } from './construct-id.ts';
import type { HttpMatchRequest, HttpRoute, StringMatch } from './imports/networking.istio.io.ts';
import { claimRouteKey } from './tenant-authentication.ts';
import { TRITON_GRPC_PORT, TRITON_HTTP_PORT } from './triton-shard.ts';
import { VirtualService } from './virtual-service.ts';

/** Path prefix of every method of Triton's gRPC `inference.GRPCInferenceService`. */
export const GRPC_SERVICE_PREFIX = '/inference.GRPCInferenceService/';

/** The header Envoy fills with a random UUID4 for every request at the gateway; canary splits read it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Properties for `ModelRoute`. */
export interface ModelRouteProps {
  /** The model's routes (`planRoutes()`). */
  readonly routes: ModelRoutes;
  /** The stack: gateway, host, tenant and model headers. */
  readonly stack: StackConfig;
}

/** The fully qualified name of a shard's Service. */
export function shardServiceHost(shard: string, namespace: string): string {
  return `${shard}.${namespace}.svc.cluster.local`;
}

/** A direct answer with a JSON body in Triton's error format (`{"error": "..."}`). */
function errorResponse(status: 403 | 404, message: string): Pick<HttpRoute, 'directResponse' | 'headers'> {
  return {
    directResponse: { status, body: { string: `${JSON.stringify({ error: message })}\n` } },
    headers: { response: { set: { 'content-type': 'application/json' } } },
  };
}

/**
 * The VirtualServices of one logical model, one per part of its route table
 * (`<model>`, `<model>.part-2`, ...), in the model's team namespace, bound to the
 * stack's gateway and host.
 *
 * Per tenant, in this order (Istio takes the first match):
 *
 * 1. `<tenant>/versions` (models with `versions: { stable }`): a client that
 *    names a version (`/v2/models/m/versions/4/infer`) gets that version.
 * 2. `<tenant>/canary`: requests whose `x-request-id` falls in the canary's
 *    share of request-id buckets go to `/versions/<canary>`.
 * 3. `<tenant>`: everything else under `/v2/models/<model>`, rewritten to the
 *    copy (and to `/versions/<stable>` when the model pins one).
 * 4. `<tenant>/grpc`: gRPC calls whose model header is the model and whose
 *    tenant header is the tenant go to the shard's gRPC port. gRPC carries
 *    the model name in the message, which the mesh does not rewrite: the
 *    client sends the copy's Triton name (`<model>.<tenant>`) there.
 *
 * Then the `unknown-tenant` 404: in a one-part model every request for the
 * model that no tenant rule took (unknown tenant, or no tenant header); in a
 * split model the tenant header values of this part's key space.
 *
 * With `modelfleet:auth`, every tenant rule also matches the validated
 * token's tenant claim (`@request.auth.claims.<claim>`, which Istio reads at
 * gateways from the gateway's RequestAuthentication), so a tenant's copy is
 * routed to only when the header and the token both name the tenant; the
 * `unknown-tenant` rule then answers 403, since the caller is authenticated
 * but its token is not for a copy that the header names.
 *
 * Istio cannot rewrite the path per weighted destination, so a canary split
 * is a match on the request id rather than route weights: `canaryBuckets()`
 * of 4096 buckets, i.e. the declared weight to within 0.013 percentage points.
 */
export class ModelRoute extends Construct {
  /** The VirtualServices, part 1 first. */
  public readonly virtualServices: readonly VirtualService[];

  /**
   * Defines the routes of one model.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id
   * @param props the model's route table and the stack
   */
  public constructor(scope: Construct, id: string, props: ModelRouteProps) {
    super(scope, id);
    const { routes, stack } = props;
    const gateway = gatewayOf(stack, routes.team);
    this.virtualServices = routes.parts.map(
      (part) =>
        new VirtualService(this, safeId(part.name), {
          metadata: {
            name: part.name,
            namespace: routes.namespace,
            labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: routes.team, [LABEL.model]: routes.model },
          },
          spec: { hosts: [gateway.host], gateways: [gateway.gateway], http: httpRoutes(routes, part, stack) },
        }),
    );
  }
}

/** The HTTP routes (REST and gRPC) of one part, in evaluation order. */
export function httpRoutes(routes: ModelRoutes, part: ModelRoutePart, stack: StackConfig): HttpRoute[] {
  const { model } = routes;
  const { tenantHeader, modelHeader } = stack.routing;
  const restPaths: HttpMatchRequest[] = [{ uri: { exact: `/v2/models/${model}` } }, { uri: { prefix: `/v2/models/${model}/` } }];
  const out: HttpRoute[] = [];
  for (const copy of part.copies) {
    // With authenticated tenants a tenant's rules also match the token's tenant claim: the route to a copy is
    // taken only when the header and the validated claim both name its tenant.
    const claim = stack.auth && copy.tenant !== undefined ? { [claimRouteKey(stack.auth.tenantClaim)]: { exact: copy.tenant } } : {};
    const headers: Record<string, StringMatch> = copy.tenant !== undefined ? { [tenantHeader]: { exact: copy.tenant }, ...claim } : {};
    const withHeaders = (m: HttpMatchRequest): HttpMatchRequest => (Object.keys(headers).length ? { ...m, headers: { ...headers, ...(m.headers ?? {}) } } : m);
    const label = copy.tenant ?? model;
    const rest = [{ destination: { host: shardServiceHost(copy.shard, copy.namespace), port: { number: TRITON_HTTP_PORT } } }];
    const toCopy = (suffix: string) => ({ match: `^/v2/models/${model}(/|$)`, rewrite: `/v2/models/${copy.tritonName}${suffix}\\1` });
    if (copy.versions) {
      out.push({
        name: `${label}/versions`,
        match: [withHeaders({ uri: { prefix: `/v2/models/${model}/versions/` } })],
        ...(copy.tritonName !== model ? { rewrite: { uriRegexRewrite: toCopy('') } } : {}),
        route: rest,
      });
      const canary = copy.versions.canary;
      if (canary) {
        const requestId: Record<string, StringMatch> = { [REQUEST_ID_HEADER]: { regex: requestIdBelow(canaryBuckets(canary.weight)) } };
        out.push({
          name: `${label}/canary`,
          match: restPaths.map((m) => withHeaders({ ...m, headers: requestId })),
          rewrite: { uriRegexRewrite: toCopy(`/versions/${canary.version}`) },
          route: rest,
        });
      }
    }
    const pinned = copy.versions ? `/versions/${copy.versions.stable}` : '';
    out.push({
      name: label,
      match: restPaths.map(withHeaders),
      ...(copy.tritonName !== model || pinned ? { rewrite: { uriRegexRewrite: toCopy(pinned) } } : {}),
      route: rest,
    });
    out.push({
      name: `${label}/grpc`,
      match: [{ uri: { prefix: GRPC_SERVICE_PREFIX }, headers: { [modelHeader]: { exact: model }, ...headers } }],
      route: [{ destination: { host: shardServiceHost(copy.shard, copy.namespace), port: { number: TRITON_GRPC_PORT } } }],
    });
  }
  if (routes.tenanted && part.keySpace) {
    // Header conditions only where the model has several parts: a part's 404 may then match only its own
    // key space. `withoutHeaders` is not used for a missing header: Istio's documented meaning and what
    // proxies do disagree (istio/istio#49537), so a missing header is caught by a rule without header
    // conditions in a one-part model, and gets the gateway's no-route 404 in a split one.
    const unknown: Record<string, StringMatch> = part.keySpace.all ? {} : { [tenantHeader]: { regex: keySpaceRegex(part.keySpace) } };
    const withUnknown = (m: HttpMatchRequest): HttpMatchRequest => (Object.keys(unknown).length ? { ...m, headers: { ...(m.headers ?? {}), ...unknown } } : m);
    out.push({
      name: 'unknown-tenant',
      match: [...restPaths, { uri: { prefix: GRPC_SERVICE_PREFIX }, headers: { [modelHeader]: { exact: model } } }].map(withUnknown),
      ...(stack.auth
        ? errorResponse(
            403,
            `model ${model} has one copy per tenant; send ${tenantHeader}: <tenant> with a tenant of the model that your token's ${JSON.stringify(stack.auth.tenantClaim)} claim names`,
          )
        : errorResponse(404, `model ${model} has one copy per tenant and none for the tenant in the ${tenantHeader} header; send ${tenantHeader}: <tenant> with a tenant of the model`)),
    });
  }
  return out;
}

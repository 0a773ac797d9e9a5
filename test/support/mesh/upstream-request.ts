/**
 * Chains the gateway to the workload: the request a destination's sidecar
 * sees after the gateway routed it, ready for `authorize`.
 *
 * The sidecar sees the rewritten path and authority and the request headers
 * after the route's header manipulation; its peer is the gateway's mTLS
 * identity. The port is the workload (container) port the connection
 * reaches, which can differ from the Service port in the route, so it is
 * given explicitly.
 */
import type { AuthzPeer, AuthzRequest } from './authorization.ts';
import type { HttpRequest, RouteForward, WeightedDestination } from './virtual-service.ts';

/** Properties for `upstreamRequest`. */
export interface UpstreamRequestProps {
  /** The request as it arrived at the gateway. */
  readonly request: HttpRequest;
  /** The gateway's routing result. */
  readonly result: RouteForward;
  /** The chosen destination (e.g. from `pickDestination`). */
  readonly destination: WeightedDestination;
  /** The gateway's identity, e.g. `{ principal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway' }`. */
  readonly gateway: AuthzPeer;
  /** The container port the connection reaches on the workload. */
  readonly workloadPort: number;
  /**
   * `request.auth.principal` after JWT validation, or `null` for none.
   *
   * @default - unknown
   */
  readonly requestPrincipal?: string | null;
  /**
   * The JWT claims the workload's proxy validated (`authenticate(...).claims`
   * at the workload, e.g. from the token the gateway forwarded), or `null`
   * for none. Not the gateway's claims: each proxy validates the token it
   * receives.
   *
   * @default - unknown
   */
  readonly claims?: Readonly<Record<string, unknown>> | null;
}

/** The request as the destination workload's proxy sees it. */
export function upstreamRequest(props: UpstreamRequestProps): AuthzRequest {
  return {
    source: props.gateway,
    host: props.result.rewrittenAuthority,
    method: props.request.method,
    path: props.result.rewrittenPath,
    port: props.workloadPort,
    headers: props.destination.requestHeaders,
    ...(props.requestPrincipal === undefined ? {} : { requestPrincipal: props.requestPrincipal }),
    ...(props.claims === undefined ? {} : { claims: props.claims }),
  };
}

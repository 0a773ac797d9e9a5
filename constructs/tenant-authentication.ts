/**
 * Authenticated tenants and mutual TLS: the Istio objects that make a tenant
 * prove who it is (a JWT from the stack's identity providers, validated at the
 * ingress gateway and again at every shard) and that keep plaintext requests
 * away from the shards (PeerAuthentication).
 *
 * The tenant binding itself lives with the rules it tightens: each tenant's
 * routes match the token's tenant claim (`model-route.ts`), and each shard's
 * ALLOW and DENY policies require it (`shard-authorization.ts`).
 */
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY } from '../core/plan/shard-labels.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { GatewayPods } from '../core/stack/gateways.ts';
import type { AuthConfig, StackConfig } from '../core/stack/stack-config.ts';
import { AuthorizationPolicy } from './authorization-policy.ts';
import type { JwtRule } from './imports/security.istio.io.requestauthentication.ts';
import { PeerAuthentication } from './peer-authentication.ts';
import { RequestAuthentication } from './request-authentication.ts';
import { shardPodSelector } from './team-network-policy.ts';
import { TRITON_METRICS_PORT } from './triton-shard.ts';

/**
 * Names of a gateway's RequestAuthentication (`<gateway>-jwt`) and of its
 * AuthorizationPolicy that refuses requests without a valid token
 * (`<gateway>-require-jwt`), after the first Istio Gateway its pods implement.
 */
export function gatewayAuthNames(pods: GatewayPods): { readonly requestAuthentication: string; readonly requireToken: string } {
  const name = pods.gateways[0]!.split('/')[1]!;
  return { requestAuthentication: `${name}-jwt`, requireToken: `${name}-require-jwt` };
}

/**
 * `request.auth.claims[<claim>]`: the AuthorizationPolicy condition key of a
 * top-level claim (Istio's conditions reference; the brackets keep a name with
 * dots or slashes, such as `https://example.com/tenant`, one name).
 */
export function claimConditionKey(claim: string): string {
  return `request.auth.claims[${claim}]`;
}

/**
 * The VirtualService header key that matches a top-level claim of the
 * validated JWT: `@request.auth.claims.<claim>`, or
 * `@request.auth.claims[<claim>]` for a name with a dot (the dot would
 * otherwise separate nested claims). Istio reads these keys at gateways only.
 */
export function claimRouteKey(claim: string): string {
  return claim.includes('.') ? `@request.auth.claims[${claim}]` : `@request.auth.claims.${claim}`;
}

/**
 * The `jwtRules` of a RequestAuthentication: one per issuer, in the stack's
 * order, the token read from `Authorization: Bearer` (Istio's default).
 * `forward` decides whether the proxy passes the token on: the gateway must
 * (every shard validates it again), a shard only when the stack asks for it.
 */
export function jwtRules(auth: AuthConfig, forward: 'always' | 'as-configured'): JwtRule[] {
  return auth.jwt.map((j) => ({
    issuer: j.issuer,
    jwksUri: j.jwksUri,
    ...(j.audiences.length ? { audiences: [...j.audiences] } : {}),
    ...(forward === 'always' || j.forwardOriginalToken ? { forwardOriginalToken: true } : {}),
  }));
}

/**
 * AuthorizationPolicy `hosts` patterns for the fleet's host: the name and the
 * name with any port (`Host: inference.example.com:443`; Istio compares hosts
 * case-insensitively, a trailing `*` is a prefix match). A wildcard host
 * (`*.example.com`) is a suffix match already and cannot take a second `*`:
 * a request naming a port then passes the gateway's check, and is refused
 * by the routes (tenanted models) or by the shard (every model).
 */
export function hostPatterns(host: string): string[] {
  return host.startsWith('*') ? [host] : [host, `${host}:*`];
}

/** Properties for `GatewayAuthentication`. */
export interface GatewayAuthenticationProps {
  /** The stack; it must have `auth`. */
  readonly stack: StackConfig;
  /** The gateway pods (`gatewayPods()`): their namespace, labels and the fleet's hosts they serve. */
  readonly pods: GatewayPods;
}

/**
 * At one ingress gateway (in its pods' namespace, selecting them by their
 * labels: `isolation.ingressNamespace` and `isolation.ingressSelector`, or a
 * team's `routing.gateways` entry):
 *
 * - **RequestAuthentication `<gateway>-jwt`**: validates a bearer token of
 *   the stack's issuers (signature from the issuer's JWKS, `iss`, `aud`,
 *   `exp`/`nbf`). An invalid token is refused with 401; a request without one
 *   passes unauthenticated (Istio's semantics). The token is forwarded, so each
 *   shard can validate it again.
 * - **AuthorizationPolicy `<gateway>-require-jwt`** (`DENY`): a request to one
 *   of the fleet's hosts on that gateway (with or without a port) without a valid
 *   token is refused with 403. A DENY policy limited to the host, rather
 *   than an ALLOW policy, leaves the gateway's other hosts as they are.
 *
 * Which tenant a valid token may reach is decided by the routes (each tenant's
 * routes match its claim) and by the shards' policies.
 */
export class GatewayAuthentication extends Construct {
  /** The gateway's RequestAuthentication. */
  public readonly requestAuthentication: RequestAuthentication;
  /** The gateway's DENY policy for requests without a valid token. */
  public readonly requireToken: AuthorizationPolicy;

  /**
   * Defines the gateway's authentication objects.
   *
   * @param scope a chart without namespace
   * @param id construct id
   * @param props the stack
   */
  public constructor(scope: Construct, id: string, props: GatewayAuthenticationProps) {
    super(scope, id);
    const { stack, pods } = props;
    if (!stack.auth) throw new Error(`[${this.node.path}] stack ${stack.name} has no modelfleet:auth`);
    const { namespace } = pods;
    const names = gatewayAuthNames(pods);
    const labels = { [LABEL.managedBy]: MANAGED_BY };
    const selector = { matchLabels: { ...pods.selector } };
    this.requestAuthentication = new RequestAuthentication(this, 'RequestAuthentication', {
      metadata: { name: names.requestAuthentication, namespace, labels },
      spec: { selector, jwtRules: jwtRules(stack.auth, 'always') },
    });
    this.requireToken = new AuthorizationPolicy(this, 'RequireToken', {
      metadata: { name: names.requireToken, namespace, labels },
      spec: {
        selector,
        action: 'DENY',
        rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { hosts: pods.hosts.flatMap(hostPatterns) } }] }],
      },
    });
  }
}

/** Properties for `TeamAuthentication`. */
export interface TeamAuthenticationProps {
  /** The team whose namespace the objects go to. */
  readonly team: TeamSpec;
  /** The stack: `auth` and `isolation.mtls`. */
  readonly stack: StackConfig;
}

/** Every shard pod of the namespace: the NetworkPolicies' selector (`app.kubernetes.io/name: triton`, managed by modelfleet). */
function shardPods(): { matchLabels: Record<string, string> } {
  return { matchLabels: { ...shardPodSelector().matchLabels } };
}

/**
 * In a team's namespace:
 *
 * - **RequestAuthentication `<team>-jwt`** (with `modelfleet:auth`): the shard
 *   pods validate the forwarded token themselves, so their policies can read
 *   the tenant claim (`request.auth.claims[...]`) and a caller inside the mesh
 *   cannot skip the gateway's check. The token reaches Triton only with
 *   `forwardOriginalToken`.
 * - **PeerAuthentication `<team>-mtls`** (`isolation.mtls` other than
 *   `unmanaged`): mutual TLS `STRICT` for every pod of the namespace;
 * - **PeerAuthentication `<team>-shard-metrics`** (`strict-except-metrics`):
 *   the shard pods keep `STRICT` but accept plain text on Triton's metrics
 *   port 8002, for a Prometheus outside the mesh. A port-level exception
 *   needs a workload selector (Istio ignores `portLevelMtls` without one), hence
 *   a second object.
 */
export class TeamAuthentication extends Construct {
  /** The shards' RequestAuthentication, when the stack authenticates tenants. */
  public readonly requestAuthentication?: RequestAuthentication;
  /** The PeerAuthentications, namespace-wide first. */
  public readonly peerAuthentications: readonly PeerAuthentication[];

  /**
   * Defines a team namespace's authentication objects.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id; `Authentication` by convention
   * @param props the team and the stack
   */
  public constructor(scope: Construct, id: string, props: TeamAuthenticationProps) {
    super(scope, id);
    const { team, stack } = props;
    const namespace = team.namespace;
    const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: team.name };
    if (stack.auth) {
      this.requestAuthentication = new RequestAuthentication(this, 'RequestAuthentication', {
        metadata: { name: `${team.name}-jwt`, namespace, labels },
        spec: { selector: shardPods(), jwtRules: jwtRules(stack.auth, 'as-configured') },
      });
    }
    const peers: PeerAuthentication[] = [];
    if (stack.isolation.mtls !== 'unmanaged') {
      peers.push(new PeerAuthentication(this, 'Strict', { metadata: { name: `${team.name}-mtls`, namespace, labels }, spec: { mtls: { mode: 'STRICT' } } }));
    }
    if (stack.isolation.mtls === 'strict-except-metrics') {
      peers.push(
        new PeerAuthentication(this, 'ShardMetrics', {
          metadata: { name: `${team.name}-shard-metrics`, namespace, labels },
          spec: { selector: shardPods(), mtls: { mode: 'STRICT' }, portLevelMtls: { [String(TRITON_METRICS_PORT)]: { mode: 'PERMISSIVE' } } },
        }),
      );
    }
    this.peerAuthentications = peers;
  }
}

/**
 * Host names as Istio and Envoy compare them.
 *
 * - Envoy selects a virtual host by the request's host (case-insensitive,
 *   port ignored because Istio adds `host` and `host:port` domains): exact
 *   domains first, then suffix wildcards `*.foo.com` (longest first), then
 *   `*`. A wildcard never matches the empty string.
 * - Istio short names (no dot) are interpreted in the namespace of the rule
 *   that uses them: `reviews` in namespace `foo` is `reviews.foo.svc.cluster.local`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost (domains)
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (hosts)
 */
import { MeshEvaluationError } from './mesh-error.ts';

/** The host part of an HTTP authority, lower-cased, without the port. */
export function hostOfAuthority(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    if (end === -1) throw new MeshEvaluationError('invalid', `malformed IPv6 authority ${JSON.stringify(authority)}`);
    return a.slice(0, end + 1);
  }
  const colon = a.lastIndexOf(':');
  return colon === -1 ? a : a.slice(0, colon);
}

/** The port of an HTTP authority, if it has one. */
export function portOfAuthority(authority: string): number | undefined {
  const m = /:(\d+)$/.exec(authority.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Whether a domain pattern (`exact`, `*.suffix` / `*suffix`, or `*`) matches a host.
 *
 * @example
 * domainMatches('*.example.com', 'a.b.example.com') // true
 * domainMatches('*.example.com', 'example.com')     // false
 */
export function domainMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return h.length > 0;
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return h.length > suffix.length && h.endsWith(suffix);
  }
  if (p.endsWith('*')) throw new MeshEvaluationError('unsupported', `prefix wildcard host ${JSON.stringify(pattern)} (Istio hosts only allow a leading "*")`);
  return p === h;
}

/**
 * A sort key for Envoy's virtual host precedence: higher wins.
 * Exact domains beat every wildcard; longer suffix wildcards beat shorter ones; `*` loses.
 */
export function domainSpecificity(pattern: string): number {
  if (pattern === '*') return 0;
  if (pattern.startsWith('*')) return pattern.length;
  return Number.MAX_SAFE_INTEGER;
}

/**
 * Resolves an Istio host to a fully qualified name, interpreting short names
 * (no dot) in `namespace`. Wildcards and names with dots are kept as they are.
 *
 * @example
 * resolveHost('reviews', 'foo') // 'reviews.foo.svc.cluster.local'
 */
export function resolveHost(host: string, namespace: string, domainSuffix = 'cluster.local'): string {
  const h = host.toLowerCase();
  if (h.startsWith('*') || h.includes('.')) return h;
  return `${h}.${namespace}.svc.${domainSuffix}`;
}

/** The namespace of a Kubernetes service FQDN `name.ns.svc.<suffix>`, if the host has that form. */
export function serviceNamespaceOf(fqdn: string, domainSuffix = 'cluster.local'): string | undefined {
  const suffix = `.svc.${domainSuffix}`;
  if (!fqdn.endsWith(suffix)) return undefined;
  const parts = fqdn.slice(0, -suffix.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}

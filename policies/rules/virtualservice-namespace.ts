/**
 * `virtualservice-namespace`: an Istio VirtualService routes only to
 * Services in its own namespace. A team's route that sends traffic to
 * another team's Service would bypass that team's quota and ownership, and a
 * route to an external host would leak requests (and tenants' data) out of
 * the mesh.
 *
 * Destinations are every `destination.host` under `http`, `tcp` and `tls`
 * routes, and HTTP `mirror` / `mirrors`. Allowed hosts: a short name
 * (`fraud-realtime-gpu-l4-1`, which Istio resolves in the VirtualService's
 * namespace) or the Service's fully qualified name in the same namespace
 * (`<service>.<namespace>.svc.cluster.local`).
 */
import { asList, asRecord, asString, describeObject, isKind, namespaceOf, type FieldPath, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';

/** Configuration of `virtualservice-namespace`. */
export interface VirtualServiceNamespaceConfig {
  /** The cluster's DNS domain. @default 'cluster.local' */
  readonly clusterDomain: string;
}

/** A destination host and where it is. */
interface Destination {
  readonly host: unknown;
  readonly path: FieldPath;
}

/** Every destination host of a VirtualService spec. */
function destinationsOf(spec: Readonly<Record<string, unknown>>): Destination[] {
  const out: Destination[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    asList(spec[section]).forEach((r, i) => {
      const route = asRecord(r) ?? {};
      asList(route.route).forEach((d, j) => out.push({ host: asRecord(asRecord(d)?.destination)?.host, path: ['spec', section, i, 'route', j, 'destination', 'host'] }));
      if (section !== 'http') return;
      const mirror = asRecord(route.mirror);
      if (mirror) out.push({ host: mirror.host, path: ['spec', section, i, 'mirror', 'host'] });
      asList(route.mirrors).forEach((m, j) => out.push({ host: asRecord(asRecord(m)?.destination)?.host, path: ['spec', section, i, 'mirrors', j, 'destination', 'host'] }));
    });
  }
  return out;
}

/** Reports every destination of every VirtualService that is not a Service of its own namespace. */
export function checkVirtualServiceNamespace(objects: readonly KubeObject[], config: VirtualServiceNamespaceConfig, report: ReportViolation): void {
  const suffix = `.svc.${config.clusterDomain}`;
  for (const vs of objects.filter((o) => isKind(o, 'networking.istio.io', 'VirtualService'))) {
    const own = namespaceOf(vs) ?? 'default';
    for (const { host, path } of destinationsOf(asRecord(vs.spec) ?? {})) {
      const name = asString(host);
      if (name === undefined) {
        report(vs, path, `destination host is ${host === undefined ? 'missing' : JSON.stringify(host)}; route to a Service in namespace ${own}`);
        continue;
      }
      if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) continue; // short name: resolved in the VirtualService's namespace
      const fqdn = name.endsWith(suffix) ? name.slice(0, -suffix.length).split('.') : undefined;
      if (fqdn?.length === 2 && fqdn[1] === own) continue;
      const why = fqdn?.length === 2 ? `a Service in namespace ${fqdn[1]}` : `not a Service of this cluster (expected a short name or <service>.${own}${suffix})`;
      report(vs, path, `${describeObject(vs)} in namespace ${own} routes to "${name}", ${why}; a VirtualService may route only to Services in its own namespace`);
    }
  }
}

/** The `virtualservice-namespace` rule. */
export const virtualServiceNamespaceRule: ManifestRule<VirtualServiceNamespaceConfig, 'virtualservice-namespace'> = {
  id: 'virtualservice-namespace',
  description: 'An Istio VirtualService routes only to Services in its own namespace.',
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkVirtualServiceNamespace,
};

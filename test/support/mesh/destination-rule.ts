/**
 * Istio `DestinationRule` lookup and effective traffic policy.
 *
 * Lookup (from the traffic management best practices): a DestinationRule is
 * applied only if it is exported to the client's namespace AND sits on the
 * lookup path — 1. the client namespace, 2. the service namespace, 3. the
 * root namespace (`istio-system` by default) — the first namespace on the
 * path with a matching rule wins. Short hosts are interpreted in the rule's
 * own namespace. Among rules in that namespace, the most specific host wins
 * (exact before `*.suffix`, longer suffix first). Several rules for the same
 * host are merged: subsets are united, and the top-level `trafficPolicy` of
 * "the first one processed" is used — that order is undefined, so a second
 * top-level policy or a duplicate subset name is refused as ambiguous.
 *
 * Traffic policy: "port level settings will override the destination-level
 * settings"; subset settings "override the corresponding settings specified at
 * the DestinationRule level". Modelled per setting group (`loadBalancer`,
 * `connectionPool`, `outlierDetection`, `tls`, `tunnel`, `proxyProtocol`):
 * a group present at the more specific level replaces the whole group (its
 * omitted fields take defaults, not the less specific values).
 *
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy
 */
import { describeObject, idOf, isExportedTo, namespaceOf, type K8sObject } from './k8s-object.ts';
import { domainMatches, domainSpecificity, resolveHost, serviceNamespaceOf } from './host-match.ts';
import { MeshEvaluationError } from './mesh-error.ts';

/** The setting groups a `TrafficPolicy` carries (contents are passed through unchanged). */
export interface TrafficPolicySettings {
  readonly loadBalancer?: Readonly<Record<string, unknown>>;
  readonly connectionPool?: Readonly<Record<string, unknown>>;
  readonly outlierDetection?: Readonly<Record<string, unknown>>;
  readonly tls?: Readonly<Record<string, unknown>>;
  readonly tunnel?: Readonly<Record<string, unknown>>;
  readonly proxyProtocol?: Readonly<Record<string, unknown>>;
}

/** `TrafficPolicy.PortTrafficPolicy`. */
export interface PortTrafficPolicy extends TrafficPolicySettings {
  readonly port?: { readonly number?: number };
}

/** `TrafficPolicy`. */
export interface TrafficPolicy extends TrafficPolicySettings {
  readonly portLevelSettings?: readonly PortTrafficPolicy[];
}

/** `Subset`. */
export interface Subset {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly trafficPolicy?: TrafficPolicy;
}

/** `DestinationRule.spec`. */
export interface DestinationRuleSpec {
  readonly host: string;
  readonly trafficPolicy?: TrafficPolicy;
  readonly subsets?: readonly Subset[];
  readonly exportTo?: readonly string[];
  readonly workloadSelector?: unknown;
}

/** A `networking.istio.io` DestinationRule as plain JSON. */
export type DestinationRule = K8sObject<DestinationRuleSpec>;

/** The (possibly merged) DestinationRule that applies to a host. */
export interface ResolvedDestinationRule {
  /** The rules' host, resolved to an FQDN (or a wildcard). */
  readonly host: string;
  /** The namespace on the lookup path where the rule was found. */
  readonly namespace: string;
  /** `namespace/name` of every merged DestinationRule. */
  readonly sources: readonly string[];
  readonly trafficPolicy?: TrafficPolicy;
  readonly subsets: readonly Subset[];
}

/** Options for `destinationRuleFor`. */
export interface DestinationRuleLookupOptions {
  /**
   * meshConfig `rootNamespace`.
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /**
   * Cluster domain suffix.
   *
   * @default 'cluster.local'
   */
  readonly domainSuffix?: string;
  /**
   * Namespace of the service, when `host` is not of the form `name.ns.svc.<suffix>`.
   *
   * @default - derived from the host; none for other hosts
   */
  readonly serviceNamespace?: string;
}

const GROUPS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'tunnel', 'proxyProtocol'] as const;

/**
 * The DestinationRule that applies to traffic for `host` from a client in
 * `clientNamespace`, or `undefined` if none does.
 *
 * @example
 * destinationRuleFor(drs, 'shard-a.fraud.svc.cluster.local', 'istio-system')?.subsets
 */
export function destinationRuleFor(
  destinationRules: readonly DestinationRule[],
  host: string,
  clientNamespace: string,
  options: DestinationRuleLookupOptions = {},
): ResolvedDestinationRule | undefined {
  const suffix = options.domainSuffix ?? 'cluster.local';
  const fqdn = resolveHost(host, clientNamespace, suffix);
  const serviceNamespace = options.serviceNamespace ?? serviceNamespaceOf(fqdn, suffix);
  const path = [clientNamespace, serviceNamespace, options.rootNamespace ?? 'istio-system'].filter(
    (ns, i, all): ns is string => ns !== undefined && all.indexOf(ns) === i,
  );
  for (const ns of path) {
    const candidates = destinationRules.filter((dr) => {
      if (namespaceOf(dr) !== ns) return false;
      if (typeof dr.spec?.host !== 'string') throw new MeshEvaluationError('invalid', 'spec.host is required', { object: describeObject(dr, 'DestinationRule') });
      return isExportedTo(dr.spec.exportTo, ns, clientNamespace) && domainMatches(resolveHost(dr.spec.host, ns, suffix), fqdn);
    });
    if (candidates.length === 0) continue;
    const best = Math.max(...candidates.map((dr) => domainSpecificity(resolveHost(dr.spec!.host, ns, suffix))));
    const winners = candidates.filter((dr) => domainSpecificity(resolveHost(dr.spec!.host, ns, suffix)) === best);
    return merge(winners, ns, suffix);
  }
  return undefined;
}

function merge(rules: readonly DestinationRule[], namespace: string, suffix: string): ResolvedDestinationRule {
  for (const dr of rules) {
    if (dr.spec?.workloadSelector !== undefined) {
      throw new MeshEvaluationError('unsupported', 'workloadSelector is not modelled', { object: describeObject(dr, 'DestinationRule') });
    }
  }
  const withPolicy = rules.filter((dr) => dr.spec?.trafficPolicy !== undefined);
  if (withPolicy.length > 1) {
    throw new MeshEvaluationError(
      'ambiguous',
      `${withPolicy.map(idOf).join(' and ')} both set a top-level trafficPolicy for the same host; "the first one processed will be used"`,
    );
  }
  const subsets: Subset[] = [];
  for (const dr of rules) {
    for (const s of dr.spec?.subsets ?? []) {
      if (subsets.some((x) => x.name === s.name)) {
        throw new MeshEvaluationError('ambiguous', `subset "${s.name}" is defined more than once for the same host; the first processed wins`, {
          object: describeObject(dr, 'DestinationRule'),
        });
      }
      subsets.push(s);
    }
  }
  const trafficPolicy = withPolicy[0]?.spec?.trafficPolicy;
  return {
    host: resolveHost(rules[0]!.spec!.host, namespace, suffix),
    namespace,
    sources: rules.map(idOf),
    subsets,
    ...(trafficPolicy === undefined ? {} : { trafficPolicy }),
  };
}

function asResolved(dr: ResolvedDestinationRule | DestinationRule): ResolvedDestinationRule {
  if ('sources' in dr) return dr;
  return merge([dr], namespaceOf(dr), 'cluster.local');
}

/** The subset named `name`, or `undefined`. */
export function subsetFor(dr: ResolvedDestinationRule | DestinationRule, name: string): Subset | undefined {
  return asResolved(dr).subsets.find((s) => s.name === name);
}

function overlay(base: TrafficPolicySettings, over: TrafficPolicySettings | undefined): TrafficPolicySettings {
  if (over === undefined) return base;
  const out: Record<string, unknown> = { ...base };
  for (const g of GROUPS) if (over[g] !== undefined) out[g] = over[g];
  return out as TrafficPolicySettings;
}

function portLevel(policy: TrafficPolicy | undefined, port: number, where: string): PortTrafficPolicy | undefined {
  const matches = (policy?.portLevelSettings ?? []).filter((p) => p.port?.number === port);
  if (matches.length > 1) throw new MeshEvaluationError('invalid', `${where}: port ${port} appears more than once in portLevelSettings`);
  return matches[0];
}

function settingsOf(policy: TrafficPolicy | undefined): TrafficPolicySettings {
  const out: Record<string, unknown> = {};
  for (const g of GROUPS) if (policy?.[g] !== undefined) out[g] = policy[g];
  return out as TrafficPolicySettings;
}

/**
 * The effective traffic policy for `port` (and optionally `subset`):
 * DestinationRule level, overridden by its port-level settings, overridden by
 * the subset's policy, overridden by the subset's port-level settings.
 *
 * @throws MeshEvaluationError when `subset` is named but not defined.
 */
export function trafficPolicyFor(dr: ResolvedDestinationRule | DestinationRule, port: number, subset?: string): TrafficPolicySettings {
  const r = asResolved(dr);
  let out = settingsOf(r.trafficPolicy);
  out = overlay(out, portLevel(r.trafficPolicy, port, 'trafficPolicy'));
  if (subset !== undefined) {
    const s = r.subsets.find((x) => x.name === subset);
    if (s === undefined) throw new MeshEvaluationError('invalid', `subset "${subset}" is not defined for ${r.host} (${r.sources.join(', ')})`);
    out = overlay(out, settingsOf(s.trafficPolicy));
    out = overlay(out, portLevel(s.trafficPolicy, port, `subset ${subset}`));
  }
  return out;
}

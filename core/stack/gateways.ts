/**
 * Which ingress gateway serves which team: the stack's `routing.gateway` and
 * `host` by default, or the team's own from `routing.gateways.<team>`, with
 * the gateway pods' identity (namespace, ServiceAccount, labels) the shards'
 * policies and NetworkPolicies admit and the gateway's authentication selects.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import { suggest } from '../spec/zod-issues.ts';
import type { StackConfig } from './stack-config.ts';

/** The ingress gateway of one team, resolved. */
export interface TeamGateway {
  /** The Istio Gateway the team's VirtualServices bind to, `namespace/name`. */
  readonly gateway: string;
  /** The host clients of the team's models call. */
  readonly host: string;
  /** Namespace of the gateway's pods. */
  readonly namespace: string;
  /** The gateway pods' ServiceAccount. */
  readonly serviceAccount: string;
  /** The gateway pods' labels. */
  readonly selector: Readonly<Record<string, string>>;
  /** The gateway's mTLS identity, `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
  readonly principal: string;
}

/** The gateway that serves `team`'s models. */
export function gatewayOf(stack: StackConfig, team: string): TeamGateway {
  const own = Object.hasOwn(stack.routing.gateways, team) ? stack.routing.gateways[team] : undefined;
  const { trustDomain, ingressNamespace, ingressServiceAccount, ingressSelector } = stack.isolation;
  const namespace = own ? own.gateway.split('/')[0]! : ingressNamespace;
  const serviceAccount = own?.serviceAccount ?? ingressServiceAccount;
  return {
    gateway: own?.gateway ?? stack.routing.gateway,
    host: own?.host ?? stack.routing.host,
    namespace,
    serviceAccount,
    selector: own?.selector ?? ingressSelector,
    principal: `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
  };
}

/** The gateway pods of a stack: one entry per distinct (namespace, pod labels), with every gateway and host they serve. */
export interface GatewayPods {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** The Gateways these pods implement, sorted. */
  readonly gateways: readonly string[];
  /** The hosts they serve for the fleet, sorted. */
  readonly hosts: readonly string[];
}

/**
 * Every gateway pod group the fleet's teams use (the default gateway
 * included when a team uses it, or when no team is given), in a stable order.
 */
export function gatewayPods(stack: StackConfig, teams: readonly string[]): GatewayPods[] {
  const all = (teams.length ? teams : ['']).map((t) => gatewayOf(stack, t));
  const groups = new Map<string, { namespace: string; selector: Readonly<Record<string, string>>; gateways: Set<string>; hosts: Set<string> }>();
  for (const g of all) {
    const key = JSON.stringify([g.namespace, Object.entries(g.selector).sort()]);
    const group = groups.get(key) ?? { namespace: g.namespace, selector: g.selector, gateways: new Set<string>(), hosts: new Set<string>() };
    group.gateways.add(g.gateway);
    group.hosts.add(g.host);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({ namespace: g.namespace, selector: g.selector, gateways: [...g.gateways].sort(), hosts: [...g.hosts].sort() }));
}

/** Every namespace an ingress gateway of the fleet runs in (for objects the fleet renders there). */
export function gatewayNamespaces(stack: StackConfig, teams: readonly string[]): string[] {
  return [...new Set(gatewayPods(stack, teams).map((g) => g.namespace))].sort();
}

/** `routing.gateways` entries for teams the fleet does not declare, each with a suggestion. */
export function checkGatewayTeams(stack: StackConfig, teams: readonly string[]): SpecIssue[] {
  return Object.keys(stack.routing.gateways)
    .filter((t) => !teams.includes(t))
    .map((t) => {
      const hint = suggest(t, teams);
      return {
        file: stack.file,
        path: ['modelfleet:routing', 'gateways', t],
        message: `names team ${JSON.stringify(t)}, which models/teams.ts does not declare${hint ? ` (did you mean "${hint}"?)` : ''}; give a gateway to a team of the fleet (${teams.join(', ')})`,
      };
    });
}

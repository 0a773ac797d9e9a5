/**
 * Kubernetes `NetworkPolicy` ingress evaluation, from the API reference and
 * the Network Policies concept page.
 *
 * - A pod is isolated for ingress iff some NetworkPolicy in its namespace
 *   selects it (`podSelector`, `{}` = all pods) and affects Ingress:
 *   `policyTypes` includes `Ingress`, or `policyTypes` is absent ("all
 *   policies (whether or not they contain an Ingress section) are assumed to
 *   affect Ingress").
 * - A non-isolated pod accepts all ingress. An isolated pod accepts a
 *   connection iff at least one selecting policy has an ingress rule whose
 *   `from` and `ports` both match (policies are additive; an empty
 *   `ingress` list allows nothing).
 * - `from` empty or missing = all sources; `ports` empty or missing = all ports.
 * - A peer with only `podSelector` selects pods in the policy's namespace;
 *   only `namespaceSelector` selects all pods in the selected namespaces;
 *   both in ONE peer select matching pods in matching namespaces (AND);
 *   separate peers are ORed. `ipBlock` excludes the other fields.
 * - Ports: `protocol` defaults to TCP; `port` is a number or a named
 *   container port of the target pod; `endPort` makes an inclusive range.
 * - Every namespace carries the label `kubernetes.io/metadata.name: <name>`.
 *
 * Not modelled: egress, node-local traffic, host networking, and how a
 * CNI treats `ipBlock` for pod IPs (the reference leaves it to the plugin).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
import { BlockList, isIP } from 'node:net';
import { describeObject, idOf, namespaceOf, type K8sObject } from './k8s-object.ts';
import { selectorMatches, type LabelSelector, type Labels } from './label-selector.ts';
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';

/** `NetworkPolicyPort`. */
export interface NetworkPolicyPort {
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

/** `NetworkPolicyPeer`. */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

/** `NetworkPolicyIngressRule`. */
export interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

/** `NetworkPolicySpec`. */
export interface NetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
  readonly ingress?: readonly NetworkPolicyIngressRule[];
  readonly egress?: readonly unknown[];
}

/** A `networking.k8s.io/v1` NetworkPolicy as plain JSON. */
export type NetworkPolicy = K8sObject<NetworkPolicySpec>;

/** A namespace and its labels. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels?: Labels;
}

/** The pod receiving the connection. */
export interface IngressTarget {
  readonly namespace: string;
  readonly labels: Labels;
  /** Destination port number. */
  readonly port: number;
  /**
   * Transport protocol.
   *
   * @default 'TCP'
   */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /**
   * The target pod's named container ports (`name → number`), to resolve named ports in policies.
   *
   * @default - none known; a policy with a named port throws
   */
  readonly namedPorts?: Readonly<Record<string, number>>;
}

/** The pod opening the connection. */
export interface IngressSource {
  readonly namespace: string;
  readonly labels: Labels;
  /**
   * The pod's IP, for `ipBlock` peers.
   *
   * @default - unknown; an `ipBlock` peer throws
   */
  readonly ip?: string;
}

/** The outcome of `ingressAllowed`. */
export interface NetworkDecision {
  readonly allowed: boolean;
  /** Whether the target pod is isolated for ingress. */
  readonly isolated: boolean;
  /** `namespace/name` of the policies selecting the target for ingress. */
  readonly selectingPolicies: readonly string[];
  /** `namespace/name` of the policy whose rule allowed the connection, if any. */
  readonly allowedBy?: string;
  readonly reason: string;
}

function nsLabels(namespaces: readonly NamespaceInfo[], name: string, loc: MeshErrorLocation): Labels {
  const ns = namespaces.find((n) => n.name === name);
  if (ns === undefined) throw new MeshEvaluationError('invalid', `namespace "${name}" is not in the namespaces list; its labels are needed for a namespaceSelector`, loc);
  return { ...ns.labels, 'kubernetes.io/metadata.name': name };
}

/** Whether a policy affects ingress (explicit `policyTypes`, or the documented default). */
export function affectsIngress(np: NetworkPolicy): boolean {
  const types = np.spec?.policyTypes;
  return types === undefined || types.length === 0 ? true : types.includes('Ingress');
}

function inCidr(cidr: string, ip: string, loc: MeshErrorLocation): boolean {
  const [addr, bits] = cidr.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || bits === undefined || !/^\d+$/.test(bits)) throw new MeshEvaluationError('invalid', `ipBlock cidr ${JSON.stringify(cidr)} is not a CIDR`, loc);
  const ipFamily = isIP(ip);
  if (ipFamily === 0) throw new MeshEvaluationError('invalid', `source ip ${JSON.stringify(ip)} is not an IP`, loc);
  if (family !== ipFamily) return false;
  const list = new BlockList();
  list.addSubnet(addr!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, namespaces: readonly NamespaceInfo[], source: IngressSource, loc: MeshErrorLocation): boolean {
  if (peer.ipBlock !== undefined) {
    if (peer.podSelector !== undefined || peer.namespaceSelector !== undefined) {
      throw new MeshEvaluationError('invalid', 'ipBlock cannot be combined with podSelector or namespaceSelector', loc);
    }
    if (source.ip === undefined) throw new MeshEvaluationError('invalid', 'the policy has an ipBlock peer; give source.ip', loc);
    const ip = source.ip;
    return inCidr(peer.ipBlock.cidr, ip, loc) && !(peer.ipBlock.except ?? []).some((e) => inCidr(e, ip, loc));
  }
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) {
    throw new MeshEvaluationError('invalid', 'a peer needs podSelector, namespaceSelector or ipBlock', loc);
  }
  if (peer.namespaceSelector !== undefined) {
    if (!selectorMatches(peer.namespaceSelector, nsLabels(namespaces, source.namespace, loc), { ...loc, field: `${loc.field}.namespaceSelector` })) return false;
  } else if (source.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, source.labels, { ...loc, field: `${loc.field}.podSelector` });
}

function portMatches(p: NetworkPolicyPort, target: IngressTarget, loc: MeshErrorLocation): boolean {
  if ((p.protocol ?? 'TCP') !== (target.protocol ?? 'TCP')) return false;
  if (p.port === undefined) {
    if (p.endPort !== undefined) throw new MeshEvaluationError('invalid', 'endPort needs a numeric port', loc);
    return true;
  }
  if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
    if (p.endPort !== undefined) throw new MeshEvaluationError('invalid', 'endPort cannot be used with a named port', loc);
    if (target.namedPorts === undefined) throw new MeshEvaluationError('invalid', `the policy uses named port "${p.port}"; give target.namedPorts`, loc);
    return Object.hasOwn(target.namedPorts, p.port) && target.namedPorts[p.port] === target.port;
  }
  const port = Number(p.port);
  if (p.endPort !== undefined) {
    if (p.endPort < port) throw new MeshEvaluationError('invalid', `endPort ${p.endPort} is below port ${port}`, loc);
    return target.port >= port && target.port <= p.endPort;
  }
  return target.port === port;
}

/**
 * Whether a connection from `source` to `target` (port and protocol) is allowed
 * by the NetworkPolicies in the cluster.
 *
 * @example
 * ingressAllowed(nps, [{ name: 'fraud' }, { name: 'istio-system' }],
 *   { namespace: 'fraud', labels: { app: 'triton' }, port: 8000 },
 *   { namespace: 'istio-system', labels: { istio: 'ingressgateway' } }).allowed
 */
export function ingressAllowed(
  networkPolicies: readonly NetworkPolicy[],
  namespaces: readonly NamespaceInfo[],
  target: IngressTarget,
  source: IngressSource,
): NetworkDecision {
  const selecting = networkPolicies
    .filter((np) => namespaceOf(np) === target.namespace && affectsIngress(np))
    .filter((np) => {
      const object = describeObject(np, 'NetworkPolicy');
      if (np.spec?.podSelector === undefined) throw new MeshEvaluationError('invalid', 'spec.podSelector is required (use {} for all pods)', { object });
      return selectorMatches(np.spec.podSelector, target.labels, { object, field: 'spec.podSelector' });
    });
  const ids = selecting.map(idOf);
  if (selecting.length === 0) {
    return { allowed: true, isolated: false, selectingPolicies: [], reason: 'allowed: no NetworkPolicy selects the pod for ingress' };
  }
  for (const np of selecting) {
    const object = describeObject(np, 'NetworkPolicy');
    for (const [ri, rule] of (np.spec!.ingress ?? []).entries()) {
      const loc = { object, field: `spec.ingress[${ri}]` };
      const fromOk =
        rule.from === undefined ||
        rule.from.length === 0 ||
        rule.from.some((peer, pi) => peerMatches(peer, namespaceOf(np), namespaces, source, { object, field: `${loc.field}.from[${pi}]` }));
      if (!fromOk) continue;
      const portsOk =
        rule.ports === undefined ||
        rule.ports.length === 0 ||
        rule.ports.some((p, pi) => portMatches(p, target, { object, field: `${loc.field}.ports[${pi}]` }));
      if (portsOk) {
        return { allowed: true, isolated: true, selectingPolicies: ids, allowedBy: idOf(np), reason: `allowed by ${idOf(np)} spec.ingress[${ri}]` };
      }
    }
  }
  return { allowed: false, isolated: true, selectingPolicies: ids, reason: `denied: the pod is isolated by ${ids.join(', ')} and no ingress rule matches` };
}

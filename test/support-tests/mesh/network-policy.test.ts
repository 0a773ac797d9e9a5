/**
 * NetworkPolicy ingress evaluation, per
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the
 * networking.k8s.io/v1 API reference.
 */
import { describe, expect, it } from 'vitest';
import { ingressAllowed, selectorMatches, type NamespaceInfo, type NetworkPolicy, type NetworkPolicySpec } from '../../support/mesh/index.ts';

function np(name: string, namespace: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

const namespaces: NamespaceInfo[] = [
  { name: 'fraud', labels: { team: 'fraud' } },
  { name: 'search', labels: { team: 'search' } },
  { name: 'istio-system', labels: { role: 'mesh' } },
];
const triton = { namespace: 'fraud', labels: { app: 'triton', shard: 'a' }, port: 8000 };
const gateway = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
const neighbour = { namespace: 'fraud', labels: { app: 'client' } };
const foreign = { namespace: 'search', labels: { app: 'client' } };

describe('isolation', () => {
  it('default allow: no policy selects the pod', () => {
    expect(ingressAllowed([], namespaces, triton, foreign)).toMatchObject({ allowed: true, isolated: false });
    const otherPods = np('x', 'fraud', { podSelector: { matchLabels: { app: 'other' } }, policyTypes: ['Ingress'] });
    expect(ingressAllowed([otherPods], namespaces, triton, foreign)).toMatchObject({ allowed: true, isolated: false });
    const otherNs = np('x', 'search', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(ingressAllowed([otherNs], namespaces, triton, foreign).allowed).toBe(true);
  });

  it('default deny: an empty podSelector with Ingress and no rules isolates every pod', () => {
    const denyAll = np('default-deny-ingress', 'fraud', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(ingressAllowed([denyAll], namespaces, triton, neighbour)).toMatchObject({ allowed: false, isolated: true, selectingPolicies: ['fraud/default-deny-ingress'] });
  });

  it('policyTypes absent: the policy affects Ingress even without an ingress section', () => {
    const implicit = np('implicit', 'fraud', { podSelector: {} });
    expect(ingressAllowed([implicit], namespaces, triton, neighbour)).toMatchObject({ allowed: false, isolated: true });
  });

  it('an Egress-only policy does not isolate for ingress', () => {
    const egressOnly = np('egress', 'fraud', { podSelector: {}, policyTypes: ['Egress'] });
    expect(ingressAllowed([egressOnly], namespaces, triton, neighbour)).toMatchObject({ allowed: true, isolated: false });
  });

  it('policies are additive', () => {
    const denyAll = np('deny', 'fraud', { podSelector: {}, policyTypes: ['Ingress'] });
    const allowGw = np('allow-gw', 'fraud', {
      podSelector: { matchLabels: { app: 'triton' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }] }],
    });
    expect(ingressAllowed([denyAll, allowGw], namespaces, triton, gateway)).toMatchObject({ allowed: true, allowedBy: 'fraud/allow-gw' });
    expect(ingressAllowed([denyAll, allowGw], namespaces, triton, neighbour).allowed).toBe(false);
  });

  it('an ingress rule with no from and no ports allows everything', () => {
    const open = np('open', 'fraud', { podSelector: {}, ingress: [{}] });
    expect(ingressAllowed([open], namespaces, triton, foreign).allowed).toBe(true);
  });
});

describe('peers', () => {
  it('podSelector alone selects pods in the policy namespace only', () => {
    const p = np('p', 'fraud', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] });
    expect(ingressAllowed([p], namespaces, triton, neighbour).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, triton, foreign).allowed).toBe(false);
  });

  it('namespaceSelector AND podSelector in one peer vs two peers ORed (concept page)', () => {
    const and = np('and', 'fraud', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'mesh' } }, podSelector: { matchLabels: { istio: 'ingressgateway' } } }] }],
    });
    const or = np('or', 'fraud', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'mesh' } } }, { podSelector: { matchLabels: { istio: 'ingressgateway' } } }] }],
    });
    const otherInMesh = { namespace: 'istio-system', labels: { app: 'istiod' } };
    const gwLabelledInFraud = { namespace: 'fraud', labels: { istio: 'ingressgateway' } };
    expect(ingressAllowed([and], namespaces, triton, gateway).allowed).toBe(true);
    expect(ingressAllowed([and], namespaces, triton, otherInMesh).allowed).toBe(false);
    expect(ingressAllowed([and], namespaces, triton, gwLabelledInFraud).allowed).toBe(false);
    expect(ingressAllowed([or], namespaces, triton, otherInMesh).allowed).toBe(true);
    expect(ingressAllowed([or], namespaces, triton, gwLabelledInFraud).allowed).toBe(true);
    expect(ingressAllowed([or], namespaces, triton, foreign).allowed).toBe(false);
  });

  it('an empty namespaceSelector selects all namespaces; kubernetes.io/metadata.name is automatic', () => {
    const all = np('all', 'fraud', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(ingressAllowed([all], namespaces, triton, foreign).allowed).toBe(true);
    const byName = np('byname', 'fraud', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'search' } } }] }] });
    expect(ingressAllowed([byName], namespaces, triton, foreign).allowed).toBe(true);
    expect(ingressAllowed([byName], namespaces, triton, gateway).allowed).toBe(false);
  });

  it('matchExpressions In / NotIn / Exists / DoesNotExist', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['fraud', 'x'] }] }, { team: 'fraud' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['x'] }] }, { team: 'fraud' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['fraud'] }] }, {})).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['fraud'] }] }, { team: 'fraud' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, { team: '' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, { team: 'x' })).toBe(false);
    expect(selectorMatches({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' })).toBe(false);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In' }] }, {})).toThrow(/non-empty/);
    const p = np('expr', 'fraud', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['search'] }] } }] }] });
    expect(ingressAllowed([p], namespaces, triton, foreign).allowed).toBe(true);
  });

  it('ipBlock with except, only when the source IP is known', () => {
    const p = np('ip', 'fraud', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }] }] });
    expect(ingressAllowed([p], namespaces, triton, { ...foreign, ip: '172.17.0.9' }).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, triton, { ...foreign, ip: '172.17.1.9' }).allowed).toBe(false);
    expect(() => ingressAllowed([p], namespaces, triton, foreign)).toThrow(/source.ip/);
  });
});

describe('ports', () => {
  const withPorts = (ports: NonNullable<NetworkPolicySpec['ingress']>[number]['ports']) => np('ports', 'fraud', { podSelector: {}, ingress: [{ ports }] });

  it('numeric port, protocol defaulting to TCP', () => {
    const p = withPorts([{ port: 8000 }]);
    expect(ingressAllowed([p], namespaces, triton, foreign).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, { ...triton, port: 8001 }, foreign).allowed).toBe(false);
    expect(ingressAllowed([p], namespaces, { ...triton, protocol: 'UDP' }, foreign).allowed).toBe(false);
  });

  it('endPort range is inclusive', () => {
    const p = withPorts([{ port: 8000, endPort: 8002 }]);
    expect(ingressAllowed([p], namespaces, { ...triton, port: 8002 }, foreign).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, { ...triton, port: 8003 }, foreign).allowed).toBe(false);
  });

  it('named ports resolve through the target pod', () => {
    const p = withPorts([{ port: 'http' }]);
    expect(ingressAllowed([p], namespaces, { ...triton, namedPorts: { http: 8000, grpc: 8001 } }, foreign).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, { ...triton, port: 8001, namedPorts: { http: 8000, grpc: 8001 } }, foreign).allowed).toBe(false);
    expect(() => ingressAllowed([p], namespaces, triton, foreign)).toThrow(/namedPorts/);
  });

  it('from AND ports must both match in one rule', () => {
    const p = np('both', 'fraud', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'mesh' } } }], ports: [{ port: 8000 }] }] });
    expect(ingressAllowed([p], namespaces, triton, gateway).allowed).toBe(true);
    expect(ingressAllowed([p], namespaces, { ...triton, port: 8002 }, gateway).allowed).toBe(false);
    expect(ingressAllowed([p], namespaces, triton, foreign).allowed).toBe(false);
  });
});

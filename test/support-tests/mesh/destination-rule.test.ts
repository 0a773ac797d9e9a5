/**
 * DestinationRule lookup and traffic policy, per
 * https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration
 * and https://istio.io/latest/docs/reference/config/networking/destination-rule/.
 */
import { describe, expect, it } from 'vitest';
import { destinationRuleFor, subsetFor, trafficPolicyFor, type DestinationRule, type DestinationRuleSpec } from '../../support/mesh/index.ts';

function dr(name: string, namespace: string, spec: DestinationRuleSpec): DestinationRule {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

const SVC = 'myservice.default.svc.cluster.local';

describe('destinationRuleFor', () => {
  it('docs example: a rule in ns1 applies to clients in ns1, not to clients in ns2', () => {
    const rules = [dr('myservice', 'ns1', { host: SVC, trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } })];
    expect(destinationRuleFor(rules, SVC, 'ns1')?.sources).toEqual(['ns1/myservice']);
    expect(destinationRuleFor(rules, SVC, 'ns2')).toBeUndefined();
  });

  it('follows the lookup path: client namespace, then service namespace, then root', () => {
    const inClient = dr('c', 'client', { host: SVC });
    const inService = dr('s', 'default', { host: SVC });
    const inRoot = dr('r', 'istio-system', { host: SVC });
    expect(destinationRuleFor([inRoot, inService, inClient], SVC, 'client')?.sources).toEqual(['client/c']);
    expect(destinationRuleFor([inRoot, inService], SVC, 'client')?.sources).toEqual(['default/s']);
    expect(destinationRuleFor([inRoot], SVC, 'client')?.sources).toEqual(['istio-system/r']);
    expect(destinationRuleFor([inRoot], SVC, 'client', { rootNamespace: 'istio-config' })).toBeUndefined();
  });

  it('respects exportTo', () => {
    const local = dr('s', 'default', { host: SVC, exportTo: ['.'] });
    expect(destinationRuleFor([local], SVC, 'default')).toBeDefined();
    expect(destinationRuleFor([local], SVC, 'client')).toBeUndefined();
    expect(destinationRuleFor([dr('s', 'default', { host: SVC, exportTo: ['client'] })], SVC, 'client')).toBeDefined();
  });

  it('interprets short hosts in the rule namespace', () => {
    const short = dr('reviews', 'foo', { host: 'reviews' });
    expect(destinationRuleFor([short], 'reviews.foo.svc.cluster.local', 'bar')?.host).toBe('reviews.foo.svc.cluster.local');
    expect(destinationRuleFor([dr('reviews', 'bar', { host: 'reviews' })], 'reviews.foo.svc.cluster.local', 'bar')).toBeUndefined();
  });

  it('prefers the most specific host in the namespace', () => {
    const wild = dr('wild', 'default', { host: '*.default.svc.cluster.local' });
    const exact = dr('exact', 'default', { host: SVC });
    expect(destinationRuleFor([wild, exact], SVC, 'default')?.sources).toEqual(['default/exact']);
    expect(destinationRuleFor([wild], SVC, 'default')?.sources).toEqual(['default/wild']);
  });

  it('merges subsets of rules for the same host, refusing duplicates and two top-level policies', () => {
    const a = dr('a', 'default', { host: SVC, subsets: [{ name: 'acme', labels: { tenant: 'acme' } }] });
    const b = dr('b', 'default', { host: SVC, subsets: [{ name: 'globex', labels: { tenant: 'globex' } }] });
    const merged = destinationRuleFor([a, b], SVC, 'default')!;
    expect(merged.subsets.map((s) => s.name)).toEqual(['acme', 'globex']);
    expect(subsetFor(merged, 'globex')?.labels).toEqual({ tenant: 'globex' });
    expect(subsetFor(merged, 'initech')).toBeUndefined();
    expect(() => destinationRuleFor([a, a], SVC, 'default')).toThrow(/more than once/);
    const p1 = dr('p1', 'default', { host: SVC, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } });
    const p2 = dr('p2', 'default', { host: SVC, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } });
    expect(() => destinationRuleFor([p1, p2], SVC, 'default')).toThrow(/first one processed/);
  });
});

describe('trafficPolicyFor', () => {
  // Modelled on the docs' "bookinfo-ratings-port" example.
  const rule = dr('bookinfo-ratings-port', 'prod', {
    host: 'ratings.prod.svc.cluster.local',
    trafficPolicy: {
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: { tcp: { maxConnections: 100 } },
      portLevelSettings: [
        { port: { number: 80 }, loadBalancer: { simple: 'LEAST_REQUEST' } },
        { port: { number: 9080 }, loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { http: { http2MaxRequests: 10 } } },
      ],
    },
    subsets: [{ name: 'testversion', labels: { version: 'v3' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }],
  });

  it('uses the top-level policy for a port without port-level settings', () => {
    expect(trafficPolicyFor(rule, 8080)).toEqual({ loadBalancer: { simple: 'LEAST_REQUEST' }, connectionPool: { tcp: { maxConnections: 100 } } });
  });

  it('port-level settings replace whole setting groups, and inherit the others', () => {
    expect(trafficPolicyFor(rule, 9080)).toEqual({
      loadBalancer: { simple: 'ROUND_ROBIN' },
      // replaced, not deep-merged: tcp.maxConnections is NOT inherited
      connectionPool: { http: { http2MaxRequests: 10 } },
    });
  });

  it('subset settings override the rule level', () => {
    expect(trafficPolicyFor(rule, 9080, 'testversion').loadBalancer).toEqual({ simple: 'RANDOM' });
    expect(() => trafficPolicyFor(rule, 9080, 'nope')).toThrow(/not defined/);
  });

  it('refuses a port listed twice in portLevelSettings', () => {
    const dup = dr('d', 'prod', { host: 'x', trafficPolicy: { portLevelSettings: [{ port: { number: 1 } }, { port: { number: 1 } }] } });
    expect(() => trafficPolicyFor(dup, 1)).toThrow(/more than once/);
  });
});

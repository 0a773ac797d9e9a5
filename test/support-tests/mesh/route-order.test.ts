/**
 * Order (in)dependence of merged VirtualServices, per
 * https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services:
 * the cross-resource order is undefined, and catch-all rules (no `match`)
 * are moved to the end of the merged list.
 */
import { describe, expect, it } from 'vitest';
import {
  describeOrderDependence,
  MeshEvaluationError,
  routeAtGateway,
  routeAtGatewayUnderOrders,
  type HTTPRoute,
  type VirtualService,
} from '../../support/mesh/index.ts';

const GW = 'istio-system/ingress';
const req = (path: string) => ({ authority: 'myapp.com', method: 'GET', path });

function frag(name: string, http: HTTPRoute[], host = 'myapp.com'): VirtualService {
  return { kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts: [host], gateways: [GW], http } };
}
const route = (host: string): HTTPRoute['route'] => [{ destination: { host } }];

describe('routeAtGatewayUnderOrders', () => {
  it('disjoint fragments (docs example: /service1, /service2) are order-independent', () => {
    const vss = [
      frag('myapp-service1', [{ match: [{ uri: { prefix: '/service1' } }], route: route('service1.default.svc.cluster.local') }]),
      frag('myapp-service2', [{ match: [{ uri: { prefix: '/service2' } }], route: route('service2.default.svc.cluster.local') }]),
    ];
    const report = routeAtGatewayUnderOrders(vss, GW, req('/service2/x'));
    expect(report.orderDependent).toBe(false);
    expect(report.exhaustive).toBe(true);
    expect(report.mergedVirtualServices).toEqual(['default/myapp-service1', 'default/myapp-service2']);
    expect(report.result).toMatchObject({ kind: 'route', virtualService: 'default/myapp-service2' });
  });

  it('an overlapping "prefix: /" rule in one fragment and a specific rule in another is order-dependent', () => {
    const vss = [
      frag('catch-most', [{ match: [{ uri: { prefix: '/' } }], route: route('default-backend') }]),
      frag('specific', [{ match: [{ uri: { prefix: '/acme' } }], route: route('acme-shard') }]),
    ];
    const report = routeAtGatewayUnderOrders(vss, GW, req('/acme/infer'));
    expect(report.orderDependent).toBe(true);
    expect(report.distinctOutcomes).toHaveLength(2);
    expect(describeOrderDependence(report)).toMatch(/order-dependent: 2 different outcomes/);
    // A request only the broad rule matches is unaffected.
    expect(routeAtGatewayUnderOrders(vss, GW, req('/other')).orderDependent).toBe(false);
  });

  it('a true catch-all (no match) is moved to the end, so a specific rule elsewhere still wins in every order', () => {
    const vss = [
      frag('catch-all', [{ route: route('default-backend') }]),
      frag('specific', [{ match: [{ uri: { prefix: '/acme' } }], route: route('acme-shard') }]),
    ];
    const report = routeAtGatewayUnderOrders(vss, GW, req('/acme/infer'));
    expect(report.orderDependent).toBe(false);
    expect(report.result).toMatchObject({ kind: 'route', virtualService: 'default/specific' });
    // Given order puts the catch-all first; it still loses after merging.
    expect(routeAtGateway(vss, GW, req('/acme/infer'), { order: ['default/catch-all', 'default/specific'] })).toMatchObject({ virtualService: 'default/specific' });
  });

  it('two catch-alls in different fragments are order-dependent ("whichever is applied first")', () => {
    const vss = [frag('a', [{ route: route('a') }]), frag('b', [{ route: route('b') }])];
    expect(routeAtGatewayUnderOrders(vss, GW, req('/x')).orderDependent).toBe(true);
  });

  it("compares effects by default: identical routes from two fragments are not a dependence, unless compare: 'identity'", () => {
    const same: HTTPRoute = { match: [{ uri: { prefix: '/x' } }], route: route('x') };
    const vss = [frag('a', [same]), frag('b', [same])];
    expect(routeAtGatewayUnderOrders(vss, GW, req('/x')).orderDependent).toBe(false);
    expect(routeAtGatewayUnderOrders(vss, GW, req('/x'), { compare: 'identity' }).orderDependent).toBe(true);
  });

  it('only fragments of the same host are merged', () => {
    const vss = [frag('a', [{ route: route('a') }], 'a.com'), frag('b', [{ route: route('b') }], 'b.com')];
    const report = routeAtGatewayUnderOrders(vss, GW, { ...req('/'), authority: 'a.com' });
    expect(report.mergedVirtualServices).toEqual(['default/a']);
    expect(report.orderDependent).toBe(false);
  });

  it('samples orders (given, reversed, seeded shuffles) when there are too many to enumerate', () => {
    const vss = Array.from({ length: 8 }, (_, i) => frag(`f${i}`, [{ match: [{ uri: { prefix: '/' } }], route: route(`b${i}`) }]));
    const report = routeAtGatewayUnderOrders(vss, GW, req('/'), { exhaustiveUpTo: 3, shuffles: 5, seed: 42 });
    expect(report.exhaustive).toBe(false);
    expect(report.outcomes.length).toBeGreaterThanOrEqual(2);
    expect(report.outcomes.length).toBeLessThanOrEqual(7);
    expect(report.outcomes[1]!.order).toEqual([...report.outcomes[0]!.order].reverse());
    expect(report.orderDependent).toBe(true);
  });

  it('refuses a merged fragment whose catch-all is not its last rule (merging would change it)', () => {
    const vss = [
      frag('a', [{ route: route('a') }, { match: [{ uri: { prefix: '/a' } }], route: route('a2') }]),
      frag('b', [{ match: [{ uri: { prefix: '/b' } }], route: route('b') }]),
    ];
    expect(() => routeAtGateway(vss, GW, req('/a'))).toThrow(MeshEvaluationError);
  });

  it('refuses an explicit order that omits a merged VirtualService', () => {
    const vss = [frag('a', [{ route: route('a') }]), frag('b', [{ match: [{ uri: { prefix: '/b' } }], route: route('b') }])];
    expect(() => routeAtGateway(vss, GW, req('/'), { order: ['default/a'] })).toThrow(/does not list default\/b/);
  });
});

/**
 * The routing proof on the example fleet (`models/`): every (tenant, model)
 * request reaches the shard and copy the plan says, every cross-tenant request
 * is denied at the shard, unknown models get no route, canaries split as
 * declared, and every Istio object validates against its CRD schema.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { ROOT } from '../support/fleet-dir.ts';
import { fleetView, proveRouting, type FleetView, type ProofReport } from '../support/routing-proof.ts';
import { validateManifest } from '../support/validate-manifests.ts';

let view: FleetView;
let report: ProofReport;

beforeAll(async () => {
  view = fleetView(await synthFleet({ modelsDir: 'models', cwd: ROOT }));
  report = proveRouting(view);
}, 120_000);

describe('routing proof: the example fleet', () => {
  it('routes, admits and isolates every copy of the plan', () => {
    expect(report.problems.slice(0, 20)).toEqual([]);
    expect(report.copies).toBe(view.shards.reduce((n, s) => n + s.copies.length, 0));
    expect(report.copies).toBeGreaterThan(500);
    // Every tenanted copy was denied to every other tenant of its model, and to a request without the header.
    expect(report.crossTenantDenials).toBeGreaterThan(report.copies);
    // The shard's gRPC guard ran for every copy, and for tenants sharing a shard.
    expect(report.grpcGuardChecks).toBeGreaterThan(report.copies);
  });

  it('validates every Istio and NetworkPolicy object strictly against its schema', () => {
    const kinds = ['VirtualService', 'DestinationRule', 'AuthorizationPolicy', 'NetworkPolicy'];
    const objects = view.objects.filter((o) => kinds.includes(o.kind ?? ''));
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(kinds));
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
  });

  it("runs each shard's gRPC guard: the one EnvoyFilter of its namespace that selects its pods, refusing streams where a copy is tenanted", () => {
    const tenanted = view.shards.find((s) => s.copies.some((c) => c.tenant !== undefined))!;
    const isDeployment = (o: FleetView['objects'][number]) => o.kind === 'Deployment' && o.metadata?.namespace === tenanted.namespace && o.metadata?.name === tenanted.name;
    const relabelled = (stream: string) => ({
      ...view,
      objects: view.objects.map((o) => {
        if (!isDeployment(o)) return o;
        const d = structuredClone(o) as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
        d.spec.template.metadata.labels['modelfleet.io/grpc-stream'] = stream;
        return d as unknown as typeof o;
      }),
    });
    // The attack: a tenanted shard's pods labelled to get the guard that lets ModelStreamInfer through.
    expect(proveRouting(relabelled('allowed'), { crossTenantSamples: 1 }).problems).toContain(
      `${tenanted.namespace}/${tenanted.name}: the gRPC guard lets ModelStreamInfer without a tenant header through, though the shard holds tenanted copies`,
    );
    // No guard, or two, selecting the pods: the proof cannot tell which one Envoy runs first, and says so.
    expect(() => proveRouting(relabelled('unknown'), { crossTenantSamples: 1 })).toThrow(`${tenanted.namespace}/${tenanted.name}: 0 EnvoyFilters select its pods (none), expected exactly one gRPC guard`);
    const guard = view.objects.find((o) => o.kind === 'EnvoyFilter' && o.metadata?.name === `${tenanted.team}-grpc-guard`)!;
    const twice = { ...view, objects: [...view.objects, { ...guard, metadata: { ...guard.metadata, name: `${tenanted.team}-grpc-guard-copy` } }] };
    expect(() => proveRouting(twice, { crossTenantSamples: 1 })).toThrow(/: 2 EnvoyFilters select its pods \(\S+-grpc-guard, \S+-grpc-guard-copy\), expected exactly one gRPC guard$/);
  });

  it('renders one DestinationRule per shard with least-request balancing and the tier limits', () => {
    const rules = view.objects.filter((o) => o.kind === 'DestinationRule');
    expect(rules.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`).sort()).toEqual(view.shards.map((s) => `${s.namespace}/${s.name}`).sort());
    for (const shard of view.shards) {
      const dr = rules.find((r) => r.metadata?.name === shard.name) as unknown as { spec: { host: string; trafficPolicy: Record<string, any> } };
      expect(dr.spec.host).toBe(`${shard.name}.${shard.namespace}.svc.cluster.local`);
      expect(dr.spec.trafficPolicy.loadBalancer).toEqual({ simple: 'LEAST_REQUEST' });
      expect(dr.spec.trafficPolicy.connectionPool.http.http2MaxRequests).toBe(view.stack.tiers[shard.tier].mesh.maxRequests);
    }
  });
});

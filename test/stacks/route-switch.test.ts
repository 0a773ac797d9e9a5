/**
 * Make before break: the order `routeSwitchOrder` computes from a previous
 * placement, and the `dependsOn` `registerFleet` gives from it, as the engine
 * would see them (RegisterResource requests under recording mocks).
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFleetObjects, type FleetManifest } from '../../constructs/render-fleet.ts';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { planRoutes } from '../../core/plan/route-table.ts';
import { asPlacement, placementOf, routeSwitchOrder, type Placement } from '../../core/plan/route-switch.ts';
import type { ShardPlan } from '../../core/plan/shard-plan.ts';
import { registerFleet } from '../../stacks/register-fleet.ts';
import { setRecordingMocks, valueOf, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';
const recorder = await setRecordingMocks('modelfleet', 'route-switch');

const REALTIME = 'fraud/fraud-realtime-gpu-l4-1';
const BATCH = 'fraud/fraud-batch-gpu-l4-1';

let plan: ShardPlan;
let manifests: FleetManifest[];

beforeAll(async () => {
  const { planned } = await synthFleet({ modelsDir: FLEET, cwd: ROOT });
  plan = planned.plan;
  manifests = renderFleetObjects({ stack: planned.stack, teams: planned.fleet.teams, plan });
});

describe('routeSwitchOrder', () => {
  it('records where every copy is served', () => {
    expect(placementOf(plan)).toEqual({
      'merchant-risk': BATCH,
      'query-intent': 'search/search-interactive-cpu-std-1',
      'txn-scorer.acme': REALTIME,
      'txn-scorer.globex': REALTIME,
    });
    expect(asPlacement(placementOf(plan))).toEqual(placementOf(plan));
    expect(asPlacement(undefined)).toBeUndefined();
    expect(asPlacement({ a: 1 })).toBeUndefined();
    expect(asPlacement(['a'])).toBeUndefined();
  });

  it('orders nothing when nothing moves', () => {
    const order = routeSwitchOrder(placementOf(plan), plan, planRoutes(plan));
    expect(order.moves).toEqual([]);
    expect([...order.routeAfter]).toEqual([]);
    expect([...order.shardAfter]).toEqual([]);
  });

  it('puts a moved copy route after its new shard, and its old shard after the route', () => {
    const previous: Placement = { ...placementOf(plan), 'txn-scorer.acme': BATCH };
    const order = routeSwitchOrder(previous, plan, planRoutes(plan));
    expect(order.moves).toEqual([{ copy: 'txn-scorer.acme', from: BATCH, to: REALTIME, route: 'fraud/txn-scorer' }]);
    expect([...order.routeAfter]).toEqual([['fraud/txn-scorer', [REALTIME]]]);
    expect([...order.shardAfter]).toEqual([[BATCH, ['fraud/txn-scorer']]]);
    expect(order.unordered).toEqual([]);
  });

  it('makes a route wait for the shard of a new copy, with nothing to drop', () => {
    const { 'txn-scorer.globex': _, ...previous } = placementOf(plan);
    const order = routeSwitchOrder(previous, plan, planRoutes(plan));
    expect(order.moves).toEqual([]);
    expect([...order.routeAfter]).toEqual([['fraud/txn-scorer', [REALTIME]]]);
    expect([...order.shardAfter]).toEqual([]);
  });

  it('leaves out the old-shard waits of shards on a cycle and reports their copies', () => {
    // acme moved batch -> realtime while merchant-risk moved realtime -> batch: each shard gains what the other's route waits for.
    const previous: Placement = { ...placementOf(plan), 'txn-scorer.acme': BATCH, 'merchant-risk': REALTIME };
    const order = routeSwitchOrder(previous, plan, planRoutes(plan));
    expect(order.moves.map((m) => m.copy)).toEqual(['merchant-risk', 'txn-scorer.acme']);
    expect([...order.shardAfter]).toEqual([]);
    expect(order.unordered.map((m) => m.copy)).toEqual(['merchant-risk', 'txn-scorer.acme']);
    // New homes still come first.
    expect([...order.routeAfter]).toEqual([
      ['fraud/merchant-risk', [BATCH]],
      ['fraud/txn-scorer', [REALTIME]],
    ]);
  });

  it('needs no wait for a copy whose old shard is deleted', () => {
    const previous: Placement = { ...placementOf(plan), 'txn-scorer.acme': 'fraud/fraud-realtime-gpu-l4-9' };
    const order = routeSwitchOrder(previous, plan, planRoutes(plan));
    expect(order.moves).toHaveLength(1);
    expect([...order.shardAfter]).toEqual([]);
  });
});

describe('registerFleet with a make-before-break order', () => {
  let registrations: Registration[];
  const urnOf = (name: string) => registrations.find((r) => r.name === name)?.urn;
  const depsOf = (name: string) => new Set(registrations.find((r) => r.name === name)!.dependencies);

  beforeAll(async () => {
    const previous: Placement = { ...placementOf(plan), 'txn-scorer.acme': BATCH };
    const routeOrder = routeSwitchOrder(previous, plan, planRoutes(plan));
    const objects = manifests.flatMap((m) => m.objects);
    const registered = registerFleet(manifests, { routeOrder });
    await Promise.all(registered.map((r) => valueOf(r.resource.urn)));
    registrations = await recorder.waitFor(objects.length);
  });

  it('has the moved copy route wait for the new shard Deployment and DestinationRule, not the old shard', () => {
    const deps = depsOf('fraud/VirtualService/txn-scorer');
    expect(deps.has(urnOf('fraud/Deployment/fraud-realtime-gpu-l4-1')!)).toBe(true);
    expect(deps.has(urnOf('fraud/DestinationRule/fraud-realtime-gpu-l4-1')!)).toBe(true);
    expect(deps.has(urnOf('fraud/Deployment/fraud-batch-gpu-l4-1')!)).toBe(false);
    // And for the namespace's gRPC guard that selects the new shard's pods (tenanted: the one refusing streams).
    expect(deps.has(urnOf('fraud/EnvoyFilter/fraud-grpc-guard')!)).toBe(true);
    expect(deps.has(urnOf('fraud/EnvoyFilter/fraud-grpc-guard-stream')!)).toBe(false);
  });

  it("registers the namespace's gRPC guard with the team's objects: it waits for no route", () => {
    for (const name of ['fraud/EnvoyFilter/fraud-grpc-guard', 'fraud/EnvoyFilter/fraud-grpc-guard-stream']) expect([...depsOf(name)], name).toEqual([urnOf('Namespace/fraud')]);
  });

  it('has the old shard drop the copy only after the route switched', () => {
    const route = urnOf('fraud/VirtualService/txn-scorer')!;
    expect(depsOf('fraud/Deployment/fraud-batch-gpu-l4-1').has(route)).toBe(true);
    expect(depsOf('fraud/ConfigMap/fraud-batch-gpu-l4-1').has(route)).toBe(true);
    // Objects that do not change what the shard serves do not wait.
    expect(depsOf('fraud/Service/fraud-batch-gpu-l4-1').has(route)).toBe(false);
    // The new shard does not wait for anything but its namespace and class.
    expect([...depsOf('fraud/Deployment/fraud-realtime-gpu-l4-1')].some((u) => u.includes('VirtualService'))).toBe(false);
  });

  it('has routes of unmoved copies wait for nothing but their namespace', () => {
    const deps = [...depsOf('fraud/VirtualService/merchant-risk')];
    expect(deps).toEqual([urnOf('Namespace/fraud')]);
  });
});

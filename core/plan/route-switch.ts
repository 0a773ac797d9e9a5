/**
 * Make before break: in which order an apply must change shards and routes so
 * that a copy that moves (or appears) is never routed to a shard that does not
 * serve it.
 *
 * From the placement that is deployed (the previous apply's `placement`
 * output) and the new plan:
 *
 * - a route (VirtualService) that sends a copy to a shard that did not serve
 *   it before waits for that shard (its rollout, which finishes only when every
 *   replica has loaded its copies);
 * - a shard that stops serving a copy which moved to another shard waits for
 *   the route that now sends the copy elsewhere.
 *
 * A shard that gains a copy of a route and also loses a copy to a route that
 * waits for it (directly or through other shards) would close a cycle; for
 * those shards only the first rule holds, and the copies are reported so the
 * apply can warn. Pure: the Pulumi program (`stacks/register-fleet.ts`) turns
 * the order into `dependsOn`.
 */
import { compareStrings } from '../util/compare.ts';
import type { ModelRoutes } from './route-table.ts';
import type { ShardPlan } from './shard-plan.ts';

/** Where every copy is served: Triton name → `namespace/shard`. */
export type Placement = Readonly<Record<string, string>>;

/** A copy that moves between shards. */
export interface CopyMove {
  /** Triton name of the copy (`txn-scorer.acme`). */
  readonly copy: string;
  /** `namespace/shard` that served it. */
  readonly from: string;
  /** `namespace/shard` that serves it now. */
  readonly to: string;
  /** `namespace/name` of the VirtualService that routes it now. */
  readonly route: string;
}

/** The order `routeSwitchOrder` computes. */
export interface RouteSwitchOrder {
  /** VirtualService (`namespace/name`) → shards (`namespace/name`) that must be ready before it changes. */
  readonly routeAfter: ReadonlyMap<string, readonly string[]>;
  /** Shard (`namespace/name`) → VirtualServices that must have switched before the shard drops copies. */
  readonly shardAfter: ReadonlyMap<string, readonly string[]>;
  /** Every copy that moves. */
  readonly moves: readonly CopyMove[];
  /** Moves whose old shard cannot wait for the route switch (a cycle): it may stop serving before the switch. */
  readonly unordered: readonly CopyMove[];
}

/** The placement of a plan: Triton name → `namespace/shard`. Keys sorted. */
export function placementOf(plan: ShardPlan): Placement {
  const entries: [string, string][] = [];
  for (const shard of plan.shards) for (const copy of shard.copies) entries.push([copy.tritonName, `${shard.namespace}/${shard.name}`]);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return Object.fromEntries(entries);
}

/** Checks that a previous placement output has the shape `placementOf` gives; `undefined` when it does not. */
export function asPlacement(value: unknown): Placement | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const v of Object.values(value)) if (typeof v !== 'string') return undefined;
  return value as Placement;
}

/**
 * The order of one apply, from the deployed placement `previous` to `plan`.
 *
 * @param previous what the last apply deployed (`placement` stack output)
 * @param plan the plan being applied
 * @param routes `planRoutes(plan)`
 */
export function routeSwitchOrder(previous: Placement, plan: ShardPlan, routes: readonly ModelRoutes[]): RouteSwitchOrder {
  const routeOfCopy = new Map<string, string>();
  for (const model of routes) for (const part of model.parts) for (const c of part.copies) routeOfCopy.set(c.tritonName, `${model.namespace}/${part.name}`);
  const current = placementOf(plan);
  const shardsNow = new Set(Object.values(current));
  const routeAfter = new Map<string, Set<string>>();
  const shardAfter = new Map<string, Set<string>>();
  const moves: CopyMove[] = [];
  for (const [copy, to] of Object.entries(current)) {
    const from = previous[copy];
    if (from === to) continue;
    const route = routeOfCopy.get(copy);
    if (route === undefined) continue;
    add(routeAfter, route, to);
    // A copy that leaves a shard that is deleted needs nothing: Pulumi deletes after creating and updating.
    if (from !== undefined) {
      moves.push({ copy, from, to, route });
      if (shardsNow.has(from)) add(shardAfter, from, route);
    }
  }
  const unorderedShards = shardsInCycles(routeAfter, shardAfter);
  for (const shard of unorderedShards) shardAfter.delete(shard);
  return {
    routeAfter: sortedMap(routeAfter),
    shardAfter: sortedMap(shardAfter),
    moves,
    unordered: moves.filter((m) => unorderedShards.has(m.from)),
  };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function sortedMap(map: Map<string, Set<string>>): Map<string, string[]> {
  return new Map([...map.keys()].sort(compareStrings).map((k) => [k, [...map.get(k)!].sort(compareStrings)]));
}

/**
 * Shards on a cycle of "route waits for shard" and "shard waits for route"
 * edges (strongly connected components of more than one node, Tarjan).
 */
function shardsInCycles(routeAfter: Map<string, Set<string>>, shardAfter: Map<string, Set<string>>): Set<string> {
  const edges = new Map<string, string[]>();
  for (const [route, shards] of routeAfter) edges.set(`r:${route}`, [...shards].map((s) => `s:${s}`));
  for (const [shard, rs] of shardAfter) edges.set(`s:${shard}`, [...rs].map((r) => `r:${r}`));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Set<string>();
  let next = 0;
  // Iterative Tarjan: fleets may have thousands of nodes.
  for (const root of [...edges.keys()].sort(compareStrings)) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work.at(-1)!;
      const out = edges.get(frame.node) ?? [];
      if (frame.i < out.length) {
        const to = out[frame.i++]!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        if (component.length > 1) for (const c of component) if (c.startsWith('s:')) result.add(c.slice(2));
      }
    }
  }
  return result;
}

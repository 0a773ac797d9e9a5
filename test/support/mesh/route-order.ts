/**
 * Order independence of merged VirtualServices.
 *
 * When several VirtualServices bound to one gateway declare the same host,
 * Istio merges their rules and "the cross-resource order is UNDEFINED […] it
 * will only have predictable behavior if there are no conflicting rules or
 * order dependency between rules across fragments" (in practice the order is
 * creation time, which nobody controls). A routing proof must therefore hold
 * under every order. This module evaluates a request under many orders and
 * reports whether the outcome changes.
 *
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
import { idOf } from './k8s-object.ts';
import {
  routeAtGateway,
  selectVirtualHost,
  type GatewayRouteResult,
  type HttpRequest,
  type RouteAtGatewayOptions,
  type VirtualService,
} from './virtual-service.ts';

/** Options for `routeAtGatewayUnderOrders`. */
export interface OrderCheckOptions extends Omit<RouteAtGatewayOptions, 'order'> {
  /**
   * Number of seeded random orders to try besides the given and reversed ones.
   *
   * @default 8
   */
  readonly shuffles?: number;

  /**
   * Seed of the shuffles.
   *
   * @default 1
   */
  readonly seed?: number;

  /**
   * Try every permutation when at most this many VirtualServices are merged.
   *
   * @default 6
   */
  readonly exhaustiveUpTo?: number;

  /**
   * `'effect'`: outcomes are equal when the request ends up the same (same
   * destinations, weights, rewrites, headers, status…), whichever rule
   * decided. `'identity'`: the deciding VirtualService and rule must be equal too.
   *
   * @default 'effect'
   */
  readonly compare?: 'effect' | 'identity';
}

/** The outcome under one order. */
export interface OrderOutcome {
  /** The merge order, as `namespace/name` ids. */
  readonly order: readonly string[];
  readonly result: GatewayRouteResult;
  /** Canonical key of the outcome, used for comparison. */
  readonly key: string;
}

/** The outcome under all tried orders. */
export interface OrderIndependenceReport {
  /** The outcome under the given (array) order. */
  readonly result: GatewayRouteResult;
  /** Whether any two tried orders gave different outcomes. */
  readonly orderDependent: boolean;
  /** The VirtualServices merged into the request's virtual host. */
  readonly mergedVirtualServices: readonly string[];
  /** Whether every permutation was tried. */
  readonly exhaustive: boolean;
  readonly outcomes: readonly OrderOutcome[];
  /** One outcome per distinct key. */
  readonly distinctOutcomes: readonly OrderOutcome[];
}

/** A canonical string for comparing two routing outcomes. */
export function outcomeKey(result: GatewayRouteResult, compare: 'effect' | 'identity' = 'effect'): string {
  const identity =
    compare === 'identity' && 'virtualService' in result
      ? { virtualService: result.virtualService, routeIndex: result.routeIndex, matchIndex: result.matchIndex ?? null }
      : {};
  switch (result.kind) {
    case 'route':
      return JSON.stringify({
        kind: result.kind,
        ...identity,
        destinations: result.destinations.map((d) => ({
          fqdn: d.fqdn,
          port: d.port ?? null,
          subset: d.subset ?? null,
          weight: d.weight,
          headers: Object.entries(d.requestHeaders).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        })),
        path: result.rewrittenPath,
        authority: result.rewrittenAuthority,
      });
    case 'directResponse':
      return JSON.stringify({ kind: result.kind, ...identity, status: result.status, body: result.body ?? null });
    case 'redirect':
      return JSON.stringify({ kind: result.kind, ...identity, status: result.status, scheme: result.scheme ?? null, authority: result.authority, port: result.port ?? null, path: result.path });
    case 'abort':
      return JSON.stringify({ kind: result.kind, ...identity, status: result.status ?? null, grpcStatus: result.grpcStatus ?? null });
    case 'noRoute':
    case 'rejected':
      return JSON.stringify({ kind: result.kind, status: result.status });
  }
}

/** Mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

/**
 * Evaluates `request` at `gateway` under the given order, the reversed order,
 * `shuffles` seeded random orders (and every permutation when few
 * VirtualServices are merged), and reports whether the outcome depends on the order.
 *
 * @example
 * const report = routeAtGatewayUnderOrders(vss, 'istio-system/ingress', request);
 * expect(report.orderDependent).toBe(false);
 */
export function routeAtGatewayUnderOrders(
  virtualServices: readonly VirtualService[],
  gateway: string,
  request: HttpRequest,
  options: OrderCheckOptions = {},
): OrderIndependenceReport {
  const { shuffles = 8, seed = 1, exhaustiveUpTo = 6, compare = 'effect', ...routeOptions } = options;
  const merged = selectVirtualHost(virtualServices, gateway, request.authority, routeOptions).virtualServices.map(idOf);
  const given = [...merged];
  const exhaustive = merged.length <= exhaustiveUpTo;
  const orders: string[][] = exhaustive ? [given, ...permutations(merged)] : [given, [...given].reverse()];
  if (!exhaustive) {
    const random = prng(seed);
    for (let i = 0; i < shuffles; i += 1) orders.push(shuffled(merged, random));
  }
  const seen = new Set<string>();
  const outcomes: OrderOutcome[] = [];
  for (const order of orders) {
    const sig = order.join('\u0000');
    if (seen.has(sig)) continue;
    seen.add(sig);
    const result = routeAtGateway(virtualServices, gateway, request, { ...routeOptions, order });
    outcomes.push({ order, result, key: outcomeKey(result, compare) });
  }
  const distinct = new Map<string, OrderOutcome>();
  for (const o of outcomes) if (!distinct.has(o.key)) distinct.set(o.key, o);
  return {
    result: outcomes[0]!.result,
    orderDependent: distinct.size > 1,
    mergedVirtualServices: merged,
    exhaustive,
    outcomes,
    distinctOutcomes: [...distinct.values()],
  };
}

/** A readable explanation of an order-dependent report, for assertion messages. */
export function describeOrderDependence(report: OrderIndependenceReport): string {
  if (!report.orderDependent) return `order-independent across ${report.outcomes.length} order(s) of [${report.mergedVirtualServices.join(', ')}]`;
  return [
    `order-dependent: ${report.distinctOutcomes.length} different outcomes across ${report.outcomes.length} orders of [${report.mergedVirtualServices.join(', ')}]`,
    ...report.distinctOutcomes.map((o) => `  order [${o.order.join(', ')}] → ${o.key}`),
  ].join('\n');
}

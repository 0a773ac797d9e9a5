/**
 * The route table of the fleet: for every logical model, which shard serves
 * each tenant's copy, and how the model's routes are split into
 * VirtualServices. Pure data; `constructs/model-route.ts` renders it.
 *
 * Clients call the logical model (`/v2/models/txn-scorer/infer`) and name
 * their tenant in a header; the mesh matches header and path, sends the
 * request to the shard that holds the tenant's copy and rewrites the path to
 * the copy's Triton name (`/v2/models/txn-scorer.acme/infer`).
 *
 * **Why the split is safe.** Istio merges the VirtualServices of one host at a
 * gateway in creation order, which modelfleet does not control. So rules of
 * different VirtualServices must never match the same request:
 *
 * - Every VirtualService belongs to one model, and all its HTTP rules match
 *   only that model's paths (`/v2/models/<model>` exactly or below
 *   `/v2/models/<model>/`) and all its gRPC rules only requests whose model
 *   header is the model, so two models' VirtualServices never overlap.
 * - A model with many tenants is split into several VirtualServices by the
 *   tenant name's leading characters: each part owns a set of name prefixes,
 *   the parts' sets partition every possible header value, and each part's
 *   "unknown tenant" rule (a 404 from the mesh) matches only header values in
 *   its own set, after that part's tenant rules.
 *
 * Within one VirtualService the order is the first-match order Istio uses:
 * per tenant the pinned-version rule, the canary rule, the default rule; then
 * the 404 rules.
 */
import { compareStrings } from '../util/compare.ts';
import type { ModelCopy, ShardPlan } from './shard-plan.ts';

/** How a copy's requests are split between Triton versions (a model's `versions: { stable, canary }`). */
export interface VersionSplit {
  readonly stable: number;
  readonly canary?: { readonly version: number; readonly weight: number };
}

/** Where one copy is served. */
export interface CopyDestination {
  /** Tenant, or `undefined` for an untenanted model. */
  readonly tenant?: string;
  /** Triton model name the path is rewritten to. */
  readonly tritonName: string;
  /** Shard (and Service) name. */
  readonly shard: string;
  readonly namespace: string;
  /** Version split, when the model declares `versions: { stable, ... }`. */
  readonly versions?: VersionSplit;
}

/**
 * Header values one part of a model's routes answers "unknown tenant" for: a
 * set of name prefixes (`prefix*`), exact names, and "anything else" classes
 * (a prefix followed by a character no tenant name has).
 */
export interface TenantKeySpace {
  /** Every header value (the model has one part). */
  readonly all: boolean;
  /** Prefixes `p`: values starting with `p` (`p` itself included). */
  readonly prefixes: readonly string[];
  /** Values equal to one of these. */
  readonly exact: readonly string[];
  /** Prefixes `p`: values `p` followed by a character outside `[-a-z0-9]` (or, at the root, outside `[a-z0-9]`), then anything. */
  readonly otherAfter: readonly string[];
}

/** One VirtualService of a model. */
export interface ModelRoutePart {
  /**
   * Object name: the model name, then `<model>.part-2`, `<model>.part-3`, ... for further parts. The dot
   * cannot occur in a model name (a DNS label), so a part never takes the name of another model's VirtualService.
   */
  readonly name: string;
  /** Copies routed by this part, by tenant name (one entry for an untenanted model). */
  readonly copies: readonly CopyDestination[];
  /** Header values this part's "unknown tenant" rule answers (tenanted models only). */
  readonly keySpace?: TenantKeySpace;
}

/** The routes of one logical model. */
export interface ModelRoutes {
  readonly model: string;
  readonly team: string;
  /** Namespace of the model's team; every part lives there. */
  readonly namespace: string;
  readonly tenanted: boolean;
  readonly parts: readonly ModelRoutePart[];
}

/**
 * Most HTTP rules one VirtualService holds; a model whose tenants need more is
 * split. 256 rules of about 400 bytes keep an object near 100 KiB: far below
 * etcd's 1.5 MiB, and below the 256 KiB annotation that client-side
 * `kubectl apply` stores, so GitOps tools that apply the kustomization work too.
 */
export const DEFAULT_MAX_RULES_PER_ROUTE = 256;

/** HTTP rules one tenant's copy takes: default and gRPC, plus the pinned-version and canary rules. */
export function rulesPerCopy(versions: VersionSplit | undefined): number {
  return 2 + (versions ? 1 : 0) + (versions?.canary ? 1 : 0);
}

/** Characters of a tenant name after the first (DNS-1123 label). */
const NAME_CHARS = '-0123456789abcdefghijklmnopqrstuvwxyz';
/** Characters a tenant name starts with. */
const FIRST_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A set of tenant-name keys with the tenants in it. */
interface KeyGroup {
  readonly prefixes: string[];
  readonly exact: string[];
  readonly otherAfter: string[];
  readonly tenants: string[];
}

/**
 * Partitions all header values into groups of at most `max` tenants each, by
 * name prefix: the whole space `prefix*` becomes one group when it holds at
 * most `max` tenants, else it is split into `prefix` itself, `prefix<c>*` for
 * every name character `c`, and `prefix` followed by anything else. Adjacent
 * groups (in name order) are then merged while they fit.
 */
function partitionTenants(tenants: readonly string[], max: number): KeyGroup[] {
  const leaves: KeyGroup[] = [];
  const split = (prefix: string, members: readonly string[]): void => {
    if (members.length <= max || members.every((t) => t === prefix)) {
      leaves.push({ prefixes: [prefix], exact: [], otherAfter: [], tenants: [...members] });
      return;
    }
    leaves.push({ prefixes: [], exact: [prefix], otherAfter: [prefix], tenants: members.filter((t) => t === prefix) });
    for (const c of prefix === '' ? FIRST_CHARS : NAME_CHARS) {
      const child = prefix + c;
      const inChild = members.filter((t) => t.startsWith(child));
      if (inChild.length) split(child, inChild);
      else leaves.push({ prefixes: [child], exact: [], otherAfter: [], tenants: [] });
    }
  };
  split('', [...tenants].sort(compareStrings));
  const groups: KeyGroup[] = [];
  for (const leaf of leaves) {
    const last = groups.at(-1);
    if (last && last.tenants.length + leaf.tenants.length <= max) {
      last.prefixes.push(...leaf.prefixes);
      last.exact.push(...leaf.exact);
      last.otherAfter.push(...leaf.otherAfter);
      last.tenants.push(...leaf.tenants);
    } else {
      groups.push({ prefixes: [...leaf.prefixes], exact: [...leaf.exact], otherAfter: [...leaf.otherAfter], tenants: [...leaf.tenants] });
    }
  }
  return groups;
}

/** The version split of a copy, from its model's Triton fields. */
function versionSplitOf(copy: ModelCopy): VersionSplit | undefined {
  const routing = copy.triton.versionRouting;
  if (!routing) return undefined;
  return { stable: routing.stable, ...(routing.canary ? { canary: { version: routing.canary.version, weight: routing.canary.weight } } : {}) };
}

/**
 * The route table of a plan: one entry per logical model, models in name
 * order, each split into parts of at most `maxRulesPerRoute` HTTP rules (two
 * of them the 404 rules).
 */
export function planRoutes(plan: ShardPlan, maxRulesPerRoute: number = DEFAULT_MAX_RULES_PER_ROUTE): ModelRoutes[] {
  if (!Number.isInteger(maxRulesPerRoute) || maxRulesPerRoute < 6) throw new Error(`maxRulesPerRoute must be an integer of at least 6, got ${maxRulesPerRoute}`);
  const byModel = new Map<string, { team: string; namespace: string; copies: CopyDestination[] }>();
  for (const shard of plan.shards) {
    for (const copy of shard.copies) {
      let entry = byModel.get(copy.model);
      if (!entry) byModel.set(copy.model, (entry = { team: copy.team, namespace: shard.namespace, copies: [] }));
      const versions = versionSplitOf(copy);
      entry.copies.push({
        ...(copy.tenant !== undefined ? { tenant: copy.tenant } : {}),
        tritonName: copy.tritonName,
        shard: shard.name,
        namespace: shard.namespace,
        ...(versions ? { versions } : {}),
      });
    }
  }
  const out: ModelRoutes[] = [];
  for (const model of [...byModel.keys()].sort(compareStrings)) {
    const { team, namespace, copies } = byModel.get(model)!;
    const tenanted = copies.some((c) => c.tenant !== undefined);
    if (!tenanted) {
      out.push({ model, team, namespace, tenanted, parts: [{ name: model, copies }] });
      continue;
    }
    const byTenant = new Map(copies.map((c) => [c.tenant!, c]));
    // Every copy of a model has the model's version split, so all take the same number of rules.
    const maxTenants = Math.floor((maxRulesPerRoute - 2) / rulesPerCopy(copies[0]!.versions));
    const groups = partitionTenants([...byTenant.keys()], maxTenants);
    const parts = groups.map((g, i): ModelRoutePart => ({
      name: i === 0 ? model : `${model}.part-${i + 1}`,
      copies: g.tenants.map((t) => byTenant.get(t)!),
      keySpace: groups.length === 1 ? { all: true, prefixes: [], exact: [], otherAfter: [] } : { all: false, prefixes: g.prefixes, exact: g.exact, otherAfter: g.otherAfter },
    }));
    out.push({ model, team, namespace, tenanted, parts });
  }
  return out;
}

/**
 * An RE2 pattern (full match, as Istio's header `regex`) for the header
 * values of a key space.
 */
export function keySpaceRegex(space: TenantKeySpace): string {
  if (space.all) return '.*';
  const alternatives = [
    ...space.exact.map((e) => e),
    ...space.prefixes.map((p) => `${p}.*`),
    ...space.otherAfter.map((p) => (p === '' ? '[^0-9a-z].*' : `${p}[^-0-9a-z].*`)),
  ];
  return alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`;
}

/** Request-id buckets: the first three hex digits of the request's `x-request-id` (a UUID Envoy generates). */
export const CANARY_BUCKETS = 4096;

/** Number of the 4096 request-id buckets that go to the canary for `weight` percent. */
export function canaryBuckets(weight: number): number {
  return Math.round((weight * CANARY_BUCKETS) / 100);
}

/**
 * RE2 pattern (full match) for request ids whose first three hex digits, read
 * as a number, are below `buckets`: `^(?:0[0-9a-f]{2}|1[0-8][0-9a-f]|19[0-9]).*`
 * for 410 buckets (10%). Envoy gives every request at the gateway a random
 * UUID4 `x-request-id`, so this selects `buckets / 4096` of the traffic.
 */
export function requestIdBelow(buckets: number): string {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets >= CANARY_BUCKETS) throw new Error(`buckets must be an integer in 1..${CANARY_BUCKETS - 1}, got ${buckets}`);
  const hex = '0123456789abcdef';
  const digits = buckets.toString(16).padStart(3, '0');
  const alternatives: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = hex.indexOf(digits[i]!);
    if (d === 0) continue;
    const head = digits.slice(0, i);
    const cls = d === 1 ? '0' : hex[d - 1] === '9' ? '[0-9]' : d - 1 <= 9 ? `[0-${hex[d - 1]}]` : `[0-9a-${hex[d - 1]}]`;
    const tail = 2 - i > 0 ? `[0-9a-f]{${2 - i}}` : '';
    alternatives.push(`${head}${cls}${tail}`);
  }
  return `(?:${alternatives.join('|')}).*`;
}

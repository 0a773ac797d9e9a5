/**
 * Team declarations: `models/teams.ts` default-exports an array of
 * `defineTeam({...})`. A team owns a namespace and a quota, and names the
 * in-mesh workloads that may call its shards directly.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { compareStrings } from '../util/compare.ts';
import { dnsName, quantitySchema } from './model-spec.ts';
import { explainLabel, MAX_TEAM_NAME_LENGTH } from './names.ts';
import type { Quantity } from './quantity.ts';
import { describeValue, fromZodIssues } from './zod-issues.ts';

/** A team's resource quota: the ceiling of what its namespace may request. */
export interface TeamQuota {
  /** Whole GPUs (`requests.nvidia.com/gpu` and its MIG/time-sliced variants count as GPUs of the pool). */
  readonly gpu: number;
  /** CPU requests, e.g. `"64"`. */
  readonly cpu: Quantity;
  /** Memory requests, e.g. `"512Gi"`. */
  readonly memory: Quantity;
}

/**
 * In-mesh workloads allowed to call a team's shards directly, besides the
 * stack's ingress gateway (always allowed). Both lists are optional.
 */
export interface TeamCallers {
  /**
   * Namespaces whose workloads may call the shards: every pod of these
   * namespaces, whatever its ServiceAccount. DNS-1123 labels.
   *
   * @default - none
   */
  readonly namespaces?: readonly string[];
  /**
   * Istio principals (SPIFFE identities without `spiffe://`) that may call the
   * shards: `<trust-domain>/ns/<namespace>/sa/<serviceaccount>`, such as
   * `cluster.local/ns/checkout/sa/checkout-api`.
   *
   * @default - none
   */
  readonly principals?: readonly string[];
  /**
   * Workloads trusted to name some tenants without a token: each principal
   * may call the copies of the listed tenants only (with the tenant header),
   * and is exempt from the tenant-claim check when the stack authenticates
   * tenants (`modelfleet:auth`). Callers in `namespaces` and `principals`
   * present a tenant token instead.
   *
   * @default - none
   */
  readonly trusted?: readonly TrustedCaller[];
}

/** A caller trusted for named tenants (`callers.trusted`). */
export interface TrustedCaller {
  /** The caller's Istio principal, as in `callers.principals`. */
  readonly principal: string;
  /** The tenants whose copies it may call (DNS labels). */
  readonly tenants: readonly string[];
}

/** A team declaration. */
export interface TeamDeclaration {
  /** Team name: a DNS-1035 label of at most 24 characters; also the namespace name. */
  readonly name: string;
  /** Resource quota of the team's namespace. */
  readonly quota: TeamQuota;
  /**
   * In-mesh workloads that may call the team's shards directly, besides the ingress gateway.
   *
   * @default - none: only the ingress gateway
   */
  readonly callers?: TeamCallers;
  /**
   * The team's monthly budget: the `team-budget` rule fails synth and the
   * policy pack when the team's planned monthly cost exceeds it. A stack may
   * override it (`modelfleet:cost.budgets.<team>`).
   *
   * @default - no budget
   */
  readonly budget?: TeamBudget;
}

/** A team's budget. */
export interface TeamBudget {
  /** Most the team's shards may cost a month at their planned replicas, in US dollars. */
  readonly monthlyUsd: number;
}

/** Marks objects made by `defineTeam`. */
export const TEAM_BRAND: unique symbol = Symbol.for('modelfleet.team') as never;

/**
 * Declares a team.
 *
 * @example
 * defineTeam({ name: 'fraud', quota: { gpu: 8, cpu: '64', memory: '512Gi' } })
 * @example
 * defineTeam({
 *   name: 'fraud',
 *   quota: { gpu: 8, cpu: '64', memory: '512Gi' },
 *   callers: { namespaces: ['payments'], principals: ['cluster.local/ns/checkout/sa/checkout-api'] },
 * })
 */
export function defineTeam(declaration: TeamDeclaration): TeamDeclaration & { readonly [TEAM_BRAND]: true } {
  return Object.defineProperty({ ...declaration }, TEAM_BRAND, { value: true, enumerable: false }) as TeamDeclaration & { readonly [TEAM_BRAND]: true };
}

/** A validated team. */
export interface TeamSpec {
  readonly file: string;
  readonly pathPrefix: readonly (string | number)[];
  readonly name: string;
  /** Namespace the team's objects live in. */
  readonly namespace: string;
  readonly quota: { readonly gpu: number; readonly cpu: number; readonly memory: number };
  /** In-mesh callers admitted besides the ingress gateway: sorted, without duplicates, empty when not declared. */
  readonly callers: {
    readonly namespaces: readonly string[];
    readonly principals: readonly string[];
    /** Trusted callers by principal (sorted), each with its sorted tenants; a principal listed twice has its tenants merged. */
    readonly trusted: readonly TrustedCaller[];
  };
  /** The declared budget, when there is one (a stack may override it: see `teamBudget()` in `core/cost/`). */
  readonly budget?: TeamBudget;
}

/** A SPIFFE trust domain as Istio writes it (`meshConfig.trustDomain`): lower-case DNS-like name. */
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A Kubernetes ServiceAccount name: a DNS-1123 subdomain. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const PRINCIPAL_EXAMPLE = '"cluster.local/ns/checkout/sa/checkout-api"';

/**
 * Explains why `value` is not an Istio principal
 * (`<trust-domain>/ns/<namespace>/sa/<serviceaccount>`), or returns
 * `undefined` when it is one.
 */
export function explainPrincipal(value: string): string | undefined {
  const shown = JSON.stringify(value);
  if (value.startsWith('spiffe://')) {
    const rest = value.slice('spiffe://'.length);
    return `${shown} starts with "spiffe://"; Istio principals leave it out: write ${JSON.stringify(rest)}`;
  }
  if (value.includes('*')) {
    return `${shown} has a wildcard; list each caller's identity exactly, or name its namespace in callers.namespaces to admit every workload there`;
  }
  const parts = value.split('/');
  if (parts.length !== 5 || parts[1] !== 'ns' || parts[3] !== 'sa') {
    return `${shown} is not an Istio principal: use <trust-domain>/ns/<namespace>/sa/<serviceaccount>, such as ${PRINCIPAL_EXAMPLE}`;
  }
  const [trustDomain, , namespace, , serviceAccount] = parts as [string, string, string, string, string];
  if (!TRUST_DOMAIN.test(trustDomain) || trustDomain.length > 253) {
    return `${shown} has trust domain ${JSON.stringify(trustDomain)}, which is not a trust domain such as "cluster.local" (the mesh's meshConfig.trustDomain)`;
  }
  const namespaceProblem = explainLabel(namespace, 63);
  if (namespaceProblem) return `${shown} names namespace ${JSON.stringify(namespace)}: ${namespaceProblem}`;
  if (!DNS1123_SUBDOMAIN.test(serviceAccount) || serviceAccount.length > 253) {
    return `${shown} names ServiceAccount ${JSON.stringify(serviceAccount)}, which is not a ServiceAccount name: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** The namespace part of a principal that `explainPrincipal()` accepts (`cluster.local/ns/checkout/sa/api` → `checkout`). */
export function principalNamespace(principal: string): string {
  return principal.split('/')[2]!;
}

const principalSchema = z.unknown().transform((value, ctx) => {
  if (typeof value !== 'string') {
    ctx.issues.push({ code: 'custom', input: value, message: `expected a principal as a string, got ${describeValue(value)}; write it in quotes, such as ${PRINCIPAL_EXAMPLE}` });
    return z.NEVER;
  }
  const problem = explainPrincipal(value);
  if (problem) {
    ctx.issues.push({ code: 'custom', input: value, message: problem });
    return z.NEVER;
  }
  return value;
});

/** Sorted, without duplicates. */
const sortedSet = (values: readonly string[] | undefined): readonly string[] => [...new Set(values ?? [])].sort(compareStrings);

/** Known fields of `callers`, for unknown-field suggestions. */
const CALLER_FIELDS = ['namespaces', 'principals', 'trusted'];

const teamSchema = z.strictObject({
  name: dnsName('team name', MAX_TEAM_NAME_LENGTH, true, 'it starts every shard name, <team>-<tier>-<pool>-<n>, which Kubernetes limits to 63 characters'),
  quota: z.strictObject({
    gpu: z.number().int().min(0).max(100000),
    cpu: quantitySchema('cpu'),
    memory: quantitySchema('memory'),
  }),
  callers: z
    .strictObject({
      namespaces: z.array(dnsName('namespace', 63)).optional(),
      principals: z.array(principalSchema).optional(),
      trusted: z
        .array(
          z.strictObject({
            principal: principalSchema,
            tenants: z.array(dnsName('tenant name', 63)).min(1, { message: 'lists no tenant; name the tenants whose copies the caller may call, or remove the entry' }),
          }),
        )
        .optional(),
    })
    .optional(),
  budget: z.strictObject({ monthlyUsd: z.number().min(0).max(1_000_000_000) }).optional(),
});

/** Validates one team declaration. */
export function validateTeam(input: unknown, file: string, pathPrefix: readonly (string | number)[]): { spec?: TeamSpec; issues: SpecIssue[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ file, path: [...pathPrefix], message: `expected a team declaration made with defineTeam({...}), got ${describeValue(input)}; export default [defineTeam({ name, quota: { gpu, cpu, memory } }), ...]` }] };
  }
  const parsed = teamSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const known = (path: readonly PropertyKey[]) =>
      path.length === 0 ? ['name', 'quota', 'callers', 'budget'] : path.length === 1 && path[0] === 'quota' ? ['gpu', 'cpu', 'memory'] : path.length === 1 && path[0] === 'callers' ? CALLER_FIELDS : path.length === 3 && path[0] === 'callers' && path[1] === 'trusted' ? ['principal', 'tenants'] : [];
    return { issues: fromZodIssues(parsed.error.issues, input, file, pathPrefix, known) };
  }
  const d = parsed.data;
  const trustedTenants = new Map<string, string[]>();
  for (const t of d.callers?.trusted ?? []) trustedTenants.set(t.principal, [...(trustedTenants.get(t.principal) ?? []), ...t.tenants]);
  const trusted = [...trustedTenants.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([principal, tenants]) => ({ principal, tenants: sortedSet(tenants) }));
  const callers = { namespaces: sortedSet(d.callers?.namespaces), principals: sortedSet(d.callers?.principals), trusted };
  return { spec: { file, pathPrefix, name: d.name, namespace: d.name, quota: d.quota, callers, ...(d.budget ? { budget: d.budget } : {}) }, issues: [] };
}

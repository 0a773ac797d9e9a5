/**
 * Who may call one shard, and for which tenant's copies: Istio
 * AuthorizationPolicies on the shard's pods. An ALLOW policy admits exactly
 * the ingress gateway and the team's callers to the copies' KServe-v2 paths
 * (with the tenant header of each copy), to the gRPC data-plane methods (with
 * the model and tenant headers), and anyone to health and metrics; a DENY
 * policy guards every tenanted copy against requests naming another tenant,
 * or none, whatever other ALLOW policies exist.
 */
import { Construct } from 'constructs';
import type { Shard, ModelCopy } from '../core/plan/shard-plan.ts';
import { shardLabels, shardSelectorLabels } from '../core/plan/shard-labels.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { compareStrings } from '../core/util/compare.ts';
import { AuthorizationPolicy } from './authorization-policy.ts';
import type { AuthorizationPolicySpec, Condition, Rule, RuleFrom } from './imports/security.istio.io.ts';
import { GRPC_SERVICE_PREFIX } from './model-route.ts';
import { gatewayOf } from '../core/stack/gateways.ts';
import { claimConditionKey } from './tenant-authentication.ts';
import { TRITON_GRPC_PORT, TRITON_HTTP_PORT, TRITON_METRICS_PORT } from './triton-shard.ts';

/**
 * Methods of Triton's `inference.GRPCInferenceService` a caller may use: the
 * data plane (inference, readiness, metadata, configuration and statistics of
 * a model) and the server's health and metadata. Model control
 * (`RepositoryModelLoad` can load a model with caller-supplied files),
 * shared-memory registration, tracing and logging settings act across every
 * tenant of the shard and are not admitted.
 */
export const TRITON_GRPC_DATA_METHODS: readonly string[] = [
  'ModelConfig',
  'ModelInfer',
  'ModelMetadata',
  'ModelReady',
  'ModelStatistics',
  'ModelStreamInfer',
  'ServerLive',
  'ServerMetadata',
  'ServerReady',
];

/** Methods of `inference.GRPCInferenceService` that act on the whole server: the guard policy denies them to everyone. */
export const TRITON_GRPC_CONTROL_METHODS: readonly string[] = [
  'CudaSharedMemoryRegister',
  'CudaSharedMemoryStatus',
  'CudaSharedMemoryUnregister',
  'LogSettings',
  'RepositoryIndex',
  'RepositoryModelLoad',
  'RepositoryModelUnload',
  'SystemSharedMemoryRegister',
  'SystemSharedMemoryStatus',
  'SystemSharedMemoryUnregister',
  'TraceSetting',
];

/** Triton HTTP paths that act on the whole server (model control, shared memory, tracing, logging): denied to everyone. */
export const TRITON_HTTP_CONTROL_PATHS: readonly string[] = ['/v2/cudasharedmemory/*', '/v2/logging', '/v2/repository/*', '/v2/systemsharedmemory/*', '/v2/trace/*'];

/** Triton's health endpoints, admitted from any source (kubelet probes, when the sidecar does not rewrite them). */
export const TRITON_HEALTH_PATHS: readonly string[] = ['/v2/health/live', '/v2/health/ready'];

/** Path of Triton's Prometheus endpoint on the metrics port. */
export const TRITON_METRICS_PATH = '/metrics';

/**
 * Most rules one AuthorizationPolicy holds; more rules go to further policies
 * (`<name>-part2`, ...), which Istio evaluates exactly like one (ALLOW policies
 * admit what any of them admits; any matching DENY policy denies). The CRD
 * allows 512.
 */
export const DEFAULT_MAX_RULES_PER_POLICY = 256;

/**
 * Most bytes of rules (as JSON) one AuthorizationPolicy holds: 128 KiB keeps
 * an object well below the 256 KiB annotation client-side `kubectl apply`
 * (and GitOps tools that use it) stores, and far below etcd's 1.5 MiB. A
 * single rule larger than this gets a policy of its own.
 */
export const DEFAULT_MAX_POLICY_BYTES = 128 * 1024;

/**
 * Most paths, or header values, one rule lists. A longer list is spread over
 * several rules with the same sources and conditions, which admit (or deny)
 * the same requests, so that rules can be spread over policies. `notValues`
 * lists are never split: a request is denied when its value is none of them,
 * which no set of shorter lists expresses.
 */
export const MAX_VALUES_PER_RULE = 128;

/** Properties for `ShardAuthorization`. */
export interface ShardAuthorizationProps {
  /** The shard whose pods the policies select. */
  readonly shard: Shard;

  /** The stack: tenant and model headers (`routing`), the gateway's identity and the trust domain (`isolation`). */
  readonly stack: StackConfig;

  /** The shard's team; its `callers` are admitted besides the ingress gateway. */
  readonly team: TeamSpec;

  /**
   * Most rules per AuthorizationPolicy object; a shard that needs more gets
   * further objects named `<name>-part2`, `<name>-part3`, ...
   *
   * @default 256 - `DEFAULT_MAX_RULES_PER_POLICY`
   */
  readonly maxRulesPerPolicy?: number;

  /**
   * Most bytes of rules (as JSON) per AuthorizationPolicy object; a shard
   * that needs more gets further objects, as with `maxRulesPerPolicy`.
   *
   * @default 131072 - `DEFAULT_MAX_POLICY_BYTES` (128 KiB)
   */
  readonly maxBytesPerPolicy?: number;
}

/**
 * The Istio principal of the stack's default ingress gateway:
 * `<trustDomain>/ns/<ingressNamespace>/sa/<ingressServiceAccount>`. A team
 * with its own gateway (`routing.gateways`) is called by that one's:
 * `gatewayOf(stack, team).principal`.
 */
export function ingressPrincipal(stack: StackConfig): string {
  const { trustDomain, ingressNamespace, ingressServiceAccount } = stack.isolation;
  return `${trustDomain}/ns/${ingressNamespace}/sa/${ingressServiceAccount}`;
}

/** The KServe-v2 HTTP paths of one copy: `/v2/models/<tritonName>` and everything below it. */
export function copyHttpPaths(tritonName: string): string[] {
  return [`/v2/models/${tritonName}`, `/v2/models/${tritonName}/*`];
}

/** `request.headers[<name>]`, the condition key of a request header. */
function headerKey(name: string): string {
  return `request.headers[${name}]`;
}

/** Copies grouped by a key, groups and members in name order. */
function groupBy<T extends string | undefined>(copies: readonly ModelCopy[], key: (c: ModelCopy) => T): [T, ModelCopy[]][] {
  const groups = new Map<T, ModelCopy[]>();
  for (const copy of [...copies].sort((a, b) => compareStrings(a.tritonName, b.tritonName))) {
    const k = key(copy);
    const list = groups.get(k);
    if (list) list.push(copy);
    else groups.set(k, [copy]);
  }
  return [...groups.entries()].sort(([a], [b]) => compareStrings(a ?? '', b ?? ''));
}

/** `items` in consecutive runs of at most `size`. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sorted distinct tenants of `copies`. */
function tenantsOf(copies: readonly ModelCopy[]): string[] {
  return [...new Set(copies.flatMap((c) => (c.tenant === undefined ? [] : [c.tenant])))].sort(compareStrings);
}

/**
 * The sources the ALLOW rules admit: the team's ingress gateway's principal with the
 * team's caller principals in one entry, the caller namespaces in another
 * (fields of one source AND, entries OR). When the stack authenticates
 * tenants (`modelfleet:auth`), each entry also requires a valid token
 * (`requestPrincipals: ["*"]`).
 */
export function allowedSources(stack: StackConfig, team: TeamSpec): RuleFrom[] {
  const gateway = gatewayOf(stack, team.name).principal;
  const principals = [gateway, ...team.callers.principals.filter((p) => p !== gateway)];
  const token = stack.auth ? { requestPrincipals: ['*'] } : {};
  const from: RuleFrom[] = [{ source: { principals, ...token } }];
  if (team.callers.namespaces.length) from.push({ source: { namespaces: [...team.callers.namespaces], ...token } });
  return from;
}

/** The team's trusted callers by tenant: tenant → sorted principals (`callers.trusted`). */
export function trustedCallersByTenant(team: TeamSpec): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { principal, tenants } of team.callers.trusted) for (const t of tenants) out.set(t, [...(out.get(t) ?? []), principal]);
  for (const list of out.values()) list.sort(compareStrings);
  return out;
}

/**
 * The rules of a shard's ALLOW policy, in this order:
 *
 * 1. HTTP on the HTTP port to the paths of the untenanted copies;
 * 2. per tenant (in name order), HTTP on the HTTP port to the paths of the
 *    tenant's copies when the tenant header is the tenant;
 * 3. the gRPC data-plane methods (`TRITON_GRPC_DATA_METHODS`) on the gRPC
 *    port: when the model header names one of the untenanted models (one
 *    rule), and per tenanted model (in name order) when the model header is
 *    the model and the tenant header is one of the tenants whose copy of it
 *    is on the shard;
 * 4. `GET` of Triton's health endpoints on the HTTP port, from any source;
 * 5. `GET /metrics` on the metrics port, from any source.
 *
 * Rules 1–3 admit only `allowedSources()`. Paths within a rule are in
 * Triton-name order; a rule with more than `MAX_VALUES_PER_RULE` paths,
 * models or tenants is spread over several rules.
 *
 * With `modelfleet:auth`, the sources also need a valid token
 * (`requestPrincipals: ["*"]`), each tenant rule also needs the token's
 * tenant claim to be the tenant (`request.auth.claims[<claim>]`), and the
 * tenanted gRPC rules are per tenant (the tenant's models on the shard) rather
 * than per model, so that the claim and the tenant header can be required
 * together. Whatever the stack, a tenant with trusted callers
 * (`callers.trusted`) gets rules of its own after its rule: the trusted
 * principals, the tenant's paths (HTTP) or models (gRPC) and its tenant
 * header, without a token.
 */
export function shardAllowRules(shard: Shard, stack: StackConfig, team: TeamSpec): Rule[] {
  const { tenantHeader, modelHeader } = stack.routing;
  const from = allowedSources(stack, team);
  const trusted = trustedCallersByTenant(team);
  const claim = stack.auth ? claimConditionKey(stack.auth.tenantClaim) : undefined;
  const rules: Rule[] = [];
  const http = (paths: string[]) => [{ operation: { ports: [String(TRITON_HTTP_PORT)], paths } }];
  for (const [tenant, copies] of groupBy(shard.copies, (c) => c.tenant)) {
    const header: Condition[] = tenant === undefined ? [] : [{ key: headerKey(tenantHeader), values: [tenant] }];
    const when = [...header, ...(tenant !== undefined && claim ? [{ key: claim, values: [tenant] }] : [])];
    const callers = tenant === undefined ? undefined : trusted.get(tenant);
    for (const paths of chunk(copies.flatMap((c) => copyHttpPaths(c.tritonName)), MAX_VALUES_PER_RULE)) {
      rules.push({ from, to: http(paths), ...(when.length ? { when } : {}) });
      if (callers) rules.push({ from: [{ source: { principals: callers } }], to: http(paths), when: header });
    }
  }
  const grpc = [{ operation: { ports: [String(TRITON_GRPC_PORT)], paths: TRITON_GRPC_DATA_METHODS.map((m) => `${GRPC_SERVICE_PREFIX}${m}`) } }];
  // A model is either tenanted or not; an untenanted model's copy needs no tenant header.
  const models = groupBy(shard.copies, (c) => c.model);
  const untenanted = models.filter(([, copies]) => copies.some((c) => c.tenant === undefined)).map(([model]) => model);
  for (const names of chunk(untenanted, MAX_VALUES_PER_RULE)) rules.push({ from, to: grpc, when: [{ key: headerKey(modelHeader), values: names }] });
  const untenantedSet = new Set(untenanted);
  const tenanted = shard.copies.filter((c) => !untenantedSet.has(c.model));
  if (!claim) {
    for (const [model, copies] of groupBy(tenanted, (c) => c.model)) {
      for (const tenants of chunk(tenantsOf(copies), MAX_VALUES_PER_RULE)) {
        rules.push({ from, to: grpc, when: [{ key: headerKey(modelHeader), values: [model] }, { key: headerKey(tenantHeader), values: tenants }] });
      }
    }
  }
  // Per tenant, the tenant's models on this shard: with tokens (the claim must equal the tenant header), and for its trusted callers.
  for (const [tenant, copies] of groupBy(tenanted, (c) => c.tenant!)) {
    const callers = trusted.get(tenant);
    for (const names of chunk([...new Set(copies.map((c) => c.model))], MAX_VALUES_PER_RULE)) {
      const when: Condition[] = [{ key: headerKey(modelHeader), values: names }, { key: headerKey(tenantHeader), values: [tenant] }];
      if (claim) rules.push({ from, to: grpc, when: [...when, { key: claim, values: [tenant] }] });
      if (callers) rules.push({ from: [{ source: { principals: callers } }], to: grpc, when });
    }
  }
  rules.push({ to: [{ operation: { ports: [String(TRITON_HTTP_PORT)], methods: ['GET'], paths: [...TRITON_HEALTH_PATHS] } }] });
  rules.push({ to: [{ operation: { ports: [String(TRITON_METRICS_PORT)], methods: ['GET'], paths: [TRITON_METRICS_PATH] } }] });
  return rules;
}

/**
 * The rules of a shard's DENY guard, in this order:
 *
 * 1. per tenant (in name order): HTTP to the paths of the tenant's copies
 *    when the tenant header is not the tenant (`notValues`);
 * 2. HTTP to `/v2/models/<model>.*` of every tenanted model when the
 *    request has no tenant header (`notValues: ["*"]`);
 * 3. per tenanted model (in name order): any gRPC method when the model
 *    header is the model and the tenant header is none of the tenants whose
 *    copy of it is on the shard;
 * 4. any gRPC method when the model header names a tenanted model and the
 *    request has no tenant header;
 * 5. with `modelfleet:auth`, per tenant (in name order): any request whose
 *    tenant header is the tenant and whose token's tenant claim is not
 *    (`notValues`, so no token or no claim is denied too), from every source
 *    but the tenant's trusted callers (`notPrincipals`);
 * 6. Triton's server-wide control APIs (`TRITON_HTTP_CONTROL_PATHS`,
 *    `TRITON_GRPC_CONTROL_METHODS`), always.
 *
 * Long path and model lists are spread over several rules as in
 * `shardAllowRules()`; the tenant list of a rule 3 is never split.
 *
 * Rules 2 and 4 restate what 1 and 3 already deny: Istio turns `notValues`
 * into a negated header match, and a header match fails on a missing header,
 * so its negation holds. They make the "no header, no access" guarantee
 * explicit instead of resting on that reading. Rules 1–4 and 6 have no
 * `from`: they hold for every source, the gateway included. Rule 5 binds the
 * header to the token for HTTP and gRPC alike: rule 1 already ties a copy's
 * path to its tenant header, and the gRPC guard ties the message's model name
 * to the headers.
 */
export function shardGuardRules(shard: Shard, stack: StackConfig, team: TeamSpec): Rule[] {
  const { tenantHeader, modelHeader } = stack.routing;
  const tenantKey = headerKey(tenantHeader);
  const tenanted = shard.copies.filter((c) => c.tenant !== undefined);
  const rules: Rule[] = [];
  const noTenant: Condition = { key: tenantKey, notValues: ['*'] };
  for (const [tenant, copies] of groupBy(tenanted, (c) => c.tenant!)) {
    for (const paths of chunk(copies.flatMap((c) => copyHttpPaths(c.tritonName)), MAX_VALUES_PER_RULE)) {
      rules.push({ to: [{ operation: { paths } }], when: [{ key: tenantKey, notValues: [tenant] }] });
    }
  }
  const models = groupBy(tenanted, (c) => c.model);
  for (const paths of chunk(models.map(([model]) => `/v2/models/${model}.*`), MAX_VALUES_PER_RULE)) {
    rules.push({ to: [{ operation: { paths } }], when: [noTenant] });
  }
  const anyGrpc = [{ operation: { paths: [`${GRPC_SERVICE_PREFIX}*`] } }];
  for (const [model, copies] of models) {
    rules.push({ to: anyGrpc, when: [{ key: headerKey(modelHeader), values: [model] }, { key: tenantKey, notValues: tenantsOf(copies) }] });
  }
  for (const names of chunk(models.map(([model]) => model), MAX_VALUES_PER_RULE)) {
    rules.push({ to: anyGrpc, when: [{ key: headerKey(modelHeader), values: names }, noTenant] });
  }
  if (stack.auth) {
    // The tenant header must be backed by the token's tenant claim, except for a caller trusted for the tenant.
    const claim = claimConditionKey(stack.auth.tenantClaim);
    const trusted = trustedCallersByTenant(team);
    for (const tenant of tenantsOf(tenanted)) {
      const callers = trusted.get(tenant);
      rules.push({
        ...(callers ? { from: [{ source: { notPrincipals: callers } }] } : {}),
        when: [{ key: tenantKey, values: [tenant] }, { key: claim, notValues: [tenant] }],
      });
    }
  }
  rules.push({ to: [{ operation: { paths: [...TRITON_HTTP_CONTROL_PATHS, ...TRITON_GRPC_CONTROL_METHODS.map((m) => `${GRPC_SERVICE_PREFIX}${m}`)] } }] });
  return rules;
}

/**
 * Name of part `index` (from 0) of a policy: `base`, then `<base>-part2`,
 * `<base>-part3`, ... A plain `-2` could equal another shard's name in the
 * namespace (`…-gpu-l4-1` part 2 and shard 2 of a pool `gpu-l4-1`); shard
 * names end in `-<digits>`, so `-part<n>` never does.
 */
export function policyPartName(base: string, index: number): string {
  return index === 0 ? base : `${base}-part${index + 1}`;
}

/** Limits of one AuthorizationPolicy object, for `splitRules()`. */
export interface PolicyLimits {
  /** Most rules. */
  readonly maxRules: number;
  /** Most bytes of rules, as JSON; a larger rule gets a run of its own. */
  readonly maxBytes: number;
}

/**
 * Splits `rules`, in order, into consecutive runs that fit `limits` (none
 * for no rules: an ALLOW policy without rules would deny everything).
 */
export function splitRules(rules: readonly Rule[], limits: PolicyLimits): Rule[][] {
  const { maxRules, maxBytes } = limits;
  if (!Number.isInteger(maxRules) || maxRules < 1) throw new Error(`maxRulesPerPolicy must be a positive integer, got ${maxRules}`);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new Error(`maxBytesPerPolicy must be a positive integer, got ${maxBytes}`);
  const out: Rule[][] = [];
  let bytes = 0;
  for (const rule of rules) {
    const size = JSON.stringify(rule).length;
    const last = out.at(-1);
    if (last && last.length < maxRules && bytes + size <= maxBytes) {
      last.push(rule);
      bytes += size;
    } else {
      out.push([rule]);
      bytes = size;
    }
  }
  return out;
}

/**
 * The AuthorizationPolicies of one shard, in the shard's namespace, selecting
 * its pods by `shardSelectorLabels()` (the Deployment's own selector):
 *
 * - **`<shard>`** (`ALLOW`, `shardAllowRules()`): the ingress gateway and the
 *   team's callers reach each copy's KServe-v2 paths on the HTTP port with the
 *   copy's tenant in the tenant header, and the gRPC data-plane methods on
 *   the gRPC port with the model header and a tenant of the model on this
 *   shard; anyone reaches the health endpoints and `GET /metrics`. Everything
 *   else is denied: once an ALLOW policy selects a workload, requests no
 *   ALLOW policy matches are refused.
 * - **`<shard>-tenant-guard`** (`DENY`, `shardGuardRules()`): requests to a
 *   tenanted copy whose tenant header names another tenant or none, and
 *   Triton's server-wide control APIs, are denied even if another ALLOW
 *   policy (a namespace-wide allow-all, say) would admit them; DENY policies
 *   are evaluated before ALLOW policies.
 *
 * A shard whose rules exceed `maxRulesPerPolicy` rules or
 * `maxBytesPerPolicy` bytes in either gets further objects,
 * `<name>-part2`, `<name>-part3`, ... (`policyPartName()`): Istio evaluates several ALLOW (or DENY) policies on one
 * workload as the union of their rules.
 *
 * The source conditions (principals, namespaces) need mutual TLS between the
 * caller's sidecar (or gateway) and the shard's: a plaintext request carries
 * no identity and matches no source, so it is refused.
 *
 * @example
 * new ShardAuthorization(chart, `${shard.name}-authz`, { shard, stack, team });
 */
export class ShardAuthorization extends Construct {
  /** The ALLOW policies: `<shard>`, then `<shard>-part2`, ... when the rules did not fit one. */
  public readonly allowPolicies: readonly AuthorizationPolicy[];
  /** The DENY guard policies: `<shard>-tenant-guard`, then `<shard>-tenant-guard-part2`, ... */
  public readonly guardPolicies: readonly AuthorizationPolicy[];

  /**
   * Defines the authorization policies of one shard.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id; `<shard>-authz` by convention
   * @param props the shard, the stack and the shard's team
   */
  public constructor(scope: Construct, id: string, props: ShardAuthorizationProps) {
    super(scope, id);
    const { shard, stack, team } = props;
    if (shard.team !== team.name || shard.namespace !== team.namespace) {
      throw new Error(`[${this.node.path}] shard ${shard.name} belongs to team ${shard.team} (namespace ${shard.namespace}), not ${team.name} (namespace ${team.namespace})`);
    }
    if (shard.copies.length === 0) throw new Error(`[${this.node.path}] shard ${shard.name} has no model copies; the packer never emits an empty shard`);
    const limits = { maxRules: props.maxRulesPerPolicy ?? DEFAULT_MAX_RULES_PER_POLICY, maxBytes: props.maxBytesPerPolicy ?? DEFAULT_MAX_POLICY_BYTES };
    const labels = { ...shardLabels(shard) };
    const selector = { matchLabels: { ...shardSelectorLabels(shard) } };
    const render = (idBase: string, nameBase: string, action: 'ALLOW' | 'DENY', rules: Rule[]) =>
      splitRules(rules, limits).map((part, i) => {
        const spec: AuthorizationPolicySpec = { selector, action, rules: part };
        return new AuthorizationPolicy(this, i === 0 ? idBase : `${idBase}-part${i + 1}`, {
          metadata: { name: policyPartName(nameBase, i), namespace: shard.namespace, labels },
          spec,
        });
      });
    this.allowPolicies = render('Allow', shard.name, 'ALLOW', shardAllowRules(shard, stack, team));
    this.guardPolicies = render('TenantGuard', `${shard.name}-tenant-guard`, 'DENY', shardGuardRules(shard, stack, team));
  }
}

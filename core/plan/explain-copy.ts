/**
 * `explain`: for one model (or one tenant's copy), where each copy lives, why
 * it is there, what it takes of its shard, how a request reaches it and which
 * rules apply. Pure data over a synthesized fleet: the plan, the stack, the
 * previous lockfile, the rendered objects and the platform rules' outcomes.
 *
 * Routes are read back from the rendered VirtualServices (the rules a request
 * really meets), not rebuilt, so `explain` cannot drift from what `synth`
 * writes. `format-explanation.ts` renders the result as text; the CLI prints
 * it, or this data as JSON with `--json`.
 */
import { gatewayOf } from '../stack/gateways.ts';
import { formatIssues, type SpecIssue } from '../errors/spec-issue.ts';
import { usdRange } from '../cost/cost-model.ts';
import { shardCost, type ShardCost } from '../cost/fleet-cost.ts';
import type { Fleet } from '../loader/load-fleet.ts';
import { capacityVector, eligiblePools, itemVector } from '../packer/pack-shards.ts';
import type { Framework, ModelSpec, ResourceVector, SlaTier } from '../spec/model-spec.ts';
import { TIER_P99_MS } from '../spec/model-spec.ts';
import type { PoolSpec, StackConfig } from '../stack/stack-config.ts';
import { servingCopyIn } from '../serving/serving-copy.ts';
import { tritonModelConfig } from '../triton/model-config.ts';
import { plannedBatching } from '../serving/planned-batching.ts';
import { closestNames } from '../util/closest-names.ts';
import { compareStrings } from '../util/compare.ts';
import type { PlacementLock } from './lockfile.ts';
import { planRoutes, type ModelRoutes } from './route-table.ts';
import type { RuleOutcome } from './rule-outcome.ts';
import { shardAutoscaling } from './shard-autoscaling.ts';
import { LABEL, podTemplateLabels } from './shard-labels.ts';
import type { ModelCopy, PackingGroup, Shard, ShardPlan } from './shard-plan.ts';

/** A rendered Kubernetes object as `explain` reads it. */
export interface RenderedObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The objects of one manifest file. */
export interface RenderedManifest {
  /** Path relative to the output directory (`manifests/fraud.yaml`). */
  readonly path: string;
  readonly objects: readonly RenderedObject[];
}

/** What `explainCopies` reads: one synthesized fleet. */
export interface ExplainContext {
  readonly fleet: Fleet;
  readonly plan: ShardPlan;
  readonly stack: StackConfig;
  readonly manifests: readonly RenderedManifest[];
  readonly rules: readonly RuleOutcome[];
  /** The committed lockfile: how messages name it, what it held, whether synth would leave it as it is. */
  readonly lockfile: { readonly shownAs: string; readonly previous?: PlacementLock; readonly upToDate: boolean };
  /** The fleet directory as given (`models`), for messages about an unknown model. */
  readonly modelsDir: string;
}

/** Which copies to explain. */
export interface ExplainQuery {
  readonly model: string;
  /** One tenant's copy. @default - every copy of the model */
  readonly tenant?: string;
}

/** A copy's amount of one resource against its shard. */
export interface ResourceShare {
  /** What the copy holds (bytes, or millicores for CPU). */
  readonly copy: number;
  /** What all the shard's copies hold. */
  readonly shardUsed: number;
  /** What the shard may hold (pool minus reserve, server overhead and tier headroom). */
  readonly shardCapacity: number;
  /** `copy / shardUsed`, percent with one decimal; 0 when the shard uses none. */
  readonly percentOfUsed: number;
  /** `copy / shardCapacity`, percent with one decimal; 0 when the shard has none. */
  readonly percentOfCapacity: number;
}

/** How one pool of the tier's list was judged for the copy. */
export interface PoolVerdict {
  readonly pool: string;
  /** `chosen`: the copy's pool; `skipped-kind`: wrong kind of pool; `too-small`: cannot hold the copy; `not-needed`: later in the list than the chosen one. */
  readonly verdict: 'chosen' | 'skipped-kind' | 'too-small' | 'not-needed';
  readonly note: string;
}

/** One rendered VirtualService rule that serves the copy. */
export interface RouteRule {
  /** The rule's `name` in the VirtualService. */
  readonly name: string;
  readonly protocol: 'http' | 'grpc';
  /** Match blocks, each as readable conditions (`uri prefix /v2/models/txn-scorer/`, `header x-tenant = acme-bank`). */
  readonly match: readonly (readonly string[])[];
  /** `uriRegexRewrite` (RE2 match and rewrite), when the rule rewrites the path. */
  readonly rewrite: { readonly match: string; readonly rewrite: string } | null;
  /** Destination `host:port`. */
  readonly destination: string;
}

/** How a request reaches the copy. */
export interface RouteExplanation {
  readonly host: string;
  readonly gateway: string;
  readonly virtualService: { readonly name: string; readonly namespace: string; readonly part: number; readonly parts: number };
  /** REST: the headers a client sends, and where `POST /v2/models/<model>/infer` goes. */
  readonly rest: {
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    /** The path the shard receives (after the rewrite of the default rule). */
    readonly upstreamPath: string;
    readonly destination: string;
    /** A canary split of requests that name no version: percent and upstream path. */
    readonly canary: { readonly weight: number; readonly upstreamPath: string } | null;
  };
  /** gRPC: metadata, the model name the message must carry, and the destination. */
  readonly grpc: { readonly metadata: Readonly<Record<string, string>>; readonly modelName: string; readonly destination: string };
  /** The rules of the VirtualService that serve the copy, in first-match order. */
  readonly rules: readonly RouteRule[];
  /** A REST call ready to run (with a request body in `request.json`). */
  readonly curl: string;
  /** A gRPC call ready to run with Triton's `grpc_service.proto` (fill in the inputs). */
  readonly grpcurl: string;
}

/** The tier's settings that govern the copy. */
export interface TierRules {
  readonly tier: SlaTier;
  readonly p99LatencyMs: number;
  /** The copy's `max_batch_size` (declared, else the tier's). */
  readonly maxBatchSize: number;
  readonly maxQueueDelayMicroseconds: number;
  readonly preferredBatchSizes: readonly number[];
  readonly queue: { readonly timeoutAction: 'REJECT' | 'DELAY'; readonly timeoutMicroseconds: number; readonly maxQueueSize: number };
  readonly priorityClass: { readonly name: string; readonly value: number; readonly preemptionPolicy: string };
  readonly pdbMaxUnavailable: number;
  readonly headroomPercent: number;
  readonly autoscaler: {
    readonly kind: string;
    readonly queueTimeTargetMicroseconds: number;
    readonly cpuUtilizationPercent: number;
    readonly gpuUtilizationPercent: number | null;
    readonly scaleToZero: boolean;
  };
}

/** One platform rule's result on the objects that serve the copy. */
export interface PlatformRuleResult {
  readonly id: string;
  readonly description: string;
  readonly level: string;
  /** `pass`, `violated` (advisory: a warning) or `not run` (disabled). */
  readonly result: 'pass' | 'violated' | 'not run';
  /** The violations on those objects, as `FILE: FIELD: message` lines. */
  readonly violations: readonly string[];
}

/** Everything `explain` says about one copy. */
export interface CopyExplanation {
  readonly id: string;
  readonly model: string;
  readonly tenant: string | null;
  readonly team: string;
  readonly tritonName: string;
  /** The declaring file. */
  readonly file: string;
  readonly tier: SlaTier;
  readonly framework: Framework;
  readonly gpu: boolean;
  readonly peakQps: number | null;
  readonly dedicated: boolean;
  readonly shard: {
    readonly name: string;
    readonly namespace: string;
    readonly pool: string;
    readonly poolKind: 'gpu' | 'cpu';
    readonly copies: number;
    readonly maxCopies: number;
    readonly gpusPerReplica: number;
    readonly gpuResource: string | null;
    readonly replicas: { readonly min: number; readonly max: number; readonly peak: { readonly replicas: number; readonly hoursUtc: readonly (readonly [number, number])[] } | null };
  };
  readonly share: { readonly memory: ResourceShare; readonly gpuMemory: ResourceShare; readonly cpu: ResourceShare };
  /**
   * What the copy costs a month: its share of its shard's cost, in proportion
   * to GPU memory (CPU on CPU pools), for chargeback (`core/cost/`, docs/cost.md).
   */
  readonly cost: {
    /** One replica of the shard (one node of its pool) per hour, after the discount. */
    readonly hourlyUsdPerReplica: number;
    readonly shardMonthlyUsd: { readonly min: number; readonly planned: number; readonly max: number };
    readonly monthlyUsd: { readonly min: number; readonly planned: number; readonly max: number };
  };
  /** The copy at the shard's planned peak (the serving model, docs/tiers.md "Planning for load"). */
  readonly serving: {
    /** Requests/s planned for the copy (`peakQps` × `peakTrafficPercent`), `null` when it declares none. */
    readonly peakQps: number | null;
    /** Requests/s per replica at peak. */
    readonly perReplicaQps: number;
    /** The batch size it is planned to run at. */
    readonly batch: number;
    /** Milliseconds one such batch takes, from its profile or the stack's throughput figure. */
    readonly batchLatencyMs: number;
    /** Where the latency comes from. */
    readonly latencySource: 'profile' | 'throughput';
    /** The shard's replicas at peak and its utilisation there. */
    readonly shardReplicasAtPeak: number;
    readonly shardUtilization: number;
  };
  readonly why: {
    readonly group: PackingGroup;
    readonly pools: readonly PoolVerdict[];
    /** Where the placement came from: kept by the lockfile, or made by the packer in this run. */
    readonly placement: { readonly source: 'lockfile' | 'packer'; readonly previousShard: string | null; readonly reason: string };
  };
  readonly route: RouteExplanation;
  readonly rules: {
    readonly tier: TierRules;
    /** The objects that isolate the copy (AuthorizationPolicies, the gRPC guard, the team's NetworkPolicies), as `Kind/name`. */
    readonly isolation: readonly string[];
    readonly platform: readonly PlatformRuleResult[];
  };
  /** Every object that serves the copy, as `Kind/name` (shard, team, route and tier objects). */
  readonly objects: readonly string[];
}

/** The answer to one query. */
export interface FleetExplanation {
  readonly stack: string;
  readonly lockfile: { readonly file: string; readonly upToDate: boolean };
  readonly copies: readonly CopyExplanation[];
}

/** The result of `explainCopies`: the explanation, or why the query names nothing. */
export type ExplainResult = { readonly ok: true; readonly explanation: FleetExplanation } | { readonly ok: false; readonly issues: readonly SpecIssue[] };

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

const share = (copy: ModelCopy, shard: Shard, key: keyof ResourceVector): ResourceShare => ({
  copy: copy.resources[key],
  shardUsed: shard.used[key],
  shardCapacity: shard.capacity[key],
  percentOfUsed: percent(copy.resources[key], shard.used[key]),
  percentOfCapacity: percent(copy.resources[key], shard.capacity[key]),
});

/** Finds the copies a query names, or says what it should have named. */
function findCopies(query: ExplainQuery, context: ExplainContext): { model: ModelSpec; copies: { copy: ModelCopy; shard: Shard }[] } | SpecIssue[] {
  const model = context.fleet.models.find((m) => m.name === query.model);
  if (!model) {
    const names = context.fleet.models.map((m) => m.name);
    return [
      {
        file: context.modelsDir,
        path: [],
        message: `no model named "${query.model}" in the fleet; closest: ${closestNames(query.model, names).join(', ')}; run \`npx modelfleet explain <model>\` with one of the ${names.length} models`,
      },
    ];
  }
  const tenants = (model.tenants ?? []).map((t) => t.name);
  if (query.tenant !== undefined && !model.tenants) {
    return [{ file: model.file, path: [...model.pathPrefix, 'tenants'], message: `${model.name} has no tenants (one shared copy); drop --tenant ${query.tenant}` }];
  }
  if (query.tenant !== undefined && !tenants.includes(query.tenant)) {
    return [
      {
        file: model.file,
        path: [...model.pathPrefix, 'tenants'],
        message: `${model.name} has no tenant "${query.tenant}"; closest: ${closestNames(query.tenant, tenants).join(', ')} (${tenants.length} tenants)`,
      },
    ];
  }
  const copies: { copy: ModelCopy; shard: Shard }[] = [];
  for (const shard of context.plan.shards) {
    for (const copy of shard.copies) {
      if (copy.model === model.name && (query.tenant === undefined || copy.tenant === query.tenant)) copies.push({ copy, shard });
    }
  }
  copies.sort((a, b) => compareStrings(a.copy.id, b.copy.id));
  return { model, copies };
}

/** How each pool of the tier's list was judged, in the tier's order. */
function poolVerdicts(copy: ModelCopy, shard: Shard, stack: StackConfig): PoolVerdict[] {
  const tier = stack.tiers[copy.tier];
  const eligible = eligiblePools(copy, stack);
  const chosenAt = tier.pools.indexOf(shard.pool);
  return tier.pools.map((name, index): PoolVerdict => {
    const pool = eligible.find((p) => p.name === name);
    if (name === shard.pool) return { pool: name, verdict: 'chosen', note: 'the copy runs here' };
    if (!pool) {
      const kind = stack.pools.find((p) => p.name === name)?.kind;
      return { pool: name, verdict: 'skipped-kind', note: `a ${kind === 'gpu' ? 'GPU' : 'CPU'} pool; ${copy.gpu ? 'GPU' : 'CPU'} copies run on ${copy.gpu ? 'GPU' : 'CPU'} pools` };
    }
    const capacity = capacityVector(stack, copy.tier, pool);
    const item = itemVector(copy, capacity);
    const dims = ['GPU memory', 'host memory', 'CPU', 'model slots'];
    const over = item.map((x, d) => (x > capacity[d]! ? dims[d]! : undefined)).filter((d) => d !== undefined);
    if (over.length) return { pool: name, verdict: 'too-small', note: `a shard there cannot hold the copy (${over.join(', ')})` };
    return index > chosenAt
      ? { pool: name, verdict: 'not-needed', note: `later in tier ${copy.tier}'s order than ${shard.pool}` }
      : { pool: name, verdict: 'not-needed', note: `holds the copy, but the lockfile keeps it on ${shard.pool}` };
  });
}

/** Where the placement came from, against the committed lockfile (`lockedAt`: each locked copy's shard). */
function placementReason(copy: ModelCopy, shard: Shard, context: ExplainContext, lockedAt: ReadonlyMap<string, string>): CopyExplanation['why']['placement'] {
  const { previous, shownAs } = context.lockfile;
  if (!previous) return { source: 'packer', previousShard: null, reason: `there is no ${shownAs}: the packer placed every copy from scratch` };
  const name = lockedAt.get(copy.id);
  const dedicated = copy.dedicated ? '; the model is dedicated, so the copy has the shard to itself' : '';
  if (name === undefined) {
    const into = previous.shards[shard.name] ? `an existing shard of its group where it fits (best fit)` : 'a new shard (no existing shard of its group had room)';
    return { source: 'packer', previousShard: null, reason: `new copy: ${shownAs} does not list it, so the packer put it into ${into}${dedicated}` };
  }
  if (name === shard.name) {
    return { source: 'lockfile', previousShard: name, reason: `${shownAs} keeps it in ${name}: locked copies never move on their own (\`npx modelfleet rebalance\` moves them deliberately)${dedicated}` };
  }
  const locked = previous.shards[name]!;
  const why =
    locked.tier !== copy.tier
      ? `its tier changed from ${locked.tier} to ${copy.tier}`
      : locked.pool !== shard.pool
        ? `pool ${locked.pool} can no longer hold it for tier ${copy.tier}`
        : `${name} no longer holds all its locked copies (a copy grew or the pool shrank), and this one had to leave`;
  return { source: 'packer', previousShard: name, reason: `${shownAs} had it in ${name}, but ${why}; the packer moved it here` };
}

/** The copy at its shard's planned peak. */
function servingOf(copy: ModelCopy, shard: Shard, pool: PoolSpec, stack: StackConfig): CopyExplanation['serving'] {
  const batch = shard.serving.batches[shard.copies.findIndex((c) => c.id === copy.id)] ?? 1;
  const serving = servingCopyIn(copy, pool, stack);
  return {
    peakQps: copy.peakQps === undefined ? null : serving.rate,
    perReplicaQps: Math.round((serving.rate / shard.serving.replicas) * 100) / 100,
    batch,
    batchLatencyMs: Math.round(serving.curve.latencyMs(batch) * 1000) / 1000,
    latencySource: serving.curve.source,
    shardReplicasAtPeak: shard.serving.replicas,
    shardUtilization: Math.round(shard.serving.utilization * 10_000) / 10_000,
  };
}

const labelsOf = (o: RenderedObject) => o.metadata.labels ?? {};
const refOf = (o: RenderedObject) => `${o.kind}/${o.metadata.name}`;

interface HttpRuleData {
  readonly name?: string;
  readonly match?: readonly { readonly uri?: Record<string, string>; readonly headers?: Record<string, Record<string, string>> }[];
  readonly rewrite?: { readonly uriRegexRewrite?: { readonly match: string; readonly rewrite: string } };
  readonly route?: readonly { readonly destination?: { readonly host?: string; readonly port?: { readonly number?: number } } }[];
}

/** Applies an Istio `uriRegexRewrite` (RE2 syntax, `\1` for groups) to a path. */
function applyRewrite(rewrite: { readonly match: string; readonly rewrite: string } | null, path: string): string {
  if (!rewrite) return path;
  return path.replace(new RegExp(rewrite.match), rewrite.rewrite.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1'));
}

function describeMatch(m: NonNullable<HttpRuleData['match']>[number]): string[] {
  const out = Object.entries(m.uri ?? {}).map(([how, value]) => `uri ${how} ${value}`);
  for (const [name, cond] of Object.entries(m.headers ?? {}).sort(([a], [b]) => compareStrings(a, b))) {
    for (const [how, value] of Object.entries(cond)) out.push(`header ${name} ${how === 'exact' ? '=' : `~ ${how}`} ${value}`);
  }
  return out;
}

/** The copy's route: its VirtualService part, the rules that reach it, and calls ready to run. */
function routeOf(copy: ModelCopy, routes: ModelRoutes, stack: StackConfig, virtualServices: ReadonlyMap<string, RenderedObject>): RouteExplanation {
  const partIndex = routes.parts.findIndex((p) => p.copies.some((c) => c.tritonName === copy.tritonName));
  const part = routes.parts[partIndex]!;
  const vs = virtualServices.get(`${routes.namespace}/${part.name}`);
  if (!vs) throw new Error(`explain: VirtualService ${routes.namespace}/${part.name} of ${copy.id} was not rendered`);
  const key = copy.tenant ?? copy.model;
  const http = ((vs.spec as { http?: HttpRuleData[] } | undefined)?.http ?? []).filter((r) => r.name === key || r.name?.startsWith(`${key}/`));
  const rules = http.map((r): RouteRule => {
    const dest = r.route?.[0]?.destination;
    return {
      name: r.name!,
      protocol: r.name!.endsWith('/grpc') ? 'grpc' : 'http',
      match: (r.match ?? []).map(describeMatch),
      rewrite: r.rewrite?.uriRegexRewrite ? { match: r.rewrite.uriRegexRewrite.match, rewrite: r.rewrite.uriRegexRewrite.rewrite } : null,
      destination: `${dest?.host ?? '?'}:${dest?.port?.number ?? '?'}`,
    };
  });
  const byName = new Map(rules.map((r) => [r.name, r]));
  const main = byName.get(key);
  const grpcRule = byName.get(`${key}/grpc`);
  const canaryRule = byName.get(`${key}/canary`);
  if (!main || !grpcRule) throw new Error(`explain: VirtualService ${routes.namespace}/${part.name} has no rules ${key} and ${key}/grpc for ${copy.id}`);
  const path = `/v2/models/${copy.model}/infer`;
  const headers: Record<string, string> = copy.tenant !== undefined ? { [stack.routing.tenantHeader]: copy.tenant } : {};
  const canary = copy.triton.versionRouting?.canary;
  const metadata = { ...headers, [stack.routing.modelHeader]: copy.model };
  const headerFlags = (h: Readonly<Record<string, string>>) => Object.entries(h).map(([k, v]) => `-H '${k}: ${v}'`);
  // With modelfleet:auth the client also sends its tenant's token (docs/authentication.md); the shell expands $TOKEN.
  const token = stack.auth ? ['-H "authorization: Bearer $TOKEN"'] : [];
  const ingress = gatewayOf(stack, copy.team);
  return {
    host: ingress.host,
    gateway: ingress.gateway,
    virtualService: { name: part.name, namespace: routes.namespace, part: partIndex + 1, parts: routes.parts.length },
    rest: {
      path,
      headers,
      upstreamPath: applyRewrite(main.rewrite, path),
      destination: main.destination,
      canary: canary && canaryRule ? { weight: canary.weight, upstreamPath: applyRewrite(canaryRule.rewrite, path) } : null,
    },
    grpc: { metadata, modelName: copy.tritonName, destination: grpcRule.destination },
    rules,
    curl: ['curl -sS', `https://${ingress.host}${path}`, ...token, ...headerFlags(headers), `-H 'content-type: application/json'`, '-d @request.json'].join(' '),
    grpcurl: [
      'grpcurl -proto grpc_service.proto',
      ...token,
      ...headerFlags(metadata),
      `-d '{"model_name":"${copy.tritonName}","inputs":[]}'`,
      `${ingress.host}:443 inference.GRPCInferenceService/ModelInfer`,
    ].join(' '),
  };
}

function tierRules(copy: ModelCopy, shard: Shard, stack: StackConfig): TierRules {
  const tier = stack.tiers[copy.tier];
  const pool = stack.pools.find((p) => p.name === shard.pool)!;
  const planned = plannedBatching(copy, shard, stack);
  const config = tritonModelConfig(copy, { tier: tier.triton, poolKind: pool.kind, ...(planned ? { planned } : {}) });
  const scaling = shardAutoscaling(shard, stack);
  return {
    tier: copy.tier,
    p99LatencyMs: TIER_P99_MS[copy.tier],
    maxBatchSize: config.max_batch_size,
    maxQueueDelayMicroseconds: config.dynamic_batching?.max_queue_delay_microseconds ?? tier.triton.maxQueueDelayMicroseconds,
    preferredBatchSizes: config.dynamic_batching?.preferred_batch_size ?? [],
    queue: { timeoutAction: tier.triton.queuePolicy.timeoutAction, timeoutMicroseconds: tier.triton.queuePolicy.defaultTimeoutMicroseconds, maxQueueSize: tier.triton.queuePolicy.maxQueueSize },
    priorityClass: { name: tier.priorityClass.name, value: tier.priorityClass.value, preemptionPolicy: tier.priorityClass.preemptionPolicy },
    pdbMaxUnavailable: tier.pdbMaxUnavailable,
    headroomPercent: tier.headroomPercent,
    autoscaler: {
      kind: scaling.kind,
      queueTimeTargetMicroseconds: scaling.queueTimeTargetMicroseconds,
      cpuUtilizationPercent: scaling.cpuUtilizationPercent,
      gpuUtilizationPercent: scaling.gpuUtilization?.percent ?? null,
      scaleToZero: scaling.idleReplicas === 0,
    },
  };
}

/** A rendered object and the manifest file it is in. */
interface PlacedObject {
  readonly file: string;
  readonly object: RenderedObject;
}

/** The rendered objects, indexed the ways `servingObjects` looks them up. */
interface ObjectIndex {
  /** By `modelfleet.io/shard` label. */
  readonly byShard: ReadonlyMap<string, PlacedObject[]>;
  /** A team namespace's own objects (no shard or model label), the Namespace included, by namespace. */
  readonly byNamespace: ReadonlyMap<string, PlacedObject[]>;
  /** VirtualServices by `namespace/model`. */
  readonly routesByModel: ReadonlyMap<string, PlacedObject[]>;
  /** PriorityClasses by name. */
  readonly priorityClasses: ReadonlyMap<string, PlacedObject>;
}

function indexObjects(manifests: readonly RenderedManifest[]): ObjectIndex {
  const byShard = new Map<string, PlacedObject[]>();
  const byNamespace = new Map<string, PlacedObject[]>();
  const routesByModel = new Map<string, PlacedObject[]>();
  const priorityClasses = new Map<string, PlacedObject>();
  const add = (map: Map<string, PlacedObject[]>, key: string, placed: PlacedObject) => {
    const list = map.get(key);
    if (list) list.push(placed);
    else map.set(key, [placed]);
  };
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      const placed = { file: manifest.path, object };
      const labels = labelsOf(object);
      const namespace = object.kind === 'Namespace' ? object.metadata.name : object.metadata.namespace;
      if (labels[LABEL.shard] !== undefined) add(byShard, labels[LABEL.shard]!, placed);
      else if (object.kind === 'VirtualService' && labels[LABEL.model] !== undefined) add(routesByModel, `${namespace}/${labels[LABEL.model]}`, placed);
      else if (object.kind === 'PriorityClass') priorityClasses.set(object.metadata.name, placed);
      else if (namespace !== undefined && labels[LABEL.model] === undefined) add(byNamespace, namespace, placed);
    }
  }
  return { byShard, byNamespace, routesByModel, priorityClasses };
}

/**
 * Whether a namespace object applies to pods labelled `pods`: yes, unless it
 * has a `spec.workloadSelector` (an EnvoyFilter, such as the team's two gRPC
 * guards) whose labels some of the pods' are not.
 */
function appliesTo(object: RenderedObject, pods: readonly Readonly<Record<string, unknown>>[]): boolean {
  const selector = (object.spec as { workloadSelector?: { labels?: Record<string, unknown> } } | undefined)?.workloadSelector;
  if (selector === undefined) return true;
  const wanted = Object.entries(selector.labels ?? {});
  return pods.some((labels) => wanted.every(([k, v]) => labels[k] === v));
}

/**
 * The objects that serve a copy, in manifest order: its team's (a
 * workload-selecting one only when it selects the shard's pods), its shard's,
 * its model's route parts and its tier's PriorityClass.
 */
function servingObjects(copy: ModelCopy, shard: Shard, stack: StackConfig, index: ObjectIndex): PlacedObject[] {
  const priorityClass = index.priorityClasses.get(stack.tiers[copy.tier].priorityClass.name);
  const shardObjects = index.byShard.get(shard.name) ?? [];
  const pods = shardObjects.filter(({ object }) => object.kind === 'Deployment').map(({ object }) => podTemplateLabels(object));
  return [
    ...(index.byNamespace.get(shard.namespace) ?? []).filter(({ object }) => appliesTo(object, pods)),
    ...shardObjects,
    ...(index.routesByModel.get(`${shard.namespace}/${copy.model}`) ?? []),
    ...(priorityClass ? [priorityClass] : []),
  ];
}

const ISOLATION_KINDS = new Set(['AuthorizationPolicy', 'EnvoyFilter', 'NetworkPolicy', 'PeerAuthentication', 'RequestAuthentication']);

function platformResults(objects: readonly PlacedObject[], rules: readonly RuleOutcome[]): PlatformRuleResult[] {
  const refs = new Set(objects.map(({ file, object }) => `${file}\u0000${refOf(object)}`));
  return rules.map((outcome) => {
    const mine = outcome.violations.filter((v) => refs.has(`${v.file}\u0000${String(v.path[0])}`));
    const result = outcome.level === 'disabled' ? 'not run' : mine.length ? 'violated' : 'pass';
    return { id: outcome.id, description: outcome.description, level: outcome.level, result, violations: mine.length ? formatIssues(mine).split('\n') : [] };
  });
}

/**
 * Explains the copies `query` names. An unknown model or tenant is an issue
 * naming the fleet directory or the model's `tenants` field, with the
 * closest names.
 */
export function explainCopies(query: ExplainQuery, context: ExplainContext): ExplainResult {
  const shardCosts = new Map<Shard, ShardCost>();
  const costOf = (copy: ModelCopy, shard: Shard): CopyExplanation['cost'] => {
    let c = shardCosts.get(shard);
    if (!c) shardCosts.set(shard, (c = shardCost(shard, context.stack)));
    return { hourlyUsdPerReplica: c.hourlyUsd, shardMonthlyUsd: usdRange(c.monthly), monthlyUsd: usdRange(c.copies[shard.copies.indexOf(copy)]!) };
  };
  const found = findCopies(query, context);
  if (Array.isArray(found)) return { ok: false, issues: found };
  const routes = planRoutes(context.plan).find((r) => r.model === found.model.name);
  if (!routes) throw new Error(`explain: the plan has no route for model ${found.model.name}`);
  const index = indexObjects(context.manifests);
  const virtualServices = new Map<string, RenderedObject>();
  for (const list of index.routesByModel.values()) for (const { object } of list) virtualServices.set(`${object.metadata.namespace}/${object.metadata.name}`, object);
  const lockedAt = new Map<string, string>();
  for (const [name, locked] of Object.entries(context.lockfile.previous?.shards ?? {})) for (const id of locked.copies) lockedAt.set(id, name);
  const copies = found.copies.map(({ copy, shard }): CopyExplanation => {
    const pool = context.stack.pools.find((p) => p.name === shard.pool)!;
    const group = context.plan.groups.find((g) => g.team === shard.team && g.tier === shard.tier && g.pool === shard.pool)!;
    const objects = servingObjects(copy, shard, context.stack, index);
    return {
      id: copy.id,
      model: copy.model,
      tenant: copy.tenant ?? null,
      team: copy.team,
      tritonName: copy.tritonName,
      file: found.model.file,
      tier: copy.tier,
      framework: copy.framework,
      gpu: copy.gpu,
      peakQps: copy.peakQps ?? null,
      dedicated: copy.dedicated,
      shard: {
        name: shard.name,
        namespace: shard.namespace,
        pool: shard.pool,
        poolKind: pool.kind,
        copies: shard.copies.length,
        maxCopies: capacityVector(context.stack, shard.tier, pool).at(-1)!,
        gpusPerReplica: shard.gpusPerReplica,
        gpuResource: shard.gpusPerReplica > 0 ? pool.gpuResource : null,
        replicas: {
          min: shard.minReplicas,
          max: shard.maxReplicas,
          peak: shard.peak ? { replicas: shard.peak.replicas, hoursUtc: shard.peak.windowsUtc.map((w) => [w.startHourUtc, w.endHourUtc] as const) } : null,
        },
      },
      share: { memory: share(copy, shard, 'memory'), gpuMemory: share(copy, shard, 'gpuMemory'), cpu: share(copy, shard, 'cpu') },
      cost: costOf(copy, shard),
      serving: servingOf(copy, shard, pool, context.stack),
      why: { group, pools: poolVerdicts(copy, shard, context.stack), placement: placementReason(copy, shard, context, lockedAt) },
      route: routeOf(copy, routes, context.stack, virtualServices),
      rules: {
        tier: tierRules(copy, shard, context.stack),
        isolation: objects.filter(({ object }) => ISOLATION_KINDS.has(object.kind)).map(({ object }) => refOf(object)),
        platform: platformResults(objects, context.rules),
      },
      objects: objects.map(({ object }) => refOf(object)),
    };
  });
  return { ok: true, explanation: { stack: context.stack.name, lockfile: { file: context.lockfile.shownAs, upToDate: context.lockfile.upToDate }, copies } };
}

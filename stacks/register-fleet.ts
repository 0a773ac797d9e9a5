/**
 * Registers synthesized Kubernetes objects as typed Pulumi resources: the
 * objects `modelfleet synth` renders, applied as they are.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { FleetManifest, KubeObject } from '../constructs/render-fleet.ts';
import { LABEL, podTemplateLabels } from '../core/plan/shard-labels.ts';
import type { RouteSwitchOrder } from '../core/plan/route-switch.ts';
import { selectsLabels } from '../policies/rules/kube-object.ts';
import { kubeKindOf, type KubeKind } from './kube-kinds.ts';

/** Options for `registerFleet`. */
export interface RegisterFleetOptions {
  /**
   * Kubernetes provider every resource is registered with.
   *
   * @default - the default provider, configured by the stack's `kubernetes:*` config
   */
  readonly provider?: pulumi.ProviderResource;

  /**
   * Make-before-break order from the deployed placement (`routeSwitchOrder()`).
   *
   * @default - no previous placement: every VirtualService waits for every shard it routes to
   */
  readonly routeOrder?: RouteSwitchOrder;

  /**
   * Namespaces the platform owns and the fleet does not render, whose objects
   * depend on no Namespace resource: the ingress gateway's, where the
   * gateway's authentication objects go (`stack.isolation.ingressNamespace`).
   *
   * @default - none: every namespaced object's Namespace must be rendered
   */
  readonly externalNamespaces?: readonly string[];

  /**
   * PriorityClasses another stack registers (the one with
   * `modelfleet:platformObjects`), which workloads may name without them
   * being among the objects. A workload depends on nothing for such a class:
   * Pulumi cannot depend on another stack's resources, so that stack must be
   * applied first (docs/pulumi.md).
   *
   * @default - none: every PriorityClass a workload names must be rendered
   */
  readonly externalPriorityClasses?: readonly string[];
}

/** One registered object. */
export interface RegisteredObject {
  /** The Pulumi resource name (the last part of its URN); see `resourceName`. */
  readonly name: string;
  /** Manifest file the object comes from (`manifests/fraud.yaml`). */
  readonly path: string;
  /** The object, exactly as synthesized; it is the resource's input. */
  readonly object: KubeObject;
  /** The typed resource. */
  readonly resource: pulumi.CustomResource;
  /**
   * What the resource was given as `dependsOn`: its Namespace for a namespaced object, a workload's
   * PriorityClass, and for a VirtualService the Deployments, DestinationRules and AuthorizationPolicies of
   * the shards it routes to and the namespace EnvoyFilters (the gRPC guard) that select their pods (see
   * `RegisterFleetOptions.routeOrder`).
   */
  readonly dependsOn: readonly pulumi.CustomResource[];
}

/** Thrown when objects cannot be registered as they are; lists every problem, one per line. */
export class FleetRegistrationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`cannot register the fleet's objects:\n${problems.join('\n')}`);
    this.name = 'FleetRegistrationError';
    this.problems = problems;
  }
}

/**
 * The Pulumi resource name of an object: `<namespace>/<kind>/<name>` for a
 * namespaced object (`fraud/Deployment/fraud-realtime-gpu-l4-1`), and
 * `<kind>/<name>` for a cluster-scoped one (`Namespace/fraud`).
 *
 * Made only of the object's Kubernetes identity, so a name changes exactly
 * when the object it stands for does, and a preview shows real changes only.
 * Unique per type token (the URN's other half), because Kubernetes names are
 * unique per kind and namespace; the kind keeps names readable in a preview.
 * Kubernetes names contain no `:`, so the URN stays well formed.
 */
export function resourceName(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const { name, namespace } = object.metadata;
  return namespace === undefined ? `${object.kind}/${name}` : `${namespace}/${object.kind}/${name}`;
}

/** An object checked and ready to register. */
interface Planned {
  readonly path: string;
  readonly object: KubeObject;
  readonly kind: KubeKind;
  readonly name: string;
}

const BASE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

const isNamespace = (p: Planned) => p.kind.apiVersion === 'v1' && p.kind.kind === 'Namespace';
const isPriorityClass = (p: Planned) => p.kind.apiVersion === 'scheduling.k8s.io/v1' && p.kind.kind === 'PriorityClass';

/** The PriorityClass a workload's pod template names, if any. */
function priorityClassOf(object: KubeObject): string | undefined {
  const spec = object.spec as { template?: { spec?: { priorityClassName?: unknown } } } | undefined;
  const name = spec?.template?.spec?.priorityClassName;
  return typeof name === 'string' ? name : undefined;
}

/** `apiVersion kind namespace/name`, for messages. */
function describe(object: KubeObject): string {
  const { name, namespace } = object.metadata ?? {};
  return `${object.apiVersion} ${object.kind} ${namespace === undefined ? '' : `${namespace}/`}${String(name)}`;
}

/** Kubernetes identity (group, kind, namespace, name); the version does not make another object. */
function identity(object: KubeObject): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.lastIndexOf('/')) : '';
  return `${group} ${object.kind} ${object.metadata.namespace ?? ''} ${object.metadata.name}`;
}

/** Checks every object and names its resource; throws once with every problem. */
function plan(manifests: readonly FleetManifest[], externalNamespaces: readonly string[], externalPriorityClasses: readonly string[]): Planned[] {
  const problems: string[] = [];
  const planned: Planned[] = [];
  const seen = new Map<string, string>();
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      const at = `${manifest.path}: ${describe(object)}`;
      const kind = kubeKindOf(object);
      if (!kind) {
        problems.push(`${at}: no typed @pulumi/kubernetes resource is mapped to apiVersion ${object.apiVersion}, kind ${object.kind}; map it in stacks/kube-kinds.ts`);
        continue;
      }
      const { name, namespace } = object.metadata ?? {};
      if (typeof name !== 'string' || name === '') {
        problems.push(`${at}: metadata.name is missing; every rendered object needs an explicit name`);
        continue;
      }
      if (kind.namespaced && (typeof namespace !== 'string' || namespace === '')) {
        problems.push(`${at}: metadata.namespace is missing; the object would land in the provider's default namespace`);
        continue;
      }
      if (!kind.namespaced && namespace !== undefined) {
        problems.push(`${at}: metadata.namespace is set on a cluster-scoped ${object.kind}; remove it`);
        continue;
      }
      if (kind.fields !== '*') {
        const allowed = new Set(kind.fields);
        const dropped = Object.keys(object).filter((k) => !BASE_FIELDS.has(k) && !allowed.has(k));
        if (dropped.length) {
          problems.push(`${at}: field(s) ${dropped.join(', ')} would be dropped by the typed resource, which passes only ${['metadata', ...kind.fields].join(', ')}`);
          continue;
        }
      }
      const key = identity(object);
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(`${at}: rendered twice (also in ${first}); Kubernetes would keep only one`);
        continue;
      }
      seen.set(key, manifest.path);
      planned.push({ path: manifest.path, object, kind, name: resourceName(object) });
    }
  }
  const namespaces = new Set(planned.filter(isNamespace).map((p) => p.object.metadata.name));
  const external = new Set(externalNamespaces);
  for (const p of planned) {
    const ns = p.object.metadata.namespace;
    if (ns !== undefined && namespaces.has(ns) && external.has(ns)) {
      problems.push(`${p.path}: ${describe(p.object)}: namespace ${ns} is both rendered and owned by the platform (externalNamespaces); it must be one or the other`);
    } else if (p.kind.namespaced && ns !== undefined && !namespaces.has(ns) && !external.has(ns)) {
      problems.push(`${p.path}: ${describe(p.object)}: namespace ${ns} is not among the rendered objects; render its Namespace so the object can depend on it`);
    }
  }
  const classes = new Set(planned.filter(isPriorityClass).map((p) => p.object.metadata.name));
  const externalClasses = new Set(externalPriorityClasses);
  for (const p of planned) {
    const priority = priorityClassOf(p.object);
    if (priority !== undefined && classes.has(priority) && externalClasses.has(priority)) {
      problems.push(`${p.path}: ${describe(p.object)}: PriorityClass ${priority} is both rendered and registered by another stack (externalPriorityClasses); it must be one or the other`);
    } else if (priority !== undefined && !classes.has(priority) && !externalClasses.has(priority)) {
      problems.push(`${p.path}: ${describe(p.object)}: PriorityClass ${priority} is not among the rendered objects; render it so the pods can depend on it`);
    }
  }
  if (problems.length) throw new FleetRegistrationError(problems);
  return planned;
}

/**
 * Registers every object of `manifests` as a typed `@pulumi/kubernetes`
 * resource (the mapping is `KUBE_KINDS`): Namespaces and PriorityClasses
 * first, then every other object in manifest order, each depending
 * (`dependsOn`) on its Namespace (and a workload on its pods' PriorityClass) so
 * that namespaces are created first and deleted last. A workload whose
 * PriorityClass another stack registers (`externalPriorityClasses`) depends
 * on its Namespace only.
 *
 * Every object is checked before anything is registered: an unmapped kind, a
 * field the typed class would drop, a missing name or namespace, a namespace
 * that is not rendered, or an object rendered twice throws one
 * `FleetRegistrationError` listing every problem, and nothing is registered.
 *
 * @returns the registered objects, in registration order
 * @example
 * const manifests = renderFleetObjects({ stack, teams: fleet.teams, plan });
 * registerFleet(manifests, { provider });
 */
export function registerFleet(manifests: readonly FleetManifest[], options: RegisterFleetOptions = {}): RegisteredObject[] {
  const planned = plan(manifests, options.externalNamespaces ?? [], options.externalPriorityClasses ?? []);
  const base: pulumi.CustomResourceOptions = options.provider ? { provider: options.provider } : {};
  const registered: RegisteredObject[] = [];
  const namespaces = new Map<string, pulumi.CustomResource>();
  const add = (p: Planned, dependsOn: pulumi.CustomResource[]) => {
    const resource = p.kind.register(p.name, p.object, dependsOn.length ? { ...base, dependsOn } : base);
    registered.push({ name: p.name, path: p.path, object: p.object, resource, dependsOn });
    return resource;
  };
  const priorityClasses = new Map<string, pulumi.CustomResource>();
  for (const p of planned.filter(isNamespace)) namespaces.set(p.object.metadata.name, add(p, []));
  for (const p of planned.filter(isPriorityClass)) priorityClasses.set(p.object.metadata.name, add(p, []));
  const baseDependencies = (p: Planned) => {
    const ns = p.object.metadata.namespace;
    const owner = ns === undefined ? undefined : namespaces.get(ns);
    const dependsOn = p.kind.namespaced && owner !== undefined ? [owner] : [];
    const priority = priorityClassOf(p.object);
    const priorityClass = priority === undefined ? undefined : priorityClasses.get(priority);
    // A PriorityClass another stack registers (externalPriorityClasses): nothing to depend on.
    if (priorityClass !== undefined) dependsOn.push(priorityClass);
    return dependsOn;
  };
  const rest = planned.filter((p) => !isNamespace(p) && !isPriorityClass(p));
  // Nodes of the make-before-break order: each shard (its objects) and each VirtualService.
  const nodeOf = (p: Planned): string | undefined => (isVirtualService(p) ? `r:${keyOf(p.object)}` : shardOf(p.object) !== undefined ? `s:${shardOf(p.object)}` : undefined);
  const members = new Map<string, Planned[]>();
  // EnvoyFilters of a namespace rather than of a shard (the team's gRPC guard), with their resources.
  const namespaceFilters: { readonly p: Planned; readonly resource: pulumi.CustomResource }[] = [];
  for (const p of rest) {
    const node = nodeOf(p);
    if (node === undefined) {
      const resource = add(p, baseDependencies(p));
      if (isEnvoyFilter(p)) namespaceFilters.push({ p, resource });
    } else members.set(node, [...(members.get(node) ?? []), p]);
  }
  // A shard's pods get their gRPC guard from the namespace's EnvoyFilters that select them (by its Deployment's pod labels).
  const guardsOf = (node: string): pulumi.CustomResource[] => {
    const pods = (members.get(node) ?? []).filter(isDeployment).map((p) => podTemplateLabels(p.object));
    return namespaceFilters.filter(({ p }) => p.object.metadata.namespace === node.slice(2).split('/')[0] && pods.some((labels) => selectsLabels((p.object.spec as { workloadSelector?: { labels?: unknown } } | undefined)?.workloadSelector?.labels, labels))).map((f) => f.resource);
  };
  // What each node waits for: a route waits for the shards it sends new copies to (without a previous
  // placement: every shard it routes to); a shard that drops moved copies waits for the routes that moved them.
  const waitsFor = new Map<string, string[]>();
  for (const [node, objects] of members) {
    if (!node.startsWith('r:')) continue;
    const route = node.slice(2);
    const shards = options.routeOrder ? (options.routeOrder.routeAfter.get(route) ?? []) : [...new Set(objects.flatMap((p) => destinationServices(p.object)))].sort();
    waitsFor.set(node, shards.map((s) => `s:${s}`).filter((s) => members.has(s)));
  }
  for (const [shard, routes] of options.routeOrder?.shardAfter ?? []) {
    if (members.has(`s:${shard}`)) waitsFor.set(`s:${shard}`, routes.map((r) => `r:${r}`).filter((r) => members.has(r)));
  }
  const resources = new Map<string, pulumi.CustomResource[]>();
  const visiting = new Set<string>();
  const visit = (node: string): void => {
    if (resources.has(node)) return;
    if (visiting.has(node)) throw new Error(`make-before-break order has a cycle through ${node.slice(2)}; this is a bug in modelfleet`);
    visiting.add(node);
    const waits = waitsFor.get(node) ?? [];
    for (const w of waits) visit(w);
    // A route waits for the shard objects that decide whether the copy is served and admitted, and the gRPC guard
    // that selects its pods; a shard for the routes.
    const after = waits.flatMap((w) => resources.get(w)!.filter((_, i) => w.startsWith('r:') || waitTarget(members.get(w)![i]!)));
    if (node.startsWith('r:')) for (const guard of waits.flatMap(guardsOf)) if (!after.includes(guard)) after.push(guard);
    const registeredHere: pulumi.CustomResource[] = [];
    for (const p of members.get(node)!) {
      // Within a shard only what changes the copies it serves waits: its ConfigMap, Deployment and policies.
      const extra = node.startsWith('r:') || SHARD_SWITCH_KINDS.has(`${p.kind.apiVersion} ${p.kind.kind}`) ? after : [];
      registeredHere.push(add(p, [...baseDependencies(p), ...extra]));
    }
    resources.set(node, registeredHere);
    visiting.delete(node);
  };
  // Shards first, then routes, each in manifest order, each after what it waits for.
  const nodes = [...members.keys()];
  for (const node of nodes.filter((n) => n.startsWith('s:'))) visit(node);
  for (const node of nodes.filter((n) => n.startsWith('r:'))) visit(node);
  return registered;
}

/** `namespace/name` of an object. */
const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;

/** `namespace/shard` of an object that belongs to a shard (its `modelfleet.io/shard` label). */
function shardOf(object: KubeObject): string | undefined {
  const shard = (object.metadata.labels as Readonly<Record<string, unknown>> | undefined)?.[LABEL.shard];
  return typeof shard === 'string' && object.metadata.namespace !== undefined ? `${object.metadata.namespace}/${shard}` : undefined;
}

/** The shard objects a route waits for: what decides whether the shard serves a copy and admits its requests. */
const waitTarget = (p: Planned) => ROUTE_TARGET_KINDS.has(`${p.kind.apiVersion} ${p.kind.kind}`);

/** Shard objects that wait for routes before dropping a moved copy. */
const SHARD_SWITCH_KINDS = new Set(['v1 ConfigMap', 'apps/v1 Deployment', 'security.istio.io/v1 AuthorizationPolicy', 'networking.istio.io/v1alpha3 EnvoyFilter']);

/** Kinds of a shard's objects a route waits for. */
const ROUTE_TARGET_KINDS = new Set([
  'apps/v1 Deployment',
  'networking.istio.io/v1 DestinationRule',
  'security.istio.io/v1 AuthorizationPolicy',
  'networking.istio.io/v1alpha3 EnvoyFilter',
]);

const isVirtualService = (p: Planned) => p.kind.apiVersion === 'networking.istio.io/v1' && p.kind.kind === 'VirtualService';
const isEnvoyFilter = (p: Planned) => p.kind.apiVersion.startsWith('networking.istio.io/') && p.kind.kind === 'EnvoyFilter';
const isDeployment = (p: Planned) => p.kind.apiVersion === 'apps/v1' && p.kind.kind === 'Deployment';

/** `namespace/name` of every Service a VirtualService routes to (`<name>.<namespace>.svc.cluster.local` or a short name). */
function destinationServices(object: KubeObject): string[] {
  const spec = object.spec as { http?: { route?: { destination?: { host?: unknown } }[] }[] } | undefined;
  const out: string[] = [];
  for (const route of spec?.http ?? []) {
    for (const d of route.route ?? []) {
      const host = d.destination?.host;
      if (typeof host !== 'string') continue;
      const [name, namespace = object.metadata.namespace] = host.split('.');
      out.push(`${namespace}/${name}`);
    }
  }
  return out;
}

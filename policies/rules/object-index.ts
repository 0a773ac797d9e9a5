/**
 * A set of Kubernetes objects indexed once, so that rules look objects up
 * instead of scanning the whole set per object: by kind, by kind and
 * namespace, by kind and name, the autoscalers aimed at a workload, and the
 * objects whose label selector may select a set of pod labels. Every lookup
 * returns objects in the order of the set, so a rule that filters the index
 * reports exactly what it reported filtering the set.
 *
 * `runPlatformRules` builds one index and passes it to every rule; a rule
 * called without one (a test, the Pulumi policy pack) builds its own. The
 * index reads the objects as they are when it is built: build a new one after
 * changing the set.
 */
import { apiGroupOf, asRecord, asString, asStringMap, nameOf, namespaceOf, type FieldPath, type KubeObject } from './kube-object.ts';
import { podTemplateOf, type PodTemplate } from './pod-templates.ts';

/**
 * How a lookup treats an object without `metadata.namespace`: as namespace
 * `''` (cluster-scoped, as `sameNamespace` compares), or as `'default'` (where
 * Kubernetes puts a namespaced object that names none).
 */
export type MissingNamespace = '' | 'default';

/** `group/kind` of an object, or `undefined` when its kind (or apiVersion) is not a string. */
function kindKey(object: KubeObject): string | undefined {
  if (typeof object.kind !== 'string') return undefined;
  const { apiVersion } = object;
  if (apiVersion !== undefined && typeof apiVersion !== 'string') return undefined;
  return `${apiGroupOf(apiVersion)}/${object.kind}`;
}

/** The record at `path` (each step a plain object), or `undefined`. */
function recordAt(root: unknown, path: FieldPath): Readonly<Record<string, unknown>> | undefined {
  let node = asRecord(root);
  for (const key of path) node = asRecord(node?.[key]);
  return node;
}

/** Objects with their position in the set, bucketed by a key. */
type Buckets = Map<string, KubeObject[]>;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const NONE: readonly never[] = [];

/** An object and its position in the set (an object may be in the set twice). */
interface Placed {
  readonly at: number;
  readonly object: KubeObject;
}

/** Candidates for "whose selector may select these labels", by the selector's rarest `key=value` pair. */
interface SelectorBuckets {
  /** Objects whose selector has no `matchLabels` pair: candidates for any labels. */
  readonly always: Placed[];
  /** Objects by one `key=value` pair their selector requires (the rarest in the set). */
  readonly byPair: Map<string, Placed[]>;
}

/** A set of objects indexed for the platform rules' lookups. */
export class ObjectIndex {
  /** The objects, in order. */
  public readonly objects: readonly KubeObject[];
  private readonly kinds: Buckets = new Map();
  /** The objects of each kind with their positions, in order. */
  private readonly placed = new Map<string, Placed[]>();
  private readonly namespaced = new Map<string, Buckets>();
  private readonly names = new Map<string, Map<string, KubeObject>>();
  private readonly selectors = new Map<string, Map<string, SelectorBuckets>>();
  private templates?: readonly PodTemplate[];
  private readonly templatesByNamespace = new Map<MissingNamespace, Map<string, PodTemplate[]>>();
  private scalers?: Buckets;

  /** Indexes `objects` by kind (the other lookups are built on first use). */
  public constructor(objects: readonly KubeObject[]) {
    this.objects = objects;
    objects.forEach((o, i) => {
      const key = kindKey(o);
      if (key === undefined) return;
      push(this.kinds, key, o);
      push(this.placed, key, { at: i, object: o });
    });
  }

  /** `source` itself when it is an index, else a new index of it. */
  public static of(source: readonly KubeObject[] | ObjectIndex): ObjectIndex {
    return source instanceof ObjectIndex ? source : new ObjectIndex(source);
  }

  /** Objects of `kind` in API group `group` (any version), in order: what `isKind` accepts. */
  public ofKind(group: string, kind: string): readonly KubeObject[] {
    return this.kinds.get(`${group}/${kind}`) ?? NONE;
  }

  /** Objects of `kind` in `group` whose namespace (`missing` when they name none) is `namespace`, in order. */
  public inNamespace(group: string, kind: string, namespace: string, missing: MissingNamespace = ''): readonly KubeObject[] {
    const key = `${group}/${kind}\u0000${missing}`;
    let buckets = this.namespaced.get(key);
    if (!buckets) {
      buckets = new Map();
      for (const o of this.ofKind(group, kind)) push(buckets, namespaceOf(o) ?? missing, o);
      this.namespaced.set(key, buckets);
    }
    return buckets.get(namespace) ?? NONE;
  }

  /**
   * The first object of `kind` in `group` named `name`; with `namespace`,
   * the first in that namespace (`missing` for objects that name none).
   */
  public named(group: string, kind: string, name: string, namespace?: string, missing: MissingNamespace = ''): KubeObject | undefined {
    const scoped = namespace !== undefined;
    const key = `${group}/${kind}\u0000${scoped ? `ns:${missing}` : '*'}`;
    let byName = this.names.get(key);
    if (!byName) {
      byName = new Map();
      for (const o of this.ofKind(group, kind)) {
        const k = scoped ? `${namespaceOf(o) ?? missing}\u0000${nameOf(o)}` : nameOf(o);
        if (!byName.has(k)) byName.set(k, o);
      }
      this.names.set(key, byName);
    }
    return byName.get(scoped ? `${namespace}\u0000${name}` : name);
  }

  /** Every workload's pod spec (`podTemplatesIn`), in order. */
  public podTemplates(): readonly PodTemplate[] {
    this.templates ??= this.objects.map(podTemplateOf).filter((t): t is PodTemplate => t !== undefined);
    return this.templates;
  }

  /** The pod specs of the workloads whose namespace (`missing` when they name none) is `namespace`, in order. */
  public podTemplatesIn(namespace: string, missing: MissingNamespace = ''): readonly PodTemplate[] {
    let byNamespace = this.templatesByNamespace.get(missing);
    if (!byNamespace) {
      byNamespace = new Map();
      for (const t of this.podTemplates()) push(byNamespace, namespaceOf(t.object) ?? missing, t);
      this.templatesByNamespace.set(missing, byNamespace);
    }
    return byNamespace.get(namespace) ?? NONE;
  }

  /**
   * The KEDA ScaledObjects (`keda.sh`) and HorizontalPodAutoscalers
   * (`autoscaling`) in the workload's namespace whose `spec.scaleTargetRef.name`
   * is the workload's name, in order: the only ones that can target it (the
   * caller checks kind and API group).
   */
  public autoscalerCandidates(workload: KubeObject): readonly KubeObject[] {
    if (!this.scalers) {
      const scalers: Buckets = new Map();
      for (const o of this.objects) {
        const key = kindKey(o);
        if (key !== 'keda.sh/ScaledObject' && key !== 'autoscaling/HorizontalPodAutoscaler') continue;
        const target = asString(asRecord(asRecord(o.spec)?.scaleTargetRef)?.name);
        if (target !== undefined) push(scalers, `${namespaceOf(o) ?? ''}\u0000${target}`, o);
      }
      this.scalers = scalers;
    }
    return this.scalers.get(`${namespaceOf(workload) ?? ''}\u0000${nameOf(workload)}`) ?? NONE;
  }

  /**
   * The objects of `kind` in `group` and `namespace` (`missing` when they name
   * none) whose label map at `matchLabelsPath` (`['spec', 'selector',
   * 'matchLabels']`) may select `labels`, in order: every object whose map's
   * string entries are all in `labels`, and every object whose map has no
   * string entry (an absent or empty selector). The caller applies its own
   * test to them; an object left out cannot pass it.
   */
  public selectorCandidates(group: string, kind: string, namespace: string, missing: MissingNamespace, matchLabelsPath: FieldPath, labels: Readonly<Record<string, string>>): readonly KubeObject[] {
    const key = `${group}/${kind}\u0000${missing}\u0000${matchLabelsPath.join('\u0000')}`;
    let byNamespace = this.selectors.get(key);
    if (!byNamespace) {
      byNamespace = new Map();
      const placed = this.placed.get(`${group}/${kind}`) ?? [];
      const pairsOf = placed.map((p) => Object.entries(asStringMap(recordAt(p.object, matchLabelsPath))).map(([k, v]) => `${k}\u0000${v}`));
      const count = new Map<string, number>();
      for (const pairs of pairsOf) for (const p of pairs) count.set(p, (count.get(p) ?? 0) + 1);
      placed.forEach((p, j) => {
        const ns = namespaceOf(p.object) ?? missing;
        let entry = byNamespace!.get(ns);
        if (!entry) byNamespace!.set(ns, (entry = { always: [], byPair: new Map() }));
        const pairs = pairsOf[j]!;
        if (!pairs.length) entry.always.push(p);
        else push(entry.byPair, pairs.reduce((a, b) => (count.get(b)! < count.get(a)! ? b : a)), p);
      });
      this.selectors.set(key, byNamespace);
    }
    const buckets = byNamespace.get(namespace);
    if (!buckets) return NONE;
    const found: Placed[] = [...buckets.always];
    for (const [k, v] of Object.entries(labels)) {
      const bucket = buckets.byPair.get(`${k}\u0000${v}`);
      if (bucket) found.push(...bucket);
    }
    // Each position is in one bucket only; in set order, as a scan would find them.
    return found.sort((a, b) => a.at - b.at).map((p) => p.object);
  }
}

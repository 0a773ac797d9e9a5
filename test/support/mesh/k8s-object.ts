/**
 * The plain-JSON shape shared by every Kubernetes object the evaluators read
 * (`{apiVersion, kind, metadata, spec}`, as parsed from YAML), and helpers to
 * name objects in messages.
 */

/** `metadata` fields the evaluators read. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
}

/** Any Kubernetes object with a typed `spec`. */
export interface K8sObject<Spec> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: Spec;
}

/**
 * The namespace of an object, as the evaluators see it.
 *
 * @default - `"default"` when `metadata.namespace` is absent (what `kubectl apply` would use)
 */
export function namespaceOf(object: K8sObject<unknown>): string {
  return object.metadata?.namespace ?? 'default';
}

/** `namespace/name` of an object. */
export function idOf(object: K8sObject<unknown>): string {
  return `${namespaceOf(object)}/${object.metadata?.name ?? '<unnamed>'}`;
}

/** `Kind namespace/name` of an object, for messages. */
export function describeObject(object: K8sObject<unknown>, fallbackKind: string): string {
  return `${object.kind ?? fallbackKind} ${idOf(object)}`;
}

/**
 * Whether an object with `exportTo` is visible from `namespace`.
 *
 * Istio: no `exportTo` exports to all namespaces; `"."` is the object's own
 * namespace; `"*"` is every namespace; other entries name namespaces; `"~"`
 * exports nowhere.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (exportTo)
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration
 */
export function isExportedTo(exportTo: readonly string[] | undefined, ownNamespace: string, namespace: string): boolean {
  if (exportTo === undefined || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' && namespace === ownNamespace) || e === namespace);
}

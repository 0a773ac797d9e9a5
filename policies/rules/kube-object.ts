/**
 * Plain Kubernetes objects as the rules see them: JSON as rendered
 * (`{apiVersion, kind, metadata, spec}`), from `synth`, from a Pulumi
 * resource's props or written by hand. Nothing here trusts the shape: every
 * accessor checks what it reads, so a malformed object yields no data
 * instead of an exception (rules report, they never throw).
 */

/** A Kubernetes object as plain data. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** A path of fields inside an object: `['spec', 'template', 'spec', 'containers', 0, 'image']`. */
export type FieldPath = readonly (string | number)[];

/** The value as a plain object, or `undefined`. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value as an array, or an empty one. */
export function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value as a string, or `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value as a finite number (numeric strings too), or `undefined`. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** The string-valued entries of a map such as `metadata.labels`. */
export function asStringMap(value: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Whether a non-empty label selector (a `matchLabels`, an Istio `selector` or
 * `workloadSelector.labels`; its string entries) is carried by `labels`:
 * every key, with the same value.
 */
export function selectsLabels(selectorLabels: unknown, labels: Readonly<Record<string, unknown>>): boolean {
  const wanted = Object.entries(asStringMap(selectorLabels));
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** The value at `path` inside `root`, or `undefined`. */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** `metadata.name`, or `''`. */
export function nameOf(object: KubeObject): string {
  return asString(asRecord(object.metadata)?.name) ?? '';
}

/** `metadata.namespace`, or `undefined` for a cluster-scoped object (or one that relies on the default namespace). */
export function namespaceOf(object: KubeObject): string | undefined {
  return asString(asRecord(object.metadata)?.namespace);
}

/** `metadata.labels`. */
export function labelsOf(object: KubeObject): Readonly<Record<string, string>> {
  return asStringMap(asRecord(object.metadata)?.labels);
}

/** `Kind/name`, how messages name an object (`Deployment/fraud-realtime-gpu-l4-1`). */
export function describeObject(object: KubeObject): string {
  return `${object.kind ?? '(no kind)'}/${nameOf(object) || '(no name)'}`;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `''`. */
export function apiGroupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : apiVersion!.slice(0, slash);
}

/** Whether `object` is of `kind` in API group `group` (any version). */
export function isKind(object: KubeObject, group: string, kind: string): boolean {
  return object.kind === kind && apiGroupOf(object.apiVersion) === group;
}

/** Whether two objects live in the same namespace (both cluster-scoped, or both in the default namespace, count as the same). */
export function sameNamespace(a: KubeObject, b: KubeObject): boolean {
  return (namespaceOf(a) ?? '') === (namespaceOf(b) ?? '');
}

/**
 * Whether a label selector (`{matchLabels, matchExpressions}`) selects
 * `labels`. An empty selector selects everything, as in a
 * PodDisruptionBudget (policy/v1); a missing one selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = asRecord(selector);
  if (!s) return false;
  for (const [k, v] of Object.entries(asStringMap(s.matchLabels))) if (labels[k] !== v) return false;
  for (const e of asList(s.matchExpressions)) {
    const expression = asRecord(e);
    const key = asString(expression?.key);
    if (!expression || key === undefined) return false;
    const values = asList(expression.values).filter((x): x is string => typeof x === 'string');
    const has = Object.hasOwn(labels, key);
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

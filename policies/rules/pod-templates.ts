/**
 * Where pods hide in workload objects: the pod spec of a Pod, the pod
 * template of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController or Job, and the job template's pod template of a
 * CronJob. Rules key on these kinds and fields, never on modelfleet's naming,
 * so a hand-written workload is checked exactly like a rendered one.
 */
import { apiGroupOf, asList, asRecord, asString, asStringMap, labelsOf, valueAt, type FieldPath, type KubeObject } from './kube-object.ts';

/** Where the pod spec of each workload kind lives, by `group/kind`. */
const POD_SPEC_PATHS: Readonly<Record<string, FieldPath>> = {
  '/Pod': ['spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose objects carry a pod spec, as `Kind` names (for documentation and type filters). */
export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS).map((k) => k.slice(k.indexOf('/') + 1));

/** The pod spec inside a workload object. */
export interface PodTemplate {
  /** The workload. */
  readonly object: KubeObject;
  /** The pod spec (`PodSpec`). */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Path of the pod spec inside the object. */
  readonly path: FieldPath;
  /** Labels of the pods (the template's labels; the object's own for a Pod). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Which list of a pod spec a container comes from. */
export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/** One container of a pod spec. */
export interface PodContainer {
  readonly container: Readonly<Record<string, unknown>>;
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  readonly list: ContainerList;
  /** Path of the container inside the object. */
  readonly path: FieldPath;
  /** `name`, or `#<index>` when the container has none. */
  readonly name: string;
}

/** The pod spec of a workload object, or `undefined` when the object has none (not a workload, or malformed). */
export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  const path = POD_SPEC_PATHS[`${apiGroupOf(object.apiVersion)}/${object.kind ?? ''}`];
  if (!path) return undefined;
  const spec = asRecord(valueAt(object, path));
  if (!spec) return undefined;
  // A Pod's labels are its own; a template's are on the template (the object holding `metadata` and `spec`).
  const labels = path.length === 1 ? labelsOf(object) : asStringMap(asRecord(asRecord(valueAt(object, path.slice(0, -1)))?.metadata)?.labels);
  return { object, spec, path, labels };
}

/** Every workload's pod spec in `objects`, in order. */
export function podTemplatesIn(objects: readonly KubeObject[]): PodTemplate[] {
  return objects.map(podTemplateOf).filter((t): t is PodTemplate => t !== undefined);
}

/**
 * The containers of a pod spec: init containers first (they run first), then
 * containers, then ephemeral containers.
 */
export function containersOf(template: PodTemplate): PodContainer[] {
  const out: PodContainer[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    asList(template.spec[list]).forEach((c, i) => {
      const container = asRecord(c);
      if (!container) return;
      out.push({ container, list, path: [...template.path, list, i], name: asString(container.name) ?? `#${i}` });
    });
  }
  return out;
}

/** How messages name a container: `container "triton"`, `init container "fetch-models"`. */
export function describeContainer(c: PodContainer): string {
  const what = c.list === 'initContainers' ? 'init container' : c.list === 'ephemeralContainers' ? 'ephemeral container' : 'container';
  return `${what} "${c.name}"`;
}

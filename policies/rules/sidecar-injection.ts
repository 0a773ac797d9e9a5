/**
 * Whether Istio's injector adds its sidecar to the pods of a pod template,
 * decided the way its webhooks decide: the pod's opt-out first, then the
 * Namespace's label, then the pod's own opt-in. Shared by `team-quota` (which
 * counts the sidecar) and `shard-isolation` (which requires it).
 */
import { asRecord, asStringMap, labelsOf, valueAt, type FieldPath, type KubeObject } from './kube-object.ts';
import type { PodTemplate } from './pod-templates.ts';

/** Pod label and annotation with which a pod opts in to, or out of, sidecar injection. */
export const INJECT = 'sidecar.istio.io/inject';
/** Namespace label that turns injection on (`enabled`) or off (anything else). */
export const INJECTION_LABEL = 'istio-injection';
/** Namespace (or pod) label naming the Istio revision whose injector adds the sidecar. */
export const REVISION_LABEL = 'istio.io/rev';

/** Path of the pod template's `metadata` inside its object (`metadata` of a Pod itself). */
export function templateMetadataPath(template: PodTemplate): FieldPath {
  return [...template.path.slice(0, -1), 'metadata'];
}

/** Annotations of the pods of `template` (the template's; a Pod's own). */
export function podAnnotationsOf(template: PodTemplate): Readonly<Record<string, string>> {
  return asStringMap(asRecord(valueAt(template.object, templateMetadataPath(template)))?.annotations);
}

/** What in the pod template keeps the sidecar out, with where it is and the fix. */
export interface InjectionOptOut {
  readonly path: FieldPath;
  readonly what: string;
  readonly fix: string;
}

/** What keeps the sidecar from the template's pods whatever the Namespace says; `undefined` when nothing does. */
export function injectionOptOut(template: PodTemplate): InjectionOptOut | undefined {
  if (template.spec.hostNetwork === true) {
    return { path: [...template.path, 'hostNetwork'], what: 'runs its pods on the host network (hostNetwork: true), where Istio injects no sidecar', fix: 'remove hostNetwork' };
  }
  const meta = templateMetadataPath(template);
  if (template.labels[INJECT] === 'false') {
    return { path: [...meta, 'labels', INJECT], what: `opts its pods out of the Istio sidecar (pod template label ${INJECT}: "false")`, fix: 'remove the label' };
  }
  if (podAnnotationsOf(template)[INJECT] === 'false') {
    return { path: [...meta, 'annotations', INJECT], what: `opts its pods out of the Istio sidecar (pod template annotation ${INJECT}: "false")`, fix: 'remove the annotation' };
  }
  return undefined;
}

/** Whether the pod template opts in to injection (honoured only where the Namespace has no injection label). */
export function podOptsIn(template: PodTemplate): boolean {
  return template.labels[INJECT] === 'true' || template.labels[REVISION_LABEL] !== undefined;
}

/**
 * Why `namespace` does not get the sidecar into the template's pods, or
 * `undefined` when it does (or the pod opts in where the Namespace lets it).
 */
export function namespaceBlocksInjection(namespace: KubeObject, template: PodTemplate): { path: FieldPath; what: string } | undefined {
  const labels = labelsOf(namespace);
  const injection = labels[INJECTION_LABEL];
  // The injector's webhooks: a namespace label decides; without one, the pod's own labels opt in.
  if (injection !== undefined) return injection === 'enabled' ? undefined : { path: ['metadata', 'labels', INJECTION_LABEL], what: `is labelled ${INJECTION_LABEL}=${injection}` };
  if (labels[REVISION_LABEL] !== undefined) return undefined;
  if (podOptsIn(template)) return undefined;
  return { path: ['metadata', 'labels'], what: `has no sidecar injection label (${INJECTION_LABEL}=enabled or ${REVISION_LABEL}=<revision>)` };
}

/** Whether Istio's injector adds a sidecar to the template's pods, in `namespace` (`undefined`: no Namespace object is known). */
export function sidecarInjected(template: PodTemplate, namespace: KubeObject | undefined): boolean {
  if (injectionOptOut(template)) return false;
  return namespace ? namespaceBlocksInjection(namespace, template) === undefined : podOptsIn(template);
}

/**
 * What one pod counts against a ResourceQuota, computed the way Kubernetes
 * does: a container's request defaults to its limit, then to the namespace
 * LimitRange's `defaultRequest`/`default`; a pod's amount is the larger of
 * its containers' sum (with restartable "sidecar" init containers) and its
 * largest init container, plus the pod overhead.
 */
import { asList, asRecord, asString, type KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';
import type { PodTemplate } from './pod-templates.ts';
import { toMilli } from './resource-amount.ts';

/** Container defaults of a namespace, from its LimitRanges (`type: Container`). */
export interface ContainerDefaults {
  /** `defaultRequest` by resource. */
  readonly request: Readonly<Record<string, unknown>>;
  /** `default` (the default limit) by resource. */
  readonly limit: Readonly<Record<string, unknown>>;
}

/** The LimitRange container defaults of `namespace` in `objects` or an index of them (the first LimitRange that sets a resource wins). */
export function containerDefaults(namespace: string | undefined, objects: readonly KubeObject[] | ObjectIndex): ContainerDefaults {
  const request: Record<string, unknown> = {};
  const limit: Record<string, unknown> = {};
  for (const o of ObjectIndex.of(objects).inNamespace('', 'LimitRange', namespace ?? '')) {
    for (const item of asList(asRecord(o.spec)?.limits)) {
      const l = asRecord(item);
      if (!l || asString(l.type) !== 'Container') continue;
      // LimitRange defaulting: defaultRequest falls back to default, default to max.
      const def = { ...(asRecord(l.max) ?? {}), ...(asRecord(l.default) ?? {}) };
      for (const [k, v] of Object.entries(def)) if (!(k in limit)) limit[k] = v;
      for (const [k, v] of Object.entries({ ...def, ...(asRecord(l.defaultRequest) ?? {}) })) if (!(k in request)) request[k] = v;
    }
  }
  return { request, limit };
}

/** Which side of `resources` a quota counts. */
export type ResourceSide = 'requests' | 'limits';

/** What one container counts of `resource`, in thousandths; 0 when nothing applies. */
function containerAmount(container: Readonly<Record<string, unknown>>, resource: string, side: ResourceSide, defaults: ContainerDefaults): bigint {
  const resources = asRecord(container.resources);
  const requests = asRecord(resources?.requests) ?? {};
  const limits = asRecord(resources?.limits) ?? {};
  const value =
    side === 'requests'
      ? (requests[resource] ?? limits[resource] ?? defaults.request[resource] ?? defaults.limit[resource])
      : (limits[resource] ?? defaults.limit[resource]);
  return value === undefined ? 0n : (toMilli(value) ?? 0n);
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** What one pod of `template` counts of `resource` (requests or limits side), in thousandths. */
export function podAmount(template: PodTemplate, resource: string, side: ResourceSide, defaults: ContainerDefaults): bigint {
  const amount = (c: unknown) => containerAmount(asRecord(c) ?? {}, resource, side, defaults);
  let running = 0n;
  for (const c of asList(template.spec.containers)) running += amount(c);
  // Init containers run one at a time before the containers, each beside the sidecars started before it.
  let sidecars = 0n;
  let initPeak = 0n;
  for (const c of asList(template.spec.initContainers)) {
    if (asString(asRecord(c)?.restartPolicy) === 'Always') {
      sidecars += amount(c);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, sidecars + amount(c));
    }
  }
  const overhead = asRecord(template.spec.overhead)?.[resource];
  return max(running + sidecars, initPeak) + (overhead === undefined ? 0n : (toMilli(overhead) ?? 0n));
}

/** Whether a pod of `template` sets no CPU or memory request or limit anywhere (QoS class BestEffort). */
export function isBestEffort(template: PodTemplate): boolean {
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of asList(template.spec[list])) {
      const resources = asRecord(asRecord(c)?.resources);
      for (const side of ['requests', 'limits']) {
        const r = asRecord(resources?.[side]);
        if (r && (r.cpu !== undefined || r.memory !== undefined)) return false;
      }
    }
  }
  return true;
}

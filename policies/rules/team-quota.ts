/**
 * `team-quota`: per namespace, what the workloads request at their maximum
 * replica count must fit every ResourceQuota of the namespace, for every
 * resource the quota limits (`requests.cpu`, `requests.memory`,
 * `requests.nvidia.com/gpu`, `limits.*`, `pods`, …). Otherwise the
 * autoscaler is blocked by the quota exactly when traffic peaks.
 *
 * Max replicas come from the KEDA ScaledObject or HPA targeting a workload,
 * else `spec.replicas` (see `replicaBounds`). Any workload counts, rendered
 * by modelfleet or not; DaemonSets are left out (their pod count depends on
 * the cluster's nodes). The message names the model copies behind a shard
 * (read from the `models.json` of the ConfigMap its pods mount), or the
 * workload (`Deployment/name`) for anything else.
 *
 * Pods are counted as admitted, with the Istio sidecar the injector adds
 * (rendered objects never show it): when the Namespace is labelled
 * `istio-injection=enabled` or `istio.io/rev`, or the pod
 * `sidecar.istio.io/inject=true` (and not `false`, nor `hostNetwork`), each
 * pod gets an `istio-proxy` with the requests and limits of its
 * `sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit` and
 * `proxyMemoryLimit` annotations, or Istio's chart defaults (100m / 128Mi,
 * 2 / 1Gi) when it has none, plus Istio's init container
 * (`istio-validation` or `istio-init`) of the same size. The proxy is counted
 * as a native sidecar (beside every init container) unless the pod says
 * `sidecar.istio.io/nativeSidecar: "false"`: the larger of the two layouts.
 */
import { LABEL } from '../../core/plan/shard-labels.ts';
import { ISTIO_DEFAULT_SIDECAR_RESOURCES, NATIVE_SIDECAR_ANNOTATION, SIDECAR_RESOURCE_ANNOTATIONS } from '../../core/plan/sidecar-resources.ts';
import { formatBytes, formatMillicores } from '../../core/spec/quantity.ts';
import { asList, asRecord, asString, describeObject, labelsOf, namespaceOf, type KubeObject } from './kube-object.ts';
import type { ManifestRule } from './manifest-rule.ts';
import { ObjectIndex } from './object-index.ts';
import type { PodTemplate } from './pod-templates.ts';
import { shardCopyEntries } from './shard-copies.ts';
import { podAnnotationsOf, sidecarInjected } from './sidecar-injection.ts';
import { containerDefaults, isBestEffort, podAmount, type ResourceSide } from './pod-resources.ts';
import { formatQuotaExcess } from './quota-message.ts';
import { replicaBounds } from './replica-bounds.ts';
import { formatAmount, toMilli } from './resource-amount.ts';

/** Configuration of `team-quota`. */
export interface TeamQuotaConfig {
  /**
   * Extended resources messages count as GPUs (`nvidia.com/gpu`, MIG
   * resources); well-known GPU resources count anyway.
   *
   * @default - the GPU resources of the stack's pools
   */
  readonly gpuResources: readonly string[];
}

/** What a `spec.hard` key counts, or `undefined` for keys this rule does not evaluate (object counts, storage). */
function quotaKey(key: string): { side: ResourceSide | 'pods'; resource: string } | undefined {
  if (key === 'pods') return { side: 'pods', resource: 'pods' };
  if (key === 'cpu' || key === 'memory' || key === 'ephemeral-storage' || key.startsWith('hugepages-')) return { side: 'requests', resource: key };
  const m = /^(requests|limits)\.(.+)$/.exec(key);
  if (!m || m[2] === 'storage') return undefined; // requests.storage counts PersistentVolumeClaims
  return { side: m[1] as ResourceSide, resource: m[2]! };
}

/**
 * Whether a quota's scopes (`spec.scopes`, `spec.scopeSelector`) cover the
 * pods of `template`. A scope this rule cannot evaluate
 * (`CrossNamespacePodAffinity`) makes the quota not apply, so the rule never
 * reports a violation it cannot prove.
 */
function quotaCovers(quota: KubeObject, template: PodTemplate): boolean {
  const spec = asRecord(quota.spec) ?? {};
  const scopes: { scopeName?: string; operator?: string; values: string[] }[] = [
    ...asList(spec.scopes).map((s) => ({ scopeName: asString(s), operator: 'Exists', values: [] })),
    ...asList(asRecord(spec.scopeSelector)?.matchExpressions).map((e) => {
      const r = asRecord(e) ?? {};
      return { scopeName: asString(r.scopeName), operator: asString(r.operator), values: asList(r.values).filter((v): v is string => typeof v === 'string') };
    }),
  ];
  const priorityClass = asString(template.spec.priorityClassName);
  const terminating = template.spec.activeDeadlineSeconds !== undefined;
  return scopes.every((s) => {
    switch (s.scopeName) {
      case 'BestEffort':
        return isBestEffort(template);
      case 'NotBestEffort':
        return !isBestEffort(template);
      case 'Terminating':
        return terminating;
      case 'NotTerminating':
        return !terminating;
      case 'PriorityClass':
        if (s.operator === 'In') return priorityClass !== undefined && s.values.includes(priorityClass);
        if (s.operator === 'NotIn') return priorityClass === undefined || !s.values.includes(priorityClass);
        if (s.operator === 'Exists') return priorityClass !== undefined;
        if (s.operator === 'DoesNotExist') return priorityClass === undefined;
        return false;
      default:
        return false;
    }
  });
}

/** The model copies (`model@tenant`) a shard's pods load, from the `models.json` of the ConfigMaps they mount. */
function copyIdsOf(template: PodTemplate, objects: ObjectIndex): string[] {
  return shardCopyEntries(template, objects)
    .filter((e) => e.model)
    .map((e) => (e.tenant ? `${e.model}@${e.tenant}` : e.model!));
}

/** The team a namespace belongs to: the `modelfleet.io/team` label of the quota or the Namespace, else the namespace name. */
function teamOf(quota: KubeObject, objects: ObjectIndex): string {
  const namespace = namespaceOf(quota) ?? 'default';
  const ns = objects.named('', 'Namespace', namespace);
  return labelsOf(quota)[LABEL.team] ?? (ns ? labelsOf(ns)[LABEL.team] : undefined) ?? namespace;
}

/**
 * The pod spec of `template` as admitted: with the Istio sidecar and its init
 * container when the injector adds them, sized like the injector sizes them.
 */
function admitted(template: PodTemplate, objects: ObjectIndex): PodTemplate {
  const namespace = namespaceOf(template.object) ?? '';
  if (!sidecarInjected(template, objects.named('', 'Namespace', namespace))) return template;
  const annotations = podAnnotationsOf(template);
  const a = SIDECAR_RESOURCE_ANNOTATIONS;
  const annotated = Object.values(a).some((key) => annotations[key] !== undefined);
  const d = ISTIO_DEFAULT_SIDECAR_RESOURCES;
  // Istio uses the annotations when any is set (a missing one stays unset), else its global.proxy.resources.
  const pick = (values: Record<string, string | undefined>) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const resources = annotated
    ? { requests: pick({ cpu: annotations[a.cpu], memory: annotations[a.memory] }), limits: pick({ cpu: annotations[a.cpuLimit], memory: annotations[a.memoryLimit] }) }
    : { requests: { cpu: formatMillicores(d.cpu), memory: formatBytes(d.memory) }, limits: { cpu: formatMillicores(d.cpuLimit), memory: formatBytes(d.memoryLimit) } };
  const setup = { name: 'istio-validation', resources };
  const proxy = { name: 'istio-proxy', resources };
  const { initContainers, containers } = template.spec;
  const spec =
    annotations[NATIVE_SIDECAR_ANNOTATION] === 'false'
      ? { ...template.spec, initContainers: [setup, ...asList(initContainers)], containers: [...asList(containers), proxy] }
      : { ...template.spec, initContainers: [setup, { ...proxy, restartPolicy: 'Always' }, ...asList(initContainers)] };
  return { ...template, spec };
}

const VERB: Readonly<Record<ResourceSide | 'pods', string>> = { requests: 'requests', limits: 'sets limits of', pods: 'runs' };

/** Checks every ResourceQuota in `objects` (or `index`, an index of them) against the workloads of its namespace at max replicas. */
export function checkTeamQuota(
  objects: readonly KubeObject[],
  config: TeamQuotaConfig,
  report: (object: KubeObject, path: readonly (string | number)[], message: string) => void,
  index: ObjectIndex = new ObjectIndex(objects),
): void {
  const quotas = index.ofKind('', 'ResourceQuota');
  if (!quotas.length) return;
  // The admitted pod templates of each namespace, in order; the copies behind each, read once.
  const templates = new Map<string, PodTemplate[]>();
  for (const quota of quotas) {
    const namespace = namespaceOf(quota) ?? '';
    if (!templates.has(namespace)) {
      templates.set(
        namespace,
        index
          .podTemplatesIn(namespace)
          .filter((t) => t.object.kind !== 'DaemonSet')
          .map((t) => admitted(t, index)),
      );
    }
  }
  const copies = new Map<PodTemplate, string[]>();
  const copiesOf = (t: PodTemplate) => {
    let ids = copies.get(t);
    if (!ids) copies.set(t, (ids = copyIdsOf(t, index)));
    return ids;
  };
  for (const quota of quotas) {
    const namespace = namespaceOf(quota) ?? '';
    const covered = templates.get(namespace)!.filter((t) => quotaCovers(quota, t));
    if (!covered.length) continue;
    const defaults = containerDefaults(namespaceOf(quota), index);
    const sized = covered.map((t) => ({ template: t, max: BigInt(replicaBounds(t.object, index)?.max ?? 1) }));
    for (const [key, hardValue] of Object.entries(asRecord(asRecord(quota.spec)?.hard) ?? {})) {
      const what = quotaKey(key);
      const hard = toMilli(hardValue);
      if (!what || hard === undefined) continue;
      let used = 0n;
      const contributors: string[] = [];
      for (const { template, max } of sized) {
        const perPod = what.side === 'pods' ? 1000n : podAmount(template, what.resource, what.side, defaults);
        if (perPod === 0n) continue;
        used += perPod * max;
        const ids = copiesOf(template);
        contributors.push(...(ids.length ? ids : [describeObject(template.object)]));
      }
      if (used <= hard) continue;
      const show = (milli: bigint) => formatAmount(what.resource, milli, config.gpuResources);
      report(
        quota,
        ['spec', 'hard', key],
        `${formatQuotaExcess({ team: teamOf(quota, index), used: show(used), quota: show(hard), contributors, verb: VERB[what.side] })}; raise the quota or lower the max replicas`,
      );
    }
  }
}

/** The `team-quota` rule. */
export const teamQuotaRule: ManifestRule<TeamQuotaConfig, 'team-quota'> = {
  id: 'team-quota',
  description: "What a namespace's workloads request at max replicas fits every ResourceQuota of the namespace, for every resource it limits.",
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkTeamQuota,
};

/**
 * `shard-isolation`: the objects tenant isolation on a shared Triton shard
 * rests on (see `docs/isolation.md`) are there and apply to the shard's pods.
 * A shard serves several tenants' copies; without any one of them a tenant
 * could reach another tenant's copy.
 *
 * Shards are Deployments labelled `app.kubernetes.io/name: triton` and
 * `app.kubernetes.io/managed-by: modelfleet` (on the object or its pod
 * template), rendered or written by hand. For each:
 *
 * 1. **Sidecar.** Istio's injector adds its sidecar to the pods, as the
 *    default webhooks decide: the Namespace is labelled
 *    `istio-injection=enabled` or `istio.io/rev=<revision>` (or, in a
 *    Namespace with neither label, the pod template opts in with
 *    `sidecar.istio.io/inject: "true"` or `istio.io/rev`), the pod template
 *    does not opt out (label or annotation `sidecar.istio.io/inject:
 *    "false"`), and the pods are not on the host network. A Namespace that
 *    lacks the label is reported once, naming its shards.
 * 2. **Allow list.** An `ALLOW` AuthorizationPolicy (`security.istio.io`, any
 *    version; `action` unset means ALLOW) in the shard's namespace selects
 *    the pods.
 * 3. **Tenant guard.** A `DENY` AuthorizationPolicy in the namespace selects
 *    the pods.
 * 4. **gRPC guard.** When the shard loads tenanted copies (entries with a
 *    `tenant` in the `models.json` of a ConfigMap its pods mount), an
 *    EnvoyFilter (`networking.istio.io`) in the namespace selects the pods.
 *
 * "Selects" means a non-empty `spec.selector.matchLabels` (EnvoyFilter:
 * `spec.workloadSelector.labels`) that the pod labels all carry. A policy
 * without a selector applies to the whole namespace and is not the shard's
 * own, so it does not count; neither do policies of other namespaces (the
 * Istio root namespace included). The rule checks that the objects exist and
 * select the pods, not what their rules say.
 */
import { LABEL, MANAGED_BY, TRITON_APP_NAME } from '../../core/plan/shard-labels.ts';
import { compareStrings } from '../../core/util/compare.ts';
import { asRecord, asStringMap, describeObject, isKind, labelsOf, namespaceOf, nameOf, valueAt, type FieldPath, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { podTemplatesIn, type PodTemplate } from './pod-templates.ts';
import { shardCopyEntries } from './shard-copies.ts';
import { INJECTION_LABEL, injectionOptOut, namespaceBlocksInjection, podOptsIn, REVISION_LABEL } from './sidecar-injection.ts';
import { listContributors } from './quota-message.ts';

/** Configuration of `shard-isolation` (none). */
export type ShardIsolationConfig = Readonly<Record<string, never>>;

const NO_SIDECAR = "without the sidecar nothing enforces the shard's AuthorizationPolicies and gRPC guard, and a tenant could reach another tenant's copy";

/** One shard: its workload, pod template and namespace. */
interface ShardWorkload {
  readonly template: PodTemplate;
  readonly namespace: string;
}

/** The pod templates of every shard Deployment in `objects`, in order. */
function shardsIn(objects: readonly KubeObject[]): ShardWorkload[] {
  const label = (t: PodTemplate, key: string) => labelsOf(t.object)[key] ?? t.labels[key];
  return podTemplatesIn(objects)
    .filter((t) => isKind(t.object, 'apps', 'Deployment') && label(t, LABEL.name) === TRITON_APP_NAME && label(t, LABEL.managedBy) === MANAGED_BY)
    .map((template) => ({ template, namespace: namespaceOf(template.object) ?? 'default' }));
}

/** Whether a non-empty label map is carried by `labels`. */
function selects(selectorLabels: unknown, labels: Readonly<Record<string, string>>): boolean {
  const wanted = Object.entries(asStringMap(selectorLabels));
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** `a=1, b=2`: a label map as messages show it, keys sorted. */
function showLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The labels a selector for the shard's pods should use: the Deployment's own `matchLabels`, else the pod labels. */
function suggestedLabels(shard: ShardWorkload): string {
  const own = asStringMap(asRecord(valueAt(shard.template.object, ['spec', 'selector']))?.matchLabels);
  return showLabels(Object.keys(own).length ? own : shard.template.labels);
}

/** The tenanted copies (`model@tenant`) the shard's pods load, from the `models.json` of the ConfigMaps they mount. */
function tenantedCopiesOf(shard: ShardWorkload, objects: readonly KubeObject[]): string[] {
  return shardCopyEntries(shard.template, objects)
    .filter((e) => e.tenant)
    .map((e) => `${e.model ?? '(unnamed)'}@${e.tenant}`);
}

/** Reports every shard whose pods miss the sidecar, an ALLOW or DENY AuthorizationPolicy, or (with tenanted copies) the gRPC guard EnvoyFilter. */
export function checkShardIsolation(objects: readonly KubeObject[], _config: ShardIsolationConfig, report: ReportViolation): void {
  const shards = shardsIn(objects);
  if (!shards.length) return;
  const namespaces = new Map<string, KubeObject>();
  for (const o of objects) if (isKind(o, '', 'Namespace') && !namespaces.has(nameOf(o))) namespaces.set(nameOf(o), o);

  // 1a. A Namespace that keeps the sidecar from its shards: reported once, on the Namespace, naming them.
  const blockedBy = new Map<KubeObject, { path: FieldPath; what: string; shards: string[] }>();
  for (const shard of shards) {
    const namespace = namespaces.get(shard.namespace);
    const blocked = namespace && !injectionOptOut(shard.template) ? namespaceBlocksInjection(namespace, shard.template) : undefined;
    if (!namespace || !blocked) continue;
    const entry = blockedBy.get(namespace) ?? { ...blocked, shards: [] };
    entry.shards.push(describeObject(shard.template.object));
    blockedBy.set(namespace, entry);
  }
  for (const [namespace, { path, what, shards: names }] of blockedBy) {
    report(
      namespace,
      path,
      `${describeObject(namespace)} ${what}, so Istio injects no sidecar into the pods of its shards (${listContributors(names)}); ${NO_SIDECAR}; label it ${INJECTION_LABEL}=enabled (or ${REVISION_LABEL}=<revision>)`,
    );
  }

  const policies = objects.filter((o) => isKind(o, 'security.istio.io', 'AuthorizationPolicy'));
  const filters = objects.filter((o) => isKind(o, 'networking.istio.io', 'EnvoyFilter'));
  for (const shard of shards) {
    const { object, labels } = shard.template;
    const who = `${describeObject(object)} is a shard`;
    const inNamespace = (o: KubeObject) => (namespaceOf(o) ?? 'default') === shard.namespace;

    // 1b. The sidecar, as the pod template or a missing Namespace decides.
    const optOut = injectionOptOut(shard.template);
    if (optOut) {
      report(object, optOut.path, `${who} but ${optOut.what}; ${NO_SIDECAR}; ${optOut.fix}`);
    } else if (!namespaces.has(shard.namespace) && !podOptsIn(shard.template)) {
      report(
        object,
        ['metadata', 'namespace'],
        `${who} in namespace ${shard.namespace}, but no Namespace ${shard.namespace} is among the objects, so nothing shows Istio injects its sidecar; ${NO_SIDECAR}; declare the Namespace labelled ${INJECTION_LABEL}=enabled (or ${REVISION_LABEL}=<revision>)`,
      );
    }

    // 2. The allow list; 3. the tenant guard.
    const selectedBy = (action: 'ALLOW' | 'DENY') =>
      policies.some((p) => {
        const spec = asRecord(p.spec) ?? {};
        return inNamespace(p) && (spec.action ?? 'ALLOW') === action && selects(asRecord(spec.selector)?.matchLabels, labels);
      });
    const use = `whose spec.selector.matchLabels the pod labels carry (${suggestedLabels(shard)})`;
    if (!selectedBy('ALLOW')) {
      report(
        object,
        [],
        `${who} but no ALLOW AuthorizationPolicy in namespace ${shard.namespace} selects its pods; Istio then admits every caller in the mesh to every copy on the shard, not just the gateway and the team's callers, and only the tenant guard keeps a tenant from another tenant's copy; add one ${use}`,
      );
    }
    if (!selectedBy('DENY')) {
      report(
        object,
        [],
        `${who} but no DENY AuthorizationPolicy (the tenant guard) in namespace ${shard.namespace} selects its pods; without it, any ALLOW policy that admits a request (a namespace-wide allow-all, say) lets a tenant reach another tenant's copy and Triton's model-control APIs; add one ${use}`,
      );
    }

    // 4. The gRPC guard, for shards with tenanted copies.
    const tenanted = tenantedCopiesOf(shard, objects);
    if (!tenanted.length) continue;
    if (filters.some((f) => inNamespace(f) && selects(asRecord(asRecord(f.spec)?.workloadSelector)?.labels, labels))) continue;
    report(
      object,
      [],
      `${who} with tenanted copies (${listContributors(tenanted)}) but no EnvoyFilter (the gRPC guard) in namespace ${shard.namespace} selects its pods; without it, a client admitted for one tenant can name another tenant's copy inside a gRPC message and be served it; add one whose spec.workloadSelector.labels the pod labels carry (${suggestedLabels(shard)})`,
    );
  }
}

/** The `shard-isolation` rule. */
export const shardIsolationRule: ManifestRule<ShardIsolationConfig, 'shard-isolation'> = {
  id: 'shard-isolation',
  description: "Every shard's pods get the Istio sidecar and are selected by an ALLOW and a DENY AuthorizationPolicy, and by the gRPC guard EnvoyFilter when they hold tenanted copies.",
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkShardIsolation,
};

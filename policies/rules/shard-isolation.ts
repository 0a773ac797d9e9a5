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
 *    EnvoyFilter (`networking.istio.io`) in the namespace selects the pods,
 *    and none that selects them lets `ModelStreamInfer` through: no Lua source
 *    in its `configPatches` assigns `STREAM_ALLOWED` anything but `false` (or
 *    `nil`). modelfleet renders the guard once per team namespace, as
 *    `<team>-grpc-guard` (`STREAM_ALLOWED = false`) and
 *    `<team>-grpc-guard-stream` (`true`), and the pod-template label
 *    `modelfleet.io/grpc-stream` (`refused` or `allowed`) picks one: a
 *    tenanted shard labelled `allowed` gets the streaming one, and is
 *    reported. A filter whose Lua does not assign `STREAM_ALLOWED` is not
 *    judged on it.
 * 5. **Token validation** (only when the stack sets `modelfleet:auth`). A
 *    RequestAuthentication (`security.istio.io`, any version) in the
 *    namespace selects the pods, and the selecting ones together have a
 *    `jwtRule` for every issuer of `modelfleet:auth`. Without one the
 *    sidecar reads no claims, so the policies that require the tenant claim
 *    never match; without an issuer's rule its tokens are rejected at the shard.
 * 6. **Mutual TLS** (unless `modelfleet:isolation.mtls` is `unmanaged`). The
 *    mode Istio applies to the pods on ports 8000 (HTTP) and 8001 (gRPC), and
 *    with `strict` also 8002 (metrics), is STRICT. It is computed from the
 *    namespace's PeerAuthentications as Istio composes them: a selecting one's
 *    `portLevelMtls["<port>"]`, else its `mtls.mode`, else the namespace-wide
 *    one's (no selector, or empty `matchLabels`) `mtls.mode`; `UNSET` or
 *    absent inherits the next. Nothing setting a mode counts as not STRICT:
 *    the mesh root namespace is not read. Istio applies the oldest policy of
 *    a level when several exist; the objects do not tell which that is, so
 *    each one must give STRICT.
 *
 * "Selects" means a non-empty `spec.selector.matchLabels` (EnvoyFilter:
 * `spec.workloadSelector.labels`) that the pod labels all carry. A policy
 * without a selector applies to the whole namespace and is not the shard's
 * own, so it does not count (a namespace-wide PeerAuthentication does, as
 * the level a selecting one inherits from); neither do policies of other
 * namespaces (the Istio root namespace included). The rule checks that the
 * objects exist and select the pods, not what their rules say (except the
 * RequestAuthentications' issuers and the PeerAuthentications' modes).
 */
import { GRPC_STREAM_LABEL, LABEL, MANAGED_BY, TRITON_APP_NAME } from '../../core/plan/shard-labels.ts';
import type { MtlsMode } from '../../core/stack/stack-config.ts';
import { compareStrings } from '../../core/util/compare.ts';
import { asList, asRecord, asString, asStringMap, describeObject, isKind, labelsOf, namespaceOf, nameOf, selectsLabels, valueAt, type FieldPath, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { ObjectIndex } from './object-index.ts';
import type { PodTemplate } from './pod-templates.ts';
import { shardCopyEntries } from './shard-copies.ts';
import { INJECTION_LABEL, injectionOptOut, namespaceBlocksInjection, podOptsIn, REVISION_LABEL } from './sidecar-injection.ts';
import { listContributors } from './quota-message.ts';

/** Configuration of `shard-isolation`, from the stack. */
export interface ShardIsolationConfig {
  /**
   * `modelfleet:auth`: the issuers whose tokens every shard must validate
   * (`jwt[].issuer`) and the tenant claim the shard's policies read.
   * Absent: the stack does not authenticate tenants, and no
   * RequestAuthentication is required.
   */
  readonly auth?: { readonly issuers: readonly string[]; readonly tenantClaim: string };
  /**
   * `modelfleet:isolation.mtls`: `strict` requires STRICT mutual TLS on ports
   * 8000, 8001 and 8002 of every shard, `strict-except-metrics` on 8000 and
   * 8001; `unmanaged` (or anything else) checks none.
   */
  readonly mtls: MtlsMode;
}

/** Triton's ports, as messages name them. */
const TRITON_PORTS: Readonly<Record<number, string>> = { 8000: 'HTTP', 8001: 'gRPC', 8002: 'metrics' };

const NO_SIDECAR = "without the sidecar nothing enforces the shard's AuthorizationPolicies and gRPC guard, and a tenant could reach another tenant's copy";

/** One shard: its workload, pod template and namespace. */
interface ShardWorkload {
  readonly template: PodTemplate;
  readonly namespace: string;
}

/** The pod templates of every shard Deployment in `objects`, in order. */
function shardsIn(objects: ObjectIndex): ShardWorkload[] {
  const label = (t: PodTemplate, key: string) => labelsOf(t.object)[key] ?? t.labels[key];
  return objects
    .podTemplates()
    .filter((t) => isKind(t.object, 'apps', 'Deployment') && label(t, LABEL.name) === TRITON_APP_NAME && label(t, LABEL.managedBy) === MANAGED_BY)
    .map((template) => ({ template, namespace: namespaceOf(template.object) ?? 'default' }));
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

/** What a port without STRICT mutual TLS lets happen; `ports` are among 8000, 8001 and 8002. */
function withoutMtls(ports: readonly number[]): string {
  const carried = [...(ports.some((p) => p !== 8002) ? ["tenants' requests and tokens"] : []), ...(ports.includes(8002) ? ["the metrics, which name every tenant's copies,"] : [])];
  return `the sidecar then also accepts plain text there: a caller outside the mesh connects without a certificate that names it, and ${andList(carried)} cross the network unencrypted`;
}

/** The issuers a RequestAuthentication has a `jwtRule` for. */
function issuersOf(requestAuthentication: KubeObject): string[] {
  return asList(asRecord(requestAuthentication.spec)?.jwtRules).flatMap((r) => {
    const issuer = asString(asRecord(r)?.issuer);
    return issuer ? [issuer] : [];
  });
}

/** A PeerAuthentication `{mode}` that decides: its mode unless `UNSET` or absent. */
function decidingMode(value: unknown): string | undefined {
  const mode = asString(asRecord(value)?.mode);
  return mode && mode !== 'UNSET' ? mode : undefined;
}

/** The mutual TLS mode Istio applies on one port of a shard's pods, and what decides it. */
interface PortMtls {
  readonly port: number;
  /** `STRICT`, `PERMISSIVE`, `DISABLE`; `undefined`: no PeerAuthentication of the namespace sets one. */
  readonly mode?: string;
  /** The PeerAuthentication that decides. */
  readonly by?: KubeObject;
  /** `port`: the selecting policy's `portLevelMtls`; `workload`: its `mtls.mode`; `namespace`: the namespace-wide policy's `mtls.mode`. */
  readonly level?: 'port' | 'workload' | 'namespace';
}

/**
 * The mode on `port` as Istio composes it from the selecting PeerAuthentication
 * `workload` and the namespace-wide `namespaceWide` (either may be absent):
 * port level, then workload level, then namespace level, `UNSET` inheriting.
 * Istio reads `portLevelMtls` only on a policy with a selector.
 */
function composeMtls(port: number, workload: KubeObject | undefined, namespaceWide: KubeObject | undefined): PortMtls {
  const spec = asRecord(workload?.spec);
  const portMode = decidingMode(asRecord(spec?.portLevelMtls)?.[String(port)]);
  if (workload && portMode) return { port, mode: portMode, by: workload, level: 'port' };
  const workloadMode = decidingMode(spec?.mtls);
  if (workload && workloadMode) return { port, mode: workloadMode, by: workload, level: 'workload' };
  const namespaceMode = decidingMode(asRecord(namespaceWide?.spec)?.mtls);
  if (namespaceWide && namespaceMode) return { port, mode: namespaceMode, by: namespaceWide, level: 'namespace' };
  return { port };
}

/**
 * Per port of `ports`, a mode other than STRICT Istio may apply: Istio takes
 * the oldest policy of each level, which the objects do not tell, so every
 * pair of a selecting and a namespace-wide policy is tried, in object order.
 */
function weakMtls(ports: readonly number[], selecting: readonly KubeObject[], namespaceWide: readonly KubeObject[]): PortMtls[] {
  const workloads = selecting.length ? selecting : [undefined];
  const namespaces = namespaceWide.length ? namespaceWide : [undefined];
  return ports.flatMap((port) => {
    for (const w of workloads) {
      for (const n of namespaces) {
        const mtls = composeMtls(port, w, n);
        if (mtls.mode !== 'STRICT') return [mtls];
      }
    }
    return [];
  });
}

/** `port 8000 (HTTP)`, `ports 8000 (HTTP) and 8001 (gRPC)`. */
function showPorts(ports: readonly number[]): string {
  return `${ports.length > 1 ? 'ports' : 'port'} ${andList(ports.map((p) => `${p} (${TRITON_PORTS[p] ?? 'unknown'})`))}`;
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Every string inside `value` (an EnvoyFilter's `configPatches`: the Lua sources among them), depth first. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** `STREAM_ALLOWED = <value>` assignments (a `local` or global one) on a line of their own. */
const STREAM_ALLOWED_ASSIGNMENT = /^[ \t]*(?:local[ \t]+)?STREAM_ALLOWED[ \t]*=[ \t]*(.*?)[ \t]*;?[ \t]*$/gm;

/**
 * What a gRPC guard EnvoyFilter's Lua assigns `STREAM_ALLOWED` other than
 * `false` or `nil` (a value under which the guard lets `ModelStreamInfer`
 * calls without a tenant header through), or `undefined` when it assigns
 * nothing else. Read from the text: any other value counts, `1` or
 * `false or true` included.
 */
function streamAllowedBy(filter: KubeObject): string | undefined {
  for (const source of stringsIn(asRecord(filter.spec)?.configPatches)) {
    for (const [, value] of source.matchAll(STREAM_ALLOWED_ASSIGNMENT)) if (value !== 'false' && value !== 'nil') return value;
  }
  return undefined;
}

/** The tenanted copies (`model@tenant`) the shard's pods load, from the `models.json` of the ConfigMaps they mount. */
function tenantedCopiesOf(shard: ShardWorkload, objects: ObjectIndex): string[] {
  return shardCopyEntries(shard.template, objects)
    .filter((e) => e.tenant)
    .map((e) => `${e.model ?? '(unnamed)'}@${e.tenant}`);
}

/**
 * Reports every shard whose pods miss the sidecar, an ALLOW or DENY
 * AuthorizationPolicy, (with tenanted copies) the gRPC guard EnvoyFilter or
 * are selected by one that lets streamed calls through,
 * (with `auth`) a RequestAuthentication for every issuer, or (unless `mtls`
 * is `unmanaged`) STRICT mutual TLS on Triton's ports.
 */
export function checkShardIsolation(objects: readonly KubeObject[], config: ShardIsolationConfig, report: ReportViolation, index: ObjectIndex = new ObjectIndex(objects)): void {
  const shards = shardsIn(index);
  if (!shards.length) return;
  const namespaces = new Map<string, KubeObject>();
  for (const o of index.ofKind('', 'Namespace')) if (!namespaces.has(nameOf(o))) namespaces.set(nameOf(o), o);

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

  // The objects of the shard's namespace whose selector the pod labels may carry (the index's candidates; each test below still applies).
  const MATCH_LABELS = ['spec', 'selector', 'matchLabels'];
  const selecting = (group: string, kind: string, shard: ShardWorkload, path: readonly string[] = MATCH_LABELS) =>
    index.selectorCandidates(group, kind, shard.namespace, 'default', path, shard.template.labels);
  const auth = asRecord(config?.auth) ? config.auth : undefined;
  const mtlsPorts = config?.mtls === 'strict' ? [8000, 8001, 8002] : config?.mtls === 'strict-except-metrics' ? [8000, 8001] : [];
  for (const shard of shards) {
    const { object, labels } = shard.template;
    const who = `${describeObject(object)} is a shard`;

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
    const policies = selecting('security.istio.io', 'AuthorizationPolicy', shard);
    const selectedBy = (action: 'ALLOW' | 'DENY') =>
      policies.some((p) => {
        const spec = asRecord(p.spec) ?? {};
        return (spec.action ?? 'ALLOW') === action && selectsLabels(asRecord(spec.selector)?.matchLabels, labels);
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

    // 4. The gRPC guard, for shards with tenanted copies: one selects the pods, and none lets streams through.
    const tenanted = tenantedCopiesOf(shard, index);
    const guards = tenanted.length ? selecting('networking.istio.io', 'EnvoyFilter', shard, ['spec', 'workloadSelector', 'labels']).filter((f) => selectsLabels(asRecord(asRecord(f.spec)?.workloadSelector)?.labels, labels)) : [];
    if (tenanted.length && !guards.length) {
      report(
        object,
        [],
        `${who} with tenanted copies (${listContributors(tenanted)}) but no EnvoyFilter (the gRPC guard) in namespace ${shard.namespace} selects its pods; without it, a client admitted for one tenant can name another tenant's copy inside a gRPC message and be served it; add one whose spec.workloadSelector.labels the pod labels carry (${suggestedLabels(shard)})`,
      );
    }
    const streaming = guards.flatMap((f) => {
      const value = streamAllowedBy(f);
      return value === undefined ? [] : [{ name: describeObject(f), value }];
    });
    if (streaming.length) {
      const one = streaming.length === 1;
      const labelled = labels[GRPC_STREAM_LABEL] === 'allowed';
      const labelPath = [...shard.template.path.slice(0, -1), 'metadata', 'labels', GRPC_STREAM_LABEL];
      report(
        object,
        labelled ? labelPath : [],
        `${who} with tenanted copies (${listContributors(tenanted)}) but ${streaming.map((f) => `${f.name} (STREAM_ALLOWED = ${f.value})`).join(', ')} in namespace ${shard.namespace}, which ${one ? 'selects' : 'select'} its pods, ${one ? 'lets' : 'let'} gRPC ModelStreamInfer calls without a tenant header through unchecked; a client admitted for one tenant can name another tenant's copy in a streamed message and be served it; ${
          labelled
            ? `label the pod template ${GRPC_STREAM_LABEL}=refused, which the namespace's guard that refuses streams selects`
            : `set STREAM_ALLOWED = false in ${one ? 'its' : 'their'} Lua, or change ${one ? 'its' : 'their'} spec.workloadSelector.labels so that ${one ? 'it selects' : 'they select'} only shards without tenanted copies`
        }`,
      );
    }

    // 5. Token validation, when the stack authenticates tenants.
    if (auth) {
      const validating = selecting('security.istio.io', 'RequestAuthentication', shard).filter((r) => selectsLabels(asRecord(asRecord(r.spec)?.selector)?.matchLabels, labels));
      const issuers = asList(auth.issuers).filter((i): i is string => typeof i === 'string');
      if (!validating.length) {
        report(
          object,
          [],
          `${who} but no RequestAuthentication in namespace ${shard.namespace} selects its pods, though the stack authenticates tenants (modelfleet:auth); its sidecar then validates no token and reads no claims, so the shard's AuthorizationPolicies that require request.auth.claims[${auth.tenantClaim}] never match, and a namespace-wide allow would admit requests whatever their token; add one ${use}, with a jwtRule for ${issuers.length > 1 ? 'each issuer' : 'the issuer'} of modelfleet:auth (${issuers.join(', ')})`,
        );
      } else {
        const named = new Set(validating.flatMap(issuersOf));
        const missing = issuers.filter((i) => !named.has(i));
        if (missing.length) {
          const one = missing.length === 1;
          const names = validating.map(describeObject);
          report(
            object,
            [],
            `${who} but no RequestAuthentication in namespace ${shard.namespace} that selects its pods (${listContributors(names)}) has a jwtRule for ${one ? 'issuer' : 'issuers'} ${missing.join(', ')} of modelfleet:auth; its sidecar rejects ${one ? "that issuer's" : "those issuers'"} tokens, so ${one ? 'its' : 'their'} tenants are refused at the shard after the gateway admitted them; add a jwtRule (issuer, jwksUri) for ${one ? 'it' : 'each'} to ${names.length === 1 ? names[0] : 'one of them'}`,
          );
        }
      }
    }

    // 6. Mutual TLS on Triton's ports, unless the stack leaves it to the mesh.
    if (!mtlsPorts.length) continue;
    const peers = index.inNamespace('security.istio.io', 'PeerAuthentication', shard.namespace, 'default');
    const peerLabels = (p: KubeObject) => asStringMap(asRecord(asRecord(p.spec)?.selector)?.matchLabels);
    const selectingPeers = selecting('security.istio.io', 'PeerAuthentication', shard).filter((p) => selectsLabels(peerLabels(p), labels));
    const namespaceWide = peers.filter((p) => !Object.keys(peerLabels(p)).length);
    const groups = new Map<string, PortMtls[]>();
    for (const weak of weakMtls(mtlsPorts, selectingPeers, namespaceWide)) {
      const key = `${weak.by ? describeObject(weak.by) : ''}|${weak.level ?? ''}|${weak.mode ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), weak]);
    }
    for (const group of groups.values()) {
      const { mode, by, level } = group[0]!;
      const ports = group.map((g) => g.port);
      const them = ports.length > 1 ? 'them' : 'it';
      let cause: string;
      let fix: string;
      if (by && level === 'port') {
        cause = `${describeObject(by)} in namespace ${shard.namespace} selects the pods and sets ${andList(ports.map((p) => `spec.portLevelMtls["${p}"].mode`))} to ${mode}`;
        fix = `set ${them} to STRICT, or remove ${them}`;
      } else if (by && level === 'workload') {
        cause = `${describeObject(by)} in namespace ${shard.namespace} selects the pods and sets spec.mtls.mode to ${mode}`;
        fix = 'set it to STRICT';
      } else if (by) {
        cause = `${describeObject(by)}, namespace-wide in namespace ${shard.namespace}, sets spec.mtls.mode to ${mode}, and no PeerAuthentication that selects the pods overrides it`;
        fix = 'set it to STRICT';
      } else {
        cause = `no PeerAuthentication in namespace ${shard.namespace} sets ${ports.length > 1 ? 'their' : 'its'} mode (none that is namespace-wide or selects the pods has one other than UNSET), so the mesh-wide setting applies, which is PERMISSIVE unless the Istio root namespace sets STRICT`;
        fix = `set spec.mtls.mode STRICT on a PeerAuthentication in namespace ${shard.namespace}, namespace-wide or one whose spec.selector.matchLabels the pod labels carry (${suggestedLabels(shard)})`;
      }
      const metrics = ports.includes(8002) ? '; modelfleet:isolation.mtls is strict, so the metrics port must be STRICT too (strict-except-metrics lets a Prometheus outside the mesh scrape it in plain text)' : '';
      report(object, [], `${who} but Istio does not require mutual TLS on ${showPorts(ports)} of its pods: ${cause}; ${withoutMtls(ports)}${metrics}; ${fix}`);
    }
  }
}

/** The `shard-isolation` rule. */
export const shardIsolationRule: ManifestRule<ShardIsolationConfig, 'shard-isolation'> = {
  id: 'shard-isolation',
  description:
    "Every shard's pods get the Istio sidecar and are selected by an ALLOW and a DENY AuthorizationPolicy, by the gRPC guard EnvoyFilter (one that refuses streamed calls) when they hold tenanted copies, by a RequestAuthentication for every issuer when the stack authenticates tenants, and get STRICT mutual TLS on Triton's ports unless the stack leaves mTLS unmanaged.",
  defaultLevel: 'mandatory',
  scope: 'stack',
  check: checkShardIsolation,
};

/**
 * Istio `PeerAuthentication` evaluation: the mutual-TLS mode a workload's
 * sidecar enforces on one of its (container) ports, and whether it accepts a
 * connection. Written from istio/api `security/v1beta1/peer_authentication.proto`
 * (tag 1.30.3) and the authentication concept page.
 *
 * - Levels: a policy with a selector applies to matching workloads in its
 *   namespace (workload level); one without a selector (or with empty
 *   `matchLabels`) applies to its namespace (namespace level), or to the mesh
 *   when it sits in the root namespace (mesh level). "Note: PeerAuthentication
 *   policies with workload selectors are ignored when deployed in the root
 *   namespace" — which contradicts the `selector` field doc ("If the policy is
 *   in the root namespace, the selector will additionally match with
 *   workloads in all namespace"): such a policy that selects the workload
 *   throws `ambiguous`.
 * - Precedence: workload > namespace > mesh; `UNSET` (or no `mtls`)
 *   "Inherit[s] from parent, if has one. Otherwise treated as PERMISSIVE";
 *   nothing at all = PERMISSIVE.
 * - `portLevelMtls`: "These only apply when a workload selector is
 *   specified. The port refers to the port of the workload, not the port of
 *   the Kubernetes service"; on a namespace/mesh policy Istio validation
 *   rejects it ("mesh/namespace peer authentication cannot have port level
 *   mTLS") → `invalid`. A port-level `UNSET` inherits the workload's mode.
 * - Two policies at one level for one workload: Istio uses the oldest
 *   (creation time, which rendered manifests do not carry) → `ambiguous`.
 *   (istio/istio pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication)
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/concepts/security/#peer-authentication
 */
import { describeObject, idOf, namespaceOf, type K8sObject } from './k8s-object.ts';
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';

/** `PeerAuthentication.MutualTLS.Mode`. */
export type MtlsModeSetting = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** The effective mode (never `UNSET`). */
export type MtlsMode = 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** `PeerAuthentication.MutualTLS`. */
export interface MutualTls {
  readonly mode?: MtlsModeSetting;
}

/** `PeerAuthentication.spec`. */
export interface PeerAuthenticationSpec {
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly mtls?: MutualTls;
  /** Keyed by workload (container) port number. */
  readonly portLevelMtls?: Readonly<Record<string, MutualTls>>;
}

/** A `security.istio.io` PeerAuthentication as plain JSON. */
export type PeerAuthentication = K8sObject<PeerAuthenticationSpec>;

/** The workload whose sidecar receives the connection. */
export interface PeerAuthnWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Options for `mtlsMode`. */
export interface MtlsModeOptions {
  /**
   * meshConfig `rootNamespace`.
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
}

const SPEC_FIELDS = new Set(['selector', 'mtls', 'portLevelMtls']);
const MODES = new Set(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

function modeOf(m: MutualTls | undefined, loc: MeshErrorLocation): MtlsModeSetting {
  if (m === undefined || m === null) return 'UNSET';
  if (typeof m !== 'object' || Object.keys(m).some((k) => k !== 'mode')) throw new MeshEvaluationError('invalid', 'MutualTLS has only "mode"', loc);
  const mode = m.mode ?? 'UNSET';
  if (!MODES.has(mode)) throw new MeshEvaluationError('invalid', `unknown mTLS mode ${JSON.stringify(mode)}`, loc);
  return mode;
}

interface Classified {
  readonly policy: PeerAuthentication;
  readonly level: 'mesh' | 'namespace' | 'workload';
}

function classify(pa: PeerAuthentication, workload: PeerAuthnWorkload, root: string): Classified | undefined {
  const object = describeObject(pa, 'PeerAuthentication');
  const spec = pa.spec ?? {};
  if (spec === null || typeof spec !== 'object') throw new MeshEvaluationError('invalid', 'spec must be an object', { object });
  const unknown = Object.keys(spec).filter((k) => !SPEC_FIELDS.has(k));
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown PeerAuthentication field(s) ${unknown.join(', ')}`, { object });
  if (spec.selector !== undefined && (spec.selector === null || typeof spec.selector !== 'object' || Object.keys(spec.selector).some((k) => k !== 'matchLabels'))) {
    throw new MeshEvaluationError('invalid', 'selector is a WorkloadSelector: only matchLabels', { object, field: 'spec.selector' });
  }
  const labels = spec.selector?.matchLabels ?? {};
  const hasSelector = Object.keys(labels).length > 0;
  modeOf(spec.mtls, { object, field: 'spec.mtls' });
  if (spec.portLevelMtls !== undefined) {
    const ports = Object.entries(spec.portLevelMtls);
    if (!hasSelector) throw new MeshEvaluationError('invalid', 'mesh/namespace peer authentication cannot have port level mTLS', { object, field: 'spec.portLevelMtls' });
    if (ports.length === 0) throw new MeshEvaluationError('invalid', 'port level mTLS, if defined, must have at least one element', { object, field: 'spec.portLevelMtls' });
    for (const [port, m] of ports) {
      const ploc = { object, field: `spec.portLevelMtls[${port}]` };
      if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new MeshEvaluationError('invalid', 'port must be in range 1..65535', ploc);
      modeOf(m, ploc);
    }
  }
  const ns = namespaceOf(pa);
  const selects = Object.entries(labels).every(([k, v]) => Object.hasOwn(workload.labels, k) && workload.labels[k] === v);
  if (!hasSelector) {
    if (ns === root) return { policy: pa, level: 'mesh' };
    return ns === workload.namespace ? { policy: pa, level: 'namespace' } : undefined;
  }
  if (ns === root) {
    if (!selects) return undefined;
    throw new MeshEvaluationError(
      'ambiguous',
      'a PeerAuthentication with a selector in the root namespace: the selector field doc says it matches workloads in all namespaces, the note says such policies "are ignored"',
      { object, field: 'spec.selector' },
    );
  }
  return ns === workload.namespace && selects ? { policy: pa, level: 'workload' } : undefined;
}

/**
 * The mTLS mode the sidecar of `workload` enforces on workload (container)
 * port `port`.
 *
 * @throws MeshEvaluationError for invalid policies and for two policies at one level.
 * @example
 * mtlsMode(peerAuthentications, { namespace: 'fraud', labels: { app: 'triton' } }, 8000) // 'STRICT'
 */
export function mtlsMode(peerAuthentications: readonly PeerAuthentication[], workload: PeerAuthnWorkload, port: number, options: MtlsModeOptions = {}): MtlsMode {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new MeshEvaluationError('invalid', `port must be in range 1..65535, got ${port}`);
  const root = options.rootNamespace ?? 'istio-system';
  const applicable = peerAuthentications.map((pa) => classify(pa, workload, root)).filter((c): c is Classified => c !== undefined);
  const at = (level: Classified['level']): PeerAuthentication | undefined => {
    const found = applicable.filter((c) => c.level === level).map((c) => c.policy);
    if (found.length > 1) {
      throw new MeshEvaluationError(
        'ambiguous',
        `${found.length} ${level}-level PeerAuthentications apply (${found.map(idOf).join(', ')}); Istio uses the oldest by creation time`,
      );
    }
    return found[0];
  };
  let mode: MtlsMode = 'PERMISSIVE';
  for (const level of ['mesh', 'namespace', 'workload'] as const) {
    const pa = at(level);
    if (pa === undefined) continue;
    const m = modeOf(pa.spec?.mtls, { object: describeObject(pa, 'PeerAuthentication'), field: 'spec.mtls' });
    if (m !== 'UNSET') mode = m;
    if (level === 'workload') {
      const portLevel = pa.spec?.portLevelMtls?.[String(port)];
      if (portLevel !== undefined) {
        const pm = modeOf(portLevel, { object: describeObject(pa, 'PeerAuthentication'), field: `spec.portLevelMtls[${port}]` });
        if (pm !== 'UNSET') mode = pm;
      }
    }
  }
  return mode;
}

/** Whether the sidecar accepts a connection. */
export interface ConnectionDecision {
  readonly accepted: boolean;
  readonly reason: string;
}

/**
 * Whether a sidecar enforcing `mode` accepts a plaintext (`mtls: false`) or
 * Istio mTLS (`mtls: true`) connection.
 *
 * STRICT: "Connection is an mTLS tunnel (TLS with client cert must be
 * presented)" — plaintext is refused. PERMISSIVE: "Connection can be either
 * plaintext or mTLS tunnel". DISABLE: "Connection is not tunneled" —
 * plaintext is accepted; what happens to an mTLS client is not documented
 * (the sidecar does not terminate it; clients normally avoid it through
 * auto mTLS), so that case throws.
 *
 * @throws MeshEvaluationError (`ambiguous`) for an mTLS client of a DISABLE server.
 */
export function acceptsConnection(mode: MtlsMode, connection: { readonly mtls: boolean }): ConnectionDecision {
  switch (mode) {
    case 'STRICT':
      return connection.mtls
        ? { accepted: true, reason: 'STRICT: mTLS connection accepted' }
        : { accepted: false, reason: 'STRICT: "TLS with client cert must be presented"; plaintext refused' };
    case 'PERMISSIVE':
      return { accepted: true, reason: `PERMISSIVE: "either plaintext or mTLS tunnel"; ${connection.mtls ? 'mTLS' : 'plaintext'} accepted` };
    case 'DISABLE':
      if (!connection.mtls) return { accepted: true, reason: 'DISABLE: plaintext accepted' };
      throw new MeshEvaluationError(
        'ambiguous',
        'an mTLS client to a DISABLE server: "Connection is not tunneled" — the docs do not say what happens to the TLS handshake (the sidecar does not terminate it; auto mTLS would send plaintext)',
      );
    default:
      throw new MeshEvaluationError('invalid', `unknown mTLS mode ${JSON.stringify(mode)}`);
  }
}

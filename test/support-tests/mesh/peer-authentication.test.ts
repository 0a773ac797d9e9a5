/**
 * PeerAuthentication evaluation against the examples of
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptsConnection,
  MeshEvaluationError,
  mtlsMode,
  type PeerAuthentication,
  type PeerAuthenticationSpec,
} from '../../support/mesh/index.ts';

function pa(name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

const finance = { namespace: 'foo', labels: { app: 'finance' } };
const other = { namespace: 'foo', labels: { app: 'other' } };

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MeshEvaluationError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('mtlsMode precedence', () => {
  it('defaults to PERMISSIVE when nothing applies', () => {
    expect(mtlsMode([], finance, 8000)).toBe('PERMISSIVE');
    expect(mtlsMode([pa('default', 'bar', { mtls: { mode: 'STRICT' } })], finance, 8000)).toBe('PERMISSIVE');
  });

  it('workload (selector) > namespace > mesh (root namespace)', () => {
    const mesh = pa('default', 'istio-system', { mtls: { mode: 'STRICT' } });
    const ns = pa('default', 'foo', { mtls: { mode: 'PERMISSIVE' } });
    const wl = pa('finance', 'foo', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' } });
    expect(mtlsMode([mesh], finance, 8000)).toBe('STRICT');
    expect(mtlsMode([mesh, ns], finance, 8000)).toBe('PERMISSIVE');
    expect(mtlsMode([mesh, ns, wl], finance, 8000)).toBe('STRICT');
    expect(mtlsMode([mesh, ns, wl], other, 8000)).toBe('PERMISSIVE');
    expect(mtlsMode([mesh], finance, 8000, { rootNamespace: 'mesh-root' })).toBe('PERMISSIVE');
  });

  it('UNSET (or no mtls) inherits from the next level', () => {
    const mesh = pa('default', 'istio-system', { mtls: { mode: 'STRICT' } });
    const nsUnset = pa('default', 'foo', { mtls: { mode: 'UNSET' } });
    const wlNoMtls = pa('finance', 'foo', { selector: { matchLabels: { app: 'finance' } } });
    expect(mtlsMode([mesh, nsUnset, wlNoMtls], finance, 8000)).toBe('STRICT');
    expect(mtlsMode([pa('default', 'istio-system', { mtls: {} })], finance, 8000)).toBe('PERMISSIVE');
  });
});

describe('portLevelMtls', () => {
  it('docs example: STRICT workload, port 8080 DISABLE (workload port, not service port)', () => {
    const p = pa('default', 'foo', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } });
    expect(mtlsMode([p], finance, 8080)).toBe('DISABLE');
    expect(mtlsMode([p], finance, 8000)).toBe('STRICT');
  });

  it('docs example: UNSET workload mode inherits the namespace; port-level UNSET inherits the workload mode', () => {
    const ns = pa('default', 'foo', { mtls: { mode: 'STRICT' } });
    const wl = pa('finance', 'foo', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { '8080': { mode: 'DISABLE' }, '9000': { mode: 'UNSET' } } });
    expect(mtlsMode([ns, wl], finance, 8080)).toBe('DISABLE');
    expect(mtlsMode([ns, wl], finance, 9000)).toBe('STRICT');
    expect(mtlsMode([ns, wl], finance, 8000)).toBe('STRICT');
  });

  it('portLevelMtls on a namespace or mesh policy is invalid; so are empty maps and bad ports', () => {
    expect(code(() => mtlsMode([pa('default', 'foo', { mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } })], finance, 8080))).toBe('invalid');
    expect(code(() => mtlsMode([pa('default', 'istio-system', { selector: { matchLabels: {} }, portLevelMtls: { '8080': { mode: 'DISABLE' } } })], finance, 8080))).toBe('invalid');
    expect(code(() => mtlsMode([pa('w', 'foo', { selector: { matchLabels: { app: 'finance' } }, portLevelMtls: {} })], finance, 8080))).toBe('invalid');
    expect(code(() => mtlsMode([pa('w', 'foo', { selector: { matchLabels: { app: 'finance' } }, portLevelMtls: { '0': { mode: 'DISABLE' } } })], finance, 8080))).toBe('invalid');
    expect(code(() => mtlsMode([pa('w', 'foo', { mtls: { mode: 'OFF' as never } })], finance, 8080))).toBe('invalid');
  });
});

describe('ambiguous cases', () => {
  it('two policies at one level (Istio takes the oldest by creation time)', () => {
    const a = pa('a', 'foo', { mtls: { mode: 'STRICT' } });
    const b = pa('b', 'foo', { mtls: { mode: 'DISABLE' } });
    expect(code(() => mtlsMode([a, b], finance, 8000))).toBe('ambiguous');
    const w1 = pa('w1', 'foo', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' } });
    const w2 = pa('w2', 'foo', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'DISABLE' } });
    expect(code(() => mtlsMode([w1, w2], finance, 8000))).toBe('ambiguous');
    expect(mtlsMode([w1, w2], other, 8000)).toBe('PERMISSIVE');
    expect(code(() => mtlsMode([pa('m1', 'istio-system', { mtls: { mode: 'STRICT' } }), pa('m2', 'istio-system', {})], finance, 8000))).toBe('ambiguous');
  });

  it('a selector policy in the root namespace (docs contradict each other)', () => {
    const p = pa('root-sel', 'istio-system', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' } });
    expect(code(() => mtlsMode([p], finance, 8000))).toBe('ambiguous');
    expect(mtlsMode([p], other, 8000)).toBe('PERMISSIVE');
  });
});

describe('acceptsConnection', () => {
  it('STRICT refuses plaintext; PERMISSIVE accepts both; DISABLE accepts plaintext', () => {
    expect(acceptsConnection('STRICT', { mtls: true }).accepted).toBe(true);
    expect(acceptsConnection('STRICT', { mtls: false }).accepted).toBe(false);
    expect(acceptsConnection('PERMISSIVE', { mtls: false }).accepted).toBe(true);
    expect(acceptsConnection('PERMISSIVE', { mtls: true }).accepted).toBe(true);
    expect(acceptsConnection('DISABLE', { mtls: false }).accepted).toBe(true);
  });

  it('an mTLS client to a DISABLE server is undocumented: throws ambiguous', () => {
    expect(code(() => acceptsConnection('DISABLE', { mtls: true }))).toBe('ambiguous');
  });
});

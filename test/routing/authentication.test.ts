/**
 * The authentication proof (`test/support/auth-proof.ts`) on the example
 * fleet under the prod stack, which turns `modelfleet:auth` on, and on the
 * generated fleet of 1,121 copies under a stack with two issuers: a valid
 * token for a tenant reaches that tenant's copy; another tenant's token
 * naming it, no token, an expired, foreign-issuer, forged or wrong-audience
 * token, and a plaintext in-mesh request are refused, at the gateway and at
 * the shard. Every new object validates strictly against its upstream CRD.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { freshFleetDir, ROOT, writeFleet } from '../support/fleet-dir.ts';
import { createIssuer, TEST_NOW } from '../support/jwt-issuer.ts';
import { proveAuthentication, type AuthProofReport } from '../support/auth-proof.ts';
import { fleetView, type FleetView } from '../support/routing-proof.ts';
import { validateManifest } from '../support/validate-manifests.ts';
import { LARGE_FLEET_FILES } from './large-fleet-files.ts';

const foreign = createIssuer({ issuer: 'https://login.attacker.example/', kid: 'test-key-1' });

describe('authentication proof: the example fleet under the prod stack', () => {
  let view: FleetView;
  let report: AuthProofReport;

  beforeAll(async () => {
    view = fleetView(await synthFleet({ modelsDir: 'models', stackName: 'prod', cwd: ROOT }));
    const issuer = createIssuer({ issuer: view.stack.auth!.jwt[0]!.issuer });
    report = proveAuthentication(view, { issuer, foreign, now: TEST_NOW + 600, crossTenantSamples: 3 });
  }, 300_000);

  it('admits every copy to its own tenant only, and refuses every bad token and every plaintext request', () => {
    expect(report.problems.slice(0, 20)).toEqual([]);
    expect(report.copies).toBe(view.shards.reduce((n, s) => n + s.copies.length, 0));
    expect(report.admitted).toBe(2 * report.copies);
    const refusals = Object.entries(report.refusals).map(([k, v]) => `${k}: ${v}`);
    expect(refusals.join('\n')).toMatch(/gateway-route 403 other tenant's token at the gateway: \d+/);
    expect(refusals.join('\n')).toMatch(/shard-authz 403 other tenant's token at the shard: \d+/);
    for (const what of ['gateway-authz 403 no token', 'gateway-authn 401 expired token', 'gateway-authn 401 foreign issuer', 'gateway-authn 401 forged signature', 'gateway-authn 403 token for another audience', 'shard-authz 403 in-mesh request without a token', 'shard-mtls plaintext to the HTTP port', 'shard-mtls plaintext to the gRPC port']) {
      expect(report.refusals[what], what).toBe(report.copies);
    }
  });

  it('renders the gateway and namespace objects, valid against the vendored CRDs', () => {
    const kinds = (kind: string) => view.objects.filter((o) => o.kind === kind);
    expect(kinds('RequestAuthentication').map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort()).toEqual(
      ['istio-ingress/inference-gateway-jwt', ...['docai', 'forecasting', 'fraud', 'recsys', 'search'].map((t) => `${t}/${t}-jwt`)].sort(),
    );
    expect(kinds('PeerAuthentication')).toHaveLength(10);
    for (const o of [...kinds('RequestAuthentication'), ...kinds('PeerAuthentication'), ...kinds('AuthorizationPolicy'), ...kinds('VirtualService')]) expect(validateManifest(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
  });
});

describe('authentication proof: the generated fleet of 1,121 copies, two issuers', () => {
  let dir: string;
  let view: FleetView;
  let report: AuthProofReport;

  beforeAll(async () => {
    dir = freshFleetDir('auth-large');
    mkdirSync(join(dir, 'models'));
    writeFleet(join(dir, 'models'), LARGE_FLEET_FILES);
    const values = {
      isolation: { mtls: 'strict' },
      auth: {
        jwt: [
          { issuer: 'https://idp.bank.example/', jwksUri: 'https://idp.bank.example/keys', tenantClaim: 'https://bank.example/tenant', forwardOriginalToken: true },
          { issuer: 'https://partner.example.org', jwksUri: 'https://partner.example.org/jwks.json', audiences: ['inference'], tenantClaim: 'https://bank.example/tenant' },
        ],
      },
    };
    view = fleetView(await synthFleet({ modelsDir: 'models', cwd: dir, stackConfig: { name: 'auth', source: 'Pulumi.auth.yaml', values } }));
    const issuer = createIssuer({ issuer: 'https://idp.bank.example/' });
    report = proveAuthentication(view, { issuer, foreign, now: TEST_NOW + 600, crossTenantSamples: 2 });
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('admits every copy to its own tenant only, with a dotted claim name, the token forwarded to Triton and strict mTLS on the metrics port', () => {
    expect(report.problems.slice(0, 20)).toEqual([]);
    expect(report.copies).toBeGreaterThan(1000);
    expect(report.admitted).toBe(2 * report.copies);
    expect(report.refusals['gateway-authn 401 foreign issuer']).toBe(report.copies);
    expect(report.refusals['shard-mtls plaintext to the HTTP port']).toBe(report.copies);
    expect(report.refusals["gateway-route 403 other tenant's token at the gateway"]).toBeGreaterThan(report.copies);
    expect(report.refusals["shard-authz 403 other tenant's token over gRPC at the shard"]).toBeGreaterThan(report.copies);
  });

  it('keeps every VirtualService and AuthorizationPolicy within its limits with the claim conditions, and valid', () => {
    for (const vs of view.virtualServices) {
      expect((vs.spec?.http ?? []).length, vs.metadata?.name).toBeLessThanOrEqual(256);
      expect(JSON.stringify(vs).length, vs.metadata?.name).toBeLessThan(200_000);
    }
    for (const p of view.policies) expect(JSON.stringify(p).length, p.metadata?.name).toBeLessThan(256 * 1024);
    for (const o of view.objects.filter((o) => ['VirtualService', 'AuthorizationPolicy', 'RequestAuthentication', 'PeerAuthentication'].includes(o.kind ?? ''))) {
      expect(validateManifest(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
    }
  });
});

describe('the authentication proof fails when a piece is missing', () => {
  let view: FleetView;
  const issuer = createIssuer({ issuer: 'https://login.example.com/' });
  const prove = (change: (v: FleetView) => FleetView) => proveAuthentication(change(structuredClone(view)), { issuer, foreign, now: TEST_NOW + 600 }).problems;
  /** The view with objects of `kind` replaced by `edit(object)` (undefined drops it). */
  const editKind = (v: FleetView, kind: string, edit: (o: any) => any): FleetView => {
    const objects = v.objects.flatMap((o) => (o.kind === kind ? [edit(o)].filter(Boolean) : [o]));
    return { ...v, objects, virtualServices: objects.filter((o) => o.kind === 'VirtualService') as any, policies: objects.filter((o) => o.kind === 'AuthorizationPolicy') as any };
  };

  beforeAll(async () => {
    const values = { auth: { jwt: { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'tenant' } } };
    view = fleetView(await synthFleet({ modelsDir: 'test/stacks/fleet/models', cwd: ROOT, stackConfig: { name: 'auth', source: 'Pulumi.auth.yaml', values } }));
  }, 120_000);

  it('passes on the rendered objects', () => {
    expect(prove((v) => v)).toEqual([]);
  });

  it("finds routes that ignore the token's tenant claim", () => {
    const problems = prove((v) =>
      editKind(v, 'VirtualService', (vs) => {
        for (const rule of vs.spec.http) for (const m of rule.match ?? []) for (const key of Object.keys(m.headers ?? {})) if (key.startsWith('@')) delete m.headers[key];
        return vs;
      }),
    );
    // The gateway routes the stolen token to the copy; the shard's guard still refuses it (defence in depth), and the proof
    // reports that the gateway did not.
    expect(problems.join('\n')).toMatch(/txn-scorer for tenant acme .*: token of tenant globex: other tenant's token at the gateway: shard-authz 403 \(denied by DENY policy fraud\/fraud-realtime-gpu-l4-1-tenant-guard .*\), expected refusal at gateway-route with 403/);
  });

  it('finds shard policies that do not bind the tenant header to the claim', () => {
    const problems = prove((v) =>
      editKind(v, 'AuthorizationPolicy', (p) => {
        const claimKey = (c: { key: string }) => c.key.startsWith('request.auth.claims');
        // The guard's claim rules go; the ALLOW rules keep everything but their claim conditions.
        if (p.spec.action === 'DENY') p.spec.rules = p.spec.rules.filter((r: { when?: { key: string }[] }) => !(r.when ?? []).some(claimKey));
        else for (const rule of p.spec.rules ?? []) if (rule.when) rule.when = rule.when.filter((c: { key: string }) => !claimKey(c));
        return p;
      }),
    );
    expect(problems.join('\n')).toMatch(/txn-scorer for tenant acme .*: token of tenant globex: other tenant's token at the shard: served by fraud-realtime-gpu-l4-1:8000/);
  });

  it('finds a gateway that routes requests without a token, and shards that take plaintext', () => {
    const problems = prove((v) => editKind(editKind(v, 'PeerAuthentication', () => undefined), 'AuthorizationPolicy', (p) => (p.metadata.name === 'modelfleet-gateway-require-jwt' ? undefined : p))).join('\n');
    expect(problems).toMatch(/: no token: gateway-route 403/);
    expect(problems).toMatch(/: plaintext to the HTTP port: shard-authz 403 .*expected refusal at shard-mtls/);
  });
});

/**
 * Several ingress gateways (`modelfleet:routing.gateways`): teams fraud and
 * recsys of the example fleet each get their own gateway, host, gateway
 * identity and pods, the other teams keep the stack's. The routing proof and
 * the authentication proof pass: every copy is reached on its team's host
 * only, its shard admits its team's gateway only, and another team's host
 * has no route to it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { ROOT } from '../support/fleet-dir.ts';
import { createIssuer, TEST_NOW } from '../support/jwt-issuer.ts';
import { proveAuthentication, type AuthProofReport } from '../support/auth-proof.ts';
import { fleetView, proveRouting, type FleetView, type ProofReport } from '../support/routing-proof.ts';
import { validateManifest } from '../support/validate-manifests.ts';

const ISSUER = 'https://login.example.com/';
const values = {
  routing: {
    gateways: {
      fraud: { gateway: 'gw-fraud/fraud-gateway', host: 'fraud.inference.example.com', serviceAccount: 'fraud-gateway', selector: { istio: 'fraud-gateway' } },
      recsys: { gateway: 'gw-recsys/recsys-gateway', host: 'recsys.inference.example.com', serviceAccount: 'recsys-gateway', selector: { istio: 'recsys-gateway' } },
    },
  },
  auth: { jwt: { issuer: ISSUER, jwksUri: `${ISSUER}jwks.json`, tenantClaim: 'tenant' } },
};

let view: FleetView;
let routing: ProofReport;
let auth: AuthProofReport;

beforeAll(async () => {
  view = fleetView(await synthFleet({ modelsDir: 'models', cwd: ROOT, stackConfig: { name: 'gateways', source: 'Pulumi.gateways.yaml', values } }));
  routing = proveRouting(view, { crossTenantSamples: 3 });
  auth = proveAuthentication(view, { issuer: createIssuer({ issuer: ISSUER }), foreign: createIssuer({ issuer: 'https://elsewhere.example/' }), now: TEST_NOW + 600, crossTenantSamples: 2 });
}, 300_000);

describe('three ingress gateways: fraud, recsys, and the stack default for the rest', () => {
  it('routes every copy on its team host only, and each shard admits only its team gateway', () => {
    expect(routing.problems.slice(0, 20)).toEqual([]);
    expect(routing.copies).toBe(view.shards.reduce((n, s) => n + s.copies.length, 0));
    expect(routing.crossTenantDenials).toBeGreaterThan(routing.copies);
  });

  it('authenticates tenants at each gateway and shard', () => {
    expect(auth.problems.slice(0, 20)).toEqual([]);
    expect(auth.admitted).toBe(2 * auth.copies);
  });

  it('binds each team VirtualServices to its gateway and host, and renders one token check per gateway', () => {
    const routes = view.virtualServices.map((vs) => `${vs.metadata?.namespace} ${JSON.stringify(vs.spec?.gateways)} ${JSON.stringify(vs.spec?.hosts)}`);
    expect(new Set(routes)).toEqual(
      new Set([
        'fraud ["gw-fraud/fraud-gateway"] ["fraud.inference.example.com"]',
        'recsys ["gw-recsys/recsys-gateway"] ["recsys.inference.example.com"]',
        ...['docai', 'forecasting', 'search'].map((t) => `${t} ["istio-system/modelfleet-gateway"] ["inference.modelfleet.internal"]`),
      ]),
    );
    const checks = view.objects.filter((o) => o.metadata?.namespace?.startsWith('gw-') || o.metadata?.namespace === 'istio-system');
    expect(checks.map((o) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`).sort()).toEqual([
      'AuthorizationPolicy gw-fraud/fraud-gateway-require-jwt',
      'AuthorizationPolicy gw-recsys/recsys-gateway-require-jwt',
      'AuthorizationPolicy istio-system/modelfleet-gateway-require-jwt',
      'RequestAuthentication gw-fraud/fraud-gateway-jwt',
      'RequestAuthentication gw-recsys/recsys-gateway-jwt',
      'RequestAuthentication istio-system/modelfleet-gateway-jwt',
    ]);
    for (const o of checks) expect(validateManifest(o)).toEqual([]);
  });

  it('refuses a gateway for a team the fleet does not declare', async () => {
    const bad = { routing: { gateways: { frauds: values.routing.gateways.fraud } } };
    const error = await synthFleet({ modelsDir: 'models', cwd: ROOT, stackConfig: { name: 'bad', source: 'Pulumi.bad.yaml', values: bad } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toContain('Pulumi.bad.yaml: modelfleet:routing.gateways.frauds: names team "frauds", which models/teams.ts does not declare (did you mean "fraud"?)');
  });
});

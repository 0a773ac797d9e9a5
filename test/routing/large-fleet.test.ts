/**
 * The routing proof on a generated fleet of 1,121 tenant copies: models split
 * into several VirtualServices (up to 700 tenants on one model), tenant names
 * that are prefixes of each other (`acme`, `acme-bank`, `a`, `ab`), a canary
 * with 300 tenants, a pinned version and an untenanted model, across two teams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { freshFleetDir, writeFleet } from '../support/fleet-dir.ts';
import { fleetView, proveRouting, type FleetView, type ProofReport } from '../support/routing-proof.ts';
import { validateManifests } from '../support/validate-manifests.ts';

import { LARGE_FLEET_FILES as FILES } from './large-fleet-files.ts';

let dir: string;
let view: FleetView;
let report: ProofReport;

beforeAll(async () => {
  dir = freshFleetDir('routing-large');
  mkdirSync(join(dir, 'models'));
  writeFleet(join(dir, 'models'), FILES);
  const result = await synthFleet({ modelsDir: 'models', cwd: dir });
  view = fleetView(result);
  // Every other tenant of the model for 700-tenant models is 490,000 checks; five sampled ones per copy suffice with
  // the look-alike names and the header-less request, and the example fleet checks every pair.
  report = proveRouting(view, { crossTenantSamples: 5 });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('routing proof: a generated fleet of 1,121 copies', () => {
  it('has the shape the proof needs', () => {
    expect(report.copies).toBe(1121);
    const parts = view.virtualServices.map((v) => v.metadata?.name).sort();
    // scorer (700 tenants, 127 per part), fraud-llm (canary: 63 per part), recs (canary, 120 tenants) and embedder.
    expect(parts.filter((n) => n?.startsWith('scorer')).length).toBeGreaterThanOrEqual(6);
    expect(parts.filter((n) => n?.startsWith('fraud-llm')).length).toBeGreaterThanOrEqual(5);
    expect(parts).toContain('embedder');
    expect(report.canaryCopies).toBe(420);
  });

  it('routes, admits and isolates every copy of the plan', () => {
    expect(report.problems.slice(0, 20)).toEqual([]);
    expect(report.crossTenantDenials).toBeGreaterThan(5 * 1120);
    expect(report.grpcGuardChecks).toBeGreaterThan(report.copies);
  });

  it('keeps every VirtualService under 256 rules and 200 KB', () => {
    for (const vs of view.virtualServices) {
      expect(vs.spec?.http?.length ?? 0, vs.metadata?.name).toBeLessThanOrEqual(256);
      expect(JSON.stringify(vs).length, vs.metadata?.name).toBeLessThan(200_000);
    }
  });

  it('validates every object strictly against its schema', () => {
    expect(validateManifests(view.objects)).toEqual([]);
  });
});

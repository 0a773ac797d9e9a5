/**
 * The size guards on generated fleets that break them: a shard whose
 * ConfigMap no API server would take, and one gateway carrying more routes
 * than Envoy accepts in one xDS response. Synth fails before writing
 * anything, naming the object or the gateway, the size, the limit and the
 * stack key to use; the same fleet with a gateway per team passes.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { routeTables, ROUTE_TABLE_MAX_BYTES, ROUTE_TABLE_WARN_BYTES } from '../../core/validate/size-limits.ts';
import { freshFleetDir, writeFleet, type FleetFile } from '../support/fleet-dir.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tenants = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

/** A fleet of `teams` teams, each with one batch CPU model of `perTeam` tenants. */
function fleet(name: string, teams: number, perTeam: number): string {
  const dir = freshFleetDir(name);
  dirs.push(dir);
  mkdirSync(join(dir, 'models'));
  const names = Array.from({ length: teams }, (_, i) => `team${i + 1}`);
  const files: FleetFile[] = [
    { path: 'teams.ts', content: `import { defineTeam } from 'modelfleet';\nexport default [${names.map((t) => `defineTeam({ name: '${t}', quota: { gpu: 0, cpu: '100000', memory: '100Ti' } })`).join(', ')}];\n` },
    ...names.map((t) => ({
      path: `${t}/scorer.ts`,
      content: `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: '${t}-scorer', framework: 'onnx', tier: 'batch', memory: '8Mi', cpu: '1m', tenants: ${JSON.stringify(tenants(perTeam, `${t}-tenant`))}, artifact: 's3://models/${t}/scorer/{tenant}' });\n`,
    })),
  ];
  writeFleet(join(dir, 'models'), files);
  return dir;
}

const synth = (dir: string, values: Record<string, unknown> = {}) => synthFleet({ modelsDir: 'models', cwd: dir, stackConfig: { name: 'big', source: 'Pulumi.big.yaml', values } });
const failure = async (run: Promise<unknown>) => {
  const error = await run.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SpecError);
  return (error as SpecError).message;
};

describe('size guards', () => {
  it('refuses a shard ConfigMap above 1 MiB, naming the object, its size and the setting that bounds it', async () => {
    // Up to 10,000 copies per shard: one shard loads all 4,000 copies, a line each in models.json and
    // fetch-models.tsv (their config.pbtxt is one, shared).
    const dir = fleet('size-configmap', 1, 4000);
    // docs/errors.md quotes this line.
    const message = await failure(synth(dir, { tiers: { batch: { maxModelsPerShard: 10000 } }, pools: undefined }));
    expect(message).toMatch(/^manifests\/team1\.yaml: \["ConfigMap\/team1-batch-cpu-std-1"\](\.data)?: (is|holds) [\d,]+ bytes \(\d+\.\d MiB\).*above the ([\d,]+ bytes \(1\.5 MiB\) etcd stores for one object|[\d,]+ bytes \(1\.0 MiB\) Kubernetes allows in a ConfigMap).*lower maxModelsPerShard \(modelfleet:tiers\.<tier>\.maxModelsPerShard or modelfleet:pools\.<pool>\.maxModelsPerShard\)/m);
  }, 300_000);

  it('warns from 1 MiB of routes on one gateway, fails from 3 MiB, and passes with a gateway per team', async () => {
    const dir = fleet('size-routes', 4, 1100);
    const message = await failure(synth(dir));
    expect(message).toMatch(
      /^Pulumi\.big\.yaml: modelfleet:routing\.gateways: gateway istio-system\/modelfleet-gateway carries \d\.\d MiB of routes \([\d,]+ rules in \d+ VirtualServices; by team namespace: team\d [\d.]+ (KiB|MiB), .*\), at or above 3\.0 MiB: Istio sends a gateway its whole route table in one xDS response, and Envoy refuses responses over 4 MiB \(istio\/istio#57336\); give the largest teams their own gateway and host with modelfleet:routing\.gateways\.<team>/m,
    );
    // team1 and team2 share a gateway (two hosts), team3 and team4 get one each.
    const gateways = {
      team1: { gateway: 'gw-shared/gateway', host: 'team1.inference.example.com' },
      team2: { gateway: 'gw-shared/gateway', host: 'team2.inference.example.com' },
      team3: { gateway: 'gw-team3/gateway', host: 'team3.inference.example.com' },
      team4: { gateway: 'gw-team4/gateway', host: 'team4.inference.example.com' },
    };
    const split = await synth(dir, { routing: { gateways } });
    const tables = routeTables(split.manifests);
    expect(tables.map((t) => [t.gateway, t.byNamespace.map((n) => n.namespace)])).toEqual([
      ['gw-shared/gateway', ['team1', 'team2']],
      ['gw-team3/gateway', ['team3']],
      ['gw-team4/gateway', ['team4']],
    ]);
    for (const t of tables) expect(t.bytes).toBeLessThan(ROUTE_TABLE_MAX_BYTES);
    // The shared one, between 1 and 3 MiB, is a warning: printed, not fatal.
    expect(tables[0]!.bytes).toBeGreaterThanOrEqual(ROUTE_TABLE_WARN_BYTES);
    expect(tables[1]!.bytes).toBeLessThan(ROUTE_TABLE_WARN_BYTES);
    const warnings = split.warnings.filter((w) => w.path.join('.') === 'modelfleet:routing.gateways').map((w) => w.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^gateway gw-shared\/gateway carries 1\.\d MiB of routes .*, past 1\.0 MiB: .*give the largest teams their own gateway and host/);
  }, 600_000);
});

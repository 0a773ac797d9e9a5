/**
 * A stack that applies part of the fleet (`modelfleet:teams`,
 * `modelfleet:platformObjects`), under mocks, in both modes: it registers
 * exactly its teams' Namespaces and the objects in them (and the platform
 * objects, the PriorityClasses and the ingress gateway's authentication,
 * only when it owns them); its workloads do not depend on a PriorityClass
 * another stack registers; two stacks that split the fleet register together
 * exactly what one stack of the whole fleet registers; the whole fleet is
 * still planned and checked, so a selected team over its quota or budget
 * fails the stack; a team the fleet does not declare is an error naming the
 * key, the value and the fleet's teams.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { writeOutputAtomically } from '../../cli/write-output.ts';
import { toYamlDocuments, type KubeObject } from '../../constructs/render-fleet.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import type { FleetOutputs } from '../../stacks/fleet-outputs.ts';
import type { RenderedFleetOutputs } from '../../stacks/rendered-fleet-outputs.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';
import { TYPE_TOKENS } from './expect-wiring.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';
/** Tenant authentication, so that `_cluster.yaml` also holds the ingress gateway's RequestAuthentication and AuthorizationPolicy. */
const AUTH = { jwt: [{ issuer: 'https://login.modelfleet.internal/', jwksUri: 'https://login.modelfleet.internal/.well-known/jwks.json', tenantClaim: 'tenant' }] };

const recorder = await setRecordingMocks('modelfleet', 'dev');
const { default: main } = await import('../../stacks/index.ts');

/** Pulumi's config for the dev stack with tenant authentication, the test fleet, and `extra` on top. */
function setConfig(extra: Record<string, string> = {}): void {
  pulumi.runtime.setAllConfig({ ...stackFileConfig(join(ROOT, 'Pulumi.dev.yaml')), 'modelfleet:models': FLEET, 'modelfleet:auth': JSON.stringify(AUTH), ...extra });
}

/** What a resource is: the parts a preview compares. */
const shape = (r: Registration) => ({ type: r.type, name: r.name, inputs: r.inputs, dependencies: [...r.dependencies].sort(), provider: r.provider });

/** Which stack owns an object: its team (by namespace, or by name for a Namespace), or `platform`. */
function ownerOf(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  const ns = o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined);
  return ns !== undefined && ['docai', 'fraud', 'search'].includes(ns) ? ns : 'platform';
}

/** The objects of a manifest file. */
const readObjects = (path: string) => parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as KubeObject);

const metadataOf = (r: Registration) => r.inputs.metadata as { name: string; namespace?: string };

interface Run {
  readonly outputs: unknown;
  readonly registrations: Registration[];
  readonly warnings: string[];
}

/**
 * Runs the program with `extra` config, expecting `count` registrations;
 * checks that no more arrive.
 */
async function run(extra: Record<string, string>, count: number): Promise<Run> {
  setConfig(extra);
  const before = recorder.registrations.length;
  const warnings: string[] = [];
  const warn = vi.spyOn(pulumi.log, 'warn').mockImplementation(async (message: string) => {
    warnings.push(message);
  });
  let outputs: unknown;
  try {
    outputs = await main();
  } finally {
    warn.mockRestore();
  }
  const registrations = (await recorder.waitFor(before + count)).slice(before);
  await new Promise((r) => setTimeout(r, 50));
  expect(recorder.registrations.length - before).toBe(count);
  return { outputs, registrations: [...registrations], warnings };
}

/** Runs the program expecting a failure; returns its message, and checks that nothing was registered. */
async function failure(extra: Record<string, string>): Promise<string> {
  setConfig(extra);
  const before = recorder.registrations.length;
  const error = await main().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(pulumi.RunError.isInstance(error), String(error)).toBe(true);
  await new Promise((r) => setTimeout(r, 50));
  expect(recorder.registrations.length).toBe(before);
  return (error as Error).message;
}

const TEAMS = 'modelfleet:teams';
const PLATFORM = 'modelfleet:platformObjects';

describe('a stack of part of the fleet (modelfleet:teams)', () => {
  let synth: SynthResult;
  let objects: KubeObject[];
  let count: (owners: readonly string[]) => number;
  let whole: Run;
  let fraud: Run;
  let rest: Run;
  let base: string;
  let artifact: string;

  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(base, { recursive: true, force: true });
  });

  beforeAll(async () => {
    synth = await synthFleet({ modelsDir: FLEET, stackConfig: { name: 'dev', source: 'Pulumi.dev.yaml', values: { ...devValues(), auth: AUTH } }, cwd: ROOT });
    objects = synth.manifests.flatMap((m) => m.objects);
    count = (owners) => objects.filter((o) => owners.includes(ownerOf(o))).length;
    base = freshFleetDir('program-teams');
    artifact = join(base, 'dist');
    writeOutputAtomically(artifact, synth.files);
    process.chdir(join(ROOT, 'stacks'));
    whole = await run({}, objects.length);
    // A split: fraud alone (platform objects left to the other stack, the default with modelfleet:teams) …
    fraud = await run({ [TEAMS]: '["fraud"]' }, count(['fraud']));
    // … and the other teams with the platform objects.
    rest = await run({ [TEAMS]: '["search","docai"]', [PLATFORM]: 'true' }, count(['search', 'docai', 'platform']));
  });

  it('renders objects of every owner, so the split below covers them all', () => {
    const owners = new Map<string, Set<string>>();
    for (const o of objects) owners.set(ownerOf(o), (owners.get(ownerOf(o)) ?? new Set()).add(o.kind));
    expect([...owners.keys()].sort()).toEqual(['docai', 'fraud', 'platform', 'search']);
    expect([...owners.get('platform')!].sort()).toEqual(['AuthorizationPolicy', 'PriorityClass', 'RequestAuthentication']);
    expect(owners.get('fraud')!.has('Deployment')).toBe(true);
  });

  it("registers exactly the selected team's Namespace and the objects in its namespace, and no platform object", () => {
    const expected = objects.filter((o) => ownerOf(o) === 'fraud');
    expect(fraud.registrations.map((r) => r.name).sort()).toEqual(expected.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.kind}/${o.metadata.name}` : `${o.kind}/${o.metadata.name}`)).sort());
    expect(fraud.registrations.some((r) => r.type === TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass'])).toBe(false);
    for (const r of fraud.registrations) expect(ownerOf({ kind: r.name.split('/').at(-2)!, metadata: metadataOf(r) }), r.name).toBe('fraud');
  });

  it('does not make workloads depend on a PriorityClass another stack registers, and keeps every other dependency', () => {
    const full = new Map(whole.registrations.map((r) => [r.name, r]));
    const priorityClassUrns = new Set(whole.registrations.filter((r) => r.type === TYPE_TOKENS['scheduling.k8s.io/v1 PriorityClass']).map((r) => r.urn));
    const deployments = fraud.registrations.filter((r) => r.type === TYPE_TOKENS['apps/v1 Deployment']);
    expect(deployments.length).toBeGreaterThan(0);
    for (const r of fraud.registrations) {
      const there = full.get(r.name)!;
      expect({ ...shape(r), dependencies: undefined }, r.name).toEqual({ ...shape(there), dependencies: undefined });
      expect([...r.dependencies].sort(), r.name).toEqual(there.dependencies.filter((d) => !priorityClassUrns.has(d)).sort());
    }
    for (const d of deployments) {
      expect(full.get(d.name)!.dependencies.some((u) => priorityClassUrns.has(u)), d.name).toBe(true);
      expect(d.dependencies.some((u) => priorityClassUrns.has(u)), d.name).toBe(false);
    }
  });

  it('registers with the platform objects exactly the stack that owns them, its workloads depending on them as before', () => {
    const full = new Map(whole.registrations.map((r) => [r.name, r]));
    expect(rest.registrations.filter((r) => ownerOf({ kind: r.name.split('/').at(-2)!, metadata: metadataOf(r) }) === 'platform')).toHaveLength(count(['platform']));
    for (const r of rest.registrations) expect(shape(r), r.name).toEqual(shape(full.get(r.name)!));
  });

  it('registers, over the two stacks of a split, exactly what one stack of the whole fleet registers: no object twice, none missing', () => {
    const names = [...fraud.registrations, ...rest.registrations].map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(whole.registrations.map((r) => `${r.type} ${r.name}`).sort());
    const inputs = new Map([...fraud.registrations, ...rest.registrations].map((r) => [r.name, r.inputs]));
    for (const r of whole.registrations) expect(inputs.get(r.name), r.name).toEqual(r.inputs);
  });

  it("exports its teams' part of the outputs, and says which teams and whether it holds the platform objects", () => {
    const all = whole.outputs as FleetOutputs;
    const part = fraud.outputs as FleetOutputs;
    const other = rest.outputs as FleetOutputs;
    expect([all.teams, all.platformObjects]).toEqual([['docai', 'fraud', 'search'], true]);
    expect([part.teams, part.platformObjects]).toEqual([['fraud'], false]);
    expect([other.teams, other.platformObjects]).toEqual([['docai', 'search'], true]);
    expect(Object.keys(part.shards).sort()).toEqual(['fraud-batch-gpu-l4-1', 'fraud-realtime-gpu-l4-1']);
    expect(part.quotaUse).toEqual({ fraud: all.quotaUse.fraud });
    expect(part.gpusRequested).toEqual({ fraud: all.gpusRequested.fraud });
    expect(part.monthlyCostUsd).toEqual({ total: { ...all.monthlyCostUsd.byTeam.fraud, budget: undefined }, byTeam: { fraud: all.monthlyCostUsd.byTeam.fraud } });
    expect({ ...part.placement, ...other.placement }).toEqual(all.placement);
    expect(part.lowerBound + other.lowerBound).toBe(all.lowerBound);
  });

  it("shows each advisory rule warning in the preview of the stack that applies the object, once over the split", () => {
    const advisory = (r: Run) => r.warnings.filter((w) => w.startsWith('advisory rule: '));
    expect(advisory(whole).length).toBeGreaterThan(0);
    // Pulumi.dev.yaml runs realtime shards with one replica: fraud's realtime shard is the one warned about.
    expect(advisory(fraud)).toEqual(advisory(whole).filter((w) => w.startsWith('advisory rule: manifests/fraud.yaml: ')));
    expect([...advisory(fraud), ...advisory(rest)].sort()).toEqual(advisory(whole).sort());
  });

  it('registers only the platform objects with an empty list and modelfleet:platformObjects: true', async () => {
    const platform = await run({ [TEAMS]: '[]', [PLATFORM]: 'true' }, count(['platform']));
    expect(platform.registrations.map((r) => r.name.split('/')[0]).sort()).toEqual(['PriorityClass', 'PriorityClass', 'PriorityClass', 'istio-system', 'istio-system']);
    expect((platform.outputs as FleetOutputs).shards).toEqual({});
  });

  it('registers every team without the platform objects with modelfleet:platformObjects: false alone', async () => {
    const teams = await run({ [PLATFORM]: 'false' }, count(['docai', 'fraud', 'search']));
    expect(teams.registrations.some((r) => ownerOf({ kind: r.name.split('/').at(-2)!, metadata: metadataOf(r) }) === 'platform')).toBe(false);
    expect((teams.outputs as FleetOutputs).teams).toEqual(['docai', 'fraud', 'search']);
  });

  describe('in the rendered-output mode (modelfleet:renderedDir)', () => {
    it('registers the same resources as the normal mode for the same selection, and says which teams', async () => {
      const dir = relative(ROOT, artifact);
      const fraudRendered = await run({ 'modelfleet:renderedDir': dir, [TEAMS]: '["fraud"]' }, count(['fraud']));
      expect(fraudRendered.registrations.map(shape)).toEqual(fraud.registrations.map(shape));
      const outputs = fraudRendered.outputs as RenderedFleetOutputs;
      expect(outputs).toEqual({ renderedFrom: dir, teams: ['fraud'], platformObjects: false, shards: (fraud.outputs as FleetOutputs).shards, placement: (fraud.outputs as FleetOutputs).placement });
      const restRendered = await run({ 'modelfleet:renderedDir': dir, [TEAMS]: '["search","docai"]', [PLATFORM]: 'true' }, count(['search', 'docai', 'platform']));
      expect(restRendered.registrations.map(shape)).toEqual(rest.registrations.map(shape));
    });

    it("takes an object's team from its namespace, never from the file it is in (the directory is untrusted)", async () => {
      // A fraud ConfigMap moved into search.yaml is still fraud's: the search stack does not register it, the fraud stack does.
      const dir = join(base, 'moved');
      cpSync(artifact, dir, { recursive: true });
      const fraudFile = join(dir, 'manifests', 'fraud.yaml');
      const searchFile = join(dir, 'manifests', 'search.yaml');
      const fraudObjects = readObjects(fraudFile);
      const moved = fraudObjects.find((o) => o.kind === 'ConfigMap')!;
      writeFileSync(fraudFile, toYamlDocuments(fraudObjects.filter((o) => o !== moved)));
      writeFileSync(searchFile, toYamlDocuments([...readObjects(searchFile), moved]));
      const searchOnly = await run({ 'modelfleet:renderedDir': relative(ROOT, dir), [TEAMS]: '["search"]' }, count(['search']));
      expect(searchOnly.registrations.some((r) => r.name === `fraud/ConfigMap/${moved.metadata.name}`)).toBe(false);
      const fraudOnly = await run({ 'modelfleet:renderedDir': relative(ROOT, dir), [TEAMS]: '["fraud"]' }, count(['fraud']));
      expect(fraudOnly.registrations.some((r) => r.name === `fraud/ConfigMap/${moved.metadata.name}`)).toBe(true);
    });

    it('refuses a team the trusted fleet does not declare', async () => {
      expect(await failure({ 'modelfleet:renderedDir': relative(ROOT, artifact), [TEAMS]: '["fraud","serch"]' })).toBe(
        'Pulumi.dev.yaml: modelfleet:teams[1]: "serch" is not a team of the fleet (did you mean "search"?); its teams are docai, fraud, search. List teams test/stacks/fleet/models/teams.ts declares, or remove the key to apply every team\nmodelfleet: 1 problem found; nothing was applied',
      );
    });
  });

  describe("keeps the whole fleet's rules", () => {
    it('fails when a selected team is over its quota', async () => {
      const tiers = JSON.parse(stackFileConfig(join(ROOT, 'Pulumi.dev.yaml'))['modelfleet:tiers']!) as Record<string, Record<string, unknown>>;
      // fraud's realtime shard at 20 replicas of one L4 each, with the batch shard's one: 21 GPUs against a quota of 16.
      const message = await failure({ [TEAMS]: '["fraud"]', 'modelfleet:tiers': JSON.stringify({ ...tiers, realtime: { ...tiers.realtime, maxReplicas: 20 } }) });
      expect(message).toMatch(/^test\/stacks\/fleet\/models\/teams\.ts: \[0\]\.quota\.gpu: team fraud requests 21 GPUs at max replicas, quota is 16 GPUs/m);
      expect(message).toMatch(/nothing was applied$/);
    });

    it('fails when a selected team is over its budget', async () => {
      const message = await failure({ [TEAMS]: '["search"]', 'modelfleet:cost': JSON.stringify({ budgets: { search: { monthlyUsd: 100 } } }) });
      expect(message).toMatch(/^Pulumi\.dev\.yaml: modelfleet:cost\.budgets\.search\.monthlyUsd: team search plans \$589 a month .* above its budget of \$100;/);
      expect(message).toMatch(/nothing was applied$/);
    });

    it("fails, as synth does, when another team breaks a rule: every stack of a split plans and checks the whole fleet", async () => {
      const message = await failure({ [TEAMS]: '["search"]', 'modelfleet:cost': JSON.stringify({ budgets: { fraud: { monthlyUsd: 100 } } }) });
      expect(message).toMatch(/^Pulumi\.dev\.yaml: modelfleet:cost\.budgets\.fraud\.monthlyUsd: team fraud plans .* above its budget of \$100;/);
    });
  });

  describe('reports a bad selection, registering nothing', () => {
    it('a team the fleet does not declare, with the closest name and the fleet\'s teams', async () => {
      expect(await failure({ [TEAMS]: '["frod","search","ml-platform"]' })).toBe(
        [
          'Pulumi.dev.yaml: modelfleet:teams[0]: "frod" is not a team of the fleet (did you mean "fraud"?); its teams are docai, fraud, search. List teams test/stacks/fleet/models/teams.ts declares, or remove the key to apply every team',
          'Pulumi.dev.yaml: modelfleet:teams[2]: "ml-platform" is not a team of the fleet; its teams are docai, fraud, search. List teams test/stacks/fleet/models/teams.ts declares, or remove the key to apply every team',
          'modelfleet: 2 problems found; nothing was applied',
        ].join('\n'),
      );
    });

    it('a value that is not a list, a team listed twice, a platformObjects that is not a boolean', async () => {
      expect(await failure({ [TEAMS]: 'fraud', [PLATFORM]: 'yes' })).toBe(
        [
          `Pulumi.dev.yaml: modelfleet:teams: must be a list of team names, got "fraud"; write a YAML list in the stack file (modelfleet:teams: [fraud, search]) or set items with \`pulumi config set --path 'modelfleet:teams[0]' fraud\``,
          'Pulumi.dev.yaml: modelfleet:platformObjects: must be true or false, got "yes"',
          'modelfleet: 2 problems found; nothing was applied',
        ].join('\n'),
      );
      expect(await failure({ [TEAMS]: '["fraud","fraud"]' })).toBe(
        'Pulumi.dev.yaml: modelfleet:teams[1]: lists team "fraud" twice; list each team once\nmodelfleet: 1 problem found; nothing was applied',
      );
    });

    it('a selection of nothing', async () => {
      expect(await failure({ [TEAMS]: '[]' })).toBe(
        'Pulumi.dev.yaml: modelfleet:teams: is an empty list and modelfleet:platformObjects is false, so the stack would register nothing (and an update would delete everything it holds); list teams, set modelfleet:platformObjects: true for a stack of the platform objects alone, or remove the key to apply every team\nmodelfleet: 1 problem found; nothing was applied',
      );
    });
  });
});

/** The modelfleet:* values of Pulumi.dev.yaml, parsed as the program parses them. */
function devValues(): Record<string, unknown> {
  const config = stackFileConfig(join(ROOT, 'Pulumi.dev.yaml'));
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(config)) {
    if (!key.startsWith('modelfleet:')) continue;
    try {
      values[key.slice('modelfleet:'.length)] = JSON.parse(text);
    } catch {
      values[key.slice('modelfleet:'.length)] = text;
    }
  }
  return values;
}

/**
 * Counterexamples the fleet fuzzer found (`synth-fleet.test.ts`), kept as
 * fixed regression tests. Each crashed synth with an exception other than a
 * `SpecError`, or rejected a valid fleet, before its fix.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { SpecError, formatIssues } from '../../core/errors/spec-issue.ts';
import { loadFleet } from '../../core/loader/load-fleet.ts';
import { withFleet, type FleetFile } from '../support/fleet-dir.ts';
import { malformedLines } from './fleet-checks.ts';

const TEAMS: FleetFile = {
  path: 'teams.ts',
  content: `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'fraud', quota: { gpu: 64, cpu: '256', memory: '1Ti' } })];\n`,
};

const model = (fields: string, path = 'fraud/m.ts', artifact = 's3://ml-models/m'): FleetFile => ({
  path,
  content: `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: 'm', framework: 'onnx', tier: 'batch', memory: '1Gi', artifact: '${artifact}', ${fields} });\n`,
});

/** Synthesizes `files`; returns the problems as printed (the fleet directory shown as `<fleet>`), or the output's file paths. */
async function synth(files: readonly FleetFile[]): Promise<{ problems?: string; files?: string[] }> {
  return withFleet('fuzz-regression', files, async (dir) => {
    try {
      const result = await synthFleet({ modelsDir: join(dir, 'models'), lockfile: join(dir, 'placement.lock.json') });
      return { files: result.files.map((f) => f.path) };
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      const text = formatIssues(error.issues);
      expect(malformedLines(text)).toEqual([]);
      return { problems: text.split(`${dir.slice(dir.indexOf('.tmp-fleet-copy'))}/`).join('<fleet>/') };
    }
  });
}

describe('fuzz counterexamples', () => {
  it('a bigint quantity is a problem of its field (JSON.stringify threw on it)', async () => {
    const { problems } = await synth([TEAMS, model('cpu: 0n')]);
    expect(problems).toBe('<fleet>/models/fraud/m.ts: cpu: expected a quantity such as "2Gi", "500m" or a number, got bigint 0n');
  });

  it('a declaration whose getter throws is a problem of the declaration', async () => {
    const { problems } = await synth([TEAMS, { path: 'fraud/a.ts', content: 'export default { get name() { throw new Error("getter"); } };\n' }]);
    expect(problems).toBe('<fleet>/models/fraud/a.ts: -: reading the declaration threw Error: getter; declare plain values (no getter or proxy that throws)');
  });

  it('a team whose getter throws is a problem of the team', async () => {
    const teams = { path: 'teams.ts', content: 'export default [{ get name() { throw new Error("team getter"); }, quota: { gpu: 1, cpu: "1", memory: "1Gi" } }];\n' };
    const { problems } = await synth([teams, model('')]);
    expect(problems).toBe('<fleet>/models/teams.ts: [0]: reading the declaration threw Error: team getter; declare plain values (no getter or proxy that throws)');
  });

  it('a declaration that is a throwing proxy is a problem of the declaration', async () => {
    const { problems } = await synth([TEAMS, { path: 'fraud/a.ts', content: 'export default new Proxy({}, { ownKeys() { throw new Error("proxy"); } });\n' }]);
    expect(problems).toContain('<fleet>/models/fraud/a.ts: -: reading the declaration threw Error: proxy;');
  });

  it('a file that throws a value without a string form (Object.create(null)) is a load problem', async () => {
    const { problems } = await synth([TEAMS, { path: 'fraud/a.ts', content: 'throw Object.create(null);\n' }]);
    expect(problems).toMatch(/^<fleet>\/models\/fraud\/a\.ts: -: failed to load: it threw an object \(not an Error\)/);
  });

  it.each([
    ['an empty list', 'export default [];\n'],
    ['a list of holes', "import { defineTeam } from 'modelfleet';\n\nexport default [\n  ,\n];\n"],
  ])('teams.ts declaring no teams (%s) is a problem, not a crash in rendering an undeclared team', async (_, content) => {
    const { problems } = await synth([{ path: 'teams.ts', content }, model('')]);
    expect(problems).toContain('<fleet>/models/teams.ts: -: declares no teams;');
  });

  it('"constructor" is a valid tenant name, not a duplicate (`in` saw Object.prototype.constructor)', async () => {
    const result = await synth([TEAMS, model("tenants: ['constructor', 'acme']", 'fraud/m.ts', 's3://ml-models/m/{tenant}')]);
    expect(result).toEqual({ files: expect.arrayContaining(['plan.json', 'manifests/fraud.yaml']) });
  });

  it('"constructor" is a valid team name (the constructs library took it for an existing child)', async () => {
    const teams = { path: 'teams.ts', content: TEAMS.content.replace("name: 'fraud'", "name: 'constructor'") };
    const result = await synth([teams, model('', 'constructor/m.ts')]);
    expect(result).toEqual({ files: expect.arrayContaining(['plan.json', 'manifests/constructor.yaml']) });
  });

  it('reloading a fleet in one process sees edited files (each load imports in a namespace of its own)', async () => {
    await withFleet('fuzz-regression', [TEAMS, model("cpu: '250m'")], async (dir) => {
      const first = await loadFleet(join(dir, 'models'));
      expect(first.models[0]!.resources.cpu).toBe(250);
      writeFileSync(join(dir, 'models/fraud/m.ts'), model("cpu: '500m'").content);
      const second = await loadFleet(join(dir, 'models'));
      expect(second.models[0]!.resources.cpu).toBe(500);
    });
  });
});

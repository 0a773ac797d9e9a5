/**
 * The fleets `npm run bench:synth` synthesizes (`bench/generated-fleet.ts`):
 * seeded, exactly the copies asked for, shaped like the example fleet, and
 * every declaration valid.
 */
import { describe, expect, it } from 'vitest';
import { generatedFleet, type GeneratedFleet } from '../../bench/generated-fleet.ts';
import { validateModel, type ModelSpec } from '../../core/spec/model-spec.ts';
import { validateTeam } from '../../core/spec/team-spec.ts';

/** The declarations of a generated fleet, validated as the loader validates them. */
function declarations(fleet: GeneratedFleet): { teams: unknown[]; models: ModelSpec[] } {
  const json = (content: string, open: string, close: string) => JSON.parse(content.slice(content.indexOf(open) + open.length, content.lastIndexOf(close)));
  const teamsFile = fleet.files.find((f) => f.path === 'teams.ts')!;
  const teams = [...teamsFile.content.matchAll(/defineTeam\((.*)\),$/gm)].map((m) => {
    // teams.ts holds object literals with unquoted keys: quote them to read them as JSON.
    const { spec, issues } = validateTeam(JSON.parse(m[1]!.replace(/([{,]\s*)([a-zA-Z]+):/g, '$1"$2":').replace(/'/g, '"')), 'models/teams.ts', []);
    expect(issues).toEqual([]);
    return spec;
  });
  const models = fleet.files
    .filter((f) => f.path !== 'teams.ts')
    .map((f) => {
      const team = f.path.split('/')[0]!;
      const { spec, issues } = validateModel(json(f.content, 'defineModel(', ');'), `models/${f.path}`, team);
      expect(issues).toEqual([]);
      return spec!;
    });
  return { teams, models };
}

describe('generatedFleet', () => {
  it.each([600, 2_000, 10_000, 12_345])('declares exactly %i copies in valid declarations, 5 teams per 2,000 copies', (copies) => {
    const fleet = generatedFleet(copies, 17);
    const { teams, models } = declarations(fleet);
    expect(models.reduce((n, m) => n + (m.tenants?.length ?? 1), 0)).toBe(copies);
    expect(teams).toHaveLength(5 * Math.max(1, Math.round(copies / 2000)));
    expect(fleet.teams).toHaveLength(teams.length);
    expect(new Set(models.map((m) => m.name)).size).toBe(models.length);
  });

  it("has the example fleet's shape: its tiers, tenanted models with many tenants and a few untenanted ones per team", () => {
    const { models } = declarations(generatedFleet(10_000, 17));
    const tiers = new Map<string, number>();
    for (const m of models) tiers.set(m.tier, (tiers.get(m.tier) ?? 0) + 1);
    // The example's 17 models: 5 realtime, 5 interactive, 7 batch (a p99 target maps to a tier).
    expect(Object.fromEntries(tiers)).toEqual({ realtime: 25, interactive: 25, batch: 35 });
    const tenanted = models.filter((m) => m.tenants);
    // The example's 11 tenanted and 6 untenanted models, per group of five teams.
    expect(tenanted).toHaveLength(55);
    expect(models.length - tenanted.length).toBe(30);
    expect(Math.min(...tenanted.map((m) => m.tenants!.length))).toBeGreaterThanOrEqual(20);
    expect(models.some((m) => m.tenants?.some((t) => t.overridden.length > 0))).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generatedFleet(5_000, 3)).toEqual(generatedFleet(5_000, 3));
    expect(generatedFleet(5_000, 3).files).not.toEqual(generatedFleet(5_000, 4).files);
  });
});

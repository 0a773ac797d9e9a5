/**
 * `modelfleet diff`: two fleets, base and head, synthesized for real; the
 * diff's figures are checked against a hand computation.
 *
 * Team `shop` (budget $3,000 a month; the stack warns above +50%) runs CPU
 * models of the interactive tier on `cpu-std` ($0.8064 a node-hour): min 2,
 * max 6 replicas, 800 requests/s a replica without a profile.
 *
 * - base: `ranker` with tenants `a` (1,000 requests/s) and `b` (100):
 *   1,100 / 800 → 2 replicas.
 * - head: tenant `a` grown to 2,500 and a model `tagger` (100) added:
 *   2,700 / 800 → 4 replicas, in the same shard.
 *
 * Planned = min = replicas × 730 h × $0.8064 (no peak windows, the tier does
 * not scale to zero); max = 6 × 730 × $0.8064.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { diffMarkdown } from '../../core/cost/diff-markdown.ts';
import { infracostJson } from '../../core/cost/infracost-json.ts';
import { diffPlans, parsePlanDocument } from '../../core/cost/plan-diff.ts';
import { withFleet, type FleetFile } from '../support/fleet-dir.ts';
import { runCliInProcess } from '../support/run-cli.ts';

const PRICE = 0.8064;
const cents = (replicas: number) => Math.round(replicas * 730 * PRICE * 100);

const teams = (budget: number): FleetFile => ({
  path: 'teams.ts',
  content: `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'shop', quota: { gpu: 0, cpu: '64', memory: '128Gi' }, budget: { monthlyUsd: ${budget} } })];\n`,
});
const ranker = (a: number): FleetFile => ({
  path: 'shop/ranker.ts',
  content: `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: 'ranker', framework: 'onnx', tier: 'interactive', artifact: 's3://models/ranker/{tenant}', memory: '1Gi', cpu: '1', tenants: { a: { peakQps: ${a} }, b: { peakQps: 100 } } });\n`,
});
const tagger: FleetFile = {
  path: 'shop/tagger.ts',
  content: `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: 'tagger', framework: 'onnx', tier: 'interactive', artifact: 's3://models/tagger', memory: '1Gi', cpu: '1', peakQps: 100 });\n`,
};
const STACK = 'config:\n  modelfleet:cost:\n    warnIncrease: { percent: 50 }\n';

/** Synthesizes `files` with the test stack and returns plan.json's text. */
async function planOf(prefix: string, files: FleetFile[]): Promise<string> {
  return withFleet(prefix, files, async (dir) => {
    writeFileSync(join(dir, 'Pulumi.t.yaml'), STACK);
    const result = await synthFleet({ modelsDir: join(dir, 'models'), stackName: 't', cwd: dir });
    return result.files.find((f) => f.path === 'plan.json')!.content;
  });
}

const baseText = await planOf('diff-base', [teams(3000), ranker(1000)]);
const headText = await planOf('diff-head', [teams(3000), ranker(2500), tagger]);
const base = parsePlanDocument(baseText, 'base/plan.json');
const head = parsePlanDocument(headText, 'head/plan.json');

describe('diff of a model added and a tenant grown', () => {
  it('rests on the premise: one shard, 2 replicas on the base and 4 on the head', () => {
    expect(base.shards.map((s) => [s.pool, s.replicas.min, s.replicas.max])).toEqual([['cpu-std', 2, 6]]);
    expect(head.shards.map((s) => [s.pool, s.replicas.min, s.replicas.max])).toEqual([['cpu-std', 4, 6]]);
  });

  it('computes the totals, the team row and the pool row as by hand', () => {
    const diff = diffPlans(base, head);
    expect(diff.total).toEqual({ base: { min: cents(2), planned: cents(2), max: cents(6) }, head: { min: cents(4), planned: cents(4), max: cents(6) } });
    expect(cents(2)).toBe(117734); // $1,177.34
    expect(cents(4)).toBe(235469); // $2,354.69
    // +117,735 cents is +100%: more than warnIncrease's 50%, within the $3,000 budget.
    expect(diff.teams).toEqual([
      {
        team: 'shop',
        base: 117734,
        head: 235469,
        budget: 300000,
        status: 'increase',
        reason: "team shop's planned cost rises $1,177 a month (+100.0%), more than the stack's warnIncrease of 50%",
      },
    ]);
    expect(diff.pools).toEqual([
      { pool: 'cpu-std', base: { shards: 1, minReplicas: 2, maxReplicas: 6, peakNodes: 2, planned: 117734 }, head: { shards: 1, minReplicas: 4, maxReplicas: 6, peakNodes: 4, planned: 235469 } },
    ]);
    expect(diff.added).toEqual([{ id: 'shop/tagger', to: 'shop-interactive-cpu-std-1' }]);
    expect(diff.removed).toEqual([]);
    expect(diff.moved).toEqual([]);
    expect(diff.shards).toEqual([{ name: 'shop-interactive-cpu-std-1', team: 'shop', pool: 'cpu-std', base: { min: 117734, planned: 117734, max: cents(6) }, head: { min: 235469, planned: 235469, max: cents(6) } }]);
  });

  it('writes the headline, the team table with its budget status, the pool table and what moved', () => {
    const md = diffMarkdown(diffPlans(base, head));
    expect(md).toContain('**Monthly estimate +$1,177 (+100.0%)** · range $2,355–$3,532 · $1,177 → $2,355 planned');
    expect(md).toContain('| shop | $1,177 | $2,355 | +$1,177 (+100.0%) | $3,000 (78%) | ⚠️ large increase |');
    expect(md).toContain('| cpu-std | 1 | 2–6 → 4–6 | 2 → 4 | $1,177 → $2,355 |');
    expect(md).toContain("> ⚠️ team shop's planned cost rises $1,177 a month (+100.0%)");
    expect(md).toContain('- `shop/tagger` → `shop-interactive-cpu-std-1`');
    expect(md).not.toContain('Left out');
  });

  it('marks a team over its budget', () => {
    const tight = JSON.parse(headText) as { cost: { budgets: Record<string, number> } };
    tight.cost.budgets.shop = 2000;
    const diff = diffPlans(base, parsePlanDocument(JSON.stringify(tight), 'head'));
    expect(diff.teams[0]!.status).toBe('over-budget');
    expect(diffMarkdown(diff)).toContain('| shop | $1,177 | $2,355 | +$1,177 (+100.0%) | $2,000 (118%) | ❌ over budget |');
  });

  it('refuses a plan.json whose names are not what synth writes: no markdown, HTML or mention reaches a comment', () => {
    for (const [field, value] of [
      ['team', '@everyone'],
      ['name', '<img src=x onerror=alert(1)>'],
      ['pool', '[click](https://evil.example)'],
    ] as const) {
      const doc = JSON.parse(headText) as { shards: Record<string, unknown>[] };
      doc.shards[0]![field] = value;
      expect(() => parsePlanDocument(JSON.stringify(doc), 'head/plan.json')).toThrow(`head/plan.json: shards[0].${field}: must be a DNS label, as synth writes every name`);
    }
    const tenant = JSON.parse(headText) as { shards: { models: { tenant: string }[] }[] };
    tenant.shards[0]!.models[0]!.tenant = 'a`b';
    expect(() => parsePlanDocument(JSON.stringify(tenant), 'head/plan.json')).toThrow('head/plan.json: shards[0].models[0].tenant: must be a DNS label');
    const money = JSON.parse(headText) as { cost: { monthlyUsd: { planned: unknown } } };
    money.cost.monthlyUsd.planned = '1e400';
    expect(() => parsePlanDocument(JSON.stringify(money), 'head/plan.json')).toThrow('head/plan.json: cost.monthlyUsd.planned: ');
  });

  it('writes cost.json with Infracost field names and the same figures', () => {
    const doc = JSON.parse(infracostJson(base, head)) as Record<string, unknown> & { projects: { name: string; breakdown: { totalMonthlyCost: string }; pastBreakdown: { totalMonthlyCost: string }; diff: { totalMonthlyCost: string } }[] };
    expect(doc).toMatchObject({ version: '0.2', currency: 'USD', totalMonthlyCost: '2354.69', pastTotalMonthlyCost: '1177.34', diffTotalMonthlyCost: '1177.35' });
    expect(doc.projects.map((p) => [p.name, p.pastBreakdown.totalMonthlyCost, p.breakdown.totalMonthlyCost, p.diff.totalMonthlyCost])).toEqual([['shop', '1177.34', '2354.69', '1177.35']]);
  });

  it('runs as `modelfleet diff` on two output directories, printing the comment and writing the files', async () => {
    await withFleet('diff-cli', [], async (dir) => {
      for (const [name, text] of [
        ['base', baseText],
        ['head', headText],
      ] as const) {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'plan.json'), text);
      }
      const r = await runCliInProcess(['diff', join(dir, 'base'), join(dir, 'head/plan.json'), '--out', join(dir, 'comment.md'), '--cost-json', join(dir, 'cost.json'), '--full', join(dir, 'full.md')]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('**Monthly estimate +$1,177 (+100.0%)**');
      expect(r.stderr).toContain("warning: team shop's planned cost rises $1,177 a month");
      expect(readFileSync(join(dir, 'comment.md'), 'utf8')).toBe(r.stdout);
      expect(JSON.parse(readFileSync(join(dir, 'cost.json'), 'utf8')).diffTotalMonthlyCost).toBe('1177.35');
      const bad = await runCliInProcess(['diff', join(dir, 'base'), join(dir, 'nothing-here')]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${join(dir, 'nothing-here')}: -: HEAD does not exist; give a plan.json written by \`modelfleet synth\``);
      writeFileSync(join(dir, 'not-a-plan.json'), '{"shards": 3}');
      const wrong = await runCliInProcess(['diff', join(dir, 'not-a-plan.json'), join(dir, 'head')]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('not-a-plan.json: shards: ');
    });
  });
});

/**
 * Budgets as policy: `team-budget` fails synth (naming the field that sets
 * the budget, the team, the figure and the costliest copies) and the Pulumi
 * policy pack (on the rendered Namespace's budget annotation, pricing the
 * workloads from the objects alone). The cost the manifest rule computes
 * from the objects equals the plan's, team by team, on the example fleet
 * under both example stacks (KEDA cron floors, scale to zero, spot discount).
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StackValidationPolicy } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { formatWholeUsd } from '../../core/cost/cost-model.ts';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { platformPolicies } from '../../policies/pack/policies.ts';
import { BUDGET_ANNOTATION, collectViolations, namespaceCosts, ruleConfigsFromStack, teamBudgetRule, type KubeObject } from '../../policies/rules/index.ts';
import { withFleet } from '../support/fleet-dir.ts';
import { runCliInProcess } from '../support/run-cli.ts';
import { objectsOf, stackArgs, synthOnce, violationSpy } from './policy-harness.ts';

const example = await synthOnce('models');
const objects = objectsOf(example);
const stack = loadPlatformStack();
const config = ruleConfigsFromStack(stack)['team-budget'];
const fraudPlanned = example.planned.cost.byTeam.get('fraud')!.planned;

/** The objects with a budget annotation on one team's Namespace. */
function withBudget(team: string, value: string, from: readonly KubeObject[] = objects): KubeObject[] {
  return from.map((o) => (o.kind === 'Namespace' && o.metadata?.name === team ? { ...o, metadata: { ...o.metadata, annotations: { [BUDGET_ANNOTATION]: value } } } : o));
}

describe('team-budget on rendered objects', () => {
  it.each(['default', 'prod', 'dev'])('prices each namespace from its objects exactly as the plan prices the team (stack %s)', async (name) => {
    const result = name === 'default' ? example : await synthOnce('models', name);
    const s = name === 'default' ? stack : loadPlatformStack({ name });
    const c = ruleConfigsFromStack(s)['team-budget'];
    for (const team of result.planned.fleet.teams) {
      const costs = namespaceCosts(team.namespace, objectsOf(result), c);
      const sum = costs.reduce((r, x) => ({ min: r.min + x.range.min, planned: r.planned + x.range.planned, max: r.max + x.range.max }), { min: 0, planned: 0, max: 0 });
      expect(sum, team.name).toEqual(result.planned.cost.byTeam.get(team.name));
    }
  });

  it('passes a namespace within its budget and reports one above it, with the figure and the costliest shards', () => {
    const budget = Math.floor(fraudPlanned / 100) + 1;
    expect(collectViolations(teamBudgetRule, withBudget('fraud', String(budget)), config)).toEqual([]);
    const over = collectViolations(teamBudgetRule, withBudget('fraud', '1000'), config);
    expect(over).toHaveLength(1);
    expect(over[0]!.path).toEqual(['metadata', 'annotations', BUDGET_ANNOTATION]);
    expect(over[0]!.message).toMatch(new RegExp(`^team fraud plans \\${formatWholeUsd(fraudPlanned)} a month \\(range \\$[\\d,]+–\\$[\\d,]+\\), \\$[\\d,]+ above its budget of \\$1,000; costliest: Deployment/fraud-`));
  });

  it('reports an annotation that is not a number', () => {
    const bad = collectViolations(teamBudgetRule, withBudget('fraud', 'lots'), config);
    expect(bad.map((v) => v.message)).toEqual(['is "lots", not a number of US dollars; write the monthly budget as a decimal such as "12000"']);
  });

  it('ignores workloads on no priced pool (it never reports a cost it cannot prove)', () => {
    expect(namespaceCosts('fraud', objects, { pools: [] })).toEqual([]);
    expect(collectViolations(teamBudgetRule, withBudget('fraud', '1'), { pools: [] })).toEqual([]);
  });

  it('fails the policy pack as a stack policy, naming the Namespace', async () => {
    const policy = platformPolicies(stack).find((p) => p.name === 'team-budget') as StackValidationPolicy;
    expect(policy.enforcementLevel).toBe('mandatory');
    const { report, reported } = violationSpy();
    await policy.validateStack(stackArgs(withBudget('fraud', '1000'), {}), report);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.message).toContain('team fraud plans');
    const clean = violationSpy();
    await policy.validateStack(stackArgs(objects, {}), clean.report);
    expect(clean.reported).toEqual([]);
  });
});

describe('team-budget in synth', () => {
  it('fails on a stack budget, naming the stack key, the team, the figure and the costliest copies', async () => {
    await withFleet('budget-stack', [], async (dir) => {
      writeFileSync(join(dir, 'Pulumi.t.yaml'), 'config:\n  modelfleet:cost:\n    budgets: { fraud: { monthlyUsd: 1000 } }\n');
      const error = await synthFleet({ modelsDir: join(process.cwd(), 'models'), stackName: 't', cwd: dir, ignoreLock: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpecError);
      const issues = (error as SpecError).issues;
      expect(issues.map((i) => [i.file, i.path])).toEqual([[relative(process.cwd(), join(dir, 'Pulumi.t.yaml')), ['modelfleet:cost', 'budgets', 'fraud', 'monthlyUsd']]]);
      expect(issues[0]!.message).toMatch(/^team fraud plans \$[\d,]+ a month \(range .*\), \$[\d,]+ above its budget of \$1,000; costliest: txn-scorer@[\w-]+ \$[\d,]+, .* and \d+ more; lower those copies' peakQps or replicas/);
    });
  });

  it('fails on a teams.ts budget through the CLI, writing nothing, and the stack can override it', async () => {
    const teams = `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'shop', quota: { gpu: 0, cpu: '64', memory: '128Gi' }, budget: { monthlyUsd: 500 } })];\n`;
    const model = `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: 'ranker', framework: 'onnx', tier: 'interactive', artifact: 's3://models/ranker', memory: '1Gi', cpu: '1' });\n`;
    await withFleet('budget-teams', [{ path: 'teams.ts', content: teams }, { path: 'shop/ranker.ts', content: model }], async (dir) => {
      // interactive: 2 replicas of cpu-std at $0.8064 an hour: $1,177 a month.
      const r = await runCliInProcess(['synth', '--models', join(dir, 'models'), '--out', join(dir, 'out')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `${relative(process.cwd(), join(dir, 'models'))}/teams.ts: [0].budget.monthlyUsd: team shop plans $1,177 a month (range $1,177–$3,532), $677 above its budget of $500; costliest: ranker $1,177; lower those copies'`,
      );
      expect(r.stderr).toContain('nothing was written');
      writeFileSync(join(dir, 'Pulumi.t.yaml'), 'config:\n  modelfleet:cost:\n    budgets: { shop: { monthlyUsd: 1200 } }\n');
      const ok = await runCliInProcess(['synth', '--models', join(dir, 'models'), '--out', join(dir, 'out'), '--stack', 't'], dir);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
    });
  });

  it('can be made advisory: synth then passes and lists the warning', async () => {
    await withFleet('budget-advisory', [], async (dir) => {
      writeFileSync(
        join(dir, 'Pulumi.t.yaml'),
        'config:\n  modelfleet:cost:\n    budgets: { fraud: { monthlyUsd: 1000 } }\n  modelfleet:policies:\n    enforcement: { team-budget: advisory }\n',
      );
      const result = await synthFleet({ modelsDir: join(process.cwd(), 'models'), stackName: 't', cwd: dir, ignoreLock: true });
      const outcome = result.rules.find((o) => o.id === 'team-budget')!;
      expect(outcome.level).toBe('advisory');
      expect(outcome.violations.map((v) => v.message)).toEqual([expect.stringMatching(/^team fraud plans .* \(rule team-budget\)$/)]);
    });
  });
});

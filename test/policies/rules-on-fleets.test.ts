/**
 * Every platform rule on real synthesized objects: the example fleet and the
 * Pulumi program's test fleet pass every rule, on the default stack and on
 * the dev stack (where realtime shards run one replica, which only the
 * advisory `realtime-min-replicas` reports).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { collectViolations, PLATFORM_RULES, ruleConfigsFromStack, runPlatformRules, type PlatformRule } from '../../policies/rules/index.ts';
import { objectsOf, synthOnce } from './policy-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const stack = loadPlatformStack();
const configs = ruleConfigsFromStack(stack);
const violationsOf = (rule: PlatformRule, objects: Parameters<typeof collectViolations>[1]) => collectViolations(rule as never, objects, configs[rule.id] as never);

describe.each([
  ['the example fleet', 'models'],
  ['the Pulumi test fleet', 'test/stacks/fleet/models'],
])('%s on the default stack', (_, modelsDir) => {
  it.each(PLATFORM_RULES.map((r) => [r.id, r] as const))('passes %s', async (_id, rule) => {
    const objects = objectsOf(await synthOnce(modelsDir));
    expect(objects.length).toBeGreaterThan(10);
    expect(violationsOf(rule, objects).map((v) => v.message)).toEqual([]);
  });

  it('reports every rule as passed in synth', async () => {
    const result = await synthOnce(modelsDir);
    expect(result.rules.map((r) => [r.id, r.level, r.violations.length])).toEqual(PLATFORM_RULES.map((r) => [r.id, r.defaultLevel, 0]));
    expect(result.files.find((f) => f.path === 'summary.md')!.content).toContain('## Rule results');
  });
});

describe('the Pulumi test fleet on the dev stack', () => {
  it('warns only about realtime shards with one replica', async () => {
    const result = await synthOnce('test/stacks/fleet/models', 'dev', ROOT);
    const failing = result.rules.filter((r) => r.violations.length);
    expect(failing.map((r) => [r.id, r.level])).toEqual([['realtime-min-replicas', 'advisory']]);
    expect(failing[0]!.violations).toEqual([
      {
        file: 'manifests/fraud.yaml',
        path: ['HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1', 'spec', 'minReplicas'],
        message:
          'Deployment/fraud-realtime-gpu-l4-1 is realtime (modelfleet.io/tier) but may run 1 replica (HorizontalPodAutoscaler/fraud-realtime-gpu-l4-1 spec.minReplicas); realtime needs at least 2, so a drain or a crash never takes the only server away (rule realtime-min-replicas)',
      },
    ]);
  });
});

describe('runPlatformRules', () => {
  it('skips disabled rules and keeps rule order', async () => {
    const result = await synthOnce('test/stacks/fleet/models');
    const quiet = { ...stack, policies: { ...stack.policies, enforcement: { ...stack.policies.enforcement, 'image-registry': 'disabled' as const }, allowedRegistries: ['example.com'] } };
    const outcomes = runPlatformRules(result.manifests, quiet);
    expect(outcomes.map((o) => o.id)).toEqual(PLATFORM_RULES.map((r) => r.id));
    expect(outcomes.find((o) => o.id === 'image-registry')).toMatchObject({ level: 'disabled', violations: [] });
  });
});

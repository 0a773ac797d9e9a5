/**
 * Runs every platform rule on a set of manifests, at the stack's enforcement
 * levels, and turns each violation into a `SpecIssue` that names the
 * manifest file and the object and field:
 *
 * `manifests/fraud.yaml: ["Deployment/fraud-realtime-gpu-l4-1"].spec.template.spec.containers[1].image: … (rule image-registry)`
 */
import type { SpecIssue } from '../../core/errors/spec-issue.ts';
import type { RuleOutcome } from '../../core/plan/rule-outcome.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { describeObject, type KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';
import { checkPlatformRule, PLATFORM_RULES, ruleConfigsFromStack } from './platform-rules.ts';

/** Objects of one manifest file (as `renderFleetObjects()` returns them). */
export interface ManifestObjects {
  /** Path of the file, relative to the output directory (`manifests/fraud.yaml`). */
  readonly path: string;
  readonly objects: readonly KubeObject[];
}

/**
 * Runs every rule the stack does not disable over all `manifests` together
 * (stack rules see every file: a quota and its workloads, a workload and its
 * autoscaler). One outcome per rule, in rule order; violations in the order
 * found. Never throws.
 */
export function runPlatformRules(manifests: readonly ManifestObjects[], stack: StackConfig): RuleOutcome[] {
  const fileOf = new Map<KubeObject, string>();
  for (const m of manifests) for (const o of m.objects) fileOf.set(o, m.path);
  const objects = manifests.flatMap((m) => m.objects);
  // Indexed once for every rule: no rule scans all objects per object.
  const index = new ObjectIndex(objects);
  const configs = ruleConfigsFromStack(stack);
  return PLATFORM_RULES.map((rule) => {
    const level = stack.policies.enforcement[rule.id] ?? rule.defaultLevel;
    const violations: SpecIssue[] = [];
    if (level !== 'disabled') {
      checkPlatformRule(
        rule,
        objects,
        configs,
        (object, path, message) => {
          violations.push({ file: fileOf.get(object) ?? '(manifests)', path: [describeObject(object), ...path], message: `${message} (rule ${rule.id})` });
        },
        index,
      );
    }
    return { id: rule.id, description: rule.description, level, violations };
  });
}

/** The violations of every mandatory rule: what fails `synth`. */
export function mandatoryViolations(outcomes: readonly RuleOutcome[]): SpecIssue[] {
  return outcomes.filter((o) => o.level === 'mandatory').flatMap((o) => o.violations);
}

/** The violations of every advisory rule: what `synth` prints as warnings. */
export function advisoryViolations(outcomes: readonly RuleOutcome[]): SpecIssue[] {
  return outcomes.filter((o) => o.level === 'advisory').flatMap((o) => o.violations);
}

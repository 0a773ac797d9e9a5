/**
 * A platform rule over Kubernetes manifests: data (id, description, default
 * enforcement level, scope) plus a pure function that reports violations and
 * never throws. `synth` runs every rule on the objects it renders; the Pulumi
 * policy pack (`policies/pack/`) wraps the very same functions.
 */
import type { EnforcementLevel } from '../../core/stack/policy-config.ts';
import type { FieldPath, KubeObject } from './kube-object.ts';
import type { ObjectIndex } from './object-index.ts';

/** One violation: the offending object, the field, and what is wrong and how to fix it. */
export interface RuleViolation {
  /** The object the violation is about. */
  readonly object: KubeObject;
  /** Field inside the object (`['spec', 'template', 'spec', 'containers', 0, 'image']`); `[]` for the object as a whole. */
  readonly path: FieldPath;
  /** What is wrong, the value found, what is allowed, and the fix. */
  readonly message: string;
}

/** How a rule reports a violation. */
export type ReportViolation = (object: KubeObject, path: FieldPath, message: string) => void;

/**
 * A rule over Kubernetes objects.
 *
 * `object` rules judge each object on its own (a Pulumi resource policy);
 * `stack` rules need the whole set, e.g. a ResourceQuota with the workloads
 * and autoscalers of its namespace (a Pulumi stack policy). Both get the set
 * of objects; an `object` rule gives the same answer for `[a, b]` as for
 * `[a]` and `[b]` together.
 */
export interface ManifestRule<C, Id extends string = string> {
  /** Kebab-case id: the key in `modelfleet:policies.enforcement` and the Pulumi policy name. */
  readonly id: Id;
  /** One sentence: what the rule requires. */
  readonly description: string;
  /** Enforcement level unless the stack (or the policy-pack config) says otherwise. */
  readonly defaultLevel: EnforcementLevel;
  /** `object`: each object alone; `stack`: the whole set. */
  readonly scope: 'object' | 'stack';
  /**
   * Reports every violation in `objects`. Never throws. `index`, an
   * `ObjectIndex` of exactly `objects`, lets several rules share one index;
   * without it a rule that looks objects up indexes them itself.
   */
  readonly check: (objects: readonly KubeObject[], config: C, report: ReportViolation, index?: ObjectIndex) => void;
}

/** Runs one rule and collects its violations, in the order reported (as pulumi-policy's `runResourcePolicy` does). */
export function collectViolations<C>(rule: ManifestRule<C, string>, objects: readonly KubeObject[], config: C): RuleViolation[] {
  const out: RuleViolation[] = [];
  rule.check(objects, config, (object, path, message) => out.push({ object, path: [...path], message }));
  return out;
}

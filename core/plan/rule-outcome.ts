/**
 * The outcome of one platform rule on the rendered manifests, as data: what
 * `synth` reports (mandatory violations fail it, advisory ones are warnings)
 * and `summary.md` lists under "Rule results". The rules themselves live in
 * `policies/rules/`; core only carries their results.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { EnforcementLevel } from '../stack/policy-config.ts';

/** One rule's outcome. */
export interface RuleOutcome {
  /** Rule id (`image-registry`). */
  readonly id: string;
  /** What the rule requires, one sentence. */
  readonly description: string;
  /** The stack's enforcement level for the rule; a `disabled` rule did not run. */
  readonly level: EnforcementLevel;
  /**
   * Violations, each naming the manifest file (`manifests/fraud.yaml`) and the
   * object and field (`['Deployment/fraud-realtime-gpu-l4-1', 'spec', …]`).
   */
  readonly violations: readonly SpecIssue[];
}

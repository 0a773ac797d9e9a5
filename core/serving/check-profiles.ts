/**
 * Plan-time checks of declared latency profiles against the stack: a profile
 * may only name pools the stack defines (a typo would silently fall back to
 * the throughput figure). Reports, never throws.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { ModelSpec } from '../spec/model-spec.ts';
import { suggest } from '../spec/zod-issues.ts';
import type { StackConfig } from '../stack/stack-config.ts';

/** Issues for profiles that name a pool the stack does not define. */
export function checkProfiles(models: readonly ModelSpec[], stack: StackConfig): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const pools = stack.pools.map((p) => p.name);
  for (const m of models) {
    for (const pool of Object.keys(m.profile ?? {})) {
      if (pools.includes(pool)) continue;
      const hint = suggest(pool, pools);
      issues.push({
        file: m.file,
        path: [...m.pathPrefix, 'profile', pool],
        message: `pool ${JSON.stringify(pool)} is not defined in stack ${stack.name}${hint ? ` (did you mean "${hint}"?)` : ''}; its pools are ${pools.join(', ')}: measure on one of them, or drop this entry`,
      });
    }
  }
  return issues;
}

/**
 * Plan-time checks of the Triton fields of declarations against the stack's
 * tier table: what a declaration alone cannot know.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import type { ModelSpec } from '../spec/model-spec.ts';
import type { StackConfig } from '../stack/stack-config.ts';

/**
 * Issues for declarations whose Triton fields the stack's tiers forbid:
 * a `maxBatchSize` above the tier's largest batch (the tier's queue delay and
 * latency budget do not allow it). Reports, never throws.
 */
export function checkTritonDeclarations(models: readonly ModelSpec[], stack: StackConfig): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const m of models) {
    const tier = stack.tiers[m.tier].triton;
    const declared = m.triton.maxBatchSize;
    if (declared !== undefined && declared > tier.maxBatchSize) {
      issues.push({
        file: m.file,
        path: [...m.pathPrefix, 'maxBatchSize'],
        message: `${declared} is above the largest batch the ${m.tier} tier allows (${tier.maxBatchSize}, with a ${tier.maxQueueDelayMicroseconds} µs queue delay in stack ${stack.name}); lower it to at most ${tier.maxBatchSize} or choose a looser tier`,
      });
    }
  }
  return issues;
}

/**
 * Platform-rule settings of a stack (`modelfleet:policies` in
 * `Pulumi.<stack>.yaml`): how strictly each rule of `policies/rules/` is
 * enforced, and the image registries pods may pull from.
 *
 * The rule ids themselves belong to `policies/`: core knows them only as the
 * keys of the defaults (`policies/default-stack.ts`), so a stack file that
 * names an unknown rule is rejected with a suggestion.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { suggest } from '../spec/zod-issues.ts';

/** How a rule violation is treated. */
export const ENFORCEMENT_LEVELS = ['mandatory', 'advisory', 'disabled'] as const;

/**
 * `mandatory`: a violation fails `synth` (and `pulumi preview --policy-pack`);
 * `advisory`: it is reported as a warning; `disabled`: the rule does not run.
 */
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** A stack's resolved platform-rule settings. */
export interface PoliciesConfig {
  /** Enforcement level of every rule, by rule id (`image-registry`). */
  readonly enforcement: Readonly<Record<string, EnforcementLevel>>;
  /**
   * Registries (a host, optionally with a repository prefix) every container
   * image must come from: `nvcr.io/nvidia` admits `nvcr.io/nvidia/tritonserver:24.08-py3`.
   * Docker Hub images are matched by their full name (`rclone/rclone` is
   * `docker.io/rclone/rclone`, `busybox` is `docker.io/library/busybox`).
   */
  readonly allowedRegistries: readonly string[];
}

/** Fields of `modelfleet:policies`, for unknown-field suggestions. */
export const POLICIES_FIELDS = ['enforcement', 'allowedRegistries'] as const;

/**
 * A registry host (`nvcr.io`, `registry.internal:5000`), optionally followed
 * by a repository prefix of whole path components (`/nvidia`, `/library`).
 */
const REGISTRY_PREFIX_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/;

/** Schema of `modelfleet:policies`. */
export const policiesSchema = z
  .strictObject({
    enforcement: z.record(z.string(), z.enum(ENFORCEMENT_LEVELS)),
    allowedRegistries: z
      .array(
        z.string().regex(REGISTRY_PREFIX_RE, {
          message: 'must be a registry host with an optional repository prefix, in lower case, such as "nvcr.io/nvidia" or "docker.io/rclone"',
        }),
      )
      .min(1),
  })
  .partial()
  .optional();

/** What a stack file gives under `modelfleet:policies`, validated. */
export type PoliciesInput = NonNullable<z.output<typeof policiesSchema>>;

/**
 * The stack's settings over the defaults: enforcement levels merge rule by
 * rule, the registry list replaces the default list as a whole.
 */
export function mergePolicies(defaults: PoliciesConfig, own: PoliciesInput | undefined): PoliciesConfig {
  return {
    enforcement: { ...defaults.enforcement, ...(own?.enforcement ?? {}) },
    allowedRegistries: [...(own?.allowedRegistries ?? defaults.allowedRegistries)],
  };
}

/**
 * Rule ids in `own.enforcement` that the defaults do not know, each as an
 * issue on `modelfleet:policies.enforcement.<id>` with a suggestion.
 */
export function checkPolicyRuleIds(own: PoliciesInput | undefined, defaults: PoliciesConfig, file: string): SpecIssue[] {
  const known = Object.keys(defaults.enforcement);
  return Object.keys(own?.enforcement ?? {})
    .filter((id) => !known.includes(id))
    .map((id) => {
      // A typo, or a shortened id (`pod-security` for `pod-security-restricted`).
      const hint = suggest(id, known) ?? known.find((k) => k.startsWith(id) || id.startsWith(k));
      return {
        file,
        path: ['modelfleet:policies', 'enforcement', id],
        message: hint ? `unknown rule "${id}"; did you mean "${hint}"?` : `unknown rule "${id}"; the rules are ${known.join(', ')}`,
      };
    });
}

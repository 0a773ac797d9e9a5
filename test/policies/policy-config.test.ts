/**
 * `modelfleet:policies` in a stack file: enforcement level per rule and the
 * allowed registries, validated strictly (unknown keys and rules rejected
 * with a suggestion) and merged over the platform defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { loadStack } from '../../core/stack/load-stack.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';
import { PLATFORM_RULES } from '../../policies/rules/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'modelfleet-policies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  writeFileSync(join(dir, 'Pulumi.t.yaml'), yaml);
  return loadStack({ name: 't', dir, defaults: DEFAULT_STACK });
}

function issues(yaml: string): string {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof SpecError) return formatIssues(error.issues).replaceAll(`${dir}/`, '');
    throw error;
  }
  return '';
}

describe('modelfleet:policies', () => {
  it('defaults to every rule at its own level and the registries of the default images', () => {
    const stack = loadStack({ defaults: DEFAULT_STACK });
    expect(stack.policies).toEqual({
      enforcement: {
        'team-quota': 'mandatory',
        'team-budget': 'mandatory',
        'gpu-pool-placement': 'mandatory',
        'container-resources': 'mandatory',
        'image-registry': 'mandatory',
        'pod-security-restricted': 'mandatory',
        'virtualservice-namespace': 'mandatory',
        'shard-isolation': 'mandatory',
        'realtime-min-replicas': 'advisory',
        'realtime-disruption-budget': 'mandatory',
      },
      allowedRegistries: ['nvcr.io/nvidia', 'docker.io/rclone'],
    });
    expect(Object.keys(stack.policies.enforcement)).toEqual(PLATFORM_RULES.map((r) => r.id));
  });

  it('merges levels rule by rule and replaces the registry list', () => {
    const stack = load(`config:
  modelfleet:policies:
    enforcement:
      realtime-min-replicas: mandatory
      image-registry: advisory
    allowedRegistries: [registry.internal:5000/ml, nvcr.io]
`);
    expect(stack.policies.enforcement).toMatchObject({ 'realtime-min-replicas': 'mandatory', 'image-registry': 'advisory', 'team-quota': 'mandatory' });
    expect(stack.policies.allowedRegistries).toEqual(['registry.internal:5000/ml', 'nvcr.io']);
  });

  it('rejects unknown keys, unknown rules, unknown levels and malformed registries, with suggestions', () => {
    expect(
      issues(`config:
  modelfleet:polices: {}
  modelfleet:policies:
    enforcment: {}
    enforcement:
      pod-security: mandatory
      image-registry: strict
      no-such-rule: advisory
    allowedRegistries: [NVCR.io/nvidia, "https://ghcr.io", docker.io/rclone/]
`),
    ).toMatchInlineSnapshot(`
      "Pulumi.t.yaml: modelfleet:policies.enforcement.image-registry: "strict" is not allowed; use one of "mandatory", "advisory", "disabled"
      Pulumi.t.yaml: modelfleet:policies.allowedRegistries[0]: must be a registry host with an optional repository prefix, in lower case, such as "nvcr.io/nvidia" or "docker.io/rclone"
      Pulumi.t.yaml: modelfleet:policies.allowedRegistries[1]: must be a registry host with an optional repository prefix, in lower case, such as "nvcr.io/nvidia" or "docker.io/rclone"
      Pulumi.t.yaml: modelfleet:policies.allowedRegistries[2]: must be a registry host with an optional repository prefix, in lower case, such as "nvcr.io/nvidia" or "docker.io/rclone"
      Pulumi.t.yaml: modelfleet:policies.enforcment: unknown field "enforcment"; did you mean "enforcement"?
      Pulumi.t.yaml: modelfleet:polices: unknown field "polices"; did you mean "policies"?"
    `);
    expect(
      issues(`config:
  modelfleet:policies:
    enforcement: { pod-security: mandatory, no-such-rule: advisory }
`),
    ).toBe(
      [
        'Pulumi.t.yaml: modelfleet:policies.enforcement.pod-security: unknown rule "pod-security"; did you mean "pod-security-restricted"?',
        'Pulumi.t.yaml: modelfleet:policies.enforcement.no-such-rule: unknown rule "no-such-rule"; the rules are team-quota, team-budget, gpu-pool-placement, container-resources, image-registry, pod-security-restricted, virtualservice-namespace, shard-isolation, realtime-min-replicas, realtime-disruption-budget',
      ].join('\n'),
    );
    expect(issues('config:\n  modelfleet:policies: { allowedRegistries: [] }\n')).toBe('Pulumi.t.yaml: modelfleet:policies.allowedRegistries: must list at least 1 entry');
  });
});

/**
 * The stack the policy pack checks against, so that `pulumi preview
 * --policy-pack policies/pack` enforces what `modelfleet synth --stack <stack>`
 * enforces: the same pools, allowed registries and enforcement levels.
 *
 * Recent Pulumi CLIs start a Node.js policy pack with the previewed stack's
 * config in the environment (`PULUMI_CONFIG`, `PULUMI_NODEJS_STACK`, set by
 * the language host's `RunPlugin` for analyzer plugins). Then every
 * `modelfleet:*` key except the program's own (`models`, …) is the stack
 * config, resolved over the platform defaults exactly as synth resolves
 * `Pulumi.<stack>.yaml`. Without it (older CLIs, tests), the embedded default
 * stack applies. Either way the policy-pack config (`--policy-pack-config`)
 * overrides per policy.
 */
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { CONFIG_NAMESPACE, PROGRAM_CONFIG_KEYS } from '../../core/stack/load-stack.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { loadPlatformStack, resolvePlatformStack } from '../default-stack.ts';

/** A config value as Pulumi passes it: JSON text for structured values (and numbers, booleans), plain text otherwise. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The stack for a Pulumi config map (`namespace:key` → value text) and stack
 * name; the embedded default stack when the map holds no `modelfleet:*` stack key.
 *
 * @throws Error listing every problem (`Pulumi.<stack>.yaml: FIELD: message`) when the stack config is invalid
 */
export function stackFromPulumiConfig(config: Readonly<Record<string, string>>, stackName: string | undefined): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    const name = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
    if (name === undefined || PROGRAM_CONFIG_KEYS.includes(name)) continue;
    values[name] = parseValue(config[key]!);
  }
  if (!stackName || Object.keys(values).length === 0) return loadPlatformStack();
  try {
    return resolvePlatformStack(stackName, values, `Pulumi.${stackName}.yaml`);
  } catch (error) {
    if (error instanceof SpecError) throw new Error(`modelfleet policy pack: the stack config is invalid:\n${formatIssues(error.issues)}`);
    throw error;
  }
}

/** The stack for the environment the Pulumi CLI starts the pack in (`PULUMI_CONFIG`, `PULUMI_NODEJS_STACK`). */
export function stackFromEnvironment(env: NodeJS.ProcessEnv = process.env): StackConfig {
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(env.PULUMI_CONFIG ?? '{}');
    if (parsed && typeof parsed === 'object') config = parsed as Record<string, unknown>;
  } catch {
    config = {};
  }
  // Older SDKs wrote keys as `namespace:config:key`.
  const clean = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^([^:]+):config:/, '$1:'), typeof v === 'string' ? v : JSON.stringify(v)]));
  return stackFromPulumiConfig(clean, env.PULUMI_NODEJS_STACK);
}

/**
 * The Pulumi program's configuration, read from Pulumi's config map (what
 * `pulumi.runtime.allConfig()` returns): pure, so tests check it without
 * Pulumi.
 *
 * Inside the program the stack comes from Pulumi's config, never from
 * re-reading `Pulumi.<stack>.yaml`: Pulumi merges the stack file with
 * `pulumi config set`, `--config` flags, ESC environments and decrypted
 * `secure:` values, and only its config map holds the result.
 */
import { SpecError, type SpecIssue } from '../core/errors/spec-issue.ts';
import { CONFIG_NAMESPACE, PROGRAM_CONFIG_KEYS } from '../core/stack/load-stack.ts';
import type { SynthFleetOptions } from '../constructs/synth-fleet.ts';

/** The stack config `synthFleet` resolves the stack from. */
export type StackConfigValues = NonNullable<SynthFleetOptions['stackConfig']>;

/** What the program reads from Pulumi's config. */
export interface ProgramConfig {
  /**
   * `modelfleet:models`: the fleet directory, relative to the project root.
   *
   * @default 'models'
   */
  readonly modelsDir: string;

  /**
   * `modelfleet:renderYamlToDirectory`: write every object as YAML into this
   * directory (relative to the project root) instead of applying it.
   *
   * @default - apply to the cluster
   */
  readonly renderYamlToDirectory?: string;

  /**
   * `modelfleet:renderedDir`: register the objects of this synth output
   * directory (relative to the project root; what `modelfleet synth --out`
   * wrote, such as a pull request's downloaded artifact) instead of
   * synthesizing the fleet. The directory is untrusted data: every object is
   * checked before anything is registered (see `readRenderedOutput`).
   *
   * @default - synthesize the fleet of `modelsDir`
   */
  readonly renderedDir?: string;

  /** Every other `modelfleet:*` key, parsed: the stack config. */
  readonly stackConfig: StackConfigValues;
}

/**
 * A config value as Pulumi passes it to a program: structured values
 * (objects, arrays) arrive as JSON text, scalars as plain text. Parsed as
 * JSON when it is JSON (so `3` and `true` are a number and a boolean, as
 * they are in the YAML stack file), else kept as the string it is.
 */
export function parseConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The file messages name for a stack's config. */
export const stackConfigSource = (stackName: string) => `Pulumi.${stackName}.yaml`;

/**
 * Splits Pulumi's config map into the program's own keys
 * (`PROGRAM_CONFIG_KEYS`) and the stack config: every other `modelfleet:*`
 * key, whatever it is, so keys the stack schema gains later pass through
 * unchanged (and unknown ones are reported by the schema, with a
 * suggestion). Keys of other namespaces (`kubernetes:context`, …) are
 * ignored. Keys are sorted, so the result does not depend on the order of
 * the map.
 *
 * @param config - Pulumi's config map: `namespace:key` → value text
 * @param stackName - the Pulumi stack (`pulumi.getStack()`)
 * @throws SpecError when a program key is empty
 */
export function readProgramConfig(config: Readonly<Record<string, string>>, stackName: string): ProgramConfig {
  const source = stackConfigSource(stackName);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  const program: Record<string, string> = {};
  const issues: SpecIssue[] = [];
  for (const key of Object.keys(config).sort()) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const text = config[key]!;
    if (!PROGRAM_CONFIG_KEYS.includes(name)) {
      values[name] = parseConfigValue(text);
      continue;
    }
    if (text.trim() === '') {
      const fix =
        name === 'models'
          ? 'give the fleet directory, e.g. "models"'
          : name === 'renderedDir'
            ? 'give the directory `modelfleet synth --out` wrote, e.g. "dist", or remove the key to synthesize the fleet'
            : 'give a directory, e.g. "rendered", or remove the key to apply to the cluster';
      issues.push({ file: source, path: [key], message: `is empty; ${fix}` });
      continue;
    }
    program[name] = text;
  }
  if (issues.length) throw new SpecError(issues);
  return {
    modelsDir: program.models ?? 'models',
    ...(program.renderYamlToDirectory !== undefined ? { renderYamlToDirectory: program.renderYamlToDirectory } : {}),
    ...(program.renderedDir !== undefined ? { renderedDir: program.renderedDir } : {}),
    stackConfig: { name: stackName, source, values },
  };
}

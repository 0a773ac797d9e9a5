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
import { TEAMS_KEY, type FleetSelection } from './fleet-selection.ts';

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

  /**
   * `modelfleet:teams` and `modelfleet:platformObjects`: the part of the
   * fleet this stack registers (see `fleet-selection.ts`). The whole fleet
   * is planned either way.
   *
   * @default - every team and the platform objects
   */
  readonly selection: FleetSelection;

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
            : name === 'teams'
              ? 'list team names, e.g. ["fraud", "search"], or remove the key to apply every team'
              : name === 'platformObjects'
                ? 'give true or false, or remove the key'
                : 'give a directory, e.g. "rendered", or remove the key to apply to the cluster';
      issues.push({ file: source, path: [key], message: `is empty; ${fix}` });
      continue;
    }
    program[name] = text;
  }
  const selection = readSelection(program.teams, program.platformObjects, source, issues);
  if (issues.length) throw new SpecError(issues);
  return {
    modelsDir: program.models ?? 'models',
    ...(program.renderYamlToDirectory !== undefined ? { renderYamlToDirectory: program.renderYamlToDirectory } : {}),
    ...(program.renderedDir !== undefined ? { renderedDir: program.renderedDir } : {}),
    selection,
    stackConfig: { name: stackName, source, values },
  };
}

const PLATFORM_OBJECTS_KEY = `${CONFIG_NAMESPACE}:platformObjects`;

/**
 * `modelfleet:teams` (a list of distinct team names; whether they are the
 * fleet's is checked once the fleet is loaded, `checkSelectedTeams`) and
 * `modelfleet:platformObjects` (a boolean; default: true without `teams`,
 * false with it, so that a cluster's subset stacks leave the platform objects
 * to the one stack that sets it). A selection that would register nothing is
 * an error: applied, it would delete everything the stack had.
 */
function readSelection(teamsText: string | undefined, platformText: string | undefined, source: string, issues: SpecIssue[]): FleetSelection {
  let teams: string[] | undefined;
  if (teamsText !== undefined) {
    const value = parseConfigValue(teamsText);
    if (!Array.isArray(value)) {
      issues.push({
        file: source,
        path: [TEAMS_KEY],
        message: `must be a list of team names, got ${JSON.stringify(value)}; write a YAML list in the stack file (modelfleet:teams: [fraud, search]) or set items with \`pulumi config set --path 'modelfleet:teams[0]' fraud\``,
      });
    } else {
      teams = [];
      const seen = new Set<string>();
      value.forEach((team: unknown, i) => {
        if (typeof team !== 'string' || team === '') {
          issues.push({ file: source, path: [TEAMS_KEY, i], message: `must be a team name, got ${JSON.stringify(team)}` });
        } else if (seen.has(team)) {
          issues.push({ file: source, path: [TEAMS_KEY, i], message: `lists team ${JSON.stringify(team)} twice; list each team once` });
        } else {
          seen.add(team);
          teams!.push(team);
        }
      });
    }
  }
  let platformObjects = teamsText === undefined;
  if (platformText !== undefined) {
    const value = parseConfigValue(platformText);
    if (typeof value === 'boolean') platformObjects = value;
    else issues.push({ file: source, path: [PLATFORM_OBJECTS_KEY], message: `must be true or false, got ${JSON.stringify(value)}` });
  }
  if (teams !== undefined && teams.length === 0 && !platformObjects && !issues.some((i) => i.path[0] === TEAMS_KEY)) {
    issues.push({
      file: source,
      path: [TEAMS_KEY],
      message: `is an empty list and modelfleet:platformObjects is false, so the stack would register nothing (and an update would delete everything it holds); list teams, set modelfleet:platformObjects: true for a stack of the platform objects alone, or remove the key to apply every team`,
    });
  }
  return { ...(teams !== undefined ? { teams } : {}), platformObjects };
}

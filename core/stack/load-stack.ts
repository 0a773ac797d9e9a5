/**
 * Reads a stack: the embedded default, or `Pulumi.NAME.yaml` from the project root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SpecError, type SpecIssue } from '../errors/spec-issue.ts';
import { displayPath } from '../util/display-path.ts';
import { resolveStack, type StackConfig, type StackDefaults } from './stack-config.ts';

/** The config-key namespace modelfleet reads from `Pulumi.NAME.yaml`. */
export const CONFIG_NAMESPACE = 'modelfleet';

/**
 * Keys of the `modelfleet:` namespace that configure the Pulumi program
 * (`stacks/`), not the stack: where the fleet is, whether to render YAML
 * instead of applying, whether to register a synth output directory
 * instead of synthesizing, and which part of the fleet the stack registers
 * (`teams`, `platformObjects`). The stack ignores them, so `pulumi config set` on
 * them never breaks `modelfleet synth --stack NAME`.
 */
export const PROGRAM_CONFIG_KEYS: readonly string[] = ['models', 'renderYamlToDirectory', 'renderedDir', 'teams', 'platformObjects'];

/** Options for `loadStack`. */
export interface LoadStackOptions {
  /** Stack name; `undefined` for the embedded default stack. */
  readonly name?: string;
  /** Directory holding `Pulumi.NAME.yaml`. @default - the working directory */
  readonly dir?: string;
  /** The platform's defaults the stack file overrides (`policies/default-stack.ts`). */
  readonly defaults: StackDefaults;
}

/**
 * Loads and resolves a stack. Throws `SpecError` with every problem of the
 * stack file when it is missing or invalid.
 */
export function loadStack(options: LoadStackOptions): StackConfig {
  if (options.name === undefined) {
    const { stack, issues } = resolveStack('default', '(embedded default stack)', {}, options.defaults);
    if (!stack) throw new SpecError(issues);
    return stack;
  }
  const dir = options.dir ?? process.cwd();
  const path = join(dir, `Pulumi.${options.name}.yaml`);
  const file = displayPath(path, process.cwd());
  if (!/^[a-zA-Z0-9._-]+$/.test(options.name)) {
    throw new SpecError([{ file: `Pulumi.${options.name}.yaml`, path: [], message: `stack name ${JSON.stringify(options.name)} may only contain letters, digits, ".", "_" and "-"` }]);
  }
  if (!existsSync(path)) {
    throw new SpecError([{ file, path: [], message: `stack file not found; create it (see Pulumi.dev.yaml) or drop --stack to use the embedded default stack` }]);
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SpecError([{ file, path: [], message: `is not valid YAML: ${(error as Error).message.split('\n')[0]}` }]);
  }
  const config = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).config : undefined;
  const overrides: Record<string, unknown> = {};
  const issues: SpecIssue[] = [];
  if (config !== undefined && (config === null || typeof config !== 'object')) {
    issues.push({ file, path: ['config'], message: 'must be a mapping of config keys' });
  } else if (config) {
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
      if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) continue; // other providers' config (kubernetes:context, …)
      const name = key.slice(CONFIG_NAMESPACE.length + 1);
      if (PROGRAM_CONFIG_KEYS.includes(name)) continue; // the Pulumi program's own settings
      overrides[name] = value;
    }
  }
  if (issues.length) throw new SpecError(issues);
  const { stack, issues: stackIssues } = resolveStack(options.name, file, overrides, options.defaults);
  if (!stack) throw new SpecError(stackIssues);
  return stack;
}

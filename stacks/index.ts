/**
 * The Pulumi program (`Pulumi.yaml`: `main: stacks/`). Applies exactly what
 * `modelfleet synth --stack <stack>` renders, where `<stack>` is the Pulumi
 * stack: `Pulumi.<stack>.yaml` is both the Pulumi stack config and the
 * modelfleet stack file.
 *
 * Config comes from Pulumi (`pulumi.runtime.allConfig()`), not from reading
 * the stack file again, so `pulumi config set`, `--config`, ESC environments
 * and `secure:` values count: every `modelfleet:*` key is the stack config
 * (see docs/stack-config.md) except the program's own keys,
 * `modelfleet:models` (the fleet directory relative to the project root,
 * default `models`), `modelfleet:renderYamlToDirectory` (write YAML there
 * through one explicit provider instead of applying; see `render-provider.ts`)
 * `modelfleet:renderedDir` (register the objects of that synth output
 * directory, checked as untrusted data, instead of synthesizing; see
 * `deploy-rendered.ts`), and `modelfleet:teams` / `modelfleet:platformObjects`
 * (register only these teams' objects, and the platform objects or not, so a
 * large fleet is applied as several stacks; see `fleet-selection.ts`).
 *
 * Pulumi calls the default export and uses what it returns as the stack
 * outputs (`FleetOutputs`, or `RenderedFleetOutputs` in rendered-output
 * mode; both say which teams the stack applies). The logic lives in
 * `deploy-fleet.ts` and `deploy-rendered.ts`.
 */
import { isAbsolute, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { deployFleet, synthFailure } from './deploy-fleet.ts';
import { deployRendered } from './deploy-rendered.ts';
import type { FleetOutputs } from './fleet-outputs.ts';
import { readProgramConfig, type ProgramConfig } from './program-config.ts';
import { createRenderProvider, renderDirectoryForProvider } from './render-provider.ts';
import type { RenderedFleetOutputs } from './rendered-fleet-outputs.ts';

/** The stack outputs: from the plan, or (rendered-output mode) read back from the registered objects. */
export type ProgramOutputs = FleetOutputs | RenderedFleetOutputs;

/**
 * The directory of `Pulumi.yaml`. Not the working directory: with
 * `main: stacks/`, Pulumi runs the program in `stacks/`. The CLI tells the
 * SDK the root; without the CLI (mocks) the SDK returns a placeholder, and
 * the root is this folder's parent.
 */
function projectRoot(): string {
  const root = pulumi.runtime.getRootDirectory();
  return isAbsolute(root) ? root : resolve(import.meta.dirname, '..');
}

/**
 * The placement this stack deployed last: its own `placement` output, read
 * through a StackReference to itself (`undefined` on the first apply). Mocks
 * without an organization have no stack to read.
 */
async function previousPlacement(): Promise<unknown> {
  let organization: string;
  try {
    organization = pulumi.getOrganization();
  } catch {
    return undefined;
  }
  const self = new pulumi.StackReference(`${organization}/${pulumi.getProject()}/${pulumi.getStack()}`);
  return self.getOutputValue('placement');
}

/** Runs the program; returns the stack outputs. */
export default async function main(): Promise<ProgramOutputs> {
  let config: ProgramConfig;
  try {
    config = readProgramConfig(pulumi.runtime.allConfig(), pulumi.getStack());
  } catch (error) {
    throw synthFailure(error);
  }
  const root = projectRoot();
  const render = config.renderYamlToDirectory;
  // Render mode: one explicit provider for every resource; otherwise the default provider (`kubernetes:*` config).
  const provider = render !== undefined ? { provider: () => createRenderProvider(renderDirectoryForProvider(render, root, process.cwd())) } : {};
  if (config.renderedDir !== undefined) {
    // Rendered-output mode: the directory is untrusted; the stack and the teams come from this checkout.
    const { outputs } = await deployRendered({
      renderedDir: config.renderedDir,
      modelsDir: config.modelsDir,
      stackConfig: config.stackConfig,
      selection: config.selection,
      cwd: root,
      ...provider,
    });
    return outputs;
  }
  const { outputs } = await deployFleet({
    modelsDir: config.modelsDir,
    stackName: config.stackConfig.name,
    stackConfig: config.stackConfig,
    cwd: root,
    previousPlacement: previousPlacement,
    selection: config.selection,
    ...provider,
  });
  return outputs;
}

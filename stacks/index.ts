/**
 * The Pulumi program (`Pulumi.yaml`: `main: stacks/`). Applies exactly what
 * `modelfleet synth --stack <stack>` renders, where `<stack>` is the Pulumi
 * stack: `Pulumi.<stack>.yaml` is both the Pulumi stack config and the
 * modelfleet stack file.
 *
 * Config: `modelfleet:models`, the fleet directory relative to the project
 * root (default `models`).
 *
 * Pulumi calls the default export and uses what it returns as the stack
 * outputs (`FleetOutputs`). The logic lives in `deploy-fleet.ts`.
 */
import { isAbsolute, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { deployFleet } from './deploy-fleet.ts';
import type { FleetOutputs } from './fleet-outputs.ts';

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

/** Runs the program; returns the stack outputs. */
export default async function main(): Promise<FleetOutputs> {
  const config = new pulumi.Config('modelfleet');
  const { outputs } = await deployFleet({
    modelsDir: config.get('models') ?? 'models',
    stackName: pulumi.getStack(),
    cwd: projectRoot(),
  });
  return outputs;
}

/**
 * The rendered-output mode of the Pulumi program (`modelfleet:renderedDir`):
 * register the objects of a synth output directory, such as a pull request's
 * artifact, instead of synthesizing the fleet. The directory is data nobody
 * vouches for; every object is checked against what the program's own
 * checkout (the default branch) trusts before anything is registered.
 */
import { gatewayNamespaces } from '../core/stack/gateways.ts';
import { isAbsolute, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { SpecError, formatIssues } from '../core/errors/spec-issue.ts';
import { loadFleet } from '../core/loader/load-fleet.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { resolvePlatformStack } from '../policies/default-stack.ts';
import { advisoryViolations } from '../policies/rules/run-platform-rules.ts';
import { synthFailure } from './deploy-fleet.ts';
import type { StackConfigValues } from './program-config.ts';
import { checkSelectedTeams, concernsSelection, selectFleet, WHOLE_FLEET, type FleetSelection } from './fleet-selection.ts';
import { FleetRegistrationError, registerFleet, type RegisteredObject } from './register-fleet.ts';
import { renderedFleetOutputs, type RenderedFleetOutputs } from './rendered-fleet-outputs.ts';
import { readRenderedOutput, type RenderedOutput } from './rendered-output.ts';

/** Arguments of `deployRendered`. */
export interface DeployRenderedArgs {
  /** The synth output directory (`modelfleet:renderedDir`), relative to `cwd` or absolute. */
  readonly renderedDir: string;

  /**
   * The trusted fleet directory (`modelfleet:models`), relative to `cwd`: its
   * teams are the namespaces objects may live in.
   */
  readonly modelsDir: string;

  /** The stack's `modelfleet:*` config values, from Pulumi's config (see `readProgramConfig`). */
  readonly stackConfig: StackConfigValues;

  /**
   * Directory `renderedDir` and `modelsDir` are resolved against (the project root).
   *
   * @default - the working directory
   */
  readonly cwd?: string;

  /**
   * Kubernetes provider for every resource, or a function that creates it
   * once every object is accepted.
   *
   * @default - the default provider
   */
  readonly provider?: pulumi.ProviderResource | (() => pulumi.ProviderResource);

  /**
   * The part of the fleet to register (`modelfleet:teams`,
   * `modelfleet:platformObjects`); the whole directory is checked either way.
   * A team the trusted fleet does not declare is an error.
   *
   * @default - every team and the platform objects
   */
  readonly selection?: FleetSelection;
}

/** What `deployRendered` returns. */
export interface DeployedRendered {
  /** The stack outputs. */
  readonly outputs: RenderedFleetOutputs;
  /** Every registered object, in registration order. */
  readonly resources: readonly RegisteredObject[];
}

/** The error for a refused directory: every problem, one a line, then the count. */
function refused(lines: readonly string[], renderedDir: string): pulumi.RunError {
  const n = lines.length;
  return new pulumi.RunError(`${lines.join('\n')}\nmodelfleet: ${n} problem${n === 1 ? '' : 's'} found in the rendered output ${renderedDir}; nothing was applied`);
}

/**
 * Registers the objects of a synth output directory.
 *
 * 1. The stack comes from Pulumi's config, as in the normal mode.
 * 2. The teams come from the trusted fleet (`modelsDir` of the program's own
 *    checkout, loaded with `loadFleet`), never from the directory: a pull
 *    request that adds a team is previewed once the team is on the default
 *    branch (a team is a platform change: a namespace, a quota, a budget).
 * 3. `readRenderedOutput` reads `manifests/*.yaml` and refuses anything the
 *    fleet would not render (see its documentation); every refusal names the
 *    file and the object, all are reported together, and nothing is
 *    registered.
 * 4. `selectFleet` keeps the selected teams' objects (by their namespace,
 *    never by the file they are in) and the platform objects if the stack
 *    owns them; `registerFleet` registers them as the same typed resources
 *    as the normal mode. No previous placement is read: without a trusted plan,
 *    every VirtualService waits for every shard it routes to (the first-apply
 *    order), and no shard waits for a route.
 *
 * There is no lockfile check: the directory holds no lockfile to compare,
 * and the pull request's workflow synthesized it with `--frozen-lockfile`.
 *
 * @throws pulumi.RunError listing every problem (the stack config, the trusted fleet, or the directory)
 */
export async function deployRendered(args: DeployRenderedArgs): Promise<DeployedRendered> {
  const cwd = args.cwd ?? process.cwd();
  const dir = isAbsolute(args.renderedDir) ? args.renderedDir : resolve(cwd, args.renderedDir);
  let stack: StackConfig;
  let teams: readonly TeamSpec[];
  let models: readonly { name: string; team: string }[];
  try {
    const { name, values, source } = args.stackConfig;
    stack = resolvePlatformStack(name, values, source);
    ({ teams, models } = await loadFleet(args.modelsDir, { cwd }));
    checkSelectedTeams(args.selection ?? WHOLE_FLEET, teams, source, `${args.modelsDir}/teams.ts`);
  } catch (error) {
    throw synthFailure(error);
  }
  let output: RenderedOutput;
  try {
    output = readRenderedOutput(dir, { stack, teams, models, shownAs: args.renderedDir });
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    throw refused(formatIssues(error.issues).split('\n'), args.renderedDir);
  }
  // The whole directory is checked (rules judge every team together, as synth does); the stack registers its part.
  const selected = selectFleet(output.manifests, args.selection ?? WHOLE_FLEET, teams);
  // Advisory rule violations: warnings in the preview, as in the normal mode.
  for (const issue of advisoryViolations(output.rules)) if (concernsSelection(issue.file, selected)) pulumi.log.warn(`advisory rule: ${formatIssues([issue])}`);
  const provider = typeof args.provider === 'function' ? args.provider() : args.provider;
  let resources: RegisteredObject[];
  // readRenderedOutput refuses all that registerFleet checks, so this never throws for an accepted directory; should it, it is reported the same way.
  try {
    resources = registerFleet(selected.manifests, {
      ...(provider ? { provider } : {}),
      externalNamespaces: gatewayNamespaces(stack, teams.map((t) => t.name)),
      externalPriorityClasses: selected.externalPriorityClasses,
    });
  } catch (error) {
    if (!(error instanceof FleetRegistrationError)) throw error;
    throw refused(error.problems, args.renderedDir);
  }
  return { outputs: renderedFleetOutputs(selected.manifests, args.renderedDir, selected), resources };
}

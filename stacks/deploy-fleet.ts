/**
 * What the Pulumi program does, short of reading its config: synthesize the
 * fleet exactly as `modelfleet synth` does, register every object (or, with
 * a selection, the selected teams' and the platform objects if the stack
 * owns them), and compute the stack outputs.
 */
import { gatewayNamespaces } from '../core/stack/gateways.ts';
import * as pulumi from '@pulumi/pulumi';
import { synthFleet, type SynthFleetOptions, type SynthResult } from '../constructs/synth-fleet.ts';
import { SpecError, formatIssues } from '../core/errors/spec-issue.ts';
import { advisoryViolations } from '../policies/rules/run-platform-rules.ts';
import { planRoutes } from '../core/plan/route-table.ts';
import { asPlacement, routeSwitchOrder } from '../core/plan/route-switch.ts';
import { fleetOutputs, type FleetOutputs } from './fleet-outputs.ts';
import { checkSelectedTeams, concernsSelection, selectFleet, WHOLE_FLEET, type FleetSelection } from './fleet-selection.ts';
import { registerFleet, type RegisteredObject } from './register-fleet.ts';

/** Arguments of `deployFleet`. */
export interface DeployFleetArgs {
  /** Fleet directory, relative to `cwd`. */
  readonly modelsDir: string;

  /**
   * Stack whose `Pulumi.<stackName>.yaml` configures pools, tiers and routing
   * (as `modelfleet synth --stack <stackName>`).
   *
   * @default - the embedded default stack
   */
  readonly stackName?: string;

  /**
   * The stack's `modelfleet:*` config values (see `readProgramConfig`),
   * resolved instead of reading `Pulumi.<stackName>.yaml`. The program
   * always gives them: inside Pulumi the config is Pulumi's, which may differ
   * from the file (`--config`, ESC environments, `secure:` values).
   *
   * @default - read `Pulumi.<stackName>.yaml`
   */
  readonly stackConfig?: SynthFleetOptions['stackConfig'];

  /**
   * Directory `modelsDir` and `Pulumi.<stackName>.yaml` are resolved against
   * and file names in messages are relative to.
   *
   * @default - the working directory
   */
  readonly cwd?: string;

  /**
   * Kubernetes provider for every resource, or a function that creates it:
   * called only once the fleet is synthesized and the lockfile is current,
   * so a run that fails registers nothing, not even the provider.
   *
   * @default - the default provider
   */
  readonly provider?: pulumi.ProviderResource | (() => pulumi.ProviderResource);

  /**
   * The placement the last apply deployed (its `placement` output), for the
   * make-before-break order of routes and shards (`routeSwitchOrder()`).
   * `undefined` (a first apply, or an output of another shape) orders every
   * route after every shard it sends traffic to.
   *
   * @default - none
   */
  readonly previousPlacement?: () => Promise<unknown>;

  /**
   * The part of the fleet to register (`modelfleet:teams`,
   * `modelfleet:platformObjects`); the whole fleet is synthesized and checked
   * either way. A team the fleet does not declare is an error.
   *
   * @default - every team and the platform objects
   */
  readonly selection?: FleetSelection;
}

/** What `deployFleet` returns. */
export interface DeployedFleet {
  /** The stack outputs. */
  readonly outputs: FleetOutputs;
  /** Every registered object, in registration order. */
  readonly resources: readonly RegisteredObject[];
}

/**
 * Turns a synth failure into a `pulumi.RunError`, which Pulumi reports
 * without a stack trace: the `FILE: FIELD: message` lines `synth` prints,
 * then the count. Any other error is returned unchanged.
 */
export function synthFailure(error: unknown): unknown {
  if (!(error instanceof SpecError)) return error;
  const n = error.issues.length;
  return new pulumi.RunError(`${formatIssues(error.issues)}\nmodelfleet: ${n} problem${n === 1 ? '' : 's'} found; nothing was applied`);
}

/**
 * Synthesizes the fleet with `synthFleet` (the pipeline `modelfleet synth`
 * runs), registers the rendered objects of the selection (`selectFleet`;
 * every object by default) with `registerFleet` and returns the stack
 * outputs. Throws `pulumi.RunError` listing every problem when the fleet or
 * the stack config is invalid or breaks a rule (rules judge the whole fleet,
 * whatever the selection), when the selection names a team the fleet does not
 * declare, or when the committed placement lockfile is missing or out of date
 * (as `synth --frozen-lockfile`); nothing is registered then.
 */
export async function deployFleet(args: DeployFleetArgs): Promise<DeployedFleet> {
  let result: SynthResult;
  try {
    result = await synthFleet({
      modelsDir: args.modelsDir,
      ...(args.stackName !== undefined ? { stackName: args.stackName } : {}),
      ...(args.stackConfig !== undefined ? { stackConfig: args.stackConfig } : {}),
      ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
    });
  } catch (error) {
    throw synthFailure(error);
  }
  const selection = args.selection ?? WHOLE_FLEET;
  try {
    const source = args.stackConfig?.source ?? (args.stackName !== undefined ? `Pulumi.${args.stackName}.yaml` : '(embedded default stack)');
    checkSelectedTeams(selection, result.planned.fleet.teams, source, `${args.modelsDir}/teams.ts`);
  } catch (error) {
    throw synthFailure(error);
  }
  const selected = selectFleet(result.manifests, selection, result.planned.fleet.teams);
  // Apply only a reviewed placement: the committed lockfile must be exactly what synth produces.
  const { lockfile, diff } = result;
  if (lockfile.previous?.text !== lockfile.text) {
    const what = lockfile.previous
      ? `is out of date: synth would change the placement (${diff.added.length} added, ${diff.removed.length} removed, ${diff.moved.length} moved)`
      : 'not found';
    const stackName = args.stackConfig?.name ?? args.stackName;
    const command = `npx modelfleet synth${stackName !== undefined ? ` --stack ${stackName}` : ''}`;
    throw new pulumi.RunError(`${lockfile.shownAs}: -: ${what}; run \`${command}\` and commit the lockfile, so that what is applied is what was reviewed`);
  }
  // Advisory rule violations: warnings in the preview, as synth prints them; those on another stack's manifests in that stack's.
  for (const issue of advisoryViolations(result.rules)) if (concernsSelection(issue.file, selected)) pulumi.log.warn(`advisory rule: ${formatIssues([issue])}`);
  // Stale prices, a production stack without tenant authentication: warnings in the preview, as synth prints them.
  for (const issue of result.warnings) pulumi.log.warn(`stack: ${formatIssues([issue])}`);
  // The very objects behind synth's manifest files.
  const provider = typeof args.provider === 'function' ? args.provider() : args.provider;
  const previous = args.previousPlacement ? asPlacement(await args.previousPlacement()) : undefined;
  const routeOrder = previous ? routeSwitchOrder(previous, result.planned.plan, planRoutes(result.planned.plan)) : undefined;
  const selectedNamespaces = new Set(result.planned.fleet.teams.filter((t) => selected.teams.includes(t.name)).map((t) => t.namespace));
  // Moves of this stack's teams (a copy never changes team; `from` is `namespace/shard`).
  for (const move of (routeOrder?.unordered ?? []).filter((m) => selectedNamespaces.has(m.from.split('/')[0]!))) {
    pulumi.log.warn(
      `make before break: copy ${move.copy} moves from ${move.from} to ${move.to}, but ${move.from} also gains copies that route ${move.route} waits for, so it cannot wait for the route to switch; requests for ${move.copy} may fail between ${move.from}'s rollout and the switch. To avoid it, apply the move in two steps (see docs/routing.md)`,
    );
  }
  const resources = registerFleet(selected.manifests, {
    ...(provider ? { provider } : {}),
    ...(routeOrder ? { routeOrder } : {}),
    externalNamespaces: gatewayNamespaces(result.planned.stack, result.planned.fleet.teams.map((t) => t.name)),
    externalPriorityClasses: selected.externalPriorityClasses,
  });
  return { outputs: fleetOutputs(result.planned, selected), resources };
}

/**
 * Which part of the fleet a stack applies (`modelfleet:teams`,
 * `modelfleet:platformObjects`): pure, so tests check it without Pulumi.
 *
 * A large fleet can be applied as several Pulumi stacks in parallel, each
 * registering some teams. Every stack still plans the whole fleet (placement,
 * lockfile, quota and budget rules are computed as one fleet); the selection
 * only decides which of the rendered objects the stack registers:
 *
 * - a team's objects: its Namespace and every object in its namespace,
 *   whichever manifest file holds them (a rendered-output directory is
 *   untrusted, so ownership is read from the object, never from the file);
 * - the platform objects: everything else, which is what `_cluster.yaml`
 *   holds: the tiers' PriorityClasses (cluster-scoped) and, with
 *   `modelfleet:auth`, the ingress gateway's authentication objects in the
 *   gateway's namespace. Exactly one stack of a cluster registers them.
 */
import { SpecError, type SpecIssue } from '../core/errors/spec-issue.ts';
import { suggest } from '../core/spec/zod-issues.ts';
import { closestNames } from '../core/util/closest-names.ts';
import type { FleetManifest, KubeObject } from '../constructs/render-fleet.ts';

/** What a stack registers: the program keys `modelfleet:teams` and `modelfleet:platformObjects`, resolved. */
export interface FleetSelection {
  /**
   * `modelfleet:teams`: the teams whose objects the stack registers, as
   * configured (checked against the fleet by `checkSelectedTeams`).
   *
   * @default - every team of the fleet
   */
  readonly teams?: readonly string[];

  /**
   * `modelfleet:platformObjects`: whether the stack registers the platform
   * objects (PriorityClasses, the ingress gateway's authentication).
   * Resolved by `readProgramConfig`: true without `modelfleet:teams`, false
   * with it, unless set.
   */
  readonly platformObjects: boolean;
}

/** The whole fleet: what a stack without `modelfleet:teams` registers. */
export const WHOLE_FLEET: FleetSelection = { platformObjects: true };

/** A team as the selection needs it. */
export interface SelectableTeam {
  readonly name: string;
  readonly namespace: string;
}

/** What `selectFleet` returns. */
export interface SelectedFleet {
  /** The objects the stack registers, per manifest file, in file order; files left without objects are dropped. */
  readonly manifests: readonly FleetManifest[];
  /** The teams whose objects are registered, sorted. */
  readonly teams: readonly string[];
  /** Whether the platform objects are registered. */
  readonly platformObjects: boolean;
  /**
   * Names of the fleet's PriorityClasses this stack does not register (the
   * platform stack does): workloads that name one depend on nothing for it,
   * since Pulumi cannot depend on another stack's resources.
   */
  readonly externalPriorityClasses: readonly string[];
}

/** The config key of the team selection, as messages name it. */
export const TEAMS_KEY = 'modelfleet:teams';

/**
 * Checks that every team of `modelfleet:teams` is a team of the fleet.
 *
 * @param source - the stack config as messages name it (`Pulumi.prod.yaml`)
 * @param teamsFile - where the fleet's teams are declared, for the fix (`models/teams.ts`)
 * @throws SpecError naming the key, the value, the fleet's teams and the closest name
 */
export function checkSelectedTeams(selection: FleetSelection, teams: readonly SelectableTeam[], source: string, teamsFile: string): void {
  if (selection.teams === undefined) return;
  const known = teams.map((t) => t.name).sort();
  const names = new Set(known);
  const issues: SpecIssue[] = [];
  selection.teams.forEach((team, i) => {
    if (names.has(team)) return;
    const hint = suggest(team, known);
    const list = known.length <= 20 ? `its teams are ${known.join(', ')}` : `it has ${known.length} teams; the closest are ${closestNames(team, known, 8).join(', ')}`;
    issues.push({
      file: source,
      path: [TEAMS_KEY, i],
      message: `${JSON.stringify(team)} is not a team of the fleet${hint ? ` (did you mean "${hint}"?)` : ''}; ${list}. List teams ${teamsFile} declares, or remove the key to apply every team`,
    });
  });
  if (issues.length) throw new SpecError(issues);
}

const isNamespace = (o: KubeObject) => o.apiVersion === 'v1' && o.kind === 'Namespace';
const isPriorityClass = (o: KubeObject) => o.apiVersion === 'scheduling.k8s.io/v1' && o.kind === 'PriorityClass';

/**
 * The team an object belongs to: the team whose namespace it lives in (or
 * is, for a Namespace); `undefined` for a platform object.
 */
export function teamOf(object: KubeObject, teamOfNamespace: ReadonlyMap<string, string>): string | undefined {
  const ns = object.metadata.namespace;
  if (ns !== undefined) return teamOfNamespace.get(ns);
  return isNamespace(object) ? teamOfNamespace.get(object.metadata.name) : undefined;
}

/**
 * The objects a stack registers under `selection`. Without `teams` and with
 * the platform objects, `manifests` unchanged (the whole fleet, exactly as
 * before selections existed).
 *
 * @param teams - the fleet's teams (their namespaces decide which objects are a team's)
 */
export function selectFleet(manifests: readonly FleetManifest[], selection: FleetSelection, teams: readonly SelectableTeam[]): SelectedFleet {
  const selected = selection.teams === undefined ? teams.map((t) => t.name) : [...new Set(selection.teams)];
  selected.sort();
  if (selection.teams === undefined && selection.platformObjects) {
    return { manifests, teams: selected, platformObjects: true, externalPriorityClasses: [] };
  }
  const teamOfNamespace = new Map(teams.map((t) => [t.namespace, t.name]));
  const wanted = new Set(selected);
  const external: string[] = [];
  const out: FleetManifest[] = [];
  for (const manifest of manifests) {
    const objects = manifest.objects.filter((o) => {
      const team = teamOf(o, teamOfNamespace);
      const keep = team === undefined ? selection.platformObjects : wanted.has(team);
      if (!keep && isPriorityClass(o)) external.push(o.metadata.name);
      return keep;
    });
    if (objects.length) out.push(objects.length === manifest.objects.length ? manifest : { ...manifest, objects });
  }
  return { manifests: out, teams: selected, platformObjects: selection.platformObjects, externalPriorityClasses: external.sort() };
}

/**
 * Whether a rule issue concerns what the stack registers, so that each
 * advisory warning shows in the preview of the one stack that applies the
 * object: an issue on `manifests/<team>.yaml` only for a selected team,
 * on `manifests/_cluster.yaml` only for the stack with the platform
 * objects; an issue on any other file (a declaration, `teams.ts`) always.
 */
export function concernsSelection(file: string, selected: SelectedFleet): boolean {
  const match = /^manifests\/(.+)\.yaml$/.exec(file);
  if (!match) return true;
  const base = match[1]!;
  return base.startsWith('_') ? selected.platformObjects : selected.teams.includes(base);
}

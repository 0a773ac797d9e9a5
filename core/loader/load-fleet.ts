/**
 * Loads a fleet from disk: `<models>/teams.ts` and `<models>/<team>/*.ts`.
 *
 * The files are TypeScript that the fleet's authors wrote, so they run boxed:
 * `declaration-evaluator.ts` imports them in a child process with an empty
 * environment, a time limit and a memory limit, one after the other, and
 * sends back their exports as data. This module validates that data with the
 * schemas: every declaration is stamped with its file, and every problem of
 * every file is collected and thrown together as one `SpecError`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatPath, SpecError, type SpecIssue } from '../errors/spec-issue.ts';
import { validateModel, type ModelSpec } from '../spec/model-spec.ts';
import { validateTeam, type TeamSpec } from '../spec/team-spec.ts';
import { describeValue, suggest } from '../spec/zod-issues.ts';
import { byKey, compareStrings } from '../util/compare.ts';
import { displayPath } from '../util/display-path.ts';
import { evaluateDeclarations, type FileEvaluation } from './declaration-evaluator.ts';
import { DEFAULT_DECLARATION_LIMITS } from './declaration-limits.ts';

/** A loaded, validated fleet. */
export interface Fleet {
  /** Teams sorted by name. */
  readonly teams: readonly TeamSpec[];
  /** Models sorted by team, then name. */
  readonly models: readonly ModelSpec[];
}

/** Options for `loadFleet`. */
export interface LoadFleetOptions {
  /** Directory displayed paths are relative to, and the declarations' working directory. @default - the working directory */
  readonly cwd?: string;
  /**
   * Seconds the whole fleet may take to load (`modelfleet:declarations.timeoutSeconds`).
   *
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Heap of the process that runs the declarations, in MiB (`modelfleet:declarations.memoryMb`).
   *
   * @default 2048
   */
  readonly memoryMb?: number;
}

/**
 * Runs a validation of a declaration. A declaration is the fleet's own code: a
 * getter or a proxy in it can throw while it is read, which becomes a problem
 * of that declaration instead of a crash.
 */
function guarded<T>(validate: () => { spec?: T; issues: SpecIssue[] }, file: string, path: readonly (string | number)[]): { spec?: T; issues: SpecIssue[] } {
  try {
    return validate();
  } catch (error) {
    const what = error instanceof Error ? `${error.name}: ${String(error.message).split('\n')[0]}` : describeValue(error);
    return { issues: [{ file, path: [...path], message: `reading the declaration threw ${what}; declare plain values (no getter or proxy that throws)` }] };
  }
}

/**
 * The declarations of a default export: its entries (holes kept) when it is an
 * array, else itself. An array proxy that throws when read is a problem of the
 * file (added to `issues`, and undefined returned).
 */
function entriesOf(exported: unknown, file: string, issues: SpecIssue[]): unknown[] | undefined {
  if (!Array.isArray(exported)) return [exported];
  const { spec, issues: found } = guarded(() => ({ spec: exported.slice(), issues: [] }), file, []);
  issues.push(...found);
  return spec;
}

function isTsSource(name: string): boolean {
  return name.endsWith('.ts') && !name.endsWith('.d.ts');
}

/**
 * Loads and validates every declaration under `modelsDir`.
 *
 * @throws SpecError with every problem found, each naming its file and field
 */
export async function loadFleet(modelsDir: string, options: LoadFleetOptions = {}): Promise<Fleet> {
  const { fleet, issues } = await collectFleet(modelsDir, options);
  if (issues.length) throw new SpecError(issues);
  return fleet;
}

/**
 * Like `loadFleet`, but returns the valid part of the fleet together with the
 * problems instead of throwing, so later stages can report their problems of
 * the valid declarations in the same run.
 */
export async function collectFleet(modelsDir: string, options: LoadFleetOptions = {}): Promise<{ fleet: Fleet; issues: SpecIssue[] }> {
  const cwd = options.cwd ?? process.cwd();
  const root = resolve(cwd, modelsDir);
  const rootShown = displayPath(root, cwd);
  const issues: SpecIssue[] = [];
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    return { fleet: { teams: [], models: [] }, issues: [{ file: rootShown, path: [], message: 'models directory not found; pass --models DIR or create models/teams.ts' }] };
  }

  // Discover files (sorted, so the order on disk never matters).
  const teamsFile = join(root, 'teams.ts');
  const entries = readdirSync(root, { withFileTypes: true }).sort(byKey((e) => e.name));
  const modelFiles: { abs: string; folder: string }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const abs = join(root, entry.name);
    if (entry.isDirectory()) {
      const files = readdirSync(abs).filter(isTsSource).sort(compareStrings);
      for (const f of files) modelFiles.push({ abs: join(abs, f), folder: entry.name });
    } else if (isTsSource(entry.name) && entry.name !== 'teams.ts') {
      issues.push({ file: displayPath(abs, cwd), path: [], message: `model files belong in a team folder; move it to ${rootShown}/<team>/${entry.name}` });
    }
  }

  // Evaluate every file in the box, teams.ts first, one after the other: a file that never returns,
  // exhausts the memory or ends the process stops the load, and is named.
  const hasTeams = existsSync(teamsFile);
  const paths = [...(hasTeams ? [teamsFile] : []), ...modelFiles.map((f) => f.abs)];
  const evaluation = await evaluateDeclarations(paths, {
    cwd,
    root,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_DECLARATION_LIMITS.timeoutSeconds,
    memoryMb: options.memoryMb ?? DEFAULT_DECLARATION_LIMITS.memoryMb,
  });
  const { stop } = evaluation;
  if (stop) {
    const notLoaded = paths.length - (stop.index ?? -1) - 1;
    const rest = notLoaded > 0 ? ` (${notLoaded} file${notLoaded === 1 ? ' was' : 's were'} not loaded after it)` : '';
    issues.push({ file: stop.index === undefined ? rootShown : displayPath(paths[stop.index]!, cwd), path: [], message: `${stop.message}${rest}` });
  }
  /** What the file at `paths[index]` gave, or undefined when the load stopped before or at it. */
  const outcome = (index: number): FileEvaluation | undefined => (stop && (stop.index === undefined || index >= stop.index) ? undefined : evaluation.files[index]);
  const teamsImport = hasTeams ? outcome(0) : undefined;
  const loaded = modelFiles.map((f, i) => ({ ...f, evaluation: outcome(i + (hasTeams ? 1 : 0)) }));

  // Teams.
  const teams: TeamSpec[] = [];
  /** Names of teams declared but invalid: their problems are reported in teams.ts, not as unknown folders. */
  const invalidTeamNames: string[] = [];
  const teamsShown = displayPath(teamsFile, cwd);
  if (!hasTeams) {
    issues.push({ file: teamsShown, path: [], message: 'not found; declare the fleet\'s teams: export default [defineTeam({ name, quota: { gpu, cpu, memory } })]' });
  } else if (teamsImport?.kind === 'failed') {
    issues.push({ file: teamsShown, path: [], message: `failed to load: ${teamsImport.reason}` });
  } else if (teamsImport?.kind === 'loaded') {
    const shown = teamsShown;
    const exported = teamsImport.value;
    if (exported === undefined) {
      issues.push({ file: shown, path: [], message: 'has no default export; end it with `export default [defineTeam({...}), ...]`' });
    } else {
      const list = entriesOf(exported, shown, issues);
      // `[]` (or only holes, `[,]`): without this, every model folder would pass as a declared team.
      if (list && !list.some(() => true)) {
        issues.push({ file: shown, path: [], message: 'declares no teams; export default [defineTeam({ name, quota: { gpu, cpu, memory } }), ...] with one team per model folder' });
      }
      list?.forEach((value, i) => {
        const prefix = Array.isArray(exported) ? [i] : [];
        const { spec, issues: found } = guarded(() => validateTeam(value, shown, prefix), shown, prefix);
        issues.push(...found);
        if (!spec) {
          const declared = guarded(() => ({ spec: (value as { name?: unknown } | null)?.name, issues: [] }), shown, prefix).spec;
          if (typeof declared === 'string') invalidTeamNames.push(declared);
          return;
        }
        const twin = teams.find((t) => t.name === spec.name);
        if (twin) issues.push({ file: shown, path: [...prefix, 'name'], message: `team "${spec.name}" is declared twice (also at ${JSON.stringify(twin.pathPrefix)}); declare each team once` });
        else teams.push(spec);
      });
    }
  }
  const teamNames = teams.map((t) => t.name);

  // Models.
  const models: ModelSpec[] = [];
  const byName = new Map<string, ModelSpec>();
  for (const f of loaded) {
    const shown = displayPath(f.abs, cwd);
    if (!f.evaluation) continue; // not loaded: the load stopped at or before it, and that is reported
    if (f.evaluation.kind === 'failed') {
      issues.push({ file: shown, path: [], message: `failed to load: ${f.evaluation.reason}` });
      continue;
    }
    const exported = f.evaluation.value;
    if (exported === undefined) {
      const named = f.evaluation.names;
      issues.push({
        file: shown,
        path: [],
        message: `has no default export${named.length ? ` (found named export${named.length > 1 ? 's' : ''} ${named.join(', ')})` : ''}; end it with \`export default defineModel({...})\``,
      });
      continue;
    }
    if (teams.length && !teamNames.includes(f.folder) && !invalidTeamNames.includes(f.folder)) {
      const hint = suggest(f.folder, teamNames);
      const folder = JSON.stringify(f.folder);
      issues.push({
        file: shown,
        path: ['team'],
        message: `folder ${folder} is not a team declared in ${displayPath(teamsFile, cwd)}${hint ? ` (did you mean "${hint}"?)` : ''}; add defineTeam({ name: ${folder}, … }) or move the file to an existing team's folder (${teamNames.join(', ')})`,
      });
      continue;
    }
    const list = entriesOf(exported, shown, issues);
    if (!list) continue;
    if (Array.isArray(exported) && list.length === 0) {
      issues.push({ file: shown, path: [], message: `exports an empty array; export one defineModel({...}) or an array of them` });
    }
    list.forEach((value, i) => {
      const prefix = Array.isArray(exported) ? [i] : [];
      if (typeof value === 'function') {
        issues.push({ file: shown, path: prefix, message: 'expected a model declaration made with defineModel({...}), got a function; export the result of defineModel({...}), not a function that returns it' });
        return;
      }
      if (value === null || typeof value !== 'object') {
        issues.push({ file: shown, path: prefix, message: `expected a model declaration made with defineModel({...}), got ${describeValue(value)}; end the file with \`export default defineModel({...})\`` });
        return;
      }
      const { spec, issues: found } = guarded(() => validateModel(value, shown, f.folder, prefix), shown, prefix);
      issues.push(...found);
      if (!spec) return;
      const twin = byName.get(spec.name);
      if (twin) {
        const where = twin.file === shown ? `at ${formatPath([...twin.pathPrefix, 'name'])} in this file` : `in ${twin.file}`;
        issues.push({
          file: shown,
          path: [...prefix, 'name'],
          message: `model "${spec.name}" is already declared ${where}; model names are unique across the fleet (they name Triton models and routes), so rename one`,
        });
        return;
      }
      byName.set(spec.name, spec);
      models.push(spec);
    });
  }
  // A trusted caller is admitted to the copies of the tenants it lists: each must be a tenant of a model of its team.
  if (issues.length === 0) {
    for (const team of teams) {
      const known = [...new Set(models.filter((m) => m.team === team.name).flatMap((m) => (m.tenants ?? []).map((t) => t.name)))].sort(compareStrings);
      for (const { principal, tenants } of team.callers.trusted) {
        for (const tenant of tenants.filter((t) => !known.includes(t))) {
          const hint = suggest(tenant, known);
          issues.push({
            file: team.file,
            path: [...team.pathPrefix, 'callers', 'trusted'],
            message: `tenant ${JSON.stringify(tenant)} of ${principal} is not a tenant of any model of team ${team.name}${hint ? ` (did you mean "${hint}"?)` : ''}; a trusted caller reaches only the copies of the tenants it lists, so name tenants of the team's models${known.length ? ` (${known.join(', ')})` : ' (the team has no tenanted model)'}`,
          });
        }
      }
    }
  }
  if (issues.length === 0 && models.length === 0) {
    issues.push({ file: rootShown, path: [], message: `the fleet declares no models; add ${rootShown}/<team>/<model>.ts with export default defineModel({...})` });
  }
  teams.sort(byKey((t) => t.name));
  models.sort((a, b) => compareStrings(a.team, b.team) || compareStrings(a.name, b.name));
  return { fleet: { teams, models }, issues };
}

/**
 * Loads a fleet from disk: `<models>/teams.ts` and `<models>/<team>/*.ts`.
 *
 * The files are imported with tsx (TypeScript without a build step) in a
 * namespace of their own per load, so reloading a fleet in one process sees
 * fresh modules. Every
 * declaration is stamped with its file; every problem of every file is
 * collected and thrown together as one `SpecError`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { register, type ScopedImport } from 'tsx/esm/api';
import { formatPath, SpecError, type SpecIssue } from '../errors/spec-issue.ts';
import { validateModel, type ModelSpec } from '../spec/model-spec.ts';
import { validateTeam, type TeamSpec } from '../spec/team-spec.ts';
import { describeValue, suggest } from '../spec/zod-issues.ts';
import { byKey, compareStrings } from '../util/compare.ts';
import { displayPath } from '../util/display-path.ts';

/** A loaded, validated fleet. */
export interface Fleet {
  /** Teams sorted by name. */
  readonly teams: readonly TeamSpec[];
  /** Models sorted by team, then name. */
  readonly models: readonly ModelSpec[];
}

/** Options for `loadFleet`. */
export interface LoadFleetOptions {
  /** Directory displayed paths are relative to. @default - the working directory */
  readonly cwd?: string;
}


/** Explains why importing `absFile` failed: a syntax error with its position, or what it threw and where. */
function explainLoadFailure(error: unknown, absFile: string, absDir: string, cwd: string): string {
  // Not String(error): a thrown Object.create(null) has no string form.
  const raw = error instanceof Error ? String(error.message) : typeof error === 'string' ? error : '';
  // esbuild reports "Transform failed with 1 error:\n/abs/file.ts:3:7: ERROR: …": keep the useful line.
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const syntax = lines.find((l) => /ERROR:/.test(l));
  if (syntax) return syntax.replace(/^.*?:(\d+):(\d+): ERROR: /, 'syntax error at line $1, column $2: ');
  const where = error instanceof Error && error.stack ? new RegExp(`${escapeRegExp(absFile)}[^:]*:(\\d+):(\\d+)`).exec(error.stack) : null;
  const fix = 'make the file load without throwing';
  if (!(error instanceof Error)) return `it threw ${describeValue(typeof error === 'string' ? (lines[0] ?? '') : error)} (not an Error); ${fix}`;
  const message = (lines[0] ?? 'unknown error').split(absDir).join(displayPath(absDir, cwd));
  return `it threw ${error.name}${where ? ` at line ${where[1]}` : ''}: ${message}; ${fix}`;
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function importFile(loader: ScopedImport, absPath: string): Promise<{ module?: Record<string, unknown>; error?: unknown }> {
  try {
    const module = (await loader(pathToFileURL(absPath).href, import.meta.url)) as Record<string, unknown>;
    return { module };
  } catch (error) {
    return { error };
  }
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

  // Import every file in one tsx namespace of this load: the fleet's files share fresh module
  // instances (a reload sees edits), and the namespace's hooks are removed once all are imported,
  // so repeated loads in one process do not slow down as hooks pile up.
  const namespace = register({ namespace: randomUUID() });
  let teamsImport: Awaited<ReturnType<typeof importFile>> | undefined;
  let loaded: ({ abs: string; folder: string } & Awaited<ReturnType<typeof importFile>>)[];
  try {
    [teamsImport, loaded] = await Promise.all([
      existsSync(teamsFile) ? importFile(namespace.import, teamsFile) : undefined,
      Promise.all(modelFiles.map(async (f) => ({ ...f, ...(await importFile(namespace.import, f.abs)) }))),
    ]);
  } finally {
    await namespace.unregister();
  }

  // Teams.
  const teams: TeamSpec[] = [];
  /** Names of teams declared but invalid: their problems are reported in teams.ts, not as unknown folders. */
  const invalidTeamNames: string[] = [];
  if (!teamsImport) {
    issues.push({ file: displayPath(teamsFile, cwd), path: [], message: 'not found; declare the fleet\'s teams: export default [defineTeam({ name, quota: { gpu, cpu, memory } })]' });
  } else {
    const shown = displayPath(teamsFile, cwd);
    const { module, error } = teamsImport;
    if (!module) {
      issues.push({ file: shown, path: [], message: `failed to load: ${explainLoadFailure(error, teamsFile, root, cwd)}` });
    } else if (module.default === undefined) {
      issues.push({ file: shown, path: [], message: 'has no default export; end it with `export default [defineTeam({...}), ...]`' });
    } else {
      const list = Array.isArray(module.default) ? module.default : [module.default];
      // `[]` (or only holes, `[,]`): without this, every model folder would pass as a declared team.
      if (!list.some(() => true)) {
        issues.push({ file: shown, path: [], message: 'declares no teams; export default [defineTeam({ name, quota: { gpu, cpu, memory } }), ...] with one team per model folder' });
      }
      list.forEach((value, i) => {
        const prefix = Array.isArray(module.default) ? [i] : [];
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
    if (!f.module) {
      issues.push({ file: shown, path: [], message: `failed to load: ${explainLoadFailure(f.error, f.abs, root, cwd)}` });
      continue;
    }
    const exported = f.module.default;
    if (exported === undefined) {
      const named = Object.keys(f.module).filter((k) => k !== 'default');
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
    const list = Array.isArray(exported) ? exported : [exported];
    if (Array.isArray(exported) && exported.length === 0) {
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
  if (issues.length === 0 && models.length === 0) {
    issues.push({ file: rootShown, path: [], message: `the fleet declares no models; add ${rootShown}/<team>/<model>.ts with export default defineModel({...})` });
  }
  teams.sort(byKey((t) => t.name));
  models.sort((a, b) => compareStrings(a.team, b.team) || compareStrings(a.name, b.name));
  return { fleet: { teams, models }, issues };
}

/**
 * Loads a fleet from disk: `<models>/teams.ts` and `<models>/<team>/*.ts`.
 *
 * Each file is imported with tsx (TypeScript without a build step) in its own
 * namespace, so reloading a fleet in one process sees fresh modules. Every
 * declaration is stamped with its file; every problem of every file is
 * collected and thrown together as one `SpecError`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { SpecError, type SpecIssue } from '../errors/spec-issue.ts';
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
  const raw = error instanceof Error ? error.message : String(error);
  // esbuild reports "Transform failed with 1 error:\n/abs/file.ts:3:7: ERROR: …": keep the useful line.
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const syntax = lines.find((l) => /ERROR:/.test(l));
  if (syntax) return syntax.replace(/^.*?:(\d+):(\d+): ERROR: /, 'syntax error at line $1, column $2: ');
  const where = error instanceof Error && error.stack ? new RegExp(`${escapeRegExp(absFile)}[^:]*:(\\d+):(\\d+)`).exec(error.stack) : null;
  const name = error instanceof Error ? error.name : 'a non-Error value';
  const message = (lines[0] ?? 'unknown error').split(absDir).join(displayPath(absDir, cwd));
  return `it threw ${name}${where ? ` at line ${where[1]}` : ''}: ${message}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function importFile(absPath: string): Promise<{ module?: Record<string, unknown>; error?: unknown }> {
  try {
    const module = (await tsImport(pathToFileURL(absPath).href, import.meta.url)) as Record<string, unknown>;
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

  // Teams.
  const teams: TeamSpec[] = [];
  if (!existsSync(teamsFile)) {
    issues.push({ file: displayPath(teamsFile, cwd), path: [], message: 'not found; declare the fleet\'s teams: export default [defineTeam({ name, quota: { gpu, cpu, memory } })]' });
  } else {
    const shown = displayPath(teamsFile, cwd);
    const { module, error } = await importFile(teamsFile);
    if (!module) {
      issues.push({ file: shown, path: [], message: `failed to load: ${explainLoadFailure(error, teamsFile, root, cwd)}` });
    } else if (module.default === undefined) {
      issues.push({ file: shown, path: [], message: 'has no default export; end it with `export default [defineTeam({...}), ...]`' });
    } else {
      const list = Array.isArray(module.default) ? module.default : [module.default];
      list.forEach((value, i) => {
        const prefix = Array.isArray(module.default) ? [i] : [];
        const { spec, issues: found } = validateTeam(value, shown, prefix);
        issues.push(...found);
        if (!spec) return;
        const twin = teams.find((t) => t.name === spec.name);
        if (twin) issues.push({ file: shown, path: [...prefix, 'name'], message: `team "${spec.name}" is declared twice (also at ${JSON.stringify(twin.pathPrefix)}); declare each team once` });
        else teams.push(spec);
      });
    }
  }
  const teamNames = teams.map((t) => t.name);

  // Models.
  const loaded = await Promise.all(modelFiles.map(async (f) => ({ ...f, ...(await importFile(f.abs)) })));
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
    if (teams.length && !teamNames.includes(f.folder)) {
      const hint = suggest(f.folder, teamNames);
      issues.push({
        file: shown,
        path: ['team'],
        message: `folder "${f.folder}" is not a team declared in ${displayPath(teamsFile, cwd)}${hint ? ` (did you mean "${hint}"?)` : ''}; add defineTeam({ name: "${f.folder}", … }) or move the file to an existing team's folder (${teamNames.join(', ')})`,
      });
      continue;
    }
    const list = Array.isArray(exported) ? exported : [exported];
    if (Array.isArray(exported) && exported.length === 0) {
      issues.push({ file: shown, path: [], message: `exports an empty array; export one defineModel({...}) or an array of them` });
    }
    list.forEach((value, i) => {
      const prefix = Array.isArray(exported) ? [i] : [];
      if (value === null || typeof value !== 'object') {
        issues.push({ file: shown, path: prefix, message: `expected a model declaration made with defineModel({...}), got ${describeValue(value)}` });
        return;
      }
      const { spec, issues: found } = validateModel(value, shown, f.folder, prefix);
      issues.push(...found);
      if (!spec) return;
      const twin = byName.get(spec.name);
      if (twin) {
        issues.push({
          file: shown,
          path: [...prefix, 'name'],
          message: `model "${spec.name}" is already declared in ${twin.file}; model names are unique across the fleet (they name Triton models and routes), so rename one`,
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

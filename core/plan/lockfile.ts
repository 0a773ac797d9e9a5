/**
 * The placement lockfile: which shard every model copy lives in.
 *
 * Committed beside the fleet (`placement.lock.json` for the default stack,
 * `placement.<stack>.lock.json` for a named one), it makes placement stable:
 * `synth` keeps every locked copy where it is, so adding a model moves no
 * other copy and a reviewer reads the real change in the pull request.
 */
import type { SpecIssue } from '../errors/spec-issue.ts';
import { SLA_TIERS, type SlaTier } from '../spec/model-spec.ts';
import { describeValue } from '../spec/zod-issues.ts';
import { compareStrings } from '../util/compare.ts';
import type { ShardPlan } from './shard-plan.ts';

/** Lockfile format version this release reads and writes. */
export const LOCKFILE_VERSION = 1;

/** One shard in the lockfile. */
export interface LockedShard {
  readonly team: string;
  readonly tier: SlaTier;
  readonly pool: string;
  /** Copy ids (`fraud/txn-scorer@acme`), sorted. */
  readonly copies: readonly string[];
}

/** The lockfile's content. */
export interface PlacementLock {
  readonly version: typeof LOCKFILE_VERSION;
  /** Stack the placement was made for. */
  readonly stack: string;
  /** Shards by name. */
  readonly shards: Readonly<Record<string, LockedShard>>;
}

/** File name of the lockfile for a stack (`undefined` = the embedded default stack). */
export function lockfileName(stackName: string | undefined): string {
  return stackName === undefined ? 'placement.lock.json' : `placement.${stackName}.lock.json`;
}

/** The lock that records `plan`. */
export function lockFromPlan(plan: ShardPlan, stackName: string): PlacementLock {
  const shards: Record<string, LockedShard> = {};
  for (const s of plan.shards) {
    shards[s.name] = { team: s.team, tier: s.tier, pool: s.pool, copies: s.copies.map((c) => c.id).sort(compareStrings) };
  }
  return { version: LOCKFILE_VERSION, stack: stackName, shards };
}

/** Serializes a lock deterministically: shards sorted by name, two-space indent, final newline. */
export function serializeLock(lock: PlacementLock): string {
  const names = Object.keys(lock.shards).sort(compareStrings);
  const shards: Record<string, LockedShard> = {};
  for (const name of names) {
    const s = lock.shards[name]!;
    shards[name] = { team: s.team, tier: s.tier, pool: s.pool, copies: [...s.copies].sort(compareStrings) };
  }
  return `${JSON.stringify({ version: lock.version, stack: lock.stack, shards }, null, 2)}\n`;
}

const SHARD_NAME = /^([a-z][-a-z0-9]*)-(realtime|interactive|batch)-([a-z][-a-z0-9]*)-([1-9][0-9]*)$/;

/** Index of a shard within its (team, tier, pool) group: `fraud-realtime-gpu-l4-3` → 3. */
export function shardIndex(name: string): number | undefined {
  const m = SHARD_NAME.exec(name);
  return m ? Number(m[4]) : undefined;
}

/** Line and column (1-based) of `offset` in `text`. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * Explains why `text` is not JSON: unresolved merge-conflict markers, an empty
 * file, or the parser's reason with its line and column (never the parser's
 * quote of the text, which may span lines).
 */
function explainInvalidJson(text: string, error: Error, fix: string): string {
  const lines = text.split('\n');
  const marker = lines.findIndex((l) => /^(<{7}|={7}|>{7})( |$)/.test(l));
  if (marker >= 0) {
    return `has unresolved merge-conflict markers (line ${marker + 1}: ${JSON.stringify(lines[marker]!.trimEnd())}); resolve the conflict by hand, keeping every copy in one shard, or delete the file and run synth to re-create it (every copy may move)`;
  }
  if (text.trim() === '') return `is empty; delete it and run synth to re-create it (every copy may move)`;
  const first = error.message.split('\n')[0]!;
  // V8: `… in JSON at position 54` (Node 20) or `… (line 5 column 1)` (Node 22); `Unexpected token 'x', "…" is not valid JSON` quotes the text.
  const position = /at position (\d+)/.exec(first);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(first);
  const where = position ? lineAndColumn(text, Number(position[1])) : lineColumn ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) } : undefined;
  const reason = first
    .replace(/, ".*" is not valid JSON$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ \(line \d+ column \d+\)$/, '');
  return `is not valid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''} (${reason}); ${fix}`;
}

/**
 * Parses and checks lockfile text. Problems name `file` and the JSON path;
 * copies that are no longer in the fleet are not problems (they were removed).
 */
export function parseLock(text: string, file: string): { lock?: PlacementLock; issues: SpecIssue[] } {
  const fix = 'fix it by hand, or delete the file and run synth to re-create it (every copy may move)';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { issues: [{ file, path: [], message: explainInvalidJson(text, error as Error, fix) }] };
  }
  const issues: SpecIssue[] = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return { issues: [{ file, path: [], message: `expected an object {"version", "stack", "shards"}, got ${describeValue(doc)}; ${fix}` }] };
  }
  const raw = doc as Record<string, unknown>;
  if (raw.version !== LOCKFILE_VERSION) {
    const newer = typeof raw.version === 'number' && raw.version > LOCKFILE_VERSION ? 'upgrade modelfleet (a newer release wrote it), or ' : '';
    issues.push({
      file,
      path: ['version'],
      message: `is ${describeValue(raw.version)}; this modelfleet reads version ${LOCKFILE_VERSION} only; ${newer}delete the file and run synth to re-create it (every copy may move)`,
    });
  }
  if (typeof raw.stack !== 'string') {
    issues.push({ file, path: ['stack'], message: `expected the stack name as a string, got ${describeValue(raw.stack)}; set it to the stack the placement was made for ("default" without --stack), or delete the file and run synth to re-create it (every copy may move)` });
  }
  if (!raw.shards || typeof raw.shards !== 'object' || Array.isArray(raw.shards)) {
    issues.push({ file, path: ['shards'], message: `expected an object of shard name → {team, tier, pool, copies}, got ${describeValue(raw.shards)}; ${fix}` });
    return { issues };
  }
  const shards: Record<string, LockedShard> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(raw.shards as Record<string, unknown>)) {
    const at = (...p: (string | number)[]) => ['shards', name, ...p];
    const v = value as Record<string, unknown> | null;
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      issues.push({ file, path: at(), message: `expected {team, tier, pool, copies}, got ${describeValue(value)}; ${fix}` });
      continue;
    }
    const { team, tier, pool, copies } = v;
    const before = issues.length;
    if (typeof team !== 'string') issues.push({ file, path: at('team'), message: `expected the team name as a string, got ${describeValue(team)}; ${fix}` });
    if (typeof pool !== 'string') issues.push({ file, path: at('pool'), message: `expected the pool name as a string, got ${describeValue(pool)}; ${fix}` });
    if (!SLA_TIERS.includes(tier as SlaTier)) {
      issues.push({ file, path: at('tier'), message: `${describeValue(tier)} is not a tier; use one of ${SLA_TIERS.map((t) => JSON.stringify(t)).join(', ')}; ${fix}` });
    }
    if (issues.length > before || typeof team !== 'string' || typeof pool !== 'string') continue;
    const m = SHARD_NAME.exec(name);
    if (!m || `${team}-${String(tier)}-${pool}-${m[4]}` !== name) {
      issues.push({ file, path: at(), message: `shard name does not match its team, tier and pool (expected ${team}-${String(tier)}-${pool}-<n>); ${fix}` });
      continue;
    }
    if (!Array.isArray(copies) || !copies.every((c) => typeof c === 'string')) {
      issues.push({ file, path: at('copies'), message: `expected a list of copy ids like "${team}/model@tenant", got ${describeValue(copies)}; ${fix}` });
      continue;
    }
    copies.forEach((id: string, i) => {
      const twin = seen.get(id);
      if (twin) issues.push({ file, path: at('copies', i), message: `copy ${JSON.stringify(id)} is also locked in ${twin}; a copy lives in one shard: keep one of them, or delete the file and run synth to re-create it (every copy may move)` });
      else seen.set(id, name);
      if (!id.startsWith(`${team}/`)) issues.push({ file, path: at('copies', i), message: `copy ${JSON.stringify(id)} does not belong to team ${team}; ${fix}` });
    });
    shards[name] = { team, tier: tier as SlaTier, pool, copies: [...(copies as string[])] };
  }
  if (issues.length) return { issues };
  return { lock: { version: LOCKFILE_VERSION, stack: raw.stack as string, shards }, issues: [] };
}

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

/**
 * Parses and checks lockfile text. Problems name `file` and the JSON path;
 * copies that are no longer in the fleet are not problems (they were removed).
 */
export function parseLock(text: string, file: string): { lock?: PlacementLock; issues: SpecIssue[] } {
  const fix = 'fix the conflict by hand, or delete the file and run synth to re-create it (every copy may move)';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { issues: [{ file, path: [], message: `is not valid JSON (${(error as Error).message}); ${fix}` }] };
  }
  const issues: SpecIssue[] = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { issues: [{ file, path: [], message: `expected an object {"version", "stack", "shards"}; ${fix}` }] };
  const raw = doc as Record<string, unknown>;
  if (raw.version !== LOCKFILE_VERSION) {
    issues.push({ file, path: ['version'], message: `is ${JSON.stringify(raw.version)}; this modelfleet reads version ${LOCKFILE_VERSION}; ${fix}` });
  }
  if (typeof raw.stack !== 'string') issues.push({ file, path: ['stack'], message: `expected the stack name as a string, got ${JSON.stringify(raw.stack)}` });
  if (!raw.shards || typeof raw.shards !== 'object' || Array.isArray(raw.shards)) {
    issues.push({ file, path: ['shards'], message: `expected an object of shard name → {team, tier, pool, copies}; ${fix}` });
    return { issues };
  }
  const shards: Record<string, LockedShard> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(raw.shards as Record<string, unknown>)) {
    const at = (...p: (string | number)[]) => ['shards', name, ...p];
    const v = value as Record<string, unknown> | null;
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      issues.push({ file, path: at(), message: `expected {team, tier, pool, copies}` });
      continue;
    }
    const { team, tier, pool, copies } = v;
    if (typeof team !== 'string' || typeof pool !== 'string' || !SLA_TIERS.includes(tier as SlaTier)) {
      issues.push({ file, path: at(), message: `needs string team and pool and a tier of ${SLA_TIERS.join(', ')}; ${fix}` });
      continue;
    }
    const m = SHARD_NAME.exec(name);
    if (!m || `${team}-${String(tier)}-${pool}-${m[4]}` !== name) {
      issues.push({ file, path: at(), message: `shard name does not match its team, tier and pool (expected ${team}-${String(tier)}-${pool}-<n>); ${fix}` });
      continue;
    }
    if (!Array.isArray(copies) || !copies.every((c) => typeof c === 'string')) {
      issues.push({ file, path: at('copies'), message: `expected an array of copy ids like "${team}/model@tenant"` });
      continue;
    }
    copies.forEach((id: string, i) => {
      const twin = seen.get(id);
      if (twin) issues.push({ file, path: at('copies', i), message: `copy ${id} is also locked in ${twin}; a copy lives in one shard; ${fix}` });
      else seen.set(id, name);
      if (!id.startsWith(`${team}/`)) issues.push({ file, path: at('copies', i), message: `copy ${id} does not belong to team ${team}; ${fix}` });
    });
    shards[name] = { team, tier: tier as SlaTier, pool, copies: [...(copies as string[])] };
  }
  if (issues.length) return { issues };
  return { lock: { version: LOCKFILE_VERSION, stack: raw.stack as string, shards }, issues: [] };
}

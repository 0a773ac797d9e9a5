/**
 * What a change does to placement: copies added, removed and moved, shards
 * created and deleted, between the committed lockfile and the new plan. Shown
 * by `synth` and in `summary.md`, so a reviewer sees exactly what moves.
 */
import { compareStrings } from '../util/compare.ts';
import type { PlacementLock } from './lockfile.ts';
import type { PlanEviction } from './shard-plan.ts';

/** A copy that changed shard. */
export interface CopyMove {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Why the packer moved it, when it said (`ShardPlan.evictions`). */
  readonly reason?: PlanEviction['reason'];
}

/** The reason of a move, in words. */
export function describeMoveReason(reason: PlanEviction['reason']): string {
  return reason === 'serving' ? 'with it its shard would need more than maxReplicas at peak' : 'its shard no longer holds it';
}

/** A copy that appeared or disappeared, with its shard. */
export interface CopyPlacement {
  readonly id: string;
  readonly shard: string;
}

/** The difference between two placements. */
export interface PlacementDiff {
  /** Whether there was a previous placement at all. */
  readonly hadLock: boolean;
  readonly added: readonly CopyPlacement[];
  readonly removed: readonly CopyPlacement[];
  readonly moved: readonly CopyMove[];
  readonly shardsCreated: readonly string[];
  readonly shardsDeleted: readonly string[];
  /** Existing shards whose list of copies changed (their pods roll). */
  readonly shardsChanged: readonly string[];
}

function locate(lock: PlacementLock | undefined): Map<string, string> {
  const where = new Map<string, string>();
  for (const [name, shard] of Object.entries(lock?.shards ?? {})) for (const id of shard.copies) where.set(id, name);
  return where;
}

/**
 * Computes the diff from `previous` (the committed lockfile, if any) to
 * `next`; `evictions` (the plan's) give moved copies their reason.
 */
export function diffPlacement(previous: PlacementLock | undefined, next: PlacementLock, evictions: readonly PlanEviction[] = []): PlacementDiff {
  const reasons = new Map(evictions.map((e) => [e.id, e.reason]));
  const before = locate(previous);
  const after = locate(next);
  const added: CopyPlacement[] = [];
  const removed: CopyPlacement[] = [];
  const moved: CopyMove[] = [];
  for (const [id, shard] of after) {
    const was = before.get(id);
    if (was === undefined) added.push({ id, shard });
    else if (was !== shard) {
      const reason = reasons.get(id);
      moved.push({ id, from: was, to: shard, ...(reason ? { reason } : {}) });
    }
  }
  for (const [id, shard] of before) if (!after.has(id)) removed.push({ id, shard });
  const oldShards = new Set(Object.keys(previous?.shards ?? {}));
  const newShards = new Set(Object.keys(next.shards));
  const changed = new Set<string>();
  for (const c of added) if (oldShards.has(c.shard)) changed.add(c.shard);
  for (const c of removed) if (newShards.has(c.shard)) changed.add(c.shard);
  for (const m of moved) {
    if (oldShards.has(m.to)) changed.add(m.to);
    if (newShards.has(m.from)) changed.add(m.from);
  }
  const byId = (a: { id: string }, b: { id: string }) => compareStrings(a.id, b.id);
  return {
    hadLock: previous !== undefined,
    added: added.sort(byId),
    removed: removed.sort(byId),
    moved: moved.sort(byId),
    shardsCreated: [...newShards].filter((s) => !oldShards.has(s)).sort(compareStrings),
    shardsDeleted: [...oldShards].filter((s) => !newShards.has(s)).sort(compareStrings),
    shardsChanged: [...changed].sort(compareStrings),
  };
}

/** Whether the diff changes anything. */
export function isEmptyDiff(diff: PlacementDiff): boolean {
  return diff.added.length + diff.removed.length + diff.moved.length + diff.shardsCreated.length + diff.shardsDeleted.length === 0;
}

/** One line per move: `fraud/txn-scorer@acme: fraud-realtime-gpu-l4-3 → fraud-realtime-gpu-l4-1`, with the reason when known. */
export function formatMove(move: CopyMove): string {
  return `${move.id}: ${move.from} → ${move.to}${move.reason ? ` (${describeMoveReason(move.reason)})` : ''}`;
}

/** The short form `synth` prints; lists at most `limit` moves. */
export function consoleDiff(diff: PlacementDiff, limit = 20): string {
  if (!diff.hadLock) return `placement: no lockfile yet; ${diff.added.length} copies placed in ${diff.shardsCreated.length} shards`;
  if (isEmptyDiff(diff)) return 'placement: unchanged';
  const lines = [
    `placement: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.moved.length} moved; shards: ${diff.shardsCreated.length} created, ${diff.shardsDeleted.length} deleted, ${diff.shardsChanged.length} changed`,
  ];
  for (const m of diff.moved.slice(0, limit)) lines.push(`  moved ${formatMove(m)}`);
  if (diff.moved.length > limit) lines.push(`  … ${diff.moved.length - limit} more moves (see summary.md)`);
  return lines.join('\n');
}

/** The `## Placement changes` section of `summary.md`. */
export function markdownDiff(diff: PlacementDiff): string {
  const out = ['## Placement changes', ''];
  if (!diff.hadLock) {
    out.push(`No lockfile yet: ${diff.added.length} copies placed in ${diff.shardsCreated.length} new shards. The lockfile records them from now on.`, '');
    return out.join('\n');
  }
  if (isEmptyDiff(diff)) {
    out.push('No copy moves; no shard is created or deleted.', '');
    return out.join('\n');
  }
  out.push(
    `**${diff.added.length}** added, **${diff.removed.length}** removed, **${diff.moved.length}** moved. Shards: ${diff.shardsCreated.length} created, ${diff.shardsDeleted.length} deleted, ${diff.shardsChanged.length} changed (their pods roll).`,
    '',
  );
  const section = (title: string, rows: readonly string[]) => {
    if (!rows.length) return;
    out.push(`<details><summary>${title} (${rows.length})</summary>`, '', ...rows.map((r) => `- ${r}`), '', '</details>', '');
  };
  section('Moved copies', diff.moved.map((m) => `\`${m.id}\`: ${m.from} → ${m.to}${m.reason ? ` (${describeMoveReason(m.reason)})` : ''}`));
  section('Added copies', diff.added.map((c) => `\`${c.id}\` → ${c.shard}`));
  section('Removed copies', diff.removed.map((c) => `\`${c.id}\` (was in ${c.shard})`));
  section('Shards created', diff.shardsCreated);
  section('Shards deleted', diff.shardsDeleted);
  return out.join('\n');
}

import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { expandCopies } from '../../core/plan/expand-copies.ts';
import { lockFromPlan } from '../../core/plan/lockfile.ts';
import { rebalance } from '../../core/plan/rebalance.ts';
import { packShards } from '../../core/packer/pack-shards.ts';
import { validateModel, type ModelSpec } from '../../core/spec/model-spec.ts';
import { resolveStack } from '../../core/stack/stack-config.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';

const stack = resolveStack('default', '(embedded default stack)', {}, DEFAULT_STACK).stack!;
const tenants = (names: readonly number[]) => names.map((i) => `t${String(i).padStart(3, '0')}`);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function model(tenantIds: readonly number[], peakQps?: number): ModelSpec {
  const { spec, issues } = validateModel(
    { name: 'scorer', framework: 'onnx', tier: 'realtime', memory: '1Gi', gpuMemory: '4Gi', artifact: 's3://ml-models/m/{tenant}', tenants: tenants(tenantIds), ...(peakQps ? { peakQps } : {}) },
    'models/fraud/scorer.ts',
    'fraud',
  );
  if (!spec) throw new Error(formatIssues(issues));
  return spec;
}

/** A fleet that shrank: 32 copies in 8 shards, then every other tenant left; the lock keeps the holes. */
function drifted() {
  const full = packShards(expandCopies([model(range(32))]), { stack }).plan!;
  expect(full.shards).toHaveLength(8); // 4 × 4Gi per 16.1Gi shard
  const survivors = range(32).filter((i) => i % 2 === 0);
  const copies = expandCopies([model(survivors)]);
  const locked = packShards(copies, { stack, lock: lockFromPlan(full, 'default') }).plan!;
  expect(locked.shards).toHaveLength(8); // nothing moves on removal
  return { copies, current: lockFromPlan(locked, 'default'), lowerBound: locked.lowerBound };
}

describe('rebalance', () => {
  it('saves shards, moving only copies of the shards it empties', () => {
    const { copies, current, lowerBound } = drifted();
    const result = rebalance(copies, current, { stack });
    expect(lowerBound).toBe(4);
    expect(result.shardsBefore).toBe(8);
    expect(result.shardsAfter).toBe(4);
    expect(result.moves).toHaveLength(8); // each emptied shard held 2 copies
    // The proposal is a valid placement: synth reproduces it exactly from the new lock.
    const replay = packShards(copies, { stack, lock: result.lock }).plan!;
    expect(lockFromPlan(replay, 'default')).toEqual(result.lock);
    for (const s of replay.shards) expect(s.used.gpuMemory).toBeLessThanOrEqual(s.capacity.gpuMemory);
  });

  it('stays within the move budget, taking partial elimination steps', () => {
    const { copies, current } = drifted();
    const result = rebalance(copies, current, { stack, maxMoves: 5 });
    expect(result.moves.length).toBeLessThanOrEqual(5);
    expect(result.shardsAfter).toBe(6); // two shards of 2 copies each
    expect(rebalance(copies, current, { stack, maxMoves: 1 }).moves).toEqual([]);
  });

  it('never empties a shard into others that could then not serve their peak, nor raises the GPUs at peak', () => {
    // Busy tenants: 3500 requests/s each, so two per shard need 5 replicas (1500 each) and four would need 10, above 8.
    const full = packShards(expandCopies([model(range(32), 3500)]), { stack }).plan!;
    const survivors = range(32).filter((i) => i % 2 === 0);
    const copies = expandCopies([model(survivors, 3500)]);
    const locked = packShards(copies, { stack, lock: lockFromPlan(full, 'default') }).plan!;
    const peak = (shards: readonly { serving: { replicas: number } }[]) => shards.reduce((n, s) => n + s.serving.replicas, 0);
    const result = rebalance(copies, lockFromPlan(locked, 'default'), { stack });
    const replay = packShards(copies, { stack, lock: result.lock }).plan!;
    expect(replay.evictions).toEqual([]);
    expect(lockFromPlan(replay, 'default')).toEqual(result.lock);
    expect(peak(replay.shards)).toBeLessThanOrEqual(peak(locked.shards));
    for (const s of replay.shards) expect(s.serving.replicas).toBeLessThanOrEqual(8);
  });

  it('changes nothing on an optimal placement', () => {
    const plan = packShards(expandCopies([model(range(16))]), { stack }).plan!;
    const result = rebalance(expandCopies([model(range(16))]), lockFromPlan(plan, 'default'), { stack });
    expect(result.moves).toEqual([]);
    expect(result.shardsAfter).toBe(result.shardsBefore);
  });
});

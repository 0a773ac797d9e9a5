/**
 * Placement stability: with a lockfile, adding copies moves none, removing
 * copies moves none, and an overflowing shard gives up only the copies it must.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { expandCopies } from '../../core/plan/expand-copies.ts';
import { lockFromPlan, parseLock, serializeLock } from '../../core/plan/lockfile.ts';
import { diffPlacement } from '../../core/plan/placement-diff.ts';
import type { ShardPlan } from '../../core/plan/shard-plan.ts';
import { packShards } from '../../core/packer/pack-shards.ts';
import type { ModelSpec } from '../../core/spec/model-spec.ts';
import { resolveStack } from '../../core/stack/stack-config.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';
import { model, tenants } from '../support/model-fixture.ts';

const stack = resolveStack('default', '(embedded default stack)', {}, DEFAULT_STACK).stack!;


const where = (plan: ShardPlan) => new Map(plan.shards.flatMap((s) => s.copies.map((c) => [c.id, s.name] as const)));
const pack = (models: ModelSpec[], lock?: ReturnType<typeof lockFromPlan>, s = stack) =>
  packShards(expandCopies(models), { stack: s, ...(lock ? { lock } : {}) }).plan!;

const declArb = fc.record({
  team: fc.constantFrom('fraud', 'search'),
  tier: fc.constantFrom('realtime', 'batch'),
  gpuMiB: fc.option(fc.integer({ min: 256, max: 12_000 }), { nil: undefined }),
  memMiB: fc.integer({ min: 256, max: 12_000 }),
  cpuM: fc.integer({ min: 50, max: 3_000 }),
  tenants: fc.integer({ min: 0, max: 20 }),
});
type Decl = typeof declArb extends fc.Arbitrary<infer T> ? T : never;
const toModels = (decls: readonly Decl[], offset = 0) =>
  decls.map((d, i) =>
    model(d.team, {
      name: `m${i + offset}`,
      tier: d.tier,
      memory: `${d.memMiB}Mi`,
      cpu: `${d.cpuM}m`,
      ...(d.gpuMiB ? { gpuMemory: `${d.gpuMiB}Mi` } : {}),
      ...(d.tenants ? { tenants: tenants(d.tenants) } : {}),
    }),
  );

describe('packShards with a lockfile', () => {
  test.prop([fc.array(declArb, { minLength: 1, maxLength: 8 }), fc.array(declArb, { minLength: 1, maxLength: 6 })])(
    'adding copies moves no existing copy',
    (before, added) => {
      const base = toModels(before);
      const first = pack(base);
      const lock = lockFromPlan(first, 'default');
      const next = pack([...base, ...toModels(added, 100)], lock);
      const old = where(first);
      const now = where(next);
      for (const [id, shard] of old) expect(now.get(id)).toBe(shard);
      const diff = diffPlacement(lock, lockFromPlan(next, 'default'));
      expect(diff.moved).toEqual([]);
      expect(diff.removed).toEqual([]);
      expect(diff.shardsDeleted).toEqual([]);
    },
  );

  test.prop([fc.array(declArb, { minLength: 2, maxLength: 8 }), fc.nat()])('removing copies moves none; emptied shards disappear', (decls, seed) => {
    const models = toModels(decls);
    const first = pack(models);
    const lock = lockFromPlan(first, 'default');
    const kept = models.filter((_, i) => (i + seed) % 3 !== 0);
    const next = pack(kept, lock);
    const old = where(first);
    for (const [id, shard] of where(next)) expect(old.get(id)).toBe(shard);
    expect(next.shards.every((s) => s.copies.length > 0)).toBe(true);
    expect(next.shards.length).toBeLessThanOrEqual(first.shards.length);
  });

  it('moves only the copy that outgrew its shard', () => {
    const before = [model('fraud', { name: 'scorer', gpuMemory: '2Gi', tenants: tenants(24) })];
    const first = pack(before);
    const lock = lockFromPlan(first, 'default');
    // One tenant's copy grows to 12Gi: its shard (16Gi of GPU memory after headroom) overflows.
    const grown = [model('fraud', { name: 'scorer', gpuMemory: '2Gi', tenants: { ...Object.fromEntries(tenants(24).map((t) => [t, {}])), t003: { gpuMemory: '12Gi' } } })];
    const next = pack(grown, lock);
    const diff = diffPlacement(lock, lockFromPlan(next, 'default'));
    expect(diff.moved.map((m) => m.id)).toEqual(['fraud/scorer@t003']);
    expect(diff.added).toEqual([]);
  });

  it('when a pool shrinks, moves only the fewest copies needed from the shards that overflow', () => {
    const models = [model('fraud', { name: 'scorer', gpuMemory: '3Gi', tenants: tenants(15) })];
    const first = pack(models);
    const lock = lockFromPlan(first, 'default');
    // The L4 pool's nodes lose 4Gi of GPU memory: every full shard must give up copies.
    const smaller = resolveStack('small', 'Pulumi.small.yaml', {
      pools: {
        'gpu-l4': { kind: 'gpu', memory: '32Gi', gpuMemory: '20Gi', cpu: '8', reserved: { memory: '3Gi', cpu: '500m' } },
        'gpu-a100-80g': { kind: 'gpu', memory: '120Gi', gpuMemory: '80Gi', cpu: '12' },
        'cpu-std': { kind: 'cpu', memory: '64Gi', cpu: '16' },
      },
    }, DEFAULT_STACK).stack!;
    const next = pack(models, lock, smaller);
    const diff = diffPlacement(lock, lockFromPlan(next, 'small'));
    // 16Gi → (20 − 1) × 0.7 = 13.3Gi per shard: 5 copies of 3Gi fit before, 4 after.
    const fullBefore = first.shards.filter((s) => s.copies.length === 5).length;
    expect(diff.moved).toHaveLength(fullBefore);
    for (const s of next.shards) expect(s.used.gpuMemory).toBeLessThanOrEqual(s.capacity.gpuMemory);
  });

  it('names new shards with the lowest free index of their group', () => {
    const models = [model('fraud', { name: 'scorer', gpuMemory: '8Gi', tenants: tenants(6) })];
    const first = pack(models);
    expect(first.shards.map((s) => s.name)).toEqual(['fraud-realtime-gpu-l4-1', 'fraud-realtime-gpu-l4-2', 'fraud-realtime-gpu-l4-3']);
    // Drop the copies of shard 2, then add more: shard 2's name is free again.
    const lock = lockFromPlan(first, 'default');
    const inTwo = new Set(first.shards[1]!.copies.map((c) => c.tenant));
    const fewer = [model('fraud', { name: 'scorer', gpuMemory: '8Gi', tenants: tenants(6).filter((t) => !inTwo.has(t)) })];
    const second = pack(fewer, lock);
    expect(second.shards.map((s) => s.name)).toEqual(['fraud-realtime-gpu-l4-1', 'fraud-realtime-gpu-l4-3']);
    const more = [...fewer, model('fraud', { name: 'other', gpuMemory: '9Gi', tenants: tenants(2, 'n') })];
    const third = pack(more, lockFromPlan(second, 'default'));
    expect(third.shards.map((s) => s.name)).toEqual(['fraud-realtime-gpu-l4-1', 'fraud-realtime-gpu-l4-2', 'fraud-realtime-gpu-l4-3', 'fraud-realtime-gpu-l4-4']);
  });

  it('honours maxModelsPerShard and dedicated copies', () => {
    const capped = resolveStack('capped', 'Pulumi.capped.yaml', { tiers: { realtime: { maxModelsPerShard: 4 } } }, DEFAULT_STACK).stack!;
    const plan = pack([model('fraud', { name: 'tiny', gpuMemory: '100Mi', tenants: tenants(10) })], undefined, capped);
    expect(plan.shards.map((s) => s.copies.length)).toEqual([4, 4, 2]);
    expect(plan.lowerBound).toBe(3);
    const dedicated = pack([model('fraud', { name: 'big', gpuMemory: '1Gi', dedicated: true, tenants: tenants(3) }), model('fraud', { name: 'small', gpuMemory: '1Gi', tenants: tenants(2) })]);
    const withBig = dedicated.shards.filter((s) => s.copies.some((c) => c.model === 'big'));
    expect(withBig).toHaveLength(3);
    for (const s of withBig) expect(s.copies).toHaveLength(1);
    expect(dedicated.lowerBound).toBe(4);
  });

  it('places CPU models on GPU pools only when the tier allows it', () => {
    const cpuOnly = [model('fraud', { name: 'rules', cpu: '1' })];
    expect(pack(cpuOnly).shards[0]!.pool).toBe('cpu-std');
    const allow = resolveStack('x', 'Pulumi.x.yaml', { tiers: { realtime: { cpuModelsOnGpuPools: true } } }, DEFAULT_STACK).stack!;
    expect(pack(cpuOnly, undefined, allow).shards[0]!.pool).toBe('gpu-l4');
  });
});

describe('lockfile', () => {
  const plan = pack([model('fraud', { name: 'scorer', gpuMemory: '8Gi', tenants: tenants(3) })]);
  const lock = lockFromPlan(plan, 'default');

  it('round-trips byte for byte', () => {
    const text = serializeLock(lock);
    expect(serializeLock(parseLock(text, 'placement.lock.json').lock!)).toBe(text);
    expect(text).toMatchInlineSnapshot(`
      "{
        "version": 1,
        "stack": "default",
        "shards": {
          "fraud-realtime-gpu-l4-1": {
            "team": "fraud",
            "tier": "realtime",
            "pool": "gpu-l4",
            "copies": [
              "fraud/scorer@t000",
              "fraud/scorer@t001"
            ]
          },
          "fraud-realtime-gpu-l4-2": {
            "team": "fraud",
            "tier": "realtime",
            "pool": "gpu-l4",
            "copies": [
              "fraud/scorer@t002"
            ]
          }
        }
      }
      "
    `);
  });

  it('reports corrupt lockfiles with the field and the fix', () => {
    const issues = (text: string) => formatIssues(parseLock(text, 'placement.lock.json').issues);
    expect(issues('{ "version": 1, ')).toBe(
      'placement.lock.json: -: is not valid JSON at line 1, column 17 (Expected double-quoted property name); fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
    );
    expect(
      issues(
        JSON.stringify({
          version: 1,
          stack: 'default',
          shards: {
            'fraud-realtime-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: ['fraud/a@x', 'search/b'] },
            'fraud-realtime-gpu-l4-2': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: ['fraud/a@x'] },
            'fraud-batch-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: [] },
          },
        }),
      ),
    ).toMatchInlineSnapshot(`
      "placement.lock.json: shards.fraud-realtime-gpu-l4-1.copies[1]: copy "search/b" does not belong to team fraud; fix it by hand, or delete the file and run synth to re-create it (every copy may move)
      placement.lock.json: shards.fraud-realtime-gpu-l4-2.copies[0]: copy "fraud/a@x" is also locked in fraud-realtime-gpu-l4-1; a copy lives in one shard: keep one of them, or delete the file and run synth to re-create it (every copy may move)
      placement.lock.json: shards.fraud-batch-gpu-l4-1: shard name does not match its team, tier and pool (expected fraud-realtime-gpu-l4-<n>); fix it by hand, or delete the file and run synth to re-create it (every copy may move)"
    `);
    expect(issues('{"version": 2, "stack": "default", "shards": {}}')).toContain('version: is 2; this modelfleet reads version 1');
  });
});

import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { formatIssues } from '../../core/errors/spec-issue.ts';
import { expandCopies } from '../../core/plan/expand-copies.ts';
import { packShards } from '../../core/packer/pack-shards.ts';
import { resolveStack, shardCapacity } from '../../core/stack/stack-config.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';
import { model, tenants } from '../support/model-fixture.ts';

const stack = resolveStack('default', '(embedded default stack)', {}, DEFAULT_STACK).stack!;
const Gi = 2 ** 30;



describe('packShards', () => {
  it('groups by team, tier and pool and names shards <team>-<tier>-<pool>-<n>', () => {
    const models = [
      model('fraud', { name: 'scorer', gpuMemory: '6Gi', tenants: tenants(6) }),
      model('fraud', { name: 'rules', tier: 'batch', cpu: '2', tenants: tenants(3) }),
      model('search', { name: 'ranker', tier: 'interactive', gpuMemory: '30Gi' }),
    ];
    const { plan, issues } = packShards(expandCopies(models), { stack });
    expect(issues).toEqual([]);
    expect(plan!.shards.map((s) => `${s.name}:${s.copies.length}`)).toEqual([
      'fraud-batch-cpu-std-1:3',
      'fraud-realtime-gpu-l4-1:2',
      'fraud-realtime-gpu-l4-2:2',
      'fraud-realtime-gpu-l4-3:2',
      // 30Gi does not fit an L4 (24Gi); the tier's next pool is the A100.
      'search-interactive-gpu-a100-80g-1:1',
    ]);
    const l4 = plan!.shards[1]!;
    expect(l4.capacity).toEqual(shardCapacity(stack.pools[0]!, stack.serverOverhead, 30));
    expect(l4.used.gpuMemory).toBe(12 * Gi);
    expect(plan!.shards.every((s) => s.name.length <= 63)).toBe(true);
    expect(plan!.lowerBound).toBe(5);
  });

  it('names the file and field of a copy that fits no pool', () => {
    const models = [
      model('search', { name: 'llm', gpuMemory: '90Gi' }),
      model('fraud', { name: 'scorer', gpuMemory: '1Gi', tenants: { acme: { memory: '200Gi' }, globex: {} } }),
    ];
    const { plan, issues } = packShards(expandCopies(models), { stack });
    expect(plan).toBeUndefined();
    expect(formatIssues(issues)).toMatchInlineSnapshot(`
      "models/fraud/scorer.ts: tenants.acme.memory: 200Gi (tenant acme) exceeds the largest GPU pool for realtime (gpu-a100-80g: 120Gi host memory, 79.1Gi after server overhead and 30% headroom); reduce it or add a larger pool to the stack
      models/search/llm.ts: gpuMemory: 90Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack"
    `);
  });

  it('keeps every other group\'s shard names and contents when an unrelated model is added', () => {
    const before = [
      model('fraud', { name: 'scorer', gpuMemory: '6Gi', tenants: tenants(9) }),
      model('search', { name: 'ranker', tier: 'interactive', gpuMemory: '3Gi', tenants: tenants(20) }),
    ];
    const after = [
      ...before,
      // Another team, and the same team in another tier: neither may touch the groups above.
      model('search', { name: 'embedder', gpuMemory: '5Gi', tenants: tenants(7) }),
      model('fraud', { name: 'rules', tier: 'batch', gpuMemory: '2Gi', tenants: tenants(40) }),
    ];
    const a = packShards(expandCopies(before), { stack }).plan!;
    const b = packShards(expandCopies(after), { stack }).plan!;
    for (const shard of a.shards) expect(b.shards.find((s) => s.name === shard.name)).toEqual(shard);
    expect(b.shards.length).toBeGreaterThan(a.shards.length);
  });

  const fleetArb = fc.array(
    fc.record({
      team: fc.constantFrom('fraud', 'search', 'recsys'),
      tier: fc.constantFrom('realtime', 'interactive', 'batch'),
      gpuMiB: fc.option(fc.integer({ min: 1, max: 16_000 }), { nil: undefined }),
      memMiB: fc.integer({ min: 1, max: 16_000 }),
      cpuM: fc.integer({ min: 1, max: 4_000 }),
      tenants: fc.integer({ min: 0, max: 12 }),
    }),
    { minLength: 1, maxLength: 12 },
  );

  test.prop([fleetArb, fc.nat()])('places every copy exactly once within capacity, independent of declaration order', (decls, seed) => {
    const models = decls.map((d, i) =>
      model(d.team, {
        name: `m${i}`,
        tier: d.tier,
        memory: `${d.memMiB}Mi`,
        cpu: `${d.cpuM}m`,
        ...(d.gpuMiB ? { gpuMemory: `${d.gpuMiB}Mi` } : {}),
        ...(d.tenants ? { tenants: tenants(d.tenants) } : {}),
      }),
    );
    const copies = expandCopies(models);
    const { plan } = packShards(copies, { stack });
    const placed = plan!.shards.flatMap((s) => s.copies.map((c) => c.id));
    expect(placed.sort()).toEqual(copies.map((c) => c.id).sort());
    for (const s of plan!.shards) {
      for (const k of ['memory', 'gpuMemory', 'cpu'] as const) expect(s.used[k]).toBeLessThanOrEqual(s.capacity[k]);
      expect(new Set(s.copies.map((c) => `${c.team}/${c.tier}`)).size).toBe(1);
    }
    const rotated = [...models.slice(seed % models.length), ...models.slice(0, seed % models.length)].reverse();
    expect(packShards(expandCopies(rotated), { stack }).plan).toEqual(plan);
    expect(plan!.shards.length).toBeGreaterThanOrEqual(plan!.lowerBound);
  });
});

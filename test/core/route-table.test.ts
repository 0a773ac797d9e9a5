import { describe, expect, it } from 'vitest';
import { canaryBuckets, CANARY_BUCKETS, keySpaceRegex, planRoutes, requestIdBelow, rulesPerCopy, type TenantKeySpace } from '../../core/plan/route-table.ts';
import type { ModelCopy, Shard, ShardPlan } from '../../core/plan/shard-plan.ts';

/** A plan with one model whose tenants are spread over shards of `perShard` copies. */
function planWith(tenants: readonly string[], perShard = 50, versionRouting?: ModelCopy['triton']['versionRouting']): ShardPlan {
  const shards: Shard[] = [];
  const sorted = [...tenants].sort();
  for (let i = 0; i < sorted.length; i += perShard) {
    const name = `fraud-realtime-gpu-l4-${shards.length + 1}`;
    shards.push({
      name,
      namespace: 'fraud',
      team: 'fraud',
      tier: 'realtime',
      pool: 'gpu-l4',
      capacity: { memory: 1, gpuMemory: 1, cpu: 1 },
      used: { memory: 0, gpuMemory: 0, cpu: 0 },
      copies: sorted.slice(i, i + perShard).map(
        (t) =>
          ({
            id: `fraud/m@${t}`,
            tritonName: `m.${t}`,
            model: 'm',
            tenant: t,
            team: 'fraud',
            tier: 'realtime',
            triton: { optimization: {}, ...(versionRouting ? { versionRouting } : {}) },
          }) as unknown as ModelCopy,
      ),
      minReplicas: 2,
      maxReplicas: 8,
      serving: { replicas: 2, utilization: 0, batches: [] },
      gpusPerReplica: 1,
    });
  }
  return { shards, groups: [], lowerBound: 0, gpusAtPeakLowerBound: 0, evictions: [] };
}

/** Does the full-match RE2-style pattern (no RE2-only syntax here) match `value`? */
const fullMatch = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`, 's').test(value);

/** Random strings over an alphabet that includes name characters and others. */
function* samples(n: number): Generator<string> {
  const alphabet = 'abcdeflmxyz0189-_A.';
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  yield '';
  for (let i = 0; i < n; i++) {
    const len = next() % 6;
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

describe('planRoutes', () => {
  it('keeps a small model in one VirtualService named after the model, whose 404 covers every header value', () => {
    const [routes] = planRoutes(planWith(['acme', 'globex']));
    expect(routes!.parts.map((p) => p.name)).toEqual(['m']);
    expect(routes!.parts[0]!.copies.map((c) => [c.tenant, c.shard, c.tritonName])).toEqual([
      ['acme', 'fraud-realtime-gpu-l4-1', 'm.acme'],
      ['globex', 'fraud-realtime-gpu-l4-1', 'm.globex'],
    ]);
    expect(keySpaceRegex(routes!.parts[0]!.keySpace!)).toBe('.*');
  });

  it('splits a large model into parts whose key spaces partition every header value', () => {
    const tenants = Array.from({ length: 1200 }, (_, i) => `t${(i * 7919) % 100000}`).concat(['acme', 'a', 'ab', 'zeta', '9lives']);
    const [routes] = planRoutes(planWith(tenants), 256);
    const parts = routes!.parts;
    expect(parts.length).toBeGreaterThan(4);
    expect(parts.map((p) => p.name)).toEqual(parts.map((_, i) => (i === 0 ? 'm' : `m.part-${i + 1}`)));
    // Every part fits: (256 - 2 404 rules) / 2 rules per tenant.
    for (const p of parts) expect(p.copies.length).toBeLessThanOrEqual(127);
    // Every tenant is routed exactly once, and its own part's key space holds it.
    const seen = new Map<string, number>();
    parts.forEach((p, i) => p.copies.forEach((c) => seen.set(c.tenant!, i)));
    expect(seen.size).toBe(new Set(tenants).size);
    const regexes = parts.map((p) => keySpaceRegex(p.keySpace as TenantKeySpace));
    for (const [tenant, i] of seen) expect(regexes.map((r) => fullMatch(r, tenant))).toEqual(regexes.map((_, j) => j === i));
    // Any other header value, valid name or not, falls in exactly one part.
    for (const value of samples(3000)) expect(regexes.filter((r) => fullMatch(r, value)), JSON.stringify(value)).toHaveLength(1);
  });

  it('gives canaried models fewer tenants per part (four rules per tenant)', () => {
    expect(rulesPerCopy(undefined)).toBe(2);
    expect(rulesPerCopy({ stable: 3 })).toBe(3);
    expect(rulesPerCopy({ stable: 3, canary: { version: 4, weight: 10 } })).toBe(4);
    const tenants = Array.from({ length: 300 }, (_, i) => `tenant-${i}`);
    const [routes] = planRoutes(planWith(tenants, 50, { stable: 3, canary: { version: 4, weight: 10 } }), 256);
    for (const p of routes!.parts) expect(p.copies.length).toBeLessThanOrEqual(63);
    expect(routes!.parts[0]!.copies[0]!.versions).toEqual({ stable: 3, canary: { version: 4, weight: 10 } });
  });

  it('is deterministic whatever the order of shards', () => {
    const plan = planWith(Array.from({ length: 500 }, (_, i) => `c${i}`));
    const reversed = { ...plan, shards: [...plan.shards].reverse() };
    expect(planRoutes(reversed, 64)).toEqual(planRoutes(plan, 64));
  });
});

describe('canary request-id buckets', () => {
  it('selects exactly canaryBuckets(weight) of the 4096 three-hex-digit prefixes', () => {
    for (const weight of [1, 5, 10, 25, 33, 50, 90, 99]) {
      const buckets = canaryBuckets(weight);
      const pattern = requestIdBelow(buckets);
      let hits = 0;
      for (let b = 0; b < CANARY_BUCKETS; b++) {
        const id = `${b.toString(16).padStart(3, '0')}4a1c2-0000-4000-8000-000000000000`;
        const hit = fullMatch(pattern, id);
        expect(hit, `${weight}% bucket ${b}`).toBe(b < buckets);
        if (hit) hits++;
      }
      expect(hits).toBe(buckets);
      expect(Math.abs((100 * buckets) / CANARY_BUCKETS - weight)).toBeLessThan(0.0125);
    }
  });

  it('rejects bucket counts outside 1..4095', () => {
    expect(() => requestIdBelow(0)).toThrow(/1\.\.4095/);
    expect(() => requestIdBelow(4096)).toThrow(/1\.\.4095/);
  });
});

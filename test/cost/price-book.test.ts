/**
 * The price book and budgets in the stack (`modelfleet:pools.<pool>.price`,
 * `modelfleet:cost`; their schema errors are in test/core/stack-config.test.ts): a pool that
 * runs replicas without a price and a budget for an unknown team fail synth;
 * a stale price warns (judged against `SOURCE_DATE_EPOCH`) without changing
 * a byte of the output; the example stacks carry cited prices.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { pricingDay, stalePriceWarnings } from '../../core/cost/check-prices.ts';
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { readTree, withFleet } from '../support/fleet-dir.ts';
import { runCliProcess } from '../support/run-cli.ts';

const POOL = 'modelfleet:pools:\n    cpu-std: { kind: cpu, memory: 64Gi, cpu: "16", nodeSelector: { modelfleet.io/pool: cpu-std } }\n';

describe('the price book in the stack', () => {
  it('fails synth for a pool that runs replicas without a price, naming the stack key', async () => {
    await withFleet('prices-missing', [], async (dir) => {
      writeFileSync(join(dir, 'Pulumi.t.yaml'), `config:\n  ${POOL}  modelfleet:tiers:\n    realtime: { pools: [cpu-std] }\n    interactive: { pools: [cpu-std] }\n    batch: { pools: [cpu-std] }\n`);
      await withFleet('prices-missing-models', [
        { path: 'teams.ts', content: `import { defineTeam } from 'modelfleet';\nexport default [defineTeam({ name: 'shop', quota: { gpu: 0, cpu: '64', memory: '128Gi' } })];\n` },
        { path: 'shop/ranker.ts', content: `import { defineModel } from 'modelfleet';\nexport default defineModel({ name: 'ranker', framework: 'onnx', tier: 'interactive', artifact: 's3://models/ranker', memory: '1Gi', cpu: '1' });\n` },
      ], async (fleet) => {
        const error = await synthFleet({ modelsDir: join(fleet, 'models'), stackName: 't', cwd: dir }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SpecError);
        const text = formatIssues((error as SpecError).issues);
        expect(text).toMatch(/Pulumi\.t\.yaml: modelfleet:pools\.cpu-std\.price: pool cpu-std runs 1 shard \(shop-interactive-cpu-std-1; up to 6 replicas\) but has no price, .* add price: \{ hourlyUsd: /);
      });
    });
  });

  it('fails synth for a budget that names a team the fleet does not declare, suggesting the closest', async () => {
    await withFleet('prices-budget-team', [], async (dir) => {
      writeFileSync(join(dir, 'Pulumi.t.yaml'), 'config:\n  modelfleet:cost:\n    budgets: { frud: { monthlyUsd: 1000 } }\n');
      const error = await synthFleet({ modelsDir: join(process.cwd(), 'models'), stackName: 't', cwd: dir, ignoreLock: true }).catch((e: unknown) => e);
      expect(formatIssues((error as SpecError).issues)).toMatch(/modelfleet:cost\.budgets\.frud: names team "frud", which the fleet does not declare \(did you mean "fraud"/);
    });
  });

  it('warns about a price older than priceMaxAgeDays, on stderr only: the output is byte-identical', async () => {
    const stack = loadPlatformStack();
    const { planned } = await synthFleet({ modelsDir: 'models', ignoreLock: true });
    expect(stalePriceWarnings(planned.plan, stack, new Date('2026-12-31T00:00:00Z'))).toEqual([]);
    const late = stalePriceWarnings(planned.plan, stack, new Date('2027-02-01T00:00:00Z'));
    expect(late.map((w) => w.path.join('.'))).toEqual(['modelfleet:pools.gpu-l4.price.asOf', 'modelfleet:pools.gpu-a100-80g.price.asOf', 'modelfleet:pools.cpu-std.price.asOf']);
    expect(late[0]!.message).toMatch(/^2026-07-20 is 196 days old \(more than modelfleet:cost\.priceMaxAgeDays 180\); check https:\/\/github\.com\/aws\/karpenter-provider-aws\/.* and update hourlyUsd and asOf$/);
    expect(pricingDay({ SOURCE_DATE_EPOCH: '1800000000' }).toISOString()).toBe('2027-01-15T08:00:00.000Z');

    await withFleet('prices-stale', [], async (dir) => {
      const epoch = String(Date.parse('2027-06-01T00:00:00Z') / 1000);
      const stale = runCliProcess(['synth', '--out', join(dir, 'stale')], process.cwd(), { SOURCE_DATE_EPOCH: epoch });
      const fresh = runCliProcess(['synth', '--out', join(dir, 'fresh')], process.cwd(), { SOURCE_DATE_EPOCH: String(Date.parse('2026-08-01T00:00:00Z') / 1000) });
      expect(stale.code).toBe(0);
      expect(stale.stderr).toContain('warning: (embedded default stack): modelfleet:pools.gpu-l4.price.asOf: 2026-07-20 is 316 days old');
      expect(stale.stderr).toContain('modelfleet: 3 warnings about the stack');
      expect(fresh.stderr).toBe('');
      expect(readTree(join(dir, 'stale'))).toEqual(readTree(join(dir, 'fresh')));
    });
  });

  it('ships example stacks whose every pool has a cited price', () => {
    for (const file of ['Pulumi.dev.yaml', 'Pulumi.prod.yaml']) {
      const pools = (parse(readFileSync(file, 'utf8')) as { config: Record<string, Record<string, { price?: { hourlyUsd: number; source: string; asOf: string } }>> }).config['modelfleet:pools']!;
      for (const [name, pool] of Object.entries(pools)) {
        expect(pool.price, `${file}: ${name}`).toBeDefined();
        expect(pool.price!.source).toMatch(/^https:\/\/github\.com\/aws\/karpenter-provider-aws\/blob\/[0-9a-f]{40}\//);
        expect(pool.price!.asOf).toBe('2026-07-20');
      }
    }
    for (const pool of loadPlatformStack().pools) expect(pool.price?.hourlyUsd, pool.name).toBeGreaterThan(0);
  });
});

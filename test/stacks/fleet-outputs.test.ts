/**
 * The program's stack outputs, computed from the plan without Pulumi.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { fleetTotals } from '../../core/plan/summarize.ts';
import { fleetOutputs } from '../../stacks/fleet-outputs.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('fleetOutputs', () => {
  it('gives shards, GPUs per team at min and max replicas, and the lower bound of the small fleet', async () => {
    const { planned } = await synthFleet({ modelsDir: 'test/stacks/fleet/models', cwd: ROOT });
    // Default stack: gpu-l4 gives 1 GPU per replica; realtime runs 2–8 replicas, batch 1–4, interactive 2–6.
    expect(fleetOutputs(planned)).toEqual({
      shards: {
        'fraud-batch-gpu-l4-1': { team: 'fraud', tier: 'batch', pool: 'gpu-l4', copies: 1 },
        'fraud-realtime-gpu-l4-1': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: 2 },
        'search-interactive-cpu-std-1': { team: 'search', tier: 'interactive', pool: 'cpu-std', copies: 1 },
      },
      gpusRequested: {
        docai: { atMin: 0, atMax: 0 }, // no models
        fraud: { atMin: 1 * 1 + 1 * 2, atMax: 1 * 4 + 1 * 8 },
        search: { atMin: 0, atMax: 0 }, // CPU pool
      },
      lowerBound: 3,
    });
  });

  it('agrees with the totals synth prints on the example fleet', async () => {
    const { planned } = await synthFleet({ modelsDir: 'models', cwd: ROOT });
    const outputs = fleetOutputs(planned);
    const totals = fleetTotals(planned.fleet, planned.plan, planned.stack);
    const teams = Object.values(outputs.gpusRequested);
    expect(Object.keys(outputs.gpusRequested).sort()).toEqual(planned.fleet.teams.map((t) => t.name).sort());
    expect(teams.reduce((n, t) => n + t.atMin, 0)).toBe(totals.gpusAtMin);
    expect(teams.reduce((n, t) => n + t.atMax, 0)).toBe(totals.gpusAtMax);
    expect(Object.keys(outputs.shards)).toHaveLength(totals.shards);
    expect(Object.values(outputs.shards).reduce((n, s) => n + s.copies, 0)).toBe(totals.copies);
    expect(outputs.lowerBound).toBe(totals.lowerBound);
  });
});

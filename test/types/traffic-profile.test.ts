/**
 * `traffic` is typed: a window is two hours, in a field of that exact name.
 * `npm test` runs `tsc` first, so an `@ts-expect-error` that stops erroring fails the run.
 */
import { describe, expect, it } from 'vitest';
import { defineModel } from 'modelfleet';
import { validateModel } from '../../core/spec/model-spec.ts';

const base = { name: 'm', framework: 'onnx', tier: 'realtime', artifact: 's3://bucket/m', memory: '1Gi', peakQps: 100 } as const;

describe('traffic profile types', () => {
  it('accepts a peak window, also one that wraps past midnight', () => {
    expect(defineModel({ ...base, traffic: { peakHoursUtc: [8, 20] } }).traffic).toEqual({ peakHoursUtc: [8, 20] });
    expect(defineModel({ ...base, traffic: { peakHoursUtc: [20, 6] } }).traffic?.peakHoursUtc[0]).toBe(20);
  });

  it('rejects malformed profiles at compile time', () => {
    const bad = [
      // @ts-expect-error — a window has a start and an end
      defineModel({ ...base, traffic: { peakHoursUtc: [8] } }),
      // @ts-expect-error — hours are numbers
      defineModel({ ...base, traffic: { peakHoursUtc: ['08:00', '20:00'] } }),
      // @ts-expect-error — unknown field (typo)
      defineModel({ ...base, traffic: { peakHours: [8, 20] } }),
      // @ts-expect-error — traffic is an object, not a window
      defineModel({ ...base, traffic: [8, 20] }),
    ];
    for (const decl of bad) expect(validateModel(decl, 'models/x/y.ts', 'x').issues.length).toBeGreaterThan(0);
  });
});

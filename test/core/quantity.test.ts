import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { formatBytes, formatMillicores, parseQuantity, toWholeUnits } from '../../core/spec/quantity.ts';

const bytes = (q: unknown) => {
  const p = parseQuantity(q);
  if (!p.ok) throw new Error(p.reason);
  return toWholeUnits(p.value, 1n);
};
const millicores = (q: unknown) => {
  const p = parseQuantity(q);
  if (!p.ok) throw new Error(p.reason);
  return toWholeUnits(p.value, 1000n);
};

describe('parseQuantity', () => {
  it.each([
    ['1500Mi', 1500n * 2n ** 20n],
    ['2Gi', 2n * 2n ** 30n],
    ['1.5Gi', 1610612736n],
    ['1Ki', 1024n],
    ['1Ei', 2n ** 60n],
    ['1k', 1000n],
    ['1M', 1_000_000n],
    ['1G', 1_000_000_000n],
    ['1e3', 1000n],
    ['1E3', 1000n],
    ['128974848', 128974848n],
    [128974848, 128974848n],
    ['0', 0n],
    ['+5', 5n],
    ['.5Ki', 512n],
  ])('parses %s as %s bytes exactly', (input, expected) => {
    expect(bytes(input)).toBe(expected);
  });

  it.each([
    ['250m', 250n],
    ['0.1', 100n],
    ['2', 2000n],
    [0.5, 500n],
    ['1500m', 1500n],
    ['1e-3', 1n],
    ['100000u', 100n],
  ])('parses CPU %s as %s millicores exactly', (input, expected) => {
    expect(millicores(input)).toBe(expected);
  });

  it('rejects quantities finer than the unit', () => {
    expect(millicores('1u')).toBeUndefined();
    expect(millicores('0.0001')).toBeUndefined();
    expect(bytes('100m')).toBeUndefined();
  });

  it.each([
    ['3 gigs', 'expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "3 gigs"'],
    ['2GB', 'expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "2GB"'],
    ['-1Gi', 'must not be negative, got "-1Gi"; remove the "-"'],
    [-3, 'must not be negative, got -3; remove the "-"'],
    [Number.NaN, 'expected a finite number, got NaN; give a quantity such as "2Gi" or "500m" (NaN and Infinity usually come from arithmetic on a missing value)'],
    [Number.POSITIVE_INFINITY, 'expected a finite number, got Infinity; give a quantity such as "2Gi" or "500m" (NaN and Infinity usually come from arithmetic on a missing value)'],
    ['', 'expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got ""'],
    ['1Gi ', 'expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "1Gi "'],
    [true, 'expected a quantity such as "2Gi", "500m" or a number, got boolean true'],
    [undefined, 'is required; give a quantity such as "2Gi" or "500m"'],
  ])('rejects %j', (input, reason) => {
    const p = parseQuantity(input);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toBe(reason);
  });

  test.prop([fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.constantFrom(['Ki', 10n], ['Mi', 20n], ['Gi', 30n])])(
    'binary suffixes are exact powers of two',
    (n, [suffix, shift]) => {
      expect(bytes(`${n}${suffix}`)).toBe(n << shift);
    },
  );

  test.prop([fc.integer({ min: 0, max: 2 ** 40 })])('formatBytes round-trips through parseQuantity', (n) => {
    expect(bytes(formatBytes(n))).toBe(BigInt(n));
  });

  test.prop([fc.integer({ min: 0, max: 10 ** 9 })])('formatMillicores round-trips through parseQuantity', (n) => {
    expect(millicores(formatMillicores(n))).toBe(BigInt(n));
  });
});

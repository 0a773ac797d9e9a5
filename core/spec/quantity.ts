/**
 * Kubernetes resource quantities, parsed exactly.
 *
 * The grammar is the one `k8s.io/apimachinery/pkg/api/resource` accepts:
 * a signed decimal number followed by a binary suffix (`Ki` … `Ei`), a decimal
 * suffix (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a decimal exponent
 * (`1e3`, `5E-2`). Values are kept as exact rationals (bigint numerator and
 * denominator) so `"1.5Gi"` is exactly 1610612736 bytes and `"0.1"` CPU is
 * exactly 100 millicores; nothing goes through floating point.
 */

/** Binary suffixes accepted in a quantity. */
export type BinarySuffix = 'Ki' | 'Mi' | 'Gi' | 'Ti' | 'Pi' | 'Ei';
/** Decimal SI suffixes accepted in a quantity. */
export type DecimalSuffix = 'n' | 'u' | 'm' | 'k' | 'M' | 'G' | 'T' | 'P' | 'E';

/**
 * A Kubernetes quantity as a declaration writes it: a plain number (`2`, `0.5`)
 * or a string such as `"1500Mi"`, `"2Gi"`, `"250m"`, `"1e3"`.
 *
 * The template-literal type makes editors reject obvious mistakes such as
 * `"3 gigs"`; the run-time parser is the authority.
 */
export type Quantity = number | `${number}` | `${number}${BinarySuffix | DecimalSuffix}` | `${number}e${number}` | `${number}E${number}`;

/** An exact non-negative rational value. */
export interface ExactValue {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY: Record<BinarySuffix, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

const DECIMAL_EXPONENT: Record<DecimalSuffix, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d{1,3}))?$/;

/** Result of parsing a quantity: the exact value, or why it is not one. */
export type QuantityParse = { readonly ok: true; readonly value: ExactValue } | { readonly ok: false; readonly reason: string };

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function reduce(numerator: bigint, denominator: bigint): ExactValue {
  const g = gcd(numerator, denominator) || 1n;
  return { numerator: numerator / g, denominator: denominator / g };
}

/**
 * Parses a quantity into an exact rational value.
 *
 * Negative values, NaN, infinities and anything outside the Kubernetes grammar
 * are rejected with a reason that can be shown to the author.
 */
export function parseQuantity(input: unknown): QuantityParse {
  let text: string;
  if (input === undefined) return { ok: false, reason: 'is required; give a quantity such as "2Gi" or "500m"' };
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      return { ok: false, reason: `expected a finite number, got ${String(input)}; give a quantity such as "2Gi" or "500m" (NaN and Infinity usually come from arithmetic on a missing value)` };
    }
    // Shortest round-trip decimal form of the number; exponents are handled below.
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { ok: false, reason: `expected a quantity such as "2Gi", "500m" or a number, got ${describe(input)}` };
  }
  const match = QUANTITY_RE.exec(text);
  if (!match) {
    return { ok: false, reason: `expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got ${JSON.stringify(input)}` };
  }
  const [, sign, digits, suffix, exponentText] = match as unknown as [string, string, string, string | undefined, string | undefined];
  if (sign === '-' && /[1-9]/.test(digits)) {
    return { ok: false, reason: `must not be negative, got ${JSON.stringify(input)}; remove the "-"` };
  }
  const [intPart = '', fracPart = ''] = digits.split('.');
  let numerator = BigInt((intPart || '0') + fracPart);
  let denominator = 10n ** BigInt(fracPart.length);
  let exponent = 0;
  if (suffix && suffix in BINARY) {
    numerator *= BINARY[suffix as BinarySuffix];
  } else if (suffix) {
    exponent = DECIMAL_EXPONENT[suffix as DecimalSuffix];
  } else if (exponentText) {
    exponent = Number(exponentText);
  }
  if (exponent > 0) numerator *= 10n ** BigInt(exponent);
  if (exponent < 0) denominator *= 10n ** BigInt(-exponent);
  return { ok: true, value: reduce(numerator, denominator) };
}

/**
 * Converts an exact value to an integer count of `unit`ths (e.g. `unit = 1000n`
 * for millicores). Returns `undefined` when the value is not a whole number of
 * such units (e.g. `"1u"` CPU, or `"0.5"` bytes).
 */
export function toWholeUnits(value: ExactValue, unitsPerOne: bigint): bigint | undefined {
  const scaled = value.numerator * unitsPerOne;
  if (scaled % value.denominator !== 0n) return undefined;
  return scaled / value.denominator;
}

/** Largest integer a plan stores as a JSON number without losing precision. */
export const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  // JSON.stringify throws on a bigint and gives undefined for a function or symbol.
  if (typeof value === 'bigint') return `bigint ${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Formats a byte count the way Kubernetes prints it: the largest binary
 * suffix that divides it exactly (`1610612736` → `"1536Mi"`).
 */
export function formatBytes(bytes: number): string {
  const suffixes: [BinarySuffix, number][] = [
    ['Ei', 2 ** 60],
    ['Pi', 2 ** 50],
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  if (bytes === 0) return '0';
  for (const [suffix, size] of suffixes) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/** Formats millicores as a Kubernetes CPU quantity (`2000` → `"2"`, `250` → `"250m"`). */
export function formatMillicores(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Human-friendly GiB figure with one decimal, for summaries (`1610612736` → `"1.5 GiB"`). */
export function humanBytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * A readable quantity for messages: exact when it is a whole number of Gi/Mi/Ki,
 * otherwise GiB with one decimal (`"55.3Gi"`).
 */
export function readableBytes(bytes: number): string {
  const exact = formatBytes(bytes);
  if (/[KMGTPE]i$/.test(exact) && !/^\d{5,}[KM]i$/.test(exact)) return exact;
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)}Gi` : `${(bytes / 2 ** 20).toFixed(1)}Mi`;
}

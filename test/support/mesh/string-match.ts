/**
 * Istio's `StringMatch` (`exact` | `prefix` | `regex`) as Envoy evaluates it.
 *
 * - `exact`: equal strings; `prefix`: `value.startsWith(prefix)` (a plain
 *   string prefix, so `/a` matches `/ab`); `regex`: RE2, FULL match.
 * - Case-sensitive unless `ignoreCase` (Istio's `ignoreUriCase`, which per
 *   the docs applies to `exact` and `prefix` URI matches only).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';
import { re2FullMatch } from './re2.ts';

/** Istio `StringMatch`: exactly one of the fields (an empty object means "presence" for headers). */
export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

/** The single operation a `StringMatch` holds, or `undefined` for `{}`. */
export type StringMatchKind = { readonly kind: 'exact' | 'prefix' | 'regex'; readonly value: string } | undefined;

/** Reads the one-of of a `StringMatch`; throws `invalid` when more than one field is set. */
export function stringMatchKind(m: StringMatch, location?: MeshErrorLocation): StringMatchKind {
  if (m === null || typeof m !== 'object') throw new MeshEvaluationError('invalid', `expected a StringMatch object, got ${JSON.stringify(m)}`, location);
  const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
  const unknown = Object.keys(m).filter((k) => k !== 'exact' && k !== 'prefix' && k !== 'regex');
  if (unknown.length > 0) throw new MeshEvaluationError('invalid', `unknown StringMatch field(s) ${unknown.join(', ')}`, location);
  if (set.length > 1) throw new MeshEvaluationError('invalid', `StringMatch sets ${set.join(' and ')}; exactly one is allowed`, location);
  const kind = set[0];
  if (kind === undefined) return undefined;
  const value = m[kind];
  if (typeof value !== 'string') throw new MeshEvaluationError('invalid', `StringMatch.${kind} must be a string`, location);
  return { kind, value };
}

/** Options for `matchString`. */
export interface MatchStringOptions {
  /**
   * Compare case-insensitively (`exact` and `prefix` only).
   *
   * @default false
   */
  readonly ignoreCase?: boolean;
  /** Where the matcher comes from, for error messages. */
  readonly location?: MeshErrorLocation;
}

/**
 * Whether `value` satisfies a non-empty `StringMatch`.
 *
 * @throws MeshEvaluationError when `m` is `{}` (the caller decides what that means) or malformed.
 */
export function matchString(m: StringMatch, value: string, options: MatchStringOptions = {}): boolean {
  const k = stringMatchKind(m, options.location);
  if (k === undefined) throw new MeshEvaluationError('invalid', 'empty StringMatch {} is only meaningful for header presence', options.location);
  const fold = options.ignoreCase === true ? (s: string) => s.toLowerCase() : (s: string) => s;
  switch (k.kind) {
    case 'exact':
      return fold(value) === fold(k.value);
    case 'prefix':
      return fold(value).startsWith(fold(k.value));
    case 'regex':
      return re2FullMatch(k.value, value, options.location);
  }
}

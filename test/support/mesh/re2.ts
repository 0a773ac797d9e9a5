/**
 * RE2 regular expressions (the syntax Istio and Envoy use) evaluated with
 * JavaScript's `RegExp`, refusing every construct whose meaning differs.
 *
 * Envoy's `safe_regex` matchers use RE2 and require a FULL match of the
 * value (route paths without the query string, header values, query
 * parameter values). `compileRe2(p, { fullMatch: true })` anchors the
 * translated pattern as `^(?:p)$`.
 *
 * Translation is conservative. Accepted and translated:
 * - a leading flag group `(?i)`, `(?s)`, `(?m)` (or combinations) → JS flags;
 * - `(?P<name>…)` → `(?<name>…)`;
 * - `\A` → `^`, `\z` → `$` (only without the `m` flag);
 * - `\s` / `\S` → RE2's ASCII `[\t\n\f\r ]` (JS's `\s` also matches `\v` and Unicode spaces);
 * - `\a` → `\x07`; `\Q…\E` → the escaped literal.
 *
 * Rejected with a `MeshEvaluationError`, because JS and RE2 differ or RE2 has no such construct:
 * lookarounds, backreferences, atomic groups, inline flags other than a leading group,
 * `\Z`, `\C`, `\p{…}`, `\x{…}`, `\u…`, `\c…`, `\k…`, `\b` in a class, unknown letter
 * escapes, POSIX classes `[[:alpha:]]`, and repetition counts above 1000.
 *
 * @see https://github.com/google/re2/wiki/Syntax
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto
 */
import { MeshEvaluationError, type MeshErrorLocation } from './mesh-error.ts';

/** Options for `compileRe2`. */
export interface CompileRe2Options {
  /**
   * Anchor the pattern so it must match the whole input (Envoy's semantics).
   *
   * @default false
   */
  readonly fullMatch?: boolean;

  /**
   * Add the `g` flag (for global replacement).
   *
   * @default false
   */
  readonly global?: boolean;

  /** Where the pattern comes from, for error messages. */
  readonly location?: MeshErrorLocation;
}

const LETTER_ESCAPES_SAME = new Set(['d', 'D', 'w', 'W', 't', 'n', 'r', 'f', 'v']);
const MAX_REPEAT = 1000;

function fail(pattern: string, why: string, location: MeshErrorLocation | undefined): never {
  throw new MeshEvaluationError('unsupported', `RE2 pattern ${JSON.stringify(pattern)}: ${why}`, location);
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Translates an RE2 pattern into a JS `RegExp`.
 *
 * @throws MeshEvaluationError (`unsupported`) for constructs that JS and RE2 treat differently,
 *   (`invalid`) for patterns neither accepts.
 */
export function compileRe2(pattern: string, options: CompileRe2Options = {}): RegExp {
  // Compiled patterns are cached (a pattern always compiles the same way; errors are not cached). Global ones
  // are not: their lastIndex is state.
  if (options.global) return compileRe2Uncached(pattern, options);
  const key = `${options.fullMatch ? 'f' : 'p'}${pattern}`;
  const cached = RE2_CACHE.get(key);
  if (cached) return cached;
  const compiled = compileRe2Uncached(pattern, options);
  RE2_CACHE.set(key, compiled);
  return compiled;
}

const RE2_CACHE = new Map<string, RegExp>();

function compileRe2Uncached(pattern: string, options: CompileRe2Options): RegExp {
  const loc = options.location;
  let flags = '';
  let i = 0;
  // A leading flag group applies to the whole pattern.
  const lead = /^\(\?([a-zA-Z-]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 's' || f === 'm') {
        if (!flags.includes(f)) flags += f;
      } else fail(pattern, `flag "${f}" in the leading flag group is not supported (only i, s, m)`, loc);
    }
    i = lead[0].length;
  }
  const multiline = flags.includes('m');
  let out = '';
  let inClass = false;
  let classStart = -1;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new MeshEvaluationError('invalid', `RE2 pattern ${JSON.stringify(pattern)}: trailing backslash`, loc);
      if (/[0-9]/.test(n)) fail(pattern, `"\\${n}" (backreferences / octal escapes) differ between RE2 and JS`, loc);
      if (/[a-zA-Z]/.test(n)) {
        if (LETTER_ESCAPES_SAME.has(n)) {
          out += `\\${n}`;
          i += 2;
          continue;
        }
        switch (n) {
          case 'b':
          case 'B':
            if (inClass) fail(pattern, `"\\${n}" inside a character class`, loc);
            out += `\\${n}`;
            i += 2;
            continue;
          case 's':
            out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
            i += 2;
            continue;
          case 'S':
            if (inClass) fail(pattern, '"\\S" inside a character class', loc);
            out += '[^\\t\\n\\f\\r ]';
            i += 2;
            continue;
          case 'a':
            out += '\\x07';
            i += 2;
            continue;
          case 'A':
          case 'z':
            if (inClass) fail(pattern, `"\\${n}" inside a character class`, loc);
            if (multiline) fail(pattern, `"\\${n}" together with the m flag`, loc);
            out += n === 'A' ? '^' : '$';
            i += 2;
            continue;
          case 'x': {
            const hex = /^[0-9a-fA-F]{2}/.exec(pattern.slice(i + 2));
            if (!hex) fail(pattern, '"\\x" must be followed by exactly two hex digits here ("\\x{…}" is not supported)', loc);
            out += `\\x${hex[0]}`;
            i += 4;
            continue;
          }
          case 'Q': {
            const end = pattern.indexOf('\\E', i + 2);
            const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
            out += inClass ? literal.replace(/[\\\]^-]/g, '\\$&') : escapeLiteral(literal);
            i = end === -1 ? pattern.length : end + 2;
            continue;
          }
          default:
            fail(pattern, `escape "\\${n}" is not supported (unknown to RE2 or different in JS)`, loc);
        }
      }
      // Escaped punctuation means the literal character in both dialects.
      out += `\\${n}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') fail(pattern, 'POSIX character classes ([:alpha:]) are not supported', loc);
      if (c === ']' && i > classStart + 1 && !(i === classStart + 2 && pattern[classStart + 1] === '^')) inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = i;
      out += c;
      i += 1;
      // A leading "]" (or "^]") is a literal in RE2 but an empty class in JS.
      if (pattern[i] === ']' || (pattern[i] === '^' && pattern[i + 1] === ']')) fail(pattern, 'a "]" first in a character class is read differently by JS', loc);
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 3;
        continue;
      }
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += 2 + named[0].length;
        continue;
      }
      if (/^(=|!|<=|<!)/.test(rest)) fail(pattern, 'lookaround assertions are not RE2', loc);
      if (rest.startsWith('>')) fail(pattern, 'atomic groups are not RE2', loc);
      fail(pattern, `group "(?${rest.slice(0, 4)}…" (inline flags are only supported as a leading group)`, loc);
    }
    if (c === '{') {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rep) {
        const lo = Number(rep[1]);
        const hi = rep[3] === undefined || rep[3] === '' ? lo : Number(rep[3]);
        if (lo > MAX_REPEAT || hi > MAX_REPEAT) {
          throw new MeshEvaluationError('invalid', `RE2 pattern ${JSON.stringify(pattern)}: repetition count above ${MAX_REPEAT}`, loc);
        }
        if (rep[3] !== undefined && rep[3] !== '' && hi < lo) {
          throw new MeshEvaluationError('invalid', `RE2 pattern ${JSON.stringify(pattern)}: bad repetition range ${rep[0]}`, loc);
        }
      }
    }
    out += c;
    i += 1;
  }
  if (inClass) throw new MeshEvaluationError('invalid', `RE2 pattern ${JSON.stringify(pattern)}: missing "]"`, loc);
  const source = options.fullMatch ? `^(?:${out})$` : out;
  try {
    return new RegExp(source, flags + (options.global ? 'g' : ''));
  } catch (e) {
    throw new MeshEvaluationError('invalid', `RE2 pattern ${JSON.stringify(pattern)} does not compile: ${(e as Error).message}`, loc);
  }
}

/**
 * Whether `value` FULLY matches the RE2 `pattern` (Envoy's `safe_regex` semantics).
 *
 * @example
 * re2FullMatch('a', 'ab') // false
 */
export function re2FullMatch(pattern: string, value: string, location?: MeshErrorLocation): boolean {
  return compileRe2(pattern, { fullMatch: true, location }).test(value);
}

function expandRewrite(rewrite: string, m: RegExpExecArray, location: MeshErrorLocation | undefined): string {
  let out = '';
  for (let i = 0; i < rewrite.length; i += 1) {
    const c = rewrite[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = rewrite[i + 1];
    if (n !== undefined && /[0-9]/.test(n)) {
      const g = Number(n);
      if (g >= m.length) {
        throw new MeshEvaluationError('invalid', `rewrite ${JSON.stringify(rewrite)} refers to group \\${n}, but the pattern has ${m.length - 1} group(s)`, location);
      }
      out += m[g] ?? '';
      i += 1;
    } else if (n === '\\') {
      out += '\\';
      i += 1;
    } else {
      throw new MeshEvaluationError('invalid', `rewrite ${JSON.stringify(rewrite)}: "\\" must be followed by a digit or "\\"`, location);
    }
  }
  return out;
}

/**
 * RE2's `GlobalReplace`: replaces every non-overlapping match of `pattern`
 * in `input` with `rewrite`, where `\0`…`\9` refer to capture groups and
 * `\\` is a backslash. Like RE2, an empty match right after the previous
 * match is skipped.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#RegexRewrite
 * @example
 * re2GlobalReplace('^/service/([^/]+)(/.*)$', '/service/update/v1/api', '/customprefix/\\2/\\1')
 * // '/customprefix/v1/api/update'
 */
export function re2GlobalReplace(pattern: string, input: string, rewrite: string, location?: MeshErrorLocation): string {
  const re = compileRe2(pattern, { global: true, location });
  let out = '';
  let copied = 0;
  let from = 0;
  let previousEnd = -1;
  while (from <= input.length) {
    re.lastIndex = from;
    const m = re.exec(input);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (start === end && start === previousEnd) {
      from = start + 1;
      continue;
    }
    out += input.slice(copied, start) + expandRewrite(rewrite, m, location);
    copied = end;
    previousEnd = end;
    from = end === start ? end + 1 : end;
  }
  return out + input.slice(copied);
}

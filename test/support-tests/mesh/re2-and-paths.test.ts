/**
 * RE2 translation (https://github.com/google/re2/wiki/Syntax), Envoy's
 * full-match rule, and Istio's path normalization
 * (https://istio.io/latest/docs/reference/config/security/normalization/).
 */
import { describe, expect, it } from 'vitest';
import { compileRe2, normalizeRequestPath, re2FullMatch, re2GlobalReplace, removeDotSegments } from '../../support/mesh/index.ts';

describe('compileRe2 / re2FullMatch', () => {
  it('full match: the whole value must match', () => {
    expect(re2FullMatch('a', 'a')).toBe(true);
    expect(re2FullMatch('a', 'ab')).toBe(false);
    expect(re2FullMatch('a|ab', 'ab')).toBe(true); // alternation inside the anchors
    expect(re2FullMatch('\\d+$', '123')).toBe(true);
    expect(re2FullMatch('\\d+$', 'a123')).toBe(false);
  });

  it('translates the leading flag group, named groups and \\A \\z', () => {
    expect(re2FullMatch('(?i)abc', 'ABC')).toBe(true);
    expect(re2FullMatch('abc', 'ABC')).toBe(false);
    expect(compileRe2('(?P<tenant>[a-z]+)').exec('acme')?.groups?.tenant).toBe('acme');
    expect(re2FullMatch('\\Aab\\z', 'ab')).toBe(true);
  });

  it("uses RE2's ASCII \\s (no vertical tab)", () => {
    expect(re2FullMatch('a\\sb', 'a b')).toBe(true);
    expect(re2FullMatch('a\\sb', 'a\vb')).toBe(false);
    expect(re2FullMatch('a[\\s]b', 'a\vb')).toBe(false);
    expect(re2FullMatch('a\\Sb', 'a\vb')).toBe(true);
  });

  it('treats \\Q…\\E as a literal', () => {
    expect(re2FullMatch('\\Qa.b\\E', 'a.b')).toBe(true);
    expect(re2FullMatch('\\Qa.b\\E', 'axb')).toBe(false);
  });

  it.each([
    ['lookahead', 'a(?=b)'],
    ['negative lookahead', 'a(?!b)'],
    ['lookbehind', '(?<=a)b'],
    ['backreference', '(a)\\1'],
    ['atomic group', '(?>a)'],
    ['inline flag mid-pattern', 'a(?i)b'],
    ['scoped inline flags', '(?i:a)'],
    ['unicode class', '\\pL'],
    ['\\Z', 'a\\Z'],
    ['\\u escape', '\\u0041'],
    ['POSIX class', '[[:alpha:]]'],
    ['unknown escape', '\\y'],
  ])('refuses %s', (_what, pattern) => {
    expect(() => compileRe2(pattern)).toThrow(/unsupported/);
  });

  it('refuses invalid patterns and repetition above 1000', () => {
    expect(() => compileRe2('*')).toThrow(/invalid/);
    expect(() => compileRe2('a{1001}')).toThrow(/above 1000/);
    expect(() => compileRe2('[a')).toThrow(/invalid/);
  });
});

describe('re2GlobalReplace', () => {
  it('replaces every match and expands \\N and \\\\', () => {
    expect(re2GlobalReplace('a', 'banana', 'o')).toBe('bonono');
    expect(re2GlobalReplace('(b)(a)', 'ba', '\\2\\1\\0\\\\')).toBe('abba\\');
  });

  it("skips an empty match right after a previous match, like RE2's GlobalReplace", () => {
    expect(re2GlobalReplace('a*', 'baaac', '-')).toBe('-b-c-');
  });

  it('refuses references to missing groups', () => {
    expect(() => re2GlobalReplace('a', 'a', '\\1')).toThrow(/group/);
  });
});

describe('normalizeRequestPath', () => {
  it('BASE: dot segments (docs example) and query kept apart', () => {
    expect(normalizeRequestPath('/public/./data/abc/../xyz?v=1')).toEqual({ ok: true, path: '/public/data/xyz', query: '?v=1' });
  });

  it('BASE: decodes unreserved escapes, not %2F; backslash becomes /', () => {
    expect(normalizeRequestPath('/%61%62%63/%2d%7E')).toMatchObject({ path: '/abc/-~' });
    expect(normalizeRequestPath('/some%2fdata')).toMatchObject({ path: '/some%2fdata' });
    expect(normalizeRequestPath('/some\\data')).toMatchObject({ path: '/some/data' });
    expect(normalizeRequestPath('/a/%2e%2e/b')).toMatchObject({ path: '/b' });
  });

  it('merges slashes only with MERGE_SLASHES or stronger', () => {
    expect(normalizeRequestPath('/some//data///abc')).toMatchObject({ path: '/some//data///abc' });
    expect(normalizeRequestPath('/some//data///abc', 'MERGE_SLASHES')).toMatchObject({ path: '/some/data/abc' });
  });

  it('DECODE_AND_MERGE_SLASHES decodes %2F and %5C (docs example)', () => {
    expect(normalizeRequestPath('/some%2fdata/%61%62%63', 'DECODE_AND_MERGE_SLASHES')).toMatchObject({ path: '/some/data/abc' });
    expect(normalizeRequestPath('/some%5Cdata', 'DECODE_AND_MERGE_SLASHES')).toMatchObject({ path: '/some/data' });
  });

  it('NONE leaves the path alone; %00 is always rejected with 400', () => {
    expect(normalizeRequestPath('/a/../b', 'NONE')).toMatchObject({ path: '/a/../b' });
    expect(normalizeRequestPath('/a%00b', 'NONE')).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses paths that do not start with /', () => {
    expect(() => normalizeRequestPath('a/b')).toThrow(/start with/);
  });

  it('removeDotSegments follows RFC 3986 5.2.4', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g');
    expect(removeDotSegments('/../a')).toBe('/a');
    expect(removeDotSegments('/a/b/..')).toBe('/a/');
  });
});

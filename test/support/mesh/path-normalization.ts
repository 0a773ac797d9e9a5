/**
 * Istio's request path normalization, applied by every Envoy before routing
 * and authorization ("The normalized request will be used for both the
 * evaluation of authorization policies and the request that is ultimately
 * sent to the backend server").
 *
 * Options (meshConfig `pathNormalization.normalization`):
 * - `NONE`: no normalization.
 * - `BASE` (Istio's default): decode `%2D %2E %30-%39 %41-%5A %5F %61-%7A %7E`
 *   (case-insensitive hex), turn `\` into `/`, resolve `.` and `..` segments
 *   per RFC 3986.
 * - `MERGE_SLASHES`: `BASE`, then merge runs of `/`.
 * - `DECODE_AND_MERGE_SLASHES`: also decode `%2F` and `%5C` first.
 *
 * `%00` is always rejected with 400. The query string is split off and kept
 * as is. Not modelled: upper-casing of the remaining percent escapes.
 *
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 * @see https://istio.io/latest/docs/ops/best-practices/security/#customize-your-system-on-path-normalization
 */
import { MeshEvaluationError } from './mesh-error.ts';

/** meshConfig path normalization option. */
export type PathNormalization = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

/** A request path split into its path and query parts. */
export interface SplitPath {
  /** The path without the query string. */
  readonly path: string;
  /** The query string including its leading `?`, or `''`. */
  readonly query: string;
}

/** The outcome of normalizing a request path. */
export type NormalizedPath =
  | ({ readonly ok: true } & SplitPath)
  | { readonly ok: false; readonly status: 400; readonly reason: string };

/** Splits `/a/b?x=1` into `{ path: '/a/b', query: '?x=1' }`. */
export function splitPathAndQuery(raw: string): SplitPath {
  const q = raw.indexOf('?');
  return q === -1 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q) };
}

function isUnreservedCode(code: number): boolean {
  return (
    code === 0x2d ||
    code === 0x2e ||
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    code === 0x5f ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x7e
  );
}

function decodeSelected(path: string, decode: (code: number) => boolean): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (all, hex: string) => {
    const code = parseInt(hex, 16);
    return decode(code) ? String.fromCharCode(code) : all;
  });
}

/** RFC 3986 section 5.2.4 `remove_dot_segments`. */
export function removeDotSegments(path: string): string {
  let input = path;
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '/..') {
      input = '/';
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0);
      const segment = next === -1 ? input : input.slice(0, next);
      output += segment;
      input = next === -1 ? '' : input.slice(next);
    }
  }
  return output;
}

/**
 * Normalizes a request path (which may carry a query string) the way Istio's Envoy does.
 *
 * @example
 * normalizeRequestPath('/public/./data/abc/../xyz?x=1') // { ok: true, path: '/public/data/xyz', query: '?x=1' }
 */
export function normalizeRequestPath(raw: string, mode: PathNormalization = 'BASE'): NormalizedPath {
  if (typeof raw !== 'string' || !raw.startsWith('/')) {
    throw new MeshEvaluationError('invalid', `request path must start with "/", got ${JSON.stringify(raw)}`);
  }
  if (raw.includes('#')) throw new MeshEvaluationError('invalid', `request path must not contain a fragment: ${JSON.stringify(raw)}`);
  const { path, query } = splitPathAndQuery(raw);
  if (/%00/.test(path)) return { ok: false, status: 400, reason: `path ${JSON.stringify(path)} contains %00` };
  if (mode === 'NONE') return { ok: true, path, query };
  let p = path;
  if (mode === 'DECODE_AND_MERGE_SLASHES') p = decodeSelected(p, (c) => c === 0x2f || c === 0x5c);
  p = decodeSelected(p, isUnreservedCode);
  p = p.replace(/\\/g, '/');
  p = removeDotSegments(p);
  if (p === '') p = '/';
  if (mode === 'MERGE_SLASHES' || mode === 'DECODE_AND_MERGE_SLASHES') p = p.replace(/\/{2,}/g, '/');
  return { ok: true, path: p, query };
}

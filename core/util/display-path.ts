/**
 * How messages name a file: relative to the working directory with forward
 * slashes (`models/fraud/txn-scorer.ts`), or absolute when it lies outside it.
 */
import { isAbsolute, relative, sep } from 'node:path';

/** The path of `path` as messages show it, seen from `cwd`. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path) || '.';
  return (rel.startsWith('..') || isAbsolute(rel) ? path : rel).split(sep).join('/');
}

/**
 * The repository carries what it reads: no script, test, bench, workflow or
 * configuration reaches for files beside the repository (a user's clone has
 * nothing there). Upstream inputs are vendored instead (`vendor/`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);
/** Files that run or configure something (documentation may mention outside paths; it reads nothing). */
const CODE = /\.(ts|mts|cts|js|mjs|cjs|json|ya?ml|sh|lua)$/;

/** Paths outside the repository: a relative path up to a `shared` folder beside it, as a string or as `join()` segments. */
const OUTSIDE = [new RegExp(`['"\`/](?:\\.\\./)+shared\\b`), new RegExp(`['"]\\.\\.['"]\\s*,\\s*['"]shared['"]`)];

function files(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.tmp')) files(join(dir, entry.name), out);
    } else if (CODE.test(entry.name) || relative(ROOT, join(dir, entry.name)) === join('.ci', 'run')) out.push(join(dir, entry.name));
  }
  return out;
}

export function outsideReferences(text: string): string[] {
  return text.split('\n').filter((line) => OUTSIDE.some((re) => re.test(line)));
}

describe('the repository is self-contained', () => {
  it('no file of the project reads ../shared', () => {
    const offenders = files(ROOT).flatMap((file) => outsideReferences(readFileSync(file, 'utf8')).map((line) => `${relative(ROOT, file)}: ${line.trim()}`));
    expect(offenders).toEqual([]);
  });

  it('the check recognises the ways a path can reach outside', () => {
    const up = '..';
    expect(outsideReferences(`const d = '${up}/shared/reference/crds';`)).toHaveLength(1);
    expect(outsideReferences(`resolve(root, "${up}/${up}/shared/bench")`)).toHaveLength(1);
    expect(outsideReferences(`join(REPO, '${up}', 'shared', 'reference')`)).toHaveLength(1);
    expect(outsideReferences(`new URL('${up}/${up}/${up}/shared/x', import.meta.url)`)).toHaveLength(1);
    expect(outsideReferences(`const sharedState = new Map(); // a shared cache`)).toEqual([]);
  });
});

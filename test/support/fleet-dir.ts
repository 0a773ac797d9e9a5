/**
 * Fleets written to disk for tests: a fresh directory inside the package (so
 * `import … from "modelfleet"` resolves through the package's self-reference),
 * and directory trees read back as `{ path: content }`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Where tests put fleet copies: inside the package, ignored by git. */
export const FLEET_COPIES = join(ROOT, '.tmp-fleet-copy');

/** One file of a fleet, relative to the fleet (models) directory: `teams.ts`, `fraud/txn-scorer.ts`. */
export interface FleetFile {
  readonly path: string;
  readonly content: string;
}

/**
 * A fresh directory under `.tmp-fleet-copy/` (made with `mkdtempSync`, so
 * parallel test files never collide). The caller removes it.
 */
export function freshFleetDir(prefix: string): string {
  mkdirSync(FLEET_COPIES, { recursive: true });
  return mkdtempSync(join(FLEET_COPIES, `${prefix}-`));
}

/** Writes `files` under `dir`, in the order given, creating folders as needed. */
export function writeFleet(dir: string, files: readonly FleetFile[]): void {
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
}

/**
 * Writes `files` under `<fresh dir>/models`, runs `fn` with the fresh
 * directory and removes it afterwards.
 */
export async function withFleet<T>(prefix: string, files: readonly FleetFile[], fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = freshFleetDir(prefix);
  try {
    mkdirSync(join(dir, 'models'));
    writeFleet(join(dir, 'models'), files);
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir`, by path relative to it (forward slashes), sorted by path. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

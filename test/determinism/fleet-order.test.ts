/**
 * Output does not depend on the order of anything the fleet's semantics do
 * not order: the order in which files were written and folders created, the
 * order in which the file system lists them, the order of teams in teams.ts,
 * and how an equal set of tenants is written (a list in any order, or a record
 * of empty overrides in any key order, which docs/declarations.md defines as the same).
 *
 * On Linux, Node lists directories sorted (libuv sorts scandir results), so
 * writing files in another order alone proves little there. This file also
 * replaces `readdirSync` with one that returns entries in a chosen order, for
 * every module under test (the loader, the stack and schema readers), which is
 * what a file system that does not sort (or another platform) would do.
 */
import * as realFs from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { readTree, ROOT, withFleet, type FleetFile } from '../support/fleet-dir.ts';

/** How the mocked `readdirSync` orders entries; identity unless a test sets it. */
const listing = vi.hoisted(() => ({ order: <T>(entries: T[]): T[] => entries }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((...args: Parameters<typeof fs.readdirSync>) => listing.order([...(fs.readdirSync(...args) as unknown[])])) as typeof fs.readdirSync;
  return { ...fs, readdirSync, default: { ...fs, readdirSync } };
});

afterEach(() => {
  listing.order = (entries) => entries;
});

/** A deterministic shuffle of `entries` from `seed` (mulberry32). */
function shuffled<T>(entries: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...entries];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The fleet's files in a stable order (teams.ts first). */
function fleetFiles(modelsDir: string): FleetFile[] {
  return Object.entries(readTree(modelsDir)).map(([path, content]) => ({ path, content }));
}

/** Synthesizes the fleet under `<dir>/models` in-process: every output file, and the lockfile as `placement.lock.json`. */
async function output(dir: string): Promise<Record<string, string>> {
  const result = await synthFleet({ modelsDir: join(dir, 'models'), lockfile: join(dir, 'placement.lock.json') });
  return { ...Object.fromEntries(result.files.map((f) => [f.path, f.content])), 'placement.lock.json': result.lockfile.text };
}

/** Writes `files` in the given order, after creating `folders` (in their order), under a fresh fleet directory; returns the output. */
async function outputOf(files: readonly FleetFile[], folders: readonly string[] = []): Promise<Record<string, string>> {
  return withFleet('determinism-order', [], async (dir) => {
    for (const folder of folders) realFs.mkdirSync(join(dir, 'models', folder), { recursive: true });
    for (const f of files) {
      realFs.mkdirSync(join(dir, 'models', f.path, '..'), { recursive: true });
      realFs.writeFileSync(join(dir, 'models', f.path), f.content);
    }
    return output(dir);
  });
}

const small = fleetFiles(join(ROOT, 'test/stacks/fleet/models'));
const smallFolders = [...new Set(small.filter((f) => f.path.includes('/')).map((f) => f.path.split('/')[0]!))];

describe('output is independent of order', () => {
  let baseline: Record<string, string>;
  beforeAll(async () => {
    baseline = await outputOf(small);
    expect(Object.keys(baseline)).toEqual(expect.arrayContaining(['plan.json', 'summary.md', 'kustomization.yaml', 'placement.lock.json']));
  });

  it('of writing files (teams.ts first or last), creating folders and listing directories', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          writeOrder: fc.shuffledSubarray(small, { minLength: small.length, maxLength: small.length }),
          teamsLast: fc.boolean(),
          folderOrder: fc.shuffledSubarray(smallFolders, { minLength: smallFolders.length, maxLength: smallFolders.length }),
          listingSeed: fc.integer(),
        }),
        async ({ writeOrder, teamsLast, folderOrder, listingSeed }) => {
          const others = writeOrder.filter((f) => f.path !== 'teams.ts');
          const teams = small.find((f) => f.path === 'teams.ts')!;
          listing.order = (entries) => shuffled(entries, listingSeed);
          expect(await outputOf(teamsLast ? [...others, teams] : [teams, ...others], folderOrder)).toEqual(baseline);
        },
      ),
      { seed: 6_2024, numRuns: 6 },
    );
  });

  it('of listing directories, on the example fleet (600 copies): reversed', async () => {
    const example = fleetFiles(join(ROOT, 'models'));
    const sorted = await outputOf(example);
    listing.order = (entries) => [...entries].reverse();
    expect(await outputOf([...example].reverse())).toEqual(sorted);
  });

  it('of teams in teams.ts', async () => {
    const teams = small.find((f) => f.path === 'teams.ts')!;
    const declarations = teams.content.match(/^ {2}defineTeam\(.*\),$/gm)!;
    expect(declarations.length).toBe(3);
    const reversed = teams.content.replace(declarations.join('\n'), [...declarations].reverse().join('\n'));
    expect(reversed).not.toBe(teams.content);
    expect(await outputOf(small.map((f) => (f === teams ? { ...f, content: reversed } : f)))).toEqual(baseline);
  });

  it.each([
    ['a list in another order', `['globex', 'acme']`],
    ['a record of empty overrides', `{ acme: {}, globex: {} }`],
    ['a record of empty overrides in another key order', `{ globex: {}, acme: {} }`],
  ])('of tenants written as %s (docs/declarations.md: a list of names, or a record of name → overrides)', async (_, tenants) => {
    const scorer = small.find((f) => f.path === 'fraud/txn-scorer.ts')!;
    expect(scorer.content).toContain(`tenants: ['acme', 'globex'],`);
    const variant = scorer.content.replace(`tenants: ['acme', 'globex'],`, `tenants: ${tenants},`);
    expect(await outputOf(small.map((f) => (f === scorer ? { ...f, content: variant } : f)))).toEqual(baseline);
  });
});

/**
 * Property-based fuzzing of whole fleets: random `teams.ts` and model files
 * (valid and invalid values of every kind) written to disk and synthesized
 * in-process, through `synthFleet()` and through the CLI's `main()`.
 *
 * Whatever the fleet, synth either succeeds with a complete, valid output or
 * fails with a `SpecError` whose every line is `FILE: FIELD: message`; never
 * another exception, a stack trace or an exit code other than 0 or 1.
 *
 * The seed is fixed so CI is reproducible; fast-check prints the seed and the
 * shrunk counterexample of a failure. Explore other seeds with
 * `FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run test/fuzz`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { SpecError, formatIssues } from '../../core/errors/spec-issue.ts';
import { main } from '../../cli/main.ts';
import { arbitraryFleet, arbitraryNearValidFleet, arbitraryValidFleet } from './fleet-arbitrary.ts';
import { readTree, withFleet } from '../support/fleet-dir.ts';
import { PROBLEM_LINE, malformedLines, outputProblems } from './fleet-checks.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 6_2024);
const RUNS = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: RUNS ?? numRuns });
/** Time for a property of `numRuns` runs: about 0.3 s a run, generously, plus shrinking. */
const timeout = (numRuns: number) => 120_000 + (RUNS ?? numRuns) * 2_000;

/** Random fleets: anything (most fail while loading), or a valid fleet with one change (fails deeper, or not at all). */
const anyFleet = fc.oneof(arbitraryFleet(), arbitraryNearValidFleet());

/** With FUZZ_STATS=1, prints how the runs ended (success, or the first problem's field). */
const stats = process.env.FUZZ_STATS ? new Map<string, number>() : undefined;
afterAll(() => stats && console.log([...stats].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n')));
function count(outcome: string): void {
  stats?.set(outcome, (stats.get(outcome) ?? 0) + 1);
}

/** What one in-process synth gave: the output's problems, or the error. */
async function synthOutcome(dir: string): Promise<{ ok: true; problems: string[]; placed: string[] } | { ok: false; error: unknown }> {
  try {
    const result = await synthFleet({ modelsDir: join(dir, 'models'), lockfile: join(dir, 'placement.lock.json') });
    const copies = result.planned.plan.shards.flatMap((s) => s.copies.map((c) => c.id));
    // Every copy of the loaded fleet, derived from the declarations rather than from the plan.
    const declared = result.planned.fleet.models.flatMap((m) => (m.tenants ? m.tenants.map((t) => `${m.team}/${m.name}@${t.name}`) : [`${m.team}/${m.name}`]));
    const problems = outputProblems(result.files, declared, result.lockfile.text);
    if (new Set(copies).size !== copies.length) problems.push('a copy is placed twice');
    return { ok: true, problems, placed: copies };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Fails unless `error` is a SpecError whose formatted lines are all `FILE: FIELD: message`. */
function expectFormattedSpecError(error: unknown): void {
  if (!(error instanceof SpecError)) {
    throw new Error(`synth threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)} instead of a SpecError`);
  }
  expect(error.issues.length).toBeGreaterThan(0);
  const text = formatIssues(error.issues);
  expect(malformedLines(text)).toEqual([]);
  expect(error.message).toBe(text);
}

describe('synth on random fleets', () => {
  it('synthFleet: a complete, valid output or a SpecError of FILE: FIELD: message lines', async () => {
    await fc.assert(
      fc.asyncProperty(anyFleet, async (fleet) => {
        await withFleet('fuzz-synth', fleet.files, async (dir) => {
          const outcome = await synthOutcome(dir);
          count(outcome.ok ? 'success' : outcome.error instanceof SpecError ? `${outcome.error.issues[0]?.path.join('.')}: ${outcome.error.issues[0]?.message.slice(0, 40)}` : 'crash');
          if (outcome.ok) expect(outcome.problems).toEqual([]);
          else expectFormattedSpecError(outcome.error);
        });
      }),
      params(60),
    );
  }, timeout(60));

  it('the CLI: exit 0 with a complete --out, or exit 1 with only problem lines and --out untouched', async () => {
    await fc.assert(
      fc.asyncProperty(anyFleet, async (fleet) => {
        await withFleet('fuzz-cli', fleet.files, async (dir) => {
          // A previous output, to prove a failed run leaves it exactly as it was.
          const out = join(dir, 'out');
          mkdirSync(out);
          writeFileSync(join(out, '.modelfleet-output'), 'previous run\n');
          writeFileSync(join(out, 'plan.json'), '{"previous": true}\n');
          const before = readTree(out);
          const stdout: string[] = [];
          const stderr: string[] = [];
          const code = await main(['synth', '--models', join(dir, 'models'), '--out', out, '--lockfile', join(dir, 'placement.lock.json')], {
            out: (t) => stdout.push(t),
            err: (t) => stderr.push(t),
          });
          const err = stderr.join('\n');
          expect(err).not.toMatch(/\n\s+at /); // no stack traces
          expect([0, 1]).toContain(code);
          const lines = err.split('\n').filter((l) => l !== '');
          if (code === 1) {
            expect(stdout).toEqual([]);
            expect(lines.at(-1)).toMatch(/^modelfleet: \d+ problems? found; nothing was written$/);
            expect(lines.slice(0, -1).filter((l) => !PROBLEM_LINE.test(l))).toEqual([]);
            expect(lines.length).toBeGreaterThan(1);
            expect(readTree(out)).toEqual(before);
            expect(existsSync(join(dir, 'placement.lock.json'))).toBe(false);
          } else {
            // Warnings of advisory rules only: `warning: FILE: FIELD: message`, then a count.
            if (lines.length) expect(lines.at(-1)).toMatch(/^modelfleet: \d+ warnings? from advisory rules/);
            for (const l of lines.slice(0, -1)) expect(l.replace(/^warning: /, '')).toMatch(PROBLEM_LINE);
            const written = readTree(out);
            expect(JSON.parse(written['plan.json']!)).toHaveProperty('shards');
            expect(Object.keys(written)).toContain('kustomization.yaml');
            expect(existsSync(join(dir, 'placement.lock.json'))).toBe(true);
          }
        });
      }),
      params(40),
    );
  }, timeout(40));

  it('valid fleets always synthesize, placing every declared copy exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryValidFleet(), async (fleet) => {
        await withFleet('fuzz-valid', fleet.files, async (dir) => {
          const outcome = await synthOutcome(dir);
          if (!outcome.ok) throw outcome.error instanceof SpecError ? new Error(`a valid fleet was rejected:\n${outcome.error.message}`) : outcome.error;
          expect(outcome.problems).toEqual([]);
          expect([...outcome.placed].sort()).toEqual([...fleet.copies!].sort());
        });
      }),
      params(30),
    );
  }, timeout(30));
});

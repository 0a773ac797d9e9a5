/**
 * The step of `.github/workflows/fleet-pr-preview.yml` that writes a stack's
 * section of the pull-request comment, run for real in bash with the
 * runner's variables set: `npx` is a shim that runs this repository's CLI.
 * Its three branches (a diff of the base plan against the pull request's,
 * no base plan, a failed synth whose log is the pull request's own text)
 * each stay within the stack's share of the comment, and the run's summary
 * page gets the full diff.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { writeOutputAtomically } from '../../cli/write-output.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/fleet-pr-preview.yml'), 'utf8')) as { jobs: { preview: { steps: { run?: string }[] } } };
const script = workflow.jobs.preview.steps.find((s) => s.run?.includes('modelfleet diff'))!.run!;

const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-section-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// `npx modelfleet …` → this repository's CLI.
const bin = join(scratch, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = modelfleet ] && shift\nexec "${process.execPath}" "${join(ROOT, 'cli/modelfleet.mjs')}" "$@"\n`);
chmodSync(join(bin, 'npx'), 0o755);

// The head: the example fleet on the dev stack; the base: the same fleet with the fraud team's models removed.
const head = await synthFleet({ modelsDir: 'models', stackName: 'dev', ignoreLock: true });
const fleetCopy = freshFleetDir('section-base');
afterAll(() => rmSync(fleetCopy, { recursive: true, force: true }));
const baseModels = join(fleetCopy, 'models');
cpSync(join(ROOT, 'models'), baseModels, { recursive: true });
rmSync(join(baseModels, 'fraud'), { recursive: true });
const base = await synthFleet({ modelsDir: baseModels, stackName: 'dev', cwd: ROOT, lockfile: join(scratch, 'none.lock.json') });

/** Runs the step in a fresh workspace; returns the section and the step summary. */
function runStep(env: Record<string, string>, withBase = true): { code: number | null; section: string; summary: string; stderr: string; costJson: string } {
  const work = mkdtempSync(join(scratch, 'work-'));
  const runnerTemp = join(work, 'runner-temp');
  mkdirSync(join(runnerTemp, 'pr'), { recursive: true });
  // The artifact: the pull request's synth output and its log (with backticks, which must not close the code block).
  writeOutputAtomically(join(runnerTemp, 'pr', 'dist'), head.files);
  if (withBase) writeOutputAtomically(join(runnerTemp, 'base'), base.files);
  writeFileSync(join(runnerTemp, 'pr', 'synth.log'), 'models/fraud/txn-scorer.ts: peakQps: a problem ```\n'.repeat(5000));
  const summary = join(work, 'step-summary.md');
  const r = spawnSync('bash', ['-e', '-c', script], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME ?? work,
      RUNNER_TEMP: runnerTemp,
      GITHUB_STEP_SUMMARY: summary,
      STACK: 'dev',
      JOBS: '2',
      RUN_URL: 'https://github.com/o/r/actions/runs/7',
      PLAN_URL: 'https://github.com/o/r/actions/runs/6',
      ...env,
    },
  });
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { code: r.status, section: read(join(work, 'comment/dev.md')), summary: read(summary), stderr: r.stderr, costJson: read(join(work, 'comment/dev.cost.json')) };
}

describe('the comment section step of fleet-pr.yml', () => {
  it('posts the cost diff of the base plan against the pull request\'s, within the stack share, and the full diff on the run page', () => {
    const r = runStep({ OUTCOME: 'success', BASE_OUTCOME: 'success' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.section.startsWith('## Stack `dev`: what this change costs\n\n**Monthly estimate +$')).toBe(true);
    expect(r.section.length).toBeLessThanOrEqual(29_000);
    expect(r.section).toContain('| fraud | $0 | ');
    expect(r.summary).toContain('**Added (145)**');
    expect(JSON.parse(r.costJson).pastTotalMonthlyCost).toMatch(/^\d+\.\d\d$/);
  });

  it('says so when the default branch has no plan for the stack, quoting nothing of the pull request', () => {
    const r = runStep({ OUTCOME: 'success', BASE_OUTCOME: 'failure' }, false);
    expect(r.code).toBe(0);
    expect(r.section).toBe(
      "## Stack `dev`: synth passed; the base branch's plan could not be built\n\nThere is no cost diff: the default branch does not synthesize for this stack. See the [workflow run](https://github.com/o/r/actions/runs/7).\n",
    );
  });

  it('shows what failed in a code block the log cannot close, cut to the share', () => {
    const r = runStep({ OUTCOME: 'failure', BASE_OUTCOME: 'skipped' }, false);
    expect(r.code).toBe(0);
    expect(r.section).toContain('## Stack `dev`: synth failed; nothing will be previewed or applied');
    expect(r.section).toContain("models/fraud/txn-scorer.ts: peakQps: a problem '''");
    expect(r.section.match(/```/g)).toHaveLength(2); // the fence, opened and closed: none from the log
    expect(r.section.length).toBeLessThanOrEqual(29_000);
    expect(r.section).toContain('Every problem is in the [plan run](https://github.com/o/r/actions/runs/6).');
  });
});

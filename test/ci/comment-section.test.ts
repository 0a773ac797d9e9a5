/**
 * The step of `.github/workflows/fleet-pr.yml` that writes a stack's section
 * of the pull-request comment, run for real in bash with the runner's
 * variables set: `npx` is a shim that runs this repository's CLI. Its three
 * branches (a diff against the base plan, no base plan, a failed synth)
 * each stay within the stack's share of the comment, and the run's summary
 * page gets the full diff and summary.md.
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
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/fleet-pr.yml'), 'utf8')) as { jobs: { plan: { steps: { run?: string }[] } } };
const script = workflow.jobs.plan.steps.find((s) => s.run?.includes('modelfleet diff'))!.run!;

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
function runStep(env: Record<string, string>, withBase = true): { code: number | null; section: string; summary: string; stderr: string } {
  const work = mkdtempSync(join(scratch, 'work-'));
  const runnerTemp = join(work, 'runner-temp');
  mkdirSync(runnerTemp);
  writeOutputAtomically(join(work, 'dist'), head.files);
  if (withBase) writeOutputAtomically(join(runnerTemp, 'base-dist'), base.files);
  writeFileSync(join(runnerTemp, 'synth.log'), 'models/fraud/txn-scorer.ts: peakQps: a problem\n'.repeat(5000));
  const summary = join(work, 'step-summary.md');
  const r = spawnSync('bash', ['-e', '-c', script], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? work, RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summary, STACK: 'dev', JOBS: '2', RUN_URL: 'https://github.com/o/r/actions/runs/7', ...env },
  });
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { code: r.status, section: read(join(work, 'comment/dev.md')), summary: read(summary), stderr: r.stderr };
}

describe('the comment section step of fleet-pr.yml', () => {
  it('posts the cost diff against the base plan within the stack share, and the full diff and summary on the run page', () => {
    const r = runStep({ OUTCOME: 'success', BASE_OUTCOME: 'success' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.section.startsWith('## Stack `dev`: what this change costs\n\n**Monthly estimate +$')).toBe(true);
    expect(r.section.length).toBeLessThanOrEqual(29_000);
    expect(r.section).toContain('| fraud | $0 | ');
    expect(r.summary).toContain('**Added (145)**');
    expect(r.summary).toContain('\n## modelfleet plan\n');
  });

  it('shows the plan when the base branch has none', () => {
    const r = runStep({ OUTCOME: 'success', BASE_OUTCOME: 'failure' }, false);
    expect(r.code).toBe(0);
    expect(r.section).toContain('## Stack `dev`: synth passed; no base plan to compare with');
    expect(r.section).toContain('Monthly estimate: **$');
    expect(r.section).toContain('### Cost');
    expect(r.section).not.toContain('### Teams');
  });

  it('shows what failed, cut to the share', () => {
    const r = runStep({ OUTCOME: 'failure', BASE_OUTCOME: 'skipped' }, false);
    expect(r.code).toBe(0);
    expect(r.section).toContain('## Stack `dev`: synth failed; nothing will be previewed or applied');
    expect(r.section).toContain('models/fraud/txn-scorer.ts: peakQps: a problem');
    expect(r.section.length).toBeLessThanOrEqual(29_000);
    expect(r.section).toContain('Every problem is in the [workflow run](https://github.com/o/r/actions/runs/7).');
  });
});

/**
 * `modelfleet synth`: plan the fleet, render it, write `--out` atomically.
 */
import { synthFleet } from '../constructs/synth-fleet.ts';
import { formatIssues, SpecError } from '../core/errors/spec-issue.ts';
import { advisoryViolations } from '../policies/rules/run-platform-rules.ts';
import { checkOutputDir, writeFileAtomically, writeOutputAtomically } from './write-output.ts';
import { reportFailure, type CliIo } from './report-failure.ts';

/** Options of `synth`. */
export interface SynthCommandOptions {
  readonly modelsDir: string;
  readonly outDir: string;
  /** `undefined` for the embedded default stack. */
  readonly stackName?: string;
  /** Lockfile path. @default - beside the models directory */
  readonly lockfile?: string;
  /** Fail instead of updating the lockfile when placement would change (CI). */
  readonly frozenLockfile?: boolean;
}

/** Runs `synth`; returns the exit code. */
export async function runSynth(options: SynthCommandOptions, io: CliIo): Promise<number> {
  try {
    checkOutputDir(options.outDir);
    const result = await synthFleet({
      modelsDir: options.modelsDir,
      ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
      ...(options.lockfile !== undefined ? { lockfile: options.lockfile } : {}),
    });
    const { lockfile, diff } = result;
    const lockChanged = lockfile.previous?.text !== lockfile.text;
    if (options.frozenLockfile && lockChanged) {
      const what = lockfile.previous
        ? `placement would change (${diff.added.length} added, ${diff.removed.length} removed, ${diff.moved.length} moved)`
        : 'does not exist';
      throw new SpecError([{ file: lockfile.shownAs, path: [], message: `${what} and --frozen-lockfile is set; run \`npx modelfleet synth\` and commit the lockfile` }]);
    }
    writeOutputAtomically(options.outDir, result.files);
    if (lockChanged) writeFileAtomically(lockfile.path, lockfile.text);
    // Advisory rule violations: printed (and listed in summary.md), never fatal.
    const warnings = [...result.warnings, ...advisoryViolations(result.rules)];
    if (warnings.length) {
      io.err(formatIssues(warnings).split('\n').map((line) => `warning: ${line}`).join('\n'));
      const stack = result.warnings.length;
      const advisory = warnings.length - stack;
      const rules = 'from advisory rules (see "Rule results" in summary.md)';
      const about = stack && advisory ? `(${stack} about the stack; ${advisory} ${rules})` : stack ? 'about the stack' : rules;
      io.err(`modelfleet: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} ${about}`);
    }
    io.out(result.consoleSummary);
    io.out(`wrote ${result.files.length} files to ${options.outDir}/ (kubectl kustomize ${options.outDir} renders ${result.objectCount} objects)`);
    if (lockChanged) io.out(`${lockfile.previous ? 'updated' : 'created'} ${lockfile.shownAs}; commit it with the fleet`);
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

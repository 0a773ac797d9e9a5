/**
 * How the CLI reports failures and which exit code each kind gets.
 */
import { SpecError, formatIssues } from '../core/errors/spec-issue.ts';
import { UnsafeOutputError } from './write-output.ts';

/** Exit code for invalid input or a rule violation. */
export const EXIT_INVALID = 1;
/** Exit code for usage errors. */
export const EXIT_USAGE = 2;

/** Where the CLI prints; replaceable in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Prints a failure of `synth` and returns its exit code. */
export function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof SpecError) {
    io.err(formatIssues(error.issues));
    io.err(`modelfleet: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found; nothing was written`);
    return EXIT_INVALID;
  }
  if (error instanceof UnsafeOutputError) {
    io.err(`modelfleet: ${error.message}`);
    return EXIT_USAGE;
  }
  throw error;
}

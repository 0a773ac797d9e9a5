/**
 * How the CLI reports failures and which exit code each kind gets.
 */
import { SpecError, formatIssues } from '../core/errors/spec-issue.ts';
import { formatInternalError, ManifestValidationError } from '../core/validate/manifest-issue.ts';
import { OutputWriteError, UnsafeOutputError } from './write-output.ts';

/** Exit code for invalid input or a rule violation. */
export const EXIT_INVALID = 1;
/** Exit code for usage errors. */
export const EXIT_USAGE = 2;
/**
 * Exit code for an internal error (a bug in modelfleet, such as a rendered
 * object that fails schema validation): 1, as for an uncaught exception, since
 * the documented contract has only 0, 1 and 2.
 */
export const EXIT_INTERNAL = 1;

/** Most internal-error lines printed; one bug in a construct usually breaks every shard alike. */
export const MAX_INTERNAL_ERROR_LINES = 20;

/** Where the CLI prints; replaceable in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Prints a failure of `synth` and returns its exit code. */
export function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof SpecError) {
    const text = formatIssues(error.issues);
    const count = text ? text.split('\n').length : 0; // the lines printed (formatIssues drops duplicates)
    io.err(text);
    io.err(`modelfleet: ${count} problem${count === 1 ? '' : 's'} found; nothing was written`);
    return EXIT_INVALID;
  }
  if (error instanceof OutputWriteError) {
    io.err(`modelfleet: ${error.message}`);
    return EXIT_INVALID;
  }
  if (error instanceof ManifestValidationError) {
    const { issues } = error;
    for (const issue of issues.slice(0, MAX_INTERNAL_ERROR_LINES)) io.err(`modelfleet: ${formatInternalError(issue)}`);
    const hidden = issues.length - MAX_INTERNAL_ERROR_LINES;
    const more = hidden > 0 ? ` (${hidden} more not shown)` : '';
    io.err(`modelfleet: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the rendered manifests${more}; nothing was written`);
    return EXIT_INTERNAL;
  }
  if (error instanceof UnsafeOutputError) {
    io.err(`modelfleet: ${error.message}`);
    return EXIT_USAGE;
  }
  throw error;
}

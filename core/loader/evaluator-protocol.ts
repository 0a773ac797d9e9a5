/**
 * What the declaration evaluator (`evaluator-main.ts`, the child process) and
 * the process that starts it (`declaration-evaluator.ts`) say to each other:
 * requests as JSON lines on the child's stdin, answers as JSON lines on its
 * fd 3. The parent checks every answer against these shapes, since the child
 * runs the fleet's code.
 */

/** One load: import `files` in order, with `cwd` as the working directory. */
export interface EvaluationRequest {
  /** Tells the answers of one request from another's. */
  readonly id: number;
  /** The working directory of the load (paths in messages are shown relative to it). */
  readonly cwd: string;
  /** The fleet directory (paths under it in thrown messages are shown relative to `cwd`). */
  readonly root: string;
  /** Absolute paths of the files to import, in order. */
  readonly files: readonly string[];
  /** Longest answer line the parent accepts; a file whose exports need more fails to load. */
  readonly maxMessageBytes: number;
}

/** What the watchdog writes on stderr before it kills the evaluator for the memory of the whole process. */
export const MEMORY_MARKER = 'modelfleet-evaluator: process memory limit reached';

/**
 * Reads the placement lockfile from disk, if there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SpecError } from '../errors/spec-issue.ts';
import { parseLock, type PlacementLock } from './lockfile.ts';

/** A lockfile as found on disk. */
export interface LockfileOnDisk {
  readonly lock: PlacementLock;
  /** The exact text, to tell whether a rewrite would change it. */
  readonly text: string;
}

/**
 * Reads `path`; `undefined` when the file does not exist.
 *
 * @param shownAs - how messages name the file
 * @param stackName - the stack being synthesized; a lockfile of another stack is an error
 * @throws SpecError when the file is corrupt or belongs to another stack
 */
export function readLockfile(path: string, shownAs: string, stackName: string): LockfileOnDisk | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const { lock, issues } = parseLock(text, shownAs);
  if (!lock) throw new SpecError(issues);
  if (lock.stack !== stackName) {
    throw new SpecError([
      {
        file: shownAs,
        path: ['stack'],
        message: `is "${lock.stack}" but synth runs stack "${stackName}"; lockfiles are per stack (placement.lock.json for the default stack, placement.<stack>.lock.json otherwise); rename or delete the file`,
      },
    ]);
  }
  return { lock, text };
}

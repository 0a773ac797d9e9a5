/**
 * Reads the placement lockfile from disk, if there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SpecError } from '../errors/spec-issue.ts';
import { displayPath } from '../util/display-path.ts';
import { lockfileName, parseLock, type PlacementLock } from './lockfile.ts';

/** Where a fleet's lockfile lives, and how messages name it. */
export interface LockfileLocation {
  readonly path: string;
  readonly shownAs: string;
}

/**
 * Locates the lockfile: `lockfile` when given, else `placement.lock.json`
 * (or `placement.<stack>.lock.json`) in the folder holding the models directory.
 */
export function locateLockfile(options: {
  readonly cwd: string;
  readonly modelsDir: string;
  readonly stackName?: string;
  readonly lockfile?: string;
}): LockfileLocation {
  const { cwd } = options;
  const path = resolve(cwd, options.lockfile ?? join(dirname(resolve(cwd, options.modelsDir)), lockfileName(options.stackName)));
  return { path, shownAs: displayPath(path, cwd) };
}

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

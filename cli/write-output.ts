/**
 * Atomic output: every file is written into a fresh temporary directory beside
 * `--out`, which is then swapped in with renames. On any failure the temporary
 * directory is removed and `--out` is exactly as it was.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

import type { OutputFile } from '../core/plan/output-file.ts';

/** Marker file that tells modelfleet a directory is its own output and may be replaced. */
export const OUTPUT_MARKER = '.modelfleet-output';

/** Thrown when `--out` is an existing directory modelfleet did not write. */
export class UnsafeOutputError extends Error {}

/**
 * Thrown when writing fails (disk full, file too large, permissions, …) after
 * the staging directory has been removed and `--out` restored.
 */
export class OutputWriteError extends Error {}

/** The first line of an error's message (`EFBIG: file too large, write`). */
function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * Refuses to replace a non-empty directory that has no output marker (so a
 * mistaken `--out .` or `--out models` never deletes anything).
 */
export function checkOutputDir(outDir: string): void {
  const abs = resolve(outDir);
  if (!existsSync(abs)) return;
  if (!statSync(abs).isDirectory()) throw new UnsafeOutputError(`--out ${outDir} exists and is not a directory; choose another --out`);
  const entries = readdirSync(abs);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw new UnsafeOutputError(`--out ${outDir} is a non-empty directory that modelfleet did not write (no ${OUTPUT_MARKER}); refusing to replace it. Choose an empty or new directory`);
  }
}

/**
 * Writes `files` to `outDir` atomically (from the point of view of any reader
 * that opens `outDir` by name: it sees the old tree or the new one).
 *
 * @param beforeSwap - test hook called after the files are written and before the swap
 */
export function writeOutputAtomically(outDir: string, files: readonly OutputFile[], beforeSwap?: () => void): void {
  const target = resolve(outDir);
  checkOutputDir(outDir);
  const parent = dirname(target);
  const fail = (error: unknown, doing?: string): never => {
    throw new OutputWriteError(
      `could not write --out ${outDir}: ${reasonOf(error)}${doing ? ` (${doing})` : ''}; --out is unchanged. Fix the cause (disk space, permissions, file-size limit), then run synth again`,
    );
  };
  let staging: string;
  try {
    mkdirSync(parent, { recursive: true });
    staging = mkdtempSync(join(parent, `.${basename(target)}.new-`));
    chmodSync(staging, 0o755); // mkdtemp creates 0700; the output is an ordinary directory
  } catch (error) {
    return fail(error, `creating a staging directory in ${parent}`);
  }
  let old: string | undefined;
  let doing: string | undefined;
  try {
    for (const file of files) {
      doing = `writing ${file.path}`;
      const path = resolve(staging, file.path);
      if (!path.startsWith(staging + sep)) throw new Error(`refusing to write ${file.path}: outside the output directory`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
    doing = `writing ${OUTPUT_MARKER}`;
    writeFileSync(join(staging, OUTPUT_MARKER), 'Written by `modelfleet synth`; this directory is replaced on every run.\n');
    doing = undefined;
    beforeSwap?.();
    doing = 'swapping the new directory in';
    if (existsSync(target)) {
      old = `${staging}.old`;
      renameSync(target, old);
    }
    renameSync(staging, target);
  } catch (error) {
    if (old && !existsSync(target)) renameSync(old, target);
    rmSync(staging, { recursive: true, force: true });
    return fail(error, doing);
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Writes one file atomically: a temporary file in the same directory, then a rename. */
export function writeFileAtomically(path: string, content: string): void {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, content);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new OutputWriteError(`could not write ${path}: ${reasonOf(error)}; the file is unchanged. Fix the cause (disk space, permissions, file-size limit), then run the command again`);
  }
}

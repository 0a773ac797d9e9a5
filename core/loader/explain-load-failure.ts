/**
 * Why a declaration file failed to load, in one line: a syntax error with its
 * position, or what the file threw and at which line of it.
 *
 * Runs where the error exists: in the declaration evaluator
 * (`evaluator-main.ts`), which sends only this text to the process that
 * validates the fleet.
 */
import { describeValue } from '../spec/zod-issues.ts';
import { displayPath } from '../util/display-path.ts';

const FIX = 'make the file load without throwing';

/**
 * Explains why importing `absFile` failed: `syntax error at line 6, column 2:
 * …`, `it threw Error at line 4: …; make the file load without throwing`, or
 * `it threw "not ready" (not an Error); …`. Paths under `absDir` in the
 * message are shown relative to `cwd`. Never throws, whatever was thrown.
 */
export function explainLoadFailure(error: unknown, absFile: string, absDir: string, cwd: string): string {
  try {
    return explain(error, absFile, absDir, cwd);
  } catch {
    // A thrown object whose `message` or `stack` getter throws in turn.
    return `it threw something that cannot be read (a getter or proxy that throws); ${FIX}`;
  }
}

function explain(error: unknown, absFile: string, absDir: string, cwd: string): string {
  // Not String(error): a thrown Object.create(null) has no string form.
  const raw = error instanceof Error ? String(error.message) : typeof error === 'string' ? error : '';
  // esbuild reports "Transform failed with 1 error:\n/abs/file.ts:3:7: ERROR: …": keep the useful line.
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const syntax = lines.find((l) => /ERROR:/.test(l));
  if (syntax) return syntax.replace(/^.*?:(\d+):(\d+): ERROR: /, 'syntax error at line $1, column $2: ');
  const where = error instanceof Error && error.stack ? new RegExp(`${escapeRegExp(absFile)}[^:]*:(\\d+):(\\d+)`).exec(error.stack) : null;
  if (!(error instanceof Error)) return `it threw ${describeValue(typeof error === 'string' ? (lines[0] ?? '') : error)} (not an Error); ${FIX}`;
  const message = (lines[0] ?? 'unknown error').split(absDir).join(displayPath(absDir, cwd));
  return `it threw ${error.name}${where ? ` at line ${where[1]}` : ''}: ${message}; ${FIX}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

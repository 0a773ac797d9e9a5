/**
 * Problems found in a fleet, as data.
 *
 * Detection and formatting are separate (as in zod's `prettifyError`): checks
 * collect `SpecIssue`s, and `formatIssues()` renders them as
 * `FILE: FIELD: message`, one per line, in a stable order.
 */

/** One problem in a declaration, a stack file or the fleet as a whole. */
export interface SpecIssue {
  /** File the problem is in, relative to the working directory (`models/fraud/txn-scorer.ts`). */
  readonly file: string;
  /** Field path inside the file's export, in the author's field names (`['tenants', 'acme', 'memory']`). */
  readonly path: readonly (string | number)[];
  /** What is wrong, the value received, what is allowed and the fix. */
  readonly message: string;
}

/** Thrown once, carrying every issue found, when a fleet cannot be synthesized. */
export class SpecError extends Error {
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[]) {
    super(formatIssues(issues));
    this.name = 'SpecError';
    this.issues = issues;
  }
}

/**
 * Renders a field path the way an author writes it: `tenants.acme.memory`,
 * `[1].gpuMemory`, `quota["nvidia.com/gpu"]`. An empty path renders as `-`.
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$:-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '-';
}

/**
 * Renders issues as `FILE: FIELD: message` lines: grouped by file (sorted),
 * in detection order within a file, without duplicate lines.
 */
export function formatIssues(issues: readonly SpecIssue[]): string {
  const keyed = issues.map((issue, index) => ({ issue, index }));
  keyed.sort((a, b) => (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : a.index - b.index));
  const lines = keyed.map(({ issue }) => `${issue.file}: ${formatPath(issue.path)}: ${issue.message}`);
  return [...new Set(lines)].join('\n');
}

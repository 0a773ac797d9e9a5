/**
 * `modelfleet diff BASE HEAD`: compares two plans (two `plan.json` files or
 * two synth output directories) and prints the pull-request comment:
 * the monthly cost change, a team table against budgets, a pool table, what
 * moved and the shards whose cost changed, within a character budget.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diffMarkdown } from '../core/cost/diff-markdown.ts';
import { infracostJson } from '../core/cost/infracost-json.ts';
import { diffPlans, parsePlanDocument, PlanDocumentError, type PlanDocument } from '../core/cost/plan-diff.ts';
import { EXIT_INVALID, type CliIo } from './report-failure.ts';
import { OutputWriteError, writeFileAtomically } from './write-output.ts';

/** Options of `diff`. */
export interface DiffCommandOptions {
  /** The base branch's `plan.json` or synth output directory. */
  readonly base: string;
  /** The pull request's `plan.json` or synth output directory. */
  readonly head: string;
  /** Also write the comment here. */
  readonly out?: string;
  /** Write the whole diff, with nothing cut, here (for a job summary). */
  readonly full?: string;
  /** Write Infracost-shaped `cost.json` here. */
  readonly costJson?: string;
  /** Comment budget in characters. @default 60000 */
  readonly maxChars?: number;
  /** Where the full diff can be read, named when sections are cut. */
  readonly detailsUrl?: string;
  /** Heading line of the comment. @default "## modelfleet: what this change costs" */
  readonly title?: string;
}

/** Reads `path` (a `plan.json`, or a directory holding one) as a plan document. */
function readPlan(path: string, role: 'BASE' | 'HEAD'): PlanDocument {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'plan.json') : path;
  if (!existsSync(file)) {
    throw new PlanDocumentError(`${file}: -: ${role} does not exist; give a plan.json written by \`modelfleet synth\`, or the --out directory that holds it`);
  }
  return parsePlanDocument(readFileSync(file, 'utf8'), file);
}

/** Runs `diff`; returns the exit code. */
export function runDiff(options: DiffCommandOptions, io: CliIo): number {
  try {
    const base = readPlan(options.base, 'BASE');
    const head = readPlan(options.head, 'HEAD');
    const diff = diffPlans(base, head);
    const title = options.title !== undefined ? { title: options.title } : {};
    const comment = diffMarkdown(diff, { ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}), ...(options.detailsUrl ? { detailsUrl: options.detailsUrl } : {}), ...title });
    if (options.out) writeFileAtomically(options.out, comment);
    if (options.full) writeFileAtomically(options.full, diffMarkdown(diff, { maxChars: Infinity, ...title }));
    if (options.costJson) writeFileAtomically(options.costJson, infracostJson(base, head));
    for (const w of diff.warnings) io.err(`warning: ${w}`);
    io.out(comment);
    return 0;
  } catch (error) {
    if (error instanceof PlanDocumentError || error instanceof OutputWriteError) {
      io.err(`modelfleet: ${error.message}`);
      return EXIT_INVALID;
    }
    throw error;
  }
}

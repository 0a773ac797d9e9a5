/**
 * `modelfleet profile FILE... --pool NAME`: turns perf_analyzer reports or a
 * Model Analyzer inference table into a declaration's `profile` block (or,
 * with `--json`, into data). Reads the files and prints; the parsing and the
 * checks are in `core/serving/measured-profile.ts`.
 *
 * @see docs/profiles.md
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecError, formatIssues, type SpecIssue } from '../core/errors/spec-issue.ts';
import { formatProfileSnippet, measuredProfile, profileJson, type MeasurementFile, type MeasurementFormat } from '../core/serving/measured-profile.ts';
import { splitBatchSuffix } from '../core/serving/perf-analyzer-csv.ts';
import { displayPath } from '../core/util/display-path.ts';
import { EXIT_INVALID, reportFailure, type CliIo } from './report-failure.ts';

/** Options of `profile`. */
export interface ProfileCommandOptions {
  /** File arguments as given: `out-b8.csv`, `out.csv:8`, `results/metrics-model-inference.csv`. */
  readonly files: readonly string[];
  /** Node pool the measurements were taken on (a valid pool name; the CLI checks it). */
  readonly pool: string;
  /** The tool that wrote the files. @default - recognised from each file's header */
  readonly from?: MeasurementFormat;
  /** Model or model config to read from a Model Analyzer table. @default - the only one in the table */
  readonly model?: string;
  /** Print JSON instead of a TypeScript snippet. @default false */
  readonly json?: boolean;
}

/**
 * Runs `profile`; returns the exit code. Every problem is one
 * `FILE: FIELD: message` line on stderr and exit 1, with nothing on stdout;
 * warnings (a raised rounding, a client-side figure) are `warning:` lines on
 * stderr beside a successful result.
 */
export function runProfile(options: ProfileCommandOptions, io: CliIo): number {
  try {
    const cwd = process.cwd();
    const inputs: MeasurementFile[] = [];
    const unreadable: SpecIssue[] = [];
    for (const argument of options.files) {
      // A path that exists is a file even if it ends in ":<digits>"; otherwise the tail is a batch size.
      const { file, batch } = existsSync(argument) ? { file: argument, batch: undefined } : splitBatchSuffix(argument);
      const shown = displayPath(resolve(cwd, file), cwd);
      try {
        inputs.push({ file: shown, text: readFileSync(file, 'utf8'), ...(batch !== undefined ? { batch } : {}) });
      } catch (error) {
        unreadable.push({ file: shown, path: [], message: `cannot read: ${(error as Error).message.split('\n')[0]}` });
      }
    }
    if (unreadable.length) throw new SpecError(unreadable);
    const result = measuredProfile(inputs, {
      pool: options.pool,
      ...(options.from !== undefined ? { format: options.from } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
    });
    if (!result.ok) throw new SpecError(result.issues);
    if (result.warnings.length) io.err(formatIssues(result.warnings).split('\n').map((line) => `warning: ${line}`).join('\n'));
    io.out(options.json ? `${JSON.stringify(profileJson(result.profile), null, 2)}\n` : formatProfileSnippet(result.profile));
    return 0;
  } catch (error) {
    // The problems alone, without synth's count line: `profile` writes nothing, and its contract is one line per problem.
    if (error instanceof SpecError) {
      io.err(formatIssues(error.issues));
      return EXIT_INVALID;
    }
    return reportFailure(error, io);
  }
}

/**
 * `modelfleet observe --prometheus URL`: reads what Triton measured for every
 * copy of the fleet from Prometheus, compares it with the declarations, prints
 * the findings (markdown, or JSON with `--json`) and, with `--write`, edits the
 * declarations so that a pull request carries the new numbers.
 *
 * Exit codes: 0 report printed (findings or not); 1 invalid declarations, or
 * `--fail-on` findings; 2 Prometheus could not answer (unreachable, HTTP
 * error, timeout, no metrics at all) or a usage error. Nothing is written
 * unless the whole report succeeded, and `--write` puts every file back when
 * the edited fleet does not read back as intended.
 *
 * @see docs/observe.md
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpecError } from '../core/errors/spec-issue.ts';
import { loadFleet } from '../core/loader/load-fleet.ts';
import { compareFleet, FINDING_KINDS, fmt, RISK_FINDINGS, type CopyReport, type DeclarationChange, type ObserveReport } from '../core/observe/copy-findings.ts';
import { editDeclarationFile } from '../core/observe/edit-declarations.ts';
import { observeFleet, RATE_WINDOW_SECONDS, TRITON_METRICS, type ObserveWindow } from '../core/observe/observe-fleet.ts';
import { PrometheusClient, PrometheusError } from '../core/observe/prometheus-api.ts';
import { compareStrings } from '../core/util/compare.ts';
import { checkOnStack } from './check-command.ts';
import { EXIT_INVALID, EXIT_USAGE, reportFailure, type CliIo } from './report-failure.ts';

/** Options of `observe`. */
export interface ObserveCommandOptions {
  /** Prometheus base URL. */
  readonly prometheus: string;
  readonly modelsDir: string;
  readonly stackName?: string;
  readonly lockfile?: string;
  /** Window length: `7d`, `48h`. @default "7d" */
  readonly since?: string;
  /** Window end: ISO 8601 or unix seconds; floored to the hour. @default - now */
  readonly until?: string;
  /** Subquery step of the peak search: `60s`, `1m`. @default "60s" */
  readonly step?: string;
  /** Extra PromQL label matchers (`cluster="prod-eu"`). */
  readonly selector?: string;
  /** Seconds one query may take. @default 120 */
  readonly queryTimeoutSeconds?: number;
  /** Extra HTTP headers, `Name: value`. */
  readonly headers?: readonly string[];
  readonly json?: boolean;
  /** Edit the declarations. */
  readonly write?: boolean;
  /** Exit 1 when a copy has a finding of this class. */
  readonly failOn?: 'risk' | 'any';
  /** List every copy in the markdown table, not only those with findings. */
  readonly all?: boolean;
}

/** A usage problem of `observe`: exit 2. */
class ObserveUsageError extends Error {}

/** Longest window: 11,000 hourly points is Prometheus' limit per series of a range query. */
const MAX_SINCE_DAYS = 400;

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds of a Prometheus-style duration (`90s`, `5m`, `48h`, `7d`, `2w`, or `1d12h`). */
export function parseDuration(value: string, flag: string): number {
  if (!/^(\d+[smhdw])+$/.test(value)) throw new ObserveUsageError(`${flag} ${JSON.stringify(value)} is not a duration; write e.g. 7d, 48h or 90m`);
  let seconds = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNITS[unit!]!;
  if (seconds <= 0) throw new ObserveUsageError(`${flag} ${JSON.stringify(value)} is zero; give a positive duration`);
  return seconds;
}

/** Unix seconds of `--until`: ISO 8601 or unix seconds. */
function parseUntil(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  if (/^\d+(\.\d+)?$/.test(value)) return Math.floor(Number(value));
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new ObserveUsageError(`--until ${JSON.stringify(value)} is not a time; give ISO 8601 (2026-12-01T00:00:00Z) or unix seconds`);
  return Math.floor(t / 1000);
}

/** The window: whole hours ending at the hour of `--until`. */
export function observeWindow(options: Pick<ObserveCommandOptions, 'since' | 'until' | 'step'>): ObserveWindow {
  const since = parseDuration(options.since ?? '7d', '--since');
  const stepSeconds = parseDuration(options.step ?? '60s', '--step');
  if (stepSeconds > RATE_WINDOW_SECONDS) throw new ObserveUsageError(`--step ${options.step} is longer than the 5-minute rate window: peaks between steps would be missed; use at most 5m`);
  if (since < 3600) throw new ObserveUsageError(`--since ${options.since} is shorter than an hour; observe reads hourly peaks, give at least 1h (7d sees a week's pattern)`);
  if (since > MAX_SINCE_DAYS * 86_400) throw new ObserveUsageError(`--since ${options.since} is longer than ${MAX_SINCE_DAYS} days; Prometheus answers at most 11,000 hourly points per series`);
  const end = Math.floor(parseUntil(options.until) / 3600) * 3600;
  return { end, seconds: Math.ceil(since / 3600) * 3600, stepSeconds };
}

function parseHeaders(headers: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new ObserveUsageError(`--header ${JSON.stringify(h)} is not "Name: value"`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

/** Runs `observe`; returns the exit code. */
export async function runObserve(options: ObserveCommandOptions, io: CliIo): Promise<number> {
  const cwd = process.cwd();
  try {
    const window = observeWindow(options);
    const client = new PrometheusClient({ url: options.prometheus, timeoutSeconds: options.queryTimeoutSeconds ?? 120, headers: parseHeaders(options.headers) });
    const { stack, checked } = await checkOnStack(options);
    const shards = checked.planned.plan.shards;
    const observations = await observeFleet(shards, { client, window, ...(options.selector ? { selector: options.selector } : {}) });
    const copies = shards.reduce((n, s) => n + s.copies.length, 0);
    if (observations.size === 0 && copies > 0) {
      throw new PrometheusError(
        `Prometheus at ${options.prometheus} has no Triton metrics (${TRITON_METRICS.requests}) for any of the ${copies} copies between ${new Date((window.end - window.seconds) * 1000).toISOString()} and ${new Date(window.end * 1000).toISOString()}${options.selector ? ` with ${options.selector}` : ''}; check that it scrapes the shards (docs/observe.md#what-to-scrape), and --since/--until`,
        'empty',
      );
    }
    const report = compareFleet(checked.planned, observations, { window, config: stack.observe });
    let written: WriteResult | undefined;
    if (options.write) written = await writeChanges(report.changes, options.modelsDir, cwd, stack.declarations);
    io.out(options.json ? `${JSON.stringify(jsonReport(report, written), null, 2)}\n` : markdownReport(report, { prometheus: options.prometheus, all: options.all === true, written }));
    if (written) {
      io.err(`modelfleet: wrote ${written.applied.length} change${written.applied.length === 1 ? '' : 's'} to ${written.files.length} file${written.files.length === 1 ? '' : 's'}${written.skipped.length ? `; ${written.skipped.length} left for a person (see the report)` : ''}`);
    }
    if (options.failOn) {
      const failing = report.copies.filter((c) => c.findings.some((f) => options.failOn === 'any' || RISK_FINDINGS.includes(f)));
      if (failing.length) {
        io.err(`modelfleet: ${failing.length} cop${failing.length === 1 ? 'y has' : 'ies have'} ${options.failOn === 'any' ? 'findings' : `findings that put a service level at risk (${RISK_FINDINGS.join(', ')})`} (--fail-on ${options.failOn})`);
        return EXIT_INVALID;
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof PrometheusError || error instanceof ObserveUsageError) {
      io.err(`modelfleet: ${error.message}; nothing was written`);
      return EXIT_USAGE;
    }
    if (error instanceof WriteBackError) {
      io.err(`modelfleet: ${error.message}`);
      return EXIT_INVALID;
    }
    return reportFailure(error, io);
  }
}

/** The edited fleet did not read back as intended: every file was restored. */
class WriteBackError extends Error {}

interface WriteResult {
  readonly files: readonly string[];
  readonly applied: readonly DeclarationChange[];
  readonly skipped: readonly { readonly change: DeclarationChange; readonly reason: string }[];
}

/**
 * Applies `changes` to the declaration files, then loads the fleet again and
 * checks that every changed value reads back as intended; on any difference
 * (or a load failure) every file is put back and `WriteBackError` thrown.
 */
async function writeChanges(changes: readonly DeclarationChange[], modelsDir: string, cwd: string, limits: { readonly timeoutSeconds: number; readonly memoryMb: number }): Promise<WriteResult> {
  if (!changes.length) return { files: [], applied: [], skipped: [] };
  const ts = (await import('typescript')).default;
  const byFile = new Map<string, DeclarationChange[]>();
  for (const c of changes) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const originals = new Map<string, string>();
  const edited = new Map<string, string>();
  const applied: DeclarationChange[] = [];
  const skipped: { change: DeclarationChange; reason: string }[] = [];
  for (const [file, fileChanges] of [...byFile].sort(([a], [b]) => compareStrings(a, b))) {
    const path = resolve(cwd, file);
    const text = readFileSync(path, 'utf8');
    const result = editDeclarationFile(ts, file, text, fileChanges);
    applied.push(...result.applied);
    skipped.push(...result.skipped);
    if (result.text !== text) {
      originals.set(path, text);
      edited.set(path, result.text);
    }
  }
  const replace = (contents: ReadonlyMap<string, string>) => {
    for (const [path, text] of contents) {
      writeFileSync(`${path}.modelfleet-tmp`, text);
      renameSync(`${path}.modelfleet-tmp`, path);
    }
  };
  replace(edited);
  try {
    const fleet = await loadFleet(modelsDir, { cwd, timeoutSeconds: limits.timeoutSeconds, memoryMb: limits.memoryMb });
    const models = new Map(fleet.models.map((m) => [m.name, m]));
    const wrong: string[] = [];
    for (const c of applied) {
      const m = models.get(c.model);
      const got =
        c.kind === 'peakQps'
          ? c.tenant === undefined
            ? m?.peakQps
            : m?.tenants?.find((t) => t.name === c.tenant)?.peakQps ?? m?.peakQps
          : c.kind === 'profile'
            ? JSON.stringify(m?.profile?.[c.pool])
            : JSON.stringify(m?.traffic?.peakHoursUtc);
      const want = c.kind === 'peakQps' ? c.to : c.kind === 'profile' ? JSON.stringify(c.to) : JSON.stringify(c.to);
      if (got !== want) wrong.push(`${c.file}: ${describeChange(c)} reads back as ${String(got)}`);
    }
    if (wrong.length) throw new WriteBackError(`the edited declarations do not read back as intended, so every file was put back:\n${wrong.join('\n')}\nchange these by hand (a later spread or computed value may override the edit)`);
  } catch (error) {
    replace(originals);
    if (error instanceof SpecError) {
      throw new WriteBackError(`the edited declarations no longer load, so every file was put back: ${error.issues.map((i) => `${i.file}: ${i.message}`).join('; ')}`);
    }
    throw error;
  }
  return { files: [...edited.keys()].map((p) => changes.find((c) => resolve(cwd, c.file) === p)!.file), applied, skipped };
}

/** `tenants.acme.peakQps 3000 → 3800`. */
export function describeChange(c: DeclarationChange): string {
  switch (c.kind) {
    case 'peakQps':
      return `${c.model}: ${c.tenant === undefined ? 'peakQps' : `tenants.${c.tenant}.peakQps`} ${c.from === null ? '(none)' : fmt(c.from)} → ${fmt(c.to)}`;
    case 'profile':
      return `${c.model}: profile.${c.pool} × ${c.ratio} → { ${c.to.map((p) => `${p.batch}: ${p.latencyMs}`).join(', ')} }`;
    case 'peakHours':
      return `${c.model}: traffic.peakHoursUtc [${c.from.join(', ')}] → [${c.to.join(', ')}]`;
  }
}

function jsonReport(report: ObserveReport, written: WriteResult | undefined) {
  return {
    window: report.window,
    counts: report.counts,
    copies: report.copies,
    changes: report.changes,
    ...(written ? { written: { files: written.files, skipped: written.skipped.map((s) => ({ change: s.change, reason: s.reason })) } } : {}),
  };
}

/** `13–16, 22` from `[13, 14, 15, 16, 22]`. */
function hourRanges(hours: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < hours.length; ) {
    let j = i;
    while (j + 1 < hours.length && hours[j + 1] === hours[j]! + 1) j++;
    out.push(i === j ? `${hours[i]}` : `${hours[i]}–${hours[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

const cell = (x: number | null, suffix = '') => (x === null ? '–' : `${fmt(x)}${suffix}`);

function copyName(c: CopyReport): string {
  return c.tenant === null ? c.model : `${c.model}@${c.tenant}`;
}

/** The markdown report (a pull request body or a job summary). */
export function markdownReport(report: ObserveReport, options: { readonly prometheus: string; readonly all: boolean; readonly written?: WriteResult }): string {
  const lines: string[] = [];
  const hours = Math.round((Date.parse(report.window.end) - Date.parse(report.window.start)) / 3_600_000);
  lines.push('## modelfleet observe: declared vs observed', '');
  lines.push(`Window ${report.window.start} to ${report.window.end} (${hours} h) from ${options.prometheus}: peaks are the largest 5-minute rate, sampled every ${report.window.stepSeconds} s.`, '');
  const found = FINDING_KINDS.filter((k) => report.counts[k] > 0).map((k) => `${report.counts[k]} ${k}`);
  lines.push(`${report.copies.length} copies: ${found.length ? found.join(', ') : 'no findings'}.`, '');
  const rows = options.all ? report.copies : report.copies.filter((c) => c.findings.length > 0);
  if (rows.length) {
    lines.push('| copy | shard | declared peak | observed peak | batch | ms per batch (profile) | peak queue ms (target) | peak hours UTC | findings |');
    lines.push('|---|---|--:|--:|--:|--:|--:|---|---|');
    for (const c of rows) {
      lines.push(
        `| ${copyName(c)} | ${c.shard} | ${cell(c.declaredPeakQps)} | ${cell(c.observedPeakQps)} | ${cell(c.observedBatch)} | ${cell(c.observedBatchLatencyMs)}${c.profileLatencyMs === null ? '' : ` (${fmt(c.profileLatencyMs)})`} | ${cell(c.observedPeakQueueMs)} (${fmt(c.queueBudgetMs)}) | ${hourRanges(c.peakHoursUtc) || '–'} | ${c.findings.join(', ') || '–'} |`,
      );
    }
    lines.push('');
  }
  const notes = rows.flatMap((c) => c.notes);
  if (notes.length) lines.push('### Findings', '', ...notes.map((n) => `- ${n}`), '');
  if (report.changes.length) {
    const written = options.written;
    lines.push(written ? '### Changes written' : '### Changes `--write` would make', '');
    const skipped = new Set(written?.skipped.map((s) => s.change) ?? []);
    for (const c of report.changes) if (!skipped.has(c)) lines.push(`- \`${c.file}\`: ${describeChange(c)}`);
    if (written?.skipped.length) {
      lines.push('', 'Left for a person:', '');
      for (const s of written.skipped) lines.push(`- \`${s.change.file}\`: ${describeChange(s.change)}: ${s.reason}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The pull-request comment of `modelfleet diff`, built section by section
 * within a character budget (GitHub refuses comments over 65,536
 * characters; the default budget of 60,000 leaves room for the sticky
 * comment's marker and a note):
 *
 * 1. headline (`Monthly estimate +$X (+Y%) · range $min–$max`), warnings and
 *    the team table: always, whatever the budget (the team table lists every
 *    team up to `ALL_TEAMS_UP_TO`, beyond that the changed and flagged ones);
 * 2. the pool table;
 * 3. what moved: copies added, removed, moved, as many as fit, then
 *    "… and N more";
 * 4. per-shard cost changes, inside `<details>`, as many rows as fit.
 *
 * Whatever is cut is counted in a note that points to the full diff
 * (`detailsUrl`, e.g. the workflow run's job summary).
 */
import { formatWholeUsd, formatUsdChange, thousands, type CentsRange } from './cost-model.ts';
import type { CopyChange, PlanDiff, PoolSide, TeamChange } from './plan-diff.ts';

/** Default comment budget, in characters. */
export const COMMENT_BUDGET = 60_000;

/** Team tables list every team up to this many; beyond, only teams whose cost changed or that are flagged. */
export const ALL_TEAMS_UP_TO = 50;

/** Options of `diffMarkdown`. */
export interface DiffMarkdownOptions {
  /** Most characters of the result. @default 60000; `Infinity` for the full diff */
  readonly maxChars?: number;
  /** Where the full diff is (a job summary URL); named in the note on cut sections. */
  readonly detailsUrl?: string;
  /** Heading line. @default "## modelfleet: what this change costs" */
  readonly title?: string;
}

/** `+$1,234 (+5.2%)`, `-$50 (-0.3%)`, `+$900 (new)`. */
export function describeChange(base: number | undefined, head: number): string {
  if (base === undefined) return 'n/a';
  if (head === base) return '$0';
  const change = formatUsdChange(head - base);
  if (base === 0) return head === 0 ? '$0' : `${change} (new)`;
  const pct = ((head - base) / base) * 100;
  const shown = Math.abs(pct) < 0.05 ? '0.0' : pct.toFixed(1);
  return `${change} (${pct > 0 && shown !== '0.0' ? '+' : ''}${shown}%)`;
}

/** The headline: `**Monthly estimate +$X (+Y%)** · range $min–$max`. */
export function diffHeadline(diff: PlanDiff): string {
  const h = diff.total.head;
  const b = diff.total.base;
  const range = `range ${formatWholeUsd(h.min)}–${formatWholeUsd(h.max)}`;
  if (!b) return `**Monthly estimate ${formatWholeUsd(h.planned)}** · ${range} (the base plan has no cost figures)`;
  if (b.planned === h.planned) return `**Monthly estimate unchanged** · ${range} · ${formatWholeUsd(h.planned)} planned`;
  return `**Monthly estimate ${describeChange(b.planned, h.planned)}** · ${range} · ${formatWholeUsd(b.planned)} → ${formatWholeUsd(h.planned)} planned`;
}

const STATUS: Readonly<Record<TeamChange['status'], string>> = { 'over-budget': '❌ over budget', increase: '⚠️ large increase', ok: '✅' };

function teamRow(t: TeamChange): string {
  const budget = t.budget === undefined ? '–' : `${formatWholeUsd(t.budget)} (${t.budget > 0 ? Math.round((t.head / t.budget) * 100) : '∞'}%)`;
  const status = t.budget === undefined && t.status === 'ok' ? '–' : STATUS[t.status];
  return `| ${t.team} | ${t.base === undefined ? 'n/a' : formatWholeUsd(t.base)} | ${formatWholeUsd(t.head)} | ${describeChange(t.base, t.head)} | ${budget} | ${status} |`;
}

function poolCell(b: PoolSide, h: PoolSide, f: (s: PoolSide) => string): string {
  const x = f(b);
  const y = f(h);
  return x === y ? x : `${x} → ${y}`;
}

function copyLine(c: CopyChange, kind: 'added' | 'removed' | 'moved'): string {
  if (kind === 'added') return `- \`${c.id}\` → \`${c.to}\``;
  if (kind === 'removed') return `- \`${c.id}\` (was in \`${c.from}\`)`;
  return `- \`${c.id}\`: \`${c.from}\` → \`${c.to}\``;
}

function rangeText(r: CentsRange | undefined): string {
  return r ? `${formatWholeUsd(r.planned)} (${formatWholeUsd(r.min)}–${formatWholeUsd(r.max)})` : '–';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Builds the comment (see the file comment). */
export function diffMarkdown(diff: PlanDiff, options: DiffMarkdownOptions = {}): string {
  const budget = options.maxChars ?? COMMENT_BUDGET;
  const where = options.detailsUrl ? `[the full diff](${options.detailsUrl})` : 'the full diff in the job summary';
  const cut: string[] = [];

  // 1. Always: headline, counts, warnings, team table.
  const head: string[] = [options.title ?? '## modelfleet: what this change costs', '', diffHeadline(diff), ''];
  const counts = [
    `${diff.added.length} ${diff.added.length === 1 ? 'copy' : 'copies'} added`,
    `${diff.removed.length} removed`,
    `${diff.moved.length} moved`,
    `${plural(diff.shards.filter((s) => !s.base && s.head).length, 'shard')} added, ${diff.shards.filter((s) => s.base && !s.head).length} removed`,
  ];
  head.push(`${counts.join(', ')}. Planned: each shard at its replica floor schedule, ${'730'} h a month, one node of its pool per replica.`, '');
  for (const w of diff.warnings) head.push(`> ⚠️ ${w}`);
  if (diff.warnings.length) head.push('');
  let shownTeams = diff.teams.length <= ALL_TEAMS_UP_TO ? diff.teams : diff.teams.filter((t) => t.status !== 'ok' || t.base !== t.head);
  const tableHead = ['### Teams', '', '| team | base | head | change | budget (use) | status |', '|---|---:|---:|---:|---:|---|'];
  // Thousands of changed teams would not fit: keep the flagged ones, then the largest changes.
  const fixed = head.join('\n').length + tableHead.join('\n').length + 600;
  if (fixed + shownTeams.reduce((n, t) => n + teamRow(t).length + 1, 0) > budget) {
    const ranked = [...shownTeams].sort((a, b) => Number(b.status !== 'ok') - Number(a.status !== 'ok') || Math.abs(b.head - (b.base ?? 0)) - Math.abs(a.head - (a.base ?? 0)));
    const keep = new Set<TeamChange>();
    let used = fixed;
    for (const t of ranked) {
      if (used + teamRow(t).length + 1 > budget) break;
      keep.add(t);
      used += teamRow(t).length + 1;
    }
    shownTeams = shownTeams.filter((t) => keep.has(t));
  }
  head.push(...tableHead, ...shownTeams.map(teamRow));
  if (shownTeams.length < diff.teams.length) {
    const shown = new Set(shownTeams);
    const changed = diff.teams.filter((t) => !shown.has(t) && (t.status !== 'ok' || t.base !== t.head)).length;
    head.push('', `${diff.teams.length - shownTeams.length} more teams${changed ? ` (${changed} of them changed; see ${where})` : ' are unchanged and within budget'}.`);
  }
  head.push('');
  let text = head.join('\n');
  const room = () => budget - text.length - 400; // keep room for the closing note

  const tryAdd = (section: string, name: string): boolean => {
    if (section.length + 1 <= room()) {
      text += `\n${section}`;
      return true;
    }
    cut.push(name);
    return false;
  };

  // 2. Pools.
  if (diff.pools.length) {
    const rows = diff.pools.map(
      (p) =>
        `| ${p.pool} | ${poolCell(p.base, p.head, (s) => String(s.shards))} | ${poolCell(p.base, p.head, (s) => `${s.minReplicas}–${s.maxReplicas}`)} | ${poolCell(p.base, p.head, (s) => String(s.peakNodes))} | ${p.base.planned === undefined ? `n/a → ${formatWholeUsd(p.head.planned ?? 0)}` : poolCell(p.base, p.head, (s) => formatWholeUsd(s.planned ?? 0))} |`,
    );
    tryAdd(['### Pools', '', '| pool | shards | replicas (min–max) | nodes at peak | planned |', '|---|---:|---:|---:|---:|', ...rows, ''].join('\n'), 'the pool table');
  }

  // 3. What moved, as many lines as fit.
  const lists: [CopyChange[], 'added' | 'removed' | 'moved', string][] = [
    [[...diff.added], 'added', 'Added'],
    [[...diff.removed], 'removed', 'Removed'],
    [[...diff.moved], 'moved', 'Moved'],
  ];
  if (lists.some(([l]) => l.length)) {
    if (tryAdd('### What moved\n', 'what moved')) {
      for (const [list, kind, label] of lists) {
        if (!list.length) continue;
        const header = `**${label} (${list.length})**\n`;
        if (!tryAdd(header, `${kind} copies`)) continue;
        let shown = 0;
        for (const c of list) {
          const line = copyLine(c, kind);
          if (line.length + 60 > room()) break;
          text += `\n${line}`;
          shown += 1;
        }
        if (shown < list.length) {
          text += `\n- … and ${list.length - shown} more`;
          cut.push(`${list.length - shown} ${kind} copies`);
        }
        text += '\n';
      }
    }
  }

  // 4. Shards whose cost changed, inside <details>.
  if (diff.shards.length) {
    const open = `\n<details><summary>Shards whose cost changed (${diff.shards.length})</summary>\n\n| shard | team | pool | base | head | change |\n|---|---|---|---:|---:|---:|`;
    const close = '\n\n</details>\n';
    if (open.length + close.length + 100 <= room()) {
      text += open;
      let shown = 0;
      for (const s of diff.shards) {
        const row = `\n| ${s.name} | ${s.team} | ${s.pool} | ${rangeText(s.base)} | ${rangeText(s.head)} | ${describeChange(s.base?.planned ?? (s.head ? 0 : undefined), s.head?.planned ?? 0)} |`;
        if (row.length + close.length + 60 > room()) break;
        text += row;
        shown += 1;
      }
      if (shown < diff.shards.length) {
        text += `\n| … and ${diff.shards.length - shown} more | | | | | |`;
        cut.push(`${diff.shards.length - shown} shard rows`);
      }
      text += close;
    } else cut.push('the shard table');
  }

  if (cut.length) text += `\n_Left out to stay within ${thousands(budget)} characters: ${cut.join(', ')}; see ${where}._\n`;
  return text.endsWith('\n') ? text : `${text}\n`;
}

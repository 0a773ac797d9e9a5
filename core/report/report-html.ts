/**
 * `report.html`: one self-contained page of a planned fleet for people — the
 * totals, each team's cost against its budget and its requests against its
 * quota, each pool, every shard drawn as a bar filled by its copies, and the
 * placement diff.
 *
 * The page makes no network request: no script, no font, no image; inline CSS
 * only, and a Content-Security-Policy that forbids everything else, so a
 * viewer opening it from a pull request's artifacts cannot be made to fetch
 * anything. Every text from the declarations (team, model, tenant and shard
 * names) is escaped. The same input gives byte-identical output: no date, no
 * random id, no locale-dependent formatting. The size is linear in the copies
 * (one bar segment and one list item per copy), so a 10,000-copy fleet stays
 * a few megabytes and opens at once.
 */
import { formatWholeUsd, nodeHourlyUsd, thousands, type CentsRange } from '../cost/cost-model.ts';
import { teamBudget, type FleetCost, type ShardCost } from '../cost/fleet-cost.ts';
import { describeMoveReason, isEmptyDiff, type PlacementDiff } from '../plan/placement-diff.ts';
import type { PlannedFleet } from '../plan/plan-fleet.ts';
import type { Shard } from '../plan/shard-plan.ts';
import { shardResources } from '../plan/shard-resources.ts';
import { teamUsage, type TeamUsage } from '../plan/team-usage.ts';
import type { ResourceVector } from '../spec/model-spec.ts';
import { humanBytes } from '../spec/quantity.ts';
import { compareStrings } from '../util/compare.ts';

/** What `reportHtml` draws. */
export interface ReportInput {
  /** The planned fleet (`planFleet()`); team usage is computed from it. */
  readonly planned: PlannedFleet;
  /** Its cost: `fleetCost(planned.plan, planned.stack, planned.fleet.teams)`. */
  readonly cost: FleetCost;
  /** Placement changes against the committed lockfile (`diffPlacement()`). */
  readonly diff: PlacementDiff;
}

/** Options for `reportHtml`. */
export interface ReportHtmlOptions {
  /**
   * Most entries each list of the placement diff shows; the rest is counted
   * ("and 1,234 more").
   *
   * @default 200
   */
  readonly listLimit?: number;
  /**
   * Teams are drawn expanded when the fleet has at most this many shards,
   * collapsed (one `<details>` per team) above it.
   *
   * @default 200
   */
  readonly expandTeamsUpToShards?: number;
}

/**
 * The Content-Security-Policy of the page: nothing may load (no script, no
 * image, no font, no fetch, no form), only the inline stylesheet applies.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * Renders the fleet's report as one HTML document.
 *
 * @example
 * const planned = await planFleet({ modelsDir: 'models', stack });
 * const cost = fleetCost(planned.plan, stack, planned.fleet.teams);
 * writeFileSync('report.html', reportHtml({ planned, cost, diff }));
 */
export function reportHtml(input: ReportInput, options: ReportHtmlOptions = {}): string {
  const { planned, cost, diff } = input;
  const { stack, plan } = planned;
  const usage = teamUsage(plan.shards, (s) => shardResources(stack, s));
  const costOf = new Map(cost.shards.map((c) => [c.shard.name, c]));
  const expand = plan.shards.length <= (options.expandTeamsUpToShards ?? 200);
  const title = `modelfleet report: stack ${stack.name}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header(input, usage),
    '<main>',
    teamSection(input, usage),
    poolSection(input),
    shardSection(planned, costOf, expand),
    diffSection(diff, options.listLimit ?? 200),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Escapes text for HTML element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = escapeHtml;

// ---------------------------------------------------------------------------
// Header

function header(input: ReportInput, usage: ReadonlyMap<string, TeamUsage>): string {
  const { planned, cost } = input;
  const { stack, fleet, plan } = planned;
  let copies = 0;
  for (const s of plan.shards) copies += s.copies.length;
  let gpuMin = 0;
  let gpuPeak = 0;
  let gpuMax = 0;
  for (const u of usage.values()) {
    gpuMin += u.minGpu;
    gpuPeak += u.peakGpu;
    gpuMax += u.gpu;
  }
  const unpriced = unpricedPools(input);
  const totals: [string, string][] = [
    ['Teams', String(fleet.teams.length)],
    ['Models', String(fleet.models.length)],
    ['Model copies', thousands(copies)],
    ['Shards', `${thousands(plan.shards.length)} <small>lower bound ${thousands(plan.lowerBound)}</small>`],
    ['GPUs at peak', `${thousands(gpuPeak)} <small>min ${thousands(gpuMin)}, max ${thousands(gpuMax)}; lower bound ${thousands(plan.gpusAtPeakLowerBound)}</small>`],
    ['Planned cost a month', `${formatWholeUsd(cost.total.planned)} <small>range ${range(cost.total)}</small>`],
  ];
  return [
    '<header>',
    `<h1>modelfleet report <span class="stack">stack <code>${esc(stack.name)}</code></span></h1>`,
    `<dl class="totals">${totals.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>`,
    unpriced.length
      ? `<p class="note warn">No price for pool${unpriced.length === 1 ? '' : 's'} ${unpriced.map((p) => `<code>${esc(p)}</code>`).join(', ')}: ${unpriced.length === 1 ? 'its' : 'their'} shards count $0.</p>`
      : '',
    '</header>',
  ].join('\n');
}

/** Pools that run shards but have no price. */
function unpricedPools(input: ReportInput): string[] {
  const { stack, plan } = input.planned;
  const used = new Set(plan.shards.map((s) => s.pool));
  return stack.pools.filter((p) => used.has(p.name) && !p.price).map((p) => p.name);
}

// ---------------------------------------------------------------------------
// Teams

function teamSection(input: ReportInput, usage: ReadonlyMap<string, TeamUsage>): string {
  const { planned, cost } = input;
  const rows = planned.fleet.teams.map((team) => {
    const u = usage.get(team.name);
    const c = cost.byTeam.get(team.name) ?? { min: 0, planned: 0, max: 0 };
    const budget = teamBudget(team, planned.stack);
    let status = '<td class="muted">none</td><td class="muted">–</td>';
    if (budget) {
      const cents = Math.round(budget.monthlyUsd * 100);
      const share = cents > 0 ? c.planned / cents : c.planned > 0 ? Infinity : 0;
      const state = share > 1 ? 'bad' : share >= 0.9 ? 'warn' : 'ok';
      const words = share > 1 ? `over by ${formatWholeUsd(c.planned - cents)}` : `${state === 'warn' ? 'near' : 'within'}, ${percent(share)} used`;
      status = `<td class="num">${formatWholeUsd(cents)}</td><td class="${state}">${words}</td>`;
    }
    return [
      '<tr>',
      `<th scope="row"><a href="#team-${esc(team.name)}">${esc(team.name)}</a></th>`,
      `<td class="num">${thousands(u?.shards ?? 0)}</td>`,
      `<td class="num">${thousands(u?.copies ?? 0)}</td>`,
      `<td class="num">${formatWholeUsd(c.planned)}</td>`,
      `<td class="num">${range(c)}</td>`,
      status,
      quotaCell(u?.gpu ?? 0, team.quota.gpu, `${thousands(u?.gpu ?? 0)} of ${thousands(team.quota.gpu)} GPUs (${thousands(u?.minGpu ?? 0)} at min, ${thousands(u?.peakGpu ?? 0)} at peak)`),
      quotaCell(u?.cpu ?? 0, team.quota.cpu, `${cores(u?.cpu ?? 0)} of ${cores(team.quota.cpu)} cores`),
      quotaCell(u?.memory ?? 0, team.quota.memory, `${humanBytes(u?.memory ?? 0)} of ${humanBytes(team.quota.memory)}`),
      '</tr>',
    ].join('');
  });
  return [
    '<section id="teams" aria-labelledby="teams-h">',
    '<h2 id="teams-h">Teams</h2>',
    '<p class="note">Cost a month at the planned replicas, with its range from min to max replicas. Quota use counts every shard at max replicas, as the namespace\'s ResourceQuota does.</p>',
    '<div class="scroll"><table class="teams">',
    '<thead><tr><th scope="col">Team</th><th scope="col" class="num">Shards</th><th scope="col" class="num">Copies</th><th scope="col" class="num">Planned</th><th scope="col" class="num">Range</th><th scope="col" class="num">Budget</th><th scope="col">Status</th><th scope="col">GPU quota</th><th scope="col">CPU quota</th><th scope="col">Memory quota</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
    '</section>',
  ].join('\n');
}

/** A quota cell: a small bar (hidden from assistive technology) and the percentage, with the figures as its title. */
function quotaCell(used: number, quota: number, detail: string): string {
  const share = quota > 0 ? used / quota : used > 0 ? Infinity : 0;
  const state = share > 1 ? 'bad' : share >= 0.9 ? 'warn' : 'ok';
  const width = Math.min(100, Math.max(0, share * 100));
  return `<td class="quota" title="${esc(detail)}"><span class="meter" aria-hidden="true"><span class="${state}" style="width:${fixed(width, 1)}%"></span></span> <span${state === 'ok' ? '' : ` class="${state}"`}>${quota > 0 ? percent(share) : 'no quota'}</span><span class="sr">: ${esc(detail)}</span></td>`;
}

// ---------------------------------------------------------------------------
// Pools

function poolSection(input: ReportInput): string {
  const { stack } = input.planned;
  const rows = [...input.cost.byPool.values()].map((p) => {
    const spec = stack.pools.find((s) => s.name === p.pool);
    const price = spec?.price ? `$${fixed(nodeHourlyUsd(spec.price), 4)}` : '<span class="warn">no price</span>';
    return [
      '<tr>',
      `<th scope="row"><code>${esc(p.pool)}</code></th>`,
      `<td>${esc(spec?.kind ?? '')}</td>`,
      `<td class="num">${price}</td>`,
      `<td class="num">${thousands(p.shards)}</td>`,
      `<td class="num">${thousands(p.replicas.min)} / ${thousands(p.replicas.peak)} / ${thousands(p.replicas.max)}</td>`,
      `<td class="num">${formatWholeUsd(p.monthly.planned)}</td>`,
      `<td class="num">${range(p.monthly)}</td>`,
      '</tr>',
    ].join('');
  });
  return [
    '<section id="pools" aria-labelledby="pools-h">',
    '<h2 id="pools-h">Pools</h2>',
    '<div class="scroll"><table class="pools">',
    '<thead><tr><th scope="col">Pool</th><th scope="col">Kind</th><th scope="col" class="num">Node a hour</th><th scope="col" class="num">Shards</th><th scope="col" class="num">Nodes min / peak / max</th><th scope="col" class="num">Planned a month</th><th scope="col" class="num">Range</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
    '</section>',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// Shards

/** The resources a bar can be drawn by, in the order that wins ties. */
const DIMENSIONS: readonly { readonly key: keyof ResourceVector; readonly label: string; readonly short: string }[] = [
  { key: 'gpuMemory', label: 'GPU memory', short: 'GPU mem' },
  { key: 'memory', label: 'memory', short: 'memory' },
  { key: 'cpu', label: 'CPU', short: 'CPU' },
];

/**
 * The shard's binding resource: the one its copies fill most (GPU memory
 * winning ties, then memory), among those the shard has any capacity of.
 */
function bindingDimension(shard: Shard): { readonly key: keyof ResourceVector; readonly label: string; readonly short: string; readonly fill: number } {
  let best = { ...DIMENSIONS[2]!, fill: -1 };
  for (const d of DIMENSIONS) {
    const cap = shard.capacity[d.key];
    if (cap <= 0) continue;
    const fill = shard.used[d.key] / cap;
    if (fill > best.fill) best = { ...d, fill };
  }
  return { ...best, fill: Math.max(0, best.fill) };
}

function shardSection(planned: PlannedFleet, costOf: ReadonlyMap<string, ShardCost>, expand: boolean): string {
  const byTeam = new Map<string, Shard[]>(planned.fleet.teams.map((t) => [t.name, []]));
  for (const s of planned.plan.shards) {
    let list = byTeam.get(s.team);
    if (!list) byTeam.set(s.team, (list = []));
    list.push(s);
  }
  const teams = [...byTeam].map(([team, shards]) => {
    const copies = shards.reduce((n, s) => n + s.copies.length, 0);
    const colours = modelColours(shards);
    return [
      `<section class="team" id="team-${esc(team)}" aria-label="team ${esc(team)}">`,
      `<details${expand ? ' open' : ''}><summary><h3>${esc(team)}</h3> <span class="muted">${thousands(shards.length)} shard${shards.length === 1 ? '' : 's'}, ${thousands(copies)} cop${copies === 1 ? 'y' : 'ies'}</span></summary>`,
      shards.length ? `<ol class="shards">\n${shards.map((s) => shardItem(s, costOf.get(s.name), colours)).join('\n')}\n</ol>` : '<p class="muted">No shards.</p>',
      '</details>',
      '</section>',
    ].join('\n');
  });
  return [
    '<section id="shards" aria-labelledby="shards-h">',
    '<h2 id="shards-h">Shards</h2>',
    '<p class="note">Each bar is one shard\'s capacity for models; each segment is one model copy (one colour per model of the team), sized by its share of the shard\'s binding resource: whichever of GPU memory, memory and CPU its copies fill most, named right of the bar. Hover a segment for the copy, or open a shard\'s list for every copy.</p>',
    ...teams,
    '</section>',
  ].join('\n');
}

function shardItem(shard: Shard, cost: ShardCost | undefined, colours: ReadonlyMap<string, number>): string {
  const dim = bindingDimension(shard);
  const cap = shard.capacity[dim.key];
  const shares = shard.copies.map((c) => (cap > 0 ? Math.max(0, c.resources[dim.key]) / cap : 0));
  const sum = shares.reduce((a, b) => a + b, 0);
  const scale = sum > 1 ? 1 / sum : 1; // never wider than the bar, even for an over-full shard
  const segments = shard.copies.map((c, i) => {
    const width = Math.floor(shares[i]! * scale * 100_000) / 1000; // floored: the segments never add up past the bar
    const monthly = cost?.copies[i];
    const title = `${c.id}: ${resources(c.resources)}${monthly ? `, ${formatWholeUsd(monthly.planned)}/month` : ''}`;
    return `<span class="seg c${colours.get(c.model) ?? 0}" style="width:${width}%" title="${esc(title)}"></span>`;
  });
  const others = DIMENSIONS.filter((d) => d.key !== dim.key && shard.capacity[d.key] > 0).map((d) => `${d.label} ${percent(shard.used[d.key] / shard.capacity[d.key])}`);
  const replicas = `replicas ${shard.minReplicas}–${shard.maxReplicas}, ${shard.serving.replicas} at peak`;
  const gpus = shard.gpusPerReplica > 0 ? `, ${shard.gpusPerReplica} GPU${shard.gpusPerReplica === 1 ? '' : 's'} each` : '';
  const n = shard.copies.length;
  const summary = [
    `${thousands(n)} cop${n === 1 ? 'y' : 'ies'}`,
    esc(shard.tier),
    `<code>${esc(shard.pool)}</code>`,
    replicas + gpus,
    cost ? `${formatWholeUsd(cost.monthly.planned)} a month` : '',
    ...others,
  ].filter(Boolean);
  const list = shard.copies.map((c, i) => {
    const monthly = cost?.copies[i];
    return `<li>${esc(c.id)} <span class="muted">${resources(c.resources)}${monthly ? `, ${formatWholeUsd(monthly.planned)}/month` : ''}</span></li>`;
  });
  return [
    `<li class="shard" id="shard-${esc(shard.name)}" data-shard="${esc(shard.name)}">`,
    `<span class="name">${esc(shard.name)}</span>`,
    `<div class="bar" role="img" data-dim="${dim.key}" aria-label="${esc(`${dim.label} ${percent(dim.fill)} used by ${n} cop${n === 1 ? 'y' : 'ies'}`)}">${segments.join('')}</div>`,
    `<span class="fill">${percent(dim.fill)} ${dim.short}</span>`,
    `<details class="copies"><summary>${summary.join(' · ')}</summary><ul>${list.join('')}</ul></details>`,
    '</li>',
  ].join('');
}

/** `GPU 6.0 GiB, mem 2.0 GiB, 0.5 CPU` (GPU memory left out when there is none). */
function resources(r: ResourceVector): string {
  return [r.gpuMemory > 0 ? `GPU ${humanBytes(r.gpuMemory)}` : '', `mem ${humanBytes(r.memory)}`, `${cores(r.cpu)} CPU`].filter(Boolean).join(', ');
}

/** Palette slot of each of a team's models: in name order, so a team's first ten models never share a colour. */
function modelColours(shards: readonly Shard[]): Map<string, number> {
  const models = [...new Set(shards.flatMap((s) => s.copies.map((c) => c.model)))].sort(compareStrings);
  return new Map(models.map((m, i) => [m, i % PALETTE.length]));
}

// ---------------------------------------------------------------------------
// Placement diff

function diffSection(diff: PlacementDiff, limit: number): string {
  const out = ['<section id="placement" aria-labelledby="placement-h">', '<h2 id="placement-h">Placement changes</h2>'];
  if (!diff.hadLock) {
    out.push(`<p>No lockfile yet: ${thousands(diff.added.length)} copies placed in ${thousands(diff.shardsCreated.length)} new shards. The lockfile records them from now on.</p>`);
  } else if (isEmptyDiff(diff)) {
    out.push('<p>Unchanged: no copy moves; no shard is created or deleted.</p>');
  } else {
    out.push(
      `<p><strong>${thousands(diff.added.length)}</strong> added, <strong>${thousands(diff.removed.length)}</strong> removed, <strong>${thousands(diff.moved.length)}</strong> moved. Shards: ${thousands(diff.shardsCreated.length)} created, ${thousands(diff.shardsDeleted.length)} deleted, ${thousands(diff.shardsChanged.length)} changed (their pods roll).</p>`,
      list('Moved copies', diff.moved, limit, (m) => `<code>${esc(m.id)}</code>: ${esc(m.from)} → ${esc(m.to)}${m.reason ? ` <span class="muted">(${esc(describeMoveReason(m.reason))})</span>` : ''}`),
      list('Added copies', diff.added, limit, (c) => `<code>${esc(c.id)}</code> → ${esc(c.shard)}`),
      list('Removed copies', diff.removed, limit, (c) => `<code>${esc(c.id)}</code> <span class="muted">(was in ${esc(c.shard)})</span>`),
      list('Shards created', diff.shardsCreated, limit, (s) => esc(s)),
      list('Shards deleted', diff.shardsDeleted, limit, (s) => esc(s)),
      list('Shards changed', diff.shardsChanged, limit, (s) => esc(s)),
    );
  }
  out.push('</section>');
  return out.filter(Boolean).join('\n');
}

/** A `<details>` list of at most `limit` entries, open when short, ending in "and N more". */
function list<T>(title: string, items: readonly T[], limit: number, render: (item: T) => string): string {
  if (!items.length) return '';
  const shown = items.slice(0, Math.max(0, limit)).map((item) => `<li>${render(item)}</li>`);
  if (items.length > shown.length) shown.push(`<li class="more">and ${thousands(items.length - shown.length)} more</li>`);
  return `<details class="diff"${items.length <= 20 ? ' open' : ''}><summary>${title} (${thousands(items.length)})</summary><ul>${shown.join('')}</ul></details>`;
}

// ---------------------------------------------------------------------------
// Formatting: locale-independent, so the output is the same everywhere.

/** `12,345` */

/** `87%`, `0.4%` under one percent, `>999%` past it. */
function percent(share: number): string {
  if (!Number.isFinite(share)) return '∞';
  const p = share * 100;
  if (p > 999) return '>999%';
  if (p > 0 && p < 1) return `${fixed(p, 1)}%`;
  return `${Math.round(p)}%`;
}

function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

/** Cores with up to two decimals: `4150` → `4.15`. */
function cores(millicores: number): string {
  return String(Math.round(millicores / 10) / 100);
}

/** `$1,200 – $4,800` */
function range(r: CentsRange): string {
  return `${formatWholeUsd(r.min)} – ${formatWholeUsd(r.max)}`;
}

// ---------------------------------------------------------------------------
// Style: a system font stack, no external resource.

/** Ten colours told apart in colour-blind simulations (Tableau 10). */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const STYLE = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--track:#eef1f4;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;padding:1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;color:var(--fg);background:#fff}
header,main{max-width:78rem;margin:0 auto}
h1{font-size:1.6rem;margin:0 0 .75rem}
h1 .stack{font-weight:400;color:var(--muted);font-size:1.1rem;margin-left:.5rem}
h1 code{font-size:1.1rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{display:inline;font-size:1.05rem;margin:0}
code{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
a{color:#0969da}
small,.muted{color:var(--muted)}
.note{color:var(--muted);margin:.25rem 0 .75rem;max-width:60rem}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad);font-weight:600}
.totals{display:flex;flex-wrap:wrap;gap:.75rem;margin:0}
.totals div{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;min-width:9rem}
.totals dt{color:var(--muted);font-size:.85rem}
.totals dd{margin:0;font-size:1.3rem;font-weight:600;font-variant-numeric:tabular-nums}
.totals small{font-size:.8rem;font-weight:400;display:block}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
thead th{font-weight:600;font-size:.85rem;color:var(--muted)}
.num{text-align:right}
.meter{display:inline-block;width:4rem;height:.55rem;background:var(--track);border-radius:3px;overflow:hidden;vertical-align:middle}
.meter span{display:block;height:100%;background:var(--ok)}
.meter .warn{background:var(--warn)}.meter .bad{background:var(--bad)}
details>summary{cursor:pointer}
.team{margin:.75rem 0}
.team>details>summary{padding:.25rem 0}
ol.shards{list-style:none;margin:.25rem 0 0;padding:0}
.shard{display:grid;grid-template-columns:minmax(10rem,17rem) minmax(0,1fr) 7.5rem;column-gap:.75rem;align-items:center;padding:.3rem 0;border-bottom:1px solid var(--track)}
.shard .name{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;overflow-wrap:anywhere}
.bar{display:flex;height:1.1rem;background:var(--track);border-radius:3px;overflow:hidden;min-width:0}
.seg{flex:none;height:100%;box-shadow:inset -1px 0 0 rgba(255,255,255,.85)}
${PALETTE.map((c, i) => `.c${i}{background:${c}}`).join('')}
.fill{font-variant-numeric:tabular-nums;white-space:nowrap}
.copies{grid-column:2/4;font-size:.85rem;color:var(--muted);margin-top:.15rem}
.copies ul{margin:.25rem 0 .25rem 1.25rem;padding:0;columns:2 26rem;column-gap:2rem;color:var(--fg)}
.copies li .muted{font-size:.8rem}
.diff ul{margin:.25rem 0 .5rem 1.25rem;padding:0}
.more{color:var(--muted);list-style:none}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`.trim();

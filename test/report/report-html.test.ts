/**
 * `report.html`: first the page as text (escaping, determinism, every shard
 * named, lists capped, linear size at 10,000 copies, no reference to
 * anything outside the file), then the example fleet's report in Debian's
 * headless Chromium: no request but the document itself, no console error,
 * every shard drawn with segments proportional to its copies' shares, no
 * horizontal overflow at 1280 px, and a screenshot compared with a committed
 * baseline.
 *
 * A missing Chromium fails the browser tests with the command to install it;
 * they never skip (CI installs it in `.ci/run`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetCost } from '../../core/cost/fleet-cost.ts';
import type { PlacementDiff } from '../../core/plan/placement-diff.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { escapeHtml, REPORT_CSP, reportHtml, type ReportInput } from '../../core/report/report-html.ts';
import type { ResourceVector } from '../../core/spec/model-spec.ts';
import { exampleReportInput, launchChromium, majorVersion, openPage, VIEWPORT } from './report-browser.ts';
import { compareWithBaseline } from './screenshot-baseline.ts';

const input = await exampleReportInput();
const html = reportHtml(input);
const shards = input.planned.plan.shards;

/** `input` with its plan's shards replaced, re-priced. */
function withShards(base: ReportInput, next: readonly Shard[], stack = base.planned.stack): ReportInput {
  const plan = { ...base.planned.plan, shards: next };
  return { ...base, planned: { ...base.planned, stack, plan }, cost: fleetCost(plan, stack, base.planned.fleet.teams) };
}

/** The example fleet copied `times` over (shard and copy names suffixed), for size tests. */
function scaled(times: number): ReportInput {
  const many: Shard[] = [];
  for (let k = 0; k < times; k++) {
    for (const s of shards) many.push({ ...s, name: `${s.name}-r${k}`, copies: s.copies.map((c) => ({ ...c, id: `${c.id}-r${k}` })) });
  }
  return withShards(input, many);
}

const copyCount = (i: ReportInput) => i.planned.plan.shards.reduce((n, s) => n + s.copies.length, 0);

describe('reportHtml', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
    expect(escapeHtml('fraud-realtime-gpu-l4-1')).toBe('fraud-realtime-gpu-l4-1');
  });

  it('escapes every name it takes from the declarations and the stack', () => {
    const evil = '<script>alert(1)</script>';
    const attr = `"><img src=x onerror=alert(2)>`;
    const [first, ...rest] = shards;
    const hostileShard: Shard = { ...first!, name: evil, copies: first!.copies.map((c) => ({ ...c, id: `${c.id}${attr}` })) };
    const base = withShards(input, [hostileShard, ...rest]);
    const teams = input.planned.fleet.teams.map((t, i) => (i === 1 ? { ...t, name: `</table>${evil}` } : t));
    const hostile: ReportInput = {
      ...base,
      planned: { ...base.planned, stack: { ...base.planned.stack, name: `${evil}'` }, fleet: { ...base.planned.fleet, teams } },
      diff: { ...input.diff, hadLock: true, moved: [{ id: attr, from: evil, to: 'b', reason: 'serving' }], added: [{ id: evil, shard: attr }] },
    };
    const out = reportHtml(hostile);
    expect(out).not.toMatch(/<script|<img|<\/table><script/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('is byte-identical for the same fleet, planned again', async () => {
    expect(reportHtml(await exampleReportInput())).toBe(html);
  });

  it('names every team, shard and copy, and draws one segment per copy', () => {
    for (const t of input.planned.fleet.teams) expect(html).toContain(`id="team-${t.name}"`);
    for (const s of shards) {
      expect(html).toContain(`data-shard="${s.name}"`);
      for (const c of s.copies) expect(html).toContain(`<li>${c.id} `);
    }
    expect(html.match(/class="seg /g)).toHaveLength(copyCount(input));
  });

  it('loads nothing: a CSP that forbids every fetch, and no script, image, font, frame or link', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">`);
    expect(REPORT_CSP).toMatch(/^default-src 'none';/);
    expect(html).not.toMatch(/<(script|img|link|iframe|object|embed|svg|video|audio|source|form)\b/i);
    expect(html).not.toMatch(/\b(src|srcset|action)=|url\(|@import|@font-face/i);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h!.startsWith('#'))).toEqual([]);
  });

  it('caps each list of the placement diff and counts the rest', () => {
    const moved = Array.from({ length: 5000 }, (_, i) => ({ id: `fraud/m@t${i}`, from: 'a', to: 'b', reason: 'resources' as const }));
    const diff: PlacementDiff = { ...input.diff, hadLock: true, moved, added: moved.slice(0, 3).map((m) => ({ id: m.id, shard: 'b' })) };
    const out = reportHtml({ ...input, diff }, { listLimit: 200 });
    expect(out).toContain('<summary>Moved copies (5,000)</summary>');
    expect(out).toContain('<li class="more">and 4,800 more</li>');
    expect(out).toContain('fraud/m@t199</code>');
    expect(out).not.toContain('fraud/m@t200</code>');
    expect(out).toContain('<details class="diff" open><summary>Added copies (3)</summary>');
    expect(out).toContain('its shard no longer holds it');
  });

  it('says when there is no lockfile yet, and when nothing moved', () => {
    expect(reportHtml({ ...input, diff: { ...input.diff, hadLock: false } })).toContain('No lockfile yet');
    expect(reportHtml({ ...input, diff: { hadLock: true, added: [], removed: [], moved: [], shardsCreated: [], shardsDeleted: [], shardsChanged: [] } })).toContain('Unchanged: no copy moves');
  });

  it('prices pools without a price at $0 and says which', () => {
    const stack = input.planned.stack;
    const unpriced = { ...stack, pools: stack.pools.map(({ price: _price, ...p }) => p) };
    const out = reportHtml(withShards(input, shards, unpriced));
    expect(out).toMatch(/No price for pools <code>gpu-l4<\/code>, .*: their shards count \$0\./);
    expect(out).toContain('<dt>Planned cost a month</dt><dd>$0 <small>range $0 – $0</small>');
  });

  it('grows linearly: 10,000 copies cost no more bytes per copy than 600, and render in well under a second', () => {
    const perCopy = html.length / copyCount(input);
    const big = scaled(Math.ceil(10_000 / copyCount(input)));
    const start = performance.now();
    const out = reportHtml(big);
    const ms = performance.now() - start;
    expect(copyCount(big)).toBeGreaterThanOrEqual(10_000);
    expect(out.length / copyCount(big)).toBeLessThan(perCopy * 1.05);
    expect(perCopy).toBeLessThan(400);
    expect(ms).toBeLessThan(1000);
    // Past 200 shards the teams start collapsed, so the first paint stays small.
    expect(out).not.toContain('<details open><summary><h3>');
    expect(html).toContain('<details open><summary><h3>');
  });
});

// ---------------------------------------------------------------------------

/** The few DOM members the page functions use: the project's tsconfig has no DOM lib, and these run in the page. */
interface PageElement {
  getBoundingClientRect(): { left: number; width: number; height: number };
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  readonly children: ArrayLike<PageElement> & Iterable<PageElement>;
  readonly dataset: Record<string, string | undefined>;
  readonly title: string;
  readonly innerText: string;
}
declare const document: { readonly documentElement: { readonly scrollWidth: number } };
declare const window: { readonly innerWidth: number };

/** What the page reports about one shard's bar. */
interface BarGeometry {
  readonly shard: string;
  readonly dim: keyof ResourceVector;
  readonly item: { readonly width: number; readonly height: number };
  readonly bar: { readonly left: number; readonly width: number; readonly height: number };
  readonly segments: readonly { readonly left: number; readonly width: number; readonly title: string }[];
}

describe('report.html in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelfleet-report-'));
  const file = join(dir, 'report.html');
  let browser: Browser;
  let page: Page;
  let requests: string[];
  let errors: string[];
  let bars: BarGeometry[];

  let missing: unknown;

  beforeAll(async () => {
    writeFileSync(file, html);
    try {
      browser = await launchChromium();
    } catch (e) {
      missing = e; // every test below fails with it (a failing beforeAll would only mark them skipped)
      return;
    }
    ({ page, requests, errors } = await openPage(browser));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    bars = await page.$$eval('li.shard', (items: PageElement[]) =>
      items.map((li) => {
        const bar = li.querySelector('.bar')!;
        const r = (e: PageElement) => e.getBoundingClientRect();
        return {
          shard: li.getAttribute('data-shard')!,
          dim: bar.dataset.dim as keyof ResourceVector,
          item: { width: r(li).width, height: r(li).height },
          bar: { left: r(bar).left, width: r(bar).width, height: r(bar).height },
          segments: [...bar.querySelectorAll('.seg')].map((s) => ({ left: r(s).left, width: r(s).width, title: s.title })),
        };
      }),
    );
  });

  beforeEach(() => {
    if (missing) throw missing;
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requests nothing but the document, and logs no error', () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);
  });

  it('is held to its CSP: an injected image is blocked, not fetched', async () => {
    const probe = join(dir, 'probe.html');
    writeFileSync(probe, html.replace('<body>', '<body><img src="http://127.0.0.1:9/probe.png" alt="">'));
    const p = await openPage(browser);
    await p.page.goto(pathToFileURL(probe).href, { waitUntil: 'load' });
    await p.page.close();
    // Chromium reports the attempt (so the test above would catch any), then blocks it before the network.
    expect(p.requests).toEqual([pathToFileURL(probe).href, 'http://127.0.0.1:9/probe.png']);
    expect(p.errors).toContain('request failed: http://127.0.0.1:9/probe.png (csp)');
    expect(p.errors.join('\n')).toMatch(/Content Security Policy/);
  });

  it('draws every shard of the example fleet, visibly', () => {
    expect(bars.map((b) => b.shard)).toEqual(shards.map((s) => s.name));
    for (const b of bars) {
      expect(b.item.width, b.shard).toBeGreaterThan(0);
      expect(b.item.height, b.shard).toBeGreaterThan(0);
      expect(b.bar.width, b.shard).toBeGreaterThan(300);
      expect(b.bar.height, b.shard).toBeGreaterThan(8);
    }
  });

  it("sizes each copy's segment by its share of the shard's fullest resource, within the bar", () => {
    for (const b of bars) {
      const shard = shards.find((s) => s.name === b.shard)!;
      const fills = (['gpuMemory', 'memory', 'cpu'] as const).filter((k) => shard.capacity[k] > 0).map((k) => shard.used[k] / shard.capacity[k]);
      expect(shard.used[b.dim] / shard.capacity[b.dim], `${b.shard} is drawn by its fullest resource`).toBe(Math.max(...fills));
      expect(b.segments).toHaveLength(shard.copies.length);
      let x = b.bar.left;
      shard.copies.forEach((c, i) => {
        const seg = b.segments[i]!;
        expect(seg.title.startsWith(`${c.id}: `), `${b.shard} segment ${i} is ${c.id}`).toBe(true);
        expect(Math.abs(seg.width - (c.resources[b.dim] / shard.capacity[b.dim]) * b.bar.width), `${c.id} in ${b.shard}`).toBeLessThan(0.1);
        expect(Math.abs(seg.left - x), `${c.id} follows the previous segment`).toBeLessThan(0.1);
        x += seg.width;
      });
      expect(x - b.bar.left, `${b.shard}: segments fit the bar`).toBeLessThanOrEqual(b.bar.width + 0.01);
    }
  });

  it('fits a 1280 px window without horizontal scrolling', async () => {
    const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    expect(inner).toBe(VIEWPORT.width);
    expect(scroll).toBeLessThanOrEqual(inner);
  });

  it('shows the team table, one row per team, with cost and quota use', async () => {
    const rows = await page.$$eval('table.teams tbody tr', (trs: PageElement[]) => trs.map((tr) => [...tr.children].map((td) => td.innerText.trim())));
    expect(rows.map((r) => r[0])).toEqual(input.planned.fleet.teams.map((t) => t.name));
    for (const r of rows) {
      expect(r[3]).toMatch(/^\$[\d,]+$/);
      expect(r.slice(7)).toEqual([expect.stringMatching(/^\d+%/), expect.stringMatching(/^\d+%/), expect.stringMatching(/^\d+%/)]);
    }
  });

  it('lists every copy of a shard for keyboard and screen-reader users', async () => {
    const shard = shards[0]!;
    const summary = page.locator(`li[data-shard="${shard.name}"] details.copies > summary`);
    await summary.focus();
    await page.keyboard.press('Enter');
    const items = await page.locator(`li[data-shard="${shard.name}"] details.copies li`).allInnerTexts();
    expect(items.map((t) => t.split(' ')[0])).toEqual(shard.copies.map((c) => c.id));
    await page.keyboard.press('Enter');
  });

  it('opens a 10,000-copy report at once, teams collapsed until asked', async () => {
    const big = scaled(Math.ceil(10_000 / copyCount(input)));
    const bigFile = join(dir, 'big.html');
    writeFileSync(bigFile, reportHtml(big));
    const p = await openPage(browser);
    const start = performance.now();
    await p.page.goto(pathToFileURL(bigFile).href, { waitUntil: 'load' });
    const loadMs = performance.now() - start;
    const team = input.planned.fleet.teams[0]!.name;
    const firstBar = p.page.locator(`#team-${team} .bar`).first();
    expect(await firstBar.isVisible()).toBe(false);
    await p.page.locator(`#team-${team} > details > summary`).click();
    expect(await firstBar.isVisible()).toBe(true);
    await p.page.close();
    expect(p.requests).toHaveLength(1);
    expect(p.errors).toEqual([]);
    expect(loadMs).toBeLessThan(5000);
  });

  it('matches the screenshot baseline (pixels within the same Chromium major version)', async () => {
    const fresh = await openPage(browser); // no focus ring or opened list left by the tests above
    await fresh.page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const png = await fresh.page.screenshot({ animations: 'disabled', caret: 'hide' });
    await fresh.page.close();
    const outcome = compareWithBaseline('example-fleet', png, browser.version(), VIEWPORT);
    if (outcome.kind === 'skipped') console.warn(`report screenshot: ${outcome.reason}`);
    if (outcome.kind === 'mismatch') expect.fail(outcome.message);
    expect(['match', 'skipped', 'written']).toContain(outcome.kind);
    expect(majorVersion(browser)).toBeGreaterThan(0);
  });
});

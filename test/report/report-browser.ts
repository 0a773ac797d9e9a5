/**
 * The example fleet's report, and Debian's Chromium driven by playwright-core
 * to look at it: shared by `test/report/report-html.test.ts` and
 * `npm run docs:screenshot` (`scripts/report-screenshot.ts`).
 *
 * No browser is ever downloaded: the tests use the system's Chromium
 * (`apt-get install chromium`, which `.ci/run` does when it is missing).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fleetCost } from '../../core/cost/fleet-cost.ts';
import { lockFromPlan } from '../../core/plan/lockfile.ts';
import { diffPlacement } from '../../core/plan/placement-diff.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import { readLockfile } from '../../core/plan/read-lockfile.ts';
import type { ReportInput } from '../../core/report/report-html.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Where the system's Chromium is (`CHROMIUM_PATH` overrides). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, offline headless Chromium (no sandbox: CI runs as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--font-render-hinting=none',
];

/** The viewport every report test and the docs screenshot use. */
export const VIEWPORT = { width: 1280, height: 1000 } as const;

/**
 * Builds the example fleet's report input as `synth` would: `models/` with
 * the embedded default stack, honouring and diffing against
 * `placement.lock.json`.
 */
export async function exampleReportInput(): Promise<ReportInput> {
  const stack = loadPlatformStack({ dir: ROOT });
  const previous = readLockfile(join(ROOT, 'placement.lock.json'), 'placement.lock.json', stack.name);
  const planned = await planFleet({ modelsDir: join(ROOT, 'models'), stack, cwd: ROOT, ...(previous ? { lock: previous.lock } : {}) });
  const cost = fleetCost(planned.plan, stack, planned.fleet.teams);
  const diff = diffPlacement(previous?.lock, lockFromPlan(planned.plan, stack.name), planned.plan.evictions);
  return { planned, cost, diff };
}

/**
 * Launches the system's Chromium headless; throws, saying how to install it,
 * when it is not there (a missing browser fails the tests, it never skips them).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the report tests drive the system's Chromium. ` +
        'Install it with `apt-get install chromium` (Debian; .ci/run does this when it is missing), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** The major version of a running browser (`"156.0.8078.129"` → 156). */
export function majorVersion(browser: Browser): number {
  return Number(browser.version().split('.')[0]);
}

/** A fresh page at the report viewport, with everything it requests recorded. */
export async function openPage(browser: Browser): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light', reducedMotion: 'reduce', locale: 'en-US' });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'unknown'})`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { page, requests, errors };
}

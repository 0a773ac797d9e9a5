/**
 * Writes `docs/report.png`, the picture of `report.html` the README shows:
 * the example fleet's report (`models/`, the embedded default stack, diffed
 * against `placement.lock.json`) as Debian's headless Chromium draws the top
 * of it in a 1280×1000 window.
 *
 * Run with `npm run docs:screenshot` after a change to the report's look or to
 * the example fleet. It needs the system's Chromium (`apt-get install
 * chromium`; `CHROMIUM_PATH` overrides `/usr/bin/chromium`) and never
 * downloads a browser. The page it loads makes no network request (the tests
 * in `test/report/` prove it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reportHtml } from '../core/report/report-html.ts';
import { exampleReportInput, launchChromium, openPage, ROOT } from '../test/report/report-browser.ts';

const out = join(ROOT, 'docs', 'report.png');
const dir = mkdtempSync(join(tmpdir(), 'modelfleet-report-'));
const browser = await launchChromium();
try {
  const file = join(dir, 'report.html');
  writeFileSync(file, reportHtml(await exampleReportInput()));
  const { page, errors } = await openPage(browser);
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  if (errors.length) throw new Error(`the report logged errors:\n${errors.join('\n')}`);
  await page.screenshot({ path: out, animations: 'disabled', caret: 'hide' });
  console.log(`wrote ${out} (Chromium ${browser.version()})`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

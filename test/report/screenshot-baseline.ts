/**
 * Screenshot baselines: a committed PNG under `__screenshots__/` with a JSON
 * record of the Chromium that took it. A screenshot is compared pixel by
 * pixel (pixelmatch) within a tolerance; when the running Chromium's major
 * version differs from the baseline's, fonts and anti-aliasing may differ, so
 * the pixels are not compared and the reason is returned instead (the
 * geometry assertions of the tests remain the layout guard). A Debian
 * Chromium update therefore never turns CI red by itself.
 *
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/report` rewrites the baselines.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { ROOT } from './report-browser.ts';

/** Where baselines live. */
export const BASELINE_DIR = join(import.meta.dirname, '__screenshots__');

/** Where a failed comparison leaves the actual and the diff image (git-ignored). */
export const FAILURE_DIR = join(ROOT, '.tmp', 'report-screenshots');

/** What is recorded beside a baseline PNG. */
export interface BaselineRecord {
  /** Full version of the Chromium that took it (`"156.0.8078.129"`). */
  readonly chromium: string;
  readonly viewport: { readonly width: number; readonly height: number };
  /** Most pixels that may differ, as a share of all pixels. */
  readonly maxDiffRatio: number;
}

/** The outcome of a comparison. */
export type BaselineOutcome =
  | { readonly kind: 'match'; readonly diffPixels: number; readonly ratio: number }
  | { readonly kind: 'mismatch'; readonly message: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'written'; readonly path: string };

/** Per-pixel colour distance pixelmatch tolerates (0–1; anti-aliased pixels are ignored too). */
const PIXEL_THRESHOLD = 0.1;

/**
 * Compares `png` with the baseline `name` (`__screenshots__/<name>.png`).
 *
 * @param chromium the running browser's full version
 * @param maxDiffRatio used when writing a new baseline
 */
export function compareWithBaseline(name: string, png: Buffer, chromium: string, viewport: BaselineRecord['viewport'], maxDiffRatio = 0.01): BaselineOutcome {
  const pngPath = join(BASELINE_DIR, `${name}.png`);
  const recordPath = join(BASELINE_DIR, `${name}.json`);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(BASELINE_DIR, { recursive: true });
    writeFileSync(pngPath, png);
    const record: BaselineRecord = { chromium, viewport, maxDiffRatio };
    writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    return { kind: 'written', path: pngPath };
  }
  if (!existsSync(pngPath) || !existsSync(recordPath)) {
    return { kind: 'mismatch', message: `no baseline ${pngPath}: run UPDATE_SCREENSHOTS=1 npx vitest run test/report, look at the image and commit it` };
  }
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as BaselineRecord;
  const major = (v: string) => v.split('.')[0];
  if (major(record.chromium) !== major(chromium)) {
    return {
      kind: 'skipped',
      reason: `baseline ${name}.png was taken with Chromium ${record.chromium}, this is Chromium ${chromium}: pixels not compared (text rendering differs across major versions); the geometry checks still ran. Refresh it with UPDATE_SCREENSHOTS=1.`,
    };
  }
  const expected = PNG.sync.read(readFileSync(pngPath));
  const actual = PNG.sync.read(png);
  const fail = (why: string, diff?: PNG): BaselineOutcome => {
    mkdirSync(FAILURE_DIR, { recursive: true });
    writeFileSync(join(FAILURE_DIR, `${name}.actual.png`), png);
    if (diff) writeFileSync(join(FAILURE_DIR, `${name}.diff.png`), PNG.sync.write(diff));
    return {
      kind: 'mismatch',
      message: `${why}; see ${FAILURE_DIR}/${name}.actual.png${diff ? ` and ${name}.diff.png` : ''}. If the change is intended, run UPDATE_SCREENSHOTS=1 npx vitest run test/report and commit the new baseline.`,
    };
  };
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return fail(`screenshot is ${actual.width}×${actual.height}, baseline ${name}.png is ${expected.width}×${expected.height}`);
  }
  const diff = new PNG({ width: actual.width, height: actual.height });
  const diffPixels = pixelmatch(expected.data, actual.data, diff.data, actual.width, actual.height, { threshold: PIXEL_THRESHOLD });
  const ratio = diffPixels / (actual.width * actual.height);
  if (ratio > record.maxDiffRatio) {
    return fail(`${diffPixels} pixels (${(ratio * 100).toFixed(2)}%) differ from baseline ${name}.png, more than the ${(record.maxDiffRatio * 100).toFixed(2)}% allowed`, diff);
  }
  return { kind: 'match', diffPixels, ratio };
}

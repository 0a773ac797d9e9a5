/**
 * The pull-request comment shown in docs/cost.md, docs/fleet-repository.md
 * and the README is real: the example fleet on the prod stack, with and
 * without a four-tenant realtime model (`fraud/device-risk`), the head
 * synthesized against the committed prod lockfile as a pull request would
 * be. Every line the documents show (all but the `…` elisions) must be a
 * line of the comment `modelfleet diff` writes.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthFleet } from '../../constructs/synth-fleet.ts';
import { diffMarkdown } from '../../core/cost/diff-markdown.ts';
import { diffPlans, parsePlanDocument } from '../../core/cost/plan-diff.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = freshFleetDir('cost-example');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(join(ROOT, 'models'), join(dir, 'models'), { recursive: true });
cpSync(join(ROOT, 'Pulumi.prod.yaml'), join(dir, 'Pulumi.prod.yaml'));
cpSync(join(ROOT, 'placement.prod.lock.json'), join(dir, 'placement.prod.lock.json'));
writeFileSync(
  join(dir, 'models/fraud/device-risk.ts'),
  `import { defineModel } from 'modelfleet';
export default defineModel({
  name: 'device-risk',
  framework: 'onnx',
  tier: 'realtime',
  artifact: 's3://ml-models-prod/fraud/device-risk/{tenant}',
  memory: '2Gi',
  gpuMemory: '4Gi',
  cpu: '500m',
  peakQps: 2500,
  tenants: ['acme-bank', 'globex-financial', 'initech-credit-union', 'umbrella-savings'],
});
`,
);

const plan = (files: readonly { path: string; content: string }[]) => parsePlanDocument(files.find((f) => f.path === 'plan.json')!.content, 'plan.json');
const base = await synthFleet({ modelsDir: 'models', stackName: 'prod', cwd: ROOT });
const head = await synthFleet({ modelsDir: join(dir, 'models'), stackName: 'prod', cwd: dir });
const comment = diffMarkdown(diffPlans(plan(base.files), plan(head.files)), { title: '## Stack `prod`: what this change costs' });
const lines = new Set(comment.split('\n').map((l) => l.trim()));

/** The lines of the first fenced block after `marker` in a document, without elisions and blank lines. */
function shownLines(file: string, marker: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const from = text.indexOf(marker);
  expect(from, `${file} shows ${marker}`).toBeGreaterThan(-1);
  const block = /```markdown\n([\s\S]*?)```/.exec(text.slice(from))![1]!;
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('…') && !l.endsWith('…'));
}

describe('the documented pull-request comment', () => {
  it('is what modelfleet diff writes for the example change', () => {
    expect(head.lockfile.text).not.toBe(head.lockfile.previous!.text); // the change adds copies…
    expect(head.diff.moved).toEqual([]); // …and moves none
    for (const [file, marker] of [
      ['docs/cost.md', 'Adding a four-tenant realtime model'],
      ['docs/fleet-repository.md', 'For a pull request that adds a model of four tenants'],
      ['README.md', '### What a pull request shows'],
    ] as const) {
      const shown = shownLines(file, marker);
      expect(shown.length, file).toBeGreaterThan(2);
      for (const line of shown) expect(lines.has(line), `${file}: ${line}`).toBe(true);
    }
  });
});

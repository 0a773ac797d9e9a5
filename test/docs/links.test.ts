/**
 * Every relative link of the README and the docs resolves: the file or
 * directory exists in the repository, and a `#fragment` into a markdown file
 * is one of its heading anchors (GitHub's slugs). The README stays an entry
 * point (STYLE.md, section 9): at most 16,000 characters.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFileLinks, extractLinks, githubSlug, headingAnchors, headingText, markdownFiles } from './markdown-links.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = markdownFiles(ROOT).map((file) => relative(ROOT, file).split(sep).join('/'));

/** Most bytes the README may have (`wc -c README.md`; at least as strict as counting characters). */
const README_LIMIT = 16_000;

describe('links in the README and docs', () => {
  it('checks the README and every docs page', () => {
    expect(FILES).toContain('README.md');
    expect(FILES.filter((f) => f.startsWith('docs/')).length).toBeGreaterThanOrEqual(12);
    expect(FILES.some((f) => f.startsWith('node_modules/'))).toBe(false);
  });

  it.each(FILES)('every relative link of %s resolves', (file) => {
    expect(checkFileLinks(ROOT, join(ROOT, file))).toEqual([]);
  });

  it(`README.md is at most ${README_LIMIT.toLocaleString('en-US')} characters`, () => {
    const size = readFileSync(join(ROOT, 'README.md')).length;
    expect(size, `README.md has ${size} bytes; move detail into docs/ (STYLE.md, section 9)`).toBeLessThanOrEqual(README_LIMIT);
  });
});

describe('the link checker', () => {
  it('slugs headings as GitHub does', () => {
    const slug = (source: string) => githubSlug(headingText(source));
    expect(slug('Moving a copy: make before break')).toBe('moving-a-copy-make-before-break');
    expect(slug('The gRPC model-name guard `<team>-grpc-guard`')).toBe('the-grpc-model-name-guard-team-grpc-guard');
    expect(slug('`modelfleet:models`')).toBe('modelfleetmodels');
    expect(slug('`modelfleet:tiers.<tier>.mesh`')).toBe('modelfleettierstiermesh');
    expect(slug('`kubernetes:*` keys')).toBe('kubernetes-keys');
    expect(slug('Replicas from `peakQps`')).toBe('replicas-from-peakqps');
    expect(slug('**Bold**, _em_ and [a link](x.md)')).toBe('bold-em-and-a-link');
    expect(slug('snake_case stays')).toBe('snake_case-stays');
    expect(slug('Larger than every pool, over quota')).toBe('larger-than-every-pool-over-quota');
    expect(slug('Shards – 1 → 2')).toBe('shards--1--2');
  });

  it('numbers repeated headings -1, -2 and ignores headings in code blocks', () => {
    const anchors = headingAnchors(['# Usage', '## Usage', '```md', '# Not a heading', '```', '### Usage', 'Setext', '------', '<a id="custom"></a>'].join('\n'));
    expect([...anchors].sort()).toEqual(['custom', 'setext', 'usage', 'usage-1', 'usage-2']);
  });

  it('extracts links outside code only, with their lines', () => {
    const text = [
      'See `[not](inline-code.md)` and [one](a.md#x "title").',
      '',
      '```',
      '[not](fenced.md)',
      '```',
      '<!-- [not](comment.md) -->',
      '| [two](<b c.md>) | ![img](img/p.png) |',
      '[ref]: docs/ref.md',
      'A \\[literal](escaped.md) and a [link across',
      'lines](across.md).',
    ].join('\n');
    expect(extractLinks(text)).toEqual([
      { target: 'a.md#x', line: 1 },
      { target: 'b c.md', line: 7 },
      { target: 'img/p.png', line: 7 },
      { target: 'across.md', line: 10 },
      { target: 'docs/ref.md', line: 8 },
    ]);
  });

  describe('on a small repository', () => {
    const root = mkdtempSync(join(tmpdir(), 'modelfleet-links-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'page.md'), '# Page\n\n## Stable placement: the lockfile\n');
    writeFileSync(join(root, 'data.txt'), 'x');
    const check = (markdown: string) => {
      writeFileSync(join(root, 'README.md'), markdown);
      return checkFileLinks(root, join(root, 'README.md'));
    };

    it('accepts links that resolve', () => {
      expect(
        check(
          [
            '# Top',
            '[a](docs/page.md) [b](docs/page.md#stable-placement-the-lockfile) [c](#top) [d](docs/) [e](data.txt#L1)',
            '[f](https://example.com/x.md) [g](mailto:a@example.com) [h](/docs/page.md#page) [i](docs/page.md?plain=1#page)',
          ].join('\n'),
        ),
      ).toEqual([]);
    });

    it('reports a missing file, a missing anchor, an empty target and a path outside the repository', () => {
      expect(
        check(
          [
            '# Top',
            '[a](docs/missing.md) [b](docs/page.md#stable-placement) [c](#nowhere)',
            '[d]() [e](../outside.md) [f](docs/page.md#)',
            '`[ignored](docs/missing.md)`',
          ].join('\n'),
        ),
      ).toEqual([
        'README.md:2: link (docs/missing.md): docs/missing.md does not exist',
        'README.md:2: link (docs/page.md#stable-placement): #stable-placement is not a heading anchor of docs/page.md (similar: #stable-placement-the-lockfile)',
        'README.md:2: link (#nowhere): #nowhere is not a heading anchor of this file',
        'README.md:3: link (): the target is empty',
        'README.md:3: link (../outside.md): points outside the repository (../outside.md)',
        'README.md:3: link (docs/page.md#): the fragment after "#" is empty',
      ]);
    });
  });
});

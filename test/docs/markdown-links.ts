/**
 * Markdown link checking for the README and `docs/`: extracts the links of a
 * markdown file (outside fenced code blocks, inline code and HTML comments),
 * computes the heading anchors GitHub generates, and resolves every relative
 * link against the repository.
 *
 * Slugs follow GitHub (github-slugger): the heading's text as rendered
 * (formatting and backticks removed, link text kept), lower-cased, every
 * character that is not a letter, mark, number, `_`, `-` or space removed,
 * each space turned into `-`; a repeated slug gets `-1`, `-2`, ….
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One link found in a markdown file. */
export interface MarkdownLink {
  /** The link target as written (`docs/routing.md#canaries`, `#callers`). */
  readonly target: string;
  /** 1-based line of the target in the file. */
  readonly line: number;
}

const FENCE = /^\s*(`{3,}|~{3,})/;

/**
 * The lines of `markdown` outside fenced code blocks, with fenced lines
 * (fences included) blanked so that line numbers stay put.
 */
export function withoutFences(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  let fence: string | undefined;
  return lines.map((line) => {
    const m = FENCE.exec(line);
    if (fence === undefined) {
      if (m) {
        fence = m[1]!;
        return '';
      }
      return line;
    }
    // Inside a fence: a closing fence is the same character, at least as long, and nothing after it.
    if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && line.trim() === m[1]) fence = undefined;
    return '';
  });
}

/** Blanks HTML comments (`<!-- … -->`), keeping newlines. */
function withoutComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => c.replace(/[^\n]/g, ' '));
}

/**
 * Replaces every inline code span of `text` with `replace(content, raw)`.
 * A run of n backticks opens a span that the next run of exactly n backticks
 * closes; an unmatched run is literal text. Backslash escapes outside code are
 * kept as they are (an escaped backtick opens nothing).
 */
export function mapCodeSpans(text: string, replace: (content: string, raw: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch !== '`') {
      out += ch;
      i += 1;
      continue;
    }
    let j = i;
    while (text[j] === '`') j += 1;
    const run = j - i;
    let k = j;
    let close = -1;
    while (k < text.length) {
      if (text[k] === '`') {
        let m = k;
        while (text[m] === '`') m += 1;
        if (m - k === run) {
          close = k;
          break;
        }
        k = m;
      } else k += 1;
    }
    if (close < 0) {
      out += text.slice(i, j);
      i = j;
      continue;
    }
    let content = text.slice(j, close).replace(/\n/g, ' ');
    if (content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '') content = content.slice(1, -1);
    out += replace(content, text.slice(i, close + run));
    i = close + run;
  }
  return out;
}

/** Blocks of consecutive non-blank lines, with the 0-based index of their first line. */
function blocks(lines: readonly string[]): { start: number; text: string }[] {
  const out: { start: number; text: string }[] = [];
  let start = -1;
  for (let i = 0; i <= lines.length; i += 1) {
    const blank = i === lines.length || lines[i]!.trim() === '';
    if (!blank && start < 0) start = i;
    if (blank && start >= 0) {
      out.push({ start, text: lines.slice(start, i).join('\n') });
      start = -1;
    }
  }
  return out;
}

/** Reads a link destination starting at `s[i]` (after `](`); returns it and the index after `)`, or undefined. */
function readDestination(s: string, i: number): { target: string; end: number } | undefined {
  while (s[i] === ' ' || s[i] === '\n') i += 1;
  let target = '';
  if (s[i] === '<') {
    const close = s.indexOf('>', i);
    if (close < 0 || s.slice(i, close).includes('\n')) return undefined;
    target = s.slice(i + 1, close);
    i = close + 1;
  } else {
    let depth = 0;
    const begin = i;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) {
        i += 2;
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\t') break;
      if (c === '(') depth += 1;
      if (c === ')') {
        if (depth === 0) break;
        depth -= 1;
      }
      i += 1;
    }
    target = s.slice(begin, i);
  }
  while (s[i] === ' ' || s[i] === '\n') i += 1;
  // Optional title: "…", '…' or (…).
  const quote = s[i];
  if (quote === '"' || quote === "'" || quote === '(') {
    const closing = quote === '(' ? ')' : quote;
    const close = s.indexOf(closing, i + 1);
    if (close < 0) return undefined;
    i = close + 1;
    while (s[i] === ' ' || s[i] === '\n') i += 1;
  }
  if (s[i] !== ')') return undefined;
  return { target, end: i + 1 };
}

/** Whether the character at `i` is backslash-escaped (an odd number of backslashes before it). */
function escaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === '\\'; j -= 1) n += 1;
  return n % 2 === 1;
}

/** The index of the unescaped `[` that the `]` at `close` closes, or -1 (then it is no link). */
function openingBracket(s: string, close: number): number {
  let depth = 0;
  for (let j = close - 1; j >= 0; j -= 1) {
    if (s[j] === ']' && !escaped(s, j)) depth += 1;
    if (s[j] === '[' && !escaped(s, j)) {
      if (depth === 0) return j;
      depth -= 1;
    }
  }
  return -1;
}

/**
 * Every link of `markdown`: inline links and images `[text](target)`,
 * `![alt](target)`, and reference definitions `[label]: target`. Links in
 * fenced code blocks, inline code and HTML comments are left out.
 */
export function extractLinks(markdown: string): MarkdownLink[] {
  const lines = withoutFences(withoutComments(markdown));
  const links: MarkdownLink[] = [];
  for (const block of blocks(lines)) {
    const text = mapCodeSpans(block.text, (_content, raw) => raw.replace(/[^\n]/g, ' '));
    const lineAt = (index: number) => block.start + 1 + (text.slice(0, index).match(/\n/g)?.length ?? 0);
    for (let i = text.indexOf(']('); i >= 0; i = text.indexOf('](', i + 1)) {
      if (escaped(text, i) || openingBracket(text, i) < 0) continue;
      const dest = readDestination(text, i + 2);
      if (!dest) continue;
      links.push({ target: dest.target.replace(/\\(.)/g, '$1'), line: lineAt(i + 2) });
    }
    const def = /^ {0,3}\[([^\]\n]+)\]:[ \t]*(<[^>\n]*>|\S+)/gm;
    for (let m = def.exec(text); m; m = def.exec(text)) {
      const target = m[2]!.startsWith('<') ? m[2]!.slice(1, -1) : m[2]!;
      links.push({ target, line: lineAt(m.index) });
    }
  }
  return links;
}

/** GitHub's slug of a heading's plain text, before de-duplication. */
export function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The plain text GitHub renders for a heading's markdown source. */
export function headingText(source: string): string {
  const codes: string[] = [];
  let text = mapCodeSpans(source, (content) => {
    codes.push(content);
    return `\u0000${codes.length - 1}\u0000`;
  });
  text = text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: alt text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // links: their text
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1') // reference links
    .replace(/<\/?[A-Za-z][^>]*>/g, '') // HTML tags
    .replace(/(\*{1,3})(?=\S)([\s\S]*?\S)\1/g, '$2') // emphasis with *
    .replace(/(?<![\p{L}\p{N}])(_{1,3})(?=\S)([\s\S]*?\S)\1(?![\p{L}\p{N}])/gu, '$2') // emphasis with _ (never inside a word)
    .replace(/\\([!-/:-@[-`{-~])/g, '$1'); // backslash escapes
  return text.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => codes[Number(n)]!);
}

/** Whether `line` can belong to a paragraph (not blank, a heading, a list item, a table row, a quote or a rule). */
function paragraphLine(line: string): boolean {
  return (
    line.trim() !== '' &&
    !/^ {0,3}#{1,6}([ \t]|$)/.test(line) &&
    !/^ {0,3}([-*+]|\d+[.)])([ \t]|$)/.test(line) &&
    !/^\s*\|/.test(line) &&
    !/^ {0,3}>/.test(line) &&
    !/^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/.test(line) &&
    !/^ {0,3}=+[ \t]*$/.test(line)
  );
}

/** Every anchor of `markdown`: heading slugs (de-duplicated as GitHub does) and HTML `id`/`name` anchors. */
export function headingAnchors(markdown: string): Set<string> {
  const lines = withoutFences(withoutComments(markdown));
  const anchors = new Set<string>();
  const occurrences = new Map<string, number>();
  const add = (source: string) => {
    const base = githubSlug(headingText(source));
    let slug = base;
    while (occurrences.has(slug)) {
      const n = occurrences.get(base)! + 1;
      occurrences.set(base, n);
      slug = `${base}-${n}`;
    }
    occurrences.set(slug, 0);
    anchors.add(slug);
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) {
      add(atx[1] ?? '');
      continue;
    }
    // Setext: a paragraph (plain text lines) underlined with = or -.
    if (paragraphLine(line)) {
      let end = i;
      while (end + 1 < lines.length && paragraphLine(lines[end + 1]!) && !/^ {0,3}(=+|-+)[ \t]*$/.test(lines[end + 1]!)) end += 1;
      const underline = lines[end + 1];
      if (underline !== undefined && /^ {0,3}(=+|-+)[ \t]*$/.test(underline)) {
        add(lines.slice(i, end + 1).map((l) => l.trim()).join(' '));
        i = end + 1;
      } else i = end;
    }
  }
  for (const m of markdown.matchAll(/<[A-Za-z][^>]*\s(?:id|name)\s*=\s*["']([^"']+)["']/g)) anchors.add(m[1]!);
  return anchors;
}

/** Whether a target is an absolute URL (any scheme: `https:`, `mailto:`, …) rather than a path. */
export function isAbsoluteUrl(target: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target);
}

/**
 * Checks every relative link of the markdown file `file` (absolute path)
 * inside the repository at `root`; returns one message per broken link.
 */
export function checkFileLinks(root: string, file: string, markdown: string = readFileSync(file, 'utf8')): string[] {
  const problems: string[] = [];
  const shown = relative(root, file).split(sep).join('/');
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    let set = anchorCache.get(path);
    if (!set) {
      set = headingAnchors(path === file ? markdown : readFileSync(path, 'utf8'));
      anchorCache.set(path, set);
    }
    return set;
  };
  for (const link of extractLinks(markdown)) {
    const where = `${shown}:${link.line}: link (${link.target})`;
    if (link.target === '') {
      problems.push(`${where}: the target is empty`);
      continue;
    }
    if (isAbsoluteUrl(link.target)) continue;
    const hash = link.target.indexOf('#');
    const rawPath = (hash < 0 ? link.target : link.target.slice(0, hash)).replace(/\?.*$/, '');
    const fragment = hash < 0 ? undefined : link.target.slice(hash + 1);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      problems.push(`${where}: the path is not valid percent-encoding`);
      continue;
    }
    const resolved = path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
    const inside = relative(root, resolved);
    if (inside.startsWith('..') || resolve(root, inside) !== resolved) {
      problems.push(`${where}: points outside the repository (${inside.split(sep).join('/')})`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${where}: ${inside.split(sep).join('/')} does not exist`);
      continue;
    }
    if (fragment === undefined) continue;
    if (fragment === '') {
      problems.push(`${where}: the fragment after "#" is empty`);
      continue;
    }
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) continue;
    let anchor: string;
    try {
      anchor = decodeURIComponent(fragment);
    } catch {
      problems.push(`${where}: the fragment is not valid percent-encoding`);
      continue;
    }
    const anchors = anchorsOf(resolved);
    if (!anchors.has(anchor)) {
      const target = resolved === file ? 'this file' : inside.split(sep).join('/');
      const near = [...anchors].filter((a) => a.includes(anchor) || anchor.includes(a)).slice(0, 3);
      problems.push(`${where}: #${anchor} is not a heading anchor of ${target}${near.length ? ` (similar: ${near.map((a) => `#${a}`).join(', ')})` : ''}`);
    }
  }
  return problems;
}

/** Directories never searched for markdown: dependencies, output, scratch space and test data. */
const SKIP = new Set(['node_modules', '.git', 'dist', join('test', 'fixtures'), join('test', 'golden')]);

/** Every `*.md` file of the repository at `root`, outside dependencies, output and test data, sorted. */
export function markdownFiles(root: string, dir: string = root, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(relative(root, path)) && !SKIP.has(entry.name) && !entry.name.startsWith('.tmp')) markdownFiles(root, path, out);
    } else if (entry.isFile() && entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

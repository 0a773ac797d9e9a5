/**
 * Reads the manifest files of a synth output directory that nobody vouches
 * for (a pull request's artifact): `manifests/*.yaml` only, each a regular
 * file inside the directory, within size and count limits, parsed as plain
 * YAML 1.2 without aliases. Pure of Pulumi; reports problems as data.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Composer, LineCounter, Parser, visit, type CST, type Document, type YAMLError } from 'yaml';
import type { SpecIssue } from '../core/errors/spec-issue.ts';
import { compareStrings } from '../core/util/compare.ts';

/** The folder of a synth output directory that holds the manifests (`manifests/<team>.yaml`, `manifests/_cluster.yaml`). */
export const MANIFESTS_FOLDER = 'manifests';

/** Limits on what is read, before any object is looked at. */
export interface RenderedFileLimits {
  /** Files in `manifests/`. */
  readonly maxFiles: number;
  /** Bytes of one manifest file. */
  readonly maxFileBytes: number;
  /** Bytes of all manifest files together. */
  readonly maxTotalBytes: number;
  /** YAML documents (objects) across all files. */
  readonly maxObjects: number;
  /** Nesting depth of one object (the object itself is depth 1). */
  readonly maxDepth: number;
}

/** The objects of one manifest file, as parsed: plain JSON data, not yet checked. */
export interface ParsedManifest {
  /** Path relative to the output directory (`manifests/fraud.yaml`). */
  readonly path: string;
  /** One entry per non-empty YAML document, in file order. */
  readonly objects: readonly unknown[];
}

/** What `readRenderedManifests` returns: the files it could read, and every problem. */
export interface ReadRenderedManifests {
  readonly manifests: readonly ParsedManifest[];
  /** Every problem; when there is one, some documents (or files) may be missing from `manifests`. */
  readonly issues: readonly SpecIssue[];
}

/** A file name synth writes: `_cluster.yaml` or `<team>.yaml` (a DNS label); anything else is refused. */
const MANIFEST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.yaml$/;

/** Synth's output is plain YAML 1.2 (`toYamlDocuments()`): no aliases, no tags, unique string keys. */
const PARSE_OPTIONS = { version: '1.2', schema: 'core', strict: true, uniqueKeys: true, stringKeys: true } as const;

/** `1,048,576 bytes`. */
export const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/** The first line of an error's message. */
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/**
 * The first document token nested deeper than `limit` (its offset). yaml's
 * lexer and parser are iterative, but composing a document recurses, and a
 * deep enough one overflows the stack inside yaml (which V8 does not always
 * survive): so depth is checked on the tokens, before anything is composed.
 */
function tooDeep(tokens: readonly CST.Token[], limit: number): number | undefined {
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    const stack: [CST.Token | undefined, number][] = [[token.value, 0]];
    while (stack.length) {
      const [node, depth] = stack.pop()!;
      if (!node || !('items' in node) || !Array.isArray(node.items)) continue;
      if (depth + 1 > limit) return token.offset;
      for (const item of node.items as { key?: CST.Token | null; value?: CST.Token }[]) {
        if (item.key) stack.push([item.key, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/** What yaml reports, with the line and column (`Map keys must be unique at line 3, column 1`). */
function yamlProblem(error: YAMLError, lines: LineCounter): string {
  const { line, col } = lines.linePos(error.pos[0]);
  return `${error.message.split('\n')[0]} at line ${line}, column ${col}`;
}

/** Opens `path` for reading without following a symbolic link (and without blocking on a FIFO). */
function openNoFollow(path: string): number {
  return openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
}

/** Reads the file behind `fd` from its start: its `size` bytes, and at most one byte more (a file that grows is not read on and on). */
function readAtMost(fd: number, size: number): Buffer {
  const buffer = Buffer.alloc(size + 1);
  let filled = 0;
  for (let n = -1; n !== 0 && filled < buffer.length; filled += n) n = readSync(fd, buffer, filled, buffer.length - filled, filled);
  return buffer.subarray(0, filled);
}

/**
 * Reads `<dir>/manifests/*.yaml`. Everything else in `dir` (`kustomization.yaml`,
 * `plan.json`, `summary.md`, `report.html`) is ignored: none of it is applied,
 * and none of it is trusted.
 *
 * Refused, each as an issue naming the file: a `manifests/` that is a symbolic
 * link or not a directory; an entry of `manifests/` that is not a regular file
 * named `<name>.yaml` (a symbolic link, a folder, a `.yml` or `.json` file);
 * more than `maxFiles` entries; a file above `maxFileBytes`, or files together
 * above `maxTotalBytes` (reading stops there); text that is not UTF-8; YAML
 * that does not parse strictly (duplicate keys, unknown tags), that uses an
 * alias (`*name`; synth never writes one, and expanding aliases is the
 * "billion laughs" attack: `maxAliasCount: 0` refuses it); a document
 * nested deeper than `maxDepth` (checked before it is composed); more than
 * `maxObjects` documents.
 *
 * @param dir - the output directory, absolute
 * @param shownAs - how messages name `dir` (`dist`)
 */
export function readRenderedManifests(dir: string, shownAs: string, limits: RenderedFileLimits): ReadRenderedManifests {
  const issues: SpecIssue[] = [];
  const manifests: ParsedManifest[] = [];
  const fix = `give modelfleet:renderedDir the directory \`modelfleet synth --out\` wrote`;
  let dirStat: Stats;
  try {
    dirStat = lstatSync(realpathSync(dir));
  } catch {
    return { manifests, issues: [{ file: shownAs, path: [], message: `not found; ${fix}` }] };
  }
  if (!dirStat.isDirectory()) return { manifests, issues: [{ file: shownAs, path: [], message: `is not a directory; ${fix}` }] };
  const folder = join(realpathSync(dir), MANIFESTS_FOLDER);
  let folderStat: Stats;
  try {
    folderStat = lstatSync(folder);
  } catch {
    return { manifests, issues: [{ file: MANIFESTS_FOLDER, path: [], message: `not found in ${shownAs}; ${fix}` }] };
  }
  if (folderStat.isSymbolicLink() || !folderStat.isDirectory()) {
    const what = folderStat.isSymbolicLink() ? 'a symbolic link' : 'not a directory';
    return { manifests, issues: [{ file: MANIFESTS_FOLDER, path: [], message: `is ${what}; synth writes a plain folder of manifests, and nothing outside ${shownAs} is read` }] };
  }
  const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
  if (entries.length > limits.maxFiles) {
    return {
      manifests,
      issues: [{ file: MANIFESTS_FOLDER, path: [], message: `holds ${entries.length} entries, above the limit of ${limits.maxFiles} (synth writes one file per team and _cluster.yaml); nothing was read` }],
    };
  }
  let totalBytes = 0;
  let objectCount = 0;
  for (const entry of entries) {
    const shown = `${MANIFESTS_FOLDER}/${/^[\x21-\x7e]+$/.test(entry.name) ? entry.name : JSON.stringify(entry.name)}`;
    const path = join(folder, entry.name);
    const refuse = (message: string) => issues.push({ file: shown, path: [], message });
    if (!MANIFEST_NAME.test(entry.name)) {
      refuse(`is not a manifest synth writes (manifests/_cluster.yaml and manifests/<team>.yaml); remove it`);
      continue;
    }
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch (error) {
      refuse(`could not be read: ${reason(error)}`);
      continue;
    }
    if (stat.isSymbolicLink()) {
      refuse(`is a symbolic link (to ${JSON.stringify(readlinkSync(path))}); the manifests must be regular files, so that nothing outside ${shownAs} is read`);
      continue;
    }
    if (!stat.isFile()) {
      refuse('is not a regular file; synth writes only regular files into manifests/');
      continue;
    }
    let buffer: Buffer;
    let size: number;
    let fd: number | undefined;
    try {
      fd = openNoFollow(path);
      size = fstatSync(fd).size;
      if (size > limits.maxFileBytes) {
        refuse(`is ${bytes(size)}, above the limit of ${bytes(limits.maxFileBytes)} per manifest file; nothing in it was read`);
        continue;
      }
      if (totalBytes + size > limits.maxTotalBytes) {
        refuse(`brings the manifests to ${bytes(totalBytes + size)}, above the limit of ${bytes(limits.maxTotalBytes)} for all files together; it and the files after it were not read`);
        break;
      }
      totalBytes += size;
      buffer = readAtMost(fd, size);
    } catch (error) {
      refuse(`could not be read: ${reason(error)}`);
      continue;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (buffer.length > size) {
      refuse('grew while it was read; read a finished synth output');
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    } catch {
      refuse('is not UTF-8 text; synth writes UTF-8 YAML');
      continue;
    }
    const lines = new LineCounter();
    let documents: Document.Parsed[];
    try {
      const tokens = [...new Parser(lines.addNewLine).parse(text)];
      const deep = tooDeep(tokens, limits.maxDepth);
      if (deep !== undefined) {
        refuse(`the document at line ${lines.linePos(deep).line} is nested more than ${limits.maxDepth} levels deep (rendered objects nest about 10); nothing in the file was read`);
        continue;
      }
      documents = [...new Composer(PARSE_OPTIONS).compose(tokens)] as Document.Parsed[];
    } catch (error) {
      refuse(`is not YAML that synth writes: ${reason(error)}`);
      continue;
    }
    const objects: unknown[] = [];
    for (const [index, doc] of (Array.isArray(documents) ? documents : []).entries()) {
      const where = `document ${index + 1} (line ${lines.linePos(doc.range[0]).line})`;
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length) {
        for (const p of problems) refuse(`${where}: ${yamlProblem(p, lines)}; synth writes plain YAML 1.2 (no tags, no duplicate keys)`);
        continue;
      }
      let aliases = 0;
      let object: unknown;
      try {
        visit(doc, { Alias: () => void aliases++ });
        // Aliases are refused below; `maxAliasCount: 0` makes sure none is ever expanded.
        object = aliases === 0 ? doc.toJS({ maxAliasCount: 0 }) : undefined;
      } catch (error) {
        refuse(`${where}: ${reason(error)}`); // a document nested deep enough to overflow the stack
        continue;
      }
      if (aliases > 0) {
        refuse(
          `${where}: uses ${aliases} YAML alias${aliases === 1 ? '' : 'es'} (*name); synth never writes aliases, and expanding them can exhaust memory (the "billion laughs" attack); write every value out`,
        );
        continue;
      }
      if (object === null || object === undefined) continue; // an empty document holds no object; kubectl skips it too
      if (++objectCount > limits.maxObjects) {
        refuse(`${where}: brings the objects to more than ${limits.maxObjects.toLocaleString('en-US')}, the limit across all files; it and the files after it were not read`);
        manifests.push({ path: `${MANIFESTS_FOLDER}/${entry.name}`, objects });
        return { manifests, issues };
      }
      objects.push(object);
    }
    manifests.push({ path: `${MANIFESTS_FOLDER}/${entry.name}`, objects });
  }
  return { manifests, issues };
}

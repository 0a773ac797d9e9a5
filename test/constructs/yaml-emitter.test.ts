/**
 * `stringifyYaml` (`constructs/yaml-emitter.ts`), the writer behind every
 * manifest file: byte for byte what the `yaml` library writes with synth's
 * options, except for the strings a YAML 1.1 reader (go-yaml: kubectl,
 * kustomize) would misread in that form; and whatever it writes, a strict
 * YAML 1.2 parser and `kubectl kustomize` read back as the same objects:
 * generated data, tricky strings, and the example fleet.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { KUSTOMIZATION_FILE, renderFleetObjects, toYamlDocuments, type KubeObject } from '../../constructs/render-fleet.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { readerHazard, stringifyYaml, YAML_OPTIONS } from '../../constructs/yaml-emitter.ts';
import { defaultStack, plan, teams } from './small-fleet.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Pieces tricky strings are made of: indicators, spaces around line breaks, quotes, numbers, YAML 1.1 words, unicode. */
const PIECES = [
  'a', 'Z', '0', '9', ' ', '  ', '\t', '\n', '\n\n', '\r\n', ':', ': ', ' #', '#', '-', '- ', '?', '"', "'", '%', '@', '`', '|', '>', '!', '&', '*',
  '[', ']', '{', '}', ',', '.', 'e', '+', '~', '---', '...', 'null', 'true', 'yes', 'no', 'on', 'N', '<<', '8002', '1_000', '0b1', '0x1F', '2024-01-31',
  '.inf', '\\', '/', '=', 'é', '日本', '😀', '\u00a0', '\ufeff', '\u0000', '\u0007', '\u001b', '\u0085', '\u2028', '\u2029', '\u007f', '\uffff', '\ud800',
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map((p) => p.join(''));
const leaf = fc.oneof(text, text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('8002', '1e3', '.5', '0o7', '-1', '~', '', 'Null', 'TRUE'));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 4 }),
}));
const document = fc.oneof(fc.dictionary(text, jsonValue, { maxKeys: 6 }), fc.array(jsonValue, { maxLength: 4 }));

/** Whether any key or string of `value` is one `stringifyYaml` writes differently from `yaml` (`readerHazard`). */
function hasHazard(value: unknown): boolean {
  if (typeof value === 'string') return readerHazard(value);
  if (Array.isArray(value)) return value.some(hasHazard);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => readerHazard(k) || (v !== undefined && hasHazard(v)));
  return false;
}

/** `value` as YAML holds it: object entries whose value is `undefined` are left out. */
function asData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asData);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, asData(v)]])));
  return value;
}

/** Every document of `text`, read by a strict YAML 1.2 parser (unique keys; any error or warning fails). */
function readStrictly(text: string): unknown[] {
  return parseAllDocuments(text, { strict: true, uniqueKeys: true, prettyErrors: true }).map((d) => {
    expect([...d.errors, ...d.warnings].map((e) => e.message)).toEqual([]);
    return d.toJS();
  });
}

/** A ConfigMap and an object of a custom kind (whose keys kustomize does not check) holding tricky strings as values and keys. */
function trickyObjects(strings: readonly string[]): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tricky', namespace: 'fraud' }, data: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])) },
    {
      apiVersion: 'example.com/v1',
      kind: 'Tricky',
      metadata: { name: 'tricky', namespace: 'fraud', labels: { port: '8002' }, annotations: { 'modelfleet.io/note': 'yes' } },
      // As keys only strings of up to 1,024 characters, the longest implicit key YAML allows (go-yaml refuses longer ones).
      spec: { byKey: Object.fromEntries(strings.flatMap((s, i) => (s.length <= 1024 ? [[s, i]] : []))), list: strings, nested: [{ [strings[0]!]: strings }] },
    },
  ];
}

const LUA = readFileSync(join(ROOT, 'constructs/grpc-guard.lua'), 'utf8');

/** The strings of the brief: spaces at the ends, `:` `#` and quotes, Lua, numbers and words YAML reads as other types, unicode. */
const TRICKY = [
  '  leading', 'trailing  ', ' both ', 'a: b', 'a:b', 'a #b', 'a#b', '#start', 'end:', '"double"', "'single'", `it's "mixed"`, 'say "hi"',
  LUA, 'function f()\n  return "x: y" -- no # comment\nend\n', 'text\n\n', '\nleading newline', 'last line  \nnext', 'windows\r\nline', ' \n', '\n  \n', '\t\n', '\tindented\nby a tab', 'x\n\ty', 'bell\u0007 in a text long enough to fold\n  with an indented line\n\nand a blank one, then a space ',
  '8002', '0', '-1', '+1', '1.5', '.5', '1e3', '0x1F', '0o17', '017', '08', '1_000', '0b101', '1:20', '2024-01-31', '2001-12-14t21:59:43.10-05:00',
  'true', 'True', 'FALSE', 'null', 'Null', '~', '', 'yes', 'no', 'NO', 'on', 'Off', 'y', 'n', '.inf', '-.inf', '.nan', '=',
  '-', '- item', '?', '? key', '---', '--- x', '...', '%YAML 1.2', '@at', '`tick', '|pipe', '>fold', '!tag', '&anchor', '*alias', '[a, b]', '{a: b}', 'a, b',
  'héllo wörld', '日本語', '😀 emoji', 'non\u00a0breaking', '\ufeffbom', 'tab\there', 'bell\u0007', 'nul\u0000', 'x'.repeat(3000),
];
/** Strings no kustomize can write back, whatever the input says (its go-yaml output refuses them): C1 controls, U+2028/9, U+FFFE/F. */
const UNWRITABLE_BY_KUSTOMIZE = ['del\u007f', 'next\u0085line', 'line\u2028separator', 'para\u2029separator', 'non\uffffcharacter'];

describe('stringifyYaml', () => {
  test.prop([document])('writes what the yaml library writes, byte for byte, unless a reader would misread a string in that form', (value) => {
    fc.pre(!hasHazard(value));
    expect(stringifyYaml(value)).toBe(stringify(value, YAML_OPTIONS));
  });

  test.prop([document])('writes what a strict YAML 1.2 parser reads back as the same data', (value) => {
    expect(readStrictly(stringifyYaml(value))).toEqual([asData(value)]);
  });

  it('quotes what go-yaml reads as a boolean, number or timestamp, and escapes what it refuses or breaks lines at', () => {
    const written = (s: string) => stringifyYaml({ k: s }).slice('k: '.length, -1);
    expect(['no', 'on', 'Y', '1_000', '0b101', '0X1F', '2024-01-31', '<<'].map(written)).toEqual(['"no"', '"on"', '"Y"', '"1_000"', '"0b101"', '"0X1F"', '"2024-01-31"', '"<<"']);
    expect(stringifyYaml({ no: 1 })).toBe('"no": 1\n');
    expect(['a\u2028b', 'a\u2029b', 'a\u0085b', 'a\u007fb', 'a\u009fb', 'a\uffffb', '\ufeffbom'].map(written)).toEqual(['"a\\Lb"', '"a\\Pb"', '"a\\Nb"', '"a\\x7fb"', '"a\\x9fb"', '"a\\uffffb"', '"\\ufeffbom"']);
    // A byte order mark that starts a document is no content to any reader: the library's plain key would be read as "".
    expect(readStrictly(stringifyYaml({ '\ufeff': 1 }))).toEqual([{ '\ufeff': 1 }]);
    // What the library writes for the same strings: plain, or raw characters inside double quotes.
    expect(['no', '1_000', 'a\u2028b', 'a\u0085b'].map((s) => stringify({ k: s }, YAML_OPTIONS).slice(3, -1))).toEqual(['no', '1_000', 'a\u2028b', '"a\u0085b"']);
    // Neither touches what YAML 1.1 and 1.2 read alike.
    expect(['none', 'only', 'yesterday', '1.2.3', '24.08-py3', 'v1', '1:20', 'nvcr.io/nvidia/tritonserver:24.08-py3'].map(written)).toEqual(['none', 'only', 'yesterday', '1.2.3', '24.08-py3', 'v1', '1:20', 'nvcr.io/nvidia/tritonserver:24.08-py3']);
  });

  it('hands what it does not write itself to the yaml library', () => {
    const values: unknown[] = [
      { at: new Date(Date.UTC(2026, 0, 2)) },
      { map: new Map([['a', 1]]) },
      { list: [1, undefined, 2] },
      { ['k'.repeat(1100)]: 'long key' },
      { big: 10n },
      { withToJson: { toJSON: () => 'x' } },
      'a top-level string',
      42,
      null,
    ];
    for (const value of values) expect(stringifyYaml(value)).toBe(stringify(value, YAML_OPTIONS));
  });

  it('writes every object of the hand-made fleet exactly as the library does', () => {
    const objects = renderFleetObjects({ stack: defaultStack(), teams, plan }).flatMap((m) => m.objects);
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) expect(stringifyYaml(o)).toBe(stringify(o, YAML_OPTIONS));
  });

  it('reads the tricky strings back as they were, through a strict YAML 1.2 parser', () => {
    const objects = trickyObjects([...TRICKY, ...UNWRITABLE_BY_KUSTOMIZE, 'lone \ud800 surrogate']);
    expect(readStrictly(toYamlDocuments(objects))).toEqual(objects);
  });
});

describe('the example fleet', () => {
  let result: SynthResult;
  beforeAll(async () => {
    result = await synthFleet({ modelsDir: 'models', cwd: ROOT });
  });

  it('is written exactly as the library writes it, and read back strictly as the same objects', () => {
    const objects = result.manifests.flatMap((m) => m.objects);
    expect(objects.length).toBeGreaterThan(500);
    for (const o of objects) expect(stringifyYaml(o)).toBe(stringify(o, YAML_OPTIONS));
    for (const m of result.manifests) {
      const file = result.files.find((f) => f.path === m.path)!;
      expect(readStrictly(file.content)).toEqual(m.objects);
    }
  });

  describe.runIf(kubectlAvailable())('through kubectl kustomize', () => {
    it('reads the example fleet back as exactly the rendered objects', () => {
      const read = kustomize(result.files.filter((f) => f.path === KUSTOMIZATION_FILE || f.path.startsWith('manifests/')));
      expect(keyed(read)).toEqual(keyed(result.manifests.flatMap((m) => m.objects)));
    });

    it('reads tricky strings back as they were', () => {
      const objects = trickyObjects(TRICKY);
      const read = kustomize([
        { path: KUSTOMIZATION_FILE, content: 'resources:\n  - manifests/tricky.yaml\n' },
        { path: 'manifests/tricky.yaml', content: toYamlDocuments(objects) },
      ]);
      expect(keyed(read)).toEqual(keyed(objects));
    });
  });
});

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize` of `files` written to a fresh directory, read back strictly. */
function kustomize(files: readonly { path: string; content: string }[]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'modelfleet-yaml-'));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    return readStrictly(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Objects by `kind/namespace/name` (kustomize orders objects its own way), each checked to be unique. */
function keyed(objects: readonly unknown[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const o of objects as KubeObject[]) {
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(out.has(key), key).toBe(false);
    out.set(key, o);
  }
  return out;
}

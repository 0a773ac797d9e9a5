/**
 * A YAML writer for plain JSON data (objects, arrays, strings, finite and
 * non-finite numbers, booleans, null) whose output is byte for byte what the
 * `yaml` library (2.x) writes with `stringify(value, { lineWidth: 0,
 * aliasDuplicateObjects: false })`, the options synth renders manifests with,
 * at a fraction of its cost: `yaml` builds a document tree of nodes for every
 * object and then walks it; this walks the data once.
 *
 * With one exception, on purpose: strings that the `yaml` library writes in a
 * form some reader takes for something else (`readerHazard`). The readers
 * that matter here are go-yaml's: kustomize (`kubectl kustomize`, Argo CD,
 * Flux) parses with go-yaml v3, `kubectl apply` with go-yaml v2. `yaml`
 * writes `no`, `on`, `1_000`, `0b101` or `2024-01-31` plain (strings in YAML
 * 1.2), which go-yaml reads as a boolean, a number or a timestamp; it writes
 * U+2028 and U+2029 plain and U+007F–U+009F, U+FFFE and U+FFFF raw, which
 * go-yaml takes for line breaks or refuses; and it writes U+FEFF plain, which
 * every reader drops as a byte order mark at the start of a document; and it
 * writes a multi-line string of only whitespace, or one whose first line
 * starts with a tab, as a block scalar that readers misread or refuse. This
 * writer quotes the first and last kind and escapes the others (`\L`, `\P`,
 * `\N`, `\x7f`, `\ufeff`), so that every reader reads the same string back. The
 * example fleet has no such string: its output is byte for byte the
 * library's (the golden tests).
 *
 * It ports the library's decisions for that one set of options: block
 * mappings and sequences indented by two (sequences inside mappings
 * indented too), `{}` and `[]` for empty collections, plain scalars where
 * YAML 1.2 reads them back as the same string, else double quotes (single
 * quotes for a string with `"` and no `'`), literal block scalars for
 * multi-line strings (with the library's chomping and indentation
 * indicators), numbers as JSON writes them (`.nan`, `.inf`, `-.inf`, `-0`).
 * A value it does not handle the same way (a `Map`, a `Date`, a class
 * instance or anything with `toJSON`, `undefined` in an array, a bigint, a
 * key longer than 1,024 characters, a top-level scalar) is handed to the
 * library instead, so the output never differs. `test/constructs/yaml-emitter.test.ts`
 * compares the two on generated data and on every rendered manifest.
 */
import { stringify } from 'yaml';

/** The options synth writes YAML with (`constructs/render-fleet.ts`). */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Thrown inside the emitter for a value it leaves to the `yaml` library. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported('unsupported value');

const INDENT_STEP = '  ';

/** What YAML 1.2's core schema reads as something other than a string (null, bool, int, float): such strings are quoted. */
const CORE_NON_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

/** Strings that are plain for sure: a name, label key, image or path (nothing the core schema reads otherwise). */
const SURELY_PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const NULL_OR_BOOL = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

/** Characters that force double quotes: control characters and unpaired surrogates (as `yaml` decides), and U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF (see the file comment). */
const NEEDS_DOUBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\u{D800}-\u{DFFF}]/u;
/** Characters JSON leaves raw that a reader refuses, takes for line breaks or drops, with their YAML escapes. */
const RAW_HAZARDS = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;
const ESCAPE: Readonly<Record<string, string>> = { '\x85': '\\N', '\u2028': '\\L', '\u2029': '\\P', '\ufeff': '\\ufeff', '\ufffe': '\\ufffe', '\uffff': '\\uffff' };
/** YAML 1.1 booleans that YAML 1.2 reads as strings. */
const YAML11_BOOL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
/** What go-yaml reads as a number when written plain (after dropping `_`), beyond YAML 1.2's core schema. */
const GO_YAML_NUMBER = [
  /^[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^0[bo][-+]?[0-9]+$/,
  /^-0[bo][0-9]+$/,
];
/** What go-yaml reads as a timestamp when written plain (or may: every string that starts like a date). */
const GO_YAML_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt \t])/;

/**
 * Whether a reader would read the string as something else in the form the
 * `yaml` library writes it, so that `stringifyYaml` writes it differently
 * (quoted or escaped; see the file comment): a YAML 1.1 boolean, `<<`, a
 * number or timestamp in go-yaml's reading that YAML 1.2 reads as a string,
 * a character go-yaml refuses or takes for a line break, U+FEFF, or a
 * multi-line string misread as a block scalar (`blockMisread`).
 */
export function readerHazard(value: string): boolean {
  if (/[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/.test(value) || blockMisread(value)) return true;
  if (YAML11_BOOL.test(value) || value === '<<') return true;
  if (!/^[-+0-9]/.test(value)) return false;
  if (GO_YAML_TIMESTAMP.test(value)) return true;
  const digits = value.replace(/_/g, '');
  return GO_YAML_NUMBER.some((r) => r.test(digits));
}

/** What a plain scalar may not look like (an indicator first, `: `, ` #`, a trailing space or colon, …). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

let blockEndNewlines: RegExp;
try {
  blockEndNewlines = new RegExp('(^|(?<!\n))\n+(?!\n|$)', 'g');
} catch {
  blockEndNewlines = /\n+(?!\n|$)/g;
}

function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value).replace(RAW_HAZARDS, (c) => ESCAPE[c] ?? `\\x${c.charCodeAt(0).toString(16)}`);
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // A space before a newline is escaped so that it is not folded.
      str += json.slice(start, i) + '\\ ';
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch === '\\') {
      switch (json[i + 1]) {
        case 'u': {
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case '0000':
              str += '\\0';
              break;
            case '0007':
              str += '\\a';
              break;
            case '000b':
              str += '\\v';
              break;
            case '001b':
              str += '\\e';
              break;
            case '0085':
              str += '\\N';
              break;
            case '00a0':
              str += '\\_';
              break;
            case '2028':
              str += '\\L';
              break;
            case '2029':
              str += '\\P';
              break;
            default:
              if (code.substr(0, 2) === '00') str += '\\x' + code.substr(2);
              else str += json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case 'n':
          if (implicitKey || json[i + 2] === '"' || json.length < 40) {
            i += 1;
          } else {
            // A line break in the text; the first one is folded away by a reader.
            str += json.slice(start, i) + '\n\n';
            while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
              str += '\n';
              i += 2;
            }
            str += indent;
            // A space after a line break is escaped so that it is not folded.
            if (json[i + 2] === ' ') str += '\\';
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
    }
  }
  return start ? str + json.slice(start) : json;
}

function singleQuoted(value: string, indent: string, implicitKey: boolean): string {
  if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) return doubleQuoted(value, indent, implicitKey);
  return "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
}

function quoted(value: string, indent: string, implicitKey: boolean): string {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  return hasDouble && !hasSingle ? singleQuoted(value, indent, implicitKey) : doubleQuoted(value, indent, implicitKey);
}

/**
 * Whether a multi-line string is misread as the block scalar the library
 * writes (without an indentation indicator): one of only spaces, tabs and
 * line breaks, with a space, reads back as other whitespace (its spaces are
 * taken for indentation); one whose first non-empty line starts with a tab is
 * refused by go-yaml (a tab where it expects indentation).
 */
function blockMisread(value: string): boolean {
  return value.includes('\n') && ((value.includes(' ') && /^[\t\n ]*$/.test(value)) || /^\n*\t/.test(value));
}

/** A multi-line string as a literal block scalar (`|`, `|-`, `|+`, with `2` when it starts with a space). */
function block(input: string, indent: string): string {
  // A block cannot end in whitespace unless the last line is non-empty (the library's rule), nor be misread (blockMisread).
  if (/\n[\t ]+$/.test(input) || blockMisread(input)) return quoted(input, indent, false);
  let value = input;
  let chomp: string;
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  if (endNlPos === -1) chomp = '-';
  else if (value === end || endNlPos !== end.length - 1) chomp = '+';
  else chomp = '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(blockEndNewlines, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  value = value.replace(/\n+/g, `$&${indent}`);
  return `|${header}\n${indent}${start}${value}${end}`;
}

/** A string scalar, as `yaml` writes it at `indent` (as a mapping key when `implicitKey`), quoted where go-yaml would misread it. */
function scalar(value: string, indent: string, implicitKey: boolean): string {
  if (SURELY_PLAIN.test(value) && !NULL_OR_BOOL.test(value) && !YAML11_BOOL.test(value)) return value;
  if (NEEDS_DOUBLE.test(value)) return doubleQuoted(value, indent, implicitKey);
  if (implicitKey && value.includes('\n')) return quoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) return implicitKey || !value.includes('\n') ? quoted(value, indent, implicitKey) : block(value, indent);
  if (!implicitKey && value.includes('\n')) return block(value, indent);
  if (implicitKey && indent === INDENT_STEP && DOCUMENT_MARKER.test(value)) return quoted(value, indent, implicitKey);
  for (const test of CORE_NON_STRING) if (test.test(value)) return quoted(value, indent, implicitKey);
  // Plain in YAML 1.2, but not to a YAML 1.1 reader.
  if (readerHazard(value)) return quoted(value, indent, implicitKey);
  return value;
}

function number(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

/** Whether `value` is a plain object (`{}`, `Object.create(null)`) without `toJSON`. */
function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** A scalar value (not a string) or `undefined` when `value` is a collection. */
function nonString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return number(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      throw UNSUPPORTED;
  }
}

/** Whether a collection is written as `{}` or `[]` (it has no entries). */
function isEmptyCollection(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined && Object.hasOwn(value, key)) return false;
  return true;
}

/** A block mapping or sequence whose lines start at `indent` (the first line without it). */
function collection(value: object, indent: string): string {
  const inner = indent + INDENT_STEP;
  let out = '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i) out += `\n${indent}`;
      out += '- ';
      if (typeof item === 'string') out += scalar(item, inner, false);
      else if (item !== null && typeof item === 'object') {
        if (!Array.isArray(item) && !isPlainObject(item)) throw UNSUPPORTED;
        out += collection(item, inner);
      } else if (item === undefined) throw UNSUPPORTED;
      else out += nonString(item);
    }
    return out;
  }
  if (!isPlainObject(value)) throw UNSUPPORTED;
  let first = true;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) continue;
    const k = scalar(key, inner, true);
    if (k.length > 1024) throw UNSUPPORTED;
    if (!first) out += `\n${indent}`;
    first = false;
    out += k;
    if (typeof v === 'string') out += `: ${scalar(v, inner, false)}`;
    else if (v !== null && typeof v === 'object') {
      if (!Array.isArray(v) && !isPlainObject(v)) throw UNSUPPORTED;
      out += isEmptyCollection(v) ? (Array.isArray(v) ? ': []' : ': {}') : `:\n${inner}${collection(v, inner)}`;
    } else out += `: ${nonString(v)}`;
  }
  return first ? '{}' : out;
}

/**
 * `value` as YAML, exactly as `stringify(value, YAML_OPTIONS)` of the `yaml`
 * library writes it (ending with a newline).
 *
 * @example
 * stringifyYaml({ kind: 'ConfigMap', data: { port: '8002' } }); // 'kind: ConfigMap\ndata:\n  port: "8002"\n'
 */
export function stringifyYaml(value: unknown): string {
  if (value !== null && typeof value === 'object' && (Array.isArray(value) || isPlainObject(value))) {
    try {
      return `${collection(value, '')}\n`;
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
    }
  }
  return stringify(value, YAML_OPTIONS);
}

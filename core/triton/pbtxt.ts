/**
 * Protobuf text format (`config.pbtxt`) for protobuf-JSON objects of a
 * message type: a deterministic writer and a strict parser for what it writes
 * (messages, scalars, enums, repeated fields, maps), both driven by the
 * protobufjs type, so field names, order and value kinds come from the schema.
 */
import protobuf from 'protobufjs';

type Obj = Record<string, unknown>;

const INDENT = '  ';

/** Quotes a string as a text-format string literal (C escapes; control bytes as octal). */
export function quotePbtxtString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function scalarText(field: protobuf.FieldBase, value: unknown): string {
  if (field.resolvedType instanceof protobuf.Enum) return String(value);
  if (field.type === 'string' || field.type === 'bytes') return quotePbtxtString(String(value));
  if (field.type === 'bool') return value ? 'true' : 'false';
  return String(value);
}

/**
 * Writes `object` (protobuf JSON mapping with the proto's field names) as
 * text format. Fields come in the order the `.proto` declares them and map
 * entries sorted by key, so equal objects give identical text whatever their
 * key order. Repeated fields use the list form (`dims: [ 1, 3 ]`,
 * `input [ { … } ]`), as Triton's documentation does.
 *
 * @example
 * toPbtxt({ name: 'm', max_batch_size: 8 }, modelConfigType()); // 'name: "m"\nmax_batch_size: 8\n'
 */
export function toPbtxt(object: Readonly<Obj>, type: protobuf.Type): string {
  const lines: string[] = [];
  writeMessage(object, type, '', lines);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function writeMessage(object: Readonly<Obj>, type: protobuf.Type, indent: string, lines: string[]): void {
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined) continue;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(value as Obj).sort(([a], [b]) => compareKeys(field.keyType, a, b));
      const items = entries.map(([k, v]) => ({ key: field.keyType === 'string' ? k : Number(k), value: v }));
      writeList(field, items, indent, lines, (item, inner) => {
        lines.push(`${inner}key: ${field.keyType === 'string' ? quotePbtxtString(String(item.key)) : String(item.key)}`);
        if (field.resolvedType instanceof protobuf.Type) {
          lines.push(`${inner}value {`);
          writeMessage(item.value as Obj, field.resolvedType, inner + INDENT, lines);
          lines.push(`${inner}}`);
        } else lines.push(`${inner}value: ${scalarText(field, item.value)}`);
      });
    } else if (field.repeated) {
      const items = value as readonly unknown[];
      if (field.resolvedType instanceof protobuf.Type) {
        const messageType = field.resolvedType;
        writeList(field, items, indent, lines, (item, inner) => writeMessage(item as Obj, messageType, inner, lines));
      } else {
        lines.push(`${indent}${field.name}: [ ${items.map((item) => scalarText(field, item)).join(', ')} ]`.replace('[  ]', '[ ]'));
      }
    } else if (field.resolvedType instanceof protobuf.Type) {
      lines.push(`${indent}${field.name} {`);
      writeMessage(value as Obj, field.resolvedType, indent + INDENT, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}${field.name}: ${scalarText(field, value)}`);
    }
  }
}

function writeList<T>(field: protobuf.Field, items: readonly T[], indent: string, lines: string[], body: (item: T, inner: string) => void): void {
  if (items.length === 0) {
    lines.push(`${indent}${field.name} [ ]`);
    return;
  }
  lines.push(`${indent}${field.name} [`);
  items.forEach((item, i) => {
    lines.push(`${indent}${INDENT}{`);
    body(item, indent + INDENT + INDENT);
    lines.push(`${indent}${INDENT}}${i < items.length - 1 ? ',' : ''}`);
  });
  lines.push(`${indent}]`);
}

function compareKeys(keyType: string, a: string, b: string): number {
  if (keyType === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** A text-format syntax or schema error, with the 1-based line it was found on. */
export class PbtxtError extends Error {
  public constructor(message: string, public readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'PbtxtError';
  }
}

interface Token {
  readonly kind: 'ident' | 'number' | 'string' | 'punct';
  readonly text: string;
  readonly line: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ('{}[]:,;<>'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, line });
      i++;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) {
        if (text[j] === '\n') throw new PbtxtError('unterminated string', line);
        if (text[j] === '\\') {
          const e = text[j + 1];
          const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?' };
          if (e !== undefined && e in simple) {
            value += simple[e];
            j += 2;
          } else if (e !== undefined && /[0-7]/.test(e)) {
            const oct = /^[0-7]{1,3}/.exec(text.slice(j + 1))![0];
            value += String.fromCharCode(parseInt(oct, 8));
            j += 1 + oct.length;
          } else if (e === 'x') {
            const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(j + 2))?.[0];
            if (!hex) throw new PbtxtError('bad \\x escape', line);
            value += String.fromCharCode(parseInt(hex, 16));
            j += 2 + hex.length;
          } else throw new PbtxtError(`unknown escape \\${e ?? ''}`, line);
        } else value += text[j++];
      }
      if (j >= text.length) throw new PbtxtError('unterminated string', line);
      tokens.push({ kind: 'string', text: value, line });
      i = j + 1;
    } else {
      const m = /^-?(?:[0-9][0-9a-zA-Z.+-]*|inf(?:inity)?|nan)|^[A-Za-z_][A-Za-z0-9_.]*/i.exec(text.slice(i));
      if (!m) throw new PbtxtError(`unexpected character ${JSON.stringify(ch)}`, line);
      const isNumber = /^-?[0-9]/.test(m[0]) || /^-(inf|nan)/i.test(m[0]);
      tokens.push({ kind: isNumber ? 'number' : 'ident', text: m[0], line });
      i += m[0].length;
    }
  }
  return tokens;
}

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/**
 * Parses text format into a protobuf-JSON object of `type` (the proto's field
 * names; enums as names; 64-bit integers as numbers, which must be safe
 * integers). Strict: unknown fields, unknown enum values, out-of-range
 * integers and a singular field given twice are errors.
 *
 * @throws PbtxtError naming the line
 */
export function parsePbtxt(text: string, type: protobuf.Type): Obj {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const lastLine = () => tokens[tokens.length - 1]?.line ?? 1;
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new PbtxtError('unexpected end of input', lastLine());
    return t;
  };
  const accept = (p: string) => {
    const t = peek();
    if (t && t.kind === 'punct' && t.text === p) {
      pos++;
      return true;
    }
    return false;
  };
  const expect = (p: string) => {
    const t = next();
    if (t.kind !== 'punct' || t.text !== p) throw new PbtxtError(`expected "${p}", got ${JSON.stringify(t.text)}`, t.line);
  };

  const scalar = (field: protobuf.FieldBase, typeName: string): unknown => {
    const t = next();
    const resolved = field.resolvedType;
    if (typeName === field.type && resolved instanceof protobuf.Enum) {
      if (t.kind === 'ident' && Object.hasOwn(resolved.values, t.text)) return t.text;
      throw new PbtxtError(`${JSON.stringify(t.text)} is not a value of enum ${resolved.name} (field ${field.name})`, t.line);
    }
    if (typeName === 'string' || typeName === 'bytes') {
      if (t.kind !== 'string') throw new PbtxtError(`field ${field.name} expects a string, got ${JSON.stringify(t.text)}`, t.line);
      let value = t.text;
      while (peek()?.kind === 'string') value += next().text;
      return value;
    }
    if (typeName === 'bool') {
      if (['true', 'True', 't', '1'].includes(t.text)) return true;
      if (['false', 'False', 'f', '0'].includes(t.text)) return false;
      throw new PbtxtError(`field ${field.name} expects true or false, got ${JSON.stringify(t.text)}`, t.line);
    }
    const range = INT_RANGES[typeName];
    if (range) {
      if (t.kind !== 'number' || !/^-?[0-9]+$/.test(t.text)) throw new PbtxtError(`field ${field.name} expects an integer, got ${JSON.stringify(t.text)}`, t.line);
      const n = BigInt(t.text);
      if (n < range[0] || n > range[1]) throw new PbtxtError(`${t.text} is out of range for ${typeName} field ${field.name}`, t.line);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new PbtxtError(`${t.text} is beyond the exactly representable integers (field ${field.name})`, t.line);
      return Number(n);
    }
    if (typeName === 'double' || typeName === 'float') {
      const lower = t.text.toLowerCase().replace(/f$/, '');
      if (/^-?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
      if (/^-?nan$/.test(lower)) return NaN;
      const n = Number(lower);
      if (t.kind !== 'number' || Number.isNaN(n)) throw new PbtxtError(`field ${field.name} expects a number, got ${JSON.stringify(t.text)}`, t.line);
      return n;
    }
    throw new PbtxtError(`unsupported field type ${typeName}`, t.line);
  };

  const message = (messageType: protobuf.Type, close: string | undefined): Obj => {
    const out: Obj = {};
    for (;;) {
      const t = peek();
      if (!t) {
        if (close !== undefined) throw new PbtxtError(`missing "${close}"`, lastLine());
        return out;
      }
      if (close !== undefined && t.kind === 'punct' && t.text === close) {
        pos++;
        return out;
      }
      const nameToken = next();
      if (nameToken.kind !== 'ident') throw new PbtxtError(`expected a field name, got ${JSON.stringify(nameToken.text)}`, nameToken.line);
      const field = Object.hasOwn(messageType.fields, nameToken.text) ? messageType.fields[nameToken.text] : undefined;
      if (!field) throw new PbtxtError(`unknown field "${nameToken.text}" in ${messageType.fullName.replace(/^\./, '')}`, nameToken.line);
      const colon = accept(':');
      const isMessageValued = field instanceof protobuf.MapField || field.resolvedType instanceof protobuf.Type;
      const one = (): unknown => {
        if (field instanceof protobuf.MapField) return mapEntry(field);
        if (field.resolvedType instanceof protobuf.Type) return subMessage(field.resolvedType);
        return scalar(field, field.type);
      };
      if (!colon && !isMessageValued) throw new PbtxtError(`expected ":" after scalar field ${field.name}`, nameToken.line);
      if (field.repeated || field instanceof protobuf.MapField) {
        const items: unknown[] = [];
        if (accept('[')) {
          if (!accept(']')) {
            do items.push(one());
            while (accept(','));
            expect(']');
          }
        } else items.push(one());
        if (field instanceof protobuf.MapField) {
          const map = (out[field.name] ??= {}) as Obj;
          for (const entry of items as { key: string; value: unknown }[]) {
            if (Object.hasOwn(map, entry.key)) throw new PbtxtError(`map ${field.name} has key ${entry.key} twice`, nameToken.line);
            // defineProperty, not assignment: a key such as "__proto__" must become an own property.
            Object.defineProperty(map, entry.key, { value: entry.value, enumerable: true, writable: true, configurable: true });
          }
        } else ((out[field.name] ??= []) as unknown[]).push(...items);
      } else {
        if (Object.hasOwn(out, field.name)) throw new PbtxtError(`field ${field.name} is given twice`, nameToken.line);
        const oneof = field.partOf;
        if (oneof) {
          const other = oneof.oneof.find((name) => name !== field.name && Object.hasOwn(out, name));
          if (other) throw new PbtxtError(`${field.name} and ${other} are both set, but they belong to one oneof (${oneof.name})`, nameToken.line);
        }
        out[field.name] = one();
      }
      if (!accept(',')) accept(';');
    }
  };

  const subMessage = (messageType: protobuf.Type): Obj => {
    const open = next();
    if (open.kind !== 'punct' || (open.text !== '{' && open.text !== '<')) throw new PbtxtError(`expected "{" to open a ${messageType.name}, got ${JSON.stringify(open.text)}`, open.line);
    return message(messageType, open.text === '{' ? '}' : '>');
  };

  const mapEntry = (field: protobuf.MapField): { key: string; value: unknown } => {
    const open = next();
    if (open.kind !== 'punct' || open.text !== '{') throw new PbtxtError(`expected "{" to open an entry of map ${field.name}`, open.line);
    let key: unknown;
    let value: unknown;
    while (!accept('}')) {
      const name = next();
      if (name.kind !== 'ident' || (name.text !== 'key' && name.text !== 'value')) throw new PbtxtError(`a map entry holds only key and value, got ${JSON.stringify(name.text)}`, name.line);
      const colon = accept(':');
      if (name.text === 'key') {
        if (!colon) throw new PbtxtError('expected ":" after key', name.line);
        key = scalar(field, field.keyType);
      } else value = field.resolvedType instanceof protobuf.Type ? subMessage(field.resolvedType) : (colon ? scalar(field, field.type) : undefined);
      if (!accept(',')) accept(';');
    }
    if (key === undefined) throw new PbtxtError(`an entry of map ${field.name} has no key`, open.line);
    return { key: String(key), value: value ?? (field.resolvedType instanceof protobuf.Type ? {} : undefined) };
  };

  return message(type, undefined);
}

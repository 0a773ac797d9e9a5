/**
 * A declaration file's exports as data: what crosses from the declaration
 * evaluator (the child process that runs the fleet's TypeScript) back to the
 * process that validates it.
 *
 * `encodeValue` runs in the evaluator. It reads a value the way validation
 * reads it (every property through its getter, inherited getters of classes
 * included) and turns what plain JSON cannot carry into tagged markers:
 * `undefined`, NaN, ±Infinity, -0, bigints, symbols, functions, holes in
 * arrays, shared and cyclic references, dates and other non-plain objects, and
 * reads that throw (a getter or a proxy that throws). `decodeValue` runs in
 * the parent: it checks the shape of what it receives (the evaluator runs the
 * fleet's code, so its output is untrusted) and rebuilds equivalent values —
 * a function stub is still a function, a throwing getter throws an Error of
 * the same name and message — so the schemas give the same messages as when
 * the files were imported in process.
 *
 * Not carried: functions' code (a stub keeps the name), the entries of Maps
 * and Sets, symbol-keyed properties, and anything deeper than `maxDepth`
 * levels below the export (validation reads at most six).
 */
import { types } from 'node:util';

/** An encoded value: JSON primitives stand for themselves, everything else is a tagged object. */
export type EncodedValue = null | boolean | string | number | EncodedTagged;

/** A non-JSON value: see the `$` tags in `encodeValue`. */
export interface EncodedTagged {
  readonly $: string;
  readonly [field: string]: unknown;
}

/** What a read threw: an Error (its name and message) or another value. */
export type EncodedThrown = { readonly x: true; readonly n: string; readonly m: string } | { readonly x: false; readonly v: EncodedValue };

/** Limits of `encodeValue`. */
export interface EncodeOptions {
  /** Levels below the value that are read; deeper objects arrive empty. @default 8 */
  readonly maxDepth?: number;
  /** Most values (objects, array entries, primitives) one export may hold. @default 5_000_000 */
  readonly maxValues?: number;
}

/** A value too large to send: more values than `maxValues`. */
export class DeclarationDataLimitError extends Error {
  constructor(readonly maxValues: number) {
    super(`exports more than ${maxValues.toLocaleString('en-US')} values`);
    this.name = 'DeclarationDataLimitError';
  }
}

/** Input that `decodeValue` refuses: not something `encodeValue` produces. */
export class DeclarationDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarationDataError';
  }
}

/** Prototypes of the built-in classes: inherited properties stop there (a class's getters are read, `Object.prototype.__proto__` is not). */
const INTRINSIC_PROTOTYPES: ReadonlySet<object> = (() => {
  const found = new Set<object>();
  const add = (proto: unknown) => {
    for (let p = proto; p !== null && (typeof p === 'object' || typeof p === 'function') && !found.has(p as object); p = Object.getPrototypeOf(p)) found.add(p as object);
  };
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    const value: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
    if (typeof value === 'function') {
      add(value);
      add((value as { prototype?: unknown }).prototype);
    }
  }
  add(Object.getPrototypeOf(Uint8Array.prototype));
  add(Object.getPrototypeOf(function* () {}));
  add(Object.getPrototypeOf(async function () {}));
  return found;
})();

/** zod's `isPlainObject`, which decides whether a value passes as a record. */
function isPlainForZod(o: object): boolean {
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const proto: unknown = (ctor as { prototype?: unknown }).prototype;
  if (typeof proto !== 'object' || proto === null || Array.isArray(proto)) return false;
  return Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

/**
 * Encodes `value` for `JSON.stringify` (see the file comment). Throws
 * `DeclarationDataLimitError` when it holds more than `maxValues` values.
 */
export function encodeValue(value: unknown, options: EncodeOptions = {}): EncodedValue {
  const maxDepth = options.maxDepth ?? 8;
  const maxValues = options.maxValues ?? 5_000_000;
  const ids = new Map<object, number>();
  let count = 0;

  const thrown = (error: unknown): EncodedThrown => {
    try {
      if (error instanceof Error) return { x: true, n: String(error.name), m: String(error.message) };
    } catch {
      // Its name or message getter throws too: describe it as an object.
    }
    return { x: false, v: encode(error, maxDepth) };
  };

  /** Reads `key` of `object` as validation would (getters run against the object itself). */
  const read = (object: object, key: string | number, depth: number): EncodedValue => {
    let got: unknown;
    try {
      got = Reflect.get(object, key);
    } catch (error) {
      return { $: 't', e: thrown(error) };
    }
    return encode(got, depth + 1);
  };

  const encode = (v: unknown, depth: number): EncodedValue => {
    if (++count > maxValues) throw new DeclarationDataLimitError(maxValues);
    switch (typeof v) {
      case 'undefined':
        return { $: 'u' };
      case 'boolean':
      case 'string':
        return v;
      case 'number':
        if (Number.isNaN(v)) return { $: 'n', v: 'NaN' };
        if (v === Infinity) return { $: 'n', v: 'Infinity' };
        if (v === -Infinity) return { $: 'n', v: '-Infinity' };
        if (Object.is(v, -0)) return { $: 'n', v: '-0' };
        return v;
      case 'bigint':
        return { $: 'b', v: v.toString() };
      case 'symbol':
        return v.description === undefined ? { $: 's' } : { $: 's', d: v.description };
      case 'function': {
        let name = '';
        let prototype = false;
        try {
          name = typeof v.name === 'string' ? v.name : '';
          prototype = Object.prototype.hasOwnProperty.call(v, 'prototype');
        } catch {
          // A proxy of a function: a stub without a name.
        }
        return { $: 'f', n: name, p: prototype };
      }
    }
    if (v === null) return null;
    const object = v as object;
    const seen = ids.get(object);
    if (seen !== undefined) return { $: 'r', i: seen };
    const id = ids.size;
    ids.set(object, id);
    let isArray = false;
    try {
      isArray = Array.isArray(object); // throws for a revoked proxy
      return isArray ? encodeArray(object as unknown[], id, depth) : encodeObject(object, id, depth);
    } catch (error) {
      if (error instanceof DeclarationDataLimitError) throw error;
      // A proxy whose traps throw: every read of it throws the same.
      return { $: 'T', i: id, a: isArray, e: thrown(error) };
    }
  };

  const encodeArray = (array: unknown[], id: number, depth: number): EncodedValue => {
    if (depth >= maxDepth) return { $: 'a', i: id, n: 0, v: [] };
    const length = Reflect.get(array, 'length') as number;
    if (length > maxValues - count) throw new DeclarationDataLimitError(maxValues);
    const items: EncodedValue[] = [];
    for (let i = 0; i < length; i++) {
      let hole: boolean;
      try {
        hole = !(i in array);
      } catch (error) {
        items.push({ $: 't', e: thrown(error) });
        continue;
      }
      if (hole) {
        count++;
        items.push({ $: 'h' });
      } else items.push(read(array, i, depth));
    }
    return { $: 'a', i: id, n: length, v: items };
  };

  const encodeObject = (object: object, id: number, depth: number): EncodedValue => {
    // First everything that may throw for a proxy (its kind, its keys), before any property is
    // encoded: a throw here makes the whole object one that throws on every read.
    const proto: unknown = Object.getPrototypeOf(object);
    let kind = proto === null ? 'null' : isPlainForZod(object) ? 'plain' : types.isDate(object) ? 'date' : types.isRegExp(object) ? 'regexp' : types.isMap(object) ? 'map' : types.isSet(object) ? 'set' : types.isNativeError(object) ? 'error' : 'other';
    const extra: Record<string, unknown> = {};
    if (kind === 'date') extra.t = encode(Date.prototype.getTime.call(object), maxDepth);
    if (kind === 'regexp') extra.s = RegExp.prototype.toString.call(object);
    if (kind === 'error') {
      try {
        Object.assign(extra, { x: true, n: String((object as Error).name), m: String((object as Error).message) });
      } catch {
        kind = 'other';
      }
    }
    if (depth >= maxDepth) return { $: 'o', i: id, k: kind, ...extra, p: [] };
    // The keys validation sees: `for…in` (own and inherited enumerable, in order) for unknown
    // fields, then every other own property and the getters of the object's classes, which
    // validation reads by name.
    const enumerable: string[] = [];
    for (const key in object) enumerable.push(key);
    const listed = new Set(enumerable);
    const hidden: string[] = [];
    for (let p: unknown = object; p !== null && typeof p === 'object' && (p === object || !INTRINSIC_PROTOTYPES.has(p)); p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) {
        if (listed.has(key) || (p !== object && key === 'constructor')) continue;
        listed.add(key);
        hidden.push(key);
      }
    }
    const props: unknown[] = [];
    for (const key of enumerable) props.push([key, read(object, key, depth)]);
    for (const key of hidden) props.push([key, read(object, key, depth), 0]);
    return { $: 'o', i: id, k: kind, ...extra, p: props };
  };

  return encode(value, 0);
}

/** Limits of `decodeValue`. */
export interface DecodeOptions {
  /** Deepest nesting accepted. @default 64 */
  readonly maxDepth?: number;
}

const NUMBERS: Readonly<Record<string, number>> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };

/** The prototype of rebuilt non-plain objects (class instances, promises, typed arrays…): not a record for zod. */
class DeclaredObject {}

/** An Error like the one a read threw: same name, same message. */
function rebuildThrown(e: unknown, decode: (v: unknown, depth: number) => unknown, depth: number): unknown {
  const t = asRecord(e, 'a thrown value');
  if (t.x === true) {
    const error = new Error(asString(t.m, 'an error message'));
    const name = asString(t.n, 'an error name');
    if (name !== 'Error') Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true, enumerable: false });
    return error;
  }
  if (t.x === false) return decode(t.v, depth + 1);
  throw new DeclarationDataError('a thrown value is neither an Error nor a value');
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DeclarationDataError(`expected ${what}`);
  return v as Record<string, unknown>;
}

function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new DeclarationDataError(`expected ${what}`);
  return v;
}

/**
 * Rebuilds a value from `encodeValue`'s output (parsed JSON). Throws
 * `DeclarationDataError` on anything `encodeValue` does not produce.
 */
export function decodeValue(encoded: unknown, options: DecodeOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 64;
  const built: object[] = [];

  const register = (value: object, id: unknown): void => {
    if (id !== built.length) throw new DeclarationDataError(`object ids out of order (got ${String(id)}, expected ${built.length})`);
    built.push(value);
  };

  const throwing = (e: unknown, depth: number) => {
    const error = rebuildThrown(e, decode, depth);
    return () => {
      throw error;
    };
  };

  /** Defines `key` on `target`: a value, or a getter that throws what the original threw. */
  const define = (target: object, key: string, raw: unknown, enumerable: boolean, depth: number): void => {
    const tagged = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as { $?: unknown }).$ === 't';
    // Reflect: a built-in's own fixed property (a RegExp's lastIndex) keeps its value.
    Reflect.defineProperty(
      target,
      key,
      tagged ? { get: throwing((raw as { e: unknown }).e, depth), enumerable, configurable: true } : { value: decode(raw, depth + 1), enumerable, writable: true, configurable: true },
    );
  };

  const decode = (raw: unknown, depth: number): unknown => {
    if (depth > maxDepth) throw new DeclarationDataError(`nested deeper than ${maxDepth} levels`);
    if (raw === null || typeof raw === 'boolean' || typeof raw === 'string') return raw;
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw)) throw new DeclarationDataError('a number that JSON cannot hold');
      return raw;
    }
    const node = asRecord(raw, 'a value');
    switch (node.$) {
      case 'u':
        return undefined;
      case 'n': {
        const key = asString(node.v, 'a number name');
        if (!Object.prototype.hasOwnProperty.call(NUMBERS, key)) throw new DeclarationDataError(`unknown number ${JSON.stringify(key)}`);
        return NUMBERS[key];
      }
      case 'b': {
        const digits = asString(node.v, 'bigint digits');
        if (!/^-?\d{1,100000}$/.test(digits)) throw new DeclarationDataError('malformed bigint');
        return BigInt(digits);
      }
      case 's':
        return node.d === undefined ? Symbol() : Symbol(asString(node.d, 'a symbol description'));
      case 'f': {
        const stub = node.p === true ? function () {} : () => {};
        Object.defineProperty(stub, 'name', { value: asString(node.n, 'a function name'), configurable: true });
        return stub;
      }
      case 'r': {
        if (typeof node.i !== 'number' || !Number.isInteger(node.i) || node.i < 0 || node.i >= built.length) throw new DeclarationDataError('a reference to an unknown object');
        return built[node.i];
      }
      case 'T': {
        // Registered before the thrown value is decoded: that value's objects come after it.
        let error: unknown;
        const trap = () => {
          throw error;
        };
        const proxy = new Proxy(node.a === true ? [] : {}, {
          get: trap,
          has: trap,
          ownKeys: trap,
          getOwnPropertyDescriptor: trap,
          getPrototypeOf: trap,
          set: trap,
          defineProperty: trap,
          deleteProperty: trap,
        });
        register(proxy, node.i);
        error = rebuildThrown(node.e, decode, depth);
        return proxy;
      }
      case 'a': {
        const items = node.v;
        if (!Array.isArray(items) || node.n !== items.length) throw new DeclarationDataError('malformed array');
        const array: unknown[] = new Array(items.length);
        register(array, node.i);
        items.forEach((item, i) => {
          if (item !== null && typeof item === 'object' && !Array.isArray(item) && (item as { $?: unknown }).$ === 'h') return;
          define(array, String(i), item, true, depth);
        });
        return array;
      }
      case 'o': {
        const object = newObject(node, decode, depth);
        register(object, node.i);
        if (!Array.isArray(node.p)) throw new DeclarationDataError('malformed properties');
        for (const entry of node.p) {
          if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3 || typeof entry[0] !== 'string') throw new DeclarationDataError('malformed property');
          define(object, entry[0], entry[1], entry.length === 2, depth);
        }
        return object;
      }
      default:
        throw new DeclarationDataError(`unknown tag ${JSON.stringify(String(node.$))}`);
    }
  };

  return decode(encoded, 0);
}

/** A fresh object of the encoded kind, before its properties. */
function newObject(node: Record<string, unknown>, decode: (v: unknown, depth: number) => unknown, depth: number): object {
  switch (node.k) {
    case 'plain':
      return {};
    case 'null':
      return Object.create(null) as object;
    case 'date': {
      const time = decode(node.t, depth + 1);
      if (typeof time !== 'number') throw new DeclarationDataError('malformed date');
      return new Date(time);
    }
    case 'regexp': {
      const text = asString(node.s, 'a regular expression');
      const match = /^\/([\s\S]*)\/([a-z]*)$/.exec(text);
      try {
        return match ? new RegExp(match[1]!, match[2]) : new RegExp('');
      } catch {
        throw new DeclarationDataError('malformed regular expression');
      }
    }
    case 'map':
      return new Map();
    case 'set':
      return new Set();
    case 'error':
      return rebuildThrown(node, decode, depth) as object;
    case 'other':
      return Object.create(DeclaredObject.prototype) as object;
    default:
      throw new DeclarationDataError(`unknown object kind ${JSON.stringify(String(node.k))}`);
  }
}

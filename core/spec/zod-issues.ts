/**
 * Turns zod issues into modelfleet messages: what is wrong, the value received,
 * what is allowed and the fix, in the author's field names.
 */
import type { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';

/** Describes a received value for a message: `"3 gigs"`, `42`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

/** How messages name an expected type: `a number`, `a list`. */
function expectedNoun(expected: string): string {
  const nouns: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
    tuple: 'a list',
  };
  return nouns[expected] ?? expected;
}

/** The fix for a value of the wrong type: what to write instead. */
function typeFix(expected: string, received: unknown, known: readonly string[]): string {
  switch (expected) {
    case 'number':
    case 'int':
      if (typeof received === 'string' && received.trim() !== '' && Number.isFinite(Number(received))) return `write ${Number(received)} without quotes`;
      if (typeof received === 'number' && !Number.isFinite(received)) return 'give the number itself (NaN and Infinity usually come from arithmetic on a missing value)';
      if (typeof received === 'number') return `round it to a whole number such as ${Math.round(received)}`;
      return 'give a plain number such as 8';
    case 'boolean':
      return typeof received === 'string' ? 'write true or false without quotes' : 'write true or false';
    case 'string':
      if (Array.isArray(received)) return 'give one string, not a list';
      return typeof received === 'number' || typeof received === 'boolean' ? `write it in quotes: "${String(received)}"` : 'give a string in quotes';
    case 'object':
      return known.length ? `write an object { ${known.join(', ')} }` : 'write an object { … }';
    case 'array':
    case 'tuple':
      return received !== null && typeof received !== 'object' ? `write a list such as [${describeValue(received)}]` : 'write a list [ … ]';
    default:
      return `give ${expectedNoun(expected)}`;
  }
}

/** Edit distance, for "did you mean" suggestions on unknown fields. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/** The closest known name to `name`, if it is close enough to be a likely typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Known fields of the object schema at `path`, for unknown-key suggestions. */
export type KnownFields = (path: readonly PropertyKey[]) => readonly string[];

/**
 * Converts zod issues for `input` (the declaration as written) into
 * `SpecIssue`s stamped with `file`, with `prefix` prepended to every path.
 */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  file: string,
  prefix: readonly (string | number)[],
  knownFields: KnownFields,
): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const received = valueAt(input, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownFields(issue.path);
        for (const key of issue.keys) {
          const hint = suggest(key, known);
          const allowed = known.length ? ` (known fields: ${known.join(', ')})` : '';
          out.push({
            file,
            path: [...prefix, ...path, key],
            message: hint ? `unknown field ${JSON.stringify(key)}; did you mean "${hint}"?` : `unknown field ${JSON.stringify(key)}; remove it${allowed}`,
          });
        }
        break;
      }
      case 'invalid_type': {
        const known = issue.expected === 'object' ? knownFields(issue.path) : [];
        const key = path.at(-1);
        const finite = typeof received === 'number' && !Number.isFinite(received);
        out.push({
          file,
          path: [...prefix, ...path],
          message:
            received === undefined
              ? known.length && typeof key === 'string'
                ? `is required; add ${key}: { ${known.join(', ')} }`
                : `is required (${expectedNoun(issue.expected)}); add it`
              : `expected ${finite ? 'a finite number' : expectedNoun(issue.expected)}, got ${describeValue(received)}; ${typeFix(issue.expected, received, known)}`,
        });
        break;
      }
      case 'invalid_value':
        out.push({
          file,
          path: [...prefix, ...path],
          message: `${received === undefined ? 'is required' : `${describeValue(received)} is not allowed`}; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${
            typeof received === 'string'
              ? (() => {
                  const hint = suggest(received, issue.values.map(String));
                  return hint ? ` (did you mean ${JSON.stringify(hint)}?)` : '';
                })()
              : ''
          }`,
        });
        break;
      case 'too_small':
        out.push({
          file,
          path: [...prefix, ...path],
          message:
            issue.origin === 'array'
              ? `must list at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`
              : `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}, got ${describeValue(received)}`,
        });
        break;
      case 'too_big':
        out.push({
          file,
          path: [...prefix, ...path],
          message: `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${describeValue(received)}`,
        });
        break;
      default:
        out.push({ file, path: [...prefix, ...path], message: issue.message });
    }
  }
  return out;
}

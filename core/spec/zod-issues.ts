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
  return `${typeof value} ${String(value)}`;
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
            message: hint ? `unknown field "${key}"; did you mean "${hint}"?` : `unknown field "${key}"; remove it${allowed}`,
          });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          file,
          path: [...prefix, ...path],
          message:
            received === undefined
              ? `is required (expected ${issue.expected})`
              : `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, got ${describeValue(received)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          file,
          path: [...prefix, ...path],
          message: `${describeValue(received)} is not allowed; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${
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

/**
 * "Closest names" for messages about an unknown name, ranked for a person who
 * half-remembers it: names that contain what was typed first (`acme` finds
 * `acme-bank`), then by edit distance, then by name.
 */
import { editDistance } from '../spec/zod-issues.ts';
import { compareStrings } from './compare.ts';

/**
 * Up to `count` names from `known`, closest to `name` first.
 *
 * @example
 * closestNames('acme', ['globex', 'acme-bank', 'acme-pay']) // ['acme-pay', 'acme-bank', 'globex']
 */
export function closestNames(name: string, known: readonly string[], count = 5): string[] {
  const query = name.toLowerCase();
  return [...new Set(known)]
    .map((candidate) => ({ candidate, contains: candidate.toLowerCase().includes(query) ? 0 : 1, distance: editDistance(name, candidate) }))
    .sort((a, b) => a.contains - b.contains || a.distance - b.distance || compareStrings(a.candidate, b.candidate))
    .slice(0, Math.max(0, count))
    .map((c) => c.candidate);
}

/**
 * Checks of the fleet fuzz tests: what synth produced is a complete, valid
 * output, or well-formed `FILE: FIELD: message` problems.
 */
import { parseAllDocuments } from 'yaml';
import type { OutputFile } from '../../core/plan/output-file.ts';
import { validateManifests } from '../support/validate-manifests.ts';

/** A problem line: `FILE: FIELD: message`, on one line, the file without a colon. */
export const PROBLEM_LINE = /^[^:\n]+: [^\n]+: [^\n]+$/;

/** The lines of formatted problems that are not `FILE: FIELD: message`. */
export function malformedLines(text: string): string[] {
  return text.split('\n').filter((line) => !PROBLEM_LINE.test(line));
}

interface PlanDoc {
  shards: { name: string; namespace: string; team: string; capacity: Record<string, number>; used: Record<string, number>; models: { model: string; tenant: string | null; team: string }[] }[];
  lowerBound: number;
}

/**
 * Checks a successful synth's files: plan.json parses in the documented shape,
 * no shard exceeds its capacity, every copy of `expectedCopies` is placed
 * exactly once, the kustomization lists every manifest, every manifest object
 * validates strictly, and the lockfile records the same placement. Returns the
 * problems found (empty when the output is complete and valid).
 */
export function outputProblems(files: readonly OutputFile[], expectedCopies: readonly string[], lockText: string): string[] {
  const problems: string[] = [];
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  for (const required of ['plan.json', 'summary.md', 'kustomization.yaml', 'manifests/_cluster.yaml']) {
    if (!byPath.has(required)) problems.push(`missing ${required}`);
  }
  let plan: PlanDoc | undefined;
  try {
    plan = JSON.parse(byPath.get('plan.json') ?? '') as PlanDoc;
  } catch (error) {
    problems.push(`plan.json does not parse: ${(error as Error).message}`);
  }
  if (plan) {
    if (!Array.isArray(plan.shards) || typeof plan.lowerBound !== 'number') problems.push('plan.json is not {shards, lowerBound}');
    const placed = plan.shards.flatMap((s) => s.models.map((m) => (m.tenant === null ? `${m.team}/${m.model}` : `${m.team}/${m.model}@${m.tenant}`)));
    const sorted = (ids: readonly string[]) => [...ids].sort();
    if (JSON.stringify(sorted(placed)) !== JSON.stringify(sorted(expectedCopies))) {
      problems.push(`placed copies ${JSON.stringify(sorted(placed))} are not the fleet's copies ${JSON.stringify(sorted(expectedCopies))}, each once`);
    }
    for (const s of plan.shards) {
      for (const k of ['memory', 'gpuMemory', 'cpu']) if (!(s.used[k]! <= s.capacity[k]!)) problems.push(`${s.name}: used ${k} ${s.used[k]} exceeds capacity ${s.capacity[k]}`);
      if (s.name.length > 63) problems.push(`${s.name}: shard name longer than 63 characters`);
    }
    if (plan.shards.length < plan.lowerBound) problems.push(`fewer shards (${plan.shards.length}) than the lower bound ${plan.lowerBound}`);
    try {
      const lock = JSON.parse(lockText) as { shards: Record<string, { copies: string[] }> };
      const locked = Object.values(lock.shards).flatMap((s) => s.copies);
      if (JSON.stringify(sorted(locked)) !== JSON.stringify(sorted(placed))) {
        problems.push(`the lockfile's copies ${JSON.stringify(sorted(locked))} differ from plan.json's`);
      }
    } catch (error) {
      problems.push(`the lockfile does not parse: ${(error as Error).message}`);
    }
  }
  const manifests = files.filter((f) => f.path.startsWith('manifests/'));
  const kustomization = byPath.get('kustomization.yaml') ?? '';
  for (const m of manifests) if (!kustomization.includes(m.path)) problems.push(`kustomization.yaml does not list ${m.path}`);
  const objects: unknown[] = [];
  for (const m of manifests) {
    for (const doc of parseAllDocuments(m.content)) {
      if (doc.errors.length) problems.push(`${m.path}: YAML error ${doc.errors[0]!.message}`);
      const value = doc.toJS() as unknown;
      if (value) objects.push(value);
    }
  }
  problems.push(...validateManifests(objects));
  return problems;
}

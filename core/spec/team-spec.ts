/**
 * Team declarations: `models/teams.ts` default-exports an array of
 * `defineTeam({...})`. A team owns a namespace and a quota.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors/spec-issue.ts';
import { dnsName, quantitySchema } from './model-spec.ts';
import { MAX_TEAM_NAME_LENGTH } from './names.ts';
import type { Quantity } from './quantity.ts';
import { describeValue, fromZodIssues } from './zod-issues.ts';

/** A team's resource quota: the ceiling of what its namespace may request. */
export interface TeamQuota {
  /** Whole GPUs (`requests.nvidia.com/gpu` and its MIG/time-sliced variants count as GPUs of the pool). */
  readonly gpu: number;
  /** CPU requests, e.g. `"64"`. */
  readonly cpu: Quantity;
  /** Memory requests, e.g. `"512Gi"`. */
  readonly memory: Quantity;
}

/** A team declaration. */
export interface TeamDeclaration {
  /** Team name: a DNS-1035 label of at most 24 characters; also the namespace name. */
  readonly name: string;
  /** Resource quota of the team's namespace. */
  readonly quota: TeamQuota;
}

/** Marks objects made by `defineTeam`. */
export const TEAM_BRAND: unique symbol = Symbol.for('modelfleet.team') as never;

/**
 * Declares a team.
 *
 * @example
 * defineTeam({ name: 'fraud', quota: { gpu: 8, cpu: '64', memory: '512Gi' } })
 */
export function defineTeam(declaration: TeamDeclaration): TeamDeclaration & { readonly [TEAM_BRAND]: true } {
  return Object.defineProperty({ ...declaration }, TEAM_BRAND, { value: true, enumerable: false }) as TeamDeclaration & { readonly [TEAM_BRAND]: true };
}

/** A validated team. */
export interface TeamSpec {
  readonly file: string;
  readonly pathPrefix: readonly (string | number)[];
  readonly name: string;
  /** Namespace the team's objects live in. */
  readonly namespace: string;
  readonly quota: { readonly gpu: number; readonly cpu: number; readonly memory: number };
}

const teamSchema = z.strictObject({
  name: dnsName('team name', MAX_TEAM_NAME_LENGTH, true, 'it starts every shard name, <team>-<tier>-<pool>-<n>, which Kubernetes limits to 63 characters'),
  quota: z.strictObject({
    gpu: z.number().int().min(0).max(100000),
    cpu: quantitySchema('cpu'),
    memory: quantitySchema('memory'),
  }),
});

/** Validates one team declaration. */
export function validateTeam(input: unknown, file: string, pathPrefix: readonly (string | number)[]): { spec?: TeamSpec; issues: SpecIssue[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ file, path: [...pathPrefix], message: `expected a team declaration made with defineTeam({...}), got ${describeValue(input)}; export default [defineTeam({ name, quota: { gpu, cpu, memory } }), ...]` }] };
  }
  const parsed = teamSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const known = (path: readonly PropertyKey[]) => (path.length === 0 ? ['name', 'quota'] : path[0] === 'quota' ? ['gpu', 'cpu', 'memory'] : []);
    return { issues: fromZodIssues(parsed.error.issues, input, file, pathPrefix, known) };
  }
  const d = parsed.data;
  return { spec: { file, pathPrefix, name: d.name, namespace: d.name, quota: d.quota }, issues: [] };
}

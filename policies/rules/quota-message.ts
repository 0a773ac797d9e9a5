/**
 * The one wording of a team-quota violation, shared by the plan-level check
 * (`policies/team-quota.ts`, on `teams.ts`) and the manifest rule
 * (`team-quota`, on a ResourceQuota), so both say the same thing:
 *
 * `team fraud requests 10 GPUs at max replicas, quota is 8 GPUs (txn-scorer@acme, txn-scorer@globex)`
 */
import { compareStrings } from '../../core/util/compare.ts';

/** How many contributors a message lists before `… N more`. */
export const MAX_LISTED_CONTRIBUTORS = 5;

/**
 * Contributors (model copies as `model@tenant`, or `Kind/name` for other
 * workloads) sorted and deduplicated: `a, b, c, d, e, … 3 more`.
 */
export function listContributors(ids: readonly string[], limit = MAX_LISTED_CONTRIBUTORS): string {
  const sorted = [...new Set(ids)].sort(compareStrings);
  return sorted.length > limit ? `${sorted.slice(0, limit).join(', ')}, … ${sorted.length - limit} more` : sorted.join(', ');
}

/** What a quota message says. */
export interface QuotaExcess {
  /** Team (or namespace) name. */
  readonly team: string;
  /** What the team uses at max replicas, with its unit (`"10 GPUs"`). */
  readonly used: string;
  /** The quota, with its unit (`"8 GPUs"`). */
  readonly quota: string;
  /** What uses it: copy ids or `Kind/name`. */
  readonly contributors: readonly string[];
  /**
   * The verb: `requests` for requests, `runs` for pods, `sets limits of` for limits.
   *
   * @default 'requests'
   */
  readonly verb?: string;
}

/**
 * `team fraud requests 10 GPUs at max replicas, quota is 8 GPUs (txn-scorer@acme, txn-scorer@globex)`:
 * the common part of every quota violation; callers add the fix.
 */
export function formatQuotaExcess(excess: QuotaExcess): string {
  const list = excess.contributors.length ? ` (${listContributors(excess.contributors)})` : '';
  return `team ${excess.team} ${excess.verb ?? 'requests'} ${excess.used} at max replicas, quota is ${excess.quota}${list}`;
}

/**
 * Team quota rule: everything a team's shards request at their maximum
 * replica count must fit the team's ResourceQuota, or the autoscaler would be
 * blocked by the quota exactly when traffic peaks.
 *
 * This is the plan-level check (before rendering, naming `teams.ts`); the
 * manifest rule `team-quota` (`policies/rules/team-quota.ts`) checks the
 * rendered ResourceQuota the same way, with the same wording.
 */
import type { SpecIssue } from '../core/errors/spec-issue.ts';
import type { ShardResources } from '../core/plan/shard-resources.ts';
import { teamUsage } from '../core/plan/team-usage.ts';
import { copyLabel, type Shard } from '../core/plan/shard-plan.ts';
import { formatBytes, formatMillicores } from '../core/spec/quantity.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import { formatQuotaExcess } from './rules/quota-message.ts';

/** The copies of `shards` as `model@tenant` (or `model` when untenanted). */
function copyIds(shards: readonly Shard[]): string[] {
  return shards.flatMap((s) => s.copies.map(copyLabel));
}

/**
 * Reports every team whose requests at max replicas exceed its quota, as an
 * issue on the team's quota field in `teams.ts`.
 */
export function checkTeamQuotas(teams: readonly TeamSpec[], shards: readonly Shard[], resourcesOf: (shard: Shard) => ShardResources): SpecIssue[] {
  const usage = teamUsage(shards, resourcesOf);
  const issues: SpecIssue[] = [];
  for (const team of teams) {
    const u = usage.get(team.name);
    if (!u) continue;
    const own = shards.filter((s) => s.team === team.name);
    const check = (field: 'gpu' | 'cpu' | 'memory', used: number, quota: number, show: (n: number) => string, unit: string) => {
      if (used <= quota) return;
      const heavy = field === 'gpu' ? own.filter((s) => s.gpusPerReplica > 0) : own;
      issues.push({
        file: team.file,
        path: [...team.pathPrefix, 'quota', field],
        message: `${formatQuotaExcess({ team: team.name, used: `${show(used)}${unit}`, quota: `${show(quota)}${unit}`, contributors: copyIds(heavy) })}; raise the quota or lower the tiers' maxReplicas`,
      });
    };
    check('gpu', u.gpu, team.quota.gpu, (n) => String(n), ' GPUs');
    check('cpu', u.cpu, team.quota.cpu, formatMillicores, ' CPU');
    check('memory', u.memory, team.quota.memory, formatBytes, ' memory');
  }
  return issues;
}

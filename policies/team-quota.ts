/**
 * Team quota rule: everything a team's shards request at their maximum
 * replica count must fit the team's ResourceQuota, or the autoscaler would be
 * blocked by the quota exactly when traffic peaks.
 */
import type { SpecIssue } from '../core/errors/spec-issue.ts';
import type { ShardResources } from '../core/plan/shard-resources.ts';
import { teamUsage } from '../core/plan/team-usage.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import { formatBytes, formatMillicores } from '../core/spec/quantity.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';

function listModels(shards: readonly Shard[], limit = 5): string {
  const ids = [...new Set(shards.flatMap((s) => s.copies.map((c) => (c.tenant ? `${c.model}@${c.tenant}` : c.model))))].sort();
  return ids.length > limit ? `${ids.slice(0, limit).join(', ')}, … ${ids.length - limit} more` : ids.join(', ');
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
        message: `team ${team.name} requests ${show(used)}${unit} at max replicas, quota is ${show(quota)}${unit} (${listModels(heavy)}); raise the quota or lower the tiers' maxReplicas`,
      });
    };
    check('gpu', u.gpu, team.quota.gpu, (n) => String(n), ' GPUs');
    check('cpu', u.cpu, team.quota.cpu, formatMillicores, ' CPU');
    check('memory', u.memory, team.quota.memory, formatBytes, ' memory');
  }
  return issues;
}

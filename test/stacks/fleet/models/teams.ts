// A small good fleet for the Pulumi program's tests: two GPU shards for fraud, one CPU shard for search,
// and a team (docai) without models, which still gets its Namespace, ResourceQuota and LimitRange.
import { defineTeam } from 'modelfleet';

export default [
  defineTeam({ name: 'fraud', quota: { gpu: 16, cpu: '64', memory: '256Gi' } }),
  defineTeam({ name: 'search', quota: { gpu: 0, cpu: '64', memory: '256Gi' } }),
  defineTeam({ name: 'docai', quota: { gpu: 4, cpu: '16', memory: '64Gi' } }),
];

// The fleet's teams; each quota covers the team's shards at maximum replicas (1 GPU per GPU-shard replica) with room to grow,
// and each budget the team's planned monthly cost on the costliest stack (prod) with room to grow.
import { defineTeam } from 'modelfleet';

export default [
  defineTeam({ name: 'fraud', quota: { gpu: 128, cpu: '768', memory: '3Ti' }, budget: { monthlyUsd: 40000 } }),
  defineTeam({ name: 'recsys', quota: { gpu: 192, cpu: '1280', memory: '5Ti' }, budget: { monthlyUsd: 45000 } }),
  defineTeam({ name: 'search', quota: { gpu: 96, cpu: '640', memory: '2560Gi' }, budget: { monthlyUsd: 35000 } }),
  defineTeam({ name: 'forecasting', quota: { gpu: 48, cpu: '512', memory: '2Ti' }, budget: { monthlyUsd: 6000 } }),
  defineTeam({ name: 'docai', quota: { gpu: 128, cpu: '768', memory: '3Ti' }, budget: { monthlyUsd: 25000 } }),
];

import { defineTeam } from 'modelfleet';

export default [
  defineTeam({ name: 'payments', quota: { gpu: 16, cpu: '64', memory: '256Gi' }, budget: { monthlyUsd: 9000 } }),
  defineTeam({ name: 'support', quota: { gpu: 4, cpu: '32', memory: '128Gi' } }),
];

/**
 * A small hand-made fleet for construct tests: two teams, a GPU shard with a
 * tenanted and an untenanted model, and a CPU shard, on the embedded default
 * stack. Hand-made so these tests do not depend on the packer.
 */
import type { ModelCopy, Shard, ShardPlan } from '../../core/plan/shard-plan.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import { resolveStack, type StackConfig } from '../../core/stack/stack-config.ts';
import { DEFAULT_STACK } from '../../policies/default-stack.ts';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

/** The embedded default stack. */
export function defaultStack(): StackConfig {
  const { stack, issues } = resolveStack('default', '(embedded default stack)', {}, DEFAULT_STACK);
  if (!stack) throw new Error(`default stack is invalid: ${JSON.stringify(issues)}`);
  return stack;
}

function copy(c: Omit<ModelCopy, 'id' | 'tritonName' | 'file' | 'pathPrefix' | 'dedicated' | 'triton'> & { triton?: ModelCopy['triton'] }): ModelCopy {
  return {
    triton: { optimization: {} },
    ...c,
    dedicated: false,
    id: c.tenant ? `${c.team}/${c.model}@${c.tenant}` : `${c.team}/${c.model}`,
    tritonName: c.tenant ? `${c.model}.${c.tenant}` : c.model,
    file: `models/${c.team}/${c.model}.ts`,
    pathPrefix: [],
  };
}

const sum = (copies: readonly ModelCopy[]) => ({
  memory: copies.reduce((n, c) => n + c.resources.memory, 0),
  gpuMemory: copies.reduce((n, c) => n + c.resources.gpuMemory, 0),
  cpu: copies.reduce((n, c) => n + c.resources.cpu, 0),
});

const gpuCopies = [
  copy({ model: 'txn-scorer', tenant: 'globex', team: 'fraud', tier: 'realtime', framework: 'onnx', gpu: true, resources: { memory: 3 * Gi, gpuMemory: 4 * Gi, cpu: 500 }, artifact: 's3://ml-models/fraud/txn-scorer/globex' }),
  copy({ model: 'txn-scorer', tenant: 'acme', team: 'fraud', tier: 'realtime', framework: 'onnx', gpu: true, resources: { memory: 1500 * Mi, gpuMemory: 2 * Gi, cpu: 250 }, peakQps: 300, artifact: 's3://ml-models/fraud/txn-scorer/acme' }),
  copy({ model: 'embedder', team: 'fraud', tier: 'realtime', framework: 'tensorrt', gpu: true, resources: { memory: 2 * Gi, gpuMemory: 6 * Gi, cpu: 250 }, artifact: 'gs://fraud-models/embedder' }),
].sort((a, b) => (a.id < b.id ? -1 : 1));

const cpuCopies = [
  copy({ model: 'ranker', team: 'search', tier: 'batch', framework: 'python', gpu: false, resources: { memory: 4 * Gi, gpuMemory: 0, cpu: 2000 }, artifact: 'as://searchacct/models/ranker' }),
  copy({ model: 'query-parser', team: 'search', tier: 'batch', framework: 'pytorch', gpu: false, resources: { memory: 512 * Mi, gpuMemory: 0, cpu: 100 }, artifact: 'gs://ml-models-search/query-parser', triton: { maxBatchSize: 16, inputs: [{ name: 'INPUT__0', dataType: 'INT64', dims: [-1] }], outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [12] }], optimization: {} } }),
].sort((a, b) => (a.id < b.id ? -1 : 1));

/** The GPU shard: three copies of team fraud on gpu-l4. */
export const gpuShard: Shard = {
  name: 'fraud-realtime-gpu-l4-1',
  namespace: 'fraud',
  team: 'fraud',
  tier: 'realtime',
  pool: 'gpu-l4',
  capacity: { memory: 19353 * Mi, gpuMemory: 16126 * Mi, cpu: 4550 },
  used: sum(gpuCopies),
  copies: gpuCopies,
  minReplicas: 2,
  maxReplicas: 8,
  serving: { replicas: 2, utilization: 0.06, batches: gpuCopies.map(() => 1) },
  gpusPerReplica: 1,
};

/** The CPU shard: two copies of team search on cpu-std. */
export const cpuShard: Shard = {
  name: 'search-batch-cpu-std-1',
  namespace: 'search',
  team: 'search',
  tier: 'batch',
  pool: 'cpu-std',
  capacity: { memory: 52838 * Mi, gpuMemory: 0, cpu: 12150 },
  used: sum(cpuCopies),
  copies: cpuCopies,
  minReplicas: 1,
  maxReplicas: 4,
  serving: { replicas: 1, utilization: 0, batches: cpuCopies.map(() => 1) },
  gpusPerReplica: 0,
};

/** The two teams. */
export const teams: readonly TeamSpec[] = [
  { file: 'models/teams.ts', pathPrefix: [0], name: 'fraud', namespace: 'fraud', quota: { gpu: 4, cpu: 32000, memory: 128 * Gi }, callers: { namespaces: [], principals: [], trusted: [] } },
  { file: 'models/teams.ts', pathPrefix: [1], name: 'search', namespace: 'search', quota: { gpu: 0, cpu: 16000, memory: 64 * Gi }, callers: { namespaces: [], principals: [], trusted: [] } },
];

/** The plan of the two shards. */
export const plan: ShardPlan = {
  shards: [gpuShard, cpuShard],
  groups: [
    { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: 3, shards: 1, lowerBound: 1, peakReplicas: 2, peakReplicasLowerBound: 2, gpusPerReplica: 1 },
    { team: 'search', tier: 'batch', pool: 'cpu-std', copies: 2, shards: 1, lowerBound: 1, peakReplicas: 1, peakReplicasLowerBound: 1, gpusPerReplica: 0 },
  ],
  lowerBound: 2,
  gpusAtPeakLowerBound: 2,
  evictions: [],
};

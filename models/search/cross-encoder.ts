// Per-customer cross-encoder reranker: a MiniLM fine-tune compiled with TensorRT (2Gi host, 3Gi GPU); the search page budgets 40 ms for it.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'cross-encoder',
  framework: 'tensorrt',
  p99LatencyMs: 40,
  artifact: 's3://ml-models-prod/search/cross-encoder/{tenant}',
  memory: '2Gi',
  gpuMemory: '3Gi',
  cpu: '500m',
  peakQps: 200,
  // Milliseconds per batch: NVIDIA's published BERT-base FP16 averages at sequence length 128 (github.com/NVIDIA/TensorRT
  // demo/BERT/README.md, commit 007c347; T4 row for gpu-l4, A100 40GB row for gpu-a100-80g). The 6-layer MiniLM is
  // smaller, so these are upper bounds until measured (docs/profiles.md).
  profile: {
    'gpu-l4': { 1: 1.95, 2: 2.71, 4: 4.53, 8: 9.09 },
    'gpu-a100-80g': { 1: 0.67, 2: 0.83, 4: 1.02, 8: 1.38, 16: 2.18, 32: 4.1 },
  },
  tenants: [
    'anchor-realty', 'anchor-recipes', 'daily-auto', 'daily-learning', 'global-learning', 'global-rentals',
    'harbor-news', 'harbor-recipes', 'metro-legal', 'metro-travel', 'nova-legal', 'nova-rentals', 'open-auto',
    'open-docs', 'orbit-docs', 'orbit-learning', 'pulse-docs', 'pulse-travel', 'signal-jobs',
    'signal-tickets', 'solstice-auto', 'solstice-legal', 'summit-auto', 'summit-tickets',
  ],
});

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
  tenants: [
    'anchor-realty', 'anchor-recipes', 'daily-auto', 'daily-learning', 'global-learning', 'global-rentals',
    'harbor-news', 'harbor-recipes', 'metro-legal', 'metro-travel', 'nova-legal', 'nova-rentals', 'open-auto',
    'open-docs', 'orbit-docs', 'orbit-learning', 'pulse-docs', 'pulse-travel', 'signal-jobs',
    'signal-tickets', 'solstice-auto', 'solstice-legal', 'summit-auto', 'summit-tickets',
  ],
});

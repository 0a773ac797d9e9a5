// Shared long-horizon Temporal Fusion Transformer (PyTorch, 6Gi host, 10Gi GPU) for category-level planning; nightly jobs tolerate 2 s.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'horizon-tft',
  framework: 'pytorch',
  p99LatencyMs: 2000,
  artifact: 's3://ml-models-prod/forecasting/horizon-tft/2024-09',
  memory: '6Gi',
  gpuMemory: '10Gi',
  cpu: '2',
  peakQps: 30,
});

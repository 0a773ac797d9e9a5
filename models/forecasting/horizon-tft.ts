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
  inputs: [
    { name: 'INPUT__0', dataType: 'FP32', dims: [-1, 32] }, // history: time steps × features
    { name: 'INPUT__1', dataType: 'FP32', dims: [16] }, // static covariates
  ],
  outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [52, 3] }], // 52 weeks × (p10, p50, p90)
});

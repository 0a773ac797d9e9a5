// Shared multilingual query embedder (e5-base in ONNX, 1Gi host, 1536Mi GPU) behind every customer's semantic search; weights live in GCS.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'query-embedder',
  framework: 'onnx',
  tier: 'realtime',
  artifact: 'gs://ml-models-prod-search/query-embedder/e5-base-v3',
  memory: '1Gi',
  gpuMemory: '1536Mi',
  cpu: '500m',
  peakQps: 2000,
  // Milliseconds per batch (sequence length 128, FP16). e5-base is a BERT-base encoder; these are NVIDIA's published
  // BERT-base averages from github.com/NVIDIA/TensorRT demo/BERT/README.md (commit 007c347): the A100 40GB row for
  // gpu-a100-80g, and the T4 row for gpu-l4, a conservative stand-in (the L4 is faster) until the team measures with
  // perf_analyzer and `npx modelfleet profile` (docs/profiles.md).
  profile: {
    'gpu-l4': { 1: 1.95, 2: 2.71, 4: 4.53, 8: 9.09 },
    'gpu-a100-80g': { 1: 0.67, 2: 0.83, 4: 1.02, 8: 1.38, 16: 2.18, 32: 4.1 },
  },
});

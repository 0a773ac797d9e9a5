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
});

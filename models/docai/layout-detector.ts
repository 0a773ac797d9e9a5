// Shared document layout detector (LayoutLMv3 in PyTorch, 3Gi host, 4Gi GPU) that finds tables, key-value pairs and signatures before extraction.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'layout-detector',
  framework: 'pytorch',
  tier: 'interactive',
  artifact: 's3://ml-models-prod/docai/layout-detector/v3',
  memory: '3Gi',
  gpuMemory: '4Gi',
  cpu: '1',
  peakQps: 60,
});

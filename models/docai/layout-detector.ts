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
  // TorchScript: Triton cannot read tensor names or shapes from it, so they are declared.
  inputs: [
    { name: 'INPUT__0', dataType: 'INT64', dims: [512] }, // token ids
    { name: 'INPUT__1', dataType: 'INT64', dims: [512, 4] }, // token boxes
    { name: 'INPUT__2', dataType: 'FP32', dims: [3, 224, 224] }, // page image
  ],
  outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [512, 7] }], // per-token layout class logits
});

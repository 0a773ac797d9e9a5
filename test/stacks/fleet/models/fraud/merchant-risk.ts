import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'merchant-risk',
  framework: 'pytorch',
  tier: 'batch',
  artifact: 's3://ml-models/fraud/merchant-risk',
  memory: '2Gi',
  gpuMemory: '4Gi',
  inputs: [{ name: 'INPUT__0', dataType: 'FP32', dims: [64] }],
  outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [1] }],
});

import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'merchant-risk',
  framework: 'pytorch',
  tier: 'batch',
  artifact: 's3://ml-models/fraud/merchant-risk',
  memory: '2Gi',
  gpuMemory: '4Gi',
});

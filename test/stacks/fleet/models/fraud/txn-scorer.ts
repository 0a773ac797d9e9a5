import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'txn-scorer',
  framework: 'onnx',
  tier: 'realtime',
  artifact: 's3://ml-models/fraud/txn-scorer/{tenant}',
  memory: '1500Mi',
  gpuMemory: '2Gi',
  cpu: '250m',
  tenants: ['acme', 'globex'],
});

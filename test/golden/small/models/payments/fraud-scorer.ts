// Per-merchant fraud scorer; one merchant runs a larger fine-tuned variant.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'fraud-scorer',
  framework: 'onnx',
  tier: 'realtime',
  artifact: 's3://ml-models/payments/fraud-scorer/{tenant}',
  memory: '2Gi',
  gpuMemory: '6Gi',
  cpu: '500m',
  peakQps: 200,
  tenants: { acme: { gpuMemory: '10Gi', memory: '4Gi' }, globex: {}, initech: {} },
});

// Account-takeover detector shared by every bank: a PyTorch GRU over login and device events (1500Mi host, 2Gi GPU per
// loaded version), called on every login. Version 13 (retrained on this quarter's events) takes 5% of traffic as a canary.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'ato-detector',
  framework: 'pytorch',
  tier: 'realtime',
  artifact: 's3://ml-models-prod/fraud/ato-detector', // version directories 12/ and 13/
  versions: { stable: 12, canary: { version: 13, weight: 5 } },
  memory: '1500Mi',
  gpuMemory: '2Gi',
  cpu: '500m',
  peakQps: 1500,
  inputs: [{ name: 'INPUT__0', dataType: 'FP32', dims: [-1, 24] }], // login and device events × features
  outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [1] }], // takeover probability
});

// Nightly chargeback risk scoring on CPU, shared by all merchants.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'chargeback-risk',
  framework: 'python',
  p99LatencyMs: 2000,
  artifact: 'gs://ml-models-batch/payments/chargeback-risk',
  memory: '3Gi',
  cpu: '2',
});

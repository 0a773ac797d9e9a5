// Ticket intent classifier per customer, on CPU.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'ticket-router',
  framework: 'pytorch',
  tier: 'interactive',
  artifact: 's3://ml-models/support/ticket-router/{tenant}',
  memory: '1Gi',
  cpu: '1',
  maxBatchSize: 16,
  inputs: [{ name: 'INPUT__0', dataType: 'INT64', dims: [-1] }],
  outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [24] }],
  tenants: ['acme', 'umbrella'],
});

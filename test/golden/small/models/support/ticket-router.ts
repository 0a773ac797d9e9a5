// Ticket intent classifier per customer, on CPU.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'ticket-router',
  framework: 'pytorch',
  tier: 'interactive',
  artifact: 's3://ml-models/support/ticket-router/{tenant}',
  memory: '1Gi',
  cpu: '1',
  tenants: ['acme', 'umbrella'],
});

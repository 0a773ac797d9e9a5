import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'query-intent',
  framework: 'python',
  tier: 'interactive',
  artifact: 'gs://search-models/query-intent',
  memory: '1Gi',
  cpu: '500m',
});

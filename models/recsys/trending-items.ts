// Shared trending-items model: a Python backend blending decayed popularity counts with seasonality, refreshed hourly; CPU only.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'trending-items',
  framework: 'python',
  tier: 'batch',
  artifact: 's3://ml-models-prod/recsys/trending-items/v4',
  memory: '2Gi',
  cpu: '1',
  peakQps: 100,
});

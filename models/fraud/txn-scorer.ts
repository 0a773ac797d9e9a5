// Card-transaction fraud scorer per bank: small ONNX GBDT+MLP (600Mi host, 1Gi GPU, 200m); the largest issuers run bigger ensembles.
import { defineModel } from 'modelfleet';

// Banks on the standard plan: the model's default sizes.
const standardBanks = [
  'atlantic-bancorp', 'atlantic-pay', 'bayview-fcu', 'bayview-financial', 'bluewater-bank',
  'bluewater-credit-union', 'bridgeport-lending', 'bridgeport-pay', 'brightpath-bank',
  'brightpath-credit-union', 'canyon-pay', 'canyon-savings', 'citizens-financial', 'citizens-trust',
  'coastal-credit-union', 'coastal-fcu', 'commonwealth-bank', 'commonwealth-savings', 'copperline-bank',
  'copperline-fcu', 'cornerstone-pay', 'cornerstone-savings', 'crescent-card', 'crescent-financial',
  'eastgate-bank', 'eastgate-lending', 'elmstead-card', 'elmstead-fcu', 'evergreen-financial',
  'evergreen-pay', 'fairhaven-bancorp', 'fairhaven-financial', 'farmers-credit-union', 'farmers-trust',
  'firstlight-fcu', 'firstlight-lending', 'frontier-bank', 'goldleaf-savings', 'goldleaf-trust',
  'granite-card', 'granite-trust', 'harbor-bancorp', 'harbor-pay', 'heartland-card', 'heartland-financial',
  'highland-bancorp', 'highland-fcu', 'hillcrest-card', 'hillcrest-financial', 'horizon-bank',
  'horizon-trust', 'lakeshore-bancorp', 'lakeshore-trust', 'liberty-bancorp', 'liberty-financial',
  'lodestar-card', 'lodestar-savings', 'maplewood-pay', 'maplewood-savings', 'midland-credit-union',
  'midland-fcu', 'northstar-bank', 'northstar-trust', 'oakridge-bank', 'oakridge-trust', 'pinecrest-card',
  'pinecrest-trust', 'pioneer-bancorp', 'pioneer-savings', 'prairie-bancorp', 'prairie-credit-union',
  'redrock-bancorp', 'redrock-lending', 'riverbend-card', 'riverbend-pay', 'rivermark-bancorp',
  'rivermark-card', 'seaboard-card', 'seaboard-lending', 'summit-financial', 'summit-savings', 'sunrise-pay',
  'sunrise-trust', 'tidewater-bancorp', 'tidewater-bank', 'trailhead-bancorp', 'trailhead-credit-union',
  'tristate-credit-union', 'tristate-fcu', 'valley-bancorp', 'valley-credit-union', 'westfield-bancorp',
  'westfield-trust',
];

export default defineModel({
  name: 'txn-scorer',
  framework: 'onnx',
  tier: 'realtime',
  artifact: 's3://ml-models-prod/fraud/txn-scorer/{tenant}',
  memory: '600Mi',
  gpuMemory: '1Gi',
  cpu: '200m',
  peakQps: 400,
  // Card traffic peaks in North American business hours; outside them the shards shrink to the tier minimum.
  traffic: { peakHoursUtc: [13, 23] },
  tenants: {
    'acme-bank': { memory: '1500Mi', gpuMemory: '3Gi', cpu: '1', peakQps: 3000 },
    'globex-financial': { memory: '1200Mi', gpuMemory: '2Gi', cpu: '750m', peakQps: 1800 },
    'initech-credit-union': { gpuMemory: '2Gi', cpu: '500m', peakQps: 1200 },
    ...Object.fromEntries(standardBanks.map((bank) => [bank, {}])),
  },
});

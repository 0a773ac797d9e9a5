// Merchant onboarding and chargeback risk per acquiring bank: gradient-boosted trees exported to ONNX, served on CPU (400Mi, 250m).
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'merchant-risk',
  framework: 'onnx',
  tier: 'interactive',
  artifact: 's3://ml-models-prod/fraud/merchant-risk/{tenant}',
  memory: '400Mi',
  cpu: '250m',
  peakQps: 60,
  tenants: [
    'bayview-fcu', 'bayview-financial', 'bluewater-bank', 'bluewater-credit-union', 'bridgeport-lending',
    'bridgeport-pay', 'brightpath-bank', 'brightpath-credit-union', 'canyon-pay', 'canyon-savings',
    'cedar-bancorp', 'cedar-lending', 'citizens-financial', 'citizens-trust', 'clearwater-bancorp',
    'clearwater-pay', 'copperline-bank', 'copperline-fcu', 'eastgate-bank', 'eastgate-lending',
    'elmstead-card', 'elmstead-fcu', 'firstlight-fcu', 'firstlight-lending', 'frontier-bank', 'frontier-pay',
    'goldleaf-savings', 'goldleaf-trust', 'hillcrest-card', 'hillcrest-financial', 'ironwood-pay',
    'ironwood-trust', 'keystone-bancorp', 'keystone-card', 'lodestar-card', 'lodestar-savings',
    'meridian-financial', 'meridian-savings', 'pacific-fcu', 'pacific-financial', 'peoples-bank',
    'peoples-financial', 'silverline-bancorp', 'silverline-savings', 'stonebridge-bancorp',
    'stonebridge-trust', 'tidewater-bancorp', 'tidewater-bank',
  ],
});

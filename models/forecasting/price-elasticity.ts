// Price-elasticity model per retailer for markdown planning: gradient-boosted trees exported to ONNX, CPU only (512Mi, 200m).
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'price-elasticity',
  framework: 'onnx',
  tier: 'batch',
  artifact: 's3://ml-models-prod/forecasting/price-elasticity/{tenant}',
  memory: '512Mi',
  cpu: '200m',
  peakQps: 10,
  tenants: [
    'alpine-apparel', 'alpine-goods', 'bramble-books', 'bramble-fashion', 'canopy-goods', 'canopy-pets',
    'cobalt-pets', 'cobalt-shoes', 'copper-books', 'copper-home', 'falcon-apparel', 'falcon-goods',
    'fern-apparel', 'fern-beauty', 'greenleaf-apparel', 'greenleaf-kitchen', 'harvest-home',
    'harvest-kitchen', 'hazel-fashion', 'hazel-kitchen', 'heron-market', 'heron-shoes', 'juniper-beauty',
    'juniper-home', 'marigold-living', 'marigold-outfitters', 'otter-garden', 'otter-supply',
    'pebble-kitchen', 'pebble-toys', 'pinewood-beauty', 'pinewood-kitchen', 'redwood-outfitters',
    'tundra-outfitters', 'tundra-toys', 'urban-home', 'urban-supply', 'wingtip-fashion', 'wren-pets',
    'wren-sports',
  ],
});

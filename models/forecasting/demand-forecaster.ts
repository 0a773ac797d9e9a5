// Daily SKU x store demand forecaster per retailer: LightGBM behind the Python backend on CPU (1Gi, 500m); the largest chains carry far more series.
import { defineModel } from 'modelfleet';

// Retailers with up to ~50k series: the model's default sizes.
const standardRetailers = [
  'alpine-apparel', 'alpine-goods', 'aspen-books', 'aspen-market', 'badger-electronics', 'badger-supply',
  'birch-fashion', 'birch-kitchen', 'bluebird-electronics', 'bluebird-living', 'bramble-books',
  'bramble-fashion', 'canopy-goods', 'canopy-pets', 'clover-home', 'clover-market', 'cobalt-pets',
  'cobalt-shoes', 'copper-books', 'copper-home', 'cypress-grocers', 'cypress-shoes', 'driftwood-books',
  'driftwood-grocers', 'ember-living', 'ember-toys', 'fabrikam-fashion', 'fabrikam-home', 'falcon-apparel',
  'falcon-goods', 'fern-apparel', 'fern-beauty', 'greenleaf-apparel', 'greenleaf-kitchen', 'harvest-home',
  'harvest-kitchen', 'hazel-fashion', 'hazel-kitchen', 'heron-market', 'heron-shoes', 'indigo-fashion',
  'indigo-pets', 'juniper-beauty', 'juniper-home', 'lantern-beauty', 'lantern-living', 'lark-apparel',
  'lark-toys', 'lumen-grocers', 'lumen-living', 'magnolia-books', 'magnolia-electronics', 'maple-outfitters',
  'maple-shoes', 'marigold-living', 'marigold-outfitters', 'meadow-shoes', 'meadow-toys', 'mesa-shoes',
  'nimbus-electronics', 'nimbus-goods', 'northwind-home', 'northwind-living', 'orchid-books',
  'orchid-kitchen', 'otter-garden', 'otter-supply', 'pebble-kitchen', 'pebble-toys', 'pinewood-beauty',
  'pinewood-kitchen', 'quarry-kitchen', 'quarry-sports', 'redwood-outfitters', 'redwood-pets',
  'saffron-outfitters', 'saffron-pets', 'sequoia-books', 'sequoia-market', 'sparrow-kitchen',
  'sparrow-supply', 'sundial-apparel', 'sundial-pets', 'tailspin-books', 'thistle-garden', 'thistle-pets',
  'tundra-outfitters', 'tundra-toys', 'urban-home', 'urban-supply', 'willow-apparel', 'willow-books',
  'wingtip-fashion', 'wingtip-toys', 'wren-pets', 'wren-sports',
];

export default defineModel({
  name: 'demand-forecaster',
  framework: 'python',
  tier: 'batch',
  artifact: 's3://ml-models-prod/forecasting/demand-forecaster/{tenant}',
  memory: '1Gi',
  cpu: '500m',
  peakQps: 20,
  tenants: {
    'northwind-traders': { memory: '6Gi', cpu: '2', peakQps: 120 },
    'wide-world-importers': { memory: '4Gi', cpu: '1500m', peakQps: 80 },
    'adventure-works': { memory: '3Gi', cpu: '1' },
    'tailspin-toys': { memory: '2Gi' },
    ...Object.fromEntries(standardRetailers.map((retailer) => [retailer, {}])),
  },
});

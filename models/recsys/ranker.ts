// Second-stage ranker per retailer: TensorFlow DLRM-style, sized by its embedding tables (2Gi host, 2Gi GPU); big catalogues need more.
import { defineModel } from 'modelfleet';

// Retailers with catalogues of ordinary size.
const standardRetailers = [
  'aspen-books', 'aspen-market', 'birch-fashion', 'birch-kitchen', 'bramble-books', 'bramble-fashion',
  'canopy-goods', 'canopy-pets', 'clover-home', 'clover-market', 'copper-books', 'copper-home',
  'cypress-grocers', 'cypress-shoes', 'ember-living', 'ember-toys', 'falcon-apparel', 'falcon-goods',
  'fern-apparel', 'fern-beauty', 'greenleaf-apparel', 'greenleaf-kitchen', 'harvest-home', 'harvest-kitchen',
  'hazel-fashion', 'hazel-kitchen', 'heron-market', 'heron-shoes', 'indigo-fashion', 'indigo-pets',
  'juniper-beauty', 'juniper-home', 'lantern-beauty', 'lantern-living', 'lumen-grocers', 'lumen-living',
  'magnolia-books', 'magnolia-electronics', 'maple-outfitters', 'maple-shoes', 'meadow-shoes', 'meadow-toys',
  'nimbus-electronics', 'nimbus-goods', 'orchid-books', 'orchid-kitchen', 'otter-garden', 'otter-supply',
  'pinewood-beauty', 'pinewood-kitchen', 'quarry-kitchen', 'quarry-sports', 'redwood-outfitters',
  'redwood-pets', 'saffron-outfitters', 'saffron-pets', 'sequoia-books', 'sequoia-market', 'sparrow-kitchen',
  'sparrow-supply', 'sundial-apparel', 'sundial-pets', 'tailspin-books', 'thistle-garden', 'thistle-pets',
  'urban-home', 'urban-supply', 'wren-pets', 'wren-sports',
];

export default defineModel({
  name: 'ranker',
  framework: 'tensorflow',
  tier: 'interactive',
  artifact: 's3://ml-models-prod/recsys/ranker/{tenant}',
  memory: '2Gi',
  gpuMemory: '2Gi',
  cpu: '400m',
  peakQps: 300,
  tenants: {
    'northwind-traders': { memory: '6Gi', gpuMemory: '6Gi', cpu: '1500m', peakQps: 2500 },
    'tailspin-toys': { memory: '4Gi', gpuMemory: '4Gi', cpu: '1', peakQps: 1200 },
    'wide-world-importers': { memory: '4Gi', gpuMemory: '5Gi', cpu: '1', peakQps: 1500 },
    ...Object.fromEntries(standardRetailers.map((retailer) => [retailer, {}])),
  },
});

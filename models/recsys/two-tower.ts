// Two-tower retrieval per retailer: the user tower embeds live sessions (TensorRT, realtime); the item tower re-embeds catalogues (batch).
import { defineModel } from 'modelfleet';

// Retailers on the personalization plan; both towers of a retailer are trained together.
const retailers = [
  'aspen-books', 'aspen-market', 'clover-home', 'clover-market', 'cypress-grocers', 'cypress-shoes',
  'ember-living', 'ember-toys', 'indigo-fashion', 'indigo-pets', 'lantern-beauty', 'lantern-living',
  'lumen-grocers', 'lumen-living', 'magnolia-electronics', 'maple-outfitters', 'maple-shoes', 'meadow-shoes',
  'meadow-toys', 'nimbus-electronics', 'nimbus-goods', 'orchid-books', 'orchid-kitchen', 'quarry-kitchen',
  'quarry-sports', 'saffron-outfitters', 'saffron-pets', 'sparrow-kitchen', 'sparrow-supply',
  'tailspin-books', 'thistle-garden', 'thistle-pets',
];

export default [
  defineModel({
    name: 'two-tower-user',
    framework: 'tensorrt',
    tier: 'realtime',
    artifact: 's3://ml-models-prod/recsys/two-tower-user/{tenant}',
    memory: '1500Mi',
    gpuMemory: '2Gi',
    cpu: '250m',
    peakQps: 500,
    tenants: retailers,
  }),
  defineModel({
    name: 'two-tower-item',
    framework: 'pytorch',
    tier: 'batch',
    artifact: 's3://ml-models-prod/recsys/two-tower-item/{tenant}',
    memory: '2Gi',
    gpuMemory: '3Gi',
    cpu: '750m',
    peakQps: 40,
    inputs: [{ name: 'INPUT__0', dataType: 'INT64', dims: [-1] }], // item feature ids
    outputs: [{ name: 'OUTPUT__0', dataType: 'FP32', dims: [128] }], // item embedding
    tenants: retailers,
  }),
];

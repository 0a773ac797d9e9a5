// Per-customer query intent classifier: a distilled 4-layer transformer in ONNX, cheap enough for CPU (512Mi, 250m).
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'query-intent',
  framework: 'onnx',
  tier: 'interactive',
  artifact: 's3://ml-models-prod/search/query-intent/{tenant}',
  memory: '512Mi',
  cpu: '250m',
  peakQps: 60,
  tenants: [
    'anchor-realty', 'anchor-recipes', 'atlas-auto', 'atlas-learning', 'beacon-jobs', 'beacon-tickets',
    'bright-rentals', 'bright-tickets', 'cascade-media', 'cascade-news', 'civic-auto', 'civic-tickets',
    'compass-jobs', 'compass-learning', 'daily-auto', 'daily-learning', 'echo-media', 'echo-realty',
    'global-learning', 'global-rentals', 'harbor-news', 'harbor-recipes', 'keystone-jobs', 'keystone-rentals',
    'meridian-health', 'meridian-media', 'metro-legal', 'metro-travel', 'nova-legal', 'nova-rentals',
    'open-auto', 'open-docs', 'orbit-docs', 'orbit-learning', 'pioneer-learning', 'pioneer-wiki',
    'prime-health', 'prime-recipes', 'pulse-docs', 'pulse-travel', 'quest-jobs', 'quest-news', 'signal-jobs',
    'signal-tickets', 'solstice-auto', 'solstice-legal', 'summit-auto', 'summit-tickets', 'swift-docs',
    'swift-media', 'vector-docs', 'vector-rentals', 'vista-learning', 'vista-rentals', 'zenith-rentals',
    'zenith-travel',
  ],
});

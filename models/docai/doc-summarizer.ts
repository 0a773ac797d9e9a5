// Shared 13B-parameter summarizer on the vLLM Python backend: fp16 weights plus KV cache need ~40Gi of GPU memory, so it only fits an A100.
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'doc-summarizer',
  framework: 'python',
  tier: 'batch',
  artifact: 's3://ml-models-prod/docai/doc-summarizer/llama-13b-sum-v2',
  memory: '24Gi',
  gpuMemory: '40Gi',
  cpu: '2',
  peakQps: 5,
});

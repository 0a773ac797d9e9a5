/**
 * Generated fleets for planning under load (`npm run bench:serving` and
 * `test/core/pack-serving.test.ts`): models of 10–80 tenants, a quarter of
 * the tenants busy, realtime and interactive, with latency profiles on the
 * GPU pools whose fixed cost per batch is large (batching pays). Seeded, so
 * every machine plans the same fleet.
 */
import { mulberry32 } from '../core/packer/random.ts';
import { validateModel, type ModelSpec } from '../core/spec/model-spec.ts';

/** A generated fleet: `copies` copies in models of 10–80 tenants, a quarter of the tenants busy. */
export function servingFleet(copies: number, seed: number): ModelSpec[] {
  const random = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const models: ModelSpec[] = [];
  let made = 0;
  for (let m = 0; made < copies; m++) {
    const team = `team${m % 8}`;
    const tier = random() < 0.6 ? 'realtime' : 'interactive';
    const n = Math.min(copies - made, int(10, 80));
    // A fixed cost per batch (kernel launches, pre/post-processing) that batching amortises, and a small cost per request.
    const fixed = tier === 'realtime' ? 1 + random() * 2.5 : 4 + random() * 20;
    const per = tier === 'realtime' ? 0.05 + random() * 0.3 : 0.2 + random() * 2;
    const sizes = [1, 2, 4, 8, 16, 32].filter((b) => b <= (tier === 'realtime' ? 8 : 32));
    const profile = Object.fromEntries(['gpu-l4', 'gpu-a100-80g'].map((pool, i) => [pool, Object.fromEntries(sizes.map((b) => [b, Number(((fixed + per * b) * (i ? 0.6 : 1)).toFixed(3))]))]));
    const tenants = Object.fromEntries(
      Array.from({ length: n }, (_, t) => {
        const busy = random() < 0.25;
        return [`t${String(t).padStart(3, '0')}`, busy ? { peakQps: int(200, tier === 'realtime' ? 1500 : 600) } : { peakQps: int(1, 20) }];
      }),
    );
    const declaration = {
      name: `m${m}`,
      framework: 'onnx',
      tier,
      memory: `${int(2, 12) * 128}Mi`,
      gpuMemory: `${int(2, 16) * 128}Mi`,
      cpu: `${int(1, 4) * 50}m`,
      profile,
      tenants,
      artifact: `s3://ml-models/${team}/m${m}/{tenant}`,
    };
    const { spec, issues } = validateModel(declaration, `models/${team}/m${m}.ts`, team);
    if (!spec) throw new Error(JSON.stringify(issues));
    models.push(spec);
    made += n;
  }
  return models;
}


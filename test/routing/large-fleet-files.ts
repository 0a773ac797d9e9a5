/**
 * The generated fleet of 1,121 tenant copies the routing and authentication
 * proofs run on: models split into several VirtualServices (up to 700
 * tenants on one model), tenant names that are prefixes of each other
 * (`acme`, `acme-bank`, `a`, `ab`), a canary with 300 tenants, a pinned
 * version and an untenanted model, across two teams.
 */
import type { FleetFile } from '../support/fleet-dir.ts';

const WORDS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne', 'soylent', 'aperture'];

/** `n` distinct tenant names, deterministic, with prefix pairs among them. */
function tenants(n: number, salt: string): string[] {
  const out = new Set(['a', 'ab', 'acme', 'acme-bank', 'acme-bank-eu']);
  for (let i = 0; out.size < n; i++) out.add(`${WORDS[(i * 7) % WORDS.length]}-${salt}${i}`);
  return [...out];
}

const list = (names: readonly string[]) => `[${names.map((t) => JSON.stringify(t)).join(', ')}]`;

export const LARGE_FLEET_FILES: FleetFile[] = [
  {
    path: 'teams.ts',
    content: `import { defineTeam } from 'modelfleet';
export default [
  defineTeam({ name: 'bank', quota: { gpu: 400, cpu: '4000', memory: '40Ti' } }),
  defineTeam({ name: 'retail', quota: { gpu: 0, cpu: '2000', memory: '20Ti' } }),
];
`,
  },
  {
    path: 'bank/scorer.ts',
    content: `import { defineModel } from 'modelfleet';
export default defineModel({ name: 'scorer', framework: 'onnx', tier: 'batch', memory: '150Mi', cpu: '20m', tenants: ${list(tenants(700, 's'))}, artifact: 's3://models/bank/scorer/{tenant}' });
`,
  },
  {
    path: 'bank/fraud-llm.ts',
    content: `import { defineModel } from 'modelfleet';
export default defineModel({ name: 'fraud-llm', framework: 'onnx', tier: 'realtime', memory: '200Mi', gpuMemory: '300Mi', cpu: '50m',
  versions: { stable: 3, canary: { version: 4, weight: 10 } }, tenants: ${list(tenants(300, 'f'))}, artifact: 's3://models/bank/fraud-llm/{tenant}' });
`,
  },
  {
    path: 'retail/recs.ts',
    content: `import { defineModel } from 'modelfleet';
export default defineModel({ name: 'recs', framework: 'onnx', tier: 'interactive', memory: '200Mi', cpu: '50m', versions: { stable: 2, canary: { version: 5, weight: 33 } }, tenants: ${list(tenants(120, 'r'))}, artifact: 's3://models/retail/recs/{tenant}' });
`,
  },
  {
    path: 'retail/embedder.ts',
    content: `import { defineModel } from 'modelfleet';
export default defineModel({ name: 'embedder', framework: 'onnx', tier: 'interactive', memory: '1Gi', cpu: '500m', versions: { stable: 2 }, artifact: 's3://models/retail/embedder' });
`,
  },
];

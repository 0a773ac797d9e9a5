/**
 * Strict schema validation speed: the validator `synth` runs on every
 * rendered object (`core/validate/`), on at least 10,000 realistic objects.
 *
 * The objects are the example fleet rendered for a stack (the pipeline of
 * `synth` up to, not including, validation), replicated with renamed
 * metadata (`<name>-r<i>`, namespace `<namespace>-r<i>`) until there are
 * enough. Prints the time to load the vendored schemas, to compile every
 * kind's validator (once per process), and to validate all objects (several
 * rounds; best and median), with objects/s.
 *
 *   npm run bench:validate [-- --objects 10000 --rounds 5 --stack prod --models models]
 */
import { parseArgs } from 'node:util';
import { renderFleet } from '../constructs/render-fleet.ts';
import { planFleet } from '../core/plan/plan-fleet.ts';
import { ManifestValidator } from '../core/validate/manifest-validator.ts';
import { findManifestIssues, type ManifestObjects } from '../core/validate/find-manifest-issues.ts';
import { formatManifestIssue } from '../core/validate/manifest-issue.ts';
import { loadPlatformStack } from '../policies/default-stack.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    stack: { type: 'string', default: 'prod' },
    models: { type: 'string', default: 'models' },
  },
});
const WANTED = Number(values.objects);
const ROUNDS = Math.max(1, Number(values.rounds));

const ms = (t: number) => `${t.toFixed(1)} ms`;
const perSecond = (n: number, t: number) => `${Math.round((n / t) * 1000).toLocaleString('en-US')} objects/s`;

// The example fleet, rendered as synth renders it.
const stack = loadPlatformStack({ name: values.stack, dir: process.cwd() });
const planned = await planFleet({ modelsDir: values.models, stack });
const { manifests } = renderFleet({ stack, teams: planned.fleet.teams, plan: planned.plan });
const base = manifests.reduce((n, m) => n + m.objects.length, 0);

// Replicas with renamed metadata until there are WANTED objects.
const copies = Math.max(1, Math.ceil(WANTED / base));
const files: ManifestObjects[] = [];
for (let i = 0; i < copies; i++) {
  for (const m of manifests) {
    const objects = m.objects.map((o) => {
      const copy = structuredClone(o) as { metadata: { name: string; namespace?: string } };
      copy.metadata.name = `${copy.metadata.name}-r${i}`;
      if (copy.metadata.namespace !== undefined) copy.metadata.namespace = `${copy.metadata.namespace}-r${i}`;
      return copy;
    });
    files.push({ path: m.path.replace(/\.yaml$/, `-r${i}.yaml`), objects });
  }
}
const total = files.reduce((n, f) => n + f.objects.length, 0);
const kinds = new Map<string, number>();
for (const f of files) for (const o of f.objects as { kind: string }[]) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);

let t = performance.now();
const validator = new ManifestValidator();
const loadMs = performance.now() - t;
t = performance.now();
validator.compileAll();
const compileMs = performance.now() - t;

const times: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  t = performance.now();
  const issues = findManifestIssues(files, validator);
  times.push(performance.now() - t);
  if (issues.length) {
    console.error(issues.slice(0, 10).map(formatManifestIssue).join('\n'));
    throw new Error(`${issues.length} problems: the example fleet must validate`);
  }
}
const sorted = [...times].sort((a, b) => a - b);
const best = sorted[0]!;
const median = sorted[Math.floor(sorted.length / 2)]!;

console.log(`objects: ${total.toLocaleString('en-US')} (${copies} copies of the ${base} objects of ${values.models}/ on stack ${values.stack})`);
console.log(`kinds: ${[...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`load vendored schemas: ${ms(loadMs)}`);
console.log(`compile ${validator.knownKinds().length} kinds' validators: ${ms(compileMs)}`);
console.log(`validate: ${times.map(ms).join(', ')}`);
console.log(`validate ${total.toLocaleString('en-US')} objects: best ${ms(best)} (${perSecond(total, best)}), median ${ms(median)} (${perSecond(total, median)})`);
console.log(`first run including load and compile: ${ms(loadMs + compileMs + times[0]!)}`);

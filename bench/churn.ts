/**
 * Placement churn: 100 random fleet changes (tenants added and removed,
 * tenants growing, models added and removed) applied to the example fleet.
 * For each change it reports how many existing copies move with the lockfile
 * (what `synth` does) against repacking from scratch, and both shard counts
 * against the lower bound.
 *
 *   npm run bench:churn [-- --changes 100 --seed 7 --models models]
 */
import { parseArgs } from 'node:util';
import { expandCopies } from '../core/plan/expand-copies.ts';
import { lockFromPlan, type PlacementLock } from '../core/plan/lockfile.ts';
import { diffPlacement } from '../core/plan/placement-diff.ts';
import { loadFleet } from '../core/loader/load-fleet.ts';
import { packShards } from '../core/packer/pack-shards.ts';
import { mulberry32 } from '../core/packer/random.ts';
import type { ModelSpec, TenantSpec } from '../core/spec/model-spec.ts';
import { loadPlatformStack } from '../policies/default-stack.ts';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
    models: { type: 'string', default: 'models' },
  },
});
const CHANGES = Number(values.changes);

const random = mulberry32(Number(values.seed));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

type Kind = 'add tenants' | 'remove tenants' | 'grow tenant' | 'add model' | 'remove model';
const KINDS: [Kind, number][] = [
  ['add tenants', 0.35],
  ['remove tenants', 0.25],
  ['grow tenant', 0.2],
  ['add model', 0.12],
  ['remove model', 0.08],
];
function kind(): Kind {
  let r = random();
  for (const [k, w] of KINDS) if ((r -= w) < 0) return k;
  return 'add tenants';
}

let serial = 0;
const newTenant = () => `churn-${(serial++).toString(36).padStart(3, '0')}`;

function withTenants(m: ModelSpec, tenants: TenantSpec[]): ModelSpec {
  return { ...m, tenants: [...tenants].sort((a, b) => (a.name < b.name ? -1 : 1)) };
}

function change(models: ModelSpec[]): { models: ModelSpec[]; kind: Kind } {
  const k = kind();
  const tenanted = models.filter((m) => m.tenants && m.tenants.length > 1);
  const next = [...models];
  const replace = (m: ModelSpec, by: ModelSpec) => (next[next.indexOf(m)] = by);
  switch (k) {
    case 'add tenants': {
      const m = pick(tenanted);
      const added = Array.from({ length: int(1, 5) }, () => ({ name: newTenant(), resources: m.resources, overridden: [] as TenantSpec['overridden'] }));
      replace(m, withTenants(m, [...m.tenants!, ...added]));
      break;
    }
    case 'remove tenants': {
      const m = pick(tenanted);
      const drop = Math.min(int(1, 3), m.tenants!.length - 1);
      const kept = [...m.tenants!];
      for (let i = 0; i < drop; i++) kept.splice(Math.floor(random() * kept.length), 1);
      replace(m, withTenants(m, kept));
      break;
    }
    case 'grow tenant': {
      const m = pick(tenanted);
      const t = pick(m.tenants!);
      const factor = 1.5 + random() / 2;
      const grown: TenantSpec = {
        ...t,
        resources: { memory: Math.round(t.resources.memory * factor), gpuMemory: Math.round(t.resources.gpuMemory * factor), cpu: t.resources.cpu },
        overridden: ['memory', 'gpuMemory'],
      };
      replace(m, withTenants(m, m.tenants!.map((x) => (x === t ? grown : x))));
      break;
    }
    case 'add model': {
      const base = pick(models);
      const name = `churn-model-${serial++}`;
      const tenants = base.tenants ? Array.from({ length: int(2, 12) }, () => ({ name: newTenant(), resources: base.resources, overridden: [] as TenantSpec['overridden'] })) : undefined;
      next.push({ ...base, name, file: `models/${base.team}/${name}.ts`, ...(tenants ? { tenants } : {}) });
      break;
    }
    case 'remove model': {
      if (next.length > 5) next.splice(Math.floor(random() * next.length), 1);
      break;
    }
  }
  return { models: next, kind: k };
}

const stack = loadPlatformStack();
const fleet = await loadFleet(values.models!);
let models = [...fleet.models];

function place(lock: PlacementLock | undefined) {
  const { plan, issues } = packShards(expandCopies(models), { stack, ...(lock ? { lock } : {}) });
  if (!plan) throw new Error(`a change made the fleet unpackable: ${issues[0]?.message}`);
  return { plan, lock: lockFromPlan(plan, stack.name) };
}

let locked = place(undefined);
let scratch = locked;
interface Row {
  kind: Kind;
  lockedMoves: number;
  scratchMoves: number;
  lockedShards: number;
  scratchShards: number;
  lowerBound: number;
}
const rows: Row[] = [];
const started = performance.now();
for (let i = 0; i < CHANGES; i++) {
  const step = change(models);
  models = step.models;
  const nextLocked = place(locked.lock);
  const nextScratch = place(undefined);
  rows.push({
    kind: step.kind,
    lockedMoves: diffPlacement(locked.lock, nextLocked.lock).moved.length,
    scratchMoves: diffPlacement(scratch.lock, nextScratch.lock).moved.length,
    lockedShards: nextLocked.plan.shards.length,
    scratchShards: nextScratch.plan.shards.length,
    lowerBound: nextLocked.plan.lowerBound,
  });
  locked = nextLocked;
  scratch = nextScratch;
}
const elapsed = performance.now() - started;

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};
const fmt = (x: number) => x.toFixed(2).padStart(8);
const pad = (s: string, n: number) => s.padEnd(n);

console.log(`churn: ${CHANGES} random changes to the fleet in ${values.models} (seed ${values.seed}), stack ${stack.name}`);
console.log(`start: ${expandCopies(fleet.models).length} copies; end: ${expandCopies(models).length} copies\n`);
console.log(`${pad('change', 16)} ${'count'.padStart(6)} ${'moved/lock'.padStart(11)} ${'moved/scratch'.padStart(14)}`);
for (const [k] of KINDS) {
  const of = rows.filter((r) => r.kind === k);
  console.log(`${pad(k, 16)} ${String(of.length).padStart(6)} ${fmt(mean(of.map((r) => r.lockedMoves))).padStart(11)} ${fmt(mean(of.map((r) => r.scratchMoves))).padStart(14)}`);
}
const lm = rows.map((r) => r.lockedMoves);
const sm = rows.map((r) => r.scratchMoves);
console.log(`\ncopies moved per change   lockfile: mean ${mean(lm).toFixed(2)}, median ${median(lm)}, max ${Math.max(...lm)}, total ${lm.reduce((a, b) => a + b, 0)}`);
console.log(`                          scratch:  mean ${mean(sm).toFixed(2)}, median ${median(sm)}, max ${Math.max(...sm)}, total ${sm.reduce((a, b) => a + b, 0)}`);
const last = rows.at(-1)!;
const overLb = (key: 'lockedShards' | 'scratchShards') => mean(rows.map((r) => r[key] / r.lowerBound));
console.log(`shards at the end          lockfile: ${last.lockedShards}, scratch: ${last.scratchShards}, lower bound: ${last.lowerBound}`);
console.log(`mean shards / lower bound  lockfile: ${overLb('lockedShards').toFixed(4)}, scratch: ${overLb('scratchShards').toFixed(4)}`);
console.log(`time: ${(elapsed / 1000).toFixed(2)} s for ${CHANGES} changes × 2 placements`);

/**
 * The Pulumi program's registration at scale, under mocks:
 * `npm run bench:program [-- --sizes 10000] [--seed N] [--split 5]`.
 *
 * For each size it generates a fleet shaped like the example fleet
 * (`bench/generated-fleet.ts`) under the default stack with a gateway per
 * team (as `bench:synth` does), and in a child process
 * of its own synthesizes it (`synthFleet`, timed: the program runs the same
 * pipeline first) and then registers the rendered objects with the program's
 * `registerFleet` under `pulumi.runtime.setMocks`, as `deployFleet` does: the
 * whole fleet as one stack, then one stack of a split into `--split` stacks
 * by team (`modelfleet:teams`, the first stack also holding the platform
 * objects). It prints per stack the resources, the time until
 * `registerFleet` returns (the program constructing every resource) and the
 * time until the mock monitor has answered every RegisterResource request
 * and every resource's ID has resolved (the SDK serializing inputs, resolving
 * dependencies and taking in the answers), per resource, and
 * the CPU time meanwhile (less sensitive to other processes), and the child's
 * peak RSS (synth and registration; with Node's default heap limit, as Pulumi
 * runs the program).
 *
 * What this measures is the program's own share of a preview or update: the
 * SDK's work with the engine and the Kubernetes provider replaced by
 * in-process mocks. A real `pulumi preview` adds the engine, the provider's
 * Check and Diff per resource (over gRPC) and the cluster's API server; see
 * docs/pulumi.md ("A fleet of tens of thousands of copies").
 *
 * Prints figures only: nothing here passes or fails.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gatewayPerTeam, generatedFleet, parseSizes, writeGeneratedFleet } from './generated-fleet.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '17' },
    split: { type: 'string', default: '5' },
    child: { type: 'string' },
  },
});

/** One stack's registration. */
interface StackResult {
  readonly stack: string;
  readonly teams: number;
  readonly resources: number;
  /** Until `registerFleet` returns. */
  readonly constructMs: number;
  /** Until the mock monitor has answered every registration and every resource's ID has resolved. */
  readonly registeredMs: number;
  /** CPU time (user + system) of the process meanwhile: less sensitive than wall time to other processes on the machine. */
  readonly cpuMs: number;
}

/** What one child reports. */
interface SizeResult {
  readonly copies: number;
  readonly teams: number;
  readonly objects: number;
  readonly synthMs: number;
  readonly stacks: readonly StackResult[];
  readonly peakRssMb: number;
}

interface Monitor {
  registerResource(req: unknown, callback: (err: unknown, response?: unknown) => void): unknown;
}

/** Installs mocks for `stack` that echo inputs as state, and counts answered registrations. */
async function countingMocks(pulumi: typeof import('@pulumi/pulumi'), stack: string): Promise<{ answered: () => number; until: (n: number) => Promise<void> }> {
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}_id`, state: args.inputs }), call: (args) => args.inputs }, 'modelfleet', stack, false);
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const original = monitor.registerResource.bind(monitor);
  let answered = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  monitor.registerResource = (req, callback) =>
    original(req, (err, response) => {
      if (!err) answered++;
      if (waiter && answered >= waiter.n) waiter.resolve();
      callback(err, response);
    });
  return {
    answered: () => answered,
    until: (n) => (answered >= n ? Promise.resolve() : new Promise((r) => (waiter = { n, resolve: r }))),
  };
}

/** Runs one size in this process and prints its result as one JSON line. */
async function runChild(copies: number): Promise<void> {
  const seed = Number(values.seed) + copies;
  const fleet = generatedFleet(copies, seed);
  const dir = writeGeneratedFleet(fleet, ROOT, `bench-program-${copies}`);
  try {
    const pulumi = await import('@pulumi/pulumi');
    const { synthFleet } = await import('../constructs/synth-fleet.ts');
    const { registerFleet } = await import('../stacks/register-fleet.ts');
    const { selectFleet, WHOLE_FLEET } = await import('../stacks/fleet-selection.ts');
    const { gatewayNamespaces } = await import('../core/stack/gateways.ts');
    // The default stack with a gateway and host per team, as bench:synth runs it.
    const stackConfig = { name: 'bench', source: 'Pulumi.bench.yaml', values: { routing: { gateways: gatewayPerTeam(fleet.teams) } } };
    let t = performance.now();
    const result = await synthFleet({ modelsDir: join(dir, 'models'), cwd: dir, stackConfig, today: new Date('2026-07-21T00:00:00Z') });
    const synthMs = performance.now() - t;
    const teams = result.planned.fleet.teams;
    const names = teams.map((team) => team.name).sort();
    const split = Math.max(1, Math.min(names.length, Number(values.split)));
    const first = names.slice(0, Math.ceil(names.length / split));
    const stacks: StackResult[] = [];
    const selections = [
      { stack: 'whole', selection: WHOLE_FLEET },
      { stack: `split-1-of-${split}`, selection: { teams: first, platformObjects: true } },
    ];
    for (const { stack, selection } of selections) {
      const mocks = await countingMocks(pulumi, stack);
      const selected = selectFleet(result.manifests, selection, teams);
      const n = selected.manifests.reduce((k, m) => k + m.objects.length, 0);
      const cpu0 = process.cpuUsage();
      t = performance.now();
      // The options deployFleet passes (no previous placement: every route waits for the shards it routes to).
      const registered = registerFleet(selected.manifests, {
        externalNamespaces: gatewayNamespaces(result.planned.stack, names),
        externalPriorityClasses: selected.externalPriorityClasses,
      });
      const constructMs = performance.now() - t;
      await mocks.until(n);
      // Every resource's ID resolved: the SDK has taken in the engine's answer for each.
      await Promise.all(registered.map((r) => new Promise((done) => r.resource.id.apply(done))));
      const registeredMs = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      if (registered.length !== n || mocks.answered() !== n) throw new Error(`${stack}: ${registered.length} registered, ${mocks.answered()} answered, ${n} expected`);
      stacks.push({ stack, teams: selected.teams.length, resources: n, constructMs, registeredMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    const out: SizeResult = {
      copies: result.planned.plan.shards.reduce((k, s) => k + s.copies.length, 0),
      teams: teams.length,
      objects: result.objectCount,
      synthMs,
      stacks,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    console.log(JSON.stringify(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child !== undefined) {
  await runChild(Number(values.child));
  // The declaration evaluator is unref()ed; exit without waiting for it.
  process.exit(0);
}

const sizes = parseSizes(values.sizes!);

const pad = (s: string | number, w: number) => String(s).padStart(w);
const fmt = (n: number) => n.toLocaleString('en-US');
const header = ['copies', 'stack', 'teams', 'resources', 'construct s', 'registered s', 'ms/resource', 'CPU s', 'CPU ms/res', 'synth s', 'peak RSS MB'];
const widths = [8, 14, 6, 10, 12, 13, 12, 7, 11, 8, 12];
console.log(`Pulumi program registration under mocks (seed ${values.seed}, split ${values.split}; one child process per size, node ${process.version})\n`);
console.log(header.map((h, i) => pad(h, widths[i]!)).join(' '));
for (const n of sizes) {
  // Node's default heap limit, as Pulumi runs the program (Pulumi.yaml: `nodeargs: "--import tsx"`).
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(n), '--seed', values.seed!, '--split', values.split!], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    console.log(`${pad(fmt(n), widths[0]!)}  failed (exit ${child.status ?? child.signal})`);
    continue;
  }
  const r = JSON.parse(line) as SizeResult;
  for (const s of r.stacks) {
    console.log(
      [
        fmt(r.copies),
        s.stack,
        fmt(s.teams),
        fmt(s.resources),
        (s.constructMs / 1000).toFixed(1),
        (s.registeredMs / 1000).toFixed(1),
        (s.registeredMs / s.resources).toFixed(2),
        (s.cpuMs / 1000).toFixed(1),
        (s.cpuMs / s.resources).toFixed(2),
        (r.synthMs / 1000).toFixed(1),
        fmt(Math.round(r.peakRssMb)),
      ]
        .map((c, i) => pad(c, widths[i]!))
        .join(' '),
    );
  }
}

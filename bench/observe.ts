/**
 * `modelfleet observe` at scale: `npm run bench:observe [-- --sizes 10000,100000] [--since 7d]`.
 *
 * For each size it generates a fleet shaped like the example fleet
 * (`bench/generated-fleet.ts`), plans it as `observe` does (`checkFleet`),
 * and reads every copy's figures from a stand-in Prometheus: an HTTP server
 * in a child process that answers the exact queries `observe` sends (it reads
 * the namespace and Triton names from each query's matchers) with a value per
 * copy and statistic and 24 × days hourly peaks per copy, as a real server
 * would after evaluating them. Then it compares the fleet and writes the
 * markdown and JSON reports.
 *
 * It prints per size: copies, requests sent, megabytes received, and the
 * time of each phase (plan, queries, compare, reports) plus peak RSS. What a
 * real Prometheus spends evaluating the queries is not in it: that is the
 * server's (docs/observe.md, "What is measured, and the PromQL").
 *
 * Prints figures only: nothing here passes or fails.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generatedFleet, parseSizes, writeGeneratedFleet } from './generated-fleet.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    seed: { type: 'string', default: '17' },
    since: { type: 'string', default: '7d' },
    stub: { type: 'boolean', default: false },
  },
});

/** A number in [0, 1) from a string (FNV-1a), so every run answers the same. */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** The stand-in Prometheus: answers `observe`'s two query shapes from the names in their matchers. */
function runStub(): void {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const query = params.get('query') ?? '';
      const m = /model=~?"((?:[^"\\]|\\.)*)"/.exec(query);
      const names = m ? m[1]!.replace(/\\\\\./g, '.').split('|') : [];
      let result: unknown[];
      let resultType: string;
      if (req.url?.endsWith('/query_range')) {
        resultType = 'matrix';
        const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(params.get(k)));
        result = names.map((name) => {
          const peak = 1 + 500 * unit(name);
          const peakHour = Math.floor(24 * unit(`${name}#h`));
          const points: [number, string][] = [];
          for (let t = start!; t <= end!; t += step!) {
            const hour = new Date((t - 3600) * 1000).getUTCHours();
            points.push([t, String(hour === peakHour || hour === (peakHour + 1) % 24 ? peak : peak * 0.3)]);
          }
          return { metric: { model: name }, values: points };
        });
      } else {
        resultType = 'vector';
        const time = Number(params.get('time'));
        result = names.flatMap((name) => {
          const peak = 1 + 500 * unit(name);
          const requests = peak * 0.4 * 7 * 86_400;
          const batch = 1 + Math.floor(8 * unit(`${name}#b`));
          const stats: Record<string, number> = {
            requests,
            inferences: requests,
            executions: requests / batch,
            computeUs: requests * 1000 * (1 + batch * 0.5),
            queueUs: requests * 500,
            peakQps: peak,
            peakQueueUs: 2000 * (1 + unit(`${name}#q`)),
          };
          return Object.entries(stats).map(([stat, v]) => ({ metric: { model: name, stat }, value: [time, String(v)] }));
        });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType, result } }));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(typeof address === 'object' && address ? address.port : 0);
  });
}

if (values.stub) {
  runStub();
} else {
  const { checkFleet } = await import('../core/plan/check-fleet.ts');
  const { loadPlatformStack } = await import('../policies/default-stack.ts');
  const { PLAN_RULES } = await import('../policies/plan-rules.ts');
  const { observeFleet } = await import('../core/observe/observe-fleet.ts');
  const { compareFleet } = await import('../core/observe/copy-findings.ts');
  const { PrometheusClient } = await import('../core/observe/prometheus-api.ts');
  const { markdownReport, observeWindow } = await import('../cli/observe-command.ts');

  const stub = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--stub'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((done) => stub.stdout!.once('data', (b: Buffer) => done(Number(b.toString().trim()))));
  const url = `http://127.0.0.1:${port}`;
  console.log(`observe against a stand-in Prometheus (child process), --since ${values.since}, seed ${values.seed}`);
  console.log('| copies | requests | MB received | plan s | queries s | compare s | reports s | peak RSS MB |');
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|');
  try {
    for (const size of parseSizes(values.sizes!)) {
      const dir = writeGeneratedFleet(generatedFleet(size, Number(values.seed)), ROOT, 'bench-observe');
      try {
        const stack = loadPlatformStack({ dir: ROOT });
        let t = performance.now();
        const checked = await checkFleet({ modelsDir: join(dir, 'models'), stack, rules: PLAN_RULES, cwd: dir, lockfile: join(dir, 'placement.lock.json') });
        const planMs = performance.now() - t;
        let requests = 0;
        let bytes = 0;
        const counting: typeof fetch = async (input, init) => {
          const response = await fetch(input, init);
          const text = await response.text();
          requests++;
          bytes += Buffer.byteLength(text);
          return new Response(text, { status: response.status, headers: response.headers });
        };
        const client = new PrometheusClient({ url, timeoutSeconds: 120, fetch: counting });
        const window = observeWindow({ since: values.since, until: '2026-11-30T00:00:00Z' });
        const shards = checked.planned.plan.shards;
        t = performance.now();
        const observations = await observeFleet(shards, { client, window });
        const queryMs = performance.now() - t;
        t = performance.now();
        const report = compareFleet(checked.planned, observations, { window, config: stack.observe });
        const compareMs = performance.now() - t;
        t = performance.now();
        const md = markdownReport(report, { prometheus: url, all: false });
        const json = JSON.stringify(report);
        const reportMs = performance.now() - t;
        if (!md.length || !json.length) throw new Error('empty report');
        const copies = shards.reduce((n, s) => n + s.copies.length, 0);
        const s = (ms: number) => (ms / 1000).toFixed(2);
        console.log(`| ${copies.toLocaleString('en-US')} | ${requests} | ${(bytes / 2 ** 20).toFixed(1)} | ${s(planMs)} | ${s(queryMs)} | ${s(compareMs)} | ${s(reportMs)} | ${Math.round(process.resourceUsage().maxRSS / 1024)} |`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    stub.kill();
  }
  process.exit(0);
}

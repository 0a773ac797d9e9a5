/**
 * `modelfleet observe` against a real Prometheus (test/support/prometheus.ts):
 * Triton-style counters for the fleet in test/fixtures/observe (several pods
 * per shard, two versions of one copy, a pod restart, daily peaks, one copy
 * over its declared peak, one idle, one never scraped) are backfilled with
 * promtool; the findings must match what was written (rates within 2%),
 * `--write` must edit the declarations in place and leave a fleet that
 * checks, and every way Prometheus can fail must exit 2 with nothing written.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyReport } from '../../core/observe/copy-findings.ts';
import { checkFleet } from '../../core/plan/check-fleet.ts';
import { shardAutoscaling } from '../../core/plan/shard-autoscaling.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import { freshFleetDir, ROOT } from '../support/fleet-dir.ts';
import { freePort, startPrometheus, tritonOpenMetrics, type CopyTraffic, type RunningPrometheus } from '../support/prometheus.ts';
import { runCliInProcess } from '../support/run-cli.ts';

const FIXTURE = join(ROOT, 'test/fixtures/observe/models');
/** The window's end: 2026-11-30T00:00:00Z; samples cover the 48 hours before it (and ten minutes more, for the first rates). */
const END = Date.UTC(2026, 10, 30) / 1000;
const WINDOW = ['--since', '48h', '--until', '2026-11-30T00:00:00Z'];

let prometheus: RunningPrometheus;
let shards: readonly Shard[];
let traffic: CopyTraffic[];
let embedderQueueBudgetUs: number;

const shardOf = (tritonName: string) => shards.find((s) => s.copies.some((c) => c.tritonName === tritonName))!;

beforeAll(async () => {
  const stack = loadPlatformStack({ dir: ROOT });
  const checked = await checkFleet({ modelsDir: FIXTURE, stack, lockfile: join(FIXTURE, '../placement.lock.json') });
  shards = checked.planned.plan.shards;
  embedderQueueBudgetUs = shardAutoscaling(shardOf('embedder'), stack).queueTimeTargetMicroseconds;
  const copy = (model: string, t: Omit<CopyTraffic, 'namespace' | 'model' | 'podPrefix'>): CopyTraffic => ({
    ...t,
    namespace: shardOf(model).namespace,
    model,
    podPrefix: `${shardOf(model).name}-6f7c9d8b5`,
  });
  traffic = [
    // Over its declared 100 req/s in the afternoon; two versions; the second pod restarts 20 hours before the end.
    copy('ranker.acme', { peak: 130, base: 10, peakHours: [14, 15, 16, 17], batch: 8, latencyMs: 6, queueUs: { peak: 2000, base: 500 }, pods: [0.5, 0.3, 0.2], versions: { '1': 0.7, '2': 0.3 }, restart: { pod: 1, hoursBeforeEnd: 20 } }),
    // Within its peak, but at night: outside the model's peak hours [13, 20).
    copy('ranker.globex', { peak: 30, base: 3, peakHours: [2, 3, 4], batch: 4, latencyMs: 2 + (4 * 3) / 7, queueUs: { peak: 800, base: 300 }, pods: [0.5, 0.3, 0.2] }),
    // Loaded and scraped, never called.
    copy('ranker.idle-co', { peak: 0, base: 0, peakHours: [], batch: 1, latencyMs: 1, queueUs: { peak: 0, base: 0 }, pods: [0.5, 0.3, 0.2] }),
    // ranker.ghost: no series at all.
    // Over its peak, in the evening instead of the morning, 50% slower than its profile says, and queueing three times its target.
    copy('embedder', { peak: 250, base: 20, peakHours: [20, 21, 22, 23], batch: 16, latencyMs: 6, queueUs: { peak: 0, base: 100 }, pods: [0.5, 0.3, 0.2] }),
    copy('tagger.north', { peak: 80, base: 10, peakHours: [9, 10, 11, 12, 13, 14, 15, 16], batch: 1, latencyMs: 3, queueUs: { peak: 1000, base: 200 }, pods: [0.6, 0.4] }),
    // A tenth of its declared 50 req/s.
    copy('tagger.south', { peak: 5, base: 1, peakHours: [9, 10, 11, 12, 13, 14, 15, 16], batch: 1, latencyMs: 3, queueUs: { peak: 500, base: 200 }, pods: [0.6, 0.4] }),
  ];
  const embedder = traffic.find((t) => t.model === 'embedder')!;
  traffic[traffic.indexOf(embedder)] = { ...embedder, queueUs: { peak: 3 * embedderQueueBudgetUs, base: 100 } };
  prometheus = await startPrometheus(tritonOpenMetrics(traffic, { end: END, seconds: 48 * 3600 + 600, intervalSeconds: 60 }));
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
});

const observe = (args: readonly string[]) => runCliInProcess(['observe', '--prometheus', prometheus.url, ...WINDOW, ...args]);

async function reportJson(models = FIXTURE): Promise<{ copies: CopyReport[]; changes: { kind: string; model: string; tenant?: string; to: unknown }[]; counts: Record<string, number> }> {
  const run = await observe(['--models', models, '--lockfile', join(FIXTURE, '../placement.lock.json'), '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

const within2Percent = (observed: number | null, expected: number) => {
  expect(observed).not.toBeNull();
  expect(Math.abs(observed! - expected)).toBeLessThanOrEqual(expected * 0.02);
};

describe('observe against a real Prometheus', () => {
  it('reports each copy as the counters were written: peak, batch, batch latency, peak hours (within 2%)', async () => {
    const { copies } = await reportJson();
    const byName = new Map(copies.map((c) => [c.tenant === null ? c.model : `${c.model}.${c.tenant}`, c]));
    expect([...byName.keys()].sort()).toEqual(['embedder', 'ranker.acme', 'ranker.ghost', 'ranker.globex', 'ranker.idle-co', 'tagger.north', 'tagger.south']);
    for (const t of traffic) {
      const row = byName.get(t.model)!;
      expect(row.shard).toBe(shardOf(t.model).name);
      if (t.peak === 0) {
        expect(row.observedPeakQps).toBe(0);
        continue;
      }
      within2Percent(row.observedPeakQps, t.peak);
      within2Percent(row.observedBatch, t.batch);
      within2Percent(row.observedBatchLatencyMs, t.latencyMs);
      expect(row.peakHoursUtc).toEqual(t.peakHours);
    }
    within2Percent(byName.get('embedder')!.observedPeakQueueMs, (3 * embedderQueueBudgetUs) / 1000);
    expect(byName.get('ranker.ghost')!.observedPeakQps).toBeNull();
  });

  it('flags over-peak, idle, profile-off, queue-over-budget, peak-hours-off, over-declared and no-metrics where they are', async () => {
    const { copies, counts } = await reportJson();
    const findings = Object.fromEntries(copies.map((c) => [c.tenant === null ? c.model : `${c.model}.${c.tenant}`, c.findings]));
    expect(findings).toEqual({
      embedder: ['over-peak', 'queue-over-budget', 'peak-hours-off', 'profile-off'],
      'ranker.acme': ['over-peak'],
      'ranker.ghost': ['no-metrics'],
      'ranker.globex': ['peak-hours-off'],
      'ranker.idle-co': ['idle'],
      'tagger.north': ['over-peak'],
      'tagger.south': ['over-declared'],
    });
    expect(counts).toMatchObject({ 'over-peak': 3, idle: 1, 'no-metrics': 1, 'profile-off': 1, 'queue-over-budget': 1, 'peak-hours-off': 2, 'over-declared': 1 });
    const acme = copies.find((c) => c.tenant === 'acme')!;
    expect(acme.notes[0]).toMatch(/^ranker@acme: peak 130 req\/s is 30% over the declared 100 on shard shop-interactive-gpu-l4-1; --write raises peakQps to 170 \(\+25% margin\)$/);
  });

  it('proposes rounded peaks with the stack margin, the profile scaled by measured/declared, and the peak window moved', async () => {
    const { changes } = await reportJson();
    expect(changes).toEqual([
      { kind: 'peakQps', file: 'test/fixtures/observe/models/shop/embedder.ts', model: 'embedder', from: 200, to: 320 },
      { kind: 'profile', file: 'test/fixtures/observe/models/shop/embedder.ts', model: 'embedder', pool: 'gpu-l4', from: [{ batch: 1, latencyMs: 1 }, { batch: 16, latencyMs: 4 }], to: [{ batch: 1, latencyMs: 1.5 }, { batch: 16, latencyMs: 6 }], ratio: 1.5 },
      { kind: 'peakHours', file: 'test/fixtures/observe/models/shop/embedder.ts', model: 'embedder', from: [8, 12], to: [19, 1] },
      { kind: 'peakQps', file: 'test/fixtures/observe/models/shop/ranker.ts', model: 'ranker', tenant: 'acme', from: 100, to: 170, tenantOverrides: { memory: '2Gi' } },
      { kind: 'peakQps', file: 'test/fixtures/observe/models/shop/tagger.ts', model: 'tagger', tenant: 'north', from: 50, to: 100, tenantOverrides: {} },
      { kind: 'peakQps', file: 'test/fixtures/observe/models/shop/tagger.ts', model: 'tagger', tenant: 'south', from: 50, to: 6.3, tenantOverrides: {} },
    ]);
  });

  it('prints a markdown report with a row per copy with findings, the findings and the changes', async () => {
    const run = await observe(['--models', FIXTURE, '--lockfile', join(FIXTURE, '../placement.lock.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Window 2026-11-28T00:00:00.000Z to 2026-11-30T00:00:00.000Z (48 h)');
    expect(run.stdout).toContain('7 copies: 3 over-peak, 1 queue-over-budget, 2 peak-hours-off, 1 idle, 1 over-declared, 1 profile-off, 1 no-metrics.');
    expect(run.stdout).toContain('| ranker@acme | shop-interactive-gpu-l4-1 | 100 | 130 | 8 | 6 (6) |');
    expect(run.stdout).toContain('| 14–17 | over-peak |');
    expect(run.stdout).toContain('- `test/fixtures/observe/models/shop/ranker.ts`: ranker: tenants.acme.peakQps 100 → 170');
    expect(run.stdout).not.toContain('| tagger@north | shop-interactive-cpu-std-1 | 50 | 80 | 1 | 3 | – |'); // has a finding: listed with its queue
    expect(run.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| copy')).length).toBe(7);
  });

  it('--fail-on risk exits 1 on SLO risks; without it the same findings exit 0', async () => {
    const base = ['--models', FIXTURE, '--lockfile', join(FIXTURE, '../placement.lock.json')];
    const risky = await observe([...base, '--fail-on', 'risk']);
    expect(risky.code).toBe(1);
    expect(risky.stderr).toContain('modelfleet: 4 copies have findings that put a service level at risk (over-peak, queue-over-budget, peak-hours-off) (--fail-on risk)');
  });
});

describe('observe --write', () => {
  let dir: string;
  beforeAll(() => {
    dir = freshFleetDir('observe-write');
    cpSync(FIXTURE, join(dir, 'models'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('edits only the numbers it changes, keeps comments and layout, and leaves a fleet that checks and observes clean', async () => {
    const models = join(dir, 'models');
    const lock = join(dir, 'placement.lock.json');
    const run = await observe(['--models', models, '--lockfile', lock, '--write']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('modelfleet: wrote 6 changes to 3 files\n');
    expect(run.stdout).toContain('### Changes written');
    const read = (f: string) => readFileSync(join(models, 'shop', f), 'utf8');
    const original = (f: string) => readFileSync(join(FIXTURE, 'shop', f), 'utf8');
    expect(read('embedder.ts')).toBe(
      original('embedder.ts')
        .replace('peakQps: 200,', 'peakQps: 320,')
        .replace('peakHoursUtc: [8, 12]', 'peakHoursUtc: [19, 1]')
        .replace("'gpu-l4': { 1: 1, 16: 4 }", "'gpu-l4': { 1: 1.5, 16: 6 }"),
    );
    expect(read('ranker.ts')).toBe(original('ranker.ts').replace("acme: { memory: '2Gi', peakQps: 100 }", "acme: { memory: '2Gi', peakQps: 170 }"));
    expect(read('tagger.ts')).toBe(original('tagger.ts').replace("tenants: ['north', 'south']", 'tenants: { north: { peakQps: 100 }, south: { peakQps: 6.3 } }'));

    const check = await runCliInProcess(['check', '--models', models, '--lockfile', lock]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const again = await reportJson(models);
    expect(again.changes).toEqual([]);
    expect(again.copies.flatMap((c) => c.findings)).toEqual(['queue-over-budget', 'no-metrics', 'peak-hours-off', 'idle']);
  });

  it('puts every file back and exits 1 when an edit does not read back (a later spread overrides it)', async () => {
    const other = freshFleetDir('observe-readback');
    try {
      cpSync(FIXTURE, join(other, 'models'), { recursive: true });
      const ranker = join(other, 'models/shop/ranker.ts');
      const text = readFileSync(ranker, 'utf8')
        .replace("const standard = ['globex', 'idle-co', 'ghost'];", "const standard = ['globex', 'idle-co', 'ghost'];\nconst contracts = { acme: { memory: '2Gi', peakQps: 100 } };")
        .replace('...Object.fromEntries(standard.map((t) => [t, {}])),', '...Object.fromEntries(standard.map((t) => [t, {}])),\n    ...contracts,');
      (await import('node:fs')).writeFileSync(ranker, text);
      const before = ['shop/ranker.ts', 'shop/embedder.ts', 'shop/tagger.ts'].map((f) => readFileSync(join(other, 'models', f), 'utf8'));
      const run = await observe(['--models', join(other, 'models'), '--lockfile', join(other, 'placement.lock.json'), '--write']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('modelfleet: the edited declarations do not read back as intended, so every file was put back:\n');
      expect(run.stderr).toContain('ranker: tenants.acme.peakQps 100 → 170 reads back as 100');
      expect(['shop/ranker.ts', 'shop/embedder.ts', 'shop/tagger.ts'].map((f) => readFileSync(join(other, 'models', f), 'utf8'))).toEqual(before);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('adds an entry after the spreads for a tenant that has none, with its resolved overrides', async () => {
    const edit = await import('../../core/observe/edit-declarations.ts');
    const ts = (await import('typescript')).default;
    const text = readFileSync(join(FIXTURE, 'shop/ranker.ts'), 'utf8');
    const result = edit.editDeclarationFile(ts, 'ranker.ts', text, [{ kind: 'peakQps', file: 'ranker.ts', model: 'ranker', tenant: 'globex', from: 40, to: 55, tenantOverrides: {} }]);
    expect(result.skipped).toEqual([]);
    expect(result.text).toBe(text.replace('...Object.fromEntries(standard.map((t) => [t, {}])),\n', "...Object.fromEntries(standard.map((t) => [t, {}])),\n    globex: { peakQps: 55 },\n"));
  });
});

describe('observe when Prometheus fails: exit 2, a clear message, nothing written', () => {
  let dir: string;
  let stub: Server;
  let stubUrl: string;
  let stubAnswer: (res: import('node:http').ServerResponse) => void = () => undefined;
  beforeAll(async () => {
    dir = freshFleetDir('observe-fail');
    cpSync(FIXTURE, join(dir, 'models'), { recursive: true });
    stub = createServer((_req, res) => stubAnswer(res));
    const port = await freePort();
    await new Promise<void>((r) => stub.listen(port, '127.0.0.1', r));
    stubUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise((r) => stub.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const failing = async (url: string, extra: readonly string[] = []) => {
    const models = join(dir, 'models');
    const before = readFileSync(join(models, 'shop/ranker.ts'), 'utf8');
    const run = await runCliInProcess(['observe', '--prometheus', url, ...WINDOW, '--models', models, '--lockfile', join(dir, 'placement.lock.json'), '--write', ...extra]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(readFileSync(join(models, 'shop/ranker.ts'), 'utf8')).toBe(before);
    mkdirSync(models, { recursive: true });
    return run.stderr;
  };

  it('an unreachable URL', async () => {
    const port = await freePort();
    expect(await failing(`http://127.0.0.1:${port}`)).toMatch(new RegExp(`^modelfleet: cannot reach Prometheus at http://127.0.0.1:${port} \\(ECONNREFUSED\\); check --prometheus, .*; nothing was written\\n$`));
  });

  it('HTTP 404 from the real server (a wrong path prefix)', async () => {
    expect(await failing(`${prometheus.url}/prom`)).toMatch(/^modelfleet: Prometheus at http:\/\/127\.0\.0\.1:\d+\/prom answered \/api\/v1\/query(_range)? with HTTP 404 .*check that --prometheus is the server's base URL/);
  });

  it('HTTP 400 from the real server (a selector that is not PromQL)', async () => {
    expect(await failing(prometheus.url, ['--selector', 'cluster=='])).toMatch(/answered \/api\/v1\/query(_range)? with HTTP 400 \(bad_data: .*\); check --prometheus and --selector/);
  });

  it('HTTP 503 from a proxy in front of it', async () => {
    stubAnswer = (res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>upstream connect error</body></html>');
    expect(await failing(stubUrl)).toMatch(/with HTTP 503 \(<html><body>upstream connect error<\/body><\/html>\); the server failed; retry, or check Prometheus' logs; nothing was written/);
  });

  it('sends the --header values with every request', async () => {
    let seen: string | undefined;
    stubAnswer = (res) => res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
    const capture = (req: import('node:http').IncomingMessage) => (seen = req.headers.authorization);
    stub.on('request', capture);
    try {
      expect(await failing(stubUrl, ['--header', 'Authorization: Bearer s3cret'])).toMatch(/with HTTP 401 \(Unauthorized\); the server refused the credentials; pass them with --header/);
      expect(seen).toBe('Bearer s3cret');
    } finally {
      stub.off('request', capture);
    }
  });

  it('a query timeout reported by Prometheus', async () => {
    stubAnswer = (res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
    expect(await failing(stubUrl, ['--query-timeout', '30'])).toMatch(/gave up on a query after --query-timeout 30s \(timeout: query timed out in expression evaluation\); raise --query-timeout, or shorten --since; nothing was written/);
  });

  it('a server that never answers', async () => {
    stubAnswer = () => undefined;
    expect(await failing(stubUrl, ['--query-timeout', '1'])).toMatch(/did not answer \/api\/v1\/query(_range)? within 6 s; raise --query-timeout/);
  }, 20_000);

  it('an empty result: no copy has metrics', async () => {
    expect(await failing(prometheus.url, ['--selector', 'cluster="nowhere"'])).toMatch(
      /has no Triton metrics \(nv_inference_request_success\) for any of the 7 copies between 2026-11-28T00:00:00\.000Z and 2026-11-30T00:00:00\.000Z with cluster="nowhere"; check that it scrapes the shards/,
    );
  });
});

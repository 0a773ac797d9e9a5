/**
 * A real Prometheus for tests (Debian's `prometheus` and `promtool`, which
 * `.ci/run` installs): Triton-style counters written as OpenMetrics, backfilled
 * into a TSDB with `promtool tsdb create-blocks-from openmetrics`, and a
 * Prometheus server started on 127.0.0.1 against that storage with nothing to
 * scrape. Queries then run against exactly the samples the test wrote.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How one copy's traffic looks, per pod and version. */
export interface CopyTraffic {
  readonly namespace: string;
  /** Triton's `model` label: `<model>.<tenant>` or `<model>`. */
  readonly model: string;
  /** Requests/s during `peakHours`. */
  readonly peak: number;
  /** Requests/s outside them. */
  readonly base: number;
  /** Hours of the day (UTC) at the peak rate. */
  readonly peakHours: readonly number[];
  /** Inferences per execution (Triton's dynamic batch). */
  readonly batch: number;
  /** Milliseconds one execution takes. */
  readonly latencyMs: number;
  /** Mean µs a request waits in the queue, at the peak and outside it. */
  readonly queueUs: { readonly peak: number; readonly base: number };
  /** Share of the traffic each pod serves (pod names `<pod prefix>-<i>`). */
  readonly pods: readonly number[];
  /** Pod name prefix, like a Deployment's pods: `<shard>-<rs hash>`. */
  readonly podPrefix: string;
  /** Share per version label. @default { '1': 1 } */
  readonly versions?: Readonly<Record<string, number>>;
  /** Index of a pod that restarts (its counters go back to zero) this many hours before the end. */
  readonly restart?: { readonly pod: number; readonly hoursBeforeEnd: number };
}

/** The window the samples cover. */
export interface SampleWindow {
  /** Unix seconds of the last sample. */
  readonly end: number;
  /** Seconds of samples before `end`. */
  readonly seconds: number;
  /** Seconds between samples (the scrape interval). */
  readonly intervalSeconds: number;
}

const FAMILIES = ['nv_inference_request_success', 'nv_inference_count', 'nv_inference_exec_count', 'nv_inference_compute_infer_duration_us', 'nv_inference_queue_duration_us'] as const;

/** Rate (requests/s) of `c` in the interval ending at `t`. */
export function rateAt(c: CopyTraffic, t: number): number {
  const hour = new Date((t - 1) * 1000).getUTCHours();
  return c.peakHours.includes(hour) ? c.peak : c.base;
}

/**
 * The counters as OpenMetrics text: per family, per series (pod × version),
 * every sample of the window. Families have no `# TYPE` line, so the stored
 * series keep Triton's names (an OpenMetrics counter would need `_total`).
 */
export function tritonOpenMetrics(copies: readonly CopyTraffic[], window: SampleWindow): string {
  const out: string[] = [];
  const start = window.end - window.seconds;
  for (const family of FAMILIES) {
    for (const c of copies) {
      const versions = Object.entries(c.versions ?? { '1': 1 });
      c.pods.forEach((podShare, pod) => {
        for (const [version, versionShare] of versions) {
          const share = podShare * versionShare;
          const labels = `model="${c.model}",version="${version}",namespace="${c.namespace}",pod="${c.podPrefix}-${pod}"`;
          let value = 0;
          for (let t = start; t <= window.end; t += window.intervalSeconds) {
            if (c.restart?.pod === pod && t === window.end - c.restart.hoursBeforeEnd * 3600) value = 0;
            if (t > start) {
              const requests = rateAt(c, t) * window.intervalSeconds * share;
              const peak = c.peakHours.includes(new Date((t - 1) * 1000).getUTCHours());
              value +=
                family === 'nv_inference_request_success' || family === 'nv_inference_count'
                  ? requests
                  : family === 'nv_inference_exec_count'
                    ? requests / c.batch
                    : family === 'nv_inference_compute_infer_duration_us'
                      ? requests * c.latencyMs * 1000
                      : requests * (peak ? c.queueUs.peak : c.queueUs.base);
            }
            out.push(`${family}{${labels}} ${Number(value.toPrecision(15))} ${t}`);
          }
        }
      });
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** A running Prometheus. */
export interface RunningPrometheus {
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Backfills `openMetrics` and starts Prometheus on it; throws with promtool's or Prometheus' output when either fails. */
export async function startPrometheus(openMetrics: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'modelfleet-prometheus-'));
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'metrics.om'), openMetrics);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 60s\nscrape_configs: []\n');
  const backfill = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', join(dir, 'metrics.om'), data], { encoding: 'utf8' });
  if (backfill.error || backfill.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const missing = (backfill.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? '; install Debian\'s prometheus package (apt-get install prometheus), as .ci/run does' : '';
    throw new Error(`promtool backfill failed (${backfill.error?.message ?? `exit ${backfill.status}`})${missing}: ${backfill.stderr ?? ''}${backfill.stdout ?? ''}`.slice(0, 4000));
  }
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}: ${log.slice(0, 4000)}`);
    }
    try {
      const ready = await fetch(`${url}/-/ready`);
      if (ready.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready in 30 s: ${log.slice(0, 4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}

import { describe, expect, it } from 'vitest';
import { formatIssues, SpecError } from '../../core/errors/spec-issue.ts';
import { shardAutoscaling } from '../../core/plan/shard-autoscaling.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { validateModel } from '../../core/spec/model-spec.ts';
import { queueTimeTargetMicroseconds } from '../../core/stack/autoscaling-config.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';

const keda = resolvePlatformStack('default', {});
const hpa = resolvePlatformStack('hpa', { autoscaler: { kind: 'hpa' }, metrics: { exposure: 'annotations' } });

function shard(tier: Shard['tier'], pool: string, extra: Partial<Shard> = {}): Shard {
  const t = keda.tiers[tier];
  return { name: `fraud-${tier}-${pool}-1`, namespace: 'fraud', team: 'fraud', tier, pool, copies: [], minReplicas: t.minReplicas, maxReplicas: t.maxReplicas, ...extra } as unknown as Shard;
}

function stackProblems(overrides: unknown): string {
  try {
    resolvePlatformStack('t', overrides);
  } catch (error) {
    if (error instanceof SpecError) return formatIssues(error.issues);
    throw error;
  }
  return '';
}

describe('tier → autoscaling', () => {
  it('derives the queue-time target from the p99 budget', () => {
    expect(queueTimeTargetMicroseconds(10, 20)).toBe(2000);
    expect(queueTimeTargetMicroseconds(100, 25)).toBe(25_000);
    expect(queueTimeTargetMicroseconds(1000, 50)).toBe(500_000);
  });

  it.each([
    // tier, pool, queue target µs, CPU %, GPU %, idle replicas, min, max, up window, down window
    ['realtime', 'gpu-l4', 2000, 50, 60, undefined, 2, 8, 0, 600],
    ['realtime', 'cpu-std', 2000, 50, undefined, undefined, 2, 8, 0, 600],
    ['interactive', 'gpu-l4', 25_000, 65, 75, undefined, 2, 6, 30, 300],
    ['batch', 'gpu-a100-80g', 500_000, 80, 90, 0, 1, 4, 60, 300],
    ['batch', 'cpu-std', 500_000, 80, undefined, 0, 1, 4, 60, 300],
  ] as const)('%s on %s with KEDA', (tier, pool, queue, cpu, gpu, idle, min, max, up, down) => {
    const a = shardAutoscaling(shard(tier, pool), keda);
    expect({
      kind: a.kind,
      queue: a.queueTimeTargetMicroseconds,
      cpu: a.cpuUtilizationPercent,
      gpu: a.gpuUtilization?.percent,
      idle: a.idleReplicas,
      min: a.minReplicas,
      max: a.maxReplicas,
      up: a.behavior.scaleUp.stabilizationWindowSeconds,
      down: a.behavior.scaleDown.stabilizationWindowSeconds,
      wakes: a.activation !== undefined,
    }).toEqual({ kind: 'keda', queue, cpu, gpu, idle, min, max, up, down, wakes: idle === 0 });
  });

  it('with the HPA: no scale to zero, no GPU signal, no schedules', () => {
    const a = shardAutoscaling(shard('batch', 'gpu-l4', { peak: { replicas: 3, windowsUtc: [{ startHourUtc: 8, endHourUtc: 20 }] } }), hpa);
    expect(a).toMatchObject({ kind: 'hpa', minReplicas: 1, maxReplicas: 4, schedules: [], podsMetric: 'triton_queue_time_per_request_us' });
    expect(a.idleReplicas).toBeUndefined();
    expect(a.gpuUtilization).toBeUndefined();
  });

  it('turns peak windows into daily UTC cron schedules with KEDA', () => {
    const a = shardAutoscaling(shard('realtime', 'gpu-l4', { peak: { replicas: 5, windowsUtc: [{ startHourUtc: 13, endHourUtc: 23 }] } }), keda);
    expect(a.schedules).toEqual([{ start: '0 13 * * *', end: '0 23 * * *', replicas: 5, window: { startHourUtc: 13, endHourUtc: 23 } }]);
  });

  it('scopes the queue-time query to the shard pods in its namespace', () => {
    expect(shardAutoscaling(shard('realtime', 'gpu-l4'), keda).queueTimeQuery).toMatchInlineSnapshot(`"sum(rate(nv_inference_queue_duration_us{namespace="fraud",pod=~"fraud-realtime-gpu-l4-1-[a-z0-9]+-[a-z0-9]+"}[1m])) / clamp_min(sum(rate(nv_inference_request_success{namespace="fraud",pod=~"fraud-realtime-gpu-l4-1-[a-z0-9]+-[a-z0-9]+"}[1m])), 1)"`);
  });
});

describe('stack autoscaling settings', () => {
  it('defaults to KEDA and ServiceMonitors', () => {
    expect(keda.autoscaler).toMatchObject({ kind: 'keda', prometheus: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090' }, peakTrafficPercent: 100 });
    expect(keda.metrics).toMatchObject({ exposure: 'servicemonitor', scrapeIntervalSeconds: 15 });
  });

  it('rejects scale to zero outside batch and a queue target under the batching delay, naming file and field', () => {
    expect(
      stackProblems({ tiers: { realtime: { autoscaling: { scaleToZero: true } }, interactive: { autoscaling: { queueTimeBudgetPercent: 5 } } } }),
    ).toMatchInlineSnapshot(`
      "Pulumi.t.yaml: modelfleet:tiers.realtime.autoscaling.scaleToZero: is true on the realtime tier; only batch shards may scale to zero (the first request after idle waits for a replica to start and load its models, far beyond a 10 ms budget); remove it
      Pulumi.t.yaml: modelfleet:tiers.interactive.autoscaling.queueTimeBudgetPercent: 5% of the 100 ms budget is a queue-time target of 5000 µs, not above the tier's batching delay (triton.maxQueueDelayMicroseconds 5000 µs), so every batch would scale the shard out; raise it above 5% or lower the delay"
    `);
  });

  it('rejects unknown kinds and exposures', () => {
    expect(stackProblems({ autoscaler: { kind: 'vpa' }, metrics: { exposure: 'pushgateway' } })).toMatchInlineSnapshot(`
      "Pulumi.t.yaml: modelfleet:autoscaler.kind: "vpa" is not allowed; use one of "keda", "hpa" (did you mean "hpa"?)
      Pulumi.t.yaml: modelfleet:metrics.exposure: "pushgateway" is not allowed; use one of "servicemonitor", "annotations""
    `);
  });
});

describe('traffic profile declarations', () => {
  const base = { name: 'm', framework: 'onnx', tier: 'realtime', memory: '1Gi', artifact: 's3://bucket/m', peakQps: 100 };
  const problems = (traffic: unknown, extra: object = {}) => formatIssues(validateModel({ ...base, ...extra, traffic }, 'models/fraud/m.ts', 'fraud').issues);

  it('accepts a window, also one that wraps past midnight', () => {
    expect(validateModel({ ...base, traffic: { peakHoursUtc: [20, 6] } }, 'models/fraud/m.ts', 'fraud').spec?.traffic).toEqual({ peakHoursUtc: [20, 6] });
  });

  it('names the file and field of every problem', () => {
    expect(problems({ peakHoursUtc: [8, 8] })).toMatchInlineSnapshot(`"models/fraud/m.ts: traffic.peakHoursUtc: starts and ends at the same hour; give a window such as [8, 20] (08:00–20:00 UTC), or [20, 6] to wrap past midnight"`);
    expect(problems({ peakHoursUtc: [8, 24] })).toMatchInlineSnapshot(`"models/fraud/m.ts: traffic.peakHoursUtc[1]: must be at most 23, got 24"`);
    expect(problems({ peakHours: [8, 20] })).toMatchInlineSnapshot(`
      "models/fraud/m.ts: traffic.peakHoursUtc: is required (a list); add it
      models/fraud/m.ts: traffic.peakHours: unknown field "peakHours"; did you mean "peakHoursUtc"?"
    `);
    expect(problems({ peakHoursUtc: [8, 20] }, { peakQps: undefined })).toMatchInlineSnapshot(`"models/fraud/m.ts: traffic: has no effect without a peak: declare peakQps (on the model or its tenants) or remove traffic"`);
  });
});

import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { Shard } from '../../core/plan/shard-plan.ts';
import { configChecksum, fetchModelsList, modelsJson, rcloneSource, shardConfigData, shardFetchPlan } from '../../constructs/shard-config-data.ts';
import { FETCH_MODELS_SCRIPT, modelsChecksum } from '../../constructs/fetch-models-script.ts';
import { MODELS_CHECKSUM_ANNOTATION, TritonShard } from '../../constructs/triton-shard.ts';
import { shardStartupSeconds } from '../../core/triton/startup-budget.ts';
import { cpuShard, defaultStack, gpuShard } from './small-fleet.ts';
import { validateManifests } from '../support/validate-manifests.ts';

const stack = defaultStack();

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(shard: Shard, extra: Partial<ConstructorParameters<typeof TritonShard>[2]> = {}) {
  const chart = Testing.chart();
  new TritonShard(chart, shard.name, { shard, stack, ...extra });
  const objects = Testing.synth(chart) as any[];
  const byKind = (kind: string) => objects.find((o) => o.kind === kind);
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const triton = pod.containers.find((c: any) => c.name === 'triton');
  return { objects, byKind, deployment, pod, triton, fetcher: pod.initContainers[0] };
}

describe('TritonShard', () => {
  it('renders ConfigMap, Deployment, Service, autoscaler, ServiceMonitor and PDB, all named after the shard in its namespace', () => {
    const { objects } = synth(gpuShard);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'v1 ConfigMap fraud/fraud-realtime-gpu-l4-1',
      'apps/v1 Deployment fraud/fraud-realtime-gpu-l4-1',
      'v1 Service fraud/fraud-realtime-gpu-l4-1',
      'keda.sh/v1alpha1 ScaledObject fraud/fraud-realtime-gpu-l4-1',
      'monitoring.coreos.com/v1 ServiceMonitor fraud/fraud-realtime-gpu-l4-1',
      'policy/v1 PodDisruptionBudget fraud/fraud-realtime-gpu-l4-1',
    ]);
    for (const o of objects) {
      // The ServiceMonitor also carries the stack's serviceMonitorLabels (for the Prometheus that selects it).
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'triton',
        'app.kubernetes.io/instance': 'fraud-realtime-gpu-l4-1',
        'app.kubernetes.io/managed-by': 'modelfleet',
        'modelfleet.io/team': 'fraud',
        'modelfleet.io/tier': 'realtime',
        'modelfleet.io/pool': 'gpu-l4',
        'modelfleet.io/shard': 'fraud-realtime-gpu-l4-1',
      });
    }
  });

  it('requests and limits the pool GPU resource on a GPU shard', () => {
    const { triton } = synth(gpuShard);
    expect(triton.resources).toEqual({
      requests: { cpu: '1500m', memory: '7644Mi', 'nvidia.com/gpu': 1 },
      limits: { cpu: '7500m', memory: '29Gi', 'nvidia.com/gpu': 1 },
    });
  });

  it('uses the pool gpuResource name (MIG slices, time-slicing)', () => {
    const mig = {
      ...stack,
      pools: stack.pools.map((p) => (p.name === 'gpu-l4' ? { ...p, gpuResource: 'nvidia.com/mig-1g.10gb', gpusPerReplica: 2 } : p)),
    };
    const chart = Testing.chart();
    new TritonShard(chart, 'Shard', { shard: gpuShard, stack: mig });
    const triton = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(triton.resources.requests['nvidia.com/mig-1g.10gb']).toBe(2);
    expect(triton.resources.limits['nvidia.com/mig-1g.10gb']).toBe(2);
    expect(triton.resources.limits['nvidia.com/gpu']).toBeUndefined();
  });

  it('has no GPU resource, GPU toleration or GPU node selector on a CPU shard', () => {
    const { triton, pod } = synth(cpuShard);
    expect(triton.resources).toEqual({ requests: { cpu: '2600m', memory: '5632Mi' }, limits: { cpu: '15', memory: '60Gi' } });
    expect(JSON.stringify(pod)).not.toContain('nvidia.com/gpu');
    expect(pod.nodeSelector).toEqual({ 'modelfleet.io/pool': 'cpu-std' });
    expect(pod.tolerations).toBeUndefined();
  });

  it('schedules onto the pool with its node selector and tolerations', () => {
    const { pod } = synth(gpuShard);
    expect(pod.nodeSelector).toEqual({ 'modelfleet.io/pool': 'gpu-l4', 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('starts Triton in explicit mode with one sorted --load-model per copy', () => {
    const { triton } = synth(gpuShard);
    expect(triton.image).toBe(stack.image);
    expect(triton.command).toEqual(['tritonserver']);
    expect(triton.args).toEqual([
      '--model-repository=/models',
      '--model-control-mode=explicit',
      '--load-model=embedder',
      '--load-model=txn-scorer.acme',
      '--load-model=txn-scorer.globex',
    ]);
    expect(triton.args.filter((a: string) => a.startsWith('--load-model=')).length).toBe(gpuShard.copies.length);
    expect(triton.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8001, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8002, protocol: 'TCP' },
    ]);
  });

  it('probes readiness, liveness and a slow startup over HTTP', () => {
    const { triton } = synth(gpuShard, { startupTimeoutSeconds: 900 });
    expect(triton.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(triton.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(triton.startupProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(triton.startupProbe.periodSeconds * triton.startupProbe.failureThreshold).toBe(900);
  });

  it('fetches artifacts in an init container into the shared model repository', () => {
    const { fetcher, triton, pod, byKind } = synth(gpuShard);
    expect(fetcher.image).toBe(stack.fetcherImage);
    expect(fetcher.command).toEqual(['/bin/sh', '/etc/modelfleet/fetch-models.sh']);
    expect(fetcher.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models' });
    expect(triton.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'models', emptyDir: {} });
    // The namespace's script and the shard's ConfigMap, both at /etc/modelfleet through one projected volume.
    expect(pod.volumes).toContainEqual({ name: 'config', projected: { sources: [{ configMap: { name: 'fraud-fetch-models' } }, { configMap: { name: gpuShard.name } }] } });
    expect(fetcher.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/modelfleet', readOnly: true });
    expect(byKind('ConfigMap').data).toEqual(shardConfigData(gpuShard, stack));
  });

  it('gives Triton a memory-backed /dev/shm and a writable /tmp', () => {
    const { triton, pod } = synth(gpuShard, { shmSizeBytes: 2 * 2 ** 30 });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(triton.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(triton.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('meets Pod Security "restricted" in both containers', () => {
    const { pod } = synth(gpuShard);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext, c.name).toMatchObject({
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("pins the injected Istio sidecar's requests and limits for the tier and asks for a native sidecar", () => {
    // Realtime: the proxy's request covers the tier's planned request rate; batch stays near Istio's default.
    expect(synth(gpuShard).deployment.spec.template.metadata.annotations).toMatchObject({
      'sidecar.istio.io/nativeSidecar': 'true',
      'sidecar.istio.io/proxyCPU': '500m',
      'sidecar.istio.io/proxyMemory': '256Mi',
      'sidecar.istio.io/proxyCPULimit': '2',
      'sidecar.istio.io/proxyMemoryLimit': '1Gi',
    });
    expect(synth(cpuShard).deployment.spec.template.metadata.annotations).toMatchObject({
      'sidecar.istio.io/nativeSidecar': 'true',
      'sidecar.istio.io/proxyCPU': '200m',
      'sidecar.istio.io/proxyMemory': '128Mi',
      'sidecar.istio.io/proxyCPULimit': '1500m',
      'sidecar.istio.io/proxyMemoryLimit': '1Gi',
    });
    // The proxy is added at admission; the rendered pod holds only our own containers (what the platform rules check).
    const { pod } = synth(gpuShard);
    expect([...pod.initContainers, ...pod.containers].map((c: any) => c.name)).toEqual(['fetch-models', 'triton']);
  });

  it('rolls the pods exactly when the ConfigMap contents or the fetch script change', () => {
    const checksum = (shard: Shard) => synth(shard).deployment.spec.template.metadata.annotations[MODELS_CHECKSUM_ANNOTATION];
    const a = checksum(gpuShard);
    expect(a).toBe(modelsChecksum(shardConfigData(gpuShard, stack)));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    // The namespace's script is hashed in too: what the fetcher reads at /etc/modelfleet.
    expect(a).not.toBe(configChecksum(shardConfigData(gpuShard, stack)));
    expect(modelsChecksum(shardConfigData(gpuShard, stack), `${FETCH_MODELS_SCRIPT}# changed\n`)).not.toBe(a);
    const withCopy = (tritonName: string, change: (c: Shard['copies'][number]) => Shard['copies'][number]): Shard => ({
      ...gpuShard,
      copies: gpuShard.copies.map((c) => (c.tritonName === tritonName ? change(c) : c)),
    });
    // A moved artifact (the fetch list and models.json) and a changed configuration both roll.
    expect(checksum(withCopy('embedder', (c) => ({ ...c, artifact: 'gs://fraud-models/embedder-v2' })))).not.toBe(a);
    expect(checksum(withCopy('txn-scorer.acme', (c) => ({ ...c, triton: { ...c.triton, maxBatchSize: 4 } })))).not.toBe(a);
    expect(checksum(gpuShard)).toBe(a);
  });

  it('runs pods with the tier\'s PriorityClass and bounds drains with a PodDisruptionBudget', () => {
    const { deployment, byKind } = synth(gpuShard);
    expect(deployment.spec.template.spec.priorityClassName).toBe('modelfleet-realtime');
    expect(byKind('PodDisruptionBudget').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': gpuShard.name } },
      maxUnavailable: 1,
    });
  });

  it('selects its pods by stable labels in the Deployment and the Service', () => {
    const { deployment, byKind } = synth(gpuShard);
    const selector = { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': gpuShard.name };
    expect(deployment.spec.selector).toEqual({ matchLabels: selector });
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    // The HorizontalPodAutoscaler owns the replica count; an apply must not reset it.
    expect(deployment.spec.replicas).toBeUndefined();
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(selector);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['http', 8000, 'http'],
      ['grpc', 8001, 'grpc'],
      ['metrics', 8002, 'http'],
    ]);
  });

  it('autoscales between the shard replicas on queue time and the tier CPU target (see shard-autoscaler.test.ts)', () => {
    const scaled = synth(cpuShard).byKind('ScaledObject');
    expect(scaled.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: cpuShard.name }, minReplicaCount: 1, maxReplicaCount: 4 });
    expect(scaled.spec.triggers.map((t: any) => t.name)).toEqual(['queue-time', 'cpu', 'requests']);
  });

  it('names the construct path when a shard cannot be rendered', () => {
    const chart = new Chart(Testing.app(), 'fraud');
    expect(() => new TritonShard(chart, 'bad', { shard: { ...gpuShard, minReplicas: 0 }, stack })).toThrow(
      '[fraud/bad] shard fraud-realtime-gpu-l4-1: minReplicas is 0; a HorizontalPodAutoscaler needs at least 1',
    );
    expect(() => new TritonShard(chart, 'bad2', { shard: { ...gpuShard, pool: 'gpu-h100' }, stack })).toThrow(
      '[fraud/bad2] shard fraud-realtime-gpu-l4-1: pool gpu-h100 is not defined by stack default',
    );
  });
});

describe('shard ConfigMap data', () => {
  it('lists copies sorted by Triton name with their artifacts', () => {
    expect(modelsJson(gpuShard).map((e) => [e.name, e.tenant, e.artifact])).toEqual([
      ['embedder', null, 'gs://fraud-models/embedder'],
      ['txn-scorer.acme', 'acme', 's3://ml-models/fraud/txn-scorer/acme'],
      ['txn-scorer.globex', 'globex', 's3://ml-models/fraud/txn-scorer/globex'],
    ]);
  });

  it('writes models.json as valid JSON with one compact entry per line', () => {
    const text = shardConfigData(gpuShard, stack)['models.json']!;
    expect(JSON.parse(text)).toEqual(modelsJson(gpuShard));
    const lines = text.split('\n');
    expect(lines).toEqual(['[', ...modelsJson(gpuShard).map((e, i, all) => JSON.stringify(e) + (i < all.length - 1 ? ',' : '')), ']', '']);
    expect(lines[1]).toBe('{"name":"embedder","model":"embedder","tenant":null,"team":"fraud","artifact":"gs://fraud-models/embedder","framework":"tensorrt"},');
  });

  it('maps artifact URIs to rclone on-the-fly remotes with env auth', () => {
    expect(rcloneSource('s3://ml-models/fraud/txn-scorer/acme')).toEqual({ path: ':s3:ml-models/fraud/txn-scorer/acme', flags: ['--s3-env-auth'] });
    expect(rcloneSource('gs://bucket/a/b/')).toEqual({ path: ':gcs:bucket/a/b', flags: ['--gcs-env-auth'] });
    expect(rcloneSource('as://acct/container/m')).toEqual({ path: ':azureblob,account=acct:container/m', flags: ['--azureblob-env-auth'] });
    expect(() => rcloneSource('/mnt/models/x')).toThrow(/not an s3/); // volume paths need a mount the stack cannot describe yet
    expect(() => rcloneSource('http://example.com/m')).toThrow(/not an s3/);
  });

  it('keys each validated config.pbtxt by content, without name, so copies with equal settings share one', () => {
    const { byKind } = synth(gpuShard);
    const data = byKind('ConfigMap').data;
    const keys = Object.keys(data);
    expect(keys).toEqual([
      expect.stringMatching(/^embedder\.[0-9a-f]{12}\.config\.pbtxt$/),
      'fetch-models.tsv',
      'models.json',
      expect.stringMatching(/^txn-scorer\.[0-9a-f]{12}\.config\.pbtxt$/),
    ]);
    const [embedder, , , txnScorer] = keys as [string, string, string, string];
    // Triton takes the name from the model-repository directory the script copies the file into.
    expect(data[txnScorer]).toMatch(/^backend: "onnxruntime"\n/);
    for (const key of [embedder, txnScorer]) expect(data[key]).not.toMatch(/^name:/m);
    // Both tenants' copies of txn-scorer point at the one text.
    expect(data['fetch-models.tsv']).toBe(
      [
        `embedder\t${embedder}\t:gcs:fraud-models/embedder\t--gcs-env-auth`,
        `txn-scorer.acme\t${txnScorer}\t:s3:ml-models/fraud/txn-scorer/acme\t--s3-env-auth`,
        `txn-scorer.globex\t${txnScorer}\t:s3:ml-models/fraud/txn-scorer/globex\t--s3-env-auth`,
        '',
      ].join('\n'),
    );
    // A copy whose settings differ gets its own text and key.
    const batched = { ...gpuShard, copies: gpuShard.copies.map((c) => (c.tritonName === 'txn-scorer.acme' ? { ...c, triton: { ...c.triton, maxBatchSize: 4 } } : c)) };
    const plan = shardFetchPlan(batched, stack);
    expect(Object.keys(plan.configs)).toHaveLength(3);
    expect(plan.entries.map((e) => e.configKey)).toEqual([embedder, expect.not.stringMatching(txnScorer), txnScorer]);
  });

  it('refuses a fetch-list field that would break its line', () => {
    const entry = { tritonName: 'm', configKey: 'm.0.config.pbtxt', source: { path: ':s3:b/m', flags: ['--s3-env-auth'] } };
    expect(fetchModelsList([entry])).toBe('m\tm.0.config.pbtxt\t:s3:b/m\t--s3-env-auth\n');
    expect(() => fetchModelsList([{ ...entry, source: { path: ':s3:b/m\tx', flags: [] } }])).toThrow('copy m: rclone source ":s3:b/m\\tx" cannot be a field of fetch-models.tsv');
    expect(() => fetchModelsList([{ ...entry, source: { ...entry.source, flags: ['--a\n--b'] } }])).toThrow(/rclone flag/);
    expect(() => fetchModelsList([{ ...entry, tritonName: '' }])).toThrow(/Triton name ""/);
  });

  it('sizes the startup probe from what the shard loads', () => {
    const { triton } = synth(gpuShard);
    expect(triton.startupProbe.periodSeconds * triton.startupProbe.failureThreshold).toBe(shardStartupSeconds(gpuShard));
  });

  it('takes model repository access from the stack: ServiceAccount, credentials Secret for the fetcher only, S3 region and endpoint', () => {
    const withAccess = { ...stack, modelRepository: { serviceAccountName: 'model-reader', secretName: 'model-store', s3Region: 'eu-west-1', s3Endpoint: 'https://minio.storage.svc:9000' } };
    const chart = Testing.chart();
    new TritonShard(chart, 'Shard', { shard: gpuShard, stack: withAccess });
    const objects = Testing.synth(chart) as any[];
    const pod = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).toBe('model-reader');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.initContainers[0].envFrom).toEqual([{ secretRef: { name: 'model-store' } }]);
    expect(pod.containers[0].envFrom).toBeUndefined();
    expect(objects.find((o) => o.kind === 'ConfigMap').data['fetch-models.tsv']).toMatch(
      /^txn-scorer\.acme\t\S+\t:s3:ml-models\/fraud\/txn-scorer\/acme\t--s3-env-auth\t--s3-region=eu-west-1\t--s3-endpoint=https:\/\/minio\.storage\.svc:9000$/m,
    );
    const { pod: plain } = synth(gpuShard);
    expect(plain.serviceAccountName).toBeUndefined();
    expect(plain.initContainers[0].envFrom).toBeUndefined();
  });

});

describe('artifacts on PersistentVolumeClaims', () => {
  const pvcShard: Shard = {
    ...cpuShard,
    copies: cpuShard.copies.map((c, i) => ({ ...c, artifact: `pvc://${i === 0 ? 'models-b' : 'models-a'}/search/${c.tritonName}` })),
  };

  it('mounts each claim read-only into the fetcher only, and copies from the mount', () => {
    const { pod, fetcher, triton, objects } = synth(pvcShard);
    expect(pod.volumes.filter((v: any) => v.persistentVolumeClaim)).toEqual([
      { name: 'artifacts-1', persistentVolumeClaim: { claimName: 'models-a', readOnly: true } },
      { name: 'artifacts-2', persistentVolumeClaim: { claimName: 'models-b', readOnly: true } },
    ]);
    expect(fetcher.volumeMounts.filter((m: any) => m.name.startsWith('artifacts-'))).toEqual([
      { name: 'artifacts-1', mountPath: '/mnt/pvc/models-a', readOnly: true },
      { name: 'artifacts-2', mountPath: '/mnt/pvc/models-b', readOnly: true },
    ]);
    expect(triton.volumeMounts.some((m: any) => m.name.startsWith('artifacts-'))).toBe(false);
    const first = pvcShard.copies[0]!;
    // A local path: no rclone flags, so the line ends after the source.
    expect(fetchModelsList(shardFetchPlan(pvcShard, stack).entries)).toMatch(new RegExp(`^${first.tritonName}\t\\S+\t/mnt/pvc/models-b/search/${first.tritonName}$`, 'm'));
    expect(validateManifests(objects)).toEqual([]);
  });

  it('maps pvc:// to the mounted path', () => {
    expect(rcloneSource('pvc://models-a/fraud/m/acme/')).toEqual({ path: '/mnt/pvc/models-a/fraud/m/acme', flags: [] });
  });
});

/**
 * The per-object rules on violating fixtures: a real synthesized shard
 * Deployment, broken one field at a time, and hand-written workloads of
 * every kind that carries a pod template.
 */
import { describe, expect, it } from 'vitest';
import { loadPlatformStack } from '../../policies/default-stack.ts';
import {
  collectViolations,
  containerResourcesRule,
  gpuPoolPlacementRule,
  imageRegistryRule,
  imageRepository,
  podSecurityRestrictedRule,
  ruleConfigsFromStack,
  type KubeObject,
} from '../../policies/rules/index.ts';
import { copyOf, objectsOf, synthOnce } from './policy-harness.ts';

const configs = ruleConfigsFromStack(loadPlatformStack());
const fleet = objectsOf(await synthOnce('test/stacks/fleet/models'));
/** The realtime GPU shard: init container `fetch-models` (rclone), container `triton`. */
const shard = () => copyOf(fleet, 'Deployment', 'fraud-realtime-gpu-l4-1');
const at = (v: { path: readonly (string | number)[] }) => v.path.join('.');

const gpu = (objects: KubeObject[]) => collectViolations(gpuPoolPlacementRule, objects, configs['gpu-pool-placement']);
const resources = (objects: KubeObject[]) => collectViolations(containerResourcesRule, objects, {});
const registry = (objects: KubeObject[], allowedRegistries = configs['image-registry'].allowedRegistries) => collectViolations(imageRegistryRule, objects, { allowedRegistries });
const pss = (objects: KubeObject[]) => collectViolations(podSecurityRestrictedRule, objects, {});

/** A hand-written workload of `kind` whose pod spec is `podSpec`. */
function workload(kind: string, podSpec: Record<string, unknown>, name = `hand-${kind.toLowerCase()}`): KubeObject {
  const template = { metadata: { labels: { app: name } }, spec: podSpec };
  const meta = { name, namespace: 'fraud' };
  switch (kind) {
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata: meta, spec: podSpec };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { template } };
    case 'CronJob':
      return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } };
    default:
      return { apiVersion: 'apps/v1', kind, metadata: meta, spec: { selector: { matchLabels: { app: name } }, template } };
  }
}

const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
const sized = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } };

describe('gpu-pool-placement', () => {
  it('passes GPU shards that select their pool and CPU shards that request no GPU', () => {
    expect(gpu(fleet)).toEqual([]);
  });

  it('reports a GPU pod without a nodeSelector, or one that selects a CPU pool', () => {
    const none = shard();
    delete none.spec.template.spec.nodeSelector;
    const cpu = shard();
    cpu.metadata.name = 'on-cpu';
    cpu.spec.template.spec.nodeSelector = { 'modelfleet.io/pool': 'cpu-std' };
    const violations = gpu([none, cpu] as KubeObject[]);
    expect(violations.map(at)).toEqual(['spec.template.spec.nodeSelector', 'spec.template.spec.nodeSelector']);
    const pools = 'gpu-l4 (modelfleet.io/pool=gpu-l4, nvidia.com/gpu.product=NVIDIA-L4); gpu-a100-80g (modelfleet.io/pool=gpu-a100-80g, nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB)';
    expect(violations.map((v) => v.message)).toEqual([
      `pods request nvidia.com/gpu but it has no nodeSelector; set the nodeSelector of a GPU pool: ${pools}`,
      `pods request nvidia.com/gpu but its nodeSelector selects the CPU pool cpu-std; set the nodeSelector of a GPU pool: ${pools}`,
    ]);
  });

  it("reports a hand-written pod whose selector matches no pool, and a GPU resource the selected pool does not offer", () => {
    const job = workload('Job', { nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' }, containers: [{ name: 'train', resources: { limits: { 'nvidia.com/gpu': 1 } } }] });
    const mig = workload('StatefulSet', {
      nodeSelector: { 'modelfleet.io/pool': 'gpu-l4', 'nvidia.com/gpu.product': 'NVIDIA-L4' },
      containers: [{ name: 'llm', resources: { limits: { 'nvidia.com/mig-1g.10gb': 1 } } }],
    });
    expect(gpu([job, mig]).map((v) => `${v.object.kind}: ${v.message}`)).toEqual([
      'Job: pods request nvidia.com/gpu but its nodeSelector (cloud.google.com/gke-accelerator=nvidia-l4) selects no GPU pool; set the nodeSelector of a GPU pool: gpu-l4 (modelfleet.io/pool=gpu-l4, nvidia.com/gpu.product=NVIDIA-L4); gpu-a100-80g (modelfleet.io/pool=gpu-a100-80g, nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB)',
      'StatefulSet: pods request nvidia.com/mig-1g.10gb but select the GPU pool gpu-l4, whose nodes offer nvidia.com/gpu; request nvidia.com/gpu instead or select a pool that offers nvidia.com/mig-1g.10gb',
    ]);
  });
});

describe('container-resources', () => {
  it('passes every synthesized container, init containers included', () => {
    expect(resources(fleet)).toEqual([]);
  });

  it('reports missing requests and limits, init containers too, and a request above its limit', () => {
    const d = shard();
    delete d.spec.template.spec.initContainers[0].resources.limits;
    d.spec.template.spec.containers[0].resources.requests.cpu = '9';
    const pod = workload('Pod', { containers: [{ name: 'sidecar', image: 'nvcr.io/nvidia/x:1', resources: { requests: { cpu: '100m' } } }] });
    const violations = resources([d as KubeObject, pod]);
    expect(violations.map((v) => [at(v), v.message])).toEqual([
      ['spec.template.spec.initContainers.0.resources', 'init container "fetch-models" sets no limits.cpu, limits.memory; every container needs cpu and memory requests and limits'],
      ['spec.template.spec.containers.0.resources.requests.cpu', 'container "triton" requests 9 cpu, above its limit 7500m; lower the request or raise the limit'],
      ['spec.containers.0.resources', 'container "sidecar" sets no requests.memory, limits.cpu, limits.memory; every container needs cpu and memory requests and limits'],
    ]);
  });
});

describe('image-registry', () => {
  it("admits the stack's Triton and fetcher images by default", () => {
    expect(configs['image-registry'].allowedRegistries).toEqual(['nvcr.io/nvidia', 'docker.io/rclone']);
    expect(registry(fleet)).toEqual([]);
  });

  it('resolves image references as the runtime does', () => {
    expect(['rclone/rclone:1.68.2', 'busybox', 'nvcr.io/nvidia/tritonserver:24.08-py3', 'index.docker.io/busybox@sha256:0123', 'localhost:5000/x/y:1'].map(imageRepository)).toEqual([
      'docker.io/rclone/rclone',
      'docker.io/library/busybox',
      'nvcr.io/nvidia/tritonserver',
      'docker.io/library/busybox',
      'localhost:5000/x/y',
    ]);
  });

  it('reports images from other registries, in containers, init and ephemeral containers, matched on whole path components', () => {
    const d = shard();
    d.spec.template.spec.containers[0].image = 'nvcr.io/nvidia-mirror/tritonserver:24.08-py3';
    d.spec.template.spec.initContainers[0].image = 'busybox:1.36';
    const cron = workload('CronJob', { containers: [{ name: 'report', image: 'ghcr.io/acme/report:2' }], ephemeralContainers: [{ name: 'debug' }] });
    expect(registry([d as KubeObject, cron]).map((v) => [at(v), v.message])).toEqual([
      [
        'spec.template.spec.initContainers.0.image',
        'init container "fetch-models" uses image "busybox:1.36" (docker.io/library/busybox), which is not from an allowed registry (nvcr.io/nvidia, docker.io/rclone); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries',
      ],
      [
        'spec.template.spec.containers.0.image',
        'container "triton" uses image "nvcr.io/nvidia-mirror/tritonserver:24.08-py3" (nvcr.io/nvidia-mirror/tritonserver), which is not from an allowed registry (nvcr.io/nvidia, docker.io/rclone); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries',
      ],
      [
        'spec.jobTemplate.spec.template.spec.containers.0.image',
        'container "report" uses image "ghcr.io/acme/report:2" (ghcr.io/acme/report), which is not from an allowed registry (nvcr.io/nvidia, docker.io/rclone); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries',
      ],
      ['spec.jobTemplate.spec.template.spec.ephemeralContainers.0.image', 'ephemeral container "debug" has no image; give an image from an allowed registry (nvcr.io/nvidia, docker.io/rclone)'],
    ]);
    expect(registry([cron], ['ghcr.io/acme', 'docker.io']).map((v) => at(v))).toEqual(['spec.jobTemplate.spec.template.spec.ephemeralContainers.0.image']);
  });
});

describe('pod-security-restricted', () => {
  it('passes every synthesized pod template', () => {
    expect(pss(fleet)).toEqual([]);
  });

  it('passes a hand-written workload of every kind that meets the profile', () => {
    const spec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'nvcr.io/nvidia/x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }] };
    expect(pss(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].map((k) => workload(k, spec)))).toEqual([]);
  });

  it('reports host namespaces, host paths, disallowed volumes, privileged containers and weak security contexts', () => {
    const daemonSet = workload('DaemonSet', {
      hostNetwork: true,
      hostPID: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }, { name: 'share', nfs: { server: 'nas', path: '/x' } }, { name: 'tmp', emptyDir: {} }],
      containers: [
        { name: 'agent', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_BIND_SERVICE'] }, runAsUser: 0 }, ports: [{ containerPort: 9100, hostPort: 9100 }] },
      ],
    });
    expect(pss([daemonSet]).map((v) => [at(v), v.message])).toEqual([
      ['spec.template.spec.hostNetwork', 'hostNetwork is true; host namespaces are not allowed (Pod Security "restricted"): remove it'],
      ['spec.template.spec.hostPID', 'hostPID is true; host namespaces are not allowed (Pod Security "restricted"): remove it'],
      ['spec.template.spec.volumes.0.hostPath', 'volume "root" is a hostPath volume; host paths are not allowed (Pod Security "restricted"): use an emptyDir, a ConfigMap or a PersistentVolumeClaim'],
      ['spec.template.spec.volumes.1.nfs', 'volume "share" is of type nfs; allowed types are configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.privileged', 'container "agent" is privileged (Pod Security "restricted"); remove securityContext.privileged'],
      ['spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation', 'container "agent" leaves securityContext.allowPrivilegeEscalation unset; it must be false (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.capabilities.drop', 'container "agent" does not drop all capabilities (Pod Security "restricted"); set securityContext.capabilities.drop to ["ALL"]'],
      ['spec.template.spec.containers.0.securityContext.capabilities.add', 'container "agent" adds capabilities "SYS_ADMIN"; only NET_BIND_SERVICE may be added (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.runAsNonRoot', 'container "agent" may run as root: runAsNonRoot is unset on the pod and unset on the container; set securityContext.runAsNonRoot to true (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.runAsUser', 'container "agent" runs as user 0 (root) (Pod Security "restricted"); give a non-zero runAsUser'],
      ['spec.template.spec.containers.0.securityContext.seccompProfile', 'container "agent" has no seccomp profile (none on the container or the pod); set seccompProfile.type to RuntimeDefault (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.ports.0.hostPort', 'container "agent" binds host port 9100; host ports are not allowed (Pod Security "restricted"): use a Service'],
    ]);
  });

  it('checks init containers and container overrides of the pod security context', () => {
    const d = shard();
    d.spec.template.spec.initContainers[0].securityContext.runAsNonRoot = false;
    d.spec.template.spec.containers[0].securityContext.seccompProfile = { type: 'Unconfined' };
    d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    const pod = workload('Pod', { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c', securityContext: restricted }, { name: 'd', securityContext: { ...restricted, seccompProfile: undefined } }], resources: sized });
    expect(pss([d as KubeObject, pod]).map((v) => [at(v), v.message])).toEqual([
      ['spec.template.spec.initContainers.0.securityContext.runAsNonRoot', 'init container "fetch-models" sets securityContext.runAsNonRoot to false; it must be true (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation', 'container "triton" sets securityContext.allowPrivilegeEscalation to true; it must be false (Pod Security "restricted")'],
      ['spec.template.spec.containers.0.securityContext.seccompProfile.type', 'container "triton" sets seccompProfile.type "Unconfined"; use RuntimeDefault or Localhost (Pod Security "restricted")'],
      ['spec.securityContext.seccompProfile.type', 'seccompProfile.type is "Unconfined"; use RuntimeDefault or Localhost (Pod Security "restricted")'],
      ['spec.containers.1.securityContext.seccompProfile', 'container "d" has no seccomp profile (none on the container or the pod); set seccompProfile.type to RuntimeDefault (Pod Security "restricted")'],
    ]);
  });
});

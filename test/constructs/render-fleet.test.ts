import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderFleet, renderFleetObjects } from '../../constructs/render-fleet.ts';
import { validateManifest, validateManifests } from '../support/validate-manifests.ts';
import { defaultStack, plan, teams } from './small-fleet.ts';

const stack = defaultStack();
const input = { stack, teams, plan };

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('renderFleet', () => {
  it('writes the cluster-wide objects, one manifest per team and a kustomization listing them', () => {
    const { files, objectCount } = renderFleet(input);
    expect(files.map((f) => f.path)).toEqual(['kustomization.yaml', 'manifests/_cluster.yaml', 'manifests/fraud.yaml', 'manifests/search.yaml']);
    const kustomization = parseAllDocuments(files[0]!.content)[0]!.toJS();
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['manifests/_cluster.yaml', 'manifests/fraud.yaml', 'manifests/search.yaml'],
    });
    // One PriorityClass per tier; Namespace, ResourceQuota, LimitRange, three NetworkPolicies, two
    // PeerAuthentications, two gRPC guard EnvoyFilters and the fetch-script ConfigMap per team; ConfigMap,
    // Deployment, Service, ScaledObject, ServiceMonitor, PDB, DestinationRule and two AuthorizationPolicies per
    // shard; one VirtualService per model (embedder, txn-scorer, ranker, query-parser).
    expect(objectCount).toBe(3 + 2 * 11 + 2 * 9 + 4);
  });

  it('renders one PriorityClass per tier, cluster-scoped, that the shards\' pods use', () => {
    const [cluster, ...teamFiles] = renderFleetObjects(input);
    expect(cluster!.team).toBe('');
    expect(cluster!.objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace, (o as { value?: number }).value])).toEqual([
      ['PriorityClass', 'modelfleet-realtime', undefined, 100000],
      ['PriorityClass', 'modelfleet-interactive', undefined, 50000],
      ['PriorityClass', 'modelfleet-batch', undefined, 10000],
    ]);
    const names = new Set(cluster!.objects.map((o) => o.metadata.name));
    const used = teamFiles.flatMap((m) => m.objects.filter((o) => o.kind === 'Deployment')).map((d) => (d as any).spec.template.spec.priorityClassName);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(names).toContain(name);
  });

  it('is deterministic and independent of the order teams are given in', () => {
    const a = renderFleet(input);
    const b = renderFleet({ ...input, teams: [...teams].reverse() });
    expect(b).toEqual(a);
  });

  it('orders each file: tenancy first, then each shard with its policies, then the models\' routes', () => {
    const [, fraud] = renderFleetObjects(input);
    expect(fraud!.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/fraud',
      'ResourceQuota/fraud-quota',
      'LimitRange/fraud-defaults',
      'NetworkPolicy/fraud-default-deny-ingress',
      'NetworkPolicy/fraud-allow-inference',
      'NetworkPolicy/fraud-allow-metrics',
      'PeerAuthentication/fraud-mtls',
      'PeerAuthentication/fraud-shard-metrics',
      'EnvoyFilter/fraud-grpc-guard',
      'EnvoyFilter/fraud-grpc-guard-stream',
      'ConfigMap/fraud-fetch-models',
      'ConfigMap/fraud-realtime-gpu-l4-1',
      'Deployment/fraud-realtime-gpu-l4-1',
      'Service/fraud-realtime-gpu-l4-1',
      'ScaledObject/fraud-realtime-gpu-l4-1',
      'ServiceMonitor/fraud-realtime-gpu-l4-1',
      'PodDisruptionBudget/fraud-realtime-gpu-l4-1',
      'DestinationRule/fraud-realtime-gpu-l4-1',
      'AuthorizationPolicy/fraud-realtime-gpu-l4-1',
      'AuthorizationPolicy/fraud-realtime-gpu-l4-1-tenant-guard',
      'VirtualService/embedder',
      'VirtualService/txn-scorer',
    ]);
  });

  it('sets metadata.namespace on every namespaced object and none on the Namespace', () => {
    for (const manifest of renderFleetObjects(input)) {
      for (const o of manifest.objects) {
        if (o.kind === 'Namespace' || o.kind === 'PriorityClass') expect(o.metadata.namespace, o.metadata.name).toBeUndefined();
        else expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(manifest.team);
      }
    }
  });

  it('rejects a shard of an undeclared team', () => {
    expect(() => renderFleet({ ...input, teams: teams.filter((t) => t.name === 'fraud') })).toThrow(
      /search-batch-cpu-std-1 belong to undeclared team\(s\) search/,
    );
  });

  it('matches the golden file', async () => {
    const { files } = renderFleet(input);
    const all = files.map((f) => `# ==> ${f.path} <==\n${f.content}`).join('\n');
    await expect(all).toMatchFileSnapshot('./__golden__/small-fleet.k8s.yaml');
  });
});

describe('strict schema validation', () => {
  it('accepts every object of the small fleet (Kubernetes 1.27 and the Istio CRD)', () => {
    const objects = renderFleetObjects(input).flatMap((m) => m.objects);
    expect(objects.length).toBeGreaterThan(0);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('rejects unknown fields in built-in kinds and in the VirtualService', () => {
    const objects = renderFleetObjects(input).flatMap((m) => m.objects);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const bad = structuredClone(deployment) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    bad.spec.template.spec.containers[0]!.livenesProbe = {};
    expect(validateManifest(bad)).toEqual([
      'Deployment fraud/fraud-realtime-gpu-l4-1: /spec/template/spec/containers/0: must NOT have additional properties (livenesProbe)',
    ]);

    const vs = structuredClone(objects.find((o) => o.kind === 'VirtualService')!) as unknown as { spec: { http: Record<string, unknown>[] } };
    vs.spec.http[0]!.routes = [];
    expect(validateManifest(vs)).toEqual([
      'VirtualService fraud/embedder: /spec/http/0: must NOT have additional properties (routes)',
    ]);
  });

  it('rejects wrong types and unknown kinds', () => {
    expect(validateManifest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'http' }] } })).toEqual([
      'Service s: /spec/ports/0/port: must be integer',
    ]);
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0]).toMatch(/no schema for example.com\/v1 Widget/);
  });
});

describe.runIf(kubectlAvailable())('kubectl kustomize', () => {
  it('renders every object of the fleet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelfleet-kustomize-'));
    try {
      const { files, objectCount } = renderFleet(input);
      for (const f of files) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
      const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null).filter((d) => d !== null);
      expect(docs).toHaveLength(objectCount);
      const rendered = renderFleetObjects(input).flatMap((m) => m.objects.map((o) => `${o.kind}/${o.metadata.name}`));
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(rendered.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

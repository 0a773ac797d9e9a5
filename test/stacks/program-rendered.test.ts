/**
 * The Pulumi program in rendered-output mode (`modelfleet:renderedDir`),
 * under mocks: given the directory `modelfleet synth --stack dev --out`
 * writes, it registers the same typed resources as synthesizing does, and
 * it refuses a tampered directory (an extra ClusterRoleBinding, an object in
 * kube-system, a hostPath volume, a 5 MB ConfigMap, a Secret, a webhook, an
 * unknown field, an alias bomb, a symbolic link out of the directory) with
 * lines naming the file and the object, registering nothing.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { writeOutputAtomically } from '../../cli/write-output.ts';
import { toYamlDocuments, type KubeObject } from '../../constructs/render-fleet.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import type { FleetOutputs } from '../../stacks/fleet-outputs.ts';
import type { RenderedFleetOutputs } from '../../stacks/rendered-fleet-outputs.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';
import { setRecordingMocks, stackFileConfig, type Registration } from './pulumi-mocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLEET = 'test/stacks/fleet/models';

const recorder = await setRecordingMocks('modelfleet', 'dev');
const { default: main } = await import('../../stacks/index.ts');

function setDevConfig(extra: Record<string, string> = {}): void {
  pulumi.runtime.setAllConfig({ ...stackFileConfig(join(ROOT, 'Pulumi.dev.yaml')), 'modelfleet:models': FLEET, ...extra });
}

/** Runs the program, collecting its preview warnings. */
async function run(warnings: string[] = []): Promise<unknown> {
  const warn = vi.spyOn(pulumi.log, 'warn').mockImplementation(async (message: string) => {
    warnings.push(message);
  });
  try {
    return await main();
  } finally {
    warn.mockRestore();
  }
}

/** What a resource is: the parts a preview compares. */
const shape = (r: Registration) => ({ type: r.type, name: r.name, inputs: r.inputs, dependencies: [...r.dependencies].sort(), provider: r.provider });

/** The objects of a manifest file. */
const readObjects = (path: string) => parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as KubeObject);

describe('the program with modelfleet:renderedDir', () => {
  let base: string;
  let artifact: string;
  let synth: SynthResult;
  let synthesized: Registration[];
  let rendered: Registration[];
  let synthOutputs: FleetOutputs;
  let renderedOutputs: RenderedFleetOutputs;
  const synthWarnings: string[] = [];
  const renderedWarnings: string[] = [];

  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(base, { recursive: true, force: true });
  });

  beforeAll(async () => {
    // The pull request's workflow: `npx modelfleet synth --stack dev --out dist`, uploaded as an artifact.
    synth = await synthFleet({ modelsDir: FLEET, stackName: 'dev', cwd: ROOT });
    base = freshFleetDir('rendered');
    artifact = join(base, 'dist');
    writeOutputAtomically(artifact, synth.files);
    process.chdir(join(ROOT, 'stacks'));
    // The normal mode, then the rendered-output mode on the artifact.
    setDevConfig();
    synthOutputs = (await run(synthWarnings)) as FleetOutputs;
    synthesized = [...(await recorder.waitFor(synth.objectCount))];
    setDevConfig({ 'modelfleet:renderedDir': relative(ROOT, artifact) });
    renderedOutputs = (await run(renderedWarnings)) as RenderedFleetOutputs;
    rendered = (await recorder.waitFor(2 * synth.objectCount)).slice(synth.objectCount);
  });

  it('registers the same typed resources as synthesizing does: same type, name, inputs, dependencies and provider', () => {
    expect(rendered).toHaveLength(synthesized.length);
    expect(rendered.map(shape)).toEqual(synthesized.map(shape));
  });

  it('shows the same advisory rule warnings', () => {
    expect(renderedWarnings.length).toBeGreaterThan(0);
    expect(renderedWarnings).toEqual(synthWarnings);
  });

  it('exports the shards and the placement read back from the objects, the same as the plan says, and where they come from', () => {
    expect(renderedOutputs).toEqual({
      renderedFrom: relative(ROOT, artifact),
      teams: ['docai', 'fraud', 'search'],
      platformObjects: true,
      shards: synthOutputs.shards,
      placement: synthOutputs.placement,
    });
  });

  describe('refuses a tampered artifact, naming the file and the object, and registers nothing', () => {
    let n = 0;

    /** Copies the artifact, tampers with the copy, runs the program on it; returns the error text (directory as <dir>). */
    async function refusal(tamper: (dir: string) => void): Promise<string> {
      const dir = join(base, `tampered-${++n}`);
      cpSync(artifact, dir, { recursive: true });
      tamper(dir);
      setDevConfig({ 'modelfleet:renderedDir': relative(ROOT, dir) });
      const before = recorder.registrations.length;
      const failure = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(pulumi.RunError.isInstance(failure), String(failure)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(recorder.registrations.length).toBe(before);
      return (failure as Error).message.replaceAll(relative(ROOT, dir), '<dir>');
    }

    /** Rewrites `manifests/<file>` of `dir` with `change` applied to its objects. */
    const edit = (dir: string, file: string, change: (objects: KubeObject[]) => KubeObject[]) => {
      const path = join(dir, 'manifests', file);
      writeFileSync(path, toYamlDocuments(change(readObjects(path))));
    };
    /** `change` applied to the first Deployment of fraud.yaml. */
    const editDeployment = (dir: string, change: (podSpec: Record<string, unknown>) => void) =>
      edit(dir, 'fraud.yaml', (objects) => {
        const deployment = objects.find((o) => o.kind === 'Deployment')!;
        change((deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec);
        return objects;
      });
    const append = (dir: string, file: string, ...objects: KubeObject[]) => edit(dir, file, (existing) => [...existing, ...objects]);

    it('an extra ClusterRoleBinding', async () => {
      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'fraud-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'fraud' }],
      };
      expect(await refusal((dir) => append(dir, 'fraud.yaml', binding))).toMatchInlineSnapshot(`
        "manifests/fraud.yaml: ["ClusterRoleBinding/fraud-admin"]: kind ClusterRoleBinding (rbac.authorization.k8s.io/v1) is not one the fleet renders (Namespace, PriorityClass, ResourceQuota, LimitRange, NetworkPolicy, ConfigMap, Deployment, Service, HorizontalPodAutoscaler, ScaledObject, ServiceMonitor, PodDisruptionBudget, RequestAuthentication, PeerAuthentication, DestinationRule, AuthorizationPolicy, EnvoyFilter, VirtualService); remove it: the platform applies objects of other kinds outside the fleet
        modelfleet: 1 problem found in the rendered output <dir>; nothing was applied"
      `);
    });

    it('an object in kube-system', async () => {
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: '.:53 { forward . 203.0.113.7 }' } };
      expect(await refusal((dir) => append(dir, 'search.yaml', configMap))).toMatchInlineSnapshot(`
        "manifests/search.yaml: ["ConfigMap/coredns"].metadata.namespace: is "kube-system", not the namespace of a team of the fleet on the default branch (docai, fraud, search); put the object in its team's namespace (a new team is previewed once models/teams.ts declares it on the default branch)
        modelfleet: 1 problem found in the rendered output <dir>; nothing was applied"
      `);
    });

    it('a Deployment with a hostPath volume (rule pod-security-restricted)', async () => {
      const message = await refusal((dir) =>
        editDeployment(dir, (pod) => {
          pod.volumes = [...(pod.volumes as unknown[]), { name: 'host', hostPath: { path: '/' } }];
        }),
      );
      expect(message).toMatchInlineSnapshot(`
        "manifests/fraud.yaml: ["Deployment/fraud-batch-gpu-l4-1"].spec.template.spec.volumes[4].hostPath: volume "host" is a hostPath volume; host paths are not allowed (Pod Security "restricted"): use an emptyDir, a ConfigMap or a PersistentVolumeClaim (rule pod-security-restricted)
        modelfleet: 1 problem found in the rendered output <dir>; nothing was applied"
      `);
    });

    it('a 5 MB ConfigMap', async () => {
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fraud-weights', namespace: 'fraud' }, data: { 'weights.bin': 'x'.repeat(5 * 1024 * 1024) } };
      expect(await refusal((dir) => append(dir, 'fraud.yaml', configMap))).toMatchInlineSnapshot(`
        "manifests/fraud.yaml: ["ConfigMap/fraud-weights"]: is 5,243,000 bytes as JSON, above the limit of 1,572,864 bytes for one object (etcd's default request limit, so the API server could not store it); a rendered object is at most tens of kilobytes
        manifests/fraud.yaml: ["ConfigMap/fraud-weights"].data: holds 5,242,880 bytes, above Kubernetes' limit of 1,048,576 bytes for a ConfigMap's data and binaryData together; a shard's ConfigMap holds models.json and its copies' config.pbtxt, tens of kilobytes
        modelfleet: 2 problems found in the rendered output <dir>; nothing was applied"
      `);
    });

    it('a Secret', async () => {
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'model-store', namespace: 'fraud' }, stringData: { AWS_SECRET_ACCESS_KEY: 'x' } };
      expect(await refusal((dir) => append(dir, 'fraud.yaml', secret))).toContain(
        'manifests/fraud.yaml: ["Secret/model-store"]: kind Secret (v1) is not one the fleet renders (Namespace, PriorityClass,',
      );
    });

    it('a MutatingWebhookConfiguration', async () => {
      const webhook = {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: 'fraud-injector' },
        webhooks: [
          {
            name: 'inject.fraud.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: { url: 'https://203.0.113.7/inject' },
            rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          },
        ],
      };
      const message = await refusal((dir) => append(dir, '_cluster.yaml', webhook));
      expect(message).toContain(
        'manifests/_cluster.yaml: ["MutatingWebhookConfiguration/fraud-injector"]: kind MutatingWebhookConfiguration (admissionregistration.k8s.io/v1) is not one the fleet renders',
      );
      expect(message).toMatch(/\nmodelfleet: 1 problem found in the rendered output <dir>; nothing was applied$/);
    });

    it('an unknown field', async () => {
      const message = await refusal((dir) =>
        editDeployment(dir, (pod) => {
          (pod.containers as Record<string, unknown>[])[0]!.privilegedMode = true;
        }),
      );
      expect(message).toMatchInlineSnapshot(`
        "manifests/fraud.yaml: ["Deployment/fraud-batch-gpu-l4-1"].spec.template.spec.containers[0].privilegedMode: unknown field (strict schema validation against Kubernetes 1.27 and the vendored CRDs, as synth validates every object it writes)
        modelfleet: 1 problem found in the rendered output <dir>; nothing was applied"
      `);
    });

    it('a YAML alias bomb', async () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
        const previous = 'abcdefgh'[i]!;
        levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
      }
      const bomb = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n  namespace: fraud\nlol:\n${levels.map((l) => `  ${l}\n`).join('')}`;
      const message = await refusal((dir) => writeFileSync(join(dir, 'manifests', 'fraud.yaml'), readFileSync(join(dir, 'manifests', 'fraud.yaml'), 'utf8') + bomb));
      expect(message).toMatch(
        /^manifests\/fraud\.yaml: -: document 30 \(line \d+\): uses 72 YAML aliases \(\*name\); synth never writes aliases, and expanding them can exhaust memory \(the "billion laughs" attack\); write every value out\nmodelfleet: 1 problem found/,
      );
    });

    it('a file outside the directory, through a symbolic link', async () => {
      const message = await refusal((dir) => {
        mkdirSync(join(dir, '..', 'elsewhere'), { recursive: true });
        writeFileSync(join(dir, '..', 'elsewhere', 'cluster-admin.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fraud\n');
        symlinkSync('../../elsewhere/cluster-admin.yaml', join(dir, 'manifests', 'zz-extra.yaml'));
      });
      expect(message).toMatchInlineSnapshot(`
        "manifests/zz-extra.yaml: -: is a symbolic link (to "../../elsewhere/cluster-admin.yaml"); the manifests must be regular files, so that nothing outside <dir> is read
        modelfleet: 1 problem found in the rendered output <dir>; nothing was applied"
      `);
    });
  });

  it('reports an empty modelfleet:renderedDir with the fix', async () => {
    setDevConfig({ 'modelfleet:renderedDir': '' });
    const failure = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as Error).message).toBe(
      'Pulumi.dev.yaml: modelfleet:renderedDir: is empty; give the directory `modelfleet synth --out` wrote, e.g. "dist", or remove the key to synthesize the fleet\nmodelfleet: 1 problem found; nothing was applied',
    );
  });

  it('resolves the stack from the config as the normal mode does: invalid stack config fails with its FILE: FIELD: message lines', async () => {
    setDevConfig({ 'modelfleet:renderedDir': relative(ROOT, artifact), 'modelfleet:imagee': 'nvcr.io/nvidia/tritonserver:24.08-py3' });
    const failure = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as Error).message).toBe('Pulumi.dev.yaml: modelfleet:imagee: unknown field "imagee"; did you mean "image"?\nmodelfleet: 1 problem found; nothing was applied');
  });
});

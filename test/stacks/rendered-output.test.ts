/**
 * `readRenderedOutput`: a synth output directory read as untrusted data,
 * without Pulumi. The allow-list is exactly what the fleet renders; a real
 * synth output passes; every kind of tampering is refused with a line
 * naming the file and the object (the program's own tests,
 * `program-rendered.test.ts`, cover the cases of issue 15 under mocks).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { writeOutputAtomically } from '../../cli/write-output.ts';
import { toYamlDocuments, type KubeObject } from '../../constructs/render-fleet.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { fleetOutputs } from '../../stacks/fleet-outputs.ts';
import { KUBE_KINDS } from '../../stacks/kube-kinds.ts';
import { renderedFleetOutputs } from '../../stacks/rendered-fleet-outputs.ts';
import { readRenderedOutput, RENDERED_KINDS, RENDERED_OUTPUT_LIMITS, type RenderedOutputLimits } from '../../stacks/rendered-output.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const readObjects = (path: string) => parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as KubeObject);

let base: string;
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeAll(() => {
  base = freshFleetDir('rendered-output');
});

describe('the allow-list', () => {
  it('is exactly what the example fleet renders under the default, dev and prod stacks, each kind mapped to a typed resource of the same scope', async () => {
    const rendered = new Set<string>();
    for (const stackName of [undefined, 'dev', 'prod']) {
      const synth = await synthFleet({ modelsDir: 'models', ...(stackName ? { stackName } : {}), cwd: ROOT });
      for (const m of synth.manifests) for (const o of m.objects) rendered.add(`${o.apiVersion} ${o.kind} ${o.metadata.namespace === undefined ? 'cluster' : 'namespaced'}`);
      if (stackName !== 'prod') continue;
      // The example fleet's own synth output passes, and the outputs read back from it are the plan's.
      const dir = join(base, 'example-prod');
      writeOutputAtomically(dir, synth.files);
      const output = readRenderedOutput(dir, { stack: synth.planned.stack, teams: synth.planned.fleet.teams });
      expect(output.manifests.map((m) => m.objects.length)).toEqual(synth.manifests.map((m) => m.objects.length));
      const { shards, placement, teams, platformObjects } = fleetOutputs(synth.planned);
      expect(renderedFleetOutputs(output.manifests, 'dist', { teams, platformObjects })).toEqual({ renderedFrom: 'dist', teams, platformObjects, shards, placement });
    }
    expect([...rendered].sort()).toEqual(RENDERED_KINDS.map((k) => `${k.apiVersion} ${k.kind} ${k.namespaced ? 'namespaced' : 'cluster'}`).sort());
    for (const k of RENDERED_KINDS) {
      expect(KUBE_KINDS.find((kk) => kk.apiVersion === k.apiVersion && kk.kind === k.kind)?.namespaced, `${k.apiVersion} ${k.kind}`).toBe(k.namespaced);
    }
  });

  it('has limits that the example fleet stays far below', () => {
    expect(RENDERED_OUTPUT_LIMITS).toEqual({
      maxFiles: 1000,
      maxFileBytes: 64 * 1024 * 1024,
      maxTotalBytes: 256 * 1024 * 1024,
      maxObjects: 50_000,
      maxDepth: 64,
      maxObjectBytes: 1.5 * 1024 * 1024,
      maxConfigMapDataBytes: 1024 * 1024,
    });
  });
});

describe('a tampered synth output', () => {
  let synth: SynthResult;
  let artifact: string;
  let n = 0;

  beforeAll(async () => {
    synth = await synthFleet({ modelsDir: 'test/stacks/fleet/models', stackName: 'dev', cwd: ROOT });
    artifact = join(base, 'dist');
    writeOutputAtomically(artifact, synth.files);
  });

  /** Copies the artifact, tampers with the copy, reads it; returns the problems (directory as <dir>), or 'accepted'. */
  function check(tamper: (dir: string) => void, limits: Partial<RenderedOutputLimits> = {}): string {
    const dir = join(base, `tampered-${++n}`);
    cpSync(artifact, dir, { recursive: true });
    tamper(dir);
    try {
      readRenderedOutput(dir, { stack: synth.planned.stack, teams: synth.planned.fleet.teams, models: synth.planned.fleet.models, shownAs: '<dir>', limits });
      return 'accepted';
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      return error.message;
    }
  }
  const edit = (dir: string, file: string, change: (objects: KubeObject[]) => KubeObject[]) => {
    const path = join(dir, 'manifests', file);
    writeFileSync(path, toYamlDocuments(change(readObjects(path))));
  };
  const append = (dir: string, file: string, ...objects: KubeObject[]) => edit(dir, file, (existing) => [...existing, ...objects]);
  const find = (objects: KubeObject[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!;
  const podSpec = (deployment: KubeObject) => (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  const configMap = (name: string, namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: 'b' } });

  it('is accepted unchanged', () => {
    expect(check(() => {})).toBe('accepted');
  });

  it("refuses a VirtualService that would take another team's requests: its model, every path, gRPC without the model header, another host", () => {
    // search's own route for query-intent, copied and bent.
    const route = (dir: string) => structuredClone(find(readObjects(join(dir, 'manifests', 'search.yaml')), 'VirtualService', 'query-intent'));
    const hijack = (dir: string) => {
      const vs = route(dir);
      (vs as { metadata: unknown }).metadata = { ...vs.metadata, name: 'txn-scorer-copy', labels: { ...(vs.metadata.labels as object), 'modelfleet.io/model': 'txn-scorer' } };
      const http = (vs.spec as { http: { match: { uri: { exact?: string; prefix?: string } }[] }[] }).http;
      for (const r of http) for (const m of r.match) if (m.uri.exact) m.uri.exact = '/v2/models/txn-scorer';
      append(dir, 'search.yaml', vs);
    };
    expect(check(hijack)).toMatch(/^manifests\/search\.yaml: \["VirtualService\/txn-scorer-copy"\]\.metadata\.labels\["modelfleet\.io\/model"\]: routes model txn-scorer, which belongs to team namespace fraud on the default branch; a team routes only its own models$/m);
    const message = check((dir) => {
      const vs = route(dir);
      const spec = vs.spec as { hosts: string[]; http: { match?: unknown[] }[] };
      spec.hosts = ['evil.example.com'];
      spec.http[0]!.match = [{ uri: { prefix: '/' } }];
      spec.http[1]!.match = [{ uri: { prefix: '/inference.GRPCInferenceService/' } }];
      spec.http.push({ ...structuredClone(spec.http[1]!), match: undefined });
      edit(dir, 'search.yaml', (objects) => objects.map((o) => (o.kind === 'VirtualService' && o.metadata.name === 'query-intent' ? vs : o)));
    });
    expect(message).toContain('["VirtualService/query-intent"].spec.hosts: is ["evil.example.com"]; the fleet\'s routes serve only the stack\'s host ["inference.dev.modelfleet.internal"]');
    expect(message).toContain('["VirtualService/query-intent"].spec.http[0].match[0]: matches "/", which is not a path of model query-intent; a route of model query-intent must match only its own requests');
    expect(message).toContain('["VirtualService/query-intent"].spec.http[1].match[0]: matches gRPC calls without requiring the x-model header to be exactly "query-intent"');
    expect(message).toContain('["VirtualService/query-intent"].spec.http[2].match: is missing, so the route takes every request on the gateway\'s host');
  });

  it('accepts routes for a model the default branch does not know yet (new in the pull request), once', () => {
    const add = (dir: string, namespace: string, file: string) => {
      const vs = structuredClone(find(readObjects(join(dir, 'manifests', 'search.yaml')), 'VirtualService', 'query-intent'));
      (vs as { metadata: unknown }).metadata = { ...vs.metadata, name: 'brand-new', namespace, labels: { ...(vs.metadata.labels as object), 'modelfleet.io/model': 'brand-new' } };
      const http = (vs.spec as { http: { match: { uri: { exact?: string; prefix?: string } }[]; route?: { destination: { host: string } }[] }[] }).http;
      for (const r of http) {
        for (const m of r.match) {
          if (m.uri.exact) m.uri.exact = '/v2/models/brand-new';
          if (m.uri.prefix?.startsWith('/v2/models/')) m.uri.prefix = '/v2/models/brand-new/';
        }
        for (const d of r.route ?? []) d.destination.host = d.destination.host.replace('.search.svc', `.${namespace}.svc`);
      }
      const grpc = http.flatMap((r) => r.match).find((m) => m.uri.prefix === '/inference.GRPCInferenceService/') as unknown as { headers: Record<string, { exact: string }> } | undefined;
      if (grpc) grpc.headers['x-model'] = { exact: 'brand-new' };
      append(dir, file, vs);
    };
    expect(check((dir) => add(dir, 'search', 'search.yaml'))).toBe('accepted');
    expect(check((dir) => (add(dir, 'search', 'search.yaml'), add(dir, 'fraud', 'fraud.yaml')))).toMatch(/\["VirtualService\/brand-new"\]\.metadata\.labels\["modelfleet\.io\/model"\]: routes model brand-new, which namespace fraud routes too; a model belongs to one team/);
  });

  it('may change a Namespace only in its budget annotation (the team budget a pull request may change)', () => {
    const budget = (value: string) => (dir: string) =>
      edit(dir, 'fraud.yaml', (objects) => {
        const ns = find(objects, 'Namespace');
        (ns.metadata as Record<string, unknown>).annotations = { 'modelfleet.io/budget-monthly-usd': value };
        return objects;
      });
    expect(check(budget('1000000'))).toBe('accepted');
    // The budget rule then judges the budget the artifact declares.
    expect(check(budget('100'))).toMatch(/^manifests\/fraud\.yaml: \["Namespace\/fraud"\]\.metadata\.annotations\["modelfleet\.io\/budget-monthly-usd"\]: team fraud plans \$1,427 a month .*\(rule team-budget\)$/);
  });

  it('refuses a Namespace whose labels differ from what the trusted fleet renders, and a Namespace of a team the default branch does not declare', () => {
    const message = check((dir) => {
      edit(dir, 'fraud.yaml', (objects) => {
        const labels = find(objects, 'Namespace').metadata.labels as Record<string, string>;
        labels['pod-security.kubernetes.io/enforce'] = 'privileged';
        labels['payments.example.com/trusted'] = 'true';
        return objects;
      });
      writeFileSync(join(dir, 'manifests', 'payments.yaml'), toYamlDocuments([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } }, configMap('settings', 'payments')]));
    });
    expect(message).toMatchInlineSnapshot(`
      "manifests/fraud.yaml: ["Namespace/fraud"].metadata.labels["payments.example.com/trusted"]: is "true", where the fleet on the default branch renders no such field; a Namespace's labels and annotations act beyond the team (Pod Security admission, namespace selectors), so only its budget annotation may differ: change the team or the stack on the default branch
      manifests/fraud.yaml: ["Namespace/fraud"].metadata.labels["pod-security.kubernetes.io/enforce"]: is "privileged", where the fleet on the default branch renders "restricted"; a Namespace's labels and annotations act beyond the team (Pod Security admission, namespace selectors), so only its budget annotation may differ: change the team or the stack on the default branch
      manifests/payments.yaml: ["Namespace/payments"]: is not the namespace of a team of the fleet on the default branch (docai, fraud, search); a new team is previewed once models/teams.ts declares it on the default branch
      manifests/payments.yaml: ["ConfigMap/settings"].metadata.namespace: is "payments", not the namespace of a team of the fleet on the default branch (docai, fraud, search); put the object in its team's namespace (a new team is previewed once models/teams.ts declares it on the default branch)"
    `);
  });

  it('refuses a changed tier PriorityClass and any other PriorityClass', () => {
    const message = check((dir) =>
      edit(dir, '_cluster.yaml', (objects) => {
        Object.assign(objects[0]!, { globalDefault: true, value: 1_000_000_000 });
        return [...objects, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'above-everyone' }, value: 999_999_999 } as KubeObject];
      }),
    );
    expect(message).toMatchInlineSnapshot(`
      "manifests/_cluster.yaml: ["PriorityClass/modelfleet-realtime"].globalDefault: is true, where the stack renders false (modelfleet:tiers.realtime.priorityClass); a PriorityClass acts on the whole cluster, so only the stack's own is applied: change the stack on the default branch
      manifests/_cluster.yaml: ["PriorityClass/modelfleet-realtime"].value: is 1000000000, where the stack renders 100000 (modelfleet:tiers.realtime.priorityClass); a PriorityClass acts on the whole cluster, so only the stack's own is applied: change the stack on the default branch
      manifests/_cluster.yaml: ["PriorityClass/above-everyone"]: is not one of the stack's tier PriorityClasses (modelfleet-realtime, modelfleet-interactive, modelfleet-batch); the only cluster-scoped objects the fleet renders are its teams' Namespaces and these PriorityClasses, so remove it"
    `);
  });

  it("refuses pods at another PriorityClass than their tier's", () => {
    const message = check((dir) =>
      edit(dir, 'fraud.yaml', (objects) => {
        podSpec(find(objects, 'Deployment')).priorityClassName = 'system-node-critical';
        return objects;
      }),
    );
    expect(message).toMatchInlineSnapshot(`"manifests/fraud.yaml: ["Deployment/fraud-batch-gpu-l4-1"].spec.template.spec.priorityClassName: is "system-node-critical", not one of the stack's tier PriorityClasses (modelfleet-realtime, modelfleet-interactive, modelfleet-batch); a shard runs at its tier's priority"`);
  });

  it('refuses an object twice, a status, a missing or misplaced namespace, an apiVersion the fleet does not render, a document that is no object', () => {
    const message = check((dir) => {
      edit(dir, 'search.yaml', (objects) => {
        const deployment = find(objects, 'Deployment');
        return [...objects, deployment, { ...find(objects, 'Service'), status: { loadBalancer: {} } }];
      });
      append(
        dir,
        'docai.yaml',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' }, data: {} },
        { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'old', namespace: 'docai' } },
      );
      edit(dir, '_cluster.yaml', (objects) => {
        (objects[1]!.metadata as Record<string, unknown>).namespace = 'fraud';
        return objects;
      });
      writeFileSync(join(dir, 'manifests', 'docai.yaml'), `${readFileSync(join(dir, 'manifests', 'docai.yaml'), 'utf8')}---\nhello\n`);
    });
    expect(message).toMatchInlineSnapshot(`
      "manifests/_cluster.yaml: ["PriorityClass/modelfleet-interactive"].metadata.namespace: is set on a cluster-scoped PriorityClass; remove it
      manifests/docai.yaml: ["ConfigMap/nowhere"].metadata.namespace: is missing, not the namespace of a team of the fleet on the default branch (docai, fraud, search); put the object in its team's namespace (a new team is previewed once models/teams.ts declares it on the default branch)
      manifests/docai.yaml: ["HorizontalPodAutoscaler/old"]: apiVersion autoscaling/v1 is not one the fleet renders a HorizontalPodAutoscaler with (it renders autoscaling/v2); render it as synth does
      manifests/docai.yaml: ["(string)"]: is not a Kubernetes object with apiVersion, kind and metadata.name; synth writes only such objects
      manifests/search.yaml: ["Deployment/search-interactive-cpu-std-1"]: appears twice in namespace search (also in manifests/search.yaml); Kubernetes would keep only one
      manifests/search.yaml: ["Service/search-interactive-cpu-std-1"].status: is set; the cluster writes an object's status, synth never renders one, so remove it
      manifests/search.yaml: ["Service/search-interactive-cpu-std-1"]: appears twice in namespace search (also in manifests/search.yaml); Kubernetes would keep only one"
    `);
  });

  it('refuses the objects of a namespace whose Namespace is not rendered', () => {
    const message = check((dir) => edit(dir, 'docai.yaml', (objects) => objects.filter((o) => o.kind !== 'Namespace')));
    expect(message).toMatchInlineSnapshot(`"manifests/docai.yaml: ["ResourceQuota/docai-quota"].metadata.namespace: Namespace/docai is not among the rendered objects; synth renders a team's Namespace with its objects"`);
  });

  it('refuses entries of manifests/ that synth does not write, and reads nothing through a symbolic link', () => {
    const message = check((dir) => {
      writeFileSync(join(dir, 'manifests', 'notes.txt'), 'hi');
      writeFileSync(join(dir, 'manifests', 'extra.yml'), 'apiVersion: v1\n');
      mkdirSync(join(dir, 'manifests', 'nested.yaml'));
      symlinkSync('/etc/hostname', join(dir, 'manifests', 'host.yaml'));
    });
    expect(message).toMatchInlineSnapshot(`
      "manifests/extra.yml: -: is not a manifest synth writes (manifests/_cluster.yaml and manifests/<team>.yaml); remove it
      manifests/host.yaml: -: is a symbolic link (to "/etc/hostname"); the manifests must be regular files, so that nothing outside <dir> is read
      manifests/nested.yaml: -: is not a regular file; synth writes only regular files into manifests/
      manifests/notes.txt: -: is not a manifest synth writes (manifests/_cluster.yaml and manifests/<team>.yaml); remove it"
    `);
    const linked = check((dir) => {
      cpSync(join(dir, 'manifests'), join(dir, 'real'), { recursive: true });
      rmSync(join(dir, 'manifests'), { recursive: true });
      symlinkSync('real', join(dir, 'manifests'));
    });
    expect(linked).toMatchInlineSnapshot(`"manifests: -: is a symbolic link; synth writes a plain folder of manifests, and nothing outside <dir> is read"`);
  });

  it('refuses YAML that synth does not write: duplicate keys, tags, text that is not UTF-8', () => {
    const message = check((dir) => {
      writeFileSync(join(dir, 'manifests', 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nkind: Secret\n');
      writeFileSync(join(dir, 'manifests', 'b.yaml'), 'apiVersion: v1\nkind: !secret ConfigMap\n');
      writeFileSync(join(dir, 'manifests', 'c.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    });
    expect(message).toMatchInlineSnapshot(`
      "manifests/a.yaml: -: document 1 (line 1): Map keys must be unique at line 3, column 1; synth writes plain YAML 1.2 (no tags, no duplicate keys)
      manifests/b.yaml: -: document 1 (line 1): Unresolved tag: !secret at line 2, column 7; synth writes plain YAML 1.2 (no tags, no duplicate keys)
      manifests/c.yaml: -: is not UTF-8 text; synth writes UTF-8 YAML"
    `);
  });

  it('refuses what exceeds a limit: files, bytes per file and in total, objects, depth', () => {
    expect(check(() => {}, { maxFiles: 3 })).toMatchInlineSnapshot(`"manifests: -: holds 4 entries, above the limit of 3 (synth writes one file per team and _cluster.yaml); nothing was read"`);
    expect(check(() => {}, { maxFileBytes: 20_000 })).toMatchInlineSnapshot(`
      "manifests/fraud.yaml: -: is 58,428 bytes, above the limit of 20,000 bytes per manifest file; nothing in it was read
      manifests/search.yaml: -: is 39,575 bytes, above the limit of 20,000 bytes per manifest file; nothing in it was read"
    `);
    expect(check(() => {}, { maxTotalBytes: 60_000 })).toMatchInlineSnapshot(`"manifests/fraud.yaml: -: brings the manifests to 62,843 bytes, above the limit of 60,000 bytes for all files together; it and the files after it were not read"`);
    expect(check(() => {}, { maxObjects: 30 })).toMatchInlineSnapshot(`"manifests/fraud.yaml: -: document 20 (line 1038): brings the objects to more than 30, the limit across all files; it and the files after it were not read"`);
    // 70 levels, and 20,000: deep enough to overflow the stack if yaml composed it.
    const deep = `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`;
    const deeper = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const message = check((dir) => {
      writeFileSync(join(dir, 'manifests', 'deep.yaml'), `---\n${deep}\n`);
      writeFileSync(join(dir, 'manifests', 'deeper.yaml'), `${readFileSync(join(dir, 'manifests', 'search.yaml'), 'utf8')}---\n${deeper}\n`);
    });
    expect(message).toMatchInlineSnapshot(`
      "manifests/deep.yaml: -: the document at line 1 is nested more than 64 levels deep (rendered objects nest about 10); nothing in the file was read
      manifests/deeper.yaml: -: the document at line 1057 is nested more than 64 levels deep (rendered objects nest about 10); nothing in the file was read"
    `);
  });

  it('refuses a directory that is missing, has no manifests/ or holds no objects', () => {
    expect(check((dir) => rmSync(dir, { recursive: true }))).toMatchInlineSnapshot(`"<dir>: -: not found; give modelfleet:renderedDir the directory \`modelfleet synth --out\` wrote"`);
    expect(check((dir) => rmSync(join(dir, 'manifests'), { recursive: true }))).toMatchInlineSnapshot(`"manifests: -: not found in <dir>; give modelfleet:renderedDir the directory \`modelfleet synth --out\` wrote"`);
    expect(
      check((dir) => {
        for (const f of ['_cluster', 'docai', 'fraud', 'search']) unlinkSync(join(dir, 'manifests', `${f}.yaml`));
        writeFileSync(join(dir, 'manifests', 'empty.yaml'), '# nothing\n---\n');
      }),
    ).toMatchInlineSnapshot(`"manifests: -: holds no objects; synth always renders the tiers' PriorityClasses and a Namespace per team, so <dir> is not a synth output"`);
  });
});

describe("the ingress gateway's authentication in a synth output (a stack with modelfleet:auth)", () => {
  let synth: SynthResult;
  let artifact: string;
  let n = 0;

  beforeAll(async () => {
    const values = {
      routing: { gateway: 'istio-ingress/inference-gateway' },
      auth: { jwt: [{ issuer: 'https://login.modelfleet.internal/', jwksUri: 'https://login.modelfleet.internal/.well-known/jwks.json', tenantClaim: 'tenant' }] },
    };
    synth = await synthFleet({ modelsDir: 'test/stacks/fleet/models', stackConfig: { name: 'auth', source: 'Pulumi.auth.yaml', values }, cwd: ROOT });
    artifact = join(base, 'dist-auth');
    writeOutputAtomically(artifact, synth.files);
  });

  function check(tamper: (dir: string) => void): string {
    const dir = join(base, `auth-tampered-${++n}`);
    cpSync(artifact, dir, { recursive: true });
    tamper(dir);
    try {
      readRenderedOutput(dir, { stack: synth.planned.stack, teams: synth.planned.fleet.teams, models: synth.planned.fleet.models, shownAs: '<dir>' });
      return 'accepted';
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      return error.message;
    }
  }
  const cluster = (dir: string, change: (objects: KubeObject[]) => KubeObject[]) => {
    const path = join(dir, 'manifests', '_cluster.yaml');
    writeFileSync(path, toYamlDocuments(change(readObjects(path))));
  };

  it("is accepted unchanged, with the gateway's objects in the gateway's namespace", () => {
    const gateway = readObjects(join(artifact, 'manifests', '_cluster.yaml')).filter((o) => o.metadata.namespace !== undefined);
    expect(gateway.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'RequestAuthentication istio-ingress/inference-gateway-jwt',
      'AuthorizationPolicy istio-ingress/inference-gateway-require-jwt',
    ]);
    expect(check(() => {})).toBe('accepted');
  });

  it('refuses a changed issuer, a loosened token check, a left-out check and another policy in the gateway namespace', () => {
    const message = check((dir) =>
      cluster(dir, (objects) =>
        objects
          .map((o) => {
            if (o.kind === 'RequestAuthentication') {
              const copy = structuredClone(o) as KubeObject & { spec: { jwtRules: { issuer: string; jwksUri: string }[] } };
              copy.spec.jwtRules[0]!.issuer = 'https://attacker.example.com/';
              copy.spec.jwtRules[0]!.jwksUri = 'https://attacker.example.com/jwks.json';
              return copy;
            }
            return o;
          })
          .filter((o) => o.kind !== 'AuthorizationPolicy')
          .concat([
            {
              apiVersion: 'security.istio.io/v1',
              kind: 'AuthorizationPolicy',
              metadata: { name: 'allow-all', namespace: 'istio-ingress' },
              spec: { action: 'ALLOW', rules: [{}] },
            },
          ]),
      ),
    );
    expect(message).toContain(
      'manifests/_cluster.yaml: ["RequestAuthentication/inference-gateway-jwt"].spec.jwtRules[0].issuer: is "https://attacker.example.com/", where the stack renders "https://login.modelfleet.internal/" (modelfleet:auth); the ingress gateway\'s authentication acts for every tenant, so only the stack\'s own is applied: change the stack on the default branch',
    );
    expect(message).toContain('["RequestAuthentication/inference-gateway-jwt"].spec.jwtRules[0].jwksUri: is "https://attacker.example.com/jwks.json"');
    expect(message).toContain('manifests/_cluster.yaml: ["AuthorizationPolicy/istio-ingress/inference-gateway-require-jwt"]: is missing; the stack on the default branch renders it (modelfleet:auth)');
    expect(message).toMatch(/\["AuthorizationPolicy\/allow-all"\]\.metadata\.namespace: is "istio-ingress", not the namespace of a team of the fleet/);
  });

  it("refuses tenant routes that no longer require the token's tenant claim", () => {
    const message = check((dir) => {
      const path = join(dir, 'manifests', 'fraud.yaml');
      const objects = readObjects(path).map((o) => {
        if (o.kind !== 'VirtualService' || o.metadata.name !== 'txn-scorer') return o;
        const vs = structuredClone(o) as KubeObject & { spec: { http: { name: string; match: { headers?: Record<string, unknown> }[] }[] } };
        const acme = vs.spec.http.find((r) => r.name === 'acme')!;
        delete acme.match[0]!.headers!['@request.auth.claims.tenant'];
        acme.match[1]!.headers!['@request.auth.claims.tenant'] = { exact: 'globex' };
        vs.spec.http.find((r) => r.name === 'globex/grpc')!.match[0]!.headers!['x-tenant'] = { prefix: 'glob' };
        return vs;
      });
      writeFileSync(path, toYamlDocuments(objects));
    });
    expect(message).toContain(
      'manifests/fraud.yaml: ["VirtualService/txn-scorer"].spec.http[0].match[0].headers: routes tenant "acme" without "@request.auth.claims.tenant"; with modelfleet:auth a route to a tenant\'s copy is taken only for a token whose "tenant" claim is that tenant',
    );
    expect(message).toContain('["VirtualService/txn-scorer"].spec.http[0].match[1].headers: routes tenant "acme" with "@request.auth.claims.tenant" {"exact":"globex"}');
    expect(message).toMatch(/\["VirtualService\/txn-scorer"\]\.spec\.http\[3\]\.match\[0\]\.headers: matches the x-tenant header by prefix; a route to a copy names its tenant exactly/);
  });
});

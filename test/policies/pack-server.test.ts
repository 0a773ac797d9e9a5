/**
 * The policy pack as Pulumi runs it: `@pulumi/pulumi/cmd/run-policy-pack`
 * started in `policies/pack/` (what the CLI's language host does for an
 * analyzer plugin, minus the CLI), then spoken to over the Analyzer gRPC
 * protocol the engine uses: `GetAnalyzerInfo`, `Analyze` per resource and
 * `AnalyzeStack` with synthesized objects. The pack runs in its own process,
 * so this test never loads `index.ts` (which starts the server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_RULES, type KubeObject } from '../../policies/rules/index.ts';
import { copyOf, objectsOf, synthOnce, typeTokenOf, urnOf } from './policy-harness.ts';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const services = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
const messages = require('@pulumi/pulumi/proto/analyzer_pb');
const { Struct } = require('google-protobuf/google/protobuf/struct_pb');
const { Empty } = require('google-protobuf/google/protobuf/empty_pb');

const ROOT = resolve(import.meta.dirname, '../..');
const PACK = join(ROOT, 'policies/pack');

let pack: ChildProcess;
let client: any;
let stderr = '';

/** Starts run-policy-pack in the pack directory and resolves with the port it prints. */
function startPack(): Promise<number> {
  const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack', { paths: [PACK] });
  // As the language host: engine address first (unused here), the pack directory last, cwd the pack.
  pack = spawn(process.execPath, [runner, '127.0.0.1:1', PACK], { cwd: PACK, env: { ...process.env, PULUMI_CONFIG: '', NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  pack.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePort, reject) => {
    let out = '';
    pack.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n') && /^\d+$/.test(line.trim())) resolvePort(Number(line));
    });
    pack.on('exit', (code) => reject(new Error(`the policy pack exited with ${code} before serving:\n${stderr}`)));
  });
}

const call = <T>(method: string, request: unknown): Promise<T> =>
  new Promise((ok, fail) => client[method](request, (error: Error | null, response: T) => (error ? fail(error) : ok(response))));

const options = () => new messages.AnalyzerResourceOptions();

function analyzeRequest(object: KubeObject) {
  const request = new messages.AnalyzeRequest();
  request.setType(typeTokenOf(object));
  request.setUrn(urnOf(object));
  request.setName(urnOf(object).split('::').at(-1));
  request.setProperties(Struct.fromJavaScript(object));
  request.setOptions(options());
  return request;
}

function stackRequest(objects: readonly KubeObject[]) {
  const request = new messages.AnalyzeStackRequest();
  request.setResourcesList(
    objects.map((object) => {
      const r = new messages.AnalyzerResource();
      r.setType(typeTokenOf(object));
      r.setUrn(urnOf(object));
      r.setName(urnOf(object).split('::').at(-1));
      r.setProperties(Struct.fromJavaScript(object));
      r.setOptions(options());
      return r;
    }),
  );
  return request;
}

const diagnostics = (response: any) =>
  response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), urn: d.getUrn(), message: d.getMessage(), level: d.getEnforcementlevel() }));

describe('the policy pack under Pulumi\'s runner', () => {
  beforeAll(async () => {
    const port = await startPack();
    client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }, 60_000);
  afterAll(() => {
    client?.close();
    if (pack && pack.exitCode === null) pack.kill();
  });

  it('serves every platform rule as a policy of the modelfleet pack', async () => {
    const info: any = await call('getAnalyzerInfo', new Empty());
    expect(info.getName()).toBe('modelfleet');
    expect(info.getVersion()).toBe('0.1.0');
    expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(PLATFORM_RULES.map((r) => r.id));
  });

  it('passes the synthesized objects, one by one and as a stack', async () => {
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models'));
    for (const object of objects) expect(diagnostics(await call('analyze', analyzeRequest(object)))).toEqual([]);
    expect(diagnostics(await call('analyzeStack', stackRequest(objects)))).toEqual([]);
  });

  it('reports violations of resource and stack policies', async () => {
    const objects = objectsOf(await synthOnce('test/stacks/fleet/models'));
    const shard = copyOf(objects, 'Deployment', 'fraud-realtime-gpu-l4-1');
    shard.spec.template.spec.containers[0].securityContext.privileged = true;
    expect(diagnostics(await call('analyze', analyzeRequest(shard as KubeObject)))).toEqual([
      {
        policy: 'pod-security-restricted',
        urn: '',
        message: expect.stringContaining('spec.template.spec.containers[0].securityContext.privileged: container "triton" is privileged (Pod Security "restricted"); remove securityContext.privileged'),
        level: messages.EnforcementLevel.MANDATORY,
      },
    ]);
    const overQuota = objects.map((o) => (o.kind === 'ResourceQuota' && o.metadata?.name === 'fraud-quota' ? { ...o, spec: { hard: { 'requests.nvidia.com/gpu': 10 } } } : o));
    const quota = overQuota.find((o) => o.metadata?.name === 'fraud-quota')!;
    expect(diagnostics(await call('analyzeStack', stackRequest(overQuota)))).toEqual([
      {
        policy: 'team-quota',
        urn: urnOf(quota),
        message: expect.stringContaining(
          'ResourceQuota/fraud-quota spec.hard["requests.nvidia.com/gpu"]: team fraud requests 12 GPUs at max replicas, quota is 10 GPUs (merchant-risk, txn-scorer@acme, txn-scorer@globex)',
        ),
        level: messages.EnforcementLevel.MANDATORY,
      },
    ]);
  });
});

/**
 * `modelfleet explain`: what it says about a copy is what the plan and the
 * rendered objects do. The ready `curl` and `grpcurl` lines are parsed back
 * and routed by the independent Istio evaluator (`test/support/mesh/`), and
 * the gRPC message is run through the shard's rendered gRPC guard; shares
 * are checked against the plan; placement reasons against real lockfile
 * histories; unknown names fail with exit 1 and the closest names.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { synthFleet, type SynthResult } from '../../constructs/synth-fleet.ts';
import { explainCopies, type CopyExplanation, type ExplainContext, type RenderedManifest } from '../../core/plan/explain-copy.ts';
import { formatExplanation } from '../../core/plan/format-explanation.ts';
import { closestNames } from '../../core/util/closest-names.ts';
import { freshFleetDir } from '../support/fleet-dir.ts';
import { encode, frame, loadGuard } from '../support/grpc-guard-vm.ts';
import { createIssuer, TEST_NOW } from '../support/jwt-issuer.ts';
import { authenticate, grpcRequest, type HttpRequest, type RequestAuthentication } from '../support/mesh/index.ts';
import { fleetView, requestIdInBucket, routeOnce, type FleetView } from '../support/routing-proof.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SMALL = resolve(ROOT, 'test/golden/small/models');

function contextOf(result: SynthResult, modelsDir = 'models'): ExplainContext {
  const { lockfile } = result;
  return {
    fleet: result.planned.fleet,
    plan: result.planned.plan,
    stack: result.planned.stack,
    manifests: result.manifests as readonly RenderedManifest[],
    rules: result.rules,
    lockfile: { shownAs: lockfile.shownAs, ...(lockfile.previous ? { previous: lockfile.previous.lock } : {}), upToDate: lockfile.previous?.text === lockfile.text },
    modelsDir,
  };
}

function explain(context: ExplainContext, model: string, tenant?: string): CopyExplanation[] {
  const result = explainCopies({ model, ...(tenant !== undefined ? { tenant } : {}) }, context);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return [...result.explanation.copies];
}

async function runCli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** `curl -sS https://host/path -H 'k: v' …` → the request it sends. */
function requestOfCurl(line: string): HttpRequest {
  const url = /^curl -sS https:\/\/([^/\s]+)(\/\S*)/.exec(line);
  if (!url) throw new Error(`not a curl line: ${line}`);
  const headers = Object.fromEntries([...line.matchAll(/-H '([^:']+): ([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  return { authority: url[1]!, method: line.includes(' -d ') ? 'POST' : 'GET', path: url[2]!, headers };
}

/** `grpcurl … -H 'k: v' -d '{json}' host:443 service/Method` → its metadata, message and target. */
function callOfGrpcurl(line: string) {
  const m = /^grpcurl -proto grpc_service\.proto (.*) -d '(\{.*\})' ([^\s:]+):443 ([\w.]+)\/(\w+)$/.exec(line);
  if (!m) throw new Error(`not a grpcurl line: ${line}`);
  const headers = Object.fromEntries([...m[1]!.matchAll(/-H '([^:']+): ([^']*)'/g)].map((h) => [h[1]!, h[2]!]));
  return { headers, message: JSON.parse(m[2]!) as { model_name: string }, authority: m[3]!, service: m[4]!, method: m[5]! };
}

describe('explain on the example fleet', () => {
  let result: SynthResult;
  let context: ExplainContext;
  let view: FleetView;
  beforeAll(async () => {
    result = await synthFleet({ modelsDir: 'models', cwd: ROOT });
    context = contextOf(result);
    view = fleetView(result);
  });

  // A model with 96 tenants, a canaried untenanted model, a CPU model and a batch model.
  const MODELS = ['txn-scorer', 'ato-detector', 'merchant-risk', 'doc-summarizer'];

  it.each(MODELS)('%s: every copy is where the plan puts it, with its share of that shard', (model) => {
    const copies = explain(context, model);
    const planned = result.planned.plan.shards.flatMap((s) => s.copies.filter((c) => c.model === model).map((c) => ({ c, s })));
    expect(copies.map((e) => e.id)).toEqual(planned.map((p) => p.c.id).sort());
    for (const e of copies) {
      const { c, s } = planned.find((p) => p.c.id === e.id)!;
      expect(e.shard).toMatchObject({ name: s.name, namespace: s.namespace, pool: s.pool, copies: s.copies.length, replicas: { min: s.minReplicas, max: s.maxReplicas } });
      for (const key of ['memory', 'gpuMemory', 'cpu'] as const) {
        expect(e.share[key]).toMatchObject({ copy: c.resources[key], shardUsed: s.used[key], shardCapacity: s.capacity[key] });
        if (s.used[key] > 0) expect(e.share[key].percentOfUsed).toBeCloseTo((100 * c.resources[key]) / s.used[key], 1);
      }
      expect(e.why.pools.filter((p) => p.verdict === 'chosen').map((p) => p.pool)).toEqual([s.pool]);
      expect(e.why.group).toMatchObject({ team: s.team, tier: s.tier, pool: s.pool });
      // The committed lockfile is current, so every copy is where it keeps it.
      expect(e.why.placement).toMatchObject({ source: 'lockfile', previousShard: s.name });
      expect(e.objects).toEqual(expect.arrayContaining([`Deployment/${s.name}`, `Service/${s.name}`, `AuthorizationPolicy/${s.name}`, `Namespace/${s.namespace}`]));
    }
  });

  it.each(MODELS)('%s: the curl line reaches the copy on the named shard, rewritten as explained', (model) => {
    for (const e of explain(context, model)) {
      const problems: string[] = [];
      const request = requestOfCurl(e.route.curl);
      const stable = routeOnce(view, { ...request, headers: { ...request.headers, 'x-request-id': requestIdInBucket(4095) } }, problems);
      expect(problems).toEqual([]);
      expect(stable.kind).toBe('route');
      if (stable.kind !== 'route') continue;
      expect(`${stable.destinations[0]!.fqdn}:${stable.destinations[0]!.port}`).toBe(`${e.shard.name}.${e.shard.namespace}.svc.cluster.local:8000`);
      expect(e.route.rest.destination).toBe(`${e.shard.name}.${e.shard.namespace}.svc.cluster.local:8000`);
      expect(stable.rewrittenPath).toBe(e.route.rest.upstreamPath);
      expect(stable.rewrittenPath.startsWith(`/v2/models/${e.tritonName}/`)).toBe(true);
      if (e.route.rest.canary) {
        const canary = routeOnce(view, { ...request, headers: { ...request.headers, 'x-request-id': requestIdInBucket(0) } }, problems);
        expect(canary.kind === 'route' && canary.rewrittenPath).toBe(e.route.rest.canary.upstreamPath);
      }
    }
  });

  it.each(MODELS)('%s: the grpcurl line reaches the named shard and passes its gRPC guard; another tenant\'s name does not', (model) => {
    const copies = explain(context, model);
    for (const e of copies) {
      const call = callOfGrpcurl(e.route.grpcurl);
      const problems: string[] = [];
      const routed = routeOnce(view, grpcRequest({ authority: call.authority, service: call.service, method: call.method, headers: call.headers }), problems);
      expect(problems).toEqual([]);
      expect(routed.kind === 'route' && `${routed.destinations[0]!.fqdn}:${routed.destinations[0]!.port}`).toBe(`${e.shard.name}.${e.shard.namespace}.svc.cluster.local:8001`);
      // Explain names one gRPC guard: the team's EnvoyFilter that selects the shard's pods (by their grpc-stream label).
      const named = e.rules.isolation.filter((ref) => ref.startsWith('EnvoyFilter/'));
      const shardTenanted = view.shards.find((s) => s.name === e.shard.name)!.copies.some((c) => c.tenant !== undefined);
      expect(named).toEqual([`EnvoyFilter/${e.team}-grpc-guard${shardTenanted ? '' : '-stream'}`]);
      const filter = view.objects.find((o) => o.kind === 'EnvoyFilter' && o.metadata?.namespace === e.shard.namespace && `EnvoyFilter/${o.metadata?.name}` === named[0]) as unknown as {
        spec: { workloadSelector: { labels: Record<string, string> }; configPatches: { patch: { value: { typed_config: { default_source_code: { inline_string: string } } } } }[] };
      };
      const deployment = view.objects.find((o) => o.kind === 'Deployment' && o.metadata?.namespace === e.shard.namespace && o.metadata?.name === e.shard.name) as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
      expect(deployment.spec.template.metadata.labels).toMatchObject(filter.spec.workloadSelector.labels);
      const guard = loadGuard(filter.spec.configPatches[0]!.patch.value.typed_config.default_source_code.inline_string);
      const headers = { ':path': `/${call.service}/${call.method}`, 'content-type': 'application/grpc', ...call.headers };
      expect(guard(headers, frame(encode('ModelInferRequest', call.message)))).toEqual({ action: 'pass' });
      const other = copies.find((o) => o.tenant !== e.tenant);
      if (other && e.tenant !== null) expect(guard(headers, frame(encode('ModelInferRequest', { model_name: other.tritonName })))).toMatchObject({ action: 'respond' });
    }
  });

  it('states the tier rules and every platform rule with its result', () => {
    const [e] = explain(context, 'txn-scorer', 'acme-bank');
    expect(e!.rules.tier).toMatchObject({ tier: 'realtime', p99LatencyMs: 10, maxBatchSize: 8, priorityClass: { name: 'modelfleet-realtime' } });
    expect(e!.rules.platform.map((p) => p.id)).toEqual(result.rules.map((r) => r.id));
    expect(e!.rules.platform.every((p) => p.result === 'pass')).toBe(true);
    expect(e!.rules.isolation).toEqual(
      expect.arrayContaining([`AuthorizationPolicy/${e!.shard.name}`, `AuthorizationPolicy/${e!.shard.name}-tenant-guard`, 'EnvoyFilter/fraud-grpc-guard', 'NetworkPolicy/fraud-default-deny-ingress']),
    );
    // Only the guard that selects the shard's pods: txn-scorer is tenanted, so not the one that lets streams through.
    expect(e!.rules.isolation).not.toContain('EnvoyFilter/fraud-grpc-guard-stream');
    expect(e!.objects).not.toContain('EnvoyFilter/fraud-grpc-guard-stream');
  });

  it('names the closest models and tenants for unknown names', () => {
    const unknownModel = explainCopies({ model: 'txn-scorr' }, context);
    expect(unknownModel.ok).toBe(false);
    expect(!unknownModel.ok && unknownModel.issues[0]).toMatchObject({ file: 'models', message: expect.stringMatching(/^no model named "txn-scorr" in the fleet; closest: txn-scorer, /) });
    const unknownTenant = explainCopies({ model: 'txn-scorer', tenant: 'acme' }, context);
    expect(!unknownTenant.ok && unknownTenant.issues[0]).toMatchObject({
      file: 'models/fraud/txn-scorer.ts',
      path: ['tenants'],
      message: expect.stringMatching(/^txn-scorer has no tenant "acme"; closest: acme-bank, .* \(96 tenants\)$/),
    });
    const untenanted = explainCopies({ model: 'ato-detector', tenant: 'acme-bank' }, context);
    expect(!untenanted.ok && untenanted.issues[0]!.message).toBe('ato-detector has no tenants (one shared copy); drop --tenant acme-bank');
  });
});

describe('explain on a stack with modelfleet:auth', () => {
  it("puts the tenant's token in the curl and grpcurl lines; with a real token the curl line passes the gateway and reaches the copy", async () => {
    const prod = await synthFleet({ modelsDir: 'models', cwd: ROOT, stackName: 'prod' });
    const view = fleetView(prod);
    const rule = prod.planned.stack.auth!.jwt[0]!;
    const issuer = createIssuer({ issuer: rule.issuer });
    const gateway = { namespace: prod.planned.stack.isolation.ingressNamespace, labels: prod.planned.stack.isolation.ingressSelector };
    const gatewayAuthn = view.objects.filter((o) => o.kind === 'RequestAuthentication') as RequestAuthentication[];
    for (const e of explain(contextOf(prod), 'txn-scorer').slice(0, 3)) {
      expect(e.route.curl).toContain('-H "authorization: Bearer $TOKEN"');
      expect(e.route.grpcurl).toContain('-H "authorization: Bearer $TOKEN"');
      const token = issuer.sign({ iss: rule.issuer, sub: 'client', aud: rule.audiences[0], tenant: e.tenant }, { now: TEST_NOW, expiresIn: 3600 });
      const line = e.route.curl.replace('$TOKEN', token);
      const request = requestOfCurl(line);
      const authorization = /-H "authorization: ([^"]+)"/.exec(line)![1]!;
      const a = authenticate(gatewayAuthn, gateway, { path: request.path, headers: { ...request.headers, authorization } }, { jwks: { [rule.jwksUri]: issuer.jwks }, now: TEST_NOW + 60 });
      expect(a.kind).toBe('authenticated');
      if (a.kind !== 'authenticated') continue;
      const problems: string[] = [];
      const routed = routeOnce(view, { ...request, headers: { ...a.headers, 'x-request-id': requestIdInBucket(4095) }, authClaims: a.claims }, problems);
      expect(problems).toEqual([]);
      expect(routed.kind === 'route' && `${routed.destinations[0]!.fqdn}:${routed.destinations[0]!.port}`).toBe(e.route.rest.destination);
    }
  });
});

describe('explain on the command line', () => {
  it('prints one block per copy, and the same data as JSON with --json', async () => {
    const text = await runCli(['explain', 'fraud-scorer', '--models', SMALL, '--lockfile', join(SMALL, '..', 'no-such.lock.json')]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n\n')).toHaveLength(3 + 1); // three tenants, then the note that the lockfile would change
    expect(text.stdout).toMatch(/^fraud-scorer for tenant acme \(payments\/fraud-scorer@acme, Triton model fraud-scorer\.acme\)\n {2}declared {2}.*test\/golden\/small\/models\/payments\/fraud-scorer\.ts: onnx, tier realtime, GPU model, peak 200 requests\/s\n {2}shard {5}payments-realtime-gpu-l4-\d+ in namespace payments/);
    for (const heading of ['replicas', 'at peak', 'share', 'cost', 'why', 'route', 'curl', 'grpcurl', 'tier', 'isolation', 'platform']) expect(text.stdout).toContain(`\n  ${heading.padEnd(10)}`);
    expect(text.stdout).toContain('placement by the packer: there is no');
    expect(text.stdout).toMatch(/note: .*no-such\.lock\.json is not up to date/);

    const json = await runCli(['explain', 'fraud-scorer', '--tenant', 'globex', '--json', '--models', SMALL, '--lockfile', join(SMALL, '..', 'no-such.lock.json')]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.copies).toHaveLength(1);
    expect(parsed.copies[0]).toMatchObject({ id: 'payments/fraud-scorer@globex', tenant: 'globex', route: { rest: { headers: { 'x-tenant': 'globex' } } } });
    expect(formatExplanation(parsed)).toBe(text.stdout.split('\n\n')[1] + '\n\n' + text.stdout.split('\n\n')[3]);
  });

  it("gives each copy's monthly cost: its share of the shard's, as plan.json has it, the shares adding up to the shard", async () => {
    const result = await synthFleet({ modelsDir: SMALL, lockfile: join(SMALL, '..', 'no-such.lock.json') });
    const plan = JSON.parse(result.files.find((f) => f.path === 'plan.json')!.content) as { shards: { name: string; cost: { monthlyUsd: { planned: number } }; models: { model: string; tenant: string | null; monthlyUsd: { planned: number } }[] }[] };
    const json = await runCli(['explain', 'fraud-scorer', '--json', '--models', SMALL, '--lockfile', join(SMALL, '..', 'no-such.lock.json')]);
    const copies = (JSON.parse(json.stdout) as { copies: CopyExplanation[] }).copies;
    for (const c of copies) {
      const shard = plan.shards.find((s) => s.name === c.shard.name)!;
      expect(c.cost.shardMonthlyUsd.planned).toBe(shard.cost.monthlyUsd.planned);
      expect(c.cost.monthlyUsd.planned).toBe(shard.models.find((m) => m.model === c.model && m.tenant === c.tenant)!.monthlyUsd.planned);
      const cents = shard.models.reduce((n, m) => n + Math.round(m.monthlyUsd.planned * 100), 0);
      expect(cents).toBe(Math.round(shard.cost.monthlyUsd.planned * 100));
    }
    // acme declares 10Gi of GPU memory, globex and initech 6Gi: acme's share is the largest.
    const by = (t: string) => copies.find((c) => c.tenant === t)!.cost.monthlyUsd.planned;
    if (copies.every((c) => c.shard.name === copies[0]!.shard.name)) expect(by('acme')).toBeGreaterThan(by('globex'));
  });

  it('exits 1 with the closest names for an unknown model or tenant, and 2 without a model', async () => {
    const model = await runCli(['explain', 'fraud-scorr', '--models', SMALL]);
    expect(model.code).toBe(1);
    expect(model.stdout).toBe('');
    expect(model.stderr).toMatch(/: -: no model named "fraud-scorr" in the fleet; closest: fraud-scorer, /);
    const tenant = await runCli(['explain', 'fraud-scorer', '--tenant', 'initec', '--models', SMALL]);
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toContain('payments/fraud-scorer.ts: tenants: fraud-scorer has no tenant "initec"; closest: initech, acme, globex (3 tenants)');
    expect((await runCli(['explain'])).code).toBe(2);
  });
});

describe('explain says where a placement came from', () => {
  let dir: string;
  const lockfile = () => join(dir, 'placement.lock.json');
  const synth = () => synthFleet({ modelsDir: join(dir, 'models'), cwd: dir });
  beforeAll(() => {
    dir = freshFleetDir('explain');
    cpSync(SMALL, join(dir, 'models'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the packer without a lockfile, the lockfile once committed, the packer again for a new copy or a changed tier', async () => {
    const first = await synth();
    expect(explain(contextOf(first), 'fraud-scorer').map((e) => e.why.placement.source)).toEqual(['packer', 'packer', 'packer']);
    writeFileSync(lockfile(), first.lockfile.text);

    const locked = await synth();
    const kept = explain(contextOf(locked), 'fraud-scorer');
    expect(kept.map((e) => e.why.placement)).toEqual(kept.map((e) => ({ source: 'lockfile', previousShard: e.shard.name, reason: expect.stringContaining('placement.lock.json keeps it in') })));

    // A new tenant, and the batch model moved to the interactive tier.
    const scorer = join(dir, 'models/payments/fraud-scorer.ts');
    writeFileSync(scorer, readFileSync(scorer, 'utf8').replace('initech: {} }', 'initech: {}, hooli: {} }'));
    const risk = join(dir, 'models/payments/chargeback-risk.ts');
    writeFileSync(risk, readFileSync(risk, 'utf8').replace('p99LatencyMs: 2000', "tier: 'interactive'"));
    const changed = contextOf(await synth());
    expect(changed.lockfile.upToDate).toBe(false);
    const [hooli] = explain(changed, 'fraud-scorer', 'hooli');
    expect(hooli!.why.placement).toMatchObject({ source: 'packer', previousShard: null, reason: expect.stringMatching(/^new copy: placement\.lock\.json does not list it, so the packer put it into /) });
    expect(explain(changed, 'fraud-scorer', 'acme')[0]!.why.placement.source).toBe('lockfile');
    const [moved] = explain(changed, 'chargeback-risk');
    expect(moved!.why.placement).toMatchObject({ source: 'packer', previousShard: 'payments-batch-cpu-std-1', reason: expect.stringContaining('its tier changed from batch to interactive') });
  });

  it('a rule violated on the copy\'s objects is listed with its FILE: FIELD: message line', async () => {
    // Pulumi.dev.yaml runs realtime shards with one replica; realtime-min-replicas is advisory there.
    const dev = await synthFleet({ modelsDir: join(dir, 'models'), cwd: ROOT, stackName: 'dev', lockfile: join(dir, 'dev.lock.json') });
    const [e] = explain(contextOf(dev), 'fraud-scorer', 'acme');
    const rule = e!.rules.platform.find((p) => p.id === 'realtime-min-replicas')!;
    expect(rule).toMatchObject({ level: 'advisory', result: 'violated' });
    expect(rule.violations.length).toBeGreaterThan(0);
    for (const line of rule.violations) expect(line).toMatch(new RegExp(`^manifests/payments\\.yaml: \\["\\w+/${e!.shard.name}"\\]`));
    // The CPU model's shard is not realtime: the same rule passes there.
    expect(explain(contextOf(dev), 'chargeback-risk')[0]!.rules.platform.find((p) => p.id === 'realtime-min-replicas')!.result).toBe('pass');
  });
});

describe('closestNames', () => {
  it('puts names containing the query first, then by edit distance, then by name', () => {
    expect(closestNames('acme', ['globex', 'acme-bank', 'acme-pay', 'acne'])).toEqual(['acme-pay', 'acme-bank', 'acne', 'globex']);
    expect(closestNames('x', ['b', 'a', 'c'], 2)).toEqual(['a', 'b']);
    expect(closestNames('q', [])).toEqual([]);
  });
});

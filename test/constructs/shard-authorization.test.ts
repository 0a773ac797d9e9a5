import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  copyHttpPaths,
  DEFAULT_MAX_POLICY_BYTES,
  ingressPrincipal,
  MAX_VALUES_PER_RULE,
  policyPartName,
  ShardAuthorization,
  shardAllowRules,
  shardGuardRules,
  splitRules,
  TRITON_GRPC_CONTROL_METHODS,
  TRITON_GRPC_DATA_METHODS,
} from '../../constructs/shard-authorization.ts';
import { TritonShard } from '../../constructs/triton-shard.ts';
import { planFleet } from '../../core/plan/plan-fleet.ts';
import type { ModelCopy, Shard } from '../../core/plan/shard-plan.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { resolvePlatformStack } from '../../policies/default-stack.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { defaultStack, gpuShard, cpuShard, teams } from './small-fleet.ts';

const stack = defaultStack();
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const GRPC = '/inference.GRPCInferenceService/';

/** Team fraud of the small fleet, with callers. */
const fraud: TeamSpec = {
  ...teams[0]!,
  callers: { namespaces: ['payments'], principals: ['cluster.local/ns/checkout/sa/checkout-api'], trusted: [] },
};
/** Team fraud without callers. */
const fraudAlone: TeamSpec = { ...teams[0]!, callers: { namespaces: [], principals: [], trusted: [] } };

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(shard: Shard = gpuShard, team: TeamSpec = fraud, extra: { maxRulesPerPolicy?: number; maxBytesPerPolicy?: number } = {}, withStack: StackConfig = stack) {
  const chart = Testing.chart();
  const authz = new ShardAuthorization(chart, `${shard.name}-authz`, { shard, stack: withStack, team, ...extra });
  return { authz, objects: Testing.synth(chart) as any[] };
}

/** A shard of `models` models with `tenants` tenants each (tenant `undefined`: untenanted), like the packer's. */
function bigShard(models: number, tenants: readonly (string | undefined)[]): Shard {
  const base = gpuShard.copies.find((c) => c.tenant === 'acme')!;
  const copies: ModelCopy[] = [];
  for (let m = 0; m < models; m++) {
    for (const tenant of tenants) {
      const model = `model-${String(m).padStart(4, '0')}`;
      const tritonName = tenant === undefined ? model : `${model}.${tenant}`;
      copies.push({ ...base, model, tenant, tritonName, id: tenant === undefined ? `fraud/${model}` : `fraud/${model}@${tenant}` });
    }
  }
  return { ...gpuShard, copies: copies.sort((a, b) => (a.id < b.id ? -1 : 1)) };
}

const tenantNames = (n: number) => Array.from({ length: n }, (_, i) => `tenant-${String(i).padStart(4, '0')}`);

describe('ShardAuthorization', () => {
  it('renders an ALLOW policy named like the shard and a DENY guard, selecting exactly the Deployment\'s pods', () => {
    const { objects } = synth();
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${o.spec.action}`)).toEqual([
      'security.istio.io/v1 AuthorizationPolicy fraud/fraud-realtime-gpu-l4-1 ALLOW',
      'security.istio.io/v1 AuthorizationPolicy fraud/fraud-realtime-gpu-l4-1-tenant-guard DENY',
    ]);
    const chart = Testing.chart();
    const shard = new TritonShard(chart, gpuShard.name, { shard: gpuShard, stack });
    const deployment = Testing.synth(chart).find((o: any) => o.kind === 'Deployment') as any;
    expect(shard.deployment).toBeDefined();
    for (const o of objects) {
      expect(o.spec.selector).toEqual(deployment.spec.selector);
      expect(o.metadata.labels).toEqual(deployment.metadata.labels);
    }
    expect(validateManifests(objects)).toEqual([]);
  });

  it('admits the gateway and the callers to each copy, with the copy\'s tenant header', () => {
    const [allow] = synth().objects;
    const from = [{ source: { principals: [GATEWAY, 'cluster.local/ns/checkout/sa/checkout-api'] } }, { source: { namespaces: ['payments'] } }];
    const grpcPaths = TRITON_GRPC_DATA_METHODS.map((m) => `${GRPC}${m}`);
    expect(allow.spec.rules).toEqual([
      { from, to: [{ operation: { ports: ['8000'], paths: ['/v2/models/embedder', '/v2/models/embedder/*'] } }] },
      {
        from,
        to: [{ operation: { ports: ['8000'], paths: ['/v2/models/txn-scorer.acme', '/v2/models/txn-scorer.acme/*'] } }],
        when: [{ key: 'request.headers[x-tenant]', values: ['acme'] }],
      },
      {
        from,
        to: [{ operation: { ports: ['8000'], paths: ['/v2/models/txn-scorer.globex', '/v2/models/txn-scorer.globex/*'] } }],
        when: [{ key: 'request.headers[x-tenant]', values: ['globex'] }],
      },
      { from, to: [{ operation: { ports: ['8001'], paths: grpcPaths } }], when: [{ key: 'request.headers[x-model]', values: ['embedder'] }] },
      {
        from,
        to: [{ operation: { ports: ['8001'], paths: grpcPaths } }],
        when: [
          { key: 'request.headers[x-model]', values: ['txn-scorer'] },
          { key: 'request.headers[x-tenant]', values: ['acme', 'globex'] },
        ],
      },
      { to: [{ operation: { ports: ['8000'], methods: ['GET'], paths: ['/v2/health/live', '/v2/health/ready'] } }] },
      { to: [{ operation: { ports: ['8002'], methods: ['GET'], paths: ['/metrics'] } }] },
    ]);
  });

  it('admits only the gateway when the team declares no callers', () => {
    const [allow] = synth(gpuShard, fraudAlone).objects;
    const sources = new Set(allow.spec.rules.filter((r: any) => r.from).map((r: any) => JSON.stringify(r.from)));
    expect([...sources]).toEqual([JSON.stringify([{ source: { principals: [GATEWAY] } }])]);
  });

  it('derives the gateway principal from the stack\'s isolation settings', () => {
    const custom = { ...stack, isolation: { ...stack.isolation, trustDomain: 'prod.example.com', ingressNamespace: 'gateways', ingressServiceAccount: 'inference-gw' } };
    expect(ingressPrincipal(custom)).toBe('prod.example.com/ns/gateways/sa/inference-gw');
    expect(shardAllowRules(gpuShard, custom, fraudAlone)[0]!.from).toEqual([{ source: { principals: ['prod.example.com/ns/gateways/sa/inference-gw'] } }]);
  });

  it('uses the stack\'s tenant and model headers', () => {
    const custom = { ...stack, routing: { ...stack.routing, tenantHeader: 'x-org', modelHeader: 'x-model-name' } };
    const keys = [...shardAllowRules(gpuShard, custom, fraud), ...shardGuardRules(gpuShard, custom, fraud)].flatMap((r) => (r.when ?? []).map((c) => c.key));
    expect(new Set(keys)).toEqual(new Set(['request.headers[x-org]', 'request.headers[x-model-name]']));
  });

  it('never admits Triton\'s server-wide control APIs, and denies them to everyone', () => {
    const [allow, guard] = synth().objects;
    const allowed = allow.spec.rules.flatMap((r: any) => r.to[0].operation.paths);
    for (const method of TRITON_GRPC_CONTROL_METHODS) expect(allowed).not.toContain(`${GRPC}${method}`);
    expect(allowed.filter((p: string) => p.includes('*') && !p.endsWith('/*'))).toEqual([]);
    expect(allowed.some((p: string) => p.startsWith('/v2/repository') || p === `${GRPC}*`)).toBe(false);
    const control = guard.spec.rules.at(-1);
    expect(control.from).toBeUndefined();
    expect(control.when).toBeUndefined();
    expect(control.to[0].operation.paths).toEqual(expect.arrayContaining(['/v2/repository/*', `${GRPC}RepositoryModelLoad`, `${GRPC}SystemSharedMemoryRegister`]));
  });

  it('guards every tenanted copy against another tenant\'s header and a missing one, for every source', () => {
    const [, guard] = synth().objects;
    expect(guard.spec.rules.slice(0, 5)).toEqual([
      { to: [{ operation: { paths: ['/v2/models/txn-scorer.acme', '/v2/models/txn-scorer.acme/*'] } }], when: [{ key: 'request.headers[x-tenant]', notValues: ['acme'] }] },
      { to: [{ operation: { paths: ['/v2/models/txn-scorer.globex', '/v2/models/txn-scorer.globex/*'] } }], when: [{ key: 'request.headers[x-tenant]', notValues: ['globex'] }] },
      { to: [{ operation: { paths: ['/v2/models/txn-scorer.*'] } }], when: [{ key: 'request.headers[x-tenant]', notValues: ['*'] }] },
      {
        to: [{ operation: { paths: [`${GRPC}*`] } }],
        when: [
          { key: 'request.headers[x-model]', values: ['txn-scorer'] },
          { key: 'request.headers[x-tenant]', notValues: ['acme', 'globex'] },
        ],
      },
      {
        to: [{ operation: { paths: [`${GRPC}*`] } }],
        when: [
          { key: 'request.headers[x-model]', values: ['txn-scorer'] },
          { key: 'request.headers[x-tenant]', notValues: ['*'] },
        ],
      },
    ]);
    expect(guard.spec.rules.every((r: any) => r.from === undefined)).toBe(true);
  });

  it('renders only the control-API guard for a shard without tenanted copies', () => {
    const search = { ...teams[1]!, callers: { namespaces: [], principals: [], trusted: [] } };
    const [, guard] = synth(cpuShard, search).objects;
    expect(guard.spec.rules).toHaveLength(1);
    expect(guard.spec.rules[0].when).toBeUndefined();
  });

  it('refuses a shard of another team, naming the construct path', () => {
    const search = { ...teams[1]!, callers: { namespaces: [], principals: [], trusted: [] } };
    expect(() => synth(gpuShard, search)).toThrow(/^\[test\/fraud-realtime-gpu-l4-1-authz\] shard fraud-realtime-gpu-l4-1 belongs to team fraud \(namespace fraud\), not search/);
  });

  it('does not depend on the order of the shard\'s copies', () => {
    const reversed = { ...gpuShard, copies: [...gpuShard.copies].reverse() };
    expect(synth(reversed).objects).toEqual(synth().objects);
  });
});

describe('ShardAuthorization on the example fleet', async () => {
  const { plan, fleet } = await planFleet({ modelsDir: 'models', stack });
  const teamOf = new Map(fleet.teams.map((t) => [t.name, t]));

  it('renders valid policies for every shard that cover every copy, and the guard every tenanted copy', () => {
    let tenanted = 0;
    for (const shard of plan.shards) {
      const team = teamOf.get(shard.team)!;
      const { objects } = synth(shard, team);
      expect(validateManifests(objects)).toEqual([]);
      const allow = objects.filter((o) => o.spec.action === 'ALLOW').flatMap((o) => o.spec.rules);
      const deny = objects.filter((o) => o.spec.action === 'DENY').flatMap((o) => o.spec.rules);
      for (const copy of shard.copies) {
        // Exactly one ALLOW rule lists the copy's paths, and it requires the copy's tenant.
        const admitting = allow.filter((r: any) => copyHttpPaths(copy.tritonName).every((p) => r.to[0].operation.paths.includes(p)));
        expect(admitting, copy.id).toHaveLength(1);
        expect(admitting[0].when ?? [], copy.id).toEqual(copy.tenant === undefined ? [] : [{ key: 'request.headers[x-tenant]', values: [copy.tenant] }]);
        if (copy.tenant === undefined) continue;
        tenanted++;
        const guarding = deny.filter((r: any) => copyHttpPaths(copy.tritonName).every((p) => r.to[0].operation.paths.includes(p)));
        expect(guarding.map((r: any) => r.when), copy.id).toEqual([[{ key: 'request.headers[x-tenant]', notValues: [copy.tenant] }]]);
        expect(deny.some((r: any) => r.to[0].operation.paths.includes(`/v2/models/${copy.model}.*`) && r.when[0].notValues[0] === '*'), copy.id).toBe(true);
        expect(
          deny.some((r: any) => r.when?.[0].values?.includes(copy.model) && r.when[1].notValues.includes(copy.tenant)),
          copy.id,
        ).toBe(true);
      }
    }
    expect(tenanted).toBeGreaterThan(100);
  });

  it('is deterministic: rendering twice gives the same objects', () => {
    const render = () => plan.shards.map((s) => synth(s, teamOf.get(s.team)!).objects);
    expect(render()).toEqual(render());
  });
});

describe('ShardAuthorization on large shards', () => {
  it('names further parts so that they never equal a shard name (shard names end in -<digits>)', () => {
    expect(policyPartName('fraud-realtime-gpu-l4-1', 0)).toBe('fraud-realtime-gpu-l4-1');
    expect(policyPartName('fraud-realtime-gpu-l4-1', 1)).toBe('fraud-realtime-gpu-l4-1-part2');
    expect(policyPartName('fraud-realtime-gpu-l4-1', 1)).not.toMatch(/-\d+$/);
  });

  it('splits a 1000-copy shard into policies within the rule and size limits, losing no rule, with and without modelfleet:auth', () => {
    const authStack = resolvePlatformStack('auth', { auth: { jwt: { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', tenantClaim: 'https://example.com/tenant' } } });
    for (const [shard, stack] of [bigShard(1, tenantNames(1000)), bigShard(10, tenantNames(100)), bigShard(1000, [undefined])].flatMap((s) => [[s, defaultStack()], [s, authStack]] as const)) {
      const { objects } = synth(shard, fraud, {}, stack);
      expect(validateManifests(objects)).toEqual([]);
      const allow = objects.filter((o) => o.spec.action === 'ALLOW');
      const guard = objects.filter((o) => o.spec.action === 'DENY');
      expect(allow.map((o) => o.metadata.name)).toEqual(allow.map((_, i) => (i === 0 ? shard.name : `${shard.name}-part${i + 1}`)));
      expect(guard.map((o) => o.metadata.name)).toEqual(guard.map((_, i) => (i === 0 ? `${shard.name}-tenant-guard` : `${shard.name}-tenant-guard-part${i + 1}`)));
      for (const o of objects) {
        expect(o.spec.rules.length).toBeLessThanOrEqual(256);
        expect(JSON.stringify(o.spec.rules).length).toBeLessThanOrEqual(DEFAULT_MAX_POLICY_BYTES + 256);
        expect(JSON.stringify(o).length).toBeLessThan(256 * 1024);
      }
      expect(allow.flatMap((o) => o.spec.rules)).toEqual(shardAllowRules(shard, stack, fraud));
      expect(guard.flatMap((o) => o.spec.rules)).toEqual(shardGuardRules(shard, stack, fraud));
      for (const r of [...shardAllowRules(shard, stack, fraud), ...shardGuardRules(shard, stack, fraud)]) {
        expect(r.to?.[0]?.operation?.paths?.length ?? 0).toBeLessThanOrEqual(MAX_VALUES_PER_RULE);
        for (const c of r.when ?? []) expect((c.values ?? []).length).toBeLessThanOrEqual(MAX_VALUES_PER_RULE);
      }
    }
  });

  it('keeps rules in tenant, then Triton-name order', () => {
    const shard = bigShard(3, ['globex', 'acme', 'initech']);
    const tenants = shardAllowRules(shard, stack, fraud)
      .filter((r) => r.to![0]!.operation!.ports![0] === '8000' && r.when)
      .map((r) => [r.when![0]!.values![0], r.to![0]!.operation!.paths!.filter((_, i) => i % 2 === 0)]);
    expect(tenants).toEqual([
      ['acme', ['/v2/models/model-0000.acme', '/v2/models/model-0001.acme', '/v2/models/model-0002.acme']],
      ['globex', ['/v2/models/model-0000.globex', '/v2/models/model-0001.globex', '/v2/models/model-0002.globex']],
      ['initech', ['/v2/models/model-0000.initech', '/v2/models/model-0001.initech', '/v2/models/model-0002.initech']],
    ]);
  });

  it('honours smaller limits and rejects nonsense ones', () => {
    const { objects } = synth(gpuShard, fraud, { maxRulesPerPolicy: 2 });
    expect(objects.map((o) => [o.metadata.name, o.spec.rules.length])).toEqual([
      ['fraud-realtime-gpu-l4-1', 2],
      ['fraud-realtime-gpu-l4-1-part2', 2],
      ['fraud-realtime-gpu-l4-1-part3', 2],
      ['fraud-realtime-gpu-l4-1-part4', 1],
      ['fraud-realtime-gpu-l4-1-tenant-guard', 2],
      ['fraud-realtime-gpu-l4-1-tenant-guard-part2', 2],
      ['fraud-realtime-gpu-l4-1-tenant-guard-part3', 2],
    ]);
    expect(splitRules([{}, {}, {}], { maxRules: 10, maxBytes: 4 })).toEqual([[{}, {}], [{}]]);
    expect(splitRules([], { maxRules: 10, maxBytes: 4 })).toEqual([]);
    expect(() => synth(gpuShard, fraud, { maxRulesPerPolicy: 0 })).toThrow(/maxRulesPerPolicy must be a positive integer, got 0/);
  });
});

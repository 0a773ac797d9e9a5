import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { EnvoyFilter } from '../../constructs/envoy-filter.ts';
import { GRPC_GUARD_LUA_TEMPLATE, grpcGuardLua, LUA_FILTER_TYPE_URL, ShardGrpcGuard } from '../../constructs/shard-grpc-guard.ts';
import { shardLabels, shardSelectorLabels } from '../../core/plan/shard-labels.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { cpuShard, defaultStack, gpuShard } from './small-fleet.ts';

const stack = defaultStack();

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(shard: Shard = gpuShard, s: StackConfig = stack) {
  const chart = Testing.chart();
  const guard = new ShardGrpcGuard(chart, `${shard.name}-grpc-guard`, { shard, stack: s });
  return { guard, objects: Testing.synth(chart) as any[] };
}

describe('ShardGrpcGuard', () => {
  it('renders one EnvoyFilter <shard>-grpc-guard with the shard labels, selecting the shard pods', () => {
    const { guard, objects } = synth();
    expect(objects).toHaveLength(1);
    const [filter] = objects;
    expect(filter.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(filter.kind).toBe('EnvoyFilter');
    expect(guard.envoyFilter).toBeInstanceOf(EnvoyFilter);
    expect(filter.metadata).toEqual({ name: 'fraud-realtime-gpu-l4-1-grpc-guard', namespace: 'fraud', labels: { ...shardLabels(gpuShard) } });
    expect(filter.spec.workloadSelector).toEqual({ labels: { ...shardSelectorLabels(gpuShard) } });
  });

  it('inserts the Lua filter before the router of the inbound HTTP connection manager of port 8001', () => {
    const [filter] = synth().objects;
    expect(filter.spec.configPatches).toHaveLength(1);
    const [patch] = filter.spec.configPatches;
    expect(patch.applyTo).toBe('HTTP_FILTER');
    expect(patch.match).toEqual({
      context: 'SIDECAR_INBOUND',
      listener: {
        portNumber: 8001,
        filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } },
      },
    });
    expect(patch.patch.operation).toBe('INSERT_BEFORE');
    expect(patch.patch.value.typed_config['@type']).toBe(LUA_FILTER_TYPE_URL);
    expect(LUA_FILTER_TYPE_URL).toBe('type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua');
  });

  it("inlines the guard's Lua with the stack's headers; streaming only where no copy is tenanted", () => {
    const source = (shard: Shard, s: StackConfig = stack) => synth(shard, s).objects[0].spec.configPatches[0].patch.value.typed_config.default_source_code.inline_string as string;
    expect(gpuShard.copies.some((c) => c.tenant)).toBe(true);
    // gpuShard holds tenanted txn-scorer copies and the untenanted embedder.
    expect(source(gpuShard)).toBe(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false, untenantedModels: ['embedder'] }));
    expect(source(gpuShard)).toContain('local UNTENANTED = { ["embedder"] = true }\n');
    expect(source(gpuShard).endsWith(GRPC_GUARD_LUA_TEMPLATE)).toBe(true);
    const untenanted: Shard = { ...cpuShard, copies: cpuShard.copies.filter((c) => c.tenant === undefined) };
    expect(untenanted.copies.length).toBeGreaterThan(0);
    expect(source(untenanted)).toContain('local STREAM_ALLOWED = true\n');
    const custom: StackConfig = { ...stack, routing: { ...stack.routing, tenantHeader: 'x-org', modelHeader: 'x-triton-model' } };
    expect(source(gpuShard, custom).split('\n').slice(0, 2)).toEqual(['local TENANT_HEADER = "x-org"', 'local MODEL_HEADER = "x-triton-model"']);
  });

  it('passes strict validation against the vendored EnvoyFilter CRD schema', () => {
    expect(validateManifests([...synth().objects, ...synth(cpuShard).objects])).toEqual([]);
  });

  it('fails validation for a spec the CRD rejects', () => {
    const [filter] = synth().objects;
    const bad = { ...filter, spec: { ...filter.spec, configPatches: [{ ...filter.spec.configPatches[0], applyTo: 'HTTP_FILTERS' }] } };
    expect(validateManifests([bad]).join('\n')).toMatch(/applyTo/);
    const typo = { ...filter, spec: { ...filter.spec, workloadSelectors: filter.spec.workloadSelector } };
    expect(validateManifests([typo]).join('\n')).toMatch(/workloadSelectors/);
  });

  it('matches the snapshot', () => {
    expect(synth().objects).toMatchSnapshot();
  });
});

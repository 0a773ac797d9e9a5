import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { EnvoyFilter } from '../../constructs/envoy-filter.ts';
import { GRPC_GUARD_LUA_TEMPLATE, grpcGuardLua, LUA_FILTER_TYPE_URL, TeamGrpcGuard, teamGrpcGuardName } from '../../constructs/team-grpc-guard.ts';
import { TritonShard } from '../../constructs/triton-shard.ts';
import { GRPC_STREAM_LABEL, shardPodLabels, shardSelectorLabels } from '../../core/plan/shard-labels.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import type { StackConfig } from '../../core/stack/stack-config.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { cpuShard, defaultStack, gpuShard, teams } from './small-fleet.ts';

const stack = defaultStack();
const [fraud, search] = teams as [TeamSpec, TeamSpec];

/* eslint-disable @typescript-eslint/no-explicit-any */
function synth(team: TeamSpec = fraud, shards: readonly Shard[] = [gpuShard], s: StackConfig = stack) {
  const chart = Testing.chart();
  const guard = new TeamGrpcGuard(chart, 'GrpcGuard', { team, stack: s, shards });
  return { guard, objects: Testing.synth(chart) as any[] };
}
const source = (filter: any) => filter.spec.configPatches[0].patch.value.typed_config.default_source_code.inline_string as string;
/** Whether a workloadSelector's labels are all carried by `labels`. */
const selects = (filter: any, labels: Readonly<Record<string, string>>) => Object.entries(filter.spec.workloadSelector.labels as Record<string, string>).every(([k, v]) => labels[k] === v);

describe('TeamGrpcGuard', () => {
  it('renders <team>-grpc-guard and <team>-grpc-guard-stream in the team namespace, labelled like its other objects', () => {
    const { guard, objects } = synth();
    expect(objects).toHaveLength(2);
    for (const filter of objects) {
      expect(filter.apiVersion).toBe('networking.istio.io/v1alpha3');
      expect(filter.kind).toBe('EnvoyFilter');
    }
    expect(objects.map((o) => o.metadata)).toEqual([
      { name: 'fraud-grpc-guard', namespace: 'fraud', labels: { 'app.kubernetes.io/managed-by': 'modelfleet', 'modelfleet.io/team': 'fraud' } },
      { name: 'fraud-grpc-guard-stream', namespace: 'fraud', labels: { 'app.kubernetes.io/managed-by': 'modelfleet', 'modelfleet.io/team': 'fraud' } },
    ]);
    expect(guard.envoyFilters.refused).toBeInstanceOf(EnvoyFilter);
    expect(guard.envoyFilters.allowed).toBeInstanceOf(EnvoyFilter);
    expect([teamGrpcGuardName(fraud, 'refused'), teamGrpcGuardName(fraud, 'allowed')]).toEqual(['fraud-grpc-guard', 'fraud-grpc-guard-stream']);
    // The longest team name (24 characters) still gives DNS labels.
    expect(teamGrpcGuardName({ name: 'a'.repeat(24) }, 'allowed')).toMatch(/^[a-z0-9-]{1,63}$/);
  });

  it('selects shard pods by the grpc-stream pod label: refused for the guard, allowed for the stream guard', () => {
    const [refused, allowed] = synth().objects;
    expect(refused.spec.workloadSelector).toEqual({ labels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/managed-by': 'modelfleet', [GRPC_STREAM_LABEL]: 'refused' } });
    expect(allowed.spec.workloadSelector).toEqual({ labels: { 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/managed-by': 'modelfleet', [GRPC_STREAM_LABEL]: 'allowed' } });
  });

  it("selects each shard's pods by exactly one filter, as its Deployment labels them, never by the selector", () => {
    const untenanted: Shard = { ...cpuShard, copies: cpuShard.copies.filter((c) => c.tenant === undefined) };
    const tenantedCpu: Shard = { ...cpuShard, copies: [...cpuShard.copies, { ...gpuShard.copies.find((c) => c.tenant)!, team: 'search' }] };
    for (const [team, shard, expected] of [
      [fraud, gpuShard, 'fraud-grpc-guard'],
      [search, untenanted, 'search-grpc-guard-stream'],
      [search, tenantedCpu, 'search-grpc-guard'],
    ] as const) {
      const chart = Testing.chart();
      new TritonShard(chart, shard.name, { shard, stack });
      const deployment = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Deployment');
      expect(deployment.spec.template.metadata.labels).toEqual({ ...shardPodLabels(shard) });
      expect(deployment.spec.selector.matchLabels).toEqual({ ...shardSelectorLabels(shard) });
      expect(Object.keys(deployment.spec.selector.matchLabels)).not.toContain(GRPC_STREAM_LABEL);
      const { objects } = synth(team, [shard]);
      expect(objects.filter((f) => selects(f, deployment.spec.template.metadata.labels)).map((f) => f.metadata.name), shard.name).toEqual([expected]);
    }
  });

  it('inserts the Lua filter before the router of the inbound HTTP connection manager of port 8001', () => {
    for (const filter of synth().objects) {
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
    }
    expect(LUA_FILTER_TYPE_URL).toBe('type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua');
  });

  it("inlines the guard's Lua with the stack's headers, the team's untenanted models, and streaming in the stream guard only", () => {
    // gpuShard holds tenanted txn-scorer copies and the untenanted embedder; a second fraud shard adds the untenanted scorer.
    const other: Shard = { ...gpuShard, name: 'fraud-batch-gpu-l4-1', copies: [{ ...gpuShard.copies.find((c) => c.tenant === undefined)!, model: 'scorer', tritonName: 'scorer', id: 'fraud/scorer' }] };
    const [refused, allowed] = synth(fraud, [gpuShard, other]).objects;
    expect(source(refused)).toBe(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false, untenantedModels: ['embedder', 'scorer'] }));
    expect(source(allowed)).toBe(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: true, untenantedModels: ['embedder', 'scorer'] }));
    expect(source(refused)).toContain('local STREAM_ALLOWED = false\nlocal UNTENANTED = { ["embedder"] = true, ["scorer"] = true }\n');
    expect(source(allowed)).toContain('local STREAM_ALLOWED = true\n');
    expect(source(refused).endsWith(GRPC_GUARD_LUA_TEMPLATE)).toBe(true);
    // A model listed once, whatever the number of its copies or shards.
    expect(source(synth(fraud, [gpuShard, gpuShard]).objects[0])).toContain('local UNTENANTED = { ["embedder"] = true }\n');
    expect(source(synth(fraud, []).objects[0])).toContain('local UNTENANTED = {  }\n');
    const custom: StackConfig = { ...stack, routing: { ...stack.routing, tenantHeader: 'x-org', modelHeader: 'x-triton-model' } };
    expect(source(synth(fraud, [gpuShard], custom).objects[0]).split('\n').slice(0, 2)).toEqual(['local TENANT_HEADER = "x-org"', 'local MODEL_HEADER = "x-triton-model"']);
  });

  it("refuses another team's shard, whose untenanted models are not the team's", () => {
    expect(() => synth(fraud, [gpuShard, cpuShard])).toThrow('[test/GrpcGuard] shard search-batch-cpu-std-1 belongs to team search (namespace search), not fraud (namespace fraud)');
  });

  it('passes strict validation against the vendored EnvoyFilter CRD schema', () => {
    expect(validateManifests([...synth().objects, ...synth(search, [cpuShard]).objects])).toEqual([]);
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

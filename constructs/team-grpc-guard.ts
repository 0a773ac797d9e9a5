/**
 * The gRPC model-name guard of one team namespace: two Istio EnvoyFilters that
 * add a Lua HTTP filter to the inbound sidecar of the namespace's shard pods,
 * on Triton's gRPC port, after Istio's authorization filter. It refuses a gRPC
 * call whose request message names another model copy than the model and
 * tenant headers the AuthorizationPolicies admitted (see `docs/isolation.md`).
 */
import { readFileSync } from 'node:fs';
import { Construct } from 'constructs';
import { GRPC_STREAM_LABEL, LABEL, MANAGED_BY, TRITON_APP_NAME, type GrpcStream } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { EnvoyFilter } from './envoy-filter.ts';
import type { EnvoyFilterSpec } from './imports/networking.istio.io.envoyfilter.ts';
import { TRITON_GRPC_PORT } from './triton-shard.ts';

/** Type URL of Envoy's Lua HTTP filter configuration. */
export const LUA_FILTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua';

/** Envoy names the patch matches: the HTTP connection manager of the inbound listener, and its router (the last HTTP filter). */
export const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';
export const HTTP_ROUTER = 'envoy.filters.http.router';

/** Name of the inserted HTTP filter. */
export const GRPC_GUARD_FILTER_NAME = 'modelfleet.grpc_guard';

/** The guard's Lua source, without the generated constants (`grpcGuardLua()` adds them). */
export const GRPC_GUARD_LUA_TEMPLATE: string = readFileSync(new URL('./grpc-guard.lua', import.meta.url), 'utf8');

/**
 * `value` as a Lua 5.1 string literal: printable ASCII other than `"` and `\`
 * as is, every other byte as a decimal escape (`\034`), so no value can end
 * the literal or the line.
 */
export function luaString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** What the generated first lines of the guard's Lua source say. */
export interface GrpcGuardLuaOptions {
  /** Header that names the tenant (`routing.tenantHeader`), lower case. */
  readonly tenantHeader: string;
  /** Header that names the logical model (`routing.modelHeader`), lower case. */
  readonly modelHeader: string;
  /**
   * Whether `ModelStreamInfer` calls without a tenant header pass unchecked.
   * Only safe for pods of a shard without tenanted copies: a streamed message
   * could name any copy of the shard.
   */
  readonly streamAllowed: boolean;
  /**
   * Untenanted models whose copies the selected pods may load (the team's):
   * their copy's name is the model name, also when the caller sends a tenant
   * header (an API gateway may add one to every request). @default - none
   */
  readonly untenantedModels?: readonly string[];
}

/**
 * The guard's Lua source: four generated constants, then
 * `constructs/grpc-guard.lua` as it is.
 *
 * @example
 * grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false });
 */
export function grpcGuardLua(options: GrpcGuardLuaOptions): string {
  return [
    `local TENANT_HEADER = ${luaString(options.tenantHeader.toLowerCase())}`,
    `local MODEL_HEADER = ${luaString(options.modelHeader.toLowerCase())}`,
    `local STREAM_ALLOWED = ${options.streamAllowed ? 'true' : 'false'}`,
    `local UNTENANTED = { ${[...(options.untenantedModels ?? [])].sort().map((m) => `[${luaString(m)}] = true`).join(', ')} }`,
    GRPC_GUARD_LUA_TEMPLATE,
  ].join('\n');
}

/** Properties for `TeamGrpcGuard`. */
export interface TeamGrpcGuardProps {
  /** The team whose namespace the filters go to. */
  readonly team: TeamSpec;

  /** The stack: the tenant and model headers (`routing`). */
  readonly stack: StackConfig;

  /**
   * The team's shards: their untenanted models are the guard's `UNTENANTED`.
   *
   * @default - none: no model is untenanted
   */
  readonly shards?: readonly Shard[];
}

/**
 * Name of the team's guard EnvoyFilter for pods labelled
 * `modelfleet.io/grpc-stream: <stream>`: `<team>-grpc-guard` (`refused`) or
 * `<team>-grpc-guard-stream` (`allowed`). A shard's objects are named
 * `<team>-<tier>-<pool>-<n>[-...]`, and `grpc` is no tier, so neither name
 * can be a shard's; with a team name of at most 24 characters both are valid
 * DNS labels.
 */
export function teamGrpcGuardName(team: Pick<TeamSpec, 'name'>, stream: GrpcStream): string {
  return stream === 'refused' ? `${team.name}-grpc-guard` : `${team.name}-grpc-guard-stream`;
}

/** The pod labels the guard for `stream` selects: every shard pod of the namespace (`app.kubernetes.io/name: triton`, managed by modelfleet) with that `modelfleet.io/grpc-stream`. */
export function grpcGuardSelector(stream: GrpcStream): Readonly<Record<string, string>> {
  return { [LABEL.name]: TRITON_APP_NAME, [LABEL.managedBy]: MANAGED_BY, [GRPC_STREAM_LABEL]: stream };
}

/**
 * Two EnvoyFilters in the team's namespace, `<team>-grpc-guard` and
 * `<team>-grpc-guard-stream` (`teamGrpcGuardName()`), each inserting the Lua
 * filter of `grpcGuardLua()` before the router of the inbound
 * (`SIDECAR_INBOUND`) HTTP connection manager for port 8001. Istio's RBAC
 * filter (the AuthorizationPolicies) comes earlier in that chain, so the guard
 * sees only calls the policies admitted.
 *
 * **Per namespace, not per shard.** The Lua source (about 10 KB) is the same
 * for every shard of a team but for two constants: rendering it once per
 * namespace instead of once per shard keeps the manifests (and what istiod
 * and every apply carry) small. `UNTENANTED` lists the team's untenanted
 * models rather than one shard's: a model name is unique within a team and a
 * model is either tenanted or not, so a shard's guard decides exactly as
 * before.
 *
 * **Two filters.** Whether `ModelStreamInfer` may pass depends on the shard
 * (`STREAM_ALLOWED` only where no copy is tenanted), so there is one filter
 * per value, selecting the shard pods by the pod-template label
 * `modelfleet.io/grpc-stream` (`shardPodLabels()`): `-grpc-guard` selects
 * `refused`, `-grpc-guard-stream` selects `allowed`. Both are rendered
 * whenever the namespace has shards, so a shard whose copies switch between
 * tenanted and untenanted never leaves its old or new pods without a guard
 * while the Deployment rolls.
 *
 * Labelled like the namespace's other objects (managed by modelfleet, the
 * team), without shard labels.
 *
 * @example
 * new TeamGrpcGuard(chart, 'GrpcGuard', { team, stack, shards });
 */
export class TeamGrpcGuard extends Construct {
  /** The EnvoyFilters, by the `modelfleet.io/grpc-stream` value they select. */
  public readonly envoyFilters: Readonly<Record<GrpcStream, EnvoyFilter>>;

  /**
   * Defines the gRPC guard of a team namespace.
   *
   * @param scope the team's chart
   * @param id construct id; `GrpcGuard` by convention
   * @param props the team, the stack and the team's shards
   */
  public constructor(scope: Construct, id: string, props: TeamGrpcGuardProps) {
    super(scope, id);
    const { team, stack } = props;
    for (const shard of props.shards ?? []) {
      if (shard.team !== team.name || shard.namespace !== team.namespace) {
        throw new Error(`[${this.node.path}] shard ${shard.name} belongs to team ${shard.team} (namespace ${shard.namespace}), not ${team.name} (namespace ${team.namespace})`);
      }
    }
    const untenantedModels = [...new Set((props.shards ?? []).flatMap((s) => s.copies.filter((c) => c.tenant === undefined).map((c) => c.model)))];
    const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: team.name };
    const render = (constructId: string, stream: GrpcStream) => {
      const lua = grpcGuardLua({ tenantHeader: stack.routing.tenantHeader, modelHeader: stack.routing.modelHeader, streamAllowed: stream === 'allowed', untenantedModels });
      const spec: EnvoyFilterSpec = {
        workloadSelector: { labels: { ...grpcGuardSelector(stream) } },
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            match: {
              context: 'SIDECAR_INBOUND',
              listener: {
                portNumber: TRITON_GRPC_PORT,
                filterChain: { filter: { name: HTTP_CONNECTION_MANAGER, subFilter: { name: HTTP_ROUTER } } },
              },
            },
            patch: {
              operation: 'INSERT_BEFORE',
              value: {
                name: GRPC_GUARD_FILTER_NAME,
                typed_config: { '@type': LUA_FILTER_TYPE_URL, default_source_code: { inline_string: lua } },
              },
            },
          },
        ],
      };
      return new EnvoyFilter(this, constructId, { metadata: { name: teamGrpcGuardName(team, stream), namespace: team.namespace, labels }, spec });
    };
    this.envoyFilters = { refused: render('Refused', 'refused'), allowed: render('Allowed', 'allowed') };
  }
}

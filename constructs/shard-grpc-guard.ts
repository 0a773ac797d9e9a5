/**
 * The gRPC model-name guard of one shard: an Istio EnvoyFilter that adds a Lua
 * HTTP filter to the inbound sidecar of the shard's pods, on Triton's gRPC
 * port, after Istio's authorization filter. It refuses a gRPC call whose
 * request message names another model copy than the model and tenant headers
 * the AuthorizationPolicies admitted (see `docs/isolation.md`).
 */
import { readFileSync } from 'node:fs';
import { Construct } from 'constructs';
import { shardLabels, shardSelectorLabels } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
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
   * Only safe on a shard without tenanted copies: a streamed message could
   * name any copy of the shard.
   */
  readonly streamAllowed: boolean;
  /**
   * Untenanted models with a copy on the shard: their copy's name is the model
   * name, also when the caller sends a tenant header (an API gateway may add
   * one to every request). @default - none
   */
  readonly untenantedModels?: readonly string[];
}

/**
 * The guard's Lua source for one shard: four generated constants, then
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

/** Properties for `ShardGrpcGuard`. */
export interface ShardGrpcGuardProps {
  /** The shard whose pods the filter selects. */
  readonly shard: Shard;

  /** The stack: the tenant and model headers (`routing`). */
  readonly stack: StackConfig;
}

/**
 * An EnvoyFilter `<shard>-grpc-guard` in the shard's namespace, selecting the
 * shard's pods (`shardSelectorLabels()`), that inserts the Lua filter of
 * `grpcGuardLua()` before the router of the inbound (`SIDECAR_INBOUND`) HTTP
 * connection manager for port 8001. Istio's RBAC filter (the
 * AuthorizationPolicies) comes earlier in that chain, so the guard sees only
 * calls the policies admitted.
 *
 * One filter per shard, like the AuthorizationPolicies: it lives and dies with
 * the shard, and whether `ModelStreamInfer` may pass depends on the shard's
 * copies.
 *
 * @example
 * new ShardGrpcGuard(chart, `${shard.name}-grpc-guard`, { shard, stack });
 */
export class ShardGrpcGuard extends Construct {
  /** The EnvoyFilter. */
  public readonly envoyFilter: EnvoyFilter;

  /**
   * Defines the gRPC guard of one shard.
   *
   * @param scope the team's chart
   * @param id construct id
   * @param props the shard and the stack
   */
  public constructor(scope: Construct, id: string, props: ShardGrpcGuardProps) {
    super(scope, id);
    const { shard, stack } = props;
    const lua = grpcGuardLua({
      tenantHeader: stack.routing.tenantHeader,
      modelHeader: stack.routing.modelHeader,
      // A shard without tenanted copies has no tenant to protect from a streamed message.
      streamAllowed: !shard.copies.some((c) => c.tenant !== undefined),
      untenantedModels: shard.copies.filter((c) => c.tenant === undefined).map((c) => c.model),
    });
    const spec: EnvoyFilterSpec = {
      workloadSelector: { labels: { ...shardSelectorLabels(shard) } },
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
    this.envoyFilter = new EnvoyFilter(this, 'Resource', {
      metadata: { name: `${shard.name}-grpc-guard`, namespace: shard.namespace, labels: { ...shardLabels(shard) } },
      spec,
    });
  }
}

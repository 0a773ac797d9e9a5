/**
 * The chart of one team: its tenancy, every shard of the team with its
 * traffic policy, and the routes of the team's models.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { ModelRoutes } from '../core/plan/route-table.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { safeId } from './construct-id.ts';
import { FetchModelsScript } from './fetch-models-script.ts';
import { ModelRoute } from './model-route.ts';
import { ShardAuthorization } from './shard-authorization.ts';
import { ShardTrafficPolicy } from './shard-traffic-policy.ts';
import { TeamGrpcGuard } from './team-grpc-guard.ts';
import { TeamNetworkPolicy } from './team-network-policy.ts';
import { TeamAuthentication } from './tenant-authentication.ts';
import { TeamTenancy } from './team-tenancy.ts';
import { TritonShard } from './triton-shard.ts';

/** Properties for `FleetChart`. */
export interface FleetChartProps {
  /** The team the chart renders. */
  readonly team: TeamSpec;

  /** The stack the plan was packed for. */
  readonly stack: StackConfig;

  /**
   * The team's shards, rendered in the given order.
   *
   * @default - none: only the tenancy objects
   */
  readonly shards?: readonly Shard[];

  /**
   * The routes of the team's models (`planRoutes()`), rendered in the given order.
   *
   * @default - none
   */
  readonly routes?: readonly ModelRoutes[];
}

/**
 * A cdk8s Chart with everything of one team: `TeamTenancy` (construct id
 * `Tenancy`), its `TeamNetworkPolicy` (id `NetworkPolicy`),
 * `TeamAuthentication` (id `Authentication`) and, when the team has shards,
 * `TeamGrpcGuard` (id `GrpcGuard`) and `FetchModelsScript` (id `FetchModels`),
 * then per shard
 * a `TritonShard` (id = shard name), a `ShardTrafficPolicy` (id =
 * `<shard>-traffic`) and a `ShardAuthorization` (id = `<shard>-authz`), then
 * under `Routes` one `ModelRoute` per model (id = model name).
 *
 * The chart has no namespace (cdk8s would stamp it on the Namespace object
 * too); every namespaced object sets its own. Resource-name hashes are off:
 * every object carries an explicit name.
 *
 * @example
 * new FleetChart(app, team.name, { team, stack, shards: plan.shards.filter((s) => s.team === team.name) });
 */
export class FleetChart extends Chart {
  /** The team's tenancy objects. */
  public readonly tenancy: TeamTenancy;
  /** The team's shards, in render order. */
  public readonly shards: readonly TritonShard[];
  /** The team namespace's NetworkPolicies. */
  public readonly networkPolicy: TeamNetworkPolicy;
  /** The team namespace's RequestAuthentication and PeerAuthentications. */
  public readonly authentication: TeamAuthentication;
  /** The namespace's gRPC guard; `undefined` when the team has no shards. */
  public readonly grpcGuard?: TeamGrpcGuard;
  /** The namespace's fetch script, which every shard's init container runs; `undefined` when the team has no shards. */
  public readonly fetchScript?: FetchModelsScript;
  /** The AuthorizationPolicies of the team's shards, in render order. */
  public readonly authorizations: readonly ShardAuthorization[];
  /** The traffic policies of the team's shards, in render order. */
  public readonly trafficPolicies: readonly ShardTrafficPolicy[];
  /** The routes of the team's models, in render order. */
  public readonly routes: readonly ModelRoute[];

  /**
   * Defines a team's chart.
   *
   * @param scope the App
   * @param id the team name (the chart id names the output file)
   * @param props team, stack and the team's shards
   */
  public constructor(scope: Construct, id: string, props: FleetChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { team, stack } = props;
    this.tenancy = new TeamTenancy(this, 'Tenancy', { team, stack });
    this.networkPolicy = new TeamNetworkPolicy(this, 'NetworkPolicy', { team, stack });
    this.authentication = new TeamAuthentication(this, 'Authentication', { team, stack });
    if (props.shards?.length) this.grpcGuard = new TeamGrpcGuard(this, 'GrpcGuard', { team, stack, shards: props.shards });
    if (props.shards?.length) this.fetchScript = new FetchModelsScript(this, 'FetchModels', { team });
    const shards: TritonShard[] = [];
    const trafficPolicies: ShardTrafficPolicy[] = [];
    const authorizations: ShardAuthorization[] = [];
    for (const shard of props.shards ?? []) {
      if (shard.team !== team.name || shard.namespace !== team.namespace) {
        throw new Error(
          `[${this.node.path}] shard ${shard.name} belongs to team ${shard.team} (namespace ${shard.namespace}), not ${team.name} (namespace ${team.namespace})`,
        );
      }
      shards.push(new TritonShard(this, shard.name, { shard, stack }));
      trafficPolicies.push(new ShardTrafficPolicy(this, `${shard.name}-traffic`, { shard, stack }));
      authorizations.push(new ShardAuthorization(this, `${shard.name}-authz`, { shard, stack, team }));
    }
    const routeScope = new Construct(this, 'Routes');
    const routes: ModelRoute[] = [];
    for (const model of props.routes ?? []) {
      if (model.team !== team.name || model.namespace !== team.namespace) {
        throw new Error(`[${this.node.path}] model ${model.model} belongs to team ${model.team} (namespace ${model.namespace}), not ${team.name}`);
      }
      routes.push(new ModelRoute(routeScope, safeId(model.model), { routes: model, stack }));
    }
    this.shards = shards;
    this.trafficPolicies = trafficPolicies;
    this.authorizations = authorizations;
    this.routes = routes;
  }
}

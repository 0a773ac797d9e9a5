/**
 * The chart of one team: its tenancy and every shard of the team with its route.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { ShardRoute } from './shard-route.ts';
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
}

/**
 * A cdk8s Chart with everything of one team: `TeamTenancy` (construct id
 * `Tenancy`), then per shard a `TritonShard` (id = shard name) and a
 * `ShardRoute` (id = `<shard>-route`).
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
  /** The routes of the team's shards, in render order. */
  public readonly routes: readonly ShardRoute[];

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
    const shards: TritonShard[] = [];
    const routes: ShardRoute[] = [];
    for (const shard of props.shards ?? []) {
      if (shard.team !== team.name || shard.namespace !== team.namespace) {
        throw new Error(
          `[${this.node.path}] shard ${shard.name} belongs to team ${shard.team} (namespace ${shard.namespace}), not ${team.name} (namespace ${team.namespace})`,
        );
      }
      shards.push(new TritonShard(this, shard.name, { shard, stack }));
      routes.push(new ShardRoute(this, `${shard.name}-route`, { shard, stack }));
    }
    this.shards = shards;
    this.routes = routes;
  }
}

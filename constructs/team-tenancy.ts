/**
 * A team's tenancy: its Namespace, the ResourceQuota from its declaration and
 * a LimitRange that bounds containers which declare no resources.
 */
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY } from '../core/plan/shard-labels.ts';
import { BUDGET_ANNOTATION, teamBudget } from '../core/cost/fleet-cost.ts';
import { sidecarInjectionLabels } from '../core/plan/sidecar-resources.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import { formatBytes, formatMillicores } from '../core/spec/quantity.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';
import { toQuantities, type ContainerSize } from './container-size.ts';

/** Pod Security Standards level enforced on a namespace. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Properties for `TeamTenancy`. */
export interface TeamTenancyProps {
  /** The team, as validated by the loader. */
  readonly team: TeamSpec;

  /** The stack; its GPU pools name the extended resources the quota caps. */
  readonly stack: StackConfig;

  /**
   * Request given to a container in the namespace that declares none.
   *
   * @default - 100m CPU, 128Mi memory
   */
  readonly defaultRequest?: ContainerSize;

  /**
   * Limit given to a container in the namespace that declares none.
   *
   * @default - 1 CPU, 1Gi memory
   */
  readonly defaultLimit?: ContainerSize;

  /**
   * Pod Security Standards level enforced (and warned and audited) on the
   * namespace. Shards rendered by `TritonShard` satisfy `restricted`.
   *
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Default of `TeamTenancyProps.defaultRequest`. */
export const DEFAULT_CONTAINER_REQUEST: ContainerSize = { cpuMillicores: 100, memoryBytes: 128 * MiB };
/** Default of `TeamTenancyProps.defaultLimit`. */
export const DEFAULT_CONTAINER_LIMIT: ContainerSize = { cpuMillicores: 1000, memoryBytes: 1 * GiB };


/**
 * The Namespace, ResourceQuota and LimitRange of one team.
 *
 * The Namespace carries the sidecar injection label of
 * `modelfleet:isolation.sidecarInjection` (`sidecarInjectionLabels()`), so every pod of the team
 * joins the Istio mesh; with Pod Security `restricted` that needs the Istio
 * CNI node agent (see `docs/team-tenancy.md`).
 *
 * The quota caps *requests* (`requests.cpu`, `requests.memory` and
 * `requests.<gpuResource>` for every GPU resource name the stack's pools use),
 * not limits: shards burst to their node's allocatable, so a limits quota
 * equal to the requests quota would block scale-out. Extended resources such
 * as `nvidia.com/gpu` can only be quota'd with the `requests.` prefix.
 *
 * Every object sets `metadata.namespace` itself and the Namespace sets none:
 * put this in a chart without a namespace (a chart namespace would be stamped
 * on the Namespace object too).
 *
 * @example
 * new TeamTenancy(chart, 'Tenancy', { team, stack });
 */
export class TeamTenancy extends Construct {
  /** The team's Namespace. */
  public readonly namespace: k8s.KubeNamespace;
  /** The team's ResourceQuota. */
  public readonly quota: k8s.KubeResourceQuota;
  /** The team's LimitRange. */
  public readonly limitRange: k8s.KubeLimitRange;

  /**
   * Defines a team's tenancy objects.
   *
   * @param scope the team's chart (it must have no namespace)
   * @param id construct id, `'Tenancy'` by convention
   * @param props the team and the stack
   */
  public constructor(scope: Construct, id: string, props: TeamTenancyProps) {
    super(scope, id);
    const { team, stack } = props;
    const level = props.podSecurity ?? 'restricted';
    const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: team.name };
    const name = team.namespace;
    const budget = teamBudget(team, stack);
    const defaultRequest = props.defaultRequest ?? DEFAULT_CONTAINER_REQUEST;
    const defaultLimit = props.defaultLimit ?? DEFAULT_CONTAINER_LIMIT;
    if (defaultRequest.cpuMillicores > defaultLimit.cpuMillicores || defaultRequest.memoryBytes > defaultLimit.memoryBytes) {
      throw new Error(
        `[${this.node.path}] defaultRequest (${formatMillicores(defaultRequest.cpuMillicores)} CPU, ${formatBytes(defaultRequest.memoryBytes)}) ` +
          `exceeds defaultLimit (${formatMillicores(defaultLimit.cpuMillicores)} CPU, ${formatBytes(defaultLimit.memoryBytes)}); the API server would reject the LimitRange`,
      );
    }

    this.namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/audit': level,
          ...sidecarInjectionLabels(stack.isolation),
        },
        ...(budget ? { annotations: { [BUDGET_ANNOTATION]: String(budget.monthlyUsd) } } : {}),
      },
    });

    const gpuResources = [...new Set(stack.pools.filter((p) => p.kind === 'gpu').map((p) => p.gpuResource))].sort();
    const hard: { [key: string]: k8s.Quantity } = {
      'requests.cpu': k8s.Quantity.fromString(formatMillicores(team.quota.cpu)),
      'requests.memory': k8s.Quantity.fromString(formatBytes(team.quota.memory)),
    };
    for (const resource of gpuResources) hard[`requests.${resource}`] = k8s.Quantity.fromNumber(team.quota.gpu);
    this.quota = new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: { name: `${team.name}-quota`, namespace: name, labels },
      spec: { hard },
    });

    this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { name: `${team.name}-defaults`, namespace: name, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: toQuantities(defaultRequest),
            default: toQuantities(defaultLimit),
          },
        ],
      },
    });
  }
}

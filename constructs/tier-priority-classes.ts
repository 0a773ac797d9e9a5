/**
 * The fleet's PriorityClasses: one per SLA tier, cluster-scoped. Realtime pods
 * schedule first and may preempt lower tiers; batch pods never preempt.
 */
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY } from '../core/plan/shard-labels.ts';
import { SLA_TIERS, type SlaTier } from '../core/spec/model-spec.ts';
import type { StackConfig } from '../core/stack/stack-config.ts';

/** Properties for `TierPriorityClasses`. */
export interface TierPriorityClassesProps {
  /** The stack; each tier's `priorityClass` is rendered. */
  readonly stack: StackConfig;
}

/**
 * One `scheduling.k8s.io/v1` PriorityClass per tier, named by the tier
 * table (`modelfleet-realtime`, …). Shard pods refer to them by name.
 *
 * @example
 * new TierPriorityClasses(clusterChart, 'PriorityClasses', { stack });
 */
export class TierPriorityClasses extends Construct {
  /** The PriorityClass of each tier. */
  public readonly classes: Readonly<Record<SlaTier, k8s.KubePriorityClass>>;

  /**
   * Defines the PriorityClasses.
   *
   * @param scope a chart without a namespace (PriorityClasses are cluster-scoped)
   * @param id construct id
   * @param props the stack
   */
  public constructor(scope: Construct, id: string, props: TierPriorityClassesProps) {
    super(scope, id);
    const classes = {} as Record<SlaTier, k8s.KubePriorityClass>;
    const names = new Map<string, SlaTier>();
    for (const tier of SLA_TIERS) {
      const policy = props.stack.tiers[tier].priorityClass;
      const twin = names.get(policy.name);
      if (twin) throw new Error(`[${this.node.path}] tiers ${twin} and ${tier} share the PriorityClass name ${policy.name}; give each tier its own`);
      names.set(policy.name, tier);
      classes[tier] = new k8s.KubePriorityClass(this, tier, {
        metadata: { name: policy.name, labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.tier]: tier } },
        value: policy.value,
        preemptionPolicy: policy.preemptionPolicy,
        globalDefault: false,
        description: policy.description,
      });
    }
    this.classes = classes;
  }
}

/**
 * L1 wrapper of the Istio `DestinationRule` custom resource, typed with the
 * spec generated into `imports/networking.istio.io.destinationrule.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { DestinationRuleSpec } from './imports/networking.istio.io.destinationrule.ts';

/** Properties for `DestinationRule`. */
export interface DestinationRuleProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The DestinationRule spec, as the Istio CRD schema defines it. */
  readonly spec: DestinationRuleSpec;
}

/**
 * An Istio `networking.istio.io/v1` DestinationRule.
 *
 * Hand-written on purpose, like `VirtualService`: only the spec type is generated.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export class DestinationRule extends ApiObject {
  /** API version and kind of a DestinationRule. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' };

  /** The spec this object renders. */
  public readonly spec: DestinationRuleSpec;

  /**
   * Defines a DestinationRule.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: DestinationRuleProps) {
    super(scope, id, { ...DestinationRule.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

/**
 * L1 wrapper of the KEDA `ScaledObject` custom resource, typed with the spec
 * generated into `imports/keda.sh.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ScaledObjectSpec } from './imports/keda.sh.ts';

/** Properties for `ScaledObject`. */
export interface ScaledObjectProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The ScaledObject spec, as the KEDA CRD schema defines it. */
  readonly spec: ScaledObjectSpec;
}

/**
 * A KEDA `keda.sh/v1alpha1` ScaledObject: KEDA creates and drives an HPA for
 * the target from its triggers, and scales to `idleReplicaCount` when idle.
 *
 * @see https://keda.sh/docs/latest/reference/scaledobject-spec/
 */
export class ScaledObject extends ApiObject {
  /** API version and kind of a ScaledObject. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' };

  /** The spec this object renders. */
  public readonly spec: ScaledObjectSpec;

  /**
   * Defines a ScaledObject.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: ScaledObjectProps) {
    super(scope, id, { ...ScaledObject.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

/**
 * L1 wrapper of the Istio `VirtualService` custom resource, typed with the
 * spec generated into `imports/networking.istio.io.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { VirtualServiceSpec } from './imports/networking.istio.io.ts';

/** Properties for `VirtualService`. */
export interface VirtualServiceProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The VirtualService spec, as the Istio CRD schema defines it. */
  readonly spec: VirtualServiceSpec;
}

/**
 * An Istio `networking.istio.io/v1` VirtualService.
 *
 * Hand-written on purpose: only the spec type is generated, so the generated
 * file stays data and this class stays a few readable lines.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export class VirtualService extends ApiObject {
  /** API version and kind of a VirtualService. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' };

  /** The spec this object renders. */
  public readonly spec: VirtualServiceSpec;

  /**
   * Defines a VirtualService.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: VirtualServiceProps) {
    super(scope, id, { ...VirtualService.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

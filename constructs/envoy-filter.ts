/**
 * L1 wrapper of the Istio `EnvoyFilter` custom resource, typed with the spec
 * generated into `imports/networking.istio.io.envoyfilter.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvoyFilterSpec } from './imports/networking.istio.io.envoyfilter.ts';

/** Properties for `EnvoyFilter`. */
export interface EnvoyFilterProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The EnvoyFilter spec, as the Istio CRD schema defines it. */
  readonly spec: EnvoyFilterSpec;
}

/**
 * An Istio `networking.istio.io/v1alpha3` EnvoyFilter: a patch of the Envoy
 * configuration istiod generates (Istio's "break glass" API; `v1alpha3` is its
 * only version).
 *
 * Hand-written on purpose, like `VirtualService`: only the spec type is generated.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/
 */
export class EnvoyFilter extends ApiObject {
  /** API version and kind of an EnvoyFilter. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter' };

  /** The spec this object renders. */
  public readonly spec: EnvoyFilterSpec;

  /**
   * Defines an EnvoyFilter.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: EnvoyFilterProps) {
    super(scope, id, { ...EnvoyFilter.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

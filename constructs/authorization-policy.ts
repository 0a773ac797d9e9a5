/**
 * L1 wrapper of the Istio `AuthorizationPolicy` custom resource, typed with the
 * spec generated into `imports/security.istio.io.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AuthorizationPolicySpec } from './imports/security.istio.io.ts';

/** Properties for `AuthorizationPolicy`. */
export interface AuthorizationPolicyProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The AuthorizationPolicy spec, as the Istio CRD schema defines it. */
  readonly spec: AuthorizationPolicySpec;
}

/**
 * An Istio `security.istio.io/v1` AuthorizationPolicy.
 *
 * Hand-written on purpose, like `VirtualService`: only the spec type is generated.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export class AuthorizationPolicy extends ApiObject {
  /** API version and kind of a AuthorizationPolicy. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' };

  /** The spec this object renders. */
  public readonly spec: AuthorizationPolicySpec;

  /**
   * Defines a AuthorizationPolicy.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: AuthorizationPolicyProps) {
    super(scope, id, { ...AuthorizationPolicy.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

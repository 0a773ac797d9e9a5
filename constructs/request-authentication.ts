/**
 * L1 wrapper of the Istio `RequestAuthentication` custom resource, typed with the
 * spec generated into `imports/security.istio.io.requestauthentication.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { RequestAuthenticationSpec } from './imports/security.istio.io.requestauthentication.ts';

/** Properties for `RequestAuthentication`. */
export interface RequestAuthenticationProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The RequestAuthentication spec, as the Istio CRD schema defines it. */
  readonly spec: RequestAuthenticationSpec;
}

/**
 * An Istio `security.istio.io/v1` RequestAuthentication.
 *
 * Hand-written on purpose, like `VirtualService`: only the spec type is generated.
 *
 * @see https://istio.io/latest/docs/reference/config/security/request-authentication/
 */
export class RequestAuthentication extends ApiObject {
  /** API version and kind of a RequestAuthentication. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication' };

  /** The spec this object renders. */
  public readonly spec: RequestAuthenticationSpec;

  /**
   * Defines a RequestAuthentication.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: RequestAuthenticationProps) {
    super(scope, id, { ...RequestAuthentication.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

/**
 * L1 wrapper of the Istio `PeerAuthentication` custom resource, typed with the
 * spec generated into `imports/security.istio.io.peerauthentication.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PeerAuthenticationSpec } from './imports/security.istio.io.peerauthentication.ts';

/** Properties for `PeerAuthentication`. */
export interface PeerAuthenticationProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The PeerAuthentication spec, as the Istio CRD schema defines it. */
  readonly spec: PeerAuthenticationSpec;
}

/**
 * An Istio `security.istio.io/v1` PeerAuthentication.
 *
 * Hand-written on purpose, like `VirtualService`: only the spec type is generated.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer-authentication/
 */
export class PeerAuthentication extends ApiObject {
  /** API version and kind of a PeerAuthentication. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' };

  /** The spec this object renders. */
  public readonly spec: PeerAuthenticationSpec;

  /**
   * Defines a PeerAuthentication.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: PeerAuthenticationProps) {
    super(scope, id, { ...PeerAuthentication.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

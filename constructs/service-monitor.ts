/**
 * L1 wrapper of the prometheus-operator `ServiceMonitor` custom resource,
 * typed with the spec generated into `imports/monitoring.coreos.com.ts`.
 */
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ServiceMonitorSpec } from './imports/monitoring.coreos.com.ts';

/** Properties for `ServiceMonitor`. */
export interface ServiceMonitorProps {
  /** Object metadata; give `name` and `namespace` explicitly. */
  readonly metadata: ApiObjectMetadata;
  /** The ServiceMonitor spec, as the prometheus-operator CRD schema defines it. */
  readonly spec: ServiceMonitorSpec;
}

/**
 * A prometheus-operator `monitoring.coreos.com/v1` ServiceMonitor: Prometheus
 * scrapes the endpoints of the Services it selects.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 */
export class ServiceMonitor extends ApiObject {
  /** API version and kind of a ServiceMonitor. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' };

  /** The spec this object renders. */
  public readonly spec: ServiceMonitorSpec;

  /**
   * Defines a ServiceMonitor.
   *
   * @param scope the parent construct
   * @param id construct id; renaming it does not rename the object when `metadata.name` is set
   * @param props metadata and spec
   */
  public constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id, { ...ServiceMonitor.GVK, metadata: props.metadata, spec: props.spec });
    this.spec = props.spec;
  }
}

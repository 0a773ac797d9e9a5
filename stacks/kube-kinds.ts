/**
 * The Kubernetes kinds the Pulumi program applies, each mapped to its typed
 * `@pulumi/kubernetes` resource class.
 *
 * Keyed by apiVersion and kind together: a typed class hard-codes its
 * apiVersion, so registering an `autoscaling/v1` object as
 * `k8s.autoscaling.v2.HorizontalPodAutoscaler` would silently change it.
 * A kind that is not listed here is an error (see `registerFleet`), never
 * dropped; add it here when a construct starts rendering it.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../constructs/render-fleet.ts';

/** How one (apiVersion, kind) is registered. */
export interface KubeKind {
  readonly apiVersion: string;
  readonly kind: string;

  /** Whether objects of the kind live in a namespace (and so depend on their Namespace). */
  readonly namespaced: boolean;

  /**
   * Top-level fields the resource class passes on besides `apiVersion`,
   * `kind` and `metadata`; `'*'` when it passes every field (custom
   * resources). A field outside the list would be dropped by the class, so
   * `registerFleet` rejects it instead.
   */
  readonly fields: readonly string[] | '*';

  /** Constructs the typed resource for one object. */
  readonly register: (name: string, object: KubeObject, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;
}

/** The object as the typed class's args: the rendered object is that shape, minus TypeScript's knowledge of it. */
const args = <T>(object: KubeObject): T => object as unknown as T;

/** A namespaced custom resource: every field passes, registered as a `CustomResource`. */
function namespacedCustomResource(apiVersion: string, kind: string): KubeKind {
  return {
    apiVersion,
    kind,
    namespaced: true,
    fields: '*',
    register: (name, o, opts) => new k8s.apiextensions.CustomResource(name, args<k8s.apiextensions.CustomResourceArgs>(o), opts),
  };
}

/** Every kind the program can apply. */
export const KUBE_KINDS: readonly KubeKind[] = [
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    namespaced: false,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.core.v1.Namespace(name, args(o), opts),
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    namespaced: false,
    fields: ['value', 'globalDefault', 'description', 'preemptionPolicy'],
    register: (name, o, opts) => new k8s.scheduling.v1.PriorityClass(name, args(o), opts),
  },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.core.v1.ResourceQuota(name, args(o), opts),
  },
  {
    apiVersion: 'v1',
    kind: 'LimitRange',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.core.v1.LimitRange(name, args(o), opts),
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespaced: true,
    fields: ['data', 'binaryData', 'immutable'],
    register: (name, o, opts) => new k8s.core.v1.ConfigMap(name, args(o), opts),
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.core.v1.Service(name, args(o), opts),
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.apps.v1.Deployment(name, args(o), opts),
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.networking.v1.NetworkPolicy(name, args(o), opts),
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, args(o), opts),
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    fields: ['spec'],
    register: (name, o, opts) => new k8s.policy.v1.PodDisruptionBudget(name, args(o), opts),
  },
  namespacedCustomResource('networking.istio.io/v1', 'VirtualService'),
  namespacedCustomResource('networking.istio.io/v1', 'DestinationRule'),
  namespacedCustomResource('security.istio.io/v1', 'AuthorizationPolicy'),
  namespacedCustomResource('networking.istio.io/v1alpha3', 'EnvoyFilter'),
  namespacedCustomResource('security.istio.io/v1', 'RequestAuthentication'),
  namespacedCustomResource('security.istio.io/v1', 'PeerAuthentication'),
  namespacedCustomResource('keda.sh/v1alpha1', 'ScaledObject'),
  namespacedCustomResource('monitoring.coreos.com/v1', 'ServiceMonitor'),
];

const byKey = new Map(KUBE_KINDS.map((k) => [`${k.apiVersion} ${k.kind}`, k]));

/** The entry for an object's apiVersion and kind, or `undefined` when the program cannot apply it. */
export function kubeKindOf(object: Pick<KubeObject, 'apiVersion' | 'kind'>): KubeKind | undefined {
  return byKey.get(`${object.apiVersion} ${object.kind}`);
}

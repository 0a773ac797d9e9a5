/**
 * Independent evaluators of Istio routing/authorization and Kubernetes
 * NetworkPolicy, for tests. See README.md in this folder.
 */
export * from './mesh-error.ts';
export * from './k8s-object.ts';
export * from './re2.ts';
export * from './string-match.ts';
export * from './path-normalization.ts';
export * from './host-match.ts';
export * from './label-selector.ts';
export * from './virtual-service.ts';
export * from './route-order.ts';
export * from './destination-rule.ts';
export * from './authorization.ts';
export * from './network-policy.ts';
export * from './upstream-request.ts';
export * from './request-authentication.ts';
export * from './peer-authentication.ts';

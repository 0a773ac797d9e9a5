/**
 * The modelfleet Pulumi policy pack: `pulumi preview --policy-pack policies/pack`.
 *
 * Only constructs the pack; the policies live in `policies.ts`. Constructing
 * a `PolicyPack` starts its gRPC server, so nothing but Pulumi's policy
 * runner loads this file (through `launch.cjs`, see `PulumiPolicy.yaml`).
 */
import { PolicyPack } from '@pulumi/policy';
import { platformPolicies } from './policies.ts';

new PolicyPack('modelfleet', {
  description: 'modelfleet platform rules: team quotas at max replicas, GPU pool placement, container resources, image registries, Pod Security "restricted", VirtualService namespaces, shard isolation, realtime invariants.',
  policies: platformPolicies(),
});

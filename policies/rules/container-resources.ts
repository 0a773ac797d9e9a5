/**
 * `container-resources`: every container and init container declares CPU
 * and memory requests and limits, with requests no larger than limits.
 * Without requests the scheduler packs blind and the quota counts
 * LimitRange defaults nobody reviewed; without limits one tenant's leak
 * starves its neighbours. (Ephemeral containers cannot declare resources.)
 */
import { asRecord, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { containersOf, describeContainer, podTemplatesIn } from './pod-templates.ts';
import { toMilli } from './resource-amount.ts';

/** Configuration of `container-resources` (none). */
export type ContainerResourcesConfig = Readonly<Record<string, never>>;

const REQUIRED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

/** Reports every container without CPU and memory requests and limits, or with a request above its limit. */
export function checkContainerResources(objects: readonly KubeObject[], _config: ContainerResourcesConfig, report: ReportViolation): void {
  for (const template of podTemplatesIn(objects)) {
    for (const c of containersOf(template)) {
      if (c.list === 'ephemeralContainers') continue;
      const resources = asRecord(c.container.resources);
      const requests = asRecord(resources?.requests) ?? {};
      const limits = asRecord(resources?.limits) ?? {};
      const missing = REQUIRED.filter((key) => {
        const [side, resource] = key.split('.') as ['requests' | 'limits', string];
        return toMilli((side === 'requests' ? requests : limits)[resource]) === undefined;
      });
      if (missing.length) {
        report(
          template.object,
          [...c.path, 'resources'],
          `${describeContainer(c)} sets no ${missing.join(', ')}; every container needs cpu and memory requests and limits`,
        );
      }
      for (const resource of ['cpu', 'memory']) {
        const request = toMilli(requests[resource]);
        const limit = toMilli(limits[resource]);
        if (request !== undefined && limit !== undefined && request > limit) {
          report(
            template.object,
            [...c.path, 'resources', 'requests', resource],
            `${describeContainer(c)} requests ${String(requests[resource])} ${resource}, above its limit ${String(limits[resource])}; lower the request or raise the limit`,
          );
        }
      }
    }
  }
}

/** The `container-resources` rule. */
export const containerResourcesRule: ManifestRule<ContainerResourcesConfig, 'container-resources'> = {
  id: 'container-resources',
  description: 'Every container and init container declares cpu and memory requests and limits, requests no larger than limits.',
  defaultLevel: 'mandatory',
  scope: 'object',
  check: checkContainerResources,
};

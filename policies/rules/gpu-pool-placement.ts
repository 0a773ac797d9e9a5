/**
 * `gpu-pool-placement`: a pod that requests a GPU resource selects, with its
 * `nodeSelector`, the nodes of a GPU pool that offers that resource. A GPU
 * pod without it lands on whatever node has the extended resource (or stays
 * Pending); one that selects a CPU pool never schedules.
 */
import { asRecord, asStringMap, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { containersOf, podTemplatesIn } from './pod-templates.ts';
import { isGpuResource } from './resource-amount.ts';

/** A pool as the rule needs it (from the stack's `pools`). */
export interface PlacementPool {
  readonly name: string;
  readonly kind: 'gpu' | 'cpu';
  /** Labels that select the pool's nodes. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Extended resource the pool's nodes offer (GPU pools). */
  readonly gpuResource?: string;
}

/** Configuration of `gpu-pool-placement`. */
export interface GpuPoolPlacementConfig {
  /** The stack's pools. @default - the stack's `pools` */
  readonly pools: readonly PlacementPool[];
}

const describeSelector = (selector: Readonly<Record<string, string>>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The pools whose whole node selector `nodeSelector` contains. */
function selectedPools(nodeSelector: Readonly<Record<string, string>>, pools: readonly PlacementPool[]): PlacementPool[] {
  return pools.filter((p) => Object.entries(p.nodeSelector).every(([k, v]) => nodeSelector[k] === v));
}

/** Reports every pod template that requests a GPU resource without selecting a GPU pool that offers it. */
export function checkGpuPoolPlacement(objects: readonly KubeObject[], config: GpuPoolPlacementConfig, report: ReportViolation): void {
  const gpuPools = config.pools.filter((p) => p.kind === 'gpu');
  const known = gpuPools.map((p) => p.gpuResource).filter((r): r is string => r !== undefined);
  for (const template of podTemplatesIn(objects)) {
    const requested = new Set<string>();
    for (const c of containersOf(template)) {
      const resources = asRecord(c.container.resources);
      for (const side of ['requests', 'limits']) for (const r of Object.keys(asRecord(resources?.[side]) ?? {})) if (isGpuResource(r, known)) requested.add(r);
    }
    if (!requested.size) continue;
    const gpus = [...requested].sort().join(', ');
    const nodeSelector = asStringMap(template.spec.nodeSelector);
    const at = [...template.path, 'nodeSelector'];
    const selected = selectedPools(nodeSelector, config.pools);
    const selectedGpu = selected.filter((p) => p.kind === 'gpu');
    if (!selectedGpu.length) {
      const options = gpuPools.map((p) => `${p.name} (${describeSelector(p.nodeSelector) || 'no selector'})`).join('; ');
      const cpu = selected.find((p) => p.kind === 'cpu');
      const why = cpu
        ? `its nodeSelector selects the CPU pool ${cpu.name}`
        : Object.keys(nodeSelector).length
          ? `its nodeSelector (${describeSelector(nodeSelector)}) selects no GPU pool`
          : 'it has no nodeSelector';
      report(
        template.object,
        at,
        gpuPools.length
          ? `pods request ${gpus} but ${why}; set the nodeSelector of a GPU pool: ${options}`
          : `pods request ${gpus} but the stack defines no GPU pool; add one or remove the GPU request`,
      );
      continue;
    }
    const missing = [...requested].filter((r) => !selectedGpu.some((p) => p.gpuResource === r)).sort();
    if (missing.length) {
      const pool = selectedGpu[0]!;
      report(
        template.object,
        at,
        `pods request ${missing.join(', ')} but select the GPU pool ${pool.name}, whose nodes offer ${pool.gpuResource ?? 'no GPU resource'}; request ${pool.gpuResource ?? 'a resource the pool offers'} instead or select a pool that offers ${missing.join(', ')}`,
      );
    }
  }
}

/** The `gpu-pool-placement` rule. */
export const gpuPoolPlacementRule: ManifestRule<GpuPoolPlacementConfig, 'gpu-pool-placement'> = {
  id: 'gpu-pool-placement',
  description: 'A pod that requests a GPU resource selects, by nodeSelector, a GPU pool whose nodes offer that resource.',
  defaultLevel: 'mandatory',
  scope: 'object',
  check: checkGpuPoolPlacement,
};

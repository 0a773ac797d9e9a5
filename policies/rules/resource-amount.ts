/**
 * Amounts of Kubernetes resources (`cpu`, `memory`, `nvidia.com/gpu`, …) as
 * exact integers of thousandths, so sums over replicas and containers never
 * go through floating point, and how messages show them.
 */
import { formatBytes, formatMillicores, parseQuantity } from '../../core/spec/quantity.ts';

/**
 * A quantity in thousandths of its unit (millicores for CPU, millibytes for
 * memory, milli-GPUs), rounded up; `undefined` when it is not a quantity.
 *
 * @example
 * toMilli('250m') // 250n
 * toMilli('1Gi') // 1073741824000n
 * toMilli(2) // 2000n
 */
export function toMilli(value: unknown): bigint | undefined {
  const parsed = parseQuantity(value);
  if (!parsed.ok) return undefined;
  const { numerator, denominator } = parsed.value;
  return (numerator * 1000n + denominator - 1n) / denominator;
}

/** Extended resources that are GPUs whatever the stack says (NVIDIA whole GPUs and MIG slices, AMD, Intel). */
const WELL_KNOWN_GPU = /^(nvidia\.com\/(gpu|mig-.+)|amd\.com\/gpu|gpu\.intel\.com\/.+)$/;

/** Whether `resource` is a GPU resource: one a stack pool names, or a well-known GPU resource. */
export function isGpuResource(resource: string, gpuResources: readonly string[] = []): boolean {
  return gpuResources.includes(resource) || WELL_KNOWN_GPU.test(resource);
}

const BYTE_RESOURCES = /^(memory|ephemeral-storage|storage|hugepages-.+)$/;

function wholeOrDecimal(milli: bigint): string {
  return milli % 1000n === 0n ? String(milli / 1000n) : String(Number(milli) / 1000);
}

/**
 * An amount of `resource` as messages show it, with its unit:
 * `"300 CPU"`, `"1536Gi memory"`, `"10 GPUs"`, `"12 pods"`, `"2Gi ephemeral-storage"`.
 */
export function formatAmount(resource: string, milli: bigint, gpuResources: readonly string[] = []): string {
  if (resource === 'cpu') return `${formatMillicores(Number(milli))} CPU`;
  if (BYTE_RESOURCES.test(resource)) {
    const bytes = (milli + 999n) / 1000n;
    return `${formatBytes(Number(bytes))} ${resource}`;
  }
  if (isGpuResource(resource, gpuResources)) return `${wholeOrDecimal(milli)} GPUs`;
  if (resource === 'pods') return `${wholeOrDecimal(milli)} pods`;
  return `${wholeOrDecimal(milli)} ${resource}`;
}

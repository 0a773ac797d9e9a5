/**
 * CPU and memory of a container, in the plan's units, and how they render as
 * Kubernetes quantities.
 */
import { k8s } from 'cdk8s-plus-27';
import { formatBytes, formatMillicores } from '../core/spec/quantity.ts';

/** CPU and memory of one container (a request or a limit). */
export interface ContainerSize {
  /** CPU in millicores (`250` = `"250m"`). */
  readonly cpuMillicores: number;
  /** Memory in bytes. */
  readonly memoryBytes: number;
}

/** Renders a size as a `{cpu, memory}` quantity map (`{cpu: "250m", memory: "256Mi"}`). */
export function toQuantities(size: ContainerSize): { [key: string]: k8s.Quantity } {
  return {
    cpu: k8s.Quantity.fromString(formatMillicores(size.cpuMillicores)),
    memory: k8s.Quantity.fromString(formatBytes(size.memoryBytes)),
  };
}

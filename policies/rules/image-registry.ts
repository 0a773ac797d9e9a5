/**
 * `image-registry`: every container image (containers, init containers,
 * ephemeral containers) comes from an allowed registry
 * (`modelfleet:policies.allowedRegistries`). Images are compared by their
 * full reference, as the container runtime resolves it: `rclone/rclone:1.68.2`
 * is `docker.io/rclone/rclone`, `busybox` is `docker.io/library/busybox`.
 */
import { asString, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { containersOf, describeContainer, podTemplatesIn } from './pod-templates.ts';

/** Configuration of `image-registry`. */
export interface ImageRegistryConfig {
  /**
   * Allowed registries: a host (`nvcr.io`) or a host and repository prefix
   * (`nvcr.io/nvidia`), matched on whole path components.
   *
   * @default - the stack's `policies.allowedRegistries`
   */
  readonly allowedRegistries: readonly string[];
}

/** Names of Docker Hub. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The repository of an image reference with its registry made explicit and
 * tag and digest removed: `rclone/rclone:1.68.2` → `docker.io/rclone/rclone`,
 * `nvcr.io/nvidia/tritonserver:24.08-py3` → `nvcr.io/nvidia/tritonserver`.
 */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
  const parts = name.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first.toLowerCase() : 'docker.io';
  const path = hasRegistry ? parts.slice(1) : parts;
  if (DOCKER_HUB.has(registry)) return `docker.io/${path.length === 1 ? 'library/' : ''}${path.join('/')}`;
  return `${registry}/${path.join('/')}`;
}

/** Whether `image` comes from one of `allowed`. */
export function isAllowedImage(image: string, allowed: readonly string[]): boolean {
  const repository = imageRepository(image);
  return allowed.some((entry) => {
    const prefix = entry.replace(/\/+$/, '').toLowerCase();
    return repository === prefix || repository.startsWith(`${prefix}/`);
  });
}

/** Reports every container whose image is not from an allowed registry (or that has no image). */
export function checkImageRegistry(objects: readonly KubeObject[], config: ImageRegistryConfig, report: ReportViolation): void {
  const allowed = config.allowedRegistries.join(', ') || '(none)';
  for (const template of podTemplatesIn(objects)) {
    for (const c of containersOf(template)) {
      const image = asString(c.container.image);
      if (!image) {
        report(template.object, [...c.path, 'image'], `${describeContainer(c)} has no image; give an image from an allowed registry (${allowed})`);
      } else if (!isAllowedImage(image, config.allowedRegistries)) {
        report(
          template.object,
          [...c.path, 'image'],
          `${describeContainer(c)} uses image "${image}" (${imageRepository(image)}), which is not from an allowed registry (${allowed}); mirror it into one, or add its registry to modelfleet:policies.allowedRegistries`,
        );
      }
    }
  }
}

/** The `image-registry` rule. */
export const imageRegistryRule: ManifestRule<ImageRegistryConfig, 'image-registry'> = {
  id: 'image-registry',
  description: 'Every container image comes from an allowed registry.',
  defaultLevel: 'mandatory',
  scope: 'object',
  check: checkImageRegistry,
};

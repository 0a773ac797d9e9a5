/**
 * Render-to-directory mode: one explicit Kubernetes provider that writes
 * every object as YAML instead of applying it (`renderYamlToDirectory`).
 * Caveats are in docs/stack-config.md ("modelfleet:renderYamlToDirectory").
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import * as k8s from '@pulumi/kubernetes';

/** The provider's resource name: part of every rendered resource's provider reference, so keep it stable. */
export const RENDER_PROVIDER_NAME = 'modelfleet-render';

/**
 * The directory as the provider must be given it. The provider plugin runs
 * in the same working directory as the program (Pulumi starts both in the
 * program folder, `stacks/`), so a project-relative directory is passed
 * relative to that folder (`rendered` → `../rendered`): the value kept in
 * the provider's state is then the same on every machine, and changing it
 * would replace every resource. An absolute directory is passed unchanged.
 *
 * @param directory - `modelfleet:renderYamlToDirectory`, relative to `projectRoot` or absolute
 * @param projectRoot - the directory of `Pulumi.yaml`
 * @param cwd - the program's working directory
 */
export function renderDirectoryForProvider(directory: string, projectRoot: string, cwd: string): string {
  if (isAbsolute(directory)) return directory;
  return (relative(cwd, resolve(projectRoot, directory)) || '.').split(sep).join('/');
}

/**
 * Creates the explicit provider of render mode. `kubeconfig: ''` keeps the
 * SDK from filling `kubeconfig` from the `KUBECONFIG` environment variable:
 * provider versions before pulumi-kubernetes#4406 reject any `kubeconfig`
 * next to `renderYamlToDirectory` (pulumi-kubernetes#2535), and an empty
 * value is not one. No `context` or `cluster` either, for the same check;
 * the stack's `kubernetes:*` config configures only the default provider.
 */
export function createRenderProvider(directoryForProvider: string): k8s.Provider {
  return new k8s.Provider(RENDER_PROVIDER_NAME, { renderYamlToDirectory: directoryForProvider, kubeconfig: '' });
}

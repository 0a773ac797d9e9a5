/**
 * The validation step of the `synth` pipeline: every rendered object of
 * every manifest file, checked strictly against its schema.
 */
import { isJsonObject } from './strict-schema.ts';
import type { ManifestIssue } from './manifest-issue.ts';
import { defaultManifestValidator, type ManifestValidator } from './manifest-validator.ts';

/** The objects of one manifest file (a `FleetManifest` of `renderFleet()`). */
export interface ManifestObjects {
  /** Path of the file, relative to `--out` (`manifests/fraud.yaml`). */
  readonly path: string;
  /** The objects, as plain JSON data. */
  readonly objects: readonly unknown[];
}

/** Names an object for messages: `Deployment/fraud-realtime-gpu-l4-1`. */
export function objectName(object: unknown): string {
  if (!isJsonObject(object)) return `(${object === null ? 'null' : Array.isArray(object) ? 'an array' : typeof object})`;
  const meta = isJsonObject(object.metadata) ? object.metadata : {};
  const kind = typeof object.kind === 'string' ? object.kind : '(no kind)';
  const name = typeof meta.name === 'string' ? meta.name : '(no name)';
  return `${kind}/${name}`;
}

/**
 * Every schema problem of every object, in file and object order; an empty
 * array means everything is valid.
 *
 * @param validator - @default - `defaultManifestValidator()` (the vendored schemas)
 */
export function findManifestIssues(manifests: readonly ManifestObjects[], validator: ManifestValidator = defaultManifestValidator()): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      for (const problem of validator.validate(object)) {
        issues.push({ file: manifest.path, object: objectName(object), path: problem.path, message: problem.message });
      }
    }
  }
  return issues;
}

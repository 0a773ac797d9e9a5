/**
 * A rendered object that fails schema validation, as data, and the error
 * `synth` throws for it. Such an object is a bug in modelfleet, never the
 * fleet author's mistake: every input is validated before anything renders.
 */
import { formatPath } from '../errors/spec-issue.ts';

/** One schema problem of one rendered object. */
export interface ManifestIssue {
  /** Manifest file the object belongs to, relative to `--out` (`manifests/fraud.yaml`). */
  readonly file: string;
  /** The object as `Kind/name` (`Deployment/fraud-realtime-gpu-l4-1`). */
  readonly object: string;
  /** Field path inside the object (`['spec', 'template', 'spec', 'containers', 0, 'foo']`). */
  readonly path: readonly (string | number)[];
  /** What is wrong (`unknown field`, `expected integer, got "http"`). */
  readonly message: string;
}

/** What every internal-error line ends with. */
export const INTERNAL_ERROR_HINT = 'this is a bug in modelfleet, please report it';

/**
 * Renders one issue as `FILE: Kind/name: FIELD: message`
 * (`manifests/fraud.yaml: Deployment/fraud-realtime-gpu-l4-1: spec.template.spec.containers[0].foo: unknown field`).
 */
export function formatManifestIssue(issue: ManifestIssue): string {
  return `${issue.file}: ${issue.object}: ${formatPath(issue.path)}: ${issue.message}`;
}

/** Renders one issue as the line `synth` prints: `internal error: FILE: Kind/name: FIELD: message; this is a bug …`. */
export function formatInternalError(issue: ManifestIssue): string {
  return `internal error: ${formatManifestIssue(issue)}; ${INTERNAL_ERROR_HINT}`;
}

/**
 * Thrown by `synthFleet` when a rendered object fails strict schema
 * validation. Nothing is written or applied then.
 */
export class ManifestValidationError extends Error {
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[]) {
    super(issues.map(formatInternalError).join('\n'));
    this.name = 'ManifestValidationError';
    this.issues = issues;
  }
}

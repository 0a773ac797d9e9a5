/**
 * Where the upstream CRDs live in this repository: `vendor/crds/`, verbatim
 * CustomResourceDefinition YAML with provenance, licence and sha256 in its
 * README. `scripts/gen-imports.ts` and `scripts/gen-schemas.ts` read them.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The vendored CRD directory, the generators' default CRD_DIR. */
export const VENDORED_CRD_DIR = join(REPO_ROOT, 'vendor', 'crds');

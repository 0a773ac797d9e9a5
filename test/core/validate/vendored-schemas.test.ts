/**
 * The schemas vendored in `core/validate/schemas/` are exactly what
 * `scripts/gen-schemas.ts` generates: the built-in kinds from the pinned
 * devDependency kubernetes-models, the custom resources from the CRDs
 * vendored in `vendor/crds/`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRD_DIR, generateBuiltinSchemas, generateCustomResourceSchemas, withoutDescriptions } from '../../../scripts/gen-schemas.ts';
import {
  BUILTIN_SCHEMAS_FILE,
  CUSTOM_RESOURCE_SCHEMAS_FILE,
  KUBERNETES_SCHEMA_VERSION,
  readVendoredSchemas,
  VENDORED_SCHEMAS_DIR,
} from '../../../core/validate/vendored-schemas.ts';

const committed = (file: string) => readFileSync(join(VENDORED_SCHEMAS_DIR, file), 'utf8');

describe('core/validate/schemas', () => {
  it(`${BUILTIN_SCHEMAS_FILE} is exactly what scripts/gen-schemas.ts generates from kubernetes-models`, () => {
    expect(generateBuiltinSchemas()).toBe(committed(BUILTIN_SCHEMAS_FILE));
    const { builtin } = readVendoredSchemas();
    expect(builtin.kubernetesVersion).toBe(KUBERNETES_SCHEMA_VERSION);
    expect(builtin.source).toMatch(/^npm kubernetes-models@4\.3\.1 /);
    // Every $ref resolves inside the file.
    const refs = JSON.stringify(builtin.definitions).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) expect(builtin.definitions).toHaveProperty([ref.slice(8, -1).replace(/#$/, '')]);
  });

  it(`${CUSTOM_RESOURCE_SCHEMAS_FILE} is exactly what scripts/gen-schemas.ts generates from vendor/crds`, () => {
    expect(generateCustomResourceSchemas(DEFAULT_CRD_DIR)).toBe(committed(CUSTOM_RESOURCE_SCHEMAS_FILE));
  });

  it('records provenance and licence of every vendored schema', () => {
    const { builtin, customResources } = readVendoredSchemas();
    expect(builtin.license).toContain('Apache-2.0');
    for (const cr of customResources.kinds) {
      expect(cr.license).toBe('Apache-2.0');
      expect(cr.source).toMatch(/^github\.com\/\S+ .*\(sha256 of \S+\.yaml: [0-9a-f]{64}\)$/);
    }
    expect(readFileSync(join(VENDORED_SCHEMAS_DIR, 'NOTICE.md'), 'utf8')).toContain('Apache License, Version 2.0');
  });

  it('drops description annotations only, never a field named description', () => {
    expect(
      withoutDescriptions({
        description: 'a schema',
        properties: { description: { type: 'string', description: 'the field' } },
        default: { description: 'data' },
        items: { description: 'x', type: 'integer' },
      }),
    ).toEqual({ properties: { description: { type: 'string' } }, default: { description: 'data' }, items: { type: 'integer' } });
  });
});

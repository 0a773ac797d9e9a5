import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRD_DIR, generateImport, IMPORTS, IMPORTS_DIR } from '../../scripts/gen-imports.ts';

describe('constructs/imports', () => {
  it.each(IMPORTS.map((spec) => [spec.outFile, spec] as const))('%s is exactly what scripts/gen-imports.ts generates', async (outFile, spec) => {
    const committed = readFileSync(join(IMPORTS_DIR, outFile), 'utf8');
    expect(committed.startsWith('/* eslint-disable */\n/**\n * GENERATED FILE - DO NOT EDIT.')).toBe(true);
    expect(await generateImport(spec, DEFAULT_CRD_DIR)).toBe(committed);
  });
});

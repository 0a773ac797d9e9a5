/**
 * Vendored upstream inputs are what their provenance says. The CRDs in
 * `vendor/crds/` are the files its README describes: each one is listed with
 * its provenance, its sha256 matches the README's, and every CRD a generator
 * reads is vendored. Triton's `core/triton/model_config.proto` is the
 * upstream file its header names, byte for byte below the header. (That the generated types and schemas are
 * current is checked by `test/constructs/imports.test.ts` and
 * `test/core/validate/vendored-schemas.test.ts`.)
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMPORTS } from '../../scripts/gen-imports.ts';
import { CUSTOM_RESOURCES } from '../../scripts/gen-schemas.ts';
import { VENDORED_CRD_DIR } from '../../scripts/vendored-crds.ts';

const readme = readFileSync(join(VENDORED_CRD_DIR, 'README.md'), 'utf8');
const yamlFiles = readdirSync(VENDORED_CRD_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** `sha256  file` lines of the README's checksum block. */
function recordedSums(text: string): Map<string, string> {
  const block = /<!-- sha256[^>]*-->\n```\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('vendor/crds/README.md has no sha256 block');
  return new Map(
    block[1]!
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
        if (!m) throw new Error(`vendor/crds/README.md: malformed sha256 line ${JSON.stringify(line)}`);
        return [m[2]!, m[1]!] as const;
      }),
  );
}

describe('vendor/crds', () => {
  const sums = recordedSums(readme);

  it('records a sha256 for exactly the vendored YAML files', () => {
    expect([...sums.keys()].sort()).toEqual(yamlFiles);
  });

  it.each(yamlFiles)('%s matches its recorded sha256 and has a provenance row with its licence', (file) => {
    const actual = createHash('sha256').update(readFileSync(join(VENDORED_CRD_DIR, file))).digest('hex');
    expect(actual).toBe(sums.get(file));
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${file}\` |`));
    expect(row, `no provenance row for ${file}`).toBeDefined();
    expect(row).toMatch(/github\.com\/\S+ \|/);
    expect(row).toMatch(/commit `[0-9a-f]{40}`|blob `[0-9a-f]{40}`/);
    expect(row).toMatch(/\| Apache-2\.0 \|$/);
  });

  it('vendors every CRD the generators read, and its licence text', () => {
    const read = new Set([...IMPORTS.map((s) => s.crdFile), ...CUSTOM_RESOURCES.map((s) => s.crdFile)]);
    expect([...read].filter((f) => !yamlFiles.includes(f))).toEqual([]);
    expect(readFileSync(join(VENDORED_CRD_DIR, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');
  });

  it("Triton's model_config.proto in core/triton/ is the upstream file its header names, unmodified", () => {
    const text = readFileSync(join(VENDORED_CRD_DIR, '..', '..', 'core', 'triton', 'model_config.proto'), 'utf8');
    const header = text.slice(0, text.indexOf('\n\n'));
    const recorded = /sha256\s*(?:\/\/\s*)?([0-9a-f]{64})/.exec(header)?.[1];
    expect(header).toMatch(/github\.com\/triton-inference-server\/common, protobuf\/model_config\.proto, [\s\S]* commit [0-9a-f]{40}/);
    expect(header).toContain('License: BSD-3-Clause');
    expect(createHash('sha256').update(text.slice(header.length + 2)).digest('hex')).toBe(recorded);
  });

  it('the checksum parser rejects a tampered block', () => {
    expect(() => recordedSums('<!-- sha256 -->\n```\nnot-a-sum  keda.yaml\n```')).toThrow(/malformed sha256 line/);
    expect(() => recordedSums('no block')).toThrow(/no sha256 block/);
  });
});

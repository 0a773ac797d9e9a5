/**
 * Dependencies point one way: models → core ← policies ← constructs ← stacks,
 * with the CLI on top. core/ and policies/ import neither cdk8s nor Pulumi,
 * and nothing imports stacks/ or cli/ from below.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs)$/.test(e.name)) out.push(p);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]!);
}

/** Resolves a relative import to the top-level folder it lands in. */
function layerOf(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(ROOT, resolve(file, '..', spec)).split('/')[0]!;
}

const FORBIDDEN: Record<string, RegExp> = {
  core: /^(cdk8s|cdk8s-plus-27|constructs|@pulumi\/|policies$|constructs$|stacks$|cli$|models$)/,
  policies: /^(cdk8s|cdk8s-plus-27|constructs|@pulumi\/|stacks$|cli$|models$)/,
  constructs: /^(@pulumi\/|stacks$|cli$|models$)/,
  models: /^(?!modelfleet$)/,
};

describe('layering', () => {
  for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
    it(`${layer}/ imports nothing it must not`, () => {
      const violations: string[] = [];
      for (const file of sources(layer)) {
        if (layer === 'policies' && file.includes('/policies/pack/')) continue; // the Pulumi policy pack wraps the pure rules
        for (const spec of importsOf(file)) {
          const target = layerOf(file, spec);
          if (target === layer) continue;
          if (forbidden.test(target)) violations.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }
});

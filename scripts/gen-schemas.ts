/**
 * Generates the schemas `synth` validates its output against,
 * `core/validate/schemas/kubernetes.json` and `custom-resources.json`
 * (see `core/validate/vendored-schemas.ts` and `docs/validation.md`).
 *
 * Run with `npm run gen:schemas [-- CRD_DIR]` (or `npx tsx scripts/gen-schemas.ts [CRD_DIR]`).
 * CRD_DIR defaults to `vendor/crds` (verbatim upstream CRD YAML, provenance
 * and sha256 in its README). The output is
 * deterministic, so CI can regenerate and `git diff --exit-code core/validate/schemas`;
 * `test/core/validate/vendored-schemas.test.ts` does the same comparison.
 *
 * - Built-in kinds: the definitions of `BUILTIN_KINDS` and every definition
 *   they reference (transitively), taken verbatim from the devDependency
 *   `kubernetes-models` (Kubernetes 1.27.1). Nothing is rewritten here; the
 *   runtime makes them strict (`core/validate/strict-schema.ts`) and restores
 *   the one property kubernetes-models drops (`PriorityClass.description`).
 * - Custom resources: the `openAPIV3Schema` of the one version of each CRD in
 *   `CUSTOM_RESOURCES`, with `description` annotations removed (they are
 *   three quarters of the bytes and validate nothing).
 *
 * To validate a new kind, add it to `BUILTIN_KINDS` or `CUSTOM_RESOURCES`
 * (and the CRD file to `vendor/crds/`, with its provenance and sha256 in that
 * directory's README), run this script and commit the result.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonSchema } from '../core/validate/strict-schema.ts';
import { VENDORED_CRD_DIR } from './vendored-crds.ts';
import {
  BUILTIN_SCHEMAS_FILE,
  CUSTOM_RESOURCE_SCHEMAS_FILE,
  KUBERNETES_SCHEMA_VERSION,
  VENDORED_SCHEMAS_DIR,
  type BuiltinSchemaSet,
  type CustomResourceSchema,
  type CustomResourceSchemaSet,
  type KindRef,
} from '../core/validate/vendored-schemas.ts';

/** Built-in kinds synth renders (the same list as `stacks/kube-kinds.ts`). */
export const BUILTIN_KINDS: readonly KindRef[] = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass' },
];

/** One custom resource version to vendor. */
export interface CustomResourceSpec {
  /** CRD file name inside the CRD directory. */
  readonly crdFile: string;
  /** Served version whose schema is vendored. */
  readonly version: string;
  /** Upstream repository, file and version (from the CRD directory's README). */
  readonly source: string;
  /** Licence of the upstream file. */
  readonly license: string;
}


/** Custom resources synth renders. */
export const CUSTOM_RESOURCES: readonly CustomResourceSpec[] = [
  {
    crdFile: 'networking.istio.io_virtualservices.yaml',
    version: 'v1',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'networking.istio.io_destinationrules.yaml',
    version: 'v1',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'security.istio.io_authorizationpolicies.yaml',
    version: 'v1',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'keda.sh_scaledobjects.yaml',
    version: 'v1alpha1',
    source: 'github.com/kedacore/keda tag v2.20.2 (commit 68a5b5028f35b22d50597c69819ab32c4e92f21a), config/crd/bases/keda.sh_scaledobjects.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'monitoring.coreos.com_servicemonitors.yaml',
    version: 'v1',
    source:
      'github.com/prometheus-operator/prometheus-operator v0.84.1 (blob 9ada96eb66b6293baad54fd833def5db86d23d86), example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'networking.istio.io_envoyfilters.yaml',
    version: 'v1alpha3',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'security.istio.io_requestauthentications.yaml',
    version: 'v1',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
  {
    crdFile: 'security.istio.io_peerauthentications.yaml',
    version: 'v1',
    source: 'github.com/istio/api tag 1.30.3 (commit 2e43f07b30b6744bc8252fce39fb58b03f85ff8b), kubernetes/customresourcedefinitions.gen.yaml',
    license: 'Apache-2.0',
  },
];

/** Default CRD directory: the CRDs vendored in `vendor/crds/` (provenance in its README). */
export const DEFAULT_CRD_DIR = VENDORED_CRD_DIR;

const GENERATED_BY = 'scripts/gen-schemas.ts; do not edit (npm run gen:schemas)';

/** Runs a kubernetes-models CommonJS schema module, collecting what it registers. */
function collectSchemas(dir: string, into: Map<string, JsonSchema>): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const source = readFileSync(join(dir, file), 'utf8');
    const module = { exports: {} as { addSchema?: () => void } };
    const fakeRequire = (request: string) =>
      request === '@kubernetes-models/validate' ? { register: (id: string, schema: JsonSchema) => into.set(id, schema) } : { addSchema: () => undefined };
    // The modules only build a literal and call register(); nothing else runs.
    new Function('exports', 'require', 'module', source)(module.exports, fakeRequire, module);
    module.exports.addSchema?.();
  }
}

/** Every `$ref` target (without the trailing `#`) in `schema`. */
function refsOf(schema: unknown, into: string[] = []): string[] {
  if (Array.isArray(schema)) for (const item of schema) refsOf(item, into);
  else if (isJsonObject(schema)) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') into.push(value.replace(/#$/, ''));
      else refsOf(value, into);
    }
  }
  return into;
}

/** The text of `kubernetes.json`: `BUILTIN_KINDS` from the installed kubernetes-models. */
export function generateBuiltinSchemas(): string {
  const require = createRequire(import.meta.url);
  const modelsRoot = dirname(require.resolve('kubernetes-models'));
  const modelsVersion = (JSON.parse(readFileSync(join(modelsRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const machineryRoot = dirname(createRequire(join(modelsRoot, 'index.js')).resolve('@kubernetes-models/apimachinery'));
  const all = new Map<string, JsonSchema>();
  collectSchemas(join(machineryRoot, '_schemas'), all);
  collectSchemas(join(modelsRoot, '_schemas'), all);

  const definitionOf = (ref: KindRef): string => {
    for (const [id, schema] of all) {
      const props = isJsonObject(schema.properties) ? schema.properties : {};
      const versions = isJsonObject(props.apiVersion) ? props.apiVersion.enum : undefined;
      const kinds = isJsonObject(props.kind) ? props.kind.enum : undefined;
      if (Array.isArray(versions) && Array.isArray(kinds) && versions.length === 1 && kinds.length === 1 && versions[0] === ref.apiVersion && kinds[0] === ref.kind) return id;
    }
    throw new Error(`kubernetes-models@${modelsVersion} has no schema for ${ref.apiVersion} ${ref.kind}`);
  };
  const kinds = BUILTIN_KINDS.map((ref) => ({ ...ref, definition: definitionOf(ref) }));
  // ObjectMeta is what custom resources' metadata is checked against.
  const pending = ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', ...kinds.map((k) => k.definition)];
  const needed = new Set<string>();
  while (pending.length) {
    const id = pending.pop()!;
    if (needed.has(id)) continue;
    const schema = all.get(id);
    if (!schema) throw new Error(`kubernetes-models@${modelsVersion}: $ref to unknown definition ${id}`);
    needed.add(id);
    pending.push(...refsOf(schema));
  }
  const set: BuiltinSchemaSet = {
    generatedBy: GENERATED_BY,
    source: `npm kubernetes-models@${modelsVersion} (MIT, github.com/tommy351/kubernetes-models-ts): the OpenAPI definitions of Kubernetes ${KUBERNETES_SCHEMA_VERSION}`,
    license: 'Apache-2.0 (Kubernetes OpenAPI definitions); MIT (kubernetes-models)',
    kubernetesVersion: KUBERNETES_SCHEMA_VERSION,
    kinds,
    definitions: Object.fromEntries([...needed].sort().map((id) => [id, all.get(id)!])),
  };
  return serialize(set as unknown as Record<string, unknown>);
}

/** `schema` without `description` annotations (field names, defaults, enums and CEL rules are kept as they are). */
export function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (!isJsonObject(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') continue;
    if (key === 'properties' && isJsonObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDescriptions(v)]));
    else if (key === 'default' || key === 'enum' || key === 'example' || key === 'x-kubernetes-validations') out[key] = value;
    else out[key] = withoutDescriptions(value);
  }
  return out;
}

interface Crd {
  readonly kind?: string;
  readonly spec?: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly { readonly name: string; readonly served: boolean; readonly schema?: { readonly openAPIV3Schema?: JsonSchema } }[];
  };
}

/** The text of `custom-resources.json`: `CUSTOM_RESOURCES` from the CRDs in `crdDir`. */
export function generateCustomResourceSchemas(crdDir: string = DEFAULT_CRD_DIR): string {
  const kinds: CustomResourceSchema[] = CUSTOM_RESOURCES.map((spec) => {
    const text = readFileSync(join(crdDir, spec.crdFile), 'utf8');
    const crds = parseAllDocuments(text)
      .map((d) => d.toJS() as Crd | null)
      .filter((c): c is Crd => c?.kind === 'CustomResourceDefinition');
    if (crds.length !== 1 || !crds[0]!.spec) throw new Error(`${spec.crdFile}: expected exactly one CustomResourceDefinition, found ${crds.length}`);
    const crd = crds[0]!.spec!;
    const version = crd.versions.find((v) => v.name === spec.version);
    const schema = version?.schema?.openAPIV3Schema;
    if (!version?.served || !schema) throw new Error(`${spec.crdFile}: version ${spec.version} is not served or has no openAPIV3Schema`);
    return {
      apiVersion: `${crd.group}/${version.name}`,
      kind: crd.names.kind,
      source: `${spec.source} (sha256 of ${spec.crdFile}: ${createHash('sha256').update(text).digest('hex')})`,
      license: spec.license,
      schema: withoutDescriptions(schema) as JsonSchema,
    };
  });
  const set: CustomResourceSchemaSet = { generatedBy: GENERATED_BY, kinds };
  return serialize(set as unknown as Record<string, unknown>);
}

/**
 * Compact, diff-friendly JSON: one line per top-level scalar, per list entry
 * and per definition.
 */
function serialize(top: Record<string, unknown>): string {
  const parts = Object.entries(top).map(([key, value]) => {
    const name = JSON.stringify(key);
    if (Array.isArray(value)) return `${name}: [\n${value.map((v) => JSON.stringify(v)).join(',\n')}\n]`;
    if (isJsonObject(value)) return `${name}: {\n${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}`;
    return `${name}: ${JSON.stringify(value)}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}

function main(): void {
  const crdDir = resolve(process.argv[2] ?? DEFAULT_CRD_DIR);
  mkdirSync(VENDORED_SCHEMAS_DIR, { recursive: true });
  for (const [file, text] of [
    [BUILTIN_SCHEMAS_FILE, generateBuiltinSchemas()],
    [CUSTOM_RESOURCE_SCHEMAS_FILE, generateCustomResourceSchemas(crdDir)],
  ] as const) {
    writeFileSync(join(VENDORED_SCHEMAS_DIR, file), text);
    console.log(`wrote core/validate/schemas/${file} (${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}

/**
 * Strict schema validation of synthesized Kubernetes objects, for any test.
 *
 * - Built-in kinds: the OpenAPI schemas of Kubernetes 1.27.1 as shipped by
 *   the npm package `kubernetes-models@4.3.1` (pinned; its README badge says
 *   1.27.1, and it has 1.27's `resizePolicy` but not 1.28's container
 *   `restartPolicy`). Older API versions (apps/v1beta1, …) are in it too.
 * - Custom resources: every served version of every CRD in
 *   `shared/reference/crds/` (Istio VirtualService, DestinationRule, …),
 *   validated against the CRD's openAPIV3Schema, with `metadata` checked as
 *   a Kubernetes ObjectMeta.
 *
 * "Strict" means unknown fields are errors, as with `kubectl apply
 * --validate=strict`: `strictSchema()` closes every object schema that lists
 * `properties` (and is not `x-kubernetes-preserve-unknown-fields`) with
 * `additionalProperties: false`. It is also stricter than the API server in
 * one way: `null` is rejected where an optional field is expected.
 * CEL rules (`x-kubernetes-validations`) are not evaluated.
 *
 * @example
 * expect(validateManifests(objects)).toEqual([]);
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/** Kubernetes version the built-in schemas describe. */
export const KUBERNETES_SCHEMA_VERSION = '1.27.1';

/** Directory of the reference CRDs (override with `MODELFLEET_CRDS_DIR`). */
export const CRDS_DIR = process.env.MODELFLEET_CRDS_DIR ?? fileURLToPath(new URL('../../../shared/reference/crds/', import.meta.url));

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Returns a copy of `schema` in which every object schema that has
 * `properties`, does not carry `x-kubernetes-preserve-unknown-fields: true`
 * and does not set `additionalProperties` gets `additionalProperties: false`.
 * Also drops OpenAPI's `oneOf: [X, {type: 'null'}]` nullability wrapper (keeps
 * X) and `nullable`, so `null` is never accepted for an optional field.
 */
export function strictSchema<T>(schema: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObject(node)) return node;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'nullable') continue;
      if (key === 'properties' && isObject(value)) {
        out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
        continue;
      }
      out[key] = walk(value);
    }
    const oneOf = out.oneOf;
    if (Array.isArray(oneOf) && oneOf.length === 2 && isObject(oneOf[1]) && oneOf[1].type === 'null' && Object.keys(oneOf[1]).length === 1) {
      delete out.oneOf;
      Object.assign(out, oneOf[0]);
    }
    if (isObject(out.properties) && out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    return out;
  };
  return walk(schema) as T;
}

/**
 * kubernetes-models strips every `description` key from the upstream
 * OpenAPI document to save space, and with it the one *property* that is
 * named `description`: PriorityClass's (a plain string in the 1.27 API). Put
 * it back, or strict validation would reject a valid PriorityClass.
 */
function patchStrippedProperties(schemas: Map<string, Schema>): void {
  for (const id of ['io.k8s.api.scheduling.v1.PriorityClass', 'io.k8s.api.scheduling.v1beta1.PriorityClass', 'io.k8s.api.scheduling.v1alpha1.PriorityClass']) {
    const props = schemas.get(id)?.properties;
    if (isObject(props) && props.description === undefined) props.description = { type: 'string', nullable: true };
  }
}

const QUANTITY = /^[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

interface Registry {
  readonly ajv: Ajv;
  /** `apiVersion/kind` → schema id. */
  readonly kinds: ReadonlyMap<string, string>;
}

let registry: Registry | undefined;

/** Runs a kubernetes-models CommonJS schema module, collecting what it registers. */
function collectSchemas(dir: string, into: Map<string, Schema>): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const source = readFileSync(join(dir, file), 'utf8');
    const module = { exports: {} as { addSchema?: () => void } };
    const fakeRequire = (request: string) =>
      request === '@kubernetes-models/validate'
        ? { register: (id: string, schema: Schema) => into.set(id, schema) }
        : { addSchema: () => undefined };
    // The modules only build a literal and call register(); nothing else runs.
    new Function('exports', 'require', 'module', source)(module.exports, fakeRequire, module);
    module.exports.addSchema?.();
  }
}

function load(): Registry {
  const require = createRequire(import.meta.url);
  const modelsRoot = dirname(require.resolve('kubernetes-models'));
  const machineryRoot = dirname(createRequire(join(modelsRoot, 'index.js')).resolve('@kubernetes-models/apimachinery'));
  const schemas = new Map<string, Schema>();
  collectSchemas(join(machineryRoot, '_schemas'), schemas);
  collectSchemas(join(modelsRoot, '_schemas'), schemas);
  patchStrippedProperties(schemas);

  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('quantity', { type: 'string', validate: (v: string) => QUANTITY.test(v) });
  ajv.addFormat('string', { type: 'string', validate: () => true });

  const kinds = new Map<string, string>();
  for (const [id, schema] of schemas) {
    ajv.addSchema(strictSchema(schema), id);
    const props = schema.properties;
    if (!isObject(props) || !isObject(props.apiVersion) || !isObject(props.kind)) continue;
    const versions = props.apiVersion.enum;
    const kindNames = props.kind.enum;
    if (Array.isArray(versions) && Array.isArray(kindNames) && versions.length === 1 && kindNames.length === 1) {
      kinds.set(`${String(versions[0])}/${String(kindNames[0])}`, id);
    }
  }

  for (const file of readdirSync(CRDS_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(CRDS_DIR, file), 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
      } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const version of crd.spec.versions) {
        const openApi = version.schema?.openAPIV3Schema;
        if (!version.served || !openApi) continue;
        const apiVersion = `${crd.spec.group}/${version.name}`;
        const kind = crd.spec.names.kind;
        const id = `crd.${crd.spec.group}.${version.name}.${kind}`; // no "/" or ":": refs like "io.k8s…ObjectMeta#" resolve relative to the id
        const props = isObject(openApi.properties) ? openApi.properties : {};
        ajv.addSchema(
          strictSchema({
            ...openApi,
            type: 'object',
            required: ['apiVersion', 'kind', 'metadata'],
            properties: {
              ...props,
              apiVersion: { type: 'string', enum: [apiVersion] },
              kind: { type: 'string', enum: [kind] },
              metadata: { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#' },
            },
          }),
          id,
        );
        kinds.set(`${apiVersion}/${kind}`, id);
      }
    }
  }
  return { ajv, kinds };
}

function getRegistry(): Registry {
  registry ??= load();
  return registry;
}

/** `apiVersion/kind` pairs that `validateManifest()` knows, sorted. */
export function knownKinds(): string[] {
  return [...getRegistry().kinds.keys()].sort();
}

/** Names an object for messages: `Deployment fraud/fraud-realtime-gpu-l4-1`. */
export function describeObject(obj: unknown): string {
  if (!isObject(obj)) return String(obj);
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${String(obj.kind)} ${ns}${String(meta.name)}`;
}

/**
 * Validates one object strictly. Returns the problems as
 * `Kind ns/name: /json/pointer: message`; an empty array means valid.
 */
export function validateManifest(obj: unknown): string[] {
  const { ajv, kinds } = getRegistry();
  const who = describeObject(obj);
  if (!isObject(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [`${who}: not a Kubernetes object (apiVersion and kind are required)`];
  }
  const id = kinds.get(`${obj.apiVersion}/${obj.kind}`);
  if (!id) return [`${who}: no schema for ${obj.apiVersion} ${obj.kind} (Kubernetes ${KUBERNETES_SCHEMA_VERSION} or the CRDs in ${CRDS_DIR})`];
  const validate = ajv.getSchema(id) as ValidateFunction;
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return `${who}: ${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** Validates many objects; returns every problem of every object. */
export function validateManifests(objects: readonly unknown[]): string[] {
  return objects.flatMap((o) => validateManifest(o));
}

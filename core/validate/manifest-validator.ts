/**
 * Strict schema validation of Kubernetes objects, as data: the built-in kinds
 * against the Kubernetes 1.27.1 OpenAPI schemas, the custom resources
 * (Istio, KEDA, prometheus-operator) against their CRDs' `openAPIV3Schema`,
 * both vendored in `core/validate/schemas/`. Unknown fields are errors, as
 * with `kubectl apply --validate=strict` (see `strictSchema()`).
 *
 * Not checked: CEL rules (`x-kubernetes-validations`), list-map key
 * uniqueness (`x-kubernetes-list-type: map`) and anything only the API
 * server or an admission webhook knows (name uniqueness, immutability).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isJsonObject, strictSchema, type JsonSchema } from './strict-schema.ts';
import { readVendoredSchemas, type KindRef, type VendoredSchemas } from './vendored-schemas.ts';

/** The JSON Schema validator's own report of one error (ajv's `ErrorObject`, trimmed). */
export interface SchemaErrorDetail {
  /** JSON pointer of the offending value (`/spec/ports/0/port`); `''` for the object itself. */
  readonly instancePath: string;
  /** Failing keyword (`additionalProperties`, `type`, `required`, …). */
  readonly keyword: string;
  /** The validator's message (`must NOT have additional properties`). */
  readonly message: string;
  /** Keyword parameters (`{ additionalProperty: 'foo' }`). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** One problem with one object. */
export interface ObjectProblem {
  /** Field path inside the object (`['spec', 'template', 'spec', 'containers', 0, 'foo']`); empty for the whole object. */
  readonly path: readonly (string | number)[];
  /** What is wrong and the value received (`unknown field`, `expected integer, got "http"`). */
  readonly message: string;
  /** The schema validator's report behind the problem; absent when the object has no schema at all. */
  readonly schemaError?: SchemaErrorDetail;
}

/** Annotation keywords of Kubernetes schemas: known to the validator, checked by nothing. */
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-embedded-resource',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-unions',
  'x-kubernetes-validations',
];

/** Kubernetes resource quantity (`500m`, `1.5Gi`, `2e3`), as `resource.Quantity` parses it. */
const QUANTITY = /^[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Id of ObjectMeta, which a custom resource's `metadata` is checked against. */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * kubernetes-models strips every `description` key from the upstream OpenAPI
 * document to save space, and with it the one *property* named
 * `description`: PriorityClass's (a plain string in the 1.27 API). Put it
 * back, or strict validation would reject a valid PriorityClass.
 */
function restoreStrippedProperties(id: string, schema: JsonSchema): JsonSchema {
  if (!/^io\.k8s\.api\.scheduling\.v1(?:beta1|alpha1)?\.PriorityClass$/.test(id)) return schema;
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  return props.description === undefined ? { ...schema, properties: { ...props, description: { type: 'string' } } } : schema;
}

const kindKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** Renders a value for a message: `"http"`, `3`, `null`, `an object`. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

/** Resolves a JSON pointer in `root`: the field path (array indices as numbers) and the value there. */
function resolvePointer(root: unknown, pointer: string): { path: (string | number)[]; value: unknown } {
  const path: (string | number)[] = [];
  let value = root;
  if (!pointer) return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path.push(Number(key));
      value = value[Number(key)];
    } else {
      path.push(key);
      value = isJsonObject(value) ? value[key] : undefined;
    }
  }
  return { path, value };
}

/** Turns one ajv error into a problem named in field terms. */
function toProblem(object: unknown, error: ErrorObject): ObjectProblem {
  const { path, value } = resolvePointer(object, error.instancePath);
  const params = error.params as Record<string, unknown>;
  const schemaError: SchemaErrorDetail = { instancePath: error.instancePath, keyword: error.keyword, message: error.message ?? error.keyword, params };
  const got = `got ${describeValue(value)}`;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: 'unknown field', schemaError };
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'required field is missing', schemaError };
    case 'type':
      return { path, message: `expected ${[params.type].flat().join(' or ')}, ${got}`, schemaError };
    case 'enum':
      return { path, message: `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, ${got}`, schemaError };
    case 'format':
      return { path, message: `expected format "${String(params.format)}", ${got}`, schemaError };
    default:
      return { path, message: `${schemaError.message}, ${got}`, schemaError };
  }
}

/**
 * Validates Kubernetes objects strictly against a fixed set of schemas.
 * Building one loads and prepares the schemas (a few milliseconds); each
 * kind's validator is compiled on first use (tens of milliseconds for a
 * Deployment) and reused.
 *
 * @example
 * const problems = defaultManifestValidator().validate(object);
 * // [{ path: ['spec', 'replicas'], message: 'expected integer, got "2"', … }]
 */
export class ManifestValidator {
  /** Kubernetes version of the built-in schemas (`1.27.1`). */
  readonly kubernetesVersion: string;

  private readonly ajv: Ajv;
  /** `apiVersion/kind` → schema id. */
  private readonly schemaIds = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  /** @param schemas - the schemas to validate against; @default - the vendored ones (`readVendoredSchemas()`) */
  constructor(schemas: VendoredSchemas = readVendoredSchemas()) {
    this.kubernetesVersion = schemas.builtin.kubernetesVersion;
    // Strict mode: an unknown keyword or format in a schema is a compile error, never silently unchecked.
    // No optimization pass over the generated code: it cuts compile time (which synth pays on every run) by
    // about 40% and validation is no slower (`npm run bench:validate`).
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      validateFormats: true,
      code: { optimize: false },
    });
    this.ajv.addVocabulary(KUBERNETES_KEYWORDS);
    (addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => void)(this.ajv, ['byte', 'date-time', 'double', 'int32', 'int64']);
    this.ajv.addFormat('quantity', { type: 'string', validate: (v: string) => QUANTITY.test(v) });

    for (const [id, schema] of Object.entries(schemas.builtin.definitions)) {
      this.ajv.addSchema(strictSchema(restoreStrippedProperties(id, schema)), id);
    }
    for (const k of schemas.builtin.kinds) this.schemaIds.set(kindKey(k.apiVersion, k.kind), k.definition);

    for (const cr of schemas.customResources.kinds) {
      // No "/" or ":" in the id: refs like "io.k8s…ObjectMeta#" resolve relative to it.
      const id = `crd.${cr.apiVersion.replace('/', '.')}.${cr.kind}`;
      const props = isJsonObject(cr.schema.properties) ? cr.schema.properties : {};
      this.ajv.addSchema(
        strictSchema({
          ...cr.schema,
          type: 'object',
          required: ['apiVersion', 'kind', 'metadata'],
          properties: {
            ...props,
            apiVersion: { type: 'string', enum: [cr.apiVersion] },
            kind: { type: 'string', enum: [cr.kind] },
            metadata: { $ref: `${OBJECT_META}#` },
          },
        }),
        id,
      );
      this.schemaIds.set(kindKey(cr.apiVersion, cr.kind), id);
    }
  }

  /** The kinds this validator knows, sorted by apiVersion and kind. */
  knownKinds(): KindRef[] {
    return [...this.schemaIds.keys()]
      .sort()
      .map((key) => ({ apiVersion: key.slice(0, key.lastIndexOf('/')), kind: key.slice(key.lastIndexOf('/') + 1) }));
  }

  /** Compiles every kind's validator now rather than on first use (benchmarks, warm-up). */
  compileAll(): void {
    for (const key of this.schemaIds.keys()) this.validatorFor(key);
  }

  /** Validates one object; an empty array means it is valid. */
  validate(object: unknown): ObjectProblem[] {
    if (!isJsonObject(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      return [{ path: [], message: 'not a Kubernetes object (apiVersion and kind are required)' }];
    }
    const validate = this.validatorFor(kindKey(object.apiVersion, object.kind));
    if (!validate) {
      return [
        {
          path: [],
          message: `no schema for ${object.apiVersion} ${object.kind} (modelfleet knows the Kubernetes ${this.kubernetesVersion} built-in kinds and the custom resources vendored in core/validate/schemas/; add the kind to scripts/gen-schemas.ts)`,
        },
      ];
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((error) => toProblem(object, error));
  }

  private validatorFor(key: string): ValidateFunction | undefined {
    let fn = this.compiled.get(key);
    if (!fn) {
      const id = this.schemaIds.get(key);
      if (id === undefined) return undefined;
      fn = this.ajv.getSchema(id);
      if (!fn) throw new Error(`internal: schema ${id} is not registered`);
      this.compiled.set(key, fn);
    }
    return fn;
  }
}

let shared: ManifestValidator | undefined;

/** The validator over the vendored schemas, built on first use and shared. */
export function defaultManifestValidator(): ManifestValidator {
  shared ??= new ManifestValidator();
  return shared;
}

/**
 * Strict schema validation of synthesized Kubernetes objects, for any test: a
 * thin wrapper over the validator `synth` itself runs (`core/validate/`,
 * see `docs/validation.md`), with problems rendered as strings that name the
 * object the way tests have always asserted them.
 *
 * - Built-in kinds: the Kubernetes 1.27.1 OpenAPI schemas (from
 *   `kubernetes-models@4.3.1`), vendored in `core/validate/schemas/`.
 * - Custom resources: Istio VirtualService, KEDA ScaledObject and
 *   prometheus-operator ServiceMonitor, from their upstream CRDs (vendored
 *   in `vendor/crds/`), with `metadata` checked as an ObjectMeta.
 *
 * "Strict" means unknown fields are errors, as with `kubectl apply
 * --validate=strict`, and `null` is rejected where an optional field is
 * expected (`strictSchema()`). CEL rules (`x-kubernetes-validations`) are not
 * evaluated.
 *
 * @example
 * expect(validateManifests(objects)).toEqual([]);
 */
import { defaultManifestValidator } from '../../core/validate/manifest-validator.ts';
import { isJsonObject } from '../../core/validate/strict-schema.ts';
import { KUBERNETES_SCHEMA_VERSION } from '../../core/validate/vendored-schemas.ts';

export { strictSchema } from '../../core/validate/strict-schema.ts';
export { KUBERNETES_SCHEMA_VERSION };

/** `apiVersion/kind` pairs that `validateManifest()` knows, sorted. */
export function knownKinds(): string[] {
  return defaultManifestValidator()
    .knownKinds()
    .map((k) => `${k.apiVersion}/${k.kind}`)
    .sort();
}

/** Names an object for messages: `Deployment fraud/fraud-realtime-gpu-l4-1`. */
export function describeObject(obj: unknown): string {
  if (!isJsonObject(obj)) return String(obj);
  const meta = isJsonObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${String(obj.kind)} ${ns}${String(meta.name)}`;
}

/**
 * Validates one object strictly. Returns the problems as
 * `Kind ns/name: /json/pointer: message`; an empty array means valid.
 */
export function validateManifest(obj: unknown): string[] {
  const who = describeObject(obj);
  return defaultManifestValidator()
    .validate(obj)
    .map(({ message, schemaError: e }) => {
      if (!e) return `${who}: ${message}`;
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${who}: ${e.instancePath || '/'}: ${e.message}${extra}`;
    });
}

/** Validates many objects; returns every problem of every object. */
export function validateManifests(objects: readonly unknown[]): string[] {
  return objects.flatMap((o) => validateManifest(o));
}

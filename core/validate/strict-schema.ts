/**
 * How modelfleet turns an upstream OpenAPI schema into a strict JSON Schema:
 * the rules `kubectl apply --validate=strict` applies, and one more.
 */

/** A JSON Schema (or OpenAPI v3 schema object) as plain data. */
export type JsonSchema = Record<string, unknown>;

/** Whether `v` is a plain JSON object (not `null`, not an array). */
export const isJsonObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Returns a copy of `schema` made strict:
 *
 * - every object schema that has `properties`, does not carry
 *   `x-kubernetes-preserve-unknown-fields: true` and does not set
 *   `additionalProperties` gets `additionalProperties: false`, so an unknown
 *   field is an error (as with `kubectl apply --validate=strict`);
 * - OpenAPI's nullability (`nullable`, and the `oneOf: [X, {type: 'null'}]`
 *   wrapper kubernetes-models emits, replaced by X) is dropped, so `null` is
 *   never accepted for an optional field: stricter than the API server, which
 *   treats `null` as "unset";
 * - `x-kubernetes-int-or-string: true` without a `type` or `anyOf` gets
 *   `type: ['integer', 'string']` (CRDs normally spell the `anyOf` out).
 *
 * Keys of a `properties` map are field names, not keywords, and are kept as
 * they are (PriorityClass has a field named `description`).
 */
export function strictSchema<T>(schema: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isJsonObject(node)) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'nullable') continue;
      if (key === 'properties' && isJsonObject(value)) {
        out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
        continue;
      }
      out[key] = walk(value);
    }
    const oneOf = out.oneOf;
    if (Array.isArray(oneOf) && oneOf.length === 2 && isJsonObject(oneOf[1]) && oneOf[1].type === 'null' && Object.keys(oneOf[1]).length === 1) {
      delete out.oneOf;
      Object.assign(out, oneOf[0]);
    }
    if (isJsonObject(out.properties) && out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    if (out['x-kubernetes-int-or-string'] === true && out.type === undefined && out.anyOf === undefined && out.oneOf === undefined) {
      out.type = ['integer', 'string'];
    }
    return out;
  };
  return walk(schema) as T;
}

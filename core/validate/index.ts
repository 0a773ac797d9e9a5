export { findManifestIssues, objectName, type ManifestObjects } from './find-manifest-issues.ts';
export { formatInternalError, formatManifestIssue, INTERNAL_ERROR_HINT, ManifestValidationError, type ManifestIssue } from './manifest-issue.ts';
export { defaultManifestValidator, ManifestValidator, type ObjectProblem, type SchemaErrorDetail } from './manifest-validator.ts';
export { isJsonObject, strictSchema, type JsonSchema } from './strict-schema.ts';
export {
  BUILTIN_SCHEMAS_FILE,
  CUSTOM_RESOURCE_SCHEMAS_FILE,
  KUBERNETES_SCHEMA_VERSION,
  readVendoredSchemas,
  VENDORED_SCHEMAS_DIR,
  type BuiltinSchemaSet,
  type CustomResourceSchema,
  type CustomResourceSchemaSet,
  type KindRef,
  type VendoredSchemas,
} from './vendored-schemas.ts';

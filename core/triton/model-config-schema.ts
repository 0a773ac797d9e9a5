/**
 * Triton's `inference.ModelConfig` protobuf schema, loaded with protobufjs
 * from the vendored `model_config.proto` (field names kept as in the proto,
 * `max_batch_size`, as `config.pbtxt` spells them).
 */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

/** The vendored schema file (see its header for provenance). */
export const MODEL_CONFIG_PROTO = fileURLToPath(new URL('./model_config.proto', import.meta.url));

let cached: protobuf.Type | undefined;

/**
 * The resolved `inference.ModelConfig` message type. Loaded once per process.
 *
 * @example
 * modelConfigType().fields.max_batch_size.type; // 'int32'
 */
export function modelConfigType(): protobuf.Type {
  if (!cached) {
    const root = new protobuf.Root();
    root.loadSync(MODEL_CONFIG_PROTO, { keepCase: true });
    root.resolveAll();
    cached = root.lookupType('inference.ModelConfig');
  }
  return cached;
}

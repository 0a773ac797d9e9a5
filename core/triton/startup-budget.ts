/**
 * How long a shard replica may take to start: Triton loads every copy before
 * it reports ready, so the budget grows with what the shard loads.
 */
import type { Framework } from '../spec/model-spec.ts';
import type { Shard } from '../plan/shard-plan.ts';

/** Seconds Triton needs before loading any model (process start, CUDA context, backends). */
export const SERVER_START_SECONDS = 30;
/** Models Triton loads in parallel (`--model-load-thread-count`, Triton's default). */
export const MODEL_LOAD_THREADS = 4;
/** Bytes per second one load reads from the emptyDir repository into host and GPU memory (a conservative disk rate). */
export const LOAD_BYTES_PER_SECOND = 200 * 2 ** 20;
/** Fixed cost of creating one model instance, per framework: session or engine set-up, interpreter start-up. */
export const FRAMEWORK_INIT_SECONDS: Readonly<Record<Framework, number>> = {
  onnx: 3, // ONNX Runtime session creation and graph optimization
  tensorrt: 2, // engine deserialization; no build at load time
  pytorch: 4, // TorchScript load and JIT set-up
  tensorflow: 6, // SavedModel restore and graph construction
  python: 8, // a stub process per instance, then the model's own initialize()
};
/** Margin over the estimate: cold page cache, a busy node, GC pauses. */
export const STARTUP_SAFETY_FACTOR = 2;
/** Never less than this, so a tiny shard still survives a slow image pull of the backends' libraries. */
export const MIN_STARTUP_SECONDS = 120;

/** Estimated seconds to load one copy. */
export function copyLoadSeconds(copy: Shard['copies'][number]): number {
  const bytes = Math.max(copy.resources.memory, copy.resources.gpuMemory);
  return FRAMEWORK_INIT_SECONDS[copy.framework] + bytes / LOAD_BYTES_PER_SECOND;
}

/**
 * Seconds from Triton's start to ready for `shard`: server start plus the
 * copies' load time spread over Triton's load threads (never less than the
 * slowest copy), times a safety factor, at least `MIN_STARTUP_SECONDS`, in
 * whole 10-second steps (the startup probe's period).
 *
 * The init container's artifact copy is not included: startup probes begin
 * when the main container starts.
 *
 * @example
 * shardStartupSeconds(shard); // 120 for a few small ONNX copies
 */
export function shardStartupSeconds(shard: Shard): number {
  const loads = shard.copies.map(copyLoadSeconds);
  const total = loads.reduce((a, b) => a + b, 0);
  const parallel = Math.max(total / MODEL_LOAD_THREADS, ...loads, 0);
  const estimate = (SERVER_START_SECONDS + parallel) * STARTUP_SAFETY_FACTOR;
  return Math.max(MIN_STARTUP_SECONDS, Math.ceil(estimate / 10) * 10);
}

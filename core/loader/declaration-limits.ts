/**
 * How long and how much memory a fleet's declarations may take to load: the
 * stack setting `modelfleet:declarations` (`core/stack/stack-config.ts`), and
 * the defaults when a stack sets none.
 */

/** Limits of the declaration evaluator. */
export interface DeclarationLimits {
  /**
   * Seconds the whole fleet may take to load (every declaration file, in
   * order); the file still loading when they run out is named.
   *
   * @default 60
   */
  readonly timeoutSeconds: number;
  /**
   * Heap of the evaluator process, in MiB (`--max-old-space-size`); the whole
   * process may use 512 MiB more (code, stacks, buffers).
   *
   * @default 2048
   */
  readonly memoryMb: number;
}

/**
 * The defaults. A generated fleet of 100 model files of 1,000 tenants each
 * (100,000 model copies) loads in about 1.2 s and fits in a 96 MiB heap, so
 * both leave room for fleets ten times that size on a slow runner, while a
 * file that never returns or grows without end still fails within a minute
 * and 2 GiB (a GitHub-hosted runner has 7 GiB or more).
 */
export const DEFAULT_DECLARATION_LIMITS: DeclarationLimits = { timeoutSeconds: 60, memoryMb: 2048 };

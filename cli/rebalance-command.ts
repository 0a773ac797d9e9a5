/**
 * `modelfleet rebalance`: move copies toward fewer shards within a move
 * budget, rewrite the lockfile and print every move.
 */
import { SpecError } from '../core/errors/spec-issue.ts';
import { expandCopies } from '../core/plan/expand-copies.ts';
import { lockFromPlan, serializeLock } from '../core/plan/lockfile.ts';
import { formatMove } from '../core/plan/placement-diff.ts';
import { planFleet } from '../core/plan/plan-fleet.ts';
import { locateLockfile, readLockfile } from '../core/plan/read-lockfile.ts';
import { rebalance } from '../core/plan/rebalance.ts';
import { loadPlatformStack } from '../policies/default-stack.ts';
import { reportFailure, type CliIo } from './report-failure.ts';
import { writeFileAtomically } from './write-output.ts';

/** Options of `rebalance`. */
export interface RebalanceCommandOptions {
  readonly modelsDir: string;
  readonly stackName?: string;
  readonly lockfile?: string;
  /** Most copies that may move. @default - no limit */
  readonly maxMoves?: number;
}

/** Runs `rebalance`; returns the exit code. */
export async function runRebalance(options: RebalanceCommandOptions, io: CliIo): Promise<number> {
  try {
    const cwd = process.cwd();
    const stack = loadPlatformStack(options.stackName !== undefined ? { name: options.stackName } : {});
    const { path: lockPath, shownAs } = locateLockfile({ cwd, ...options });
    const previous = readLockfile(lockPath, shownAs, stack.name);
    if (!previous) {
      throw new SpecError([{ file: shownAs, path: [], message: 'not found; run `npx modelfleet synth` first to place the fleet and create it' }]);
    }
    // Start from what synth would place now (new copies placed, outgrown copies moved).
    const planned = await planFleet({ modelsDir: options.modelsDir, stack, lock: previous.lock });
    const current = lockFromPlan(planned.plan, stack.name);
    const result = rebalance(expandCopies(planned.fleet.models), current, { stack, ...(options.maxMoves !== undefined ? { maxMoves: options.maxMoves } : {}) });
    for (const move of result.moves) io.out(formatMove(move));
    const saved = result.shardsBefore - result.shardsAfter;
    const budget = options.maxMoves === undefined ? 'no move limit' : `--max-moves ${options.maxMoves}`;
    io.out(
      saved > 0
        ? `shards: ${result.shardsBefore} → ${result.shardsAfter} (${saved} saved) with ${result.moves.length} move${result.moves.length === 1 ? '' : 's'} (${budget}); lower bound ${planned.plan.lowerBound}`
        : `no shard can be saved within ${budget} (${result.shardsBefore} shards; lower bound ${planned.plan.lowerBound})`,
    );
    const text = serializeLock(result.lock);
    if (text !== previous.text) {
      writeFileAtomically(lockPath, text);
      io.out(`updated ${shownAs}; run \`npx modelfleet synth\` to render the new placement, and commit both`);
    }
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

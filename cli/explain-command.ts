/**
 * `modelfleet explain MODEL [--tenant T]`: where each copy of a model lives,
 * why, its share of the shard, its route with calls ready to run, and the
 * rules that apply. Runs the same pipeline as `synth` (nothing is written),
 * so the answer is what `synth` would produce now.
 */
import { synthFleet } from '../constructs/synth-fleet.ts';
import { SpecError } from '../core/errors/spec-issue.ts';
import { explainCopies, type RenderedManifest } from '../core/plan/explain-copy.ts';
import { formatExplanation } from '../core/plan/format-explanation.ts';
import { reportFailure, type CliIo } from './report-failure.ts';

/** Options of `explain`. */
export interface ExplainCommandOptions {
  readonly model: string;
  /** One tenant's copy. @default - every copy of the model */
  readonly tenant?: string;
  readonly modelsDir: string;
  /** `undefined` for the embedded default stack. */
  readonly stackName?: string;
  /** Lockfile path. @default - beside the models directory */
  readonly lockfile?: string;
  /** Print the explanation as JSON. @default false */
  readonly json?: boolean;
}

/** Runs `explain`; returns the exit code (1 for an unknown model or tenant, with the closest names). */
export async function runExplain(options: ExplainCommandOptions, io: CliIo): Promise<number> {
  try {
    const result = await synthFleet({
      modelsDir: options.modelsDir,
      ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
      ...(options.lockfile !== undefined ? { lockfile: options.lockfile } : {}),
    });
    const { planned, lockfile } = result;
    const answer = explainCopies(
      { model: options.model, ...(options.tenant !== undefined ? { tenant: options.tenant } : {}) },
      {
        fleet: planned.fleet,
        plan: planned.plan,
        stack: planned.stack,
        manifests: result.manifests as readonly RenderedManifest[],
        rules: result.rules,
        lockfile: { shownAs: lockfile.shownAs, ...(lockfile.previous ? { previous: lockfile.previous.lock } : {}), upToDate: lockfile.previous?.text === lockfile.text },
        modelsDir: options.modelsDir,
      },
    );
    if (!answer.ok) throw new SpecError([...answer.issues]);
    io.out(options.json ? `${JSON.stringify(answer.explanation, null, 2)}\n` : formatExplanation(answer.explanation));
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

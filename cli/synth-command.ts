/**
 * `modelfleet synth`: plan the fleet, render it, write `--out` atomically.
 */
import { synthFleet } from '../constructs/synth-fleet.ts';
import { checkOutputDir, writeOutputAtomically } from './write-output.ts';
import { reportFailure, type CliIo } from './report-failure.ts';

/** Options of `synth`. */
export interface SynthCommandOptions {
  readonly modelsDir: string;
  readonly outDir: string;
  /** `undefined` for the embedded default stack. */
  readonly stackName?: string;
}

/** Runs `synth`; returns the exit code. */
export async function runSynth(options: SynthCommandOptions, io: CliIo): Promise<number> {
  try {
    checkOutputDir(options.outDir);
    const result = await synthFleet({ modelsDir: options.modelsDir, ...(options.stackName !== undefined ? { stackName: options.stackName } : {}) });
    writeOutputAtomically(options.outDir, result.files);
    io.out(result.consoleSummary);
    io.out(`wrote ${result.files.length} files to ${options.outDir}/ (kubectl kustomize ${options.outDir} renders ${result.objectCount} objects)`);
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

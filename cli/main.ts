/**
 * The `modelfleet` command line.
 *
 * Exit codes: 0 success; 1 invalid input or a rule violation (every problem
 * printed as `FILE: FIELD: message`); 2 usage errors.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { checkInstance, ItemTooLargeError, packVectors } from '../core/packer/pack-vectors.ts';
import { MEASUREMENT_FORMATS, type MeasurementFormat } from '../core/serving/measured-profile.ts';
import { explainLabel, MAX_POOL_NAME_LENGTH } from '../core/spec/names.ts';
import { startDeclarationEvaluator } from '../core/loader/declaration-evaluator.ts';
// Each command's module is imported when that command runs: synth and explain render with cdk8s,
// and `check` must start fast without it (it also starts the declaration evaluator first, so that
// the evaluator's Node and tsx start while check's modules load).

import { EXIT_INVALID, EXIT_USAGE, type CliIo } from './report-failure.ts';

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command('modelfleet')
    .description('Pack tenanted ML models into NVIDIA Triton shards and render Kubernetes manifests.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run modelfleet --help for usage)');

  program
    .command('synth')
    .description('validate the fleet, pack it into shards and write manifests, plan.json and summary.md')
    .option('--models <dir>', 'fleet directory holding teams.ts and <team>/<model>.ts', 'models')
    .option('--out <dir>', 'output directory, replaced atomically', 'dist')
    .option('--stack <name>', 'stack whose Pulumi.<name>.yaml config to use (default: the embedded default stack)')
    .option('--lockfile <file>', 'placement lockfile (default: placement.lock.json, or placement.<stack>.lock.json, beside the models directory)')
    .option('--frozen-lockfile', 'fail instead of updating the lockfile when placement would change (for CI)')
    .action(async (opts: { models: string; out: string; stack?: string; lockfile?: string; frozenLockfile?: boolean }) => {
      const { runSynth } = await import('./synth-command.ts');
      code = await runSynth(
        {
          modelsDir: opts.models,
          outDir: opts.out,
          ...(opts.stack !== undefined ? { stackName: opts.stack } : {}),
          ...(opts.lockfile !== undefined ? { lockfile: opts.lockfile } : {}),
          frozenLockfile: opts.frozenLockfile === true,
        },
        io,
      );
    });

  program
    .command('check')
    .description('validate the fleet and plan it as synth does, without rendering or writing anything (for editors and pre-commit hooks)')
    .option('--models <dir>', 'fleet directory holding teams.ts and <team>/<model>.ts', 'models')
    .option('--stack <name>', 'stack whose Pulumi.<name>.yaml config to use (default: the embedded default stack)')
    .option('--lockfile <file>', 'placement lockfile (default: placement.lock.json, or placement.<stack>.lock.json, beside the models directory)')
    .option('--frozen-lockfile', 'fail when synth would create or update the lockfile (for pre-commit hooks and CI)')
    .option('--json', 'print {"ok", "problems", "warnings", "lockfile", "summary"} as JSON on stdout')
    .action(async (opts: { models: string; stack?: string; lockfile?: string; frozenLockfile?: boolean; json?: boolean }) => {
      startDeclarationEvaluator();
      const { runCheck } = await import('./check-command.ts');
      code = await runCheck(
        {
          modelsDir: opts.models,
          ...(opts.stack !== undefined ? { stackName: opts.stack } : {}),
          ...(opts.lockfile !== undefined ? { lockfile: opts.lockfile } : {}),
          frozenLockfile: opts.frozenLockfile === true,
          json: opts.json === true,
        },
        io,
      );
    });

  program
    .command('rebalance')
    .description('move copies toward fewer shards within a move budget; rewrites the lockfile and prints every move')
    .option('--models <dir>', 'fleet directory', 'models')
    .option('--stack <name>', 'stack whose Pulumi.<name>.yaml config to use (default: the embedded default stack)')
    .option('--lockfile <file>', 'placement lockfile (default: beside the models directory)')
    .option('--max-moves <n>', 'most copies that may move', (value: string) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of moves');
      return Number(value);
    })
    .action(async (opts: { models: string; stack?: string; lockfile?: string; maxMoves?: number }) => {
      const { runRebalance } = await import('./rebalance-command.ts');
      code = await runRebalance(
        {
          modelsDir: opts.models,
          ...(opts.stack !== undefined ? { stackName: opts.stack } : {}),
          ...(opts.lockfile !== undefined ? { lockfile: opts.lockfile } : {}),
          ...(opts.maxMoves !== undefined ? { maxMoves: opts.maxMoves } : {}),
        },
        io,
      );
    });

  program
    .command('explain')
    .description('where each copy of a model lives, why, its share of the shard, its route (with curl and grpcurl lines) and the rules that apply')
    .argument('<model>', 'model name')
    .option('--tenant <tenant>', 'only this tenant\'s copy (default: every copy of the model)')
    .option('--models <dir>', 'fleet directory', 'models')
    .option('--stack <name>', 'stack whose Pulumi.<name>.yaml config to use (default: the embedded default stack)')
    .option('--lockfile <file>', 'placement lockfile (default: beside the models directory)')
    .option('--json', 'print the explanation as JSON')
    .action(async (model: string, opts: { tenant?: string; models: string; stack?: string; lockfile?: string; json?: boolean }) => {
      const { runExplain } = await import('./explain-command.ts');
      code = await runExplain(
        {
          model,
          modelsDir: opts.models,
          ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
          ...(opts.stack !== undefined ? { stackName: opts.stack } : {}),
          ...(opts.lockfile !== undefined ? { lockfile: opts.lockfile } : {}),
          json: opts.json === true,
        },
        io,
      );
    });

  program
    .command('profile')
    .description('turn perf_analyzer reports (one per batch size) or a Model Analyzer metrics-model-inference.csv into a declaration\'s profile block')
    .argument('<file...>', 'perf_analyzer -f reports (batch size from FILE:B or a name like out-b8.csv), or Model Analyzer\'s metrics-model-inference.csv')
    .requiredOption('--pool <name>', 'node pool the measurements were taken on', (value: string) => {
      const problem = explainLabel(value, MAX_POOL_NAME_LENGTH, true, 'it is part of every shard name');
      if (problem) throw new InvalidArgumentError(problem);
      return value;
    })
    .option('--from <tool>', `the tool that wrote the files: ${MEASUREMENT_FORMATS.join(' or ')} (default: recognised from each header)`, (value: string) => {
      if (!(MEASUREMENT_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected ${MEASUREMENT_FORMATS.join(' or ')}`);
      return value as MeasurementFormat;
    })
    .option('--model <name>', 'the model or model config to read from a Model Analyzer table (default: its only one)')
    .option('--json', 'print {"pool", "profile", "sources"} as JSON instead of TypeScript')
    .action(async (files: string[], opts: { pool: string; from?: MeasurementFormat; model?: string; json?: boolean }, command: Command) => {
      if (opts.from === 'perf-analyzer' && opts.model !== undefined) {
        command.error('error: --model chooses among the models of a Model Analyzer table; perf_analyzer reports name no model', { exitCode: EXIT_USAGE });
      }
      const { runProfile } = await import('./profile-command.ts');
      code = runProfile(
        {
          files,
          pool: opts.pool,
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.model !== undefined ? { model: opts.model } : {}),
          json: opts.json === true,
        },
        io,
      );
    });

  program
    .command('observe')
    .description('compare what Triton measured (from Prometheus) with the declarations: peaks, batch latencies, queue time, peak hours; --write edits the declarations')
    .requiredOption('--prometheus <url>', 'Prometheus base URL that scrapes the shards (http://prometheus.monitoring:9090)')
    .option('--models <dir>', 'fleet directory', 'models')
    .option('--stack <name>', 'stack whose Pulumi.<name>.yaml config to use (default: the embedded default stack)')
    .option('--lockfile <file>', 'placement lockfile (default: beside the models directory)')
    .option('--since <duration>', 'window length, whole hours ending at --until (7d, 48h)', '7d')
    .option('--until <time>', 'window end, ISO 8601 or unix seconds, floored to the hour (default: now)')
    .option('--step <duration>', 'how often the 5-minute rate is sampled when looking for peaks (at most 5m)', '60s')
    .option('--selector <matchers>', 'extra PromQL label matchers for every query, e.g. cluster="prod-eu"')
    .option('--query-timeout <seconds>', 'seconds one query may take', (value: string) => {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of seconds');
      return Number(value);
    })
    .option('--header <header>', 'extra HTTP header for Prometheus, "Name: value" (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--json', 'print {"window", "counts", "copies", "changes"} as JSON')
    .option('--all', 'list every copy in the markdown table, not only those with findings')
    .option('--write', 'edit the declarations: per-tenant peakQps, profile points, peak hours')
    .option('--fail-on <class>', 'exit 1 when a copy has a finding of this class: risk (over-peak, queue-over-budget, peak-hours-off) or any', (value: string) => {
      if (value !== 'risk' && value !== 'any') throw new InvalidArgumentError('expected risk or any');
      return value;
    })
    .action(
      async (opts: {
        prometheus: string;
        models: string;
        stack?: string;
        lockfile?: string;
        since: string;
        until?: string;
        step: string;
        selector?: string;
        queryTimeout?: number;
        header?: string[];
        json?: boolean;
        all?: boolean;
        write?: boolean;
        failOn?: 'risk' | 'any';
      }) => {
        startDeclarationEvaluator();
        const { runObserve } = await import('./observe-command.ts');
        code = await runObserve(
          {
            prometheus: opts.prometheus,
            modelsDir: opts.models,
            ...(opts.stack !== undefined ? { stackName: opts.stack } : {}),
            ...(opts.lockfile !== undefined ? { lockfile: opts.lockfile } : {}),
            since: opts.since,
            ...(opts.until !== undefined ? { until: opts.until } : {}),
            step: opts.step,
            ...(opts.selector !== undefined ? { selector: opts.selector } : {}),
            ...(opts.queryTimeout !== undefined ? { queryTimeoutSeconds: opts.queryTimeout } : {}),
            ...(opts.header !== undefined ? { headers: opts.header } : {}),
            json: opts.json === true,
            all: opts.all === true,
            write: opts.write === true,
            ...(opts.failOn !== undefined ? { failOn: opts.failOn } : {}),
          },
          io,
        );
      },
    );

  program
    .command('diff')
    .description('compare two plans (plan.json files or synth output directories): monthly cost per team against budgets, nodes per pool, what moved; prints the pull-request comment')
    .argument('<base>', "the base branch's plan.json, or its synth output directory")
    .argument('<head>', "the pull request's plan.json, or its synth output directory")
    .option('--out <file>', 'also write the comment to this file')
    .option('--full <file>', 'write the whole diff, with nothing left out, to this file (for a job summary)')
    .option('--cost-json <file>', 'write the cost in Infracost JSON format (totalMonthlyCost, pastTotalMonthlyCost, diffTotalMonthlyCost) to this file')
    .option('--max-chars <n>', 'most characters of the comment (GitHub refuses comments over 65536)', (value: string) => {
      if (!/^\d+$/.test(value) || Number(value) < 2000) throw new InvalidArgumentError('expected a whole number of characters, at least 2000');
      return Number(value);
    })
    .option('--details-url <url>', 'where the full diff can be read (named when sections are left out)')
    .option('--title <text>', 'heading line of the comment (default: "## modelfleet: what this change costs")')
    .action(async (base: string, head: string, opts: { out?: string; full?: string; costJson?: string; maxChars?: number; detailsUrl?: string; title?: string }) => {
      const { runDiff } = await import('./diff-command.ts');
      code = runDiff(
        {
          base,
          head,
          ...(opts.out !== undefined ? { out: opts.out } : {}),
          ...(opts.full !== undefined ? { full: opts.full } : {}),
          ...(opts.costJson !== undefined ? { costJson: opts.costJson } : {}),
          ...(opts.maxChars !== undefined ? { maxChars: opts.maxChars } : {}),
          ...(opts.detailsUrl !== undefined ? { detailsUrl: opts.detailsUrl } : {}),
          ...(opts.title !== undefined ? { title: opts.title } : {}),
        },
        io,
      );
    });

  program
    .command('pack')
    .description('pack a generic vector instance {"capacity": [...], "items": [[...], ...]}; prints {"bins": N, "assignment": [...]}')
    .argument('<file>', 'instance JSON file')
    .action((file: string) => {
      code = runPack(file, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (argv.length === 0) {
      io.err(program.helpInformation());
      return EXIT_USAGE;
    }
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
  return code;
}

function runPack(file: string, io: CliIo): number {
  let instance: unknown;
  try {
    instance = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`${file}: -: cannot read instance: ${(error as Error).message.split('\n')[0]}`);
    return EXIT_INVALID;
  }
  const problem = checkInstance(instance);
  if (problem) {
    io.err(`${file}: -: ${problem}`);
    return EXIT_INVALID;
  }
  try {
    const result = packVectors(instance as { capacity: number[]; items: number[][] });
    io.out(JSON.stringify({ bins: result.bins, assignment: result.assignment }));
    return 0;
  } catch (error) {
    if (error instanceof ItemTooLargeError) {
      io.err(`${file}: items: ${error.message}; no packing exists`);
      return EXIT_INVALID;
    }
    throw error;
  }
}


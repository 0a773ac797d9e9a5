/**
 * The example GitHub Actions workflows of a fleet repository (`.github/workflows/fleet-pr.yml`
 * and `fleet-main.yml`, see docs/fleet-repository.md), checked against what they depend on:
 * GitHub's own workflow schema, the `modelfleet` CLI's real subcommands and flags, the stack
 * files and lockfiles in the repository root, the policy pack, the file `synth` writes, and
 * least-privilege permissions. The synth commands are run exactly as the workflows run them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'cli/modelfleet.mjs');
const WORKFLOWS = ['fleet-pr.yml', 'fleet-pr-preview.yml', 'fleet-main.yml'] as const;
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-workflows-'));
/** Each distinct synth command of the workflows, run once through the binary: exit status, stderr, output directory. */
const synthRuns = new Map<string, { readonly status: number | null; readonly stderr: string; readonly out: string }>();
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The workflow shapes this test reads (GitHub's schema is checked separately, in full).

type Env = Readonly<Record<string, string>>;
type Permissions = string | Readonly<Record<string, string>>;

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly env?: Env;
  readonly 'continue-on-error'?: boolean;
}

interface Job {
  readonly name?: string;
  readonly needs?: string | readonly string[];
  readonly permissions?: Permissions;
  readonly environment?: string | { readonly name: string };
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly strategy?: {
    readonly 'max-parallel'?: number;
    readonly matrix?: Readonly<Record<string, unknown>> & { readonly include?: readonly Env[] };
  };
  readonly env?: Env;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: Readonly<Record<string, { readonly branches?: readonly string[]; readonly workflows?: readonly string[]; readonly types?: readonly string[] } | null>>;
  readonly permissions?: Permissions;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly env?: Env;
  readonly jobs: Readonly<Record<string, Job>>;
}

function readWorkflow(file: string): Workflow {
  return parse(readFileSync(join(ROOT, '.github/workflows', file), 'utf8')) as Workflow;
}

/** The matrix combinations of a job (`include` entries, or one list per key); `[{}]` without one. */
function matrixEntries(job: Job): Env[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const { include, ...axes } = matrix;
  let entries: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    entries = entries.flatMap((e) => (values as unknown[]).map((v) => ({ ...e, [key]: String(v) })));
  }
  if (include && Object.keys(axes).length === 0) return include.map((e) => ({ ...e }));
  return entries;
}

/** Substitutes `${{ matrix.KEY }}`; every other expression stays as written. */
function expand(text: string, entry: Env): string {
  return text.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_, key: string) => {
    const value = entry[key];
    if (value === undefined) throw new Error(`matrix.${key} is not defined in ${JSON.stringify(entry)}`);
    return value;
  });
}

/** The environment a step's script sees, matrix values expanded (workflow, then job, then step). */
function stepEnv(workflow: Workflow, job: Job, step: Step, entry: Env): Env {
  const merged = { ...workflow.env, ...job.env, ...step.env };
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, expand(String(v), entry)]));
}

/** Substitutes `$NAME` and `${NAME}` from `env`; unknown names (runner variables) stay. */
function resolveShell(text: string, env: Env): string {
  return text.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (whole, name: string) => env[name] ?? whole);
}

const SHELL_OPERATORS = new Set(['|', '||', '&&', ';', '>', '>>', '<', '2>&1', '&']);

/** Shell words of one command line, quotes removed (enough for the scripts in these workflows). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

interface CliCall {
  readonly subcommand: string;
  readonly args: readonly string[];
}

/** Every `npx modelfleet …` in a script, with shell variables resolved from `env`. */
function modelfleetCalls(run: string, env: Env): CliCall[] {
  const calls: CliCall[] = [];
  for (const line of run.replace(/\\\n/g, ' ').split('\n')) {
    if (line.trim().startsWith('#')) continue;
    const w = words(resolveShell(line, env));
    for (let i = 1; i < w.length; i++) {
      if (w[i] !== 'modelfleet' || w[i - 1] !== 'npx') continue;
      const rest = w.slice(i + 1);
      const end = rest.findIndex((t) => SHELL_OPERATORS.has(t));
      const [subcommand = '', ...args] = end === -1 ? rest : rest.slice(0, end);
      calls.push({ subcommand, args });
    }
  }
  return calls;
}

/** The value given to `--flag value` or `--flag=value`. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** `--help` of a `modelfleet` subcommand, from the CLI's own commander program. */
async function helpOf(subcommand: string): Promise<{ code: number; text: string }> {
  let text = '';
  const io = { out: (s: string) => void (text += s), err: (s: string) => void (text += s) };
  const code = await main([subcommand, '--help'], io);
  return { code, text };
}

function flagsIn(help: string): Set<string> {
  return new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1]!));
}

const usesAction = (step: Step, action: string) => step.uses?.split('@')[0] === action;
const PULUMI = 'pulumi/actions';
const STICKY = 'marocchino/sticky-pull-request-comment';

/** Inputs `pulumi/actions` v7 declares in its action.yml (the same names as v6). */
const PULUMI_ACTION_INPUTS = new Set([
  'command', 'stack-name', 'work-dir', 'cloud-url', 'github-token', 'comment-on-pr', 'comment-on-pr-number',
  'comment-on-summary', 'edit-pr-comment', 'always-include-summary', 'secrets-provider', 'parallel', 'message',
  'config-map', 'expect-no-changes', 'diff', 'replace', 'exclude', 'exclude-dependents', 'target',
  'target-dependents', 'policyPacks', 'policyPackConfigs', 'refresh', 'upsert', 'remove', 'color',
  'exclude-protected', 'plan', 'suppress-outputs', 'suppress-progress', 'continue-on-error', 'log-verbosity',
  'log-flow', 'debug', 'pulumi-version', 'pulumi-version-file',
]);

/** Stacks with a `Pulumi.<stack>.yaml` in the repository root. */
function rootStacks(): string[] {
  return readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function lines(value: string | number | boolean | undefined): string[] {
  return String(value ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

// ---------------------------------------------------------------------------------------------

describe.each(WORKFLOWS)('%s', (file) => {
  const workflow = readWorkflow(file);
  const jobs = Object.entries(workflow.jobs);

  /** Every modelfleet call, per job, matrix entry and step. */
  const calls = jobs.flatMap(([jobId, job]) =>
    matrixEntries(job).flatMap((entry) =>
      job.steps.flatMap((step, index) =>
        step.run ? modelfleetCalls(step.run, stepEnv(workflow, job, step, entry)).map((call) => ({ jobId, job, entry, index, call })) : [],
      ),
    ),
  );
  const synthCalls = calls.filter((c) => c.call.subcommand === 'synth');

  /** Every pulumi/actions step, per job and matrix entry, with its inputs expanded. */
  const pulumiSteps = jobs.flatMap(([jobId, job]) =>
    matrixEntries(job).flatMap((entry) =>
      job.steps
        .filter((s) => usesAction(s, PULUMI))
        .map((step) => ({
          jobId,
          job,
          entry,
          inputs: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, typeof v === 'string' ? expand(v, entry) : v])),
        })),
    ),
  );

  let synthDefaultOut = '';
  beforeAll(async () => {
    const help = await helpOf('synth');
    synthDefaultOut = /--out <dir>[\s\S]*?\(default: "([^"]+)"\)/.exec(help.text)?.[1] ?? '';
  });

  it("is a valid workflow under GitHub's own workflow schema and expression rules", async () => {
    // @actions/workflow-parser imports its schema JSON without an import attribute, which Node's
    // ESM loader (and so vitest, which leaves node_modules to Node) refuses; tsx's loader accepts it.
    const parser = (await tsImport('@actions/workflow-parser', import.meta.url)) as typeof import('@actions/workflow-parser');
    const content = readFileSync(join(ROOT, '.github/workflows', file), 'utf8');
    const parsed = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
  });

  it('calls only modelfleet subcommands and flags the CLI has', async () => {
    expect(calls.length).toBeGreaterThan(0);
    for (const { call } of calls) {
      const help = await helpOf(call.subcommand);
      expect(help.code, `modelfleet ${call.subcommand} is not a subcommand`).toBe(0);
      const supported = flagsIn(help.text);
      const used = call.args.filter((a) => a.startsWith('-')).map((a) => a.split('=')[0]!);
      expect(used.filter((f) => !supported.has(f)), `modelfleet ${call.subcommand} ${call.args.join(' ')}`).toEqual([]);
    }
  });

  it('synthesizes every stack with the committed lockfile, after `npm ci` on Node 20 with the npm cache', () => {
    expect(synthCalls.length).toBeGreaterThan(0);
    for (const { job, index, call } of synthCalls) {
      expect(call.args).toContain('--frozen-lockfile');
      expect(flagValue(call.args, '--stack')).toMatch(/^[\w.-]+$/);
      const before = job.steps.slice(0, index);
      expect(before.some((s) => usesAction(s, 'actions/checkout'))).toBe(true);
      const setupNode = before.find((s) => usesAction(s, 'actions/setup-node'));
      expect(String(setupNode?.with?.['node-version'])).toBe('20');
      expect(setupNode?.with?.cache).toBe('npm');
      expect(before.some((s) => /^npm ci(\s|$)/.test(s.run ?? ''))).toBe(true);
    }
    for (const [, job] of jobs) for (const s of job.steps) expect(s.run ?? '').not.toMatch(/\bnpm (install|i)\b/);
  });

  it('passes on this repository: each synth exactly as the workflow runs it, writing summary.md in its --out', () => {
    for (const { call } of synthCalls) {
      const key = call.args.join(' ');
      // Both workflows run the same commands; each distinct command runs once per test file.
      let run = synthRuns.get(key);
      if (!run) {
        // Same command, but the output goes to a scratch directory instead of the repository's dist/.
        const out = join(scratch, `out-${synthRuns.size + 1}`);
        const args = [...call.args];
        const at = args.indexOf('--out');
        if (at === -1) args.push('--out', out);
        else args[at + 1] = out;
        const result = spawnSync(process.execPath, [CLI, 'synth', ...args], { cwd: ROOT, encoding: 'utf8' });
        synthRuns.set(key, (run = { status: result.status, stderr: result.stderr, out }));
      }
      // stderr may hold warnings of advisory rules; any failure exits non-zero.
      expect(run.status, `modelfleet synth ${key}\n${run.stderr}`).toBe(0);
      expect(existsSync(join(run.out, 'summary.md'))).toBe(true);
    }
  });

  it('shows the summary.md that synth writes into its --out directory', () => {
    for (const { job, index, call } of synthCalls) {
      const out = flagValue(call.args, '--out') ?? synthDefaultOut;
      expect(out).not.toBe('');
      // summary.md itself, or the plan.json in --out through `modelfleet diff` (the base branch's plan).
      const readers = job.steps.slice(index).filter((s) => (s.run ?? '').includes(`${out}/summary.md`) || (/modelfleet diff/.test(s.run ?? '') && (s.run ?? '').includes(`"${out}"`)));
      expect(readers.length, `a step after synth reads ${out}/summary.md or diffs ${out}`).toBeGreaterThan(0);
    }
  });

  it('gives pulumi/actions only inputs it declares', () => {
    for (const { inputs } of pulumiSteps) expect(Object.keys(inputs).filter((k) => !PULUMI_ACTION_INPUTS.has(k))).toEqual([]);
  });

  it('runs every pulumi command with the policy pack, a directory holding PulumiPolicy.yaml', () => {
    for (const { inputs } of pulumiSteps) {
      const packs = lines(inputs.policyPacks);
      expect(packs.length, 'every pulumi run enforces the policy pack').toBeGreaterThan(0);
      for (const pack of packs) {
        const dir = resolve(ROOT, String(inputs['work-dir'] ?? '.'), pack);
        expect(existsSync(join(dir, 'PulumiPolicy.yaml')), `${pack}/PulumiPolicy.yaml exists`).toBe(true);
      }
      for (const config of lines(inputs.policyPackConfigs)) expect(existsSync(resolve(ROOT, config)), config).toBe(true);
    }
  });

  it('targets exactly the stacks of the Pulumi.<stack>.yaml files in the root, each with its lockfile', () => {
    const stacks = new Set(synthCalls.map((c) => flagValue(c.call.args, '--stack')!));
    expect([...stacks].sort()).toEqual(rootStacks());
    const previewed = new Set(pulumiSteps.map(({ inputs }) => String(inputs['stack-name'])));
    if (previewed.size) expect([...previewed].sort()).toEqual(rootStacks());
    for (const stack of stacks) expect(existsSync(join(ROOT, `placement.${stack}.lock.json`)), `placement.${stack}.lock.json is committed`).toBe(true);
  });

  it('previews or applies, in each job and matrix entry, the stack it synthesized', () => {
    for (const { jobId, entry, inputs } of pulumiSteps) {
      const synthStacks = synthCalls
        .filter((c) => c.jobId === jobId && JSON.stringify(c.entry) === JSON.stringify(entry))
        .map((c) => flagValue(c.call.args, '--stack'));
      expect([...new Set(synthStacks)]).toEqual([inputs['stack-name']]);
    }
  });

  it('grants least privilege: contents read, pull-requests write only to jobs that comment, actions read only to jobs that read another run', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const [jobId, job] of jobs) {
      const permissions = job.permissions ?? workflow.permissions;
      expect(typeof permissions, `${jobId}: no read-all/write-all`).toBe('object');
      const granted = permissions as Record<string, string>;
      const comments = job.steps.some((s) => usesAction(s, STICKY) || (usesAction(s, PULUMI) && s.with?.['comment-on-pr'] === true));
      const readsAnotherRun = job.steps.some((s) => usesAction(s, 'actions/download-artifact') && s.with?.['run-id'] !== undefined);
      const postsStatuses = job.steps.some((s) => /gh api "repos\/\$REPOSITORY\/statuses\//.test(s.run ?? ''));
      const allowed: Record<string, string> = {
        contents: 'read',
        ...(comments ? { 'pull-requests': 'write' } : {}),
        ...(readsAnotherRun ? { actions: 'read' } : {}),
        ...(postsStatuses ? { statuses: 'write' } : {}),
      };
      for (const [scope, level] of Object.entries(granted)) expect(`${scope}: ${level}`).toBe(`${scope}: ${allowed[scope] ?? 'none'}`);
      if (comments) expect(granted['pull-requests'], jobId).toBe('write');
    }
  });
});

describe('fleet-pr.yml: the pull request\'s code, with no secret', () => {
  const text = readFileSync(join(ROOT, '.github/workflows/fleet-pr.yml'), 'utf8');
  const workflow = readWorkflow('fleet-pr.yml');
  const jobs = Object.entries(workflow.jobs);

  it('runs on pull requests, one run per pull request at a time, with a read-only token', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.concurrency?.group).toContain('${{ github.event.pull_request.number }}');
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(true);
    for (const [jobId, job] of jobs) expect(job.permissions ?? workflow.permissions, jobId).toEqual({ contents: 'read' });
  });

  it('references no secret (not even GITHUB_TOKEN by name), writes nothing and keeps no token in .git/config', () => {
    expect(text).not.toMatch(/secrets\s*(\.|\[)/);
    expect(text).not.toMatch(/pull_request_target/);
    for (const [, job] of jobs) {
      expect(job.steps.some((s) => usesAction(s, PULUMI) || usesAction(s, STICKY))).toBe(false);
      for (const checkout of job.steps.filter((s) => usesAction(s, 'actions/checkout'))) expect(checkout.with?.['persist-credentials']).toBe(false);
    }
  });

  it("uploads every stack's synth output, log and pull-request number as an artifact the preview workflow reads", () => {
    const plan = workflow.jobs.plan!;
    for (const entry of matrixEntries(plan)) {
      const upload = plan.steps.find((s) => usesAction(s, 'actions/upload-artifact'))!;
      expect(expand(String(upload.with?.name), entry)).toBe(`fleet-pr-${entry.stack}`);
      const packer = plan.steps.find((s) => /pull-request\.json/.test(s.run ?? ''))!;
      expect(packer.run).toContain('cp -R dist plan/dist');
      expect(packer.run).toContain('plan/synth.log');
      expect(packer.env?.PR_NUMBER).toBe('${{ github.event.pull_request.number }}');
      expect(String(upload.with?.path)).toBe('plan/');
    }
  });
});

describe('fleet-pr-preview.yml: the default branch\'s code, the pull request\'s output as data', () => {
  const text = readFileSync(join(ROOT, '.github/workflows/fleet-pr-preview.yml'), 'utf8');
  const workflow = readWorkflow('fleet-pr-preview.yml');
  const jobs = Object.entries(workflow.jobs);
  const preview = workflow.jobs.preview!;
  const stepOf = (re: RegExp) => preview.steps.find((s) => re.test(s.run ?? ''))!;
  const indexOf = (step: Step) => preview.steps.indexOf(step);

  it('runs when fleet-pr completes, for pull requests only', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_run']);
    // By name: the `name:` of fleet-pr.yml.
    const planName = (parse(readFileSync(join(ROOT, '.github/workflows/fleet-pr.yml'), 'utf8')) as { name: string }).name;
    expect(workflow.on.workflow_run?.workflows).toEqual([planName]);
    expect(workflow.on.workflow_run?.types).toEqual(['completed']);
    expect(String((preview as { if?: string }).if)).toContain("github.event.workflow_run.event == 'pull_request'");
  });

  it("never checks out, installs or runs the pull request's code", () => {
    // Checkouts take the default branch: no ref, no repository, never the unsafe opt-in.
    for (const [, job] of jobs) {
      for (const checkout of job.steps.filter((s) => usesAction(s, 'actions/checkout'))) {
        expect(Object.keys(checkout.with ?? {}).filter((k) => k !== 'persist-credentials')).toEqual([]);
      }
    }
    expect(text).not.toMatch(/allow-unsafe-pr-checkout|pull_request_target|github\.event\.pull_request/);
    // The pull request's refs appear only as values checked against (never as a ref, path or command).
    for (const m of text.matchAll(/github\.event\.workflow_run\.head_(\w+)/g)) expect(['sha', 'branch', 'repository']).toContain(m[1]);
    for (const [, job] of jobs) {
      for (const step of job.steps) {
        for (const value of Object.values(step.with ?? {})) expect(String(value)).not.toMatch(/workflow_run\.head_/);
        expect((step as { 'working-directory'?: string })['working-directory']).toBeUndefined();
      }
    }
    // The artifact lands outside the workspace, after `npm ci`, and no command runs anything from it.
    const download = preview.steps.find((s) => usesAction(s, 'actions/download-artifact'))!;
    expect(download.with?.path).toBe('${{ runner.temp }}/pr');
    expect(download.with?.['run-id']).toBe('${{ github.event.workflow_run.id }}');
    expect(indexOf(download)).toBeGreaterThan(preview.steps.findIndex((s) => /^npm ci(\s|$)/.test(s.run ?? '')));
    for (const step of preview.steps) {
      for (const line of (step.run ?? '').split('\n')) {
        if (!line.includes('$RUNNER_TEMP/pr')) continue;
        // Read as data only: jq and head/tr of its files, and `modelfleet diff`'s HEAD plan.
        expect(line, line).toMatch(/^\s*(meta="\$RUNNER_TEMP\/pr\/pull-request\.json"|npx modelfleet diff "\$RUNNER_TEMP\/base" "\$RUNNER_TEMP\/pr\/dist" \\|tr '`' "'" < "\$RUNNER_TEMP\/pr\/synth\.log" \| head -c .*)$/);
      }
    }
    // The Pulumi program reads the manifests in rendered-output mode, from the artifact.
    const pulumi = preview.steps.find((s) => usesAction(s, PULUMI))!;
    expect(String(pulumi.with?.['config-map'])).toBe("{modelfleet:renderedDir: {value: '${{ runner.temp }}/pr/dist', secret: false}}");
  });

  it("trusts the pull-request number only once GitHub says that pull request's head is the commit fleet-pr ran on", () => {
    const check = preview.steps.find((s) => s.id === 'pr')!;
    expect(check.run).toContain('[[ "$number" =~ ^[0-9]{1,9}$ ]]');
    expect(check.run).toContain('gh api "repos/$REPOSITORY/pulls/$number" --jq \'.head.sha\'');
    expect(check.run).toMatch(/\[\[ "\$actual" == "\$RUN_HEAD_SHA" \]\] \|\| \{ .*exit 1; \}/);
    expect(check.env?.RUN_HEAD_SHA).toBe('${{ github.event.workflow_run.head_sha }}');
    // Every use of the number comes after the check.
    for (const [i, step] of preview.steps.entries()) if (JSON.stringify(step).includes('steps.pr.outputs.number')) expect(i).toBeGreaterThan(indexOf(check));
    expect(workflow.jobs.comment!.steps.find((s) => usesAction(s, STICKY))?.with?.number).toBe('${{ needs.preview.outputs.pull-request }}');
  });

  it('gives the secrets only to the steps that need them, after the pull request was checked and synth passed', () => {
    const kubeconfig = stepOf(/KUBECONFIG=/);
    const pulumi = preview.steps.find((s) => usesAction(s, PULUMI))!;
    for (const step of [kubeconfig, pulumi]) {
      expect((step as { if?: string }).if).toBe("${{ steps.pr.outputs.synth == 'success' }}");
      expect(indexOf(step)).toBeGreaterThan(indexOf(preview.steps.find((s) => s.id === 'pr')!));
    }
    for (const step of preview.steps) {
      const uses = JSON.stringify(step).match(/secrets[.[][\w.-]*/g) ?? [];
      if (step === kubeconfig) expect(uses).toEqual(['secrets[matrix.kubeconfig-secret']);
      else if (step === pulumi) expect(uses).toEqual(['secrets.PULUMI_ACCESS_TOKEN']);
      else expect(uses, step.name ?? step.uses).toEqual([]);
    }
  });

  it("reports the preview as a commit status on the checked pull request's head, pending first and final whatever happened", () => {
    const statusSteps = preview.steps.filter((s) => /statuses\/\$RUN_HEAD_SHA/.test(s.run ?? ''));
    expect(statusSteps).toHaveLength(2);
    const [pending, final] = statusSteps as [Step, Step];
    const check = preview.steps.find((s) => s.id === 'pr')!;
    const pulumi = preview.steps.find((s) => usesAction(s, PULUMI))!;
    expect(indexOf(pending)).toBeGreaterThan(indexOf(check));
    expect(indexOf(pending)).toBeLessThan(indexOf(pulumi));
    expect(indexOf(final)).toBeGreaterThan(indexOf(pulumi));
    expect(pending.run).toContain('state=pending');
    expect((final as { if?: string }).if).toBe("${{ always() && steps.pr.outcome == 'success' }}");
    expect(final.env?.PREVIEW).toBe(`\${{ steps.${pulumi.id}.outcome }}`);
    for (const step of statusSteps) {
      expect(step.env?.RUN_HEAD_SHA).toBe('${{ github.event.workflow_run.head_sha }}');
      expect(step.run).toContain('context="modelfleet preview ($STACK)"');
    }
    // Only success/success is a success.
    expect(final.run).toMatch(/success\/success\) state=success;[\s\S]*success\/\*\) state=failure;[\s\S]*\*\) state=failure;/);
  });

  it('previews (never applies) and comments the preview on the checked pull request', () => {
    for (const step of preview.steps.filter((s) => usesAction(s, PULUMI))) {
      expect(step.with?.command).toBe('preview');
      expect(step.with?.['comment-on-pr']).toBe(true);
      expect(step.with?.['comment-on-pr-number']).toBe('${{ steps.pr.outputs.number }}');
    }
  });

  it('posts ONE sticky comment, assembled from the sections `modelfleet diff` wrote per stack within an equal share of 58,000 characters', () => {
    const sticky = jobs.flatMap(([jobId, job]) => job.steps.filter((s) => usesAction(s, STICKY)).map((step) => ({ jobId, job, step })));
    expect(sticky).toHaveLength(1);
    const { job: commentJob, step } = sticky[0]!;
    expect(commentJob.strategy?.matrix).toBeUndefined();
    expect(step.with?.header).toBeTruthy();
    const posted = String(step.with?.path);
    const download = commentJob.steps.find((s) => usesAction(s, 'actions/download-artifact'))!;
    const assemble = commentJob.steps.find((s) => new RegExp(`>\\s*"?${posted.replace('.', '\\.')}"?\\s*$`, 'm').test(s.run ?? ''));
    expect(assemble?.run).toContain(`${String(download.with?.path)}/`);
    const pattern = new RegExp(`^${String(download.with?.pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const section = stepOf(/modelfleet diff/);
    const base = stepOf(/--out "\$RUNNER_TEMP\/base"/);
    for (const entry of matrixEntries(preview)) {
      const upload = preview.steps.find((s) => usesAction(s, 'actions/upload-artifact'))!;
      expect(expand(String(upload.with?.name), entry)).toMatch(pattern);
      const env = stepEnv(workflow, preview, section, entry);
      const diff = modelfleetCalls(section.run!, env).find((c) => c.subcommand === 'diff')!;
      expect(diff.args.slice(0, 2)).toEqual([flagValue(modelfleetCalls(base.run!, stepEnv(workflow, preview, base, entry))[0]!.args, '--out'), '$RUNNER_TEMP/pr/dist']);
      expect(flagValue(diff.args, '--max-chars')).toBe('$budget');
      expect(flagValue(diff.args, '--details-url')).toContain('/actions/runs/${{ github.run_id }}');
      expect(resolveShell(section.run!, env)).toContain('> "comment/' + entry.stack + '.md"');
    }
    expect(section.run).toContain('budget=$(( 58000 / JOBS ))');
    expect(section.env?.JOBS).toBe('${{ strategy.job-total }}');
  });
});

describe('fleet-main.yml', () => {
  const workflow = readWorkflow('fleet-main.yml');
  const jobs = Object.entries(workflow.jobs);

  it('runs on pushes to main', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push?.branches).toEqual(['main']);
  });

  it('applies each stack in its own GitHub environment, dev before prod, never cancelling an update', () => {
    const applies = jobs.filter(([, job]) => job.steps.some((s) => usesAction(s, PULUMI)));
    expect(applies.length).toBeGreaterThan(0);
    for (const [, job] of applies) {
      for (const step of job.steps.filter((s) => usesAction(s, PULUMI))) expect(step.with?.command).toBe('up');
      const entries = matrixEntries(job);
      const envs = entries.map((e) => expand(typeof job.environment === 'string' ? job.environment : (job.environment?.name ?? ''), e));
      expect(envs).toContain('prod');
      entries.forEach((e, i) => expect(envs[i]).toBe(e.stack));
      expect(entries.at(-1)?.stack, 'prod comes last').toBe('prod');
      expect(job.strategy?.['max-parallel']).toBe(1);
      expect(job.concurrency?.['cancel-in-progress']).toBe(false);
      for (const e of entries) expect(expand(job.concurrency!.group, e)).toContain(e.stack);
    }
  });
});

describe('fleet-observe.yml', () => {
  const file = 'fleet-observe.yml';
  const workflow = readWorkflow(file);
  const [[, job]] = Object.entries(workflow.jobs) as [[string, Job]];
  const calls = job.steps.flatMap((step, index) => (step.run ? modelfleetCalls(step.run, stepEnv(workflow, job, step, {})).map((call) => ({ step, index, call })) : []));

  it("is a valid workflow under GitHub's own workflow schema and expression rules", async () => {
    const parser = (await tsImport('@actions/workflow-parser', import.meta.url)) as typeof import('@actions/workflow-parser');
    const content = readFileSync(join(ROOT, '.github/workflows', file), 'utf8');
    const parsed = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
  });

  it('runs weekly and by hand, one run at a time', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((workflow.on.schedule as unknown as { cron: string }[]).map((s) => s.cron)).toEqual(['17 6 * * 1']);
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('calls only modelfleet subcommands and flags the CLI has: observe --write on prod, then synth without a frozen lockfile', async () => {
    expect(calls.map((c) => c.call.subcommand)).toEqual(['observe', 'observe', 'synth']);
    for (const { call } of calls) {
      const help = await helpOf(call.subcommand);
      const supported = flagsIn(help.text);
      expect(call.args.filter((a) => a.startsWith('-')).filter((f) => !supported.has(f)), `modelfleet ${call.subcommand} ${call.args.join(' ')}`).toEqual([]);
      expect(flagValue(call.args, '--stack')).toBe('prod');
    }
    for (const { call } of calls.filter((c) => c.call.subcommand === 'observe')) {
      expect(call.args).toContain('--write');
      expect(flagValue(call.args, '--prometheus')).toBe('${{ vars.PROMETHEUS_URL }}');
    }
    const synth = calls.find((c) => c.call.subcommand === 'synth')!;
    expect(synth.call.args).not.toContain('--frozen-lockfile');
    expect(synth.index).toBeGreaterThan(calls[0]!.index);
    expect(synth.step.run).toContain(`${flagValue(synth.call.args, '--out')}/summary.md`);
    expect(rootStacks()).toContain('prod');
  });

  it('gives the bot token only to the step that pushes and opens the pull request, after observe and synth', () => {
    const holders = job.steps.filter((s) => JSON.stringify(s).includes('secrets.FLEET_BOT_TOKEN'));
    expect(holders).toHaveLength(1);
    expect(job.steps.indexOf(holders[0]!)).toBe(job.steps.length - 1);
    expect(holders[0]!.run).toMatch(/gh pr create/);
    expect(job.steps.find((s) => usesAction(s, 'actions/checkout'))?.with?.['persist-credentials']).toBe(false);
    // Only the declarations and the prod lockfile go into the pull request.
    expect(holders[0]!.run).toContain('git add models placement.prod.lock.json');
  });
});

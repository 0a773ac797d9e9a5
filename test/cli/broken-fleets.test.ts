/**
 * `modelfleet synth` on broken fleets: exit code 1, every problem on a line of
 * its own as `FILE: FIELD: message` (with the offending value and the fix),
 * the count line last, and `--out` left exactly as it was. One fixture per
 * folder in test/fixtures/broken/ (see docs/errors.md for what each checks).
 *
 * The fixtures run through `main()` in this process (`runCliInProcess`);
 * representative ones also run through the real binary, which must print
 * exactly the same, with no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { OutputWriteError, writeOutputAtomically } from '../../cli/write-output.ts';
import { CLI, ROOT, runCliInProcess, runCliProcess, runCliProcessAsync, type CliRun } from '../support/run-cli.ts';

const BROKEN = 'test/fixtures/broken';
const scratch = mkdtempSync(join(tmpdir(), 'modelfleet-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Fixtures that also run through the binary: those whose messages quote the
 * line a fleet file threw at, a compile error, a non-Error throw, many files
 * at once, a lockfile. (Every fixture runs in process too: declaration files
 * are imported in the declaration evaluator's process, where the line of a
 * throw is the file's own, under vitest as under the binary.)
 */
const THROUGH_THE_BINARY = ['throws-on-import', 'throws-error', 'syntax-error', 'throws-non-error', 'many-files', 'lockfile-conflicting-copies'];

/** A previous output directory with known contents, to prove it is untouched. */
function previousOutput(name: string): { dir: string; snapshot: () => Record<string, string> } {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeFileSync(join(dir, '.modelfleet-output'), 'previous run\n');
  writeFileSync(join(dir, 'plan.json'), '{"previous": true}\n');
  writeFileSync(join(dir, 'manifests', 'fraud.yaml'), 'kind: Previous\n');
  const snapshot = () => {
    const out: Record<string, string> = {};
    const walk = (d: string, prefix: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
        else out[`${prefix}${e.name}`] = readFileSync(join(d, e.name), 'utf8');
      }
    };
    walk(dir, '');
    return out;
  };
  return { dir, snapshot };
}

/** Staging (`.NAME.new-*`) and set-aside (`.NAME.new-*.old`) directories left beside `--out`. */
const globalExpect = expect;

const leftovers = (name: string) => readdirSync(scratch).filter((e) => e.startsWith(`.${name}.new-`));

/**
 * Asserts a failed run: exit 1, nothing on stdout, and stderr exactly the
 * problem lines in order, each `FILE: FIELD: message`, then the count line.
 */
function expectProblems(result: CliRun, problems: readonly string[], expect: ExpectStatic = globalExpect): void {
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack traces
  const lines = result.stderr.split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
  expect(lines).toEqual([...problems, `modelfleet: ${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was written`]);
  for (const line of lines.slice(0, -1)) expect(line).toMatch(/^\S+: \S.*?: \S.*$/);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(1);
}

/** A broken fleet in test/fixtures/broken/NAME: `models/` and, for lockfile cases, `placement.lock.json`. */
interface BrokenFleet {
  readonly name: string;
  /** Every line synth prints before the count line, in order; `@/` stands for `test/fixtures/broken/NAME/`. */
  readonly problems: readonly string[];
}

const fleets: readonly BrokenFleet[] = [
  // Wrong types
  { name: 'string-for-number', problems: ['@/models/fraud/txn-scorer.ts: peakQps: expected a number, got "300"; write 300 without quotes'] },
  { name: 'number-for-name', problems: ['@/models/fraud/txn-scorer.ts: name: expected the model name as a string, got 42; write it in quotes: "42"'] },
  { name: 'wrong-type-boolean', problems: ['@/models/fraud/txn-scorer.ts: dedicated: expected true or false, got "yes"; write true or false without quotes'] },
  { name: 'array-for-object', problems: ['@/models/fraud/txn-scorer.ts: traffic: expected an object, got an array; write an object { peakHoursUtc }'] },
  {
    name: 'object-for-string',
    problems: [
      '@/models/fraud/txn-scorer.ts: framework: an object is not allowed; use one of "onnx", "tensorrt", "pytorch", "tensorflow", "python"',
      '@/models/fraud/txn-scorer.ts: artifact: expected a string, got an array; give one string, not a list',
    ],
  },
  {
    name: 'quota-wrong-types',
    problems: [
      '@/models/teams.ts: [0].quota.gpu: expected a number, got "8"; write 8 without quotes',
      '@/models/teams.ts: [0].quota.cpu: expected a quantity such as "2Gi", "500m" or a number, got boolean true',
      '@/models/teams.ts: [0].quota.memory: expected a quantity such as "2Gi", "500m" or a number, got an array',
    ],
  },
  {
    name: 'missing-fields',
    problems: [
      '@/models/fraud/txn-scorer.ts: framework: is required; use one of "onnx", "tensorrt", "pytorch", "tensorflow", "python"',
      '@/models/fraud/txn-scorer.ts: memory: is required; give a quantity such as "2Gi" or "500m"',
      '@/models/fraud/txn-scorer.ts: artifact: is required (a string); add it',
      '@/models/fraud/txn-scorer.ts: tier: is required: give tier ("realtime", "interactive" or "batch") or p99LatencyMs',
    ],
  },
  // Quantities: malformed, negative, zero, fractional, absurd
  { name: 'bad-quantity', problems: ['@/models/fraud/txn-scorer.ts: memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "3 gigs"'] },
  {
    name: 'quantity-exponent-overflow',
    problems: [
      '@/models/fraud/txn-scorer.ts: memory: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "1e400Gi"',
      '@/models/fraud/txn-scorer.ts: gpuMemory: "1e400" is absurdly large; no node has that much: check the number and the unit',
    ],
  },
  {
    name: 'negative-quantity',
    problems: [
      '@/models/fraud/txn-scorer.ts: gpuMemory: must not be negative, got "-1Gi"; remove the "-"',
      '@/models/fraud/txn-scorer.ts: cpu: must not be negative, got "-250m"; remove the "-"',
    ],
  },
  {
    name: 'zero-quantity',
    problems: [
      '@/models/fraud/txn-scorer.ts: memory: must be greater than 0, got 0; give the host memory one loaded copy needs, such as "1500Mi"',
      '@/models/fraud/txn-scorer.ts: tenants.acme.memory: must be greater than 0, got "0Mi"; give this tenant\'s host memory, or remove the override to use the model\'s',
    ],
  },
  {
    name: 'cpu-below-millicore',
    problems: [
      '@/models/fraud/txn-scorer.ts: cpu: "0.5m" is finer than 1 millicore; round it to a whole number of millicores such as "250m"',
      '@/models/fraud/txn-scorer.ts: tenants.acme.cpu: "0.0001" is finer than 1 millicore; round it to a whole number of millicores such as "250m"',
    ],
  },
  {
    name: 'fractional-bytes',
    problems: [
      '@/models/fraud/txn-scorer.ts: memory: "1.5" is not a whole number of bytes; use a quantity such as "1500Mi"',
      '@/models/fraud/txn-scorer.ts: gpuMemory: "100m" is not a whole number of bytes; use a quantity such as "1500Mi"',
    ],
  },
  { name: 'absurd-quantity', problems: ['@/models/fraud/txn-scorer.ts: memory: "10Ei" is absurdly large; no node has that much: check the number and the unit'] },
  {
    name: 'bad-team-quota',
    problems: [
      '@/models/teams.ts: [0].quota.gpu: must be at least 0, got -1',
      '@/models/teams.ts: [0].quota.cpu: expected a quantity like "3Gi", "1500Mi", "250m" or a plain number, got "many"',
    ],
  },
  // NaN, Infinity and out-of-range numbers
  {
    name: 'nan-number',
    problems: [
      '@/models/fraud/txn-scorer.ts: memory: expected a finite number, got NaN; give a quantity such as "2Gi" or "500m" (NaN and Infinity usually come from arithmetic on a missing value)',
      '@/models/fraud/txn-scorer.ts: peakQps: expected a finite number, got NaN; give the number itself (NaN and Infinity usually come from arithmetic on a missing value)',
    ],
  },
  {
    name: 'infinite-number',
    problems: [
      '@/models/fraud/txn-scorer.ts: gpuMemory: expected a finite number, got -Infinity; give a quantity such as "2Gi" or "500m" (NaN and Infinity usually come from arithmetic on a missing value)',
      '@/models/fraud/txn-scorer.ts: peakQps: expected a finite number, got Infinity; give the number itself (NaN and Infinity usually come from arithmetic on a missing value)',
    ],
  },
  {
    name: 'bad-qps',
    problems: [
      '@/models/fraud/txn-scorer.ts: peakQps: must be greater than 0, got -5',
      '@/models/fraud/txn-scorer.ts: tenants.acme.peakQps: must be greater than 0, got 0',
      '@/models/fraud/txn-scorer.ts: tenants.globex.peakQps: must be at most 10000000, got 1000000000',
    ],
  },
  { name: 'bad-latency', problems: ['@/models/fraud/txn-scorer.ts: p99LatencyMs: 5 ms is tighter than the fastest tier (realtime, p99 ≤ 10 ms); relax it to at least 10'] },
  { name: 'tier-and-latency', problems: ['@/models/fraud/txn-scorer.ts: p99LatencyMs: give either tier or p99LatencyMs, not both; remove one'] },
  // Unknown fields (with a suggestion when one is close)
  { name: 'unknown-field', problems: ['@/models/fraud/txn-scorer.ts: gpuMemroy: unknown field "gpuMemroy"; did you mean "gpuMemory"?'] },
  {
    name: 'unknown-tenant-field',
    problems: [
      '@/models/fraud/txn-scorer.ts: tenants.acme.memroy: unknown field "memroy"; did you mean "memory"?',
      '@/models/fraud/txn-scorer.ts: tenants.globex.gpuMem: unknown field "gpuMem"; remove it (known fields: memory, gpuMemory, cpu, peakQps)',
    ],
  },
  {
    name: 'unknown-team-field',
    problems: [
      '@/models/teams.ts: [0].quota: is required; add quota: { gpu, cpu, memory }',
      '@/models/teams.ts: [0].quotas: unknown field "quotas"; did you mean "quota"?',
    ],
  },
  // Unknown team, tier, framework
  { name: 'unknown-team', problems: ['@/models/fruad/ato-detector.ts: team: folder "fruad" is not a team declared in @/models/teams.ts (did you mean "fraud"?); add defineTeam({ name: "fruad", … }) or move the file to an existing team\'s folder (fraud, search)'] },
  { name: 'unknown-tier', problems: ['@/models/fraud/txn-scorer.ts: tier: "ultra-fast" is not allowed; use one of "realtime", "interactive", "batch"'] },
  { name: 'unknown-framework', problems: ['@/models/fraud/txn-scorer.ts: framework: "onxx" is not allowed; use one of "onnx", "tensorrt", "pytorch", "tensorflow", "python" (did you mean "onnx"?)'] },
  { name: 'team-mismatch', problems: ['@/models/fraud/txn-scorer.ts: team: is "search" but the file is in the folder of team "fraud"; move the file to models/search/ or remove the team field'] },
  { name: 'missing-teams', problems: ['@/models/teams.ts: -: not found; declare the fleet\'s teams: export default [defineTeam({ name, quota: { gpu, cpu, memory } })]'] },
  { name: 'model-outside-team-folder', problems: ['@/models/txn-scorer.ts: -: model files belong in a team folder; move it to @/models/<team>/txn-scorer.ts'] },
  // Duplicates
  { name: 'duplicate-model', problems: ['@/models/search/txn-scorer-copy.ts: name: model "txn-scorer" is already declared in @/models/fraud/txn-scorer.ts; model names are unique across the fleet (they name Triton models and routes), so rename one'] },
  { name: 'duplicate-in-one-file', problems: ['@/models/fraud/txn-scorer.ts: [1].name: model "txn-scorer" is already declared at [0].name in this file; model names are unique across the fleet (they name Triton models and routes), so rename one'] },
  { name: 'duplicate-tenant', problems: ['@/models/fraud/txn-scorer.ts: tenants[2]: tenant "acme" is listed twice; list each tenant once'] },
  { name: 'duplicate-team', problems: ['@/models/teams.ts: [1].name: team "fraud" is declared twice (also at [0]); declare each team once'] },
  // Names: DNS labels, lengths that would overflow generated names, injection attempts
  { name: 'bad-dns-name', problems: ['@/models/fraud/txn-scorer.ts: name: "Txn_Scorer" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "txn-scorer"'] },
  {
    name: 'tenant-not-dns',
    problems: [
      '@/models/fraud/txn-scorer.ts: tenants[0]: "Acme_Bank" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-bank"',
      '@/models/fraud/txn-scorer.ts: tenants[1]: "acme.bank" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-bank"',
      '@/models/fraud/txn-scorer.ts: tenants[2]: "-globex" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "globex"',
      '@/models/fraud/txn-scorer.ts: tenants[3]: must not be empty, got ""; give a name of lower-case letters, digits and "-"',
    ],
  },
  {
    name: 'long-generated-names',
    problems: [
      '@/models/fraud/txn-scorer.ts: name: "transaction-scorer-transaction-scorer-transaction-scorer-ensemble-v2" is 68 characters; at most 63 are allowed; shorten it',
      '@/models/fraud/txn-scorer.ts: tenants[0]: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is 64 characters; at most 63 are allowed; shorten it',
    ],
  },
  { name: 'team-name-too-long', problems: ['@/models/teams.ts: [0].name: "fraud-detection-and-prevention" is 30 characters; at most 24 are allowed (it starts every shard name, <team>-<tier>-<pool>-<n>, which Kubernetes limits to 63 characters); shorten it'] },
  {
    name: 'header-injection',
    problems: [
      '@/models/fraud/txn-scorer.ts: name: "txn-scorer\\r\\nx-tenant: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "txn-scorer-x-tenant-evil"',
      '@/models/fraud/txn-scorer.ts: team: "fraud\\nx-team: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "fraud-x-team-evil"',
      '@/models/fraud/txn-scorer.ts: tenants[0]: "acme\\nx-tenant: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-x-tenant-evil"',
    ],
  },
  {
    name: 'path-injection',
    problems: [
      '@/models/fraud/txn-scorer.ts: tenants[0]: "../" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit',
      '@/models/fraud/txn-scorer.ts: tenants[1]: "a/b" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "a-b"',
      '@/models/fraud/txn-scorer.ts: tenants[2]: "%2e%2e" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "2e-2e"',
      '@/models/fraud/txn-scorer.ts: tenants[3]: "..%2f" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "2f"',
    ],
  },
  {
    name: 'unicode-lookalike',
    problems: [
      '@/models/fraud/txn-scorer.ts: name: "txn-scоrer" is not a DNS label ("о" (U+043E) is not an ASCII letter or digit, though it may look like one): use lower-case letters, digits and "-", starting and ending with a letter or digit',
      '@/models/fraud/txn-scorer.ts: tenants[0]: "ａcme" is not a DNS label ("ａ" (U+FF41) is not an ASCII letter or digit, though it may look like one): use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme"',
      '@/models/fraud/txn-scorer.ts: tenants[1]: "globéx" is not a DNS label ("é" (U+00E9) is not an ASCII letter or digit, though it may look like one): use lower-case letters, digits and "-", starting and ending with a letter or digit; try "globex"',
    ],
  },
  {
    name: 'bad-artifact',
    problems: [
      '@/models/fraud/txn-scorer.ts: artifact: "s3://ml-models/fraud/../payments/{tenant}" contains a ".." segment; give the full path without ".."',
      '@/models/search/ranker.ts: artifact: "http://example.com/ranker" is not a model location Triton can load; use s3://bucket/path, gs://bucket/path, as://account/container/path or pvc://claim/path (a PersistentVolumeClaim in the team\'s namespace)',
    ],
  },
  // Too large for every pool, over quota
  { name: 'too-large', problems: ['@/models/search/llm.ts: gpuMemory: 90Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack'] },
  { name: 'tenant-override-too-large', problems: ['@/models/fraud/txn-scorer.ts: tenants.acme.gpuMemory: 100Gi (tenant acme) exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack'] },
  {
    name: 'cpu-model-too-large',
    problems: [
      '@/models/fraud/txn-scorer.ts: memory: 2Ti (tenant acme) exceeds the largest CPU pool for batch (cpu-std: 64Gi host memory, 53.1Gi after server overhead and 10% headroom); reduce it or add a larger pool to the stack',
      '@/models/fraud/txn-scorer.ts: memory: 2Ti (tenant globex) exceeds the largest CPU pool for batch (cpu-std: 64Gi host memory, 53.1Gi after server overhead and 10% headroom); reduce it or add a larger pool to the stack',
    ],
  },
  { name: 'team-over-quota', problems: ['@/models/teams.ts: [0].quota.gpu: team fraud requests 8 GPUs at max replicas, quota is 4 GPUs (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the tiers\' maxReplicas'] },
  {
    name: 'team-over-budget',
    problems: [
      // 2 realtime replicas on gpu-l4 ($0.9776 an hour) × 730 h = $1,427.30; the two copies share it by GPU memory (2Gi each).
      "@/models/teams.ts: [0].budget.monthlyUsd: team fraud plans $1,427 a month (range $1,427–$5,709), $427 above its budget of $1,000; costliest: txn-scorer@acme $714, txn-scorer@globex $714; lower those copies' peakQps or replicas, move them to a cheaper pool or tier, or raise the budget",
    ],
  },
  { name: 'team-over-memory-quota', problems: ['@/models/teams.ts: [0].quota.memory: team fraud requests 106Gi memory at max replicas, quota is 8Gi memory (txn-scorer@acme, txn-scorer@globex); raise the quota or lower the tiers\' maxReplicas'] },
  {
    name: 'bad-callers',
    problems: [
      '@/models/teams.ts: [0].callers.namespaces[0]: "Checkout" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "checkout"',
      '@/models/teams.ts: [0].callers.principals[0]: "spiffe://cluster.local/ns/checkout/sa/api" starts with "spiffe://"; Istio principals leave it out: write "cluster.local/ns/checkout/sa/api"',
      '@/models/teams.ts: [0].callers.serviceAccounts: unknown field "serviceAccounts"; remove it (known fields: namespaces, principals, trusted)',
    ],
  },
  {
    name: 'unknown-trusted-tenant',
    problems: [
      '@/models/teams.ts: [0].callers.trusted: tenant "globexx" of cluster.local/ns/audit/sa/replayer is not a tenant of any model of team fraud (did you mean "globex"?); a trusted caller reaches only the copies of the tenants it lists, so name tenants of the team\'s models (acme, globex)',
    ],
  },
  // Files that do not load or do not export a model
  { name: 'syntax-error', problems: ['@/models/fraud/txn-scorer.ts: -: failed to load: syntax error at line 6, column 2: Expected "}" but found "tier"'] },
  { name: 'throws-on-import', problems: ['@/models/fraud/txn-scorer.ts: -: failed to load: it threw SyntaxError at line 3: Unexpected token \'o\', "not json" is not valid JSON; make the file load without throwing'] },
  { name: 'throws-error', problems: ['@/models/fraud/txn-scorer.ts: -: failed to load: it threw Error at line 4: tenant registry is empty; make the file load without throwing'] },
  { name: 'throws-non-error', problems: ['@/models/fraud/txn-scorer.ts: -: failed to load: it threw "not ready" (not an Error); make the file load without throwing'] },
  { name: 'no-default-export', problems: ['@/models/fraud/txn-scorer.ts: -: has no default export (found named export txnScorer); end it with `export default defineModel({...})`'] },
  { name: 'default-number', problems: ['@/models/fraud/txn-scorer.ts: -: expected a model declaration made with defineModel({...}), got 42; end the file with `export default defineModel({...})`'] },
  { name: 'default-null', problems: ['@/models/fraud/txn-scorer.ts: -: expected a model declaration made with defineModel({...}), got null; end the file with `export default defineModel({...})`'] },
  { name: 'default-string', problems: ['@/models/fraud/txn-scorer.ts: -: expected a model declaration made with defineModel({...}), got "txn-scorer"; end the file with `export default defineModel({...})`'] },
  { name: 'default-function', problems: ['@/models/fraud/txn-scorer.ts: -: expected a model declaration made with defineModel({...}), got a function; export the result of defineModel({...}), not a function that returns it'] },
  { name: 'empty-array-export', problems: ['@/models/fraud/txn-scorer.ts: -: exports an empty array; export one defineModel({...}) or an array of them'] },
  { name: 'teams-not-array', problems: ['@/models/teams.ts: -: expected a team declaration made with defineTeam({...}), got "fraud"; export default [defineTeam({ name, quota: { gpu, cpu, memory } }), ...]'] },
  { name: 'empty-fleet', problems: ['@/models: -: the fleet declares no models; add @/models/<team>/<model>.ts with export default defineModel({...})'] },
  // Corrupt lockfiles
  { name: 'lockfile-invalid-json', problems: ['@/placement.lock.json: -: has unresolved merge-conflict markers (line 5: "<<<<<<< HEAD"); resolve the conflict by hand, keeping every copy in one shard, or delete the file and run synth to re-create it (every copy may move)'] },
  { name: 'lockfile-truncated', problems: ['@/placement.lock.json: -: is not valid JSON at line 5, column 70 (Expected double-quoted property name); fix it by hand, or delete the file and run synth to re-create it (every copy may move)'] },
  { name: 'lockfile-empty', problems: ['@/placement.lock.json: -: is empty; delete it and run synth to re-create it (every copy may move)'] },
  { name: 'lockfile-not-object', problems: ['@/placement.lock.json: -: expected an object {"version", "stack", "shards"}, got an array; fix it by hand, or delete the file and run synth to re-create it (every copy may move)'] },
  { name: 'lockfile-wrong-version', problems: ['@/placement.lock.json: version: is 2; this modelfleet reads version 1 only; upgrade modelfleet (a newer release wrote it), or delete the file and run synth to re-create it (every copy may move)'] },
  {
    name: 'lockfile-wrong-schema',
    problems: [
      '@/placement.lock.json: stack: expected the stack name as a string, got nothing; set it to the stack the placement was made for ("default" without --stack), or delete the file and run synth to re-create it (every copy may move)',
      '@/placement.lock.json: shards: expected an object of shard name → {team, tier, pool, copies}, got an array; fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
    ],
  },
  {
    name: 'lockfile-bad-shards',
    problems: [
      '@/placement.lock.json: shards.fraud-fast-gpu-l4-1.tier: "fast" is not a tier; use one of "realtime", "interactive", "batch"; fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
      '@/placement.lock.json: shards.fraud-realtime-gpu-l4-1.copies: expected a list of copy ids like "fraud/model@tenant", got "fraud/txn-scorer@globex"; fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
      '@/placement.lock.json: shards.fraud-realtime-gpu-l4-2: shard name does not match its team, tier and pool (expected fraud-realtime-gpu-a100-80g-<n>); fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
      '@/placement.lock.json: shards.fraud-realtime-gpu-l4-3: expected {team, tier, pool, copies}, got null; fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
    ],
  },
  {
    name: 'lockfile-conflicting-copies',
    problems: [
      '@/placement.lock.json: shards.fraud-realtime-gpu-l4-1.copies[1]: copy "search/ranker@acme" does not belong to team fraud; fix it by hand, or delete the file and run synth to re-create it (every copy may move)',
      '@/placement.lock.json: shards.fraud-realtime-gpu-l4-2.copies[0]: copy "fraud/txn-scorer@acme" is also locked in fraud-realtime-gpu-l4-1; a copy lives in one shard: keep one of them, or delete the file and run synth to re-create it (every copy may move)',
    ],
  },
  { name: 'lockfile-other-stack', problems: ['@/placement.lock.json: stack: is "prod" but synth runs stack "default"; lockfiles are per stack (placement.lock.json for the default stack, placement.<stack>.lock.json otherwise); rename or delete the file'] },
  // Several problems in several files, reported together
  {
    name: 'many-problems',
    problems: [
      '@/models/fraud/ato-detector.ts: gpuMemory: 200Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack',
      '@/models/fraud/txn-scorer.ts: tier: "fast" is not allowed; use one of "realtime", "interactive", "batch"',
      '@/models/fraud/txn-scorer.ts: memory: must not be negative, got -5; remove the "-"',
      '@/models/search/ranker.ts: tenants[0]: "acme\\nx-tenant: evil" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "acme-x-tenant-evil"',
      '@/models/search/ranker.ts: tenants[1]: "../etc" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "etc"',
    ],
  },
  {
    name: 'many-files',
    problems: [
      '@/models/fraud/ato-detector.ts: -: failed to load: syntax error at line 6, column 2: Expected "}" but found "tier"',
      '@/models/fraud/txn-scorer.ts: peakQps: expected a finite number, got NaN; give the number itself (NaN and Infinity usually come from arithmetic on a missing value)',
      '@/models/fraud/txn-scorer.ts: gpuMemroy: unknown field "gpuMemroy"; did you mean "gpuMemory"?',
      '@/models/payments/refund-risk.ts: team: folder "payments" is not a team declared in @/models/teams.ts; add defineTeam({ name: "payments", … }) or move the file to an existing team\'s folder (fraud)',
      '@/models/search/embedder.ts: tenants[1]: "../etc" is not a DNS label: use lower-case letters, digits and "-", starting and ending with a letter or digit; try "etc"',
      '@/models/search/ranker.ts: gpuMemory: 100Gi exceeds the largest GPU pool for realtime (gpu-a100-80g: 80Gi GPU memory, 55.3Gi after server overhead and 30% headroom); quantize or shard the model or add a larger pool to the stack',
      '@/models/search/reranker.ts: name: model "ranker" is already declared in @/models/search/ranker.ts; model names are unique across the fleet (they name Triton models and routes), so rename one',
      '@/models/teams.ts: [1].quota.gpu: must be at least 0, got -1',
    ],
  },
];

describe('synth on broken fleets', () => {
  it('has a case for every fixture', () => {
    const folders = readdirSync(join(ROOT, BROKEN)).sort();
    expect(folders.length).toBeGreaterThanOrEqual(40);
    expect([...fleets.map((f) => f.name), 'unknown-pool'].sort()).toEqual(folders);
  });

  it.for(fleets)('$name: exit 1, every problem as FILE: FIELD: message, --out untouched', async ({ name, problems }) => {
    const out = previousOutput(name);
    const before = out.snapshot();
    const lockfile = join(ROOT, BROKEN, name, 'placement.lock.json');
    const lockBefore = existsSync(lockfile) ? readFileSync(lockfile, 'utf8') : undefined;
    const result = await runCliInProcess(['synth', '--models', `${BROKEN}/${name}/models`, '--out', out.dir]);
    expectProblems(result, problems.map((p) => p.replaceAll('@/', `${BROKEN}/${name}/`)));
    expect(out.snapshot()).toEqual(before);
    expect(leftovers(name)).toEqual([]);
    expect(existsSync(lockfile) ? readFileSync(lockfile, 'utf8') : undefined).toBe(lockBefore);
  });

  it.concurrent.for(THROUGH_THE_BINARY)('%s through the binary: exit 1, the same lines, no stack trace, --out untouched', async (name, { expect }) => {
    const { problems } = fleets.find((f) => f.name === name)!;
    const out = previousOutput(`${name}-binary`);
    const before = out.snapshot();
    const result = await runCliProcessAsync(['synth', '--models', `${BROKEN}/${name}/models`, '--out', out.dir]);
    expectProblems(result, problems.map((p) => p.replaceAll('@/', `${BROKEN}/${name}/`)), expect);
    expect(out.snapshot()).toEqual(before);
    expect(leftovers(`${name}-binary`)).toEqual([]);
  });

  it('unknown-pool: a stack whose tiers name undefined pools (stack files are read from the working directory)', async () => {
    const out = previousOutput('unknown-pool');
    const before = out.snapshot();
    const result = await runCliInProcess(['synth', '--stack', 'broken', '--out', out.dir], join(ROOT, BROKEN, 'unknown-pool'));
    expectProblems(result, [
      'Pulumi.broken.yaml: modelfleet:tiers.realtime.pools[0]: pool "gpu-l4x" is not defined (did you mean "gpu-l4"?); defined pools are gpu-l4, gpu-a100-80g, cpu-std; use one of them or define the pool under modelfleet:pools',
      'Pulumi.broken.yaml: modelfleet:tiers.batch.pools[1]: pool "gpu-h100" is not defined; defined pools are gpu-l4, gpu-a100-80g, cpu-std; use one of them or define the pool under modelfleet:pools',
    ]);
    expect(out.snapshot()).toEqual(before);
  });

  it('a lockfile naming copies, shards, pools and teams the fleet no longer has is not an error: they are dropped, and the diff shows it', async () => {
    const lockfile = join(scratch, 'stale.lock.json');
    copyFileSync(join(ROOT, 'test/fixtures/stale-lockfile/placement.lock.json'), lockfile);
    const result = await runCliInProcess(['synth', '--models', 'test/fixtures/stale-lockfile/models', '--out', join(scratch, 'stale-out'), '--lockfile', lockfile]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // txn-scorer@acme was locked on a pool the stack does not have (gpu-h100): it moves to the shard of its sibling.
    expect(result.stdout).toContain('placement: 0 added, 3 removed, 1 moved; shards: 0 created, 3 deleted, 1 changed\n  moved fraud/txn-scorer@acme: fraud-realtime-gpu-h100-1 → fraud-realtime-gpu-l4-7\n');
    expect(JSON.parse(readFileSync(lockfile, 'utf8'))).toEqual({
      version: 1,
      stack: 'default',
      shards: { 'fraud-realtime-gpu-l4-7': { team: 'fraud', tier: 'realtime', pool: 'gpu-l4', copies: ['fraud/txn-scorer@acme', 'fraud/txn-scorer@globex'] } },
    });
  });

  it('a write failure midway (file-size limit) leaves --out as it was, no staging directory and no lockfile', () => {
    const out = previousOutput('write-failure');
    const before = out.snapshot();
    const lockfile = join(scratch, 'write-failure.lock.json');
    // RLIMIT_FSIZE: kustomization.yaml and manifests/_cluster.yaml are staged, the first team manifest fails with EFBIG.
    const result = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -f 16 && exec "$0" "$@"', process.execPath, CLI, 'synth', '--models', 'test/golden/small/models', '--out', out.dir, '--lockfile', lockfile],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TSX_DISABLE_CACHE: '1' } },
    );
    expect(result.stderr).toBe(
      `modelfleet: could not write --out ${out.dir}: EFBIG: file too large, write (writing manifests/payments.yaml); --out is unchanged. Fix the cause (disk space, permissions, file-size limit), then run synth again\n`,
    );
    expect(result.status).toBe(1);
    expect(out.snapshot()).toEqual(before);
    expect(leftovers('write-failure')).toEqual([]);
    expect(existsSync(lockfile)).toBe(false);
  });

  it('a failure while swapping, after --out was set aside, puts --out back and removes the staging directory', () => {
    const out = previousOutput('swap-failure');
    const before = out.snapshot();
    const files = [{ path: 'plan.json', content: '{"next": true}\n' }, { path: 'manifests/fraud.yaml', content: 'kind: Next\n' }];
    // The seam runs after every file is staged: removing the staging directory makes the swap's second rename fail.
    const sabotage = () => {
      for (const e of leftovers('swap-failure')) rmSync(join(scratch, e), { recursive: true, force: true });
    };
    expect(() => writeOutputAtomically(out.dir, files, sabotage)).toThrow(OutputWriteError);
    expect(() => writeOutputAtomically(out.dir, files, sabotage)).toThrow(/^could not write --out .*swap-failure: ENOENT: .* \(swapping the new directory in\); --out is unchanged/);
    expect(out.snapshot()).toEqual(before);
    expect(leftovers('swap-failure')).toEqual([]);
    // A failure after staging (the seam throws) is reported the same way and leaves nothing either.
    expect(() =>
      writeOutputAtomically(out.dir, files, () => {
        throw new Error('ENOSPC: no space left on device');
      }),
    ).toThrow('could not write --out');
    expect(out.snapshot()).toEqual(before);
    expect(leftovers('swap-failure')).toEqual([]);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCliInProcess(['synth', '--no-such-flag'])).code).toBe(2);
    expect((await runCliInProcess(['frobnicate'])).code).toBe(2);
    expect(runCliProcess([]).code).toBe(2);
  });

  it('refuses to replace a directory it did not write, and exits 2', async () => {
    const dir = join(scratch, 'precious');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'keep me\n');
    const { code, stderr } = await runCliInProcess(['synth', '--models', 'models', '--out', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to replace it');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me\n');
  });

  it('reports a missing stack file', async () => {
    const { code, stderr } = await runCliInProcess(['synth', '--stack', 'nope', '--out', join(scratch, 'nope')]);
    expect(code).toBe(1);
    expect(stderr).toContain('Pulumi.nope.yaml: -: stack file not found');
  });

  it('prints help', () => {
    const { code, stdout } = runCliProcess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('synth');
    expect(stdout).toContain('pack');
  });
});

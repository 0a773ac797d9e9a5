/**
 * The namespace's fetch script, run for real: `/bin/sh` (dash here; also
 * busybox ash, the shell of the rclone image, when `busybox` is installed)
 * against temporary directories in place of `/etc/modelfleet` and `/models`,
 * with the shard ConfigMap's data written as files and a fake `rclone` on
 * PATH that records its argv, reads its stdin (as a real command may),
 * creates the target with a `config.pbtxt` of the artifact's own, and fails
 * when told to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { FETCH_MODELS_SCRIPT, FetchModelsScript, fetchModelsScriptName } from '../../constructs/fetch-models-script.ts';
import { FleetChart } from '../../constructs/fleet-chart.ts';
import { CONFIG_MOUNT_PATH, FETCH_LIST_KEY, FETCH_SCRIPT_KEY, fetchModelsList, MODEL_REPOSITORY_PATH, shardConfigData } from '../../constructs/shard-config-data.ts';
import type { Shard } from '../../core/plan/shard-plan.ts';
import type { TeamSpec } from '../../core/spec/team-spec.ts';
import { validateManifests } from '../support/validate-manifests.ts';
import { cpuShard, defaultStack, gpuShard, teams } from './small-fleet.ts';

const stack = { ...defaultStack(), modelRepository: { s3Region: 'eu-west-1', s3Endpoint: 'https://minio.storage.svc:9000' } };

/** The GPU shard with one copy on a PersistentVolumeClaim: gs://, s3:// (region and endpoint) and pvc:// sources. */
const shard: Shard = {
  ...gpuShard,
  copies: gpuShard.copies.map((c) => (c.tritonName === 'txn-scorer.globex' ? { ...c, artifact: 'pvc://models-a/fraud/txn-scorer/globex' } : c)),
};

const FAKE_RCLONE = `#!/bin/sh
for arg in "$@"; do printf '%s\\037' "$arg"; done >>"$RCLONE_LOG"
echo >>"$RCLONE_LOG"
cat >/dev/null
for target in "$@"; do :; done
case "$target" in *"/$RCLONE_FAIL") echo "rclone: failed" >&2; exit 3 ;; esac
mkdir -p "$target/1"
echo 'name: "shipped-with-the-artifact"' >"$target/config.pbtxt"
`;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const busybox = spawnSync('busybox', ['sh', '-c', 'exit 0']).status === 0;
const SHELLS: readonly (readonly [string, readonly string[], boolean])[] = [
  ['/bin/sh', ['/bin/sh'], true],
  ['busybox ash', ['busybox', 'sh'], busybox],
];

/** Runs the script with `shell` over the projected volume's files: `data` and the script, less the key `omit`; the fake rclone fails for a target named `fail`. */
function fetch(shell: readonly string[], data: Readonly<Record<string, string>>, options: { fail?: string; omit?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'fetch-models-'));
  roots.push(root);
  const [config, models, bin, log] = [join(root, 'etc'), join(root, 'models'), join(root, 'bin'), join(root, 'rclone.log')];
  for (const dir of [config, models, bin]) mkdirSync(dir);
  for (const [key, text] of Object.entries({ ...data, [FETCH_SCRIPT_KEY]: FETCH_MODELS_SCRIPT })) if (key !== options.omit) writeFileSync(join(config, key), text);
  writeFileSync(join(bin, 'rclone'), FAKE_RCLONE, { mode: 0o755 });
  // What `--include=*` would expand to in the working directory if the script globbed.
  writeFileSync(join(root, '--include=globbed'), '');
  const result = spawnSync(shell[0]!, [...shell.slice(1), join(config, FETCH_SCRIPT_KEY)], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, MODELFLEET_MODELS_DIR: models, MODELFLEET_CONFIG_DIR: config, RCLONE_LOG: log, RCLONE_FAIL: options.fail ?? '' },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\x1f').slice(0, -1)) : [];
  const placed = (name: string) => (existsSync(join(models, name, 'config.pbtxt')) ? readFileSync(join(models, name, 'config.pbtxt'), 'utf8') : undefined);
  return { ...result, calls, models, placed };
}

/** The ConfigMap key each copy's line names. */
const configKeys = (data: Readonly<Record<string, string>>) => Object.fromEntries(data[FETCH_LIST_KEY]!.trimEnd().split('\n').map((line) => line.split('\t').slice(0, 2) as [string, string]));

for (const [label, shell, available] of SHELLS) {
  describe.skipIf(!available)(`fetch-models.sh under ${label}`, () => {
    const data = shardConfigData(shard, stack);

    it('copies every artifact with its exact rclone argv, in Triton-name order, and puts the generated config.pbtxt over the artifact\'s own', () => {
      const run = fetch(shell, data);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.calls).toEqual([
        ['copy', '--gcs-env-auth', ':gcs:fraud-models/embedder', `${run.models}/embedder`],
        ['copy', '--s3-env-auth', '--s3-region=eu-west-1', '--s3-endpoint=https://minio.storage.svc:9000', ':s3:ml-models/fraud/txn-scorer/acme', `${run.models}/txn-scorer.acme`],
        ['copy', '/mnt/pvc/models-a/fraud/txn-scorer/globex', `${run.models}/txn-scorer.globex`],
      ]);
      const keys = configKeys(data);
      for (const name of ['embedder', 'txn-scorer.acme', 'txn-scorer.globex']) expect(run.placed(name), name).toBe(data[keys[name]!]);
      expect(run.stdout).toBe(
        [
          'fetch-models: embedder <- :gcs:fraud-models/embedder',
          'fetch-models: txn-scorer.acme <- :s3:ml-models/fraud/txn-scorer/acme',
          'fetch-models: txn-scorer.globex <- /mnt/pvc/models-a/fraud/txn-scorer/globex',
          'fetch-models: 3 model(s) ready',
          '',
        ].join('\n'),
      );
    });

    it('reads an Azure on-the-fly remote (commas, equals signs and colons) as one argument', () => {
      const run = fetch(shell, shardConfigData(cpuShard, stack));
      expect(run.status).toBe(0);
      expect(run.calls).toEqual([
        ['copy', '--gcs-env-auth', ':gcs:ml-models-search/query-parser', `${run.models}/query-parser`],
        ['copy', '--azureblob-env-auth', ':azureblob,account=searchacct:models/ranker', `${run.models}/ranker`],
      ]);
    });

    it('passes each tab-separated flag as one argument: spaces kept, no globbing', () => {
      const list = fetchModelsList([{ tritonName: 'm', configKey: 'm.0.config.pbtxt', source: { path: ':s3:bucket/m', flags: ['--header=X-A: b c', '--include=*', '--s3-env-auth'] } }]);
      const run = fetch(shell, { [FETCH_LIST_KEY]: list, 'm.0.config.pbtxt': 'backend: "python"\n' });
      expect(run.status).toBe(0);
      expect(run.calls).toEqual([['copy', '--header=X-A: b c', '--include=*', '--s3-env-auth', ':s3:bucket/m', `${run.models}/m`]]);
      expect(run.placed('m')).toBe('backend: "python"\n');
    });

    it('stops at the first failing rclone, non-zero, before Triton could start on a partial repository', () => {
      const run = fetch(shell, data, { fail: 'txn-scorer.acme' });
      expect(run.status).not.toBe(0);
      expect(run.calls.map((c) => c.at(-1))).toEqual([`${run.models}/embedder`, `${run.models}/txn-scorer.acme`]);
      expect(run.placed('txn-scorer.acme')).toBeUndefined();
      expect(existsSync(join(run.models, 'txn-scorer.globex'))).toBe(false);
      expect(run.stdout).not.toContain('ready');
      expect(run.stderr).toContain('rclone: failed');
    });

    it('fails when a configuration or the list is missing', () => {
      const keys = configKeys(data);
      const noConfig = fetch(shell, data, { omit: keys['txn-scorer.acme']! });
      expect(noConfig.status).not.toBe(0);
      expect(noConfig.stdout).not.toContain('ready');
      const noList = fetch(shell, data, { omit: FETCH_LIST_KEY });
      expect(noList.status).toBe(1);
      expect(noList.calls).toEqual([]);
      expect(noList.stderr).toMatch(/fetch-models: .*\/fetch-models\.tsv is missing; the shard's ConfigMap must be mounted at /);
    });
  });
}

describe('FetchModelsScript', () => {
  it('defaults to the paths the pod mounts', () => {
    expect(FETCH_MODELS_SCRIPT).toContain(`models="\${MODELFLEET_MODELS_DIR:-${MODEL_REPOSITORY_PATH}}"\n`);
    expect(FETCH_MODELS_SCRIPT).toContain(`config="\${MODELFLEET_CONFIG_DIR:-${CONFIG_MOUNT_PATH}}"\n`);
    expect(FETCH_MODELS_SCRIPT).toContain(`list="$config/${FETCH_LIST_KEY}"\n`);
    expect(FETCH_MODELS_SCRIPT.startsWith('#!/bin/sh\n')).toBe(true);
    expect(FETCH_MODELS_SCRIPT).toContain('\nset -eu\n');
  });

  it('renders one valid ConfigMap per team namespace that has shards, named after the team', () => {
    const team = { name: 'fraud', namespace: 'fraud' } as TeamSpec;
    const chart = Testing.chart();
    new FetchModelsScript(chart, 'FetchModels', { team });
    const objects = Testing.synth(chart);
    expect(objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'fraud-fetch-models', namespace: 'fraud', labels: { 'app.kubernetes.io/managed-by': 'modelfleet', 'modelfleet.io/team': 'fraud' } },
        data: { 'fetch-models.sh': FETCH_MODELS_SCRIPT },
      },
    ]);
    expect(validateManifests(objects)).toEqual([]);
    expect(fetchModelsScriptName(team)).toBe('fraud-fetch-models');

    const [fraud] = teams;
    const app = Testing.app();
    const withShards = Testing.synth(new FleetChart(app, 'fraud', { team: fraud!, stack, shards: [gpuShard] }));
    const without = Testing.synth(new FleetChart(app, 'fraud-empty', { team: fraud!, stack }));
    const scripts = (objects: readonly { kind: string; metadata: { name: string } }[]) => objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'fraud-fetch-models');
    expect(scripts(withShards)).toHaveLength(1);
    expect(scripts(without)).toHaveLength(0);
  });
});

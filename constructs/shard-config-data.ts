/**
 * What a shard's ConfigMap holds: the list of its model copies
 * (`models.json`), every copy's Triton model configuration
 * (`<tritonName>.config.pbtxt`) and the script its init container runs to
 * copy every artifact into the Triton model repository and put the
 * configuration beside it (`fetch-models.sh`).
 */
import { createHash } from 'node:crypto';
import { SHARD_MODELS_KEY } from '../core/plan/shard-labels.ts';
import type { Shard } from '../core/plan/shard-plan.ts';
import type { ModelRepositoryAccess, StackConfig } from '../core/stack/stack-config.ts';
import { shardModelConfigs } from '../core/triton/shard-model-configs.ts';
import { renderModelConfig } from '../core/triton/validate-model-config.ts';
import { byKey } from '../core/util/compare.ts';

/** Key of the copy list in the shard ConfigMap (a contract with the platform rules, so it lives in core). */
export const MODELS_JSON_KEY = SHARD_MODELS_KEY;

/** Key of the fetch script in the shard ConfigMap. */
export const FETCH_SCRIPT_KEY = 'fetch-models.sh';

/** Where the Triton model repository is mounted in both containers. */
export const MODEL_REPOSITORY_PATH = '/models';

/** Where the shard ConfigMap is mounted in the init container. */
export const CONFIG_MOUNT_PATH = '/etc/modelfleet';

/** ConfigMap key of a copy's Triton model configuration: `<tritonName>.config.pbtxt`. */
export function modelConfigKey(tritonName: string): string {
  return `${tritonName}.config.pbtxt`;
}

/** One entry of `models.json`. */
export interface ModelsJsonEntry {
  /** Name Triton loads the copy under (its model-repository directory). */
  readonly name: string;
  readonly model: string;
  /** Tenant, or `null` for an untenanted model. */
  readonly tenant: string | null;
  readonly team: string;
  /** Artifact location, `{tenant}` substituted. */
  readonly artifact: string;
  readonly framework: string;
}

/** How rclone reads one artifact. */
export interface RcloneSource {
  /** rclone path: an on-the-fly remote (`:s3:bucket/path`). */
  readonly path: string;
  /** Backend flags (`--s3-env-auth`). */
  readonly flags: readonly string[];
}

/**
 * Translates an artifact URI into an rclone source using on-the-fly remotes
 * with credentials from the environment (IRSA / workload identity / env vars).
 *
 * - `s3://bucket/path` → `:s3:bucket/path` with `--s3-env-auth`
 * - `gs://bucket/path` → `:gcs:bucket/path` with `--gcs-env-auth`
 * - `as://account/container/path` → `:azureblob,account=account:container/path` with `--azureblob-env-auth`
 * - `pvc://claim/path` → `/mnt/pvc/claim/path`, rclone's local backend on the claim the
 *   fetcher mounts read-only
 *
 * S3 sources also get the stack's `--s3-region` and `--s3-endpoint` when set.
 *
 * @throws Error for any other form (the loader rejects those before a plan exists)
 */
export function rcloneSource(artifact: string, access: ModelRepositoryAccess = {}): RcloneSource {
  const url = /^(s3|gs|as):\/\/([^/]+)(?:\/(.*))?$/.exec(artifact);
  if (url) {
    const [, scheme, host = '', rest = ''] = url;
    const path = rest.replace(/\/+$/, '');
    switch (scheme) {
      case 's3':
        return {
          path: `:s3:${host}${path ? `/${path}` : ''}`,
          flags: [
            '--s3-env-auth',
            ...(access.s3Region ? [`--s3-region=${access.s3Region}`] : []),
            ...(access.s3Endpoint ? [`--s3-endpoint=${access.s3Endpoint}`] : []),
          ],
        };
      case 'gs':
        return { path: `:gcs:${host}${path ? `/${path}` : ''}`, flags: ['--gcs-env-auth'] };
      default:
        return { path: `:azureblob,account=${host}:${path}`, flags: ['--azureblob-env-auth'] };
    }
  }
  const claim = pvcOf(artifact);
  if (claim) return { path: `${PVC_MOUNT_ROOT}/${claim.claim}/${claim.path.replace(/\/+$/, '')}`, flags: [] };
  throw new Error(`artifact ${JSON.stringify(artifact)} is not an s3://, gs://, as:// or pvc:// URI`);
}

/** Where the fetcher mounts each PersistentVolumeClaim an artifact names (`/mnt/pvc/<claim>`). */
export const PVC_MOUNT_ROOT = '/mnt/pvc';

/** The claim and path of a `pvc://<claim>/<path>` artifact, or `undefined` for any other kind. */
export function pvcOf(artifact: string): { readonly claim: string; readonly path: string } | undefined {
  const m = /^pvc:\/\/([^/]+)\/(.+)$/.exec(artifact);
  return m ? { claim: m[1]!, path: m[2]! } : undefined;
}

/** The PersistentVolumeClaims a shard's artifacts live on, sorted. */
export function shardClaims(shard: Shard): string[] {
  return [...new Set(shard.copies.flatMap((c) => pvcOf(c.artifact)?.claim ?? []))].sort();
}

/** Quotes `value` for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

const byName = byKey((c: { readonly tritonName: string }) => c.tritonName);

/** The `models.json` entries of `shard`, sorted by Triton name. */
export function modelsJson(shard: Shard): ModelsJsonEntry[] {
  return [...shard.copies].sort(byName).map((c) => ({
    name: c.tritonName,
    model: c.model,
    tenant: c.tenant ?? null,
    team: c.team,
    artifact: c.artifact,
    framework: c.framework,
  }));
}

/**
 * The init container's script: per copy, in Triton-name order, one
 * `rclone copy` into `/models/<tritonName>`, then the generated
 * `config.pbtxt` copied over whatever configuration the artifact ships (the
 * declaration and tier decide it, not the artifact). It stops at the first
 * failure (`set -eu`), so a pod never starts Triton on a partial repository.
 */
export function fetchModelsScript(shard: Shard, access: ModelRepositoryAccess = {}): string {
  const copies = [...shard.copies].sort(byName);
  const lines = [
    '#!/bin/sh',
    `# Generated by modelfleet for shard ${shard.name}; do not edit.`,
    `# Copies every model copy's artifact into the Triton model repository (${MODEL_REPOSITORY_PATH}/<name>).`,
    'set -eu',
  ];
  for (const c of copies) {
    const source = rcloneSource(c.artifact, access);
    const target = `${MODEL_REPOSITORY_PATH}/${c.tritonName}`;
    lines.push(
      `echo ${shellQuote(`fetch-models: ${c.tritonName} <- ${c.artifact}`)}`,
      ['rclone', 'copy', ...source.flags.map(shellQuote), shellQuote(source.path), shellQuote(target)].join(' '),
      ['cp', shellQuote(`${CONFIG_MOUNT_PATH}/${modelConfigKey(c.tritonName)}`), shellQuote(`${target}/config.pbtxt`)].join(' '),
    );
  }
  lines.push(`echo ${shellQuote(`fetch-models: ${copies.length} model(s) ready`)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The data of the shard's ConfigMap, keys sorted: `fetch-models.sh`,
 * `models.json` and one `<tritonName>.config.pbtxt` per copy, each validated
 * strictly against Triton's `model_config.proto` (`renderModelConfig`).
 */
export function shardConfigData(shard: Shard, stack: StackConfig): Record<string, string> {
  const data: Record<string, string> = {
    [FETCH_SCRIPT_KEY]: fetchModelsScript(shard, stack.modelRepository),
    [MODELS_JSON_KEY]: `${JSON.stringify(modelsJson(shard), null, 2)}\n`,
  };
  for (const config of shardModelConfigs(shard, stack)) data[modelConfigKey(config.name)] = renderModelConfig(config);
  return Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!]));
}

/** SHA-256 (hex) of ConfigMap data, independent of key order: changes exactly when the contents do. */
export function configChecksum(data: Readonly<Record<string, string>>): string {
  const entries = Object.keys(data)
    .sort()
    .map((k) => [k, data[k]]);
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

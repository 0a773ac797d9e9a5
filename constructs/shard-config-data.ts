/**
 * What a shard's ConfigMap holds: the list of its model copies
 * (`models.json`), the list the fetch script works through
 * (`fetch-models.tsv`: per copy its Triton name, configuration key, rclone
 * source and flags) and the copies' Triton model configurations, one
 * `<model>.<sha256-12>.config.pbtxt` per distinct text (written without
 * `name`, so copies of one model with the same settings share one). The
 * script itself is the same for every shard of a namespace and lives in the
 * namespace's `FetchModelsScript` ConfigMap.
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

/** Key of the fetch script in the namespace's `FetchModelsScript` ConfigMap (mounted beside the shard's). */
export const FETCH_SCRIPT_KEY = 'fetch-models.sh';

/** Key of the fetch list in the shard ConfigMap: one tab-separated line per copy (`fetchModelsList`). */
export const FETCH_LIST_KEY = 'fetch-models.tsv';

/** Where the Triton model repository is mounted in both containers. */
export const MODEL_REPOSITORY_PATH = '/models';

/** Where the shard ConfigMap and the namespace's fetch script are mounted (one projected volume) in the init container. */
export const CONFIG_MOUNT_PATH = '/etc/modelfleet';

/**
 * ConfigMap key of a Triton model configuration: `<model>.<sha256-12>.config.pbtxt`,
 * the first 12 hex digits of the SHA-256 of `text`. Copies of one model whose
 * configurations are the same text share the key.
 *
 * @example
 * modelConfigKey('txn-scorer', text); // 'txn-scorer.3f9a0c1d2e4b.config.pbtxt'
 */
export function modelConfigKey(model: string, text: string): string {
  return `${model}.${createHash('sha256').update(text).digest('hex').slice(0, 12)}.config.pbtxt`;
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
 * `models.json` text: a JSON array with one compact entry per line, so it
 * stays small, valid JSON, and diffs line by line.
 *
 * @example
 * modelsJsonText(shard); // '[\n{"name":"embedder",…},\n{"name":"txn-scorer.acme",…}\n]\n'
 */
export function modelsJsonText(shard: Shard): string {
  return `[\n${modelsJson(shard).map((e) => JSON.stringify(e)).join(',\n')}\n]\n`;
}

/** One line of `fetch-models.tsv`: what the fetch script does for one copy. */
export interface FetchEntry {
  /** Name Triton loads the copy under: the script copies into `/models/<tritonName>`. */
  readonly tritonName: string;
  /** ConfigMap key of the copy's `config.pbtxt` (`modelConfigKey`). */
  readonly configKey: string;
  /** Where rclone reads the artifact. */
  readonly source: RcloneSource;
}

/** What the shard ConfigMap holds beside `models.json`: the fetch entries and the distinct configurations. */
export interface ShardFetchPlan {
  /** One entry per copy, sorted by Triton name. */
  readonly entries: readonly FetchEntry[];
  /** Configuration text by key, one per distinct text. */
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The fetch entries and Triton configurations of `shard`: every copy's
 * `ModelConfig` (`shardModelConfigs`), rendered without `name` and validated
 * strictly against `model_config.proto` (`renderModelConfig`), keyed by
 * content (`modelConfigKey`).
 *
 * @throws Error when two different texts get one key (a 48-bit hash collision within one model: never expected)
 */
export function shardFetchPlan(shard: Shard, stack: StackConfig): ShardFetchPlan {
  const copies = new Map(shard.copies.map((c) => [c.tritonName, c]));
  const configs: Record<string, string> = {};
  const entries: FetchEntry[] = [];
  for (const config of shardModelConfigs(shard, stack)) {
    const copy = copies.get(config.name)!;
    const text = renderModelConfig(config, { omitName: true });
    const configKey = modelConfigKey(copy.model, text);
    if (configs[configKey] !== undefined && configs[configKey] !== text) {
      throw new Error(`shard ${shard.name}: two different Triton configurations of ${copy.model} share the key ${configKey}`);
    }
    configs[configKey] = text;
    entries.push({ tritonName: copy.tritonName, configKey, source: rcloneSource(copy.artifact, stack.modelRepository) });
  }
  return { entries, configs };
}

/**
 * `fetch-models.tsv` text: per entry, in order, one line of tab-separated
 * fields: Triton name, configuration key, rclone source path, then one field
 * per rclone flag (none for a local path). The namespace's fetch script
 * (`FETCH_MODELS_SCRIPT`) reads it with `IFS=<tab> read -r`.
 *
 * No field may be empty (a tab is white space to `read`, so runs of tabs
 * count as one and an empty field would shift the others).
 *
 * @throws Error for an empty field or one with a tab, a line break or a NUL
 *   (never from a valid plan: names, artifacts and stack settings admit none)
 */
export function fetchModelsList(entries: readonly FetchEntry[]): string {
  const field = (value: string, what: string, copy: string): string => {
    if (value === '' || /[\t\n\r\0]/.test(value)) throw new Error(`copy ${copy}: ${what} ${JSON.stringify(value)} cannot be a field of ${FETCH_LIST_KEY} (empty, or holds a tab, line break or NUL)`);
    return value;
  };
  return entries
    .map((e) =>
      [
        field(e.tritonName, 'Triton name', e.tritonName),
        field(e.configKey, 'configuration key', e.tritonName),
        field(e.source.path, 'rclone source', e.tritonName),
        ...e.source.flags.map((f) => field(f, 'rclone flag', e.tritonName)),
      ].join('\t') + '\n',
    )
    .join('');
}

/**
 * The data of the shard's ConfigMap, keys sorted: `fetch-models.tsv`,
 * `models.json` and one `<model>.<sha256-12>.config.pbtxt` per distinct
 * configuration (`shardFetchPlan`).
 */
export function shardConfigData(shard: Shard, stack: StackConfig): Record<string, string> {
  const { entries, configs } = shardFetchPlan(shard, stack);
  const data: Record<string, string> = {
    ...configs,
    [FETCH_LIST_KEY]: fetchModelsList(entries),
    [MODELS_JSON_KEY]: modelsJsonText(shard),
  };
  return Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!]));
}

/** SHA-256 (hex) of ConfigMap data, independent of key order: changes exactly when the contents do. */
export function configChecksum(data: Readonly<Record<string, string>>): string {
  const entries = Object.keys(data)
    .sort()
    .map((k) => [k, data[k]]);
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

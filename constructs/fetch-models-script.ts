/**
 * The fetch script of one team namespace: a ConfigMap holding the POSIX
 * shell script every shard's init container runs to fill the Triton model
 * repository from the shard's `fetch-models.tsv`. It is the same text for
 * every shard, so the namespace holds it once.
 */
import { readFileSync } from 'node:fs';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LABEL, MANAGED_BY } from '../core/plan/shard-labels.ts';
import type { TeamSpec } from '../core/spec/team-spec.ts';
import { configChecksum, FETCH_SCRIPT_KEY } from './shard-config-data.ts';

/**
 * The script (`constructs/fetch-models.sh`), for `/bin/sh` of the fetcher
 * image (busybox ash in `rclone/rclone`): POSIX sh only. Per line of
 * `$MODELFLEET_CONFIG_DIR/fetch-models.tsv` (default `/etc/modelfleet`), in
 * order: `rclone copy <flags> <source> $MODELFLEET_MODELS_DIR/<name>` (default
 * `/models`), then the line's `config.pbtxt` copied over whatever the artifact
 * ships. `set -eu`: it stops at the first failure, non-zero, so a pod never
 * starts Triton on a partial repository. The two directories are variables
 * only so that tests can run the script against temporary ones.
 */
export const FETCH_MODELS_SCRIPT: string = readFileSync(new URL('./fetch-models.sh', import.meta.url), 'utf8');

/**
 * Name of the team's fetch-script ConfigMap: `<team>-fetch-models`. A shard's
 * objects are named `<team>-<tier>-<pool>-<n>`, and `fetch` is no tier, so it
 * can never be a shard's.
 */
export function fetchModelsScriptName(team: Pick<TeamSpec, 'name'>): string {
  return `${team.name}-fetch-models`;
}

/**
 * The value of a shard's `modelfleet.io/models-checksum` pod annotation:
 * `configChecksum()` of everything its fetcher reads at `/etc/modelfleet`,
 * the shard ConfigMap's data (`shardData`) and the namespace's script.
 *
 * The script joins the checksum on purpose: it is a constant, so hashing it
 * costs nothing, and a modelfleet upgrade that changes it rolls every shard
 * then, while the new script and the new lists are applied together and
 * watched, instead of at some later pod restart. Changing the copies, their
 * configurations or the fetch list rolls the shard's pods as before.
 *
 * @param script the namespace's script; `FETCH_MODELS_SCRIPT` unless a test says otherwise
 */
export function modelsChecksum(shardData: Readonly<Record<string, string>>, script: string = FETCH_MODELS_SCRIPT): string {
  return configChecksum({ ...shardData, [FETCH_SCRIPT_KEY]: script });
}

/** Properties for `FetchModelsScript`. */
export interface FetchModelsScriptProps {
  /** The team whose namespace gets the script. */
  readonly team: TeamSpec;
}

/**
 * A ConfigMap `<team>-fetch-models` in the team's namespace with one key,
 * `fetch-models.sh` (`FETCH_MODELS_SCRIPT`). Every `TritonShard` of the
 * namespace mounts it together with its own ConfigMap through one projected
 * volume at `/etc/modelfleet`, and its init container runs
 * `/bin/sh /etc/modelfleet/fetch-models.sh`.
 *
 * Labelled like the namespace's other objects (managed by modelfleet, the
 * team), without shard labels.
 *
 * @example
 * new FetchModelsScript(chart, 'FetchModels', { team });
 */
export class FetchModelsScript extends Construct {
  /** The ConfigMap holding the script. */
  public readonly configMap: k8s.KubeConfigMap;

  /**
   * Defines the fetch script of a team namespace.
   *
   * @param scope the team's chart
   * @param id construct id; `FetchModels` by convention
   * @param props the team
   */
  public constructor(scope: Construct, id: string, props: FetchModelsScriptProps) {
    super(scope, id);
    const { team } = props;
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: fetchModelsScriptName(team), namespace: team.namespace, labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.team]: team.name } },
      data: { [FETCH_SCRIPT_KEY]: FETCH_MODELS_SCRIPT },
    });
  }
}

/**
 * The stack outputs of the rendered-output mode, read back from the objects
 * that are registered: pure, so tests check them without Pulumi.
 *
 * A synth output directory carries no plan the program can trust (its
 * `plan.json` is the pull request's word), so the outputs are only what the
 * registered objects themselves say: each shard's Deployment labels and the
 * `models.json` of the ConfigMap its pods mount. GPUs, quota use, cost and
 * the lower bound come from a plan and are left out; the policy pack's
 * team-quota and team-budget rules judge the objects instead.
 */
import type { FleetManifest, KubeObject } from '../constructs/render-fleet.ts';
import { LABEL, SHARD_MODELS_KEY } from '../core/plan/shard-labels.ts';
import type { Placement } from '../core/plan/route-switch.ts';
import { SLA_TIERS, type SlaTier } from '../core/spec/model-spec.ts';
import { compareStrings } from '../core/util/compare.ts';
import { isJsonObject } from '../core/validate/strict-schema.ts';
import { mountedConfigMapNames } from '../policies/rules/shard-copies.ts';
import type { SelectionOutputs, ShardOutput } from './fleet-outputs.ts';

/**
 * Everything the program exports in rendered-output mode: of the objects the
 * stack registers (with `modelfleet:teams`, its teams' only), and which part
 * of the fleet that is (`teams`, `platformObjects`).
 */
export interface RenderedFleetOutputs extends SelectionOutputs {
  /** The directory the objects were read from (`modelfleet:renderedDir`), so the outputs say where they come from. */
  readonly renderedFrom: string;
  /** Shard name → team, tier, pool (the Deployment's labels) and copies (entries of its `models.json`), in file order. */
  readonly shards: Readonly<Record<string, ShardOutput>>;
  /** Triton name of every copy → `namespace/shard` serving it, from the shards' `models.json`; the shape of `FleetOutputs.placement`. */
  readonly placement: Placement;
}

const record = (value: unknown): Readonly<Record<string, unknown>> => (isJsonObject(value) ? value : {});

/**
 * Reads the outputs back from the objects: every Deployment labelled with a
 * shard (`modelfleet.io/shard`) and a tier, and the `models.json` of the
 * ConfigMaps its pod template mounts (directly or through a projected
 * volume), in its namespace.
 *
 * @param renderedFrom - the directory, as configured
 * @param selection - the stack's teams and whether it registers the platform objects (`selectFleet`)
 */
export function renderedFleetOutputs(manifests: readonly FleetManifest[], renderedFrom: string, selection: SelectionOutputs): RenderedFleetOutputs {
  const objects = manifests.flatMap((m) => m.objects);
  const configMaps = new Map<string, KubeObject>();
  for (const o of objects) if (o.apiVersion === 'v1' && o.kind === 'ConfigMap') configMaps.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  const shards: Record<string, ShardOutput> = {};
  const placement: [string, string][] = [];
  for (const o of objects) {
    if (o.apiVersion !== 'apps/v1' || o.kind !== 'Deployment') continue;
    const labels = record(o.metadata.labels);
    const [shard, team, tier, pool] = [labels[LABEL.shard], labels[LABEL.team], labels[LABEL.tier], labels[LABEL.pool]];
    if (typeof shard !== 'string' || typeof team !== 'string' || typeof pool !== 'string' || !SLA_TIERS.includes(tier as SlaTier)) continue;
    const podSpec = record(record(record(o.spec).template).spec);
    const copies: string[] = [];
    for (const name of mountedConfigMapNames(podSpec)) {
      const text = record(configMaps.get(`${o.metadata.namespace}/${name}`)?.data)[SHARD_MODELS_KEY];
      if (typeof text !== 'string') continue;
      let entries: unknown;
      try {
        entries = JSON.parse(text);
      } catch {
        continue;
      }
      for (const entry of Array.isArray(entries) ? entries : []) {
        const copy = record(entry).name;
        if (typeof copy === 'string') copies.push(copy);
      }
    }
    shards[shard] = { team, tier: tier as SlaTier, pool, copies: copies.length };
    for (const copy of copies) placement.push([copy, `${o.metadata.namespace}/${shard}`]);
  }
  placement.sort((a, b) => compareStrings(a[0], b[0]));
  return { renderedFrom, teams: [...selection.teams], platformObjects: selection.platformObjects, shards, placement: Object.fromEntries(placement) };
}

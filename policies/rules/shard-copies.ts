/**
 * The model copies behind a shard's pods, read back from the `models.json`
 * of the ConfigMaps its pod template mounts (`SHARD_MODELS_KEY`), directly or
 * through a projected volume.
 */
import { SHARD_MODELS_KEY } from '../../core/plan/shard-labels.ts';
import { asList, asRecord, asString, namespaceOf, type KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';
import type { PodTemplate } from './pod-templates.ts';

/** One entry of a shard's `models.json`. */
export interface ShardCopyEntry {
  /** The logical model (or, in older files, the Triton name). */
  readonly model?: string;
  readonly tenant?: string;
}

/**
 * Names of the ConfigMaps a pod spec mounts, in volume order: `configMap`
 * volumes and the `configMap` sources of `projected` volumes (a shard mounts
 * its ConfigMap beside the namespace's fetch script in one projected volume).
 */
export function mountedConfigMapNames(podSpec: Readonly<Record<string, unknown>>): string[] {
  const names: string[] = [];
  for (const v of asList(podSpec.volumes)) {
    const volume = asRecord(v);
    const sources = [volume?.configMap, ...asList(asRecord(volume?.projected)?.sources).map((s) => asRecord(s)?.configMap)];
    for (const source of sources) {
      const name = asString(asRecord(source)?.name);
      if (name !== undefined) names.push(name);
    }
  }
  return names;
}

/** Every `models.json` entry of the ConfigMaps `template` mounts in its namespace (from `objects` or an index of them); unreadable files are skipped. */
export function shardCopyEntries(template: PodTemplate, objects: readonly KubeObject[] | ObjectIndex): ShardCopyEntry[] {
  const out: ShardCopyEntry[] = [];
  const index = ObjectIndex.of(objects);
  const namespace = namespaceOf(template.object) ?? 'default';
  for (const name of mountedConfigMapNames(template.spec)) {
    const configMap = index.named('', 'ConfigMap', name, namespace, 'default');
    const text = asString(asRecord(configMap?.data)?.[SHARD_MODELS_KEY]);
    if (text === undefined) continue;
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      continue;
    }
    for (const e of asList(entries)) {
      const entry = asRecord(e);
      const model = asString(entry?.model) ?? asString(entry?.name);
      const tenant = asString(entry?.tenant);
      out.push({ ...(model !== undefined ? { model } : {}), ...(tenant ? { tenant } : {}) });
    }
  }
  return out;
}
